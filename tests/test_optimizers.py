"""course_utils.optimizers: every NumPy update rule against the Keras optimizer, step by step."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from course_utils.optimizers import (
    OPTIMIZER_NAMES,
    adagrad_step,
    adam_step,
    adamw_step,
    init_state,
    keras_optimizer,
    momentum_step,
    relative_error,
    rmsprop_step,
    run_keras_optimizer,
    run_optimizer,
    sgd_step,
)

# Learning rates large enough that every step moves theta visibly (a wrong formula then
# shows up far above float32 rounding); the other hyperparameters differ from the defaults.
HPARAMS = {
    "sgd": {"lr": 0.1},
    "momentum": {"lr": 0.05, "momentum": 0.8},
    "nesterov": {"lr": 0.05, "momentum": 0.8},
    "adagrad": {"lr": 0.3, "initial_accumulator_value": 0.2, "epsilon": 1e-6},
    "rmsprop": {"lr": 0.05, "rho": 0.8, "epsilon": 1e-6},
    "adam": {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6},
    "adamw": {"lr": 0.05, "weight_decay": 0.2, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6},
}
STEPS = 12


def random_problem(seed: int, shape=(3, 4), steps: int = STEPS):
    """A random float32 start and a fixed sequence of fresh random gradients."""
    rng = np.random.default_rng(seed)
    theta0 = rng.normal(size=shape).astype(np.float32)
    grads = (rng.normal(size=(steps, *shape)) * rng.uniform(0.1, 3.0, size=shape)).astype(
        np.float32
    )
    return theta0, grads


def assert_agrees(path: np.ndarray, reference: np.ndarray) -> None:
    """Parameters agree to 1e-5 (relative), and so do the *displacements* from the start,
    which makes a wrong update visible even when it is small compared with theta."""
    assert path.shape == reference.shape
    assert relative_error(path, reference) < 1e-5
    assert relative_error(path - path[0], reference - reference[0]) < 1e-4


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_every_rule_matches_keras_on_random_gradients(name, seed):
    theta0, grads = random_problem(seed)
    scratch = run_optimizer(name, theta0, grads, **HPARAMS[name])
    by_keras = run_keras_optimizer(keras_optimizer(name, **HPARAMS[name]), theta0, grads)
    assert scratch.shape == (STEPS + 1, *theta0.shape)
    assert_agrees(scratch, by_keras)


KERAS_DEFAULTS = {
    "sgd": lambda: keras.optimizers.SGD(),
    "momentum": lambda: keras.optimizers.SGD(momentum=0.9),
    "nesterov": lambda: keras.optimizers.SGD(momentum=0.9, nesterov=True),
    "adagrad": lambda: keras.optimizers.Adagrad(),
    "rmsprop": lambda: keras.optimizers.RMSprop(),
    "adam": lambda: keras.optimizers.Adam(),
    "adamw": lambda: keras.optimizers.AdamW(),
}


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_defaults_are_keras_defaults(name):
    """With no hyperparameters, the NumPy rule equals the Keras optimizer built with its
    own defaults (AdaGrad's accumulator starts at 0.1, RMSprop's rho is 0.9, ...)."""
    theta0, grads = random_problem(7, shape=(5,), steps=15)
    grads = grads * 50  # large gradients so that the small default rates move theta
    assert_agrees(run_optimizer(name, theta0, grads),
                  run_keras_optimizer(KERAS_DEFAULTS[name](), theta0, grads))  # fmt: skip


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_matches_keras_with_gradients_of_a_function(name):
    """Gradients recomputed at the current parameters (an ill-conditioned quadratic)."""
    scales = np.array([1.0, 10.0], dtype=np.float32)

    def grad(theta):
        return scales * theta

    theta0 = np.array([-3.0, 1.0], dtype=np.float32)
    scratch = run_optimizer(name, theta0, grad, steps=20, **HPARAMS[name])
    by_keras = run_keras_optimizer(keras_optimizer(name, **HPARAMS[name]), theta0, grad, steps=20)
    assert_agrees(scratch, by_keras)


def test_step_functions_by_hand_match_run_optimizer():
    theta0, grads = random_problem(3, shape=(4,), steps=10)
    theta, m, v = theta0, np.zeros(4, np.float32), np.zeros(4, np.float32)
    for t, g in enumerate(grads, start=1):
        theta, m, v = adam_step(theta, g, m, v, t, lr=0.05)
    np.testing.assert_allclose(theta, run_optimizer("adam", theta0, grads, lr=0.05)[-1])
    theta = theta0
    for g in grads:
        theta = sgd_step(theta, g, 0.1)
    np.testing.assert_allclose(theta, theta0 - 0.1 * grads.sum(axis=0), rtol=1e-6)


def test_steps_keep_float32_and_do_not_modify_inputs():
    theta0, grads = random_problem(4, shape=(6,), steps=1)
    g = grads[0]
    state = np.full(6, 0.5, np.float32)
    copies = theta0.copy(), g.copy(), state.copy()
    results = [
        sgd_step(theta0, g, 0.1),
        *momentum_step(theta0, g, state, 0.1, 0.9, nesterov=True),
        *adagrad_step(theta0, g, state, 0.1),
        *rmsprop_step(theta0, g, state, 0.1),
        *adam_step(theta0, g, state, state, 3, 0.1),
        *adamw_step(theta0, g, state, state, 3, 0.1),
    ]
    assert all(r.dtype == np.float32 and r.shape == (6,) for r in results)
    for before, after in zip(copies, (theta0, g, state), strict=True):
        np.testing.assert_array_equal(before, after)
    assert sgd_step([1, 2], [1, 1], 0.5).dtype == np.float64  # ints become float64


def test_init_state_matches_keras_initial_values():
    theta = np.ones(3, np.float32)
    np.testing.assert_allclose(init_state("adagrad", theta)["accumulator"], [0.1] * 3)
    np.testing.assert_array_equal(
        init_state("adagrad", theta, initial_accumulator_value=0.5)["accumulator"], [0.5] * 3
    )
    assert set(init_state("adam", theta)) == {"m", "v"}
    assert init_state("sgd", theta) == {}


# ----------------------------------------------------------------------------------------
# The comparison is sensitive: plausible wrong formulas are far outside its tolerance.


def _wrong_rmsprop_no_one_minus_rho(theta0, grads, lr, rho, epsilon):
    theta, s = theta0.copy(), np.zeros_like(theta0)
    for g in grads:
        s = rho * s + g**2  # missing (1 - rho)
        theta = theta - lr * g / np.sqrt(s + epsilon)
    return theta


def _wrong_adam_no_bias_correction(theta0, grads, lr, beta1, beta2, epsilon, decay=0.0):
    theta, m, v = theta0.copy(), np.zeros_like(theta0), np.zeros_like(theta0)
    for g in grads:
        theta = theta - lr * decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        theta = theta - lr * m / (np.sqrt(v) + epsilon)
    return theta


def _wrong_adamw_coupled_l2(theta0, grads, lr, weight_decay, beta1, beta2, epsilon):
    theta, m, v = theta0.copy(), np.zeros_like(theta0), np.zeros_like(theta0)
    for t, g in enumerate(grads, start=1):
        theta, m, v = adam_step(theta, g + weight_decay * theta, m, v, t, lr, beta1, beta2,
                                epsilon)  # fmt: skip
    return theta


def _wrong_nesterov_as_plain_momentum(theta0, grads, lr, momentum):
    theta, velocity = theta0.copy(), np.zeros_like(theta0)
    for g in grads:
        theta, velocity = momentum_step(theta, g, velocity, lr, momentum, nesterov=False)
    return theta


def _wrong_adagrad_accumulator_from_zero(theta0, grads, lr, initial_accumulator_value, epsilon):
    theta, acc = theta0.copy(), np.zeros_like(theta0)
    for g in grads:
        theta, acc = adagrad_step(theta, g, acc, lr, epsilon)
    return theta


WRONG = {
    "rmsprop": _wrong_rmsprop_no_one_minus_rho,
    "adam": _wrong_adam_no_bias_correction,
    "adamw": _wrong_adamw_coupled_l2,
    "nesterov": _wrong_nesterov_as_plain_momentum,
    "adagrad": _wrong_adagrad_accumulator_from_zero,
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_plausible_wrong_formulas_are_rejected(name):
    theta0, grads = random_problem(11)
    by_keras = run_keras_optimizer(keras_optimizer(name, **HPARAMS[name]), theta0, grads)
    wrong = WRONG[name](theta0, grads, **HPARAMS[name])
    assert relative_error(wrong - theta0, by_keras[-1] - theta0) > 1e-2


def test_adam_bias_correction_is_what_keras_does_on_step_one():
    """For any gradient, Adam's first step moves each coordinate by lr (up to epsilon)."""
    g = np.array([1e-2, -2.0, 50.0], dtype=np.float32)
    theta1 = run_keras_optimizer(keras.optimizers.Adam(learning_rate=0.01), np.zeros(3), g[None])
    np.testing.assert_allclose(theta1[-1], -0.01 * np.sign(g), rtol=1e-3)


