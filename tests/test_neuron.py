"""course_utils.neuron: one neuron vs keras.layers.Dense(1), the perceptron rule,
and the recurrent neuron vs keras.layers.SimpleRNN(1)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils import activations as A
from course_utils.neuron import (
    ACTIVATIONS,
    neuron_forward,
    perceptron_predict,
    perceptron_train,
    perceptron_update,
    recurrent_neuron_forward,
)

RTOL, ATOL = 1e-5, 1e-6
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
XOR_Y = np.array([0, 1, 1, 0])


def dense_with_weights(w, b, activation):
    keras.utils.set_random_seed(0)
    layer = keras.layers.Dense(1, activation=activation)
    layer.build((None, len(w)))
    layer.set_weights([np.asarray(w, np.float32)[:, None], np.array([b], np.float32)])
    return layer


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "relu", "elu", "gelu"])
@pytest.mark.parametrize(("n", "d"), [(1, 1), (16, 3), (64, 10)])
def test_neuron_forward_matches_dense_1(activation, n, d):
    rng = np.random.default_rng(n * 100 + d)
    x = rng.normal(size=(n, d)).astype(np.float32)
    w = rng.normal(size=d).astype(np.float32)
    b = np.float32(rng.normal())
    want = np.asarray(dense_with_weights(w, b, activation)(x))
    got = neuron_forward(x, w, b, activation)
    assert got.shape == (n,) and want.shape == (n, 1)
    np.testing.assert_allclose(got, want[:, 0], rtol=RTOL, atol=ATOL)


def test_neuron_forward_copies_weights_from_a_keras_layer():
    """The other direction: Keras's random initial weights, used by the scratch neuron."""
    keras.utils.set_random_seed(1)
    layer = keras.layers.Dense(1, activation="sigmoid", bias_initializer="random_normal")
    x = np.random.default_rng(1).normal(size=(32, 5)).astype(np.float32)
    want = np.asarray(layer(x))[:, 0]
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(neuron_forward(x, kernel[:, 0], bias, "sigmoid"), want, rtol=RTOL)


def test_neuron_forward_rejects_a_missing_bias_or_activation():
    """The Dense(1) comparison above would catch a neuron that drops b or the activation."""
    rng = np.random.default_rng(2)
    x, w, b = rng.normal(size=(8, 3)), rng.normal(size=3), 0.7
    want = np.asarray(dense_with_weights(w, b, "sigmoid")(x.astype(np.float32)))[:, 0]
    assert not np.allclose(A.sigmoid(x @ w), want, rtol=RTOL, atol=ATOL)
    assert not np.allclose(x @ w + b, want, rtol=RTOL, atol=ATOL)


def test_neuron_forward_single_example_callable_activation_and_dtype():
    x, w = np.array([1.0, -2.0], np.float32), np.array([0.5, 0.25], np.float32)
    out = neuron_forward(x, w, 1.0, "relu")
    assert out.shape == () and float(out) == pytest.approx(1.0)
    assert out.dtype == np.float32
    assert float(neuron_forward(x, w, 1.0, lambda z: 2 * z)) == pytest.approx(2.0)
    assert neuron_forward([[1, 2]], [1, 1], [3]).tolist() == [6.0]  # ints, lists, bias (1,)
    assert set(ACTIVATIONS) >= {"linear", "step", "sigmoid", "tanh", "relu"}


@pytest.mark.parametrize(
    ("x", "w", "b", "error", "match"),
    [
        (np.zeros((4, 3)), np.zeros(2), 0.0, ValueError, "x has 3 features .* but w has 2"),
        (np.zeros((4, 3)), np.zeros((3, 1)), 0.0, ValueError, "w .* must be 1-D"),
        (np.zeros((2, 4, 3)), np.zeros(3), 0.0, ValueError, "must be 1-D or 2-D"),
        (np.zeros((4, 3)), np.zeros(3), np.zeros(2), ValueError, "b must be a single number"),
        (np.zeros((4, 3)), np.zeros(3), "1", TypeError, "b must be an array-like of numbers"),
        ("x", np.zeros(3), 0.0, TypeError, "x must be an array-like of numbers"),
        (np.zeros((4, 3)), None, 0.0, TypeError, "w must be an array-like"),
        (np.zeros((4, 3)), np.zeros(3), True, TypeError, "b must be a number"),
    ],
)
def test_neuron_forward_bad_inputs(x, w, b, error, match):
    with pytest.raises(error, match=match):
        neuron_forward(x, w, b)


