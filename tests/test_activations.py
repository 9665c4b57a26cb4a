"""course_utils.activations against Keras/TensorFlow, on fresh random inputs.

Values are compared with ``keras.activations`` (or the Keras layer), derivatives
with ``tf.GradientTape``. The ``test_*_rejects_*`` tests show that the same
comparison fails for the wrong formulas that tutorials often print, so these
tests would catch them.
"""

from __future__ import annotations

import warnings
import zlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils import activations as A

SHAPES = [(7,), (4, 5), (2, 3, 6)]
DTYPES = [np.float32, np.float64]
TOL = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-6, "atol": 1e-8}}


def random_x(shape, dtype, seed=0, scale=3.0):
    """Fresh normal inputs, with no exact zeros (the kinks of ReLU-like functions)."""
    x = np.random.default_rng(seed).normal(scale=scale, size=shape)
    x[np.abs(x) < 1e-3] = 0.5
    return x.astype(dtype)


def keras_value_and_grad(fn, x):
    """``fn(x)`` and its elementwise derivative, computed by TensorFlow in float64.

    (In float32, TensorFlow's own rounding error in the tanh-GELU derivative, about
    1e-6 near x = -4, would exceed the float32 tolerance.)
    """
    t = tf.constant(np.asarray(x, np.float64))
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    return np.asarray(y), np.asarray(tape.gradient(y, t))


# (name, scratch value, scratch derivative, Keras function), for the elementwise activations.
CASES = [
    ("sigmoid", A.sigmoid, A.sigmoid_grad, keras.activations.sigmoid),
    ("tanh", A.tanh, A.tanh_grad, keras.activations.tanh),
    ("relu", A.relu, A.relu_grad, keras.activations.relu),
    ("leaky_relu", A.leaky_relu, A.leaky_relu_grad, keras.layers.LeakyReLU()),
    (
        "leaky_relu(0.1)",
        lambda x: A.leaky_relu(x, alpha=0.1),
        lambda x: A.leaky_relu_grad(x, alpha=0.1),
        lambda t: keras.activations.leaky_relu(t, negative_slope=0.1),
    ),
    ("elu", A.elu, A.elu_grad, keras.activations.elu),
    (
        "elu(0.5)",
        lambda x: A.elu(x, alpha=0.5),
        lambda x: A.elu_grad(x, alpha=0.5),
        lambda t: keras.activations.elu(t, alpha=0.5),
    ),
    ("gelu", A.gelu, A.gelu_grad, keras.activations.gelu),
    (
        "gelu(approximate)",
        lambda x: A.gelu(x, approximate=True),
        lambda x: A.gelu_grad(x, approximate=True),
        lambda t: keras.activations.gelu(t, approximate=True),
    ),
]
CASE_IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "value", "grad", "reference"), CASES, ids=CASE_IDS)
def test_value_and_derivative_match_keras(name, value, grad, reference, dtype, shape):
    x = random_x(shape, dtype, seed=zlib.crc32(f"{name}{shape}".encode()))
    want_y, want_dy = keras_value_and_grad(reference, x)
    got_y, got_dy = value(x), grad(x)
    assert got_y.shape == shape and got_y.dtype == dtype
    assert got_dy.shape == shape and got_dy.dtype == dtype
    np.testing.assert_allclose(got_y, want_y, **TOL[dtype], err_msg=f"{name} value")
    np.testing.assert_allclose(got_dy, want_dy, **TOL[dtype], err_msg=f"{name} derivative")


def test_leaky_relu_default_alpha_is_the_keras_layer_default():
    assert keras.layers.LeakyReLU().negative_slope == pytest.approx(0.3)
    np.testing.assert_allclose(A.leaky_relu(np.float32(-10.0)), -3.0)
    np.testing.assert_allclose(A.leaky_relu_grad(np.float32(-10.0)), 0.3)


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (A.relu_grad, 0.0),
        (A.leaky_relu_grad, 0.3),
        (A.elu_grad, 1.0),
        (A.sigmoid_grad, 0.25),
        (A.tanh_grad, 1.0),
        (A.gelu_grad, 0.5),
    ],
)
def test_derivative_at_zero_matches_tensorflow(fn, expected):
    x = np.zeros(3, np.float32)
    reference = {
        A.relu_grad: keras.activations.relu,
        A.leaky_relu_grad: keras.layers.LeakyReLU(),
        A.elu_grad: keras.activations.elu,
        A.sigmoid_grad: keras.activations.sigmoid,
        A.tanh_grad: keras.activations.tanh,
        A.gelu_grad: keras.activations.gelu,
    }[fn]
    _, want = keras_value_and_grad(reference, x)
    np.testing.assert_allclose(fn(x), want)
    np.testing.assert_allclose(fn(x), expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_step_is_the_heaviside_function_with_step_0_equal_1(dtype):
    x = random_x((5, 4), dtype, seed=3)
    x[0, 0] = 0.0
    got = A.step(x)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.heaviside(x, 1.0))
    np.testing.assert_array_equal(got, np.asarray(tf.cast(tf.constant(x) >= 0, dtype)))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_matches_keras(shape, dtype, axis):
    x = random_x(shape, dtype, seed=sum(shape) + axis, scale=5.0)
    want = np.asarray(keras.activations.softmax(tf.constant(x), axis=axis))
    got = A.softmax(x, axis=axis)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, **TOL[dtype])
    np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_is_stable_for_large_logits(dtype):
    logits = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning fails the test
        got = A.softmax(logits)
    assert np.all(np.isfinite(got))
    want = np.asarray(keras.activations.softmax(tf.constant(logits)))
    np.testing.assert_allclose(got, want, **TOL[dtype])
    np.testing.assert_allclose(got[0], A.softmax(np.array([0.0, 1.0, 2.0], dtype)), rtol=1e-6)


