"""The chapter 04 explorer: optimizer paths on the quadratic, bad inputs, the figure, speed."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils.explorers.ch04 import (
    EXPLORER_OPTIMIZERS,
    KAPPA,
    START,
    draw_optimizer_path,
    optimizer_path,
    quadratic_loss,
)


def test_quadratic_loss_known_values():
    assert quadratic_loss([0.0, 0.0]) == 0.0
    assert quadratic_loss([2.0, 0.0]) == 2.0
    assert quadratic_loss([0.0, 1.0]) == KAPPA / 2
    assert np.allclose(quadratic_loss(np.array([[1.0, 1.0], [-4.0, 1.5]]), kappa=4.0),
                       [2.5, 12.5])  # fmt: skip


def test_sgd_follows_the_closed_form():
    """Gradient descent on a diagonal quadratic multiplies coordinate i by (1 - lr k_i)."""
    path, losses, diverged = optimizer_path("sgd", np.log10(0.05), steps=30)
    t = np.arange(31)[:, None]
    want = np.array(START) * (1 - 0.05 * np.array([1.0, KAPPA])) ** t
    assert not diverged and path.shape == (31, 2)
    assert np.allclose(path, want, rtol=1e-10, atol=1e-12)
    assert np.allclose(losses, 0.5 * (want[:, 0] ** 2 + KAPPA * want[:, 1] ** 2))


def heavy_ball(lr, mu, steps, nesterov=False):
    """Sutskever et al.'s momentum written out independently (Nesterov: look-ahead form)."""
    theta, v = np.array(START), np.zeros(2)
    scale = np.array([1.0, KAPPA])
    stored = [theta]
    for _ in range(steps):
        at = theta + mu * v if nesterov else theta
        v = mu * v - lr * scale * at
        theta = theta + v
        stored.append(theta + mu * v if nesterov else theta)  # Keras stores the look-ahead
    return np.array(stored)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_and_nesterov_use_beta_as_the_momentum(nesterov):
    name = "nesterov" if nesterov else "momentum"
    path, _, _ = optimizer_path(name, np.log10(0.01), 0.8, steps=40)
    assert np.allclose(path, heavy_ball(0.01, 0.8, 40, nesterov), rtol=1e-9, atol=1e-12)
    other, _, _ = optimizer_path(name, np.log10(0.01), 0.5, steps=40)
    assert not np.allclose(path, other)


def test_adam_uses_beta_as_beta1_and_matches_keras():
    import keras

    from course_utils.optimizers import run_keras_optimizer

    path, _, _ = optimizer_path("adam", -1.0, 0.7, steps=25)
    keras_path = run_keras_optimizer(keras.optimizers.Adam(0.1, beta_1=0.7), np.array(START),
                                     lambda th: np.array([1.0, KAPPA]) * th, steps=25)  # fmt: skip
    assert np.allclose(path, keras_path, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["sgd", "rmsprop"])
def test_beta_is_ignored_where_it_has_no_meaning(name):
    a, _, _ = optimizer_path(name, -2.0, 0.1, steps=20)
    b, _, _ = optimizer_path(name, -2.0, 0.95, steps=20)
    assert np.array_equal(a, b)


def test_rmsprop_matches_keras():
    import keras

    from course_utils.optimizers import run_keras_optimizer

    path, _, _ = optimizer_path("rmsprop", -1.5, steps=20)
    keras_path = run_keras_optimizer(keras.optimizers.RMSprop(10**-1.5), np.array(START),
                                     lambda th: np.array([1.0, KAPPA]) * th, steps=20)  # fmt: skip
    assert np.allclose(path, keras_path, rtol=1e-4, atol=1e-5)


def test_sgd_diverges_above_two_over_kappa_and_the_path_is_cut():
    stable = optimizer_path("sgd", np.log10(0.078), steps=60)
    assert not stable[2] and len(stable[0]) == 61
    path, losses, diverged = optimizer_path("sgd", np.log10(0.1), steps=300)
    assert diverged and 1 < len(path) < 301 and len(losses) == len(path)
    assert np.all(np.isfinite(losses)) and losses.max() <= 1e6 * losses[0]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"optimizer": "adagrad"}, ValueError, "one of"),
     ({"optimizer": 3}, TypeError, "must be a string"),
     ({"log10_lr": "0.1"}, TypeError, "log10_lr must be a number"),
     ({"log10_lr": 3.0}, ValueError, "log10_lr must be in"),
     ({"beta": 1.0}, ValueError, "beta must be in"),
     ({"beta": True}, TypeError, "beta must be a number"),
     ({"steps": 0}, ValueError, "steps must be >= 1"),
     ({"steps": 2.5}, TypeError, "steps must be an int"),
     ({"start": [1.0, 2.0, 3.0]}, ValueError, "start must be two numbers"),
     ({"start": "origin"}, TypeError, "start must be an array-like")],
)  # fmt: skip
def test_bad_inputs_say_what_was_expected(kwargs, error, match):
    arguments = {"optimizer": "sgd", "log10_lr": -2.0, **kwargs}
    with pytest.raises(error, match=match):
        optimizer_path(**arguments)


def test_quadratic_loss_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        quadratic_loss(np.ones((4, 3)))


@pytest.mark.parametrize("name", EXPLORER_OPTIMIZERS)
def test_draw_returns_a_figure_for_every_optimizer(name):
    fig = draw_optimizer_path(name, -1.0, 0.9)
    assert isinstance(fig, Figure) and len(fig.axes) == 2


def test_draw_handles_a_diverging_run():
    fig = draw_optimizer_path("sgd", 0.0)
    assert "diverged" in fig.axes[1].get_title()


def test_the_explorer_redraws_fast():
    from course_utils.widgets import choice, explorer, slider

    e = explorer(draw_optimizer_path, optimizer=choice(EXPLORER_OPTIMIZERS, "momentum"),
                 log10_lr=slider(-3.0, 0.0, -2.0, step=0.1), beta=slider(0.0, 0.99, 0.9))
    before = e.image.value
    e.controls["log10_lr"].value = -1.5
    assert e.image.value != before
    assert e.best_redraw_seconds() < 1.0, e.last_seconds
    again = e.image.value
    e.controls["optimizer"].value = "adam"
    assert e.image.value != again
    assert e.best_redraw_seconds() < 1.0, e.last_seconds