# ----------------------------------------------------------------------------------------
# Bad inputs fail with a clear message.


def test_shape_mismatch_between_theta_and_grad():
    with pytest.raises(ValueError, match="same shape as theta"):
        sgd_step(np.zeros(3), np.zeros(4), 0.1)
    with pytest.raises(ValueError, match="velocity"):
        momentum_step(np.zeros(3), np.zeros(3), np.zeros((3, 1)), 0.1)
    with pytest.raises(ValueError, match="m must have the same shape"):
        adam_step(np.zeros(2), np.zeros(2), np.zeros(3), np.zeros(2), 1)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: sgd_step("theta", np.zeros(2), 0.1), TypeError, "theta must be an array-like"),
        (lambda: sgd_step(np.zeros(2), None, 0.1), TypeError, "grad must be"),
        (lambda: sgd_step(np.zeros(2), np.zeros(2), "0.1"), TypeError, "lr must be a real"),
        (lambda: sgd_step(np.zeros(2), np.zeros(2), -0.1), ValueError, "lr must be in"),
        (lambda: sgd_step([True], [True], 0.1), TypeError, "real numbers"),
        (lambda: momentum_step(np.zeros(2), np.zeros(2), np.zeros(2), 0.1, 1.0), ValueError,
         "momentum must be in"),
        (lambda: momentum_step(np.zeros(2), np.zeros(2), np.zeros(2), 0.1, 0.9, "yes"),
         TypeError, "nesterov"),
        (lambda: rmsprop_step(np.zeros(2), np.zeros(2), np.zeros(2), 0.1, rho=1.5), ValueError,
         "rho must be in"),
        (lambda: adagrad_step(np.zeros(2), np.zeros(2), -np.ones(2), 0.1), ValueError,
         "cannot be negative"),
        (lambda: adam_step(np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), 0), ValueError,
         "starts at 1"),
        (lambda: adam_step(np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), 1.0), TypeError,
         "must be an int"),
        (lambda: adamw_step(np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), 1,
                            weight_decay=-1.0), ValueError, "weight_decay"),
    ],
)  # fmt: skip
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_runner_bad_arguments():
    theta0, grads = random_problem(0, shape=(2,), steps=3)
    with pytest.raises(ValueError, match="unknown optimizer"):
        run_optimizer("lion", theta0, grads)
    with pytest.raises(TypeError, match="name must be a str"):
        run_optimizer(3, theta0, grads)
    with pytest.raises(TypeError, match="unknown"):
        run_optimizer("adam", theta0, grads, learning_rate=0.1)
    with pytest.raises(ValueError, match=r"grads must have shape \(steps, \*theta0.shape\)"):
        run_optimizer("sgd", theta0, grads[:, :1])
    with pytest.raises(ValueError, match="pass steps"):
        run_optimizer("sgd", theta0, lambda theta: theta)
    with pytest.raises(ValueError, match="the gradient must have the same shape"):
        run_optimizer("sgd", theta0, lambda theta: np.zeros(5), steps=2)
    with pytest.raises(TypeError, match="keras Optimizer"):
        run_keras_optimizer(object(), theta0, grads)
    used = keras.optimizers.SGD()
    run_keras_optimizer(used, theta0, grads)
    with pytest.raises(ValueError, match="fresh optimizer"):
        run_keras_optimizer(used, theta0, grads)
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.zeros(2), np.zeros(3))


def test_relative_error():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert math.isclose(relative_error([1.0, 2.5], [1.0, 2.0]), 0.25)