def test_neuron_forward_unknown_activation():
    with pytest.raises(ValueError, match="activation must be a function or one of"):
        neuron_forward(np.zeros((2, 2)), np.zeros(2), 0.0, "softplus")


# --- perceptron ------------------------------------------------------------------------------


def test_perceptron_predict_thresholds_at_zero():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    pred = perceptron_predict(x, [1.0, 0.0], 0.0)
    assert pred.tolist() == [1, 1, 0]  # z = 0 counts as class 1
    assert pred.dtype == np.int64


def test_perceptron_update_matches_the_rule_on_random_examples():
    rng = np.random.default_rng(3)
    changed = unchanged = 0
    for _ in range(200):
        d = int(rng.integers(1, 6))
        x_i, w = rng.normal(size=d), rng.normal(size=d)
        b, y_i, lr = float(rng.normal()), int(rng.integers(0, 2)), float(rng.uniform(0.1, 2))
        y_hat = int(x_i @ w + b >= 0)
        new_w, new_b = perceptron_update(x_i, y_i, w, b, lr)
        np.testing.assert_allclose(new_w, w + lr * (y_i - y_hat) * x_i)
        assert new_b == pytest.approx(b + lr * (y_i - y_hat))
        changed += y_hat != y_i
        unchanged += y_hat == y_i
    assert changed > 50 and unchanged > 50  # both branches of the rule were exercised


def test_perceptron_update_directions():
    w, b = np.array([1.0, -1.0]), -0.5
    # a positive example classified 0: the weights move towards it
    new_w, new_b = perceptron_update([0.0, 1.0], 1, w, b, lr=0.5)
    np.testing.assert_allclose(new_w, [1.0, -0.5])
    assert new_b == pytest.approx(0.0)
    # a negative example classified 1: the weights move away from it
    new_w, new_b = perceptron_update([2.0, 0.0], 0, w, b, lr=1.0)
    np.testing.assert_allclose(new_w, [-1.0, -1.0])
    assert new_b == pytest.approx(-1.5)
    # a correct example: nothing changes
    new_w, new_b = perceptron_update([2.0, 0.0], 1, w, b)
    np.testing.assert_allclose(new_w, w)
    assert new_b == b


def reference_perceptron(x, y, epochs, lr):
    """An independent plain-Python perceptron to compare against."""
    w, b, mistakes = [0.0] * x.shape[1], 0.0, []
    for _ in range(epochs):
        count = 0
        for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
            z = sum(wj * xj for wj, xj in zip(w, xi, strict=True)) + b
            err = yi - (1 if z >= 0 else 0)
            if err:
                count += 1
                w = [wj + lr * err * xj for wj, xj in zip(w, xi, strict=True)]
                b += lr * err
        mistakes.append(count)
        if count == 0:
            break
    return np.array(w), b, mistakes


def separable_data(seed, n=60, d=2, margin=0.3):
    rng = np.random.default_rng(seed)
    true_w, true_b = rng.normal(size=d), rng.normal() * 0.5
    x = rng.uniform(-2, 2, size=(4 * n, d))
    score = (x @ true_w + true_b) / np.linalg.norm(true_w)
    keep = np.abs(score) > margin
    return x[keep][:n], (score[keep][:n] > 0).astype(int)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("lr", [1.0, 0.1])
def test_perceptron_train_converges_on_separable_data(seed, lr):
    x, y = separable_data(seed, d=2 + seed)
    w, b, history = perceptron_train(x, y, epochs=200, lr=lr)
    assert history.converged and history.mistakes[-1] == 0
    assert np.array_equal(perceptron_predict(x, w, b), y)
    assert len(history.weights) == len(history.biases) == len(history.mistakes) + 1
    np.testing.assert_array_equal(history.weights[0], np.zeros(x.shape[1]))
    np.testing.assert_allclose(history.weights[-1], w)
    ref_w, ref_b, ref_mistakes = reference_perceptron(x, y, 200, lr)
    assert history.mistakes == ref_mistakes
    np.testing.assert_allclose(w, ref_w, rtol=1e-12, atol=1e-12)
    assert b == pytest.approx(ref_b)


