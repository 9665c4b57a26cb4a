import numpy as np
import pytest

from course_utils.validation import (
    as_array,
    as_float_array,
    check_ndim,
    check_same_length,
    check_shape,
)


def test_as_array_accepts_lists_arrays_and_tensors():
    tf = pytest.importorskip("tensorflow")
    assert as_array([1, 2], "x").tolist() == [1, 2]
    assert as_array(np.ones(3), "x", dtype=np.float32).dtype == np.float32
    assert as_array(tf.constant([1.0]), "x").shape == (1,)
    assert as_array([True, False], "mask").dtype == bool


@pytest.mark.parametrize("bad", [None, "text", {"a": 1}, ["a", "b"], [[1, 2], [3]]])
def test_as_array_rejects_non_numeric_with_type_error(bad):
    with pytest.raises(TypeError, match="x must"):
        as_array(bad, "x")


def test_check_ndim_message_names_expected_and_actual():
    with pytest.raises(ValueError, match=r"images must be 3-D or 4-D, got shape \(2, 2\)"):
        check_ndim(np.zeros((2, 2)), "images", (3, 4))
    check_ndim(np.zeros((2, 2)), "m", 2)


def test_check_shape_with_wildcards():
    check_shape(np.zeros((5, 28, 28)), "x", (None, 28, 28))
    with pytest.raises(ValueError, match=r"must have shape \(any, 28, 28\), got \(5, 28, 27\)"):
        check_shape(np.zeros((5, 28, 27)), "x", (None, 28, 28))
    with pytest.raises(ValueError, match="must have shape"):
        check_shape(np.zeros((5,)), "x", (None, 28))


def test_check_same_length():
    check_same_length(a=[1, 2], b=np.zeros(2))
    with pytest.raises(ValueError, match="a has 2, b has 3"):
        check_same_length(a=[1, 2], b=[1, 2, 3])


def test_as_float_array_keeps_float_dtypes_and_converts_the_rest():
    assert as_float_array(np.ones(3, np.float32), "x").dtype == np.float32
    converted = as_float_array([1, 2, 3], "x")
    assert converted.dtype == np.float64 and converted.tolist() == [1.0, 2.0, 3.0]
    assert as_float_array(np.array([True, False]), "x").dtype == np.float64
    with pytest.raises(TypeError, match="x must be an array-like of numbers"):
        as_float_array("abc", "x")
