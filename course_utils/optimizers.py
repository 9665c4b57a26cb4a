"""Optimizer update rules in NumPy, one step at a time, with the state made explicit.

Introduced in chapter 04. Each ``*_step`` function takes the parameters ``theta``,
their gradient ``grad`` and the optimizer's state (velocity, accumulators, moment
estimates), and returns the new parameters and the new state. Nothing is updated in
place. The formulas follow Keras 3 exactly (``keras/src/optimizers/*.py``), so that
:func:`run_optimizer` and :func:`run_keras_optimizer` produce the same trajectory up to
float32 rounding:

* SGD with momentum (Keras form): ``v = mu v - lr g``; ``theta += v``; with Nesterov
  ``theta += mu v - lr g`` (the new ``v``).
* AdaGrad: ``s += g**2`` (``s`` starts at ``initial_accumulator_value`` = 0.1);
  ``theta -= lr g / sqrt(s + eps)`` (epsilon *inside* the square root).
* RMSprop: ``s = rho s + (1 - rho) g**2`` (``s`` starts at 0);
  ``theta -= lr g / sqrt(s + eps)`` (epsilon inside the root as well).
* Adam: ``m = b1 m + (1 - b1) g``; ``v = b2 v + (1 - b2) g**2``;
  ``theta -= lr_t m / (sqrt(v) + eps)`` with ``lr_t = lr sqrt(1 - b2**t) / (1 - b1**t)``,
  the bias correction folded into the step size ("epsilon hat" form of Kingma & Ba).
* AdamW: first the decoupled decay ``theta -= lr wd theta``, then the Adam step.

The defaults are Keras's defaults.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np

from course_utils.validation import as_array

__all__ = [
    "OPTIMIZER_NAMES",
    "adagrad_step",
    "adam_step",
    "adamw_step",
    "init_state",
    "keras_optimizer",
    "momentum_step",
    "relative_error",
    "rmsprop_step",
    "run_keras_optimizer",
    "run_optimizer",
    "sgd_step",
]

OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")

Array = np.ndarray


# --------------------------------------------------------------------------- validation


def _float_array(value: Any, name: str) -> Array:
    """``value`` as a floating-point array (float32 stays float32, ints become float64)."""
    array = as_array(value, name)
    if array.dtype == np.bool_:
        raise TypeError(f"{name} must hold real numbers, got booleans")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    return array


def _like(value: Any, name: str, theta: Array) -> Array:
    """``value`` as an array of ``theta``'s shape and dtype (ValueError on shape mismatch)."""
    array = _float_array(value, name)
    if array.shape != theta.shape:
        raise ValueError(
            f"{name} must have the same shape as theta {theta.shape}, got {array.shape}"
        )
    return array.astype(theta.dtype, copy=False)


def _params(theta: Any, grad: Any) -> tuple[Array, Array]:
    theta = _float_array(theta, "theta")
    return theta, _like(grad, "grad", theta)


