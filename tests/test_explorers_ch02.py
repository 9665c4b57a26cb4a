"""The chapter 02 explorer: data sets, the MLP's gradients and training, the figure, speed."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils.explorers.ch02 import (
    DATASETS,
    accuracy,
    draw_mlp_explorer,
    init_params,
    loss_and_gradients,
    make_dataset,
    predict_proba,
    train_mlp,
)


def random_params(rng, hidden=5):
    return {"w1": rng.normal(size=(2, hidden)), "b1": rng.normal(size=hidden),
            "w2": rng.normal(size=hidden), "b2": np.asarray(rng.normal())}  # fmt: skip


# --- data sets ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", DATASETS)
def test_datasets_are_balanced_deterministic_2d_binary(name):
    x, y = make_dataset(name, n=200)
    assert x.shape == (200, 2) and y.shape == (200,)
    assert set(np.unique(y)) == {0.0, 1.0} and y.sum() == 100
    x2, y2 = make_dataset(name, n=200)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert not np.array_equal(x, make_dataset(name, n=200, seed=1)[0])
    assert np.abs(x).max() < 4


def test_xor_without_noise_puts_opposite_corners_in_the_same_class():
    x, y = make_dataset("xor", n=40, noise=0.0)
    assert np.array_equal(np.abs(x), np.ones_like(x))
    assert np.array_equal(y == 1, x[:, 0] != x[:, 1])


def test_circles_put_class_1_inside():
    x, y = make_dataset("circles", n=100, noise=0.0)
    radius = np.hypot(x[:, 0], x[:, 1])
    assert np.allclose(radius[y == 1], 0.6) and np.allclose(radius[y == 0], 1.5)


def test_no_straight_line_separates_xor_or_circles():
    """A logistic regression (one neuron) cannot get these right: an MLP is needed."""
    rng = np.random.default_rng(0)
    for name in ("xor", "circles"):
        x, y = make_dataset(name)
        best = 0.0
        for angle in np.linspace(0, np.pi, 90, endpoint=False):
            projection = x @ np.array([np.cos(angle), np.sin(angle)])
            for threshold in rng.uniform(-2, 2, size=40):
                right = np.mean((projection > threshold) == (y == 1))
                best = max(best, right, 1 - right)
        assert best < 0.8, (name, best)


# --- the network --------------------------------------------------------------------------
def test_loss_and_gradients_match_gradient_tape():
    import tensorflow as tf

    rng = np.random.default_rng(3)
    params = random_params(rng)
    x, y = rng.normal(size=(30, 2)), rng.integers(0, 2, size=30).astype(float)
    variables = {k: tf.Variable(v) for k, v in params.items()}
    with tf.GradientTape() as tape:
        hidden = tf.tanh(x @ variables["w1"] + variables["b1"])
        logits = tf.linalg.matvec(hidden, variables["w2"]) + variables["b2"]
        reference = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y, logits))
    want = tape.gradient(reference, variables)
    loss, grads = loss_and_gradients(params, x, y)
    assert np.isclose(loss, float(reference), rtol=1e-10)
    for key in params:
        assert grads[key].shape == params[key].shape
        assert np.allclose(grads[key], want[key].numpy(), rtol=1e-9, atol=1e-12), key


def test_loss_and_gradients_match_central_differences():
    rng = np.random.default_rng(4)
    params = random_params(rng, hidden=3)
    x, y = rng.normal(size=(12, 2)), rng.integers(0, 2, size=12).astype(float)
    _, grads = loss_and_gradients(params, x, y)
    eps = 1e-6
    for key, value in params.items():
        for index in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][index] += eps
            minus[key][index] -= eps
            numeric = (loss_and_gradients(plus, x, y)[0]
                       - loss_and_gradients(minus, x, y)[0]) / (2 * eps)  # fmt: skip
            assert np.isclose(grads[key][index], numeric, rtol=1e-5, atol=1e-8), (key, index)


def test_predict_proba_matches_a_keras_model_with_the_same_weights():
    import keras

    rng = np.random.default_rng(5)
    params = random_params(rng, hidden=4)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])  # fmt: skip
    model.set_weights([params["w1"], params["b1"], params["w2"][:, None], params["b2"][None]])
    x = rng.normal(size=(20, 2))
    assert np.allclose(predict_proba(params, x), model(x).numpy()[:, 0], atol=1e-6)


def test_accuracy_of_a_hand_made_network():
    # one hidden unit copies x1, the output says class 1 when x1 > 0
    params = {"w1": np.array([[10.0], [0.0]]), "b1": np.zeros(1), "w2": np.array([10.0]),
              "b2": np.asarray(0.0)}  # fmt: skip
    x = np.array([[1.0, 5.0], [-1.0, 2.0], [2.0, -3.0], [-2.0, 0.0]])
    assert accuracy(params, x, [1, 0, 1, 0]) == 1.0
    assert accuracy(params, x, [1, 1, 1, 1]) == 0.5
    assert accuracy(params, x, [0, 1, 0, 1]) == 0.0


def test_train_mlp_is_gradient_descent_with_momentum():
    """The fast inlined loop equals the textbook update written with loss_and_gradients."""
    x, y = make_dataset("moons", n=50)
    params = init_params(6, seed=2)
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    for _ in range(25):
        _, grads = loss_and_gradients(params, x, y)
        for key in params:
            velocity[key] = 0.8 * velocity[key] - 0.3 * grads[key]
            params[key] = params[key] + velocity[key]
    trained = train_mlp(x, y, 6, 25, learning_rate=0.3, momentum=0.8, seed=2)
    for key in params:
        assert np.allclose(trained[key], params[key], rtol=1e-10, atol=1e-12), key


def test_zero_steps_is_the_initial_network_and_training_learns():
    x, y = make_dataset("xor")
    untrained = train_mlp(x, y, 8, 0)
    for key, value in init_params(8).items():
        assert np.array_equal(untrained[key], value)
    assert init_params(8)["w1"].shape == (2, 8) and np.all(init_params(8)["b1"] == 0)
    trained = train_mlp(x, y, 8, 600)
    assert accuracy(untrained, x, y) < 0.7 < 0.97 < accuracy(trained, x, y)
    assert loss_and_gradients(trained, x, y)[0] < 0.2 * loss_and_gradients(untrained, x, y)[0]


def test_one_hidden_unit_cannot_fit_circles_but_eight_can():
    x, y = make_dataset("circles")
    assert accuracy(train_mlp(x, y, 1, 1500), x, y) < 0.8
    assert accuracy(train_mlp(x, y, 8, 1500), x, y) > 0.97


# --- bad inputs ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: make_dataset("spirals"), ValueError, "one of"),
        (lambda: make_dataset(3), TypeError, "dataset must be a string"),
        (lambda: make_dataset("xor", n=2), ValueError, "n must be >= 4"),
        (lambda: make_dataset("xor", noise=-1.0), ValueError, "noise"),
        (lambda: init_params(0), ValueError, "hidden must be >= 1"),
        (lambda: init_params(2.5), TypeError, "hidden must be an int"),
        (lambda: train_mlp(np.zeros((4, 3)), np.zeros(4), 2, 5), ValueError, r"shape \(n, 2\)"),
        (lambda: train_mlp(np.zeros((4, 2)), np.zeros(5), 2, 5), ValueError, "same number"),
        (lambda: train_mlp(np.zeros((4, 2)), np.full(4, 0.5), 2, 5), ValueError, "binary"),
        (lambda: train_mlp(np.zeros((4, 2)), np.zeros(4), 2, -1), ValueError, "steps"),
        (lambda: train_mlp(np.zeros((4, 2)), np.zeros(4), 2, 5, momentum=1.0), ValueError,
         "momentum"),
        (lambda: train_mlp("data", np.zeros(4), 2, 5), TypeError, "x must be an array-like"),
        (lambda: predict_proba({"w1": np.zeros((2, 3))}, np.zeros((1, 2))), TypeError, "keys"),
        (lambda: predict_proba(dict(init_params(3), w2=np.zeros(4)), np.zeros((1, 2))),
         ValueError, "params\\['w2'\\] must have shape"),
        (lambda: draw_mlp_explorer("xor", hidden=100), ValueError, "fast"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- the figure and the widget ------------------------------------------------------------
def test_draw_returns_a_figure_with_the_accuracy_in_the_title():
    fig = draw_mlp_explorer("moons", hidden=8, steps=800)
    assert isinstance(fig, Figure)
    title = fig.axes[0].get_title()
    assert "training accuracy 100%" in title and "2 -> 8 -> 1" in title
    assert "training accuracy" in draw_mlp_explorer("xor", hidden=3, steps=0).axes[0].get_title()


def test_explorer_redraws_fast():
    from course_utils.widgets import choice, explorer, slider

    e = explorer(draw_mlp_explorer, title="An MLP on 2-D data",
                 dataset=choice(list(DATASETS)), hidden=slider(1, 16, 2),
                 steps=slider(0, 2000, 1000, step=50), seed=slider(0, 9, 0))  # fmt: skip
    before = e.image.value
    e.controls["hidden"].value = 16
    e.controls["steps"].value = 2000
    assert e.image.value != before
    assert e.best_redraw_seconds() < 1.0, e.last_seconds
    e.controls["dataset"].value = "circles"
    assert e.best_redraw_seconds() < 1.0, e.last_seconds
