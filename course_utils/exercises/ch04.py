"""Exercise checks for chapter 04, Optimizers and learning-rate schedules."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    Passed,
    call_answer,
    expect,
    expect_close,
    grade_prediction,
    passed,
)
from course_utils.optimizers import run_keras_optimizer, run_optimizer

__all__ = [
    "check_adam_update",
    "check_heavy_ball_step",
    "check_inverse_time_decay",
    "check_lion_step",
    "check_prediction_4_6",
    "check_rmsprop_momentum_step",
]


@contextmanager
def _hint(hint: str) -> Iterator[None]:
    """Append ``hint`` to the message of an :class:`ExerciseFailure` raised inside."""
    try:
        yield
    except ExerciseFailure as failure:
        if not hint:
            raise
        message = str(failure).split(": ", 1)[1]
        raise ExerciseFailure(failure.exercise, f"{message}. {hint}") from None


def _pair(exercise: str, result: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    expect(exercise, isinstance(result, tuple) and len(result) == 2,
           f"{what} should return a tuple (theta, state) of two arrays, got "
           f"{type(result).__name__}")  # fmt: skip
    return np.asarray(result[0], dtype=np.float64), np.asarray(result[1], dtype=np.float64)


def check_heavy_ball_step(heavy_ball_step: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 4.1: Polyak's textbook momentum, ``v = mu v + g``; ``theta = theta - lr v``.

    Run for 15 steps on fresh random gradients, the parameters must follow exactly the
    trajectory of ``keras.optimizers.SGD(learning_rate=lr, momentum=mu)`` (the two forms
    are the same algorithm; Keras's velocity is ``-lr`` times the textbook one).
    """
    rng = np.random.default_rng(seed)
    lr, mu = 0.05, 0.8
    theta0 = rng.normal(size=5)
    grads = rng.normal(size=(15, 5)) * rng.uniform(0.5, 2.0, size=5)
    theta, velocity = theta0.copy(), np.zeros(5)
    path = [theta0]
    for i, g in enumerate(grads):
        result = call_answer("4.1", heavy_ball_step, theta.copy(), g.copy(), velocity.copy(),
                             lr, mu)  # fmt: skip
        new_theta, new_velocity = _pair("4.1", result, "heavy_ball_step")
        if i == 0:
            expect_close("4.1", "the velocity after the first step (v = mu*0 + g)",
                         new_velocity, g)  # fmt: skip
        expect_close("4.1", f"the velocity after step {i + 1} (v = mu v + g)", new_velocity,
                     mu * velocity + g)  # fmt: skip
        theta, velocity = new_theta, new_velocity
        path.append(theta)
    reference = run_optimizer("momentum", theta0, grads, lr=lr, momentum=mu)
    expect_close("4.1", "theta after steps 1 to 15, compared with "
                 "keras.optimizers.SGD(momentum=0.8)", np.stack(path)[1:], reference[1:],
                 rtol=1e-6, atol=1e-9)  # fmt: skip
    return passed("4.1", "Textbook momentum and Keras's SGD(momentum=...) take identical steps.")