def _number(value: Any, name: str, *, low: float = 0.0, high: float | None = None,
            low_open: bool = False, high_open: bool = True) -> float:  # fmt: skip
    """Check that a hyperparameter is a real number in a range and return it as float."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = high is not None and (value >= high if high_open else value > high)
    if not np.isfinite(value) or too_low or too_high:
        left = "(" if low_open else "["
        right = (")" if high_open else "]") if high is not None else ")"
        upper = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must be in {left}{low:g}, {upper}{right}, got {value!r}")
    return value


def _step_count(t: Any) -> int:
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)):
        raise TypeError(
            f"t (the step number, starting at 1) must be an int, got {type(t).__name__}"
        )
    if t < 1:
        raise ValueError(f"t is the step number and starts at 1, got {t}")
    return int(t)


# --------------------------------------------------------------------------- update rules
# The arithmetic of each rule lives in one small kernel (no checks); the public ``*_step``
# functions check their arguments and call it, and :func:`run_optimizer` checks once and
# then calls the kernels in its loop.


def _sgd(theta: Array, grad: Array, lr: float) -> Array:
    return theta - lr * grad


def _momentum(theta, grad, velocity, lr, momentum, nesterov):
    velocity = momentum * velocity - lr * grad
    if nesterov:
        theta = theta + momentum * velocity - lr * grad
    else:
        theta = theta + velocity
    return theta, velocity


def _adagrad(theta, grad, accumulator, lr, epsilon):
    accumulator = accumulator + grad**2
    theta = theta - lr * grad / np.sqrt(accumulator + epsilon)
    return theta, accumulator


def _rmsprop(theta, grad, mean_square, lr, rho, epsilon):
    mean_square = rho * mean_square + (1 - rho) * grad**2
    theta = theta - lr * grad / np.sqrt(mean_square + epsilon)
    return theta, mean_square


def _adam(theta, grad, m, v, t, lr, beta1, beta2, epsilon):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    theta = theta - lr_t * m / (np.sqrt(v) + epsilon)
    return theta, m, v


def _adamw(theta, grad, m, v, t, lr, weight_decay, beta1, beta2, epsilon):
    theta = theta - lr * weight_decay * theta
    return _adam(theta, grad, m, v, t, lr, beta1, beta2, epsilon)



def sgd_step(theta: Any, grad: Any, lr: float = 0.01) -> Array:
    """One step of plain (stochastic) gradient descent: ``theta - lr * grad``.

    Args:
        theta: the parameters, any shape.
        grad: the gradient of the loss at ``theta``, same shape.
        lr: the learning rate (> 0).

    Returns:
        The new parameters.
    """
    theta, grad = _params(theta, grad)
    return _sgd(theta, grad, _number(lr, "lr", low_open=True))


def momentum_step(
    theta: Any, grad: Any, velocity: Any, lr: float = 0.01, momentum: float = 0.9,
    nesterov: bool = False,
) -> tuple[Array, Array]:  # fmt: skip
    """One step of SGD with (heavy-ball or Nesterov) momentum, as ``keras.optimizers.SGD``.

    ``velocity = momentum * velocity - lr * grad``; then ``theta + velocity``, or, with
    Nesterov, ``theta + momentum * velocity - lr * grad`` (a look-ahead along the new
    velocity).

    Returns:
        ``(theta, velocity)``, both new.
    """
    theta, grad = _params(theta, grad)
    velocity = _like(velocity, "velocity", theta)
    lr = _number(lr, "lr", low_open=True)
    momentum = _number(momentum, "momentum", high=1.0)
    if not isinstance(nesterov, (bool, np.bool_)):
        raise TypeError(f"nesterov must be True or False, got {type(nesterov).__name__}")
    return _momentum(theta, grad, velocity, lr, momentum, nesterov)


def adagrad_step(
    theta: Any, grad: Any, accumulator: Any, lr: float = 0.001, epsilon: float = 1e-7
) -> tuple[Array, Array]:
    """One AdaGrad step, as ``keras.optimizers.Adagrad``.

    ``accumulator += grad**2``; ``theta -= lr * grad / sqrt(accumulator + epsilon)``.
    Keras starts the accumulator at ``initial_accumulator_value=0.1``, not at 0 (see
    :func:`init_state`).

    Returns:
        ``(theta, accumulator)``, both new.
    """
    theta, grad = _params(theta, grad)
    accumulator = _like(accumulator, "accumulator", theta)
    lr = _number(lr, "lr", low_open=True)
    epsilon = _number(epsilon, "epsilon")
    if np.any(accumulator < 0):
        raise ValueError("accumulator is a sum of squares and cannot be negative")
    return _adagrad(theta, grad, accumulator, lr, epsilon)


def rmsprop_step(
    theta: Any, grad: Any, mean_square: Any, lr: float = 0.001, rho: float = 0.9,
    epsilon: float = 1e-7,
) -> tuple[Array, Array]:  # fmt: skip
    """One RMSprop step, as ``keras.optimizers.RMSprop`` (no momentum, not centered).

    ``mean_square = rho * mean_square + (1 - rho) * grad**2`` (an exponential moving
    average, starting at 0); ``theta -= lr * grad / sqrt(mean_square + epsilon)``.

    Returns:
        ``(theta, mean_square)``, both new.
    """
    theta, grad = _params(theta, grad)
    mean_square = _like(mean_square, "mean_square", theta)
    lr = _number(lr, "lr", low_open=True)
    rho = _number(rho, "rho", high=1.0)
    epsilon = _number(epsilon, "epsilon")
    return _rmsprop(theta, grad, mean_square, lr, rho, epsilon)


def _adam_arguments(
    theta: Any, grad: Any, m: Any, v: Any, t: Any, lr: Any, beta1: Any, beta2: Any,
    epsilon: Any,
) -> tuple[Array, Array, Array, Array, int, float, float, float, float]:  # fmt: skip
    """Validate the arguments Adam and AdamW share, in their order."""
    theta, grad = _params(theta, grad)
    m = _like(m, "m", theta)
    v = _like(v, "v", theta)
    return (theta, grad, m, v, _step_count(t), _number(lr, "lr", low_open=True),
            _number(beta1, "beta1", high=1.0), _number(beta2, "beta2", high=1.0),
            _number(epsilon, "epsilon"))  # fmt: skip


def adam_step(
    theta: Any, grad: Any, m: Any, v: Any, t: int, lr: float = 0.001, beta1: float = 0.9,
    beta2: float = 0.999, epsilon: float = 1e-7,
) -> tuple[Array, Array, Array]:  # fmt: skip
    """One Adam step, as ``keras.optimizers.Adam`` (without AMSGrad).

    ``m`` and ``v`` are moving averages of the gradient and of its square, both started
    at 0 and therefore biased toward 0; dividing by ``1 - beta**t`` corrects that. Keras
    folds both corrections into the step size,
    ``lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)``, and then takes
    ``theta -= lr_t * m / (sqrt(v) + epsilon)``. This equals Kingma & Ba's
    ``lr * m_hat / (sqrt(v_hat) + epsilon')`` with ``epsilon' = epsilon / sqrt(1 - beta2**t)``.

    Args:
        t: the number of this step, starting at 1.

    Returns:
        ``(theta, m, v)``, all new.
    """
    return _adam(*_adam_arguments(theta, grad, m, v, t, lr, beta1, beta2, epsilon))


def adamw_step(
    theta: Any, grad: Any, m: Any, v: Any, t: int, lr: float = 0.001,
    weight_decay: float = 0.004, beta1: float = 0.9, beta2: float = 0.999,
    epsilon: float = 1e-7,
) -> tuple[Array, Array, Array]:  # fmt: skip
    """One AdamW step, as ``keras.optimizers.AdamW``: decoupled weight decay, then Adam.

    ``theta -= lr * weight_decay * theta`` first (the decay never enters ``m`` or ``v``),
    then :func:`adam_step` with the unchanged gradient.

    Returns:
        ``(theta, m, v)``, all new.
    """
    theta, grad, m, v, t, lr, beta1, beta2, epsilon = _adam_arguments(
        theta, grad, m, v, t, lr, beta1, beta2, epsilon
    )
    weight_decay = _number(weight_decay, "weight_decay")
    return _adamw(theta, grad, m, v, t, lr, weight_decay, beta1, beta2, epsilon)


# --------------------------------------------------------------------------- runners

_DEFAULTS: dict[str, dict[str, Any]] = {
    "sgd": {"lr": 0.01},
    "momentum": {"lr": 0.01, "momentum": 0.9},
    "nesterov": {"lr": 0.01, "momentum": 0.9},
    "adagrad": {"lr": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
    "rmsprop": {"lr": 0.001, "rho": 0.9, "epsilon": 1e-7},
    "adam": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7},
    "adamw": {"lr": 0.001, "weight_decay": 0.004, "beta1": 0.9, "beta2": 0.999,
              "epsilon": 1e-7},
}  # fmt: skip


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    key = name.lower()
    if key not in _DEFAULTS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {OPTIMIZER_NAMES}")
    return key


def _hyperparameters(name: str, hparams: dict[str, Any]) -> dict[str, Any]:
    unknown = set(hparams) - set(_DEFAULTS[name])
    if unknown:
        raise TypeError(
            f"{name} takes the hyperparameters {sorted(_DEFAULTS[name])}, got unknown "
            f"{sorted(unknown)}"
        )
    return {**_DEFAULTS[name], **hparams}


_RANGES: dict[str, dict[str, Any]] = {
    "lr": {"low_open": True},
    "momentum": {"high": 1.0},
    "rho": {"high": 1.0},
    "beta1": {"high": 1.0},
    "beta2": {"high": 1.0},
    "epsilon": {},
    "weight_decay": {},
    "initial_accumulator_value": {},
}


def _checked_hyperparameters(name: str, hparams: dict[str, Any]) -> dict[str, float]:
    """Hyperparameters with defaults filled in, each checked to be a number in range."""
    hp = _hyperparameters(name, hparams)
    return {key: _number(value, key, **_RANGES[key]) for key, value in hp.items()}


def init_state(name: str, theta: Any, **hparams: Any) -> dict[str, Array]:
    """The optimizer state before the first step, as Keras initializes it.

    Zeros for every moving average, except AdaGrad's accumulator, which starts at
    ``initial_accumulator_value`` (default 0.1).
    """
    name = _check_name(name)
    theta = _float_array(theta, "theta")
    hp = _hyperparameters(name, hparams)
    zeros = np.zeros_like(theta)
    if name == "sgd":
        return {}
    if name in ("momentum", "nesterov"):
        return {"velocity": zeros}
    if name == "adagrad":
        value = _number(hp["initial_accumulator_value"], "initial_accumulator_value")
        return {"accumulator": np.full_like(theta, value)}
    if name == "rmsprop":
        return {"mean_square": zeros}
    return {"m": zeros, "v": zeros.copy()}


def _gradient_source(theta0: Array, grads: Any, steps: int | None) -> tuple[Callable, int]:
    """Return ``(grad_at(theta, i), n_steps)`` for a gradient sequence or a function."""
    if callable(grads):
        if steps is None:
            raise ValueError("when grads is a function of theta, pass steps=<number of steps>")
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ValueError(f"steps must be a non-negative int, got {steps!r}")
        return (lambda theta, i: grads(theta)), int(steps)
    sequence = _float_array(grads, "grads")
    if sequence.shape[1:] != theta0.shape:
        raise ValueError(
            f"grads must have shape (steps, *theta0.shape) = (steps, "
            f"{', '.join(map(str, theta0.shape))}), got {sequence.shape}"
        )
    if steps is not None and steps != len(sequence):
        raise ValueError(f"steps={steps} but grads holds {len(sequence)} gradients")
    sequence = sequence.astype(theta0.dtype, copy=False)
    return (lambda theta, i: sequence[i]), len(sequence)


def run_optimizer(
    name: str, theta0: Any, grads: Any, *, steps: int | None = None, **hparams: Any
) -> Array:
    """Run the NumPy update rule ``name`` and return the whole trajectory.

    Args:
        name: one of :data:`OPTIMIZER_NAMES`.
        theta0: the starting parameters.
        grads: either an array of shape ``(steps, *theta0.shape)``, the gradient to use
            at each step, or a function ``grad(theta) -> array`` evaluated at the current
            parameters (then ``steps`` is required).
        steps: the number of steps (only with a gradient function).
        **hparams: the rule's hyperparameters (``lr``, ``momentum``, ``rho``, ``beta1``,
            ``beta2``, ``epsilon``, ``weight_decay``, ``initial_accumulator_value``);
            missing ones take Keras's defaults.

    Returns:
        Array of shape ``(steps + 1, *theta0.shape)``: the start and every step.
    """
    name = _check_name(name)
    theta = _float_array(theta0, "theta0").copy()
    hp = _checked_hyperparameters(name, hparams)
    grad_at, n = _gradient_source(theta, grads, steps)
    state = init_state(name, theta, **hparams)
    path = [theta]
    for i in range(n):
        g = np.asarray(grad_at(theta, i), dtype=theta.dtype)
        if g.shape != theta.shape:
            raise ValueError(
                f"the gradient must have the same shape as theta {theta.shape}, got {g.shape}"
            )
        if name == "sgd":
            theta = _sgd(theta, g, hp["lr"])
        elif name in ("momentum", "nesterov"):
            theta, state["velocity"] = _momentum(
                theta, g, state["velocity"], hp["lr"], hp["momentum"], name == "nesterov"
            )
        elif name == "adagrad":
            theta, state["accumulator"] = _adagrad(
                theta, g, state["accumulator"], hp["lr"], hp["epsilon"]
            )
        elif name == "rmsprop":
            theta, state["mean_square"] = _rmsprop(
                theta, g, state["mean_square"], hp["lr"], hp["rho"], hp["epsilon"]
            )
        elif name == "adam":
            theta, state["m"], state["v"] = _adam(
                theta, g, state["m"], state["v"], i + 1, hp["lr"], hp["beta1"], hp["beta2"],
                hp["epsilon"],
            )  # fmt: skip
        else:
            theta, state["m"], state["v"] = _adamw(
                theta, g, state["m"], state["v"], i + 1, hp["lr"], hp["weight_decay"],
                hp["beta1"], hp["beta2"], hp["epsilon"],
            )  # fmt: skip
        path.append(theta)
    return np.stack(path)


def keras_optimizer(name: str, **hparams: Any):
    """The Keras optimizer matching :func:`run_optimizer`'s ``name`` and hyperparameters."""
    import keras

    name = _check_name(name)
    hp = _hyperparameters(name, hparams)
    lr = hp["lr"]
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr)
    if name in ("momentum", "nesterov"):
        return keras.optimizers.SGD(learning_rate=lr, momentum=hp["momentum"],
                                    nesterov=name == "nesterov")  # fmt: skip
    if name == "adagrad":
        return keras.optimizers.Adagrad(
            learning_rate=lr, initial_accumulator_value=hp["initial_accumulator_value"],
            epsilon=hp["epsilon"],
        )  # fmt: skip
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=lr, rho=hp["rho"], epsilon=hp["epsilon"])
    adam_args = {"learning_rate": lr, "beta_1": hp["beta1"], "beta_2": hp["beta2"],
                 "epsilon": hp["epsilon"]}  # fmt: skip
    if name == "adam":
        return keras.optimizers.Adam(**adam_args)
    return keras.optimizers.AdamW(weight_decay=hp["weight_decay"], **adam_args)