def test_softmax_without_max_subtraction_overflows():
    """The naive formula the previous test rules out: exp(1000) is inf, inf / inf is nan."""
    logits = np.array([1000.0, 1001.0, 1002.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(logits) / np.exp(logits).sum()
    assert np.all(np.isnan(naive))


@pytest.mark.parametrize("shape", [(4,), (3, 5)])
def test_softmax_jacobian_matches_gradient_tape(shape):
    x = random_x(shape, np.float64, seed=11)
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        s = tf.nn.softmax(t)
    if len(shape) == 1:
        want = tape.jacobian(s, t)
    else:
        want = tape.batch_jacobian(s, t)
    got = A.softmax_jacobian(A.softmax(x))
    assert got.shape == shape + shape[-1:]
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_is_stable_and_saturates_without_warnings(dtype):
    x = np.array([-1e4, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e4], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            s, ds = A.sigmoid(x), A.sigmoid_grad(x)
    np.testing.assert_allclose(s, np.asarray(keras.activations.sigmoid(tf.constant(x))), atol=0)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert np.all(np.isfinite(ds)) and ds[3] == 0.25


def test_elu_and_gelu_do_not_overflow_for_large_inputs():
    x = np.array([-1e4, 1e4, 3e38], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(A.elu(x), [-1.0, 1e4, 3e38])
        np.testing.assert_allclose(A.elu_grad(x), [0.0, 1.0, 1.0])
        np.testing.assert_allclose(A.gelu(x[:2]), [0.0, 1e4])


def test_accepts_lists_scalars_integers_and_tensors():
    np.testing.assert_allclose(A.relu([-2, 3]), [0.0, 3.0])
    assert A.relu([-2, 3]).dtype == np.float64
    assert A.sigmoid(0) == 0.5 and A.sigmoid(0).shape == ()
    np.testing.assert_allclose(A.tanh(tf.constant([0.5], tf.float32)), np.tanh([0.5]), rtol=1e-6)
    assert A.tanh(tf.constant([0.5], tf.float32)).dtype == np.float32


# --- the comparisons above reject the wrong formulas tutorials print ----------------------------

WRONG_FORMULAS = [
    # Leaky ReLU as "a small constant for negative x"
    ("leaky_relu", lambda x: np.where(x >= 0, x, 0.3), keras.layers.LeakyReLU(), "value"),
    # Leaky ReLU with keras.activations.leaky_relu's default slope (0.2), not the layer's (0.3)
    ("leaky_relu", lambda x: np.where(x >= 0, x, 0.2 * x), keras.layers.LeakyReLU(), "value"),
    # the sigmoid's derivative written as s instead of s (1 - s)
    ("sigmoid_grad", lambda x: 1 / (1 + np.exp(-x)), keras.activations.sigmoid, "grad"),
    # tanh's derivative written as 1 - tanh(x)
    ("tanh_grad", lambda x: 1 - np.tanh(x), keras.activations.tanh, "grad"),
    # ELU's negative part without the "- 1"
    ("elu", lambda x: np.where(x > 0, x, np.exp(x)), keras.activations.elu, "value"),
    # GELU confused with the sigmoid approximation x * sigmoid(1.702 x) ... or with x * sigmoid(x)
    ("gelu", lambda x: x / (1 + np.exp(-x)), keras.activations.gelu, "value"),
]


@pytest.mark.parametrize(("name", "wrong", "reference", "which"), WRONG_FORMULAS)
def test_comparison_rejects_wrong_formula(name, wrong, reference, which):
    x = random_x((4, 5), np.float32, seed=5)
    want_y, want_dy = keras_value_and_grad(reference, x)
    want = want_y if which == "value" else want_dy
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(wrong(x), want, **TOL[np.float32])


# --- bad inputs ------------------------------------------------------------------------------

ALL_FUNCTIONS = [getattr(A, name) for name in A.__all__]


@pytest.mark.parametrize("fn", ALL_FUNCTIONS, ids=A.__all__)
@pytest.mark.parametrize("bad", [None, "1.0", ["a", "b"], {"x": 1}, [[1.0, 2.0], [3.0]]])
def test_non_numeric_input_raises_type_error(fn, bad):
    with pytest.raises(TypeError, match="must be an array-like of numbers|must hold numbers"):
        fn(bad)


@pytest.mark.parametrize("fn", [A.leaky_relu, A.leaky_relu_grad, A.elu, A.elu_grad])
def test_bad_alpha(fn):
    with pytest.raises(TypeError, match="alpha must be a real number"):
        fn([1.0], alpha="0.3")
    with pytest.raises(TypeError, match="alpha must be a real number"):
        fn([1.0], alpha=np.array([0.3, 0.2]))
    with pytest.raises(ValueError, match="alpha must be finite"):
        fn([1.0], alpha=float("nan"))


@pytest.mark.parametrize("fn", [A.gelu, A.gelu_grad])
def test_bad_approximate_flag(fn):
    with pytest.raises(TypeError, match="approximate must be True or False"):
        fn([1.0], approximate="tanh")


def test_softmax_bad_axis_and_scalar():
    with pytest.raises(ValueError, match="axis 2 is out of range for an array of shape"):
        A.softmax(np.zeros((2, 3)), axis=2)
    with pytest.raises(TypeError, match="axis must be an int"):
        A.softmax(np.zeros((2, 3)), axis=1.0)
    with pytest.raises(ValueError, match="at least a 1-D array"):
        A.softmax(3.0)
    with pytest.raises(ValueError, match="shape"):
        A.softmax_jacobian(0.5)
