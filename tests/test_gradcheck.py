"""Tests for course_utils.gradcheck: central differences and the relative error."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from course_utils.gradcheck import numerical_gradient, numerical_gradients, relative_error


def f_scalar(v: np.ndarray) -> float:
    return float(np.sum(np.sin(v) * v**2) + np.sum(v) ** 2)


def tape_gradient(v: np.ndarray) -> np.ndarray:
    x = tf.constant(v, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.sin(x) * x**2) + tf.reduce_sum(x) ** 2
    return tape.gradient(y, x).numpy()


@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 2)])
def test_numerical_gradient_matches_gradient_tape(shape):
    rng = np.random.default_rng(sum(shape))
    x = rng.normal(size=shape)
    numeric = numerical_gradient(f_scalar, x)
    assert numeric.shape == shape and numeric.dtype == np.float64
    assert relative_error(numeric, tape_gradient(x)) < 1e-8


def test_numerical_gradient_is_central_not_one_sided():
    # With a large step the one-sided difference (f(x+eps) - f(x)) / eps is off by
    # about eps/2 * f''; the central difference only by about eps^2/6 * f'''.
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=6)
    exact = np.exp(x)
    numeric = numerical_gradient(lambda v: np.sum(np.exp(v)), x, eps=1e-3)
    assert relative_error(numeric, exact) < 1e-6
    forward = np.array([(np.sum(np.exp(x + 1e-3 * e)) - np.sum(np.exp(x))) / 1e-3
                        for e in np.eye(6)])  # fmt: skip
    assert relative_error(forward, exact) > 1e-4  # the test above would catch this formula


def test_numerical_gradient_is_exact_for_quadratics_and_leaves_x_alone():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(4, 4))
    a = a + a.T
    x = rng.normal(size=4)
    x_before = x.copy()
    numeric = numerical_gradient(lambda v: 0.5 * v @ a @ v, x, eps=1e-3)
    np.testing.assert_allclose(numeric, a @ x, rtol=1e-8, atol=1e-9)
    np.testing.assert_array_equal(x, x_before)


def test_numerical_gradient_accepts_lists_and_ints():
    numeric = numerical_gradient(lambda v: np.sum(v**2), [1, 2, 3])
    np.testing.assert_allclose(numeric, [2.0, 4.0, 6.0], rtol=1e-8)


def test_numerical_gradient_bad_inputs():
    with pytest.raises(TypeError, match="f must be a function"):
        numerical_gradient("sum", np.ones(3))
    with pytest.raises(TypeError, match="x must"):
        numerical_gradient(np.sum, "abc")
    with pytest.raises(TypeError, match="eps must"):
        numerical_gradient(np.sum, np.ones(3), eps="small")
    with pytest.raises(ValueError, match="eps must be positive"):
        numerical_gradient(np.sum, np.ones(3), eps=0.0)
    with pytest.raises(TypeError, match="f must return a scalar"):
        numerical_gradient(lambda v: v * 2, np.ones(3))


def test_relative_error_properties():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 3))
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    b = a + 1e-3 * rng.normal(size=a.shape)
    assert relative_error(a, b) == pytest.approx(relative_error(b, a))
    assert relative_error(1e6 * a, 1e6 * b) == pytest.approx(relative_error(a, b))
    expected = np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))
    assert relative_error(a, b) == pytest.approx(expected, rel=1e-12)
    assert isinstance(relative_error(a, b), float)


def test_relative_error_bad_inputs():
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match="a must"):
        relative_error(None, np.ones(3))
    with pytest.raises(TypeError, match="b must"):
        relative_error(np.ones(3), {"x": 1})


def test_numerical_gradients_of_a_parameter_list():
    rng = np.random.default_rng(4)
    params = [{"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)},
              {"w": rng.normal(size=(2, 1)), "b": rng.normal(size=1)}]  # fmt: skip
    x = rng.normal(size=(5, 3))

    def loss(p):
        hidden = np.tanh(x @ p[0]["w"] + p[0]["b"])
        return float(np.sum((hidden @ p[1]["w"] + p[1]["b"]) ** 2))

    variables = [{k: tf.Variable(v) for k, v in layer.items()} for layer in params]
    with tf.GradientTape() as tape:
        hidden = tf.tanh(x @ variables[0]["w"] + variables[0]["b"])
        value = tf.reduce_sum((hidden @ variables[1]["w"] + variables[1]["b"]) ** 2)
    want = tape.gradient(value, variables)
    before = [{k: v.copy() for k, v in layer.items()} for layer in params]
    got = numerical_gradients(loss, params)
    for layer_got, layer_want, layer, old in zip(got, want, params, before, strict=True):
        assert set(layer_got) == {"w", "b"}
        for key in ("w", "b"):
            assert layer_got[key].shape == layer[key].shape
            assert relative_error(layer_got[key], layer_want[key].numpy()) < 1e-8
            np.testing.assert_array_equal(layer[key], old[key])
    with pytest.raises(TypeError, match="params must be a list of dicts"):
        numerical_gradients(loss, {"w": np.ones(2)})
    with pytest.raises(TypeError, match="loss must be a function"):
        numerical_gradients(None, params)