def test_perceptron_never_converges_on_xor():
    _, _, history = perceptron_train(XOR_X, XOR_Y, epochs=50)
    assert len(history.mistakes) == 50 and min(history.mistakes) >= 1
    assert not history.converged


def test_perceptron_train_initial_weights_and_no_early_stop():
    x, y = separable_data(5)
    w0 = np.array([0.3, -0.2])
    _, _, history = perceptron_train(x, y, epochs=30, w0=w0, b0=0.1, stop_when_converged=False)
    assert len(history.mistakes) == 30 and history.mistakes[-1] == 0
    np.testing.assert_array_equal(history.weights[0], w0)
    assert history.biases[0] == 0.1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"y": [0, 2, 1, 0]}, ValueError, "labels y must be 0 or 1"),
        ({"y": [0, 1, 1]}, ValueError, "same number of items"),
        ({"y": [[0, 1, 1, 0]]}, ValueError, "y .* must be 1-D"),
        ({"x": np.zeros(4)}, ValueError, "x .* must be 2-D"),
        ({"epochs": 0}, ValueError, "epochs must be a positive int"),
        ({"epochs": 2.5}, ValueError, "epochs must be a positive int"),
        ({"lr": -1.0}, ValueError, "lr must be a positive number"),
        ({"lr": "0.1"}, TypeError, "lr must be a positive number"),
        ({"w0": np.zeros(3)}, ValueError, r"w0 must have shape \(2,\)"),
        ({"x": [["a", "b"]] * 4}, TypeError, "x must hold numbers"),
    ],
)
def test_perceptron_train_bad_inputs(kwargs, error, match):
    args = {"x": XOR_X, "y": XOR_Y, **kwargs}
    with pytest.raises(error, match=match):
        perceptron_train(**args)


def test_perceptron_update_bad_inputs():
    with pytest.raises(ValueError, match="x_i .* must be 1-D"):
        perceptron_update(np.zeros((2, 2)), 1, np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="y_i must be a single label"):
        perceptron_update(np.zeros(2), [1, 0], np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="labels y_i must be 0 or 1"):
        perceptron_update(np.zeros(2), -1, np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="x has 2 features"):
        perceptron_update(np.zeros(2), 1, np.zeros(3), 0.0)


# --- the recurrent neuron --------------------------------------------------------------------


@pytest.mark.parametrize(("batch", "time", "d"), [(1, 1, 1), (4, 7, 2), (3, 20, 5)])
def test_recurrent_neuron_matches_simple_rnn_1(batch, time, d):
    rng = np.random.default_rng(batch + time + d)
    x = rng.normal(size=(batch, time, d)).astype(np.float32)
    w_x, w_h, b = rng.normal(size=d).astype(np.float32), np.float32(0.8), np.float32(-0.1)
    keras.utils.set_random_seed(0)
    rnn = keras.layers.SimpleRNN(1, return_sequences=True)
    rnn.build((None, time, d))
    rnn.set_weights([w_x[:, None], np.array([[w_h]]), np.array([b])])
    want = np.asarray(rnn(x))[..., 0]
    got = recurrent_neuron_forward(x, w_x, w_h, b)
    assert got.shape == (batch, time) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    # without the recurrent term it is just a tanh neuron at each step, which differs
    if time > 1:
        no_memory = np.tanh(x @ w_x + b)
        assert not np.allclose(no_memory, want, rtol=RTOL, atol=ATOL)


def test_recurrent_neuron_initial_state_and_bad_inputs():
    x = np.zeros((2, 3, 1))
    np.testing.assert_allclose(recurrent_neuron_forward(x, [1.0], 1.0, 0.0, h0=0.5)[:, 0],
                               np.tanh(0.5))  # fmt: skip
    with pytest.raises(ValueError, match=r"sequences of shape \(batch, time, d\)"):
        recurrent_neuron_forward(np.zeros((2, 3)), [1.0], 1.0, 0.0)
    with pytest.raises(ValueError, match="w_h must be a single number"):
        recurrent_neuron_forward(x, [1.0], [1.0, 2.0], 0.0)
    with pytest.raises(ValueError, match="but w_x has 2 weights"):
        recurrent_neuron_forward(x, [1.0, 2.0], 1.0, 0.0)
