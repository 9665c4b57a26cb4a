import numpy as np
import pytest

from course_utils.validation import (
    as_array,
    as_float_array,
    as_int,
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


def test_as_int_accepts_python_and_numpy_integers_at_or_above_the_minimum():
    assert as_int(3, "n", 1) == 3 and type(as_int(np.int64(2), "n", 2)) is int
    assert as_int(0, "index", 0) == 0


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (2.0, TypeError, "n must be an int, got float"),
        (True, TypeError, "n must be an int, got bool"),
        ("3", TypeError, "n must be an int, got str"),
        (1, ValueError, "n must be >= 2, got 1"),
        (np.int32(-1), ValueError, "n must be >= 2, got -1"),
    ],
)
def test_as_int_says_what_was_expected(value, error, message):
    with pytest.raises(error, match=message):
        as_int(value, "n", 2)