def run_keras_optimizer(
    optimizer: Any, theta0: Any, grads: Any, *, steps: int | None = None
) -> Array:
    """Step a Keras optimizer by hand on one variable and return the trajectory.

    The variable starts at ``theta0`` (as float32, the dtype Keras models use); each step
    calls ``optimizer.apply([gradient], [variable])``, exactly what ``model.fit`` does
    after computing the gradients.

    Args:
        optimizer: a *fresh* ``keras.optimizers.Optimizer`` (its state is built on first
            use), or a name accepted by :func:`keras_optimizer`.
        theta0: the starting parameters.
        grads: gradients of shape ``(steps, *theta0.shape)``, or a function of theta (then
            pass ``steps``).

    Returns:
        float32 array of shape ``(steps + 1, *theta0.shape)``.
    """
    import keras

    if isinstance(optimizer, str):
        optimizer = keras_optimizer(optimizer)
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer must be a keras Optimizer, got {type(optimizer).__name__}")
    if optimizer.built:
        raise ValueError("pass a fresh optimizer: this one has already been used")
    start = _float_array(theta0, "theta0").astype(np.float32)
    grad_at, n = _gradient_source(start, grads, steps)
    variable = keras.Variable(start, dtype="float32", name="theta")
    path = [start]
    for i in range(n):
        g = _like(grad_at(path[-1], i), "the gradient", start)
        optimizer.apply([keras.ops.convert_to_tensor(g, dtype="float32")], [variable])
        path.append(np.array(variable.numpy()))
    return np.stack(path)


def relative_error(value: Any, reference: Any) -> float:
    """``max |value - reference| / max |reference|``: one number for "how far apart".

    Raises:
        ValueError: if the shapes differ.
    """
    a = _float_array(value, "value").astype(np.float64)
    b = _float_array(reference, "reference").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"value and reference must have the same shape, got {a.shape} and {b.shape}"
        )
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    return float(np.max(np.abs(a - b)) / max(scale, np.finfo(np.float64).tiny)) if a.size else 0.0