def _adam_reference(theta, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def check_adam_update(adam_update: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 4.2 (debug): one Adam step in the form of Kingma & Ba's Algorithm 1.

    The buggy version stores the bias-corrected moments as the state, so the correction
    compounds from step to step and Adam stalls after its first step.

    ``adam_update(theta, grad, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v)`` with the
    bias-corrected estimates ``m_hat = m / (1 - beta1**t)``, ``v_hat = v / (1 - beta2**t)``.
    Tested at steps t = 1, 2, 3, 10 and 1000 from random states, then for 20 steps in a row.
    """
    rng = np.random.default_rng(seed)
    hp = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    for t in (1, 2, 3, 10, 1000):
        theta, grad = rng.normal(size=4), rng.normal(size=4)
        m = rng.normal(size=4) * 0.1 if t > 1 else np.zeros(4)
        v = rng.uniform(0.01, 1.0, size=4) * (1 - 0.999 ** (t - 1)) if t > 1 else np.zeros(4)
        result = call_answer("4.2", adam_update, theta.copy(), grad.copy(), m.copy(), v.copy(),
                             t, **hp)  # fmt: skip
        expect("4.2", isinstance(result, tuple) and len(result) == 3,
               f"adam_update should return a tuple (theta, m, v), got {type(result).__name__}")
        want = _adam_reference(theta, grad, m, v, t, **hp)
        for name, got, expected in zip(("m", "v"), result[1:], want[1:], strict=True):
            with _hint("Return the uncorrected moving averages: the next step divides by "
                       "(1 - beta**t) again, so storing corrected ones compounds the "
                       "correction"):  # fmt: skip
                expect_close("4.2", f"the new {name} at step t={t} (a moving average, not "
                             "corrected)", got, expected)  # fmt: skip
        hint = "Did you divide m and v by (1 - beta**t) before the update?" if t <= 3 else ""
        with _hint(hint):
            expect_close("4.2", f"the new theta at step t={t}", result[0], want[0], rtol=1e-6)
    theta0, grads = rng.normal(size=3), rng.normal(size=(20, 3))
    theta, m, v = theta0, np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        result = call_answer("4.2", adam_update, theta, g, m, v, t, **hp)
        theta, m, v = (np.asarray(a, dtype=np.float64) for a in result)
    want, m, v = theta0, np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        want, m, v = _adam_reference(want, g, m, v, t, **hp)
    expect_close("4.2", "theta after 20 steps in a row", theta, want, rtol=1e-6)
    return passed("4.2", "Bias-corrected Adam: the first step moves each parameter by about lr.")


def check_inverse_time_decay(inverse_time_decay: Callable[..., Any]) -> str:
    """Exercise 4.3: ``lr0 / (1 + decay_rate * step / decay_steps)``, optionally staircase.

    Compared with ``keras.optimizers.schedules.InverseTimeDecay`` at steps 0 to 600.
    """
    import keras

    steps = np.arange(601)
    for initial_lr, decay_steps, rate, staircase in [(0.1, 50, 0.5, False), (2.0, 120, 1.5, True),
                                                     (0.01, 7, 0.2, False)]:  # fmt: skip
        schedule = keras.optimizers.schedules.InverseTimeDecay(
            initial_lr, decay_steps, rate, staircase=staircase
        )
        want = np.asarray(schedule(steps), dtype=np.float64)
        got = call_answer("4.3", inverse_time_decay, steps, initial_lr, decay_steps, rate,
                          staircase)  # fmt: skip
        expect("4.3", got is not None, "inverse_time_decay returned None; did you forget return?")
        got = np.broadcast_to(np.asarray(got, dtype=np.float64), steps.shape)
        expect_close("4.3", f"the rates for initial_lr={initial_lr}, decay_steps={decay_steps}, "
                     f"decay_rate={rate}, staircase={staircase} at steps 0..600",
                     got, want, rtol=1e-5, atol=1e-9)  # fmt: skip
    single = call_answer("4.3", inverse_time_decay, 100, 1.0, 100, 1.0, False)
    expect_close("4.3", "the rate at one scalar step (100 steps, rate 1: 1 / 2)", single, 0.5)
    return passed("4.3", "Your schedule equals keras.optimizers.schedules.InverseTimeDecay.")


def check_rmsprop_momentum_step(rmsprop_momentum_step: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 4.4: ``keras.optimizers.RMSprop(momentum=...)``, one step at a time.

    ``rmsprop_momentum_step(theta, grad, s, velocity, lr, rho, momentum, epsilon)`` returns
    ``(theta, s, velocity)``; 12 steps must follow the Keras optimizer's trajectory.
    """
    import keras

    rng = np.random.default_rng(seed)
    hp = {"lr": 0.02, "rho": 0.8, "momentum": 0.7, "epsilon": 1e-7}
    theta0 = rng.normal(size=6).astype(np.float32)
    grads = (rng.normal(size=(12, 6)) * rng.uniform(0.2, 3.0, size=6)).astype(np.float32)
    theta, s, velocity = theta0.astype(np.float64), np.zeros(6), np.zeros(6)
    path = [theta]
    for g in grads:
        result = call_answer("4.4", rmsprop_momentum_step, theta.copy(), g.astype(np.float64),
                             s.copy(), velocity.copy(), **hp)  # fmt: skip
        expect("4.4", isinstance(result, tuple) and len(result) == 3,
               "rmsprop_momentum_step should return a tuple (theta, s, velocity), got "
               f"{type(result).__name__}")  # fmt: skip
        theta, s, velocity = (np.asarray(a, dtype=np.float64) for a in result)
        path.append(theta)
    optimizer = keras.optimizers.RMSprop(
        learning_rate=hp["lr"], rho=hp["rho"], momentum=hp["momentum"], epsilon=hp["epsilon"]
    )
    want = run_keras_optimizer(optimizer, theta0, grads)
    scale = float(np.max(np.abs(want)))
    with _hint("Check s = rho s + (1 - rho) g**2 and that the momentum accumulates the scaled "
               "step lr g / sqrt(s + epsilon)."):  # fmt: skip
        expect_close("4.4", "theta after steps 1 to 12, compared with "
                     "keras.optimizers.RMSprop(momentum=0.7)", np.stack(path)[1:], want[1:],
                     rtol=1e-5, atol=1e-5 * scale)  # fmt: skip
    expect("4.4", math.isfinite(float(np.sum(s))) and np.all(s >= 0),
           "s is a mean of squares: it must stay finite and non-negative")
    return passed("4.4", "Your RMSprop with momentum steps exactly like Keras's.")


def check_lion_step(lion_step: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 4.5: one step of Lion (Chen et al., 2023), as ``keras.optimizers.Lion``.

    ``lion_step(theta, grad, m, lr, beta1, beta2) -> (theta, m)``: the step is
    ``lr * sign(beta1 m + (1 - beta1) g)``, *then* ``m = beta2 m + (1 - beta2) g``.
    Run for 12 steps on fresh random gradients next to the Keras optimizer.
    """
    import keras

    rng = np.random.default_rng(seed)
    hp = {"lr": 0.01, "beta1": 0.9, "beta2": 0.99}
    theta0 = rng.normal(size=6).astype(np.float32)
    grads = (rng.normal(size=(12, 6)) * rng.uniform(0.01, 100.0, size=6)).astype(np.float32)
    theta, m = theta0.astype(np.float64), np.zeros(6)
    path = [theta]
    for i, g in enumerate(grads.astype(np.float64)):
        result = call_answer("4.5", lion_step, theta.copy(), g.copy(), m.copy(), **hp)
        new_theta, new_m = _pair("4.5", result, "lion_step")
        expect("4.5", new_theta.shape == (6,) and new_m.shape == (6,),
               f"theta and m should keep the shape (6,), got {new_theta.shape} and "
               f"{new_m.shape}")  # fmt: skip
        with _hint("m is an ordinary moving average of the gradient with beta2: "
                   "m = beta2 m + (1 - beta2) g"):  # fmt: skip
            expect_close("4.5", f"m after step {i + 1}", new_m,
                         hp["beta2"] * m + (1 - hp["beta2"]) * g, rtol=1e-6, atol=1e-9)
        moved = np.abs(new_theta - theta)
        expect("4.5", np.allclose(moved, hp["lr"], rtol=1e-6),
               f"at step {i + 1} the parameters moved by {np.round(moved, 6).tolist()}: every "
               f"coordinate of a Lion step moves by exactly lr = {hp['lr']} (the sign of the "
               "interpolated momentum, whatever the gradient's scale)")  # fmt: skip
        theta, m = new_theta, new_m
        path.append(theta)
    want = run_keras_optimizer(keras.optimizers.Lion(learning_rate=hp["lr"], beta_1=hp["beta1"],
                                                     beta_2=hp["beta2"]), theta0, grads)
    with _hint("Lion takes the sign of beta1 m + (1 - beta1) g with the OLD m, and only "
               "then updates m with beta2"):  # fmt: skip
        expect_close("4.5", "theta after steps 1 to 12, compared with keras.optimizers.Lion",
                     np.stack(path)[1:], want[1:], rtol=1e-5, atol=1e-5)  # fmt: skip
    return passed("4.5", "Your Lion steps exactly like keras.optimizers.Lion: every coordinate "
                         "moves by lr, in the direction of the interpolated momentum.")


def _rotated_quadratic_race(kappa: float = 25.0, steps: int = 100) -> dict[str, tuple]:
    """f after ``steps`` steps of SGD, momentum and AdaGrad on the chapter's quadratic,
    axis-aligned and rotated by 45 degrees (start rotated with it)."""
    hessian = np.diag([1.0, kappa])
    c = s = math.sqrt(0.5)
    rotation = np.array([[c, -s], [s, c]])
    rotated = rotation @ hessian @ rotation.T
    start = np.array([-4.0, 1.5])
    settings = {"sgd": 0.03, "momentum": 0.01, "adagrad": 1.0}
    results = {}
    for name, lr in settings.items():
        aligned = run_optimizer(name, start, lambda th: hessian @ th, steps=steps, lr=lr)[-1]
        turned = run_optimizer(name, rotation @ start, lambda th: rotated @ th, steps=steps,
                               lr=lr)[-1]  # fmt: skip
        results[name] = (0.5 * aligned @ hessian @ aligned, 0.5 * turned @ rotated @ turned)
    return results


def check_prediction_4_6(predict: Callable[[], Any]) -> Passed:
    """Exercise 4.6 (predict): rotate the ill-conditioned valley by 45 degrees.

    SGD and momentum depend only on the geometry (their updates commute with a rotation),
    so they reach exactly the same f; AdaGrad's per-coordinate scaling relies on the
    valley being aligned with the axes and ends many orders of magnitude higher.
    """
    call_answer("4.6", predict)  # an unsolved exercise says so before anything is revealed
    results = _rotated_quadratic_race()
    labels = {"sgd": "SGD (lr 0.03)", "momentum": "momentum (lr 0.01)",
              "adagrad": "AdaGrad (lr 1)"}  # fmt: skip
    print("f after 100 steps:      aligned     rotated 45°")
    for name, (aligned, turned) in results.items():
        print(f"  {labels[name]:20s} {aligned:10.2e}  {turned:10.2e}")
    sgd, momentum, adagrad = (results[k] for k in ("sgd", "momentum", "adagrad"))
    observed = (f"SGD and momentum reach the same f aligned and rotated ({sgd[0]:.1e}, "
                f"{momentum[0]:.1e}), while AdaGrad goes from {adagrad[0]:.0e} to "
                f"{adagrad[1]:.0e}.")  # fmt: skip
    return grade_prediction(
        "4.6",
        predict,
        options={
            "a": "none of them changes: rotating the valley does not change the problem",
            "b": "only AdaGrad ends much higher on the rotated valley",
            "c": "all three end much higher on the rotated valley",
        },
        correct="b",
        observed=observed,
        why=("A rotation leaves the curvatures (1 and 25) unchanged, and SGD and momentum "
             "use only the gradient, so their paths are the aligned paths rotated. AdaGrad "
             "divides each *coordinate* by its own gradient scale: that equalizes the two "
             "curvatures only when they lie along the axes. Along a diagonal both "
             "coordinates see the steep direction, and the per-coordinate scaling no "
             "longer helps."),
    )
