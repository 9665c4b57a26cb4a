"""Chapter 04's exercise checks accept correct answers and reject plausible wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch04 import (
    check_adam_update,
    check_heavy_ball_step,
    check_inverse_time_decay,
    check_lion_step,
    check_prediction_4_6,
    check_rmsprop_momentum_step,
)


def not_started(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------- 4.1 heavy-ball momentum


def heavy_ball_step(theta, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    return theta - lr * velocity, velocity


def heavy_ball_ema(theta, grad, velocity, lr, momentum):
    """Wrong: an exponential moving average of the gradient, (1 - mu) g."""
    velocity = momentum * velocity + (1 - momentum) * grad
    return theta - lr * velocity, velocity


def heavy_ball_stale_velocity(theta, grad, velocity, lr, momentum):
    """Wrong: moves with the old velocity, updates it afterwards."""
    return theta - lr * velocity, momentum * velocity + grad


def heavy_ball_keras_velocity(theta, grad, velocity, lr, momentum):
    """Wrong for this exercise: Keras's convention v = mu v - lr g (the velocity differs)."""
    velocity = momentum * velocity - lr * grad
    return theta + velocity, velocity


def test_heavy_ball_accepts_the_textbook_form():
    assert "4.1 passed" in check_heavy_ball_step(heavy_ball_step)


@pytest.mark.parametrize(
    "wrong", [heavy_ball_ema, heavy_ball_stale_velocity, heavy_ball_keras_velocity, not_started]
)
def test_heavy_ball_rejects(wrong):
    with pytest.raises(ExerciseFailure, match="Exercise 4.1"):
        check_heavy_ball_step(wrong)


def test_heavy_ball_rejects_a_single_array():
    with pytest.raises(ExerciseFailure, match="tuple"):
        check_heavy_ball_step(lambda theta, grad, velocity, lr, momentum: theta - lr * grad)


# ---------------------------------------------------------------- 4.2 Adam (Algorithm 1)


def adam_update(theta, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_no_bias_correction(theta, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def adam_returns_corrected_moments(theta, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,
                                   eps=1e-8):  # fmt: skip
    m = (beta1 * m + (1 - beta1) * grad) / (1 - beta1**t)
    v = (beta2 * v + (1 - beta2) * grad**2) / (1 - beta2**t)
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def adam_bias_not_powered(theta, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return theta - lr * (m / (1 - beta1)) / (np.sqrt(v / (1 - beta2)) + eps), m, v


def buggy_adam_update(theta, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """The exercise-bug cell of the notebook: stores the corrected moments as the state."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m = m / (1 - beta1**t)
    v = v / (1 - beta2**t)
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def test_adam_accepts_algorithm_1():
    assert "4.2 passed" in check_adam_update(adam_update)


def test_adam_rejects_the_notebooks_buggy_version_with_a_hint():
    with pytest.raises(ExerciseFailure, match="uncorrected moving averages"):
        check_adam_update(buggy_adam_update)


def test_adam_says_not_solved_yet():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_adam_update(not_started)


@pytest.mark.parametrize(
    "wrong",
    [adam_no_bias_correction, adam_returns_corrected_moments, adam_bias_not_powered, not_started],
)
def test_adam_rejects(wrong):
    with pytest.raises(ExerciseFailure, match="Exercise 4.2"):
        check_adam_update(wrong)


# ---------------------------------------------------------------- 4.3 inverse time decay


def inverse_time_decay(step, initial_lr, decay_steps, decay_rate, staircase=False):
    p = np.asarray(step, dtype=np.float64) / decay_steps
    if staircase:
        p = np.floor(p)
    return initial_lr / (1 + decay_rate * p)


def inverse_time_no_decay_steps(step, initial_lr, decay_steps, decay_rate, staircase=False):
    return initial_lr / (1 + decay_rate * np.asarray(step, dtype=np.float64))


def inverse_time_ignores_staircase(step, initial_lr, decay_steps, decay_rate, staircase=False):
    return initial_lr / (1 + decay_rate * np.asarray(step, dtype=np.float64) / decay_steps)


def inverse_time_as_exponential(step, initial_lr, decay_steps, decay_rate, staircase=False):
    p = np.asarray(step, dtype=np.float64) / decay_steps
    if staircase:
        p = np.floor(p)
    return initial_lr * decay_rate**p


def test_inverse_time_accepts_the_formula():
    assert "4.3 passed" in check_inverse_time_decay(inverse_time_decay)


@pytest.mark.parametrize(
    "wrong",
    [inverse_time_no_decay_steps, inverse_time_ignores_staircase, inverse_time_as_exponential,
     not_started],
)  # fmt: skip
def test_inverse_time_rejects(wrong):
    with pytest.raises(ExerciseFailure, match="Exercise 4.3"):
        check_inverse_time_decay(wrong)


# ---------------------------------------------------------------- 4.4 RMSprop with momentum


def rmsprop_momentum_step(theta, grad, s, velocity, lr, rho, momentum, epsilon):
    s = rho * s + (1 - rho) * grad**2
    velocity = momentum * velocity + lr * grad / np.sqrt(s + epsilon)
    return theta - velocity, s, velocity


def rmsprop_without_one_minus_rho(theta, grad, s, velocity, lr, rho, momentum, epsilon):
    s = rho * s + grad**2
    velocity = momentum * velocity + lr * grad / np.sqrt(s + epsilon)
    return theta - velocity, s, velocity


def rmsprop_momentum_on_raw_gradient(theta, grad, s, velocity, lr, rho, momentum, epsilon):
    """Wrong: momentum on the gradient first, then divided by the root mean square."""
    s = rho * s + (1 - rho) * grad**2
    velocity = momentum * velocity + grad
    return theta - lr * velocity / np.sqrt(s + epsilon), s, velocity


def rmsprop_ignores_momentum(theta, grad, s, velocity, lr, rho, momentum, epsilon):
    s = rho * s + (1 - rho) * grad**2
    return theta - lr * grad / np.sqrt(s + epsilon), s, velocity


def test_rmsprop_momentum_accepts_the_keras_rule():
    assert "4.4 passed" in check_rmsprop_momentum_step(rmsprop_momentum_step)


@pytest.mark.parametrize(
    "wrong",
    [rmsprop_without_one_minus_rho, rmsprop_momentum_on_raw_gradient, rmsprop_ignores_momentum,
     not_started],
)  # fmt: skip
def test_rmsprop_momentum_rejects(wrong):
    with pytest.raises(ExerciseFailure, match="Exercise 4.4"):
        check_rmsprop_momentum_step(wrong)


# ---------------------------------------------------------------- 4.5 Lion


def lion_step(theta, grad, m, lr, beta1, beta2):
    direction = np.sign(beta1 * m + (1 - beta1) * grad)
    return theta - lr * direction, beta2 * m + (1 - beta2) * grad


def lion_updates_m_first(theta, grad, m, lr, beta1, beta2):
    """Wrong: updates the momentum with beta2 first and takes the sign of the new m."""
    m = beta2 * m + (1 - beta2) * grad
    return theta - lr * np.sign(m), m


def lion_without_sign(theta, grad, m, lr, beta1, beta2):
    """Wrong: momentum SGD, the step scales with the gradient."""
    return theta - lr * (beta1 * m + (1 - beta1) * grad), beta2 * m + (1 - beta2) * grad


def lion_one_beta(theta, grad, m, lr, beta1, beta2):
    """Wrong: beta1 for both the interpolation and the momentum update."""
    direction = np.sign(beta1 * m + (1 - beta1) * grad)
    return theta - lr * direction, beta1 * m + (1 - beta1) * grad


def lion_sign_of_gradient(theta, grad, m, lr, beta1, beta2):
    """Wrong: signSGD, ignores the momentum in the step."""
    return theta - lr * np.sign(grad), beta2 * m + (1 - beta2) * grad


def test_lion_accepts_the_keras_rule():
    assert "4.5 passed" in check_lion_step(lion_step)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [(lion_updates_m_first, "OLD m"), (lion_without_sign, "exactly lr"),
     (lion_one_beta, "beta2"), (lion_sign_of_gradient, "OLD m"),
     (not_started, "not solved yet"),
     (lambda theta, grad, m, lr, beta1, beta2: theta - lr * np.sign(grad), "tuple")],
)  # fmt: skip
def test_lion_rejects(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_lion_step(wrong)


# ---------------------------------------------------------------- 4.6 predict: rotation


def test_prediction_accepts_the_right_letter(capsys):
    assert "4.6 passed" in check_prediction_4_6(lambda: "b")
    out = capsys.readouterr().out
    assert out.count(" passed.") == 1 and "AdaGrad" in out


@pytest.mark.parametrize(
    ("wrong", "match"),
    [(lambda: "a", "you predicted \\(a\\)"), (lambda: "c", "you predicted \\(c\\)"),
     (lambda: "d", "one of"), (lambda: None, "one of"), (not_started, "not solved yet")],
)  # fmt: skip
def test_prediction_rejects(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_4_6(wrong)


def test_prediction_not_started_reveals_nothing(capsys):
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_prediction_4_6(not_started)
    assert "AdaGrad" not in capsys.readouterr().out


def test_the_experiment_shows_the_right_answer():
    from course_utils.exercises.ch04 import _rotated_quadratic_race

    results = _rotated_quadratic_race()
    for name in ("sgd", "momentum"):
        aligned, turned = results[name]
        assert abs(aligned - turned) <= 1e-9 * max(aligned, 1e-30)
    aligned, turned = results["adagrad"]
    assert turned > 1e6 * aligned
