"""Learning-rate schedules from their formulas, in NumPy.

Introduced in chapter 04. Each function takes the optimizer step (an int or an array
of ints, counted from 0 as Keras's ``optimizer.iterations``) and returns the learning
rate at that step, following the Keras 3 schedule of the same name exactly:

* :func:`exponential_decay`: ``keras.optimizers.schedules.ExponentialDecay``;
* :func:`step_decay`: ``keras.optimizers.schedules.PiecewiseConstantDecay``;
* :func:`cosine_decay_with_warmup`: ``keras.optimizers.schedules.CosineDecay``
  (``alpha``, ``warmup_target``, ``warmup_steps``).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np

from course_utils.validation import as_array

__all__ = ["cosine_decay_with_warmup", "exponential_decay", "keras_schedule_values", "step_decay"]


def _steps(step: Any) -> np.ndarray:
    """The step(s) as a float64 array; non-negative numbers only."""
    array = as_array(step, "step")
    if array.dtype == np.bool_:
        raise TypeError("step must be an int or an array of ints, got booleans")
    array = array.astype(np.float64)
    if np.any(~np.isfinite(array)) or np.any(array < 0):
        raise ValueError("step counts optimizer updates from 0 and must be >= 0")
    return array


def _out(value: np.ndarray, step: Any) -> Any:
    """A Python float for a scalar step, an array otherwise."""
    return float(value) if np.ndim(step) == 0 else value


def _real(value: Any, name: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'}, got {value!r}")
    return value


def exponential_decay(
    step: Any, initial_lr: float, decay_steps: float, decay_rate: float, staircase: bool = False
) -> Any:
    r"""Exponential decay: :math:`\eta_t = \eta_0 \, r^{t / T}`.

    The rate is multiplied by ``decay_rate`` every ``decay_steps`` steps; smoothly, or,
    with ``staircase=True``, all at once at multiples of ``decay_steps``
    (:math:`r^{\lfloor t/T \rfloor}`).

    Returns:
        The learning rate at ``step``: a float for a scalar step, an array otherwise.
    """
    t = _steps(step)
    initial_lr = _real(initial_lr, "initial_lr")
    decay_steps = _real(decay_steps, "decay_steps", positive=True)
    decay_rate = _real(decay_rate, "decay_rate")
    p = t / decay_steps
    if staircase:
        p = np.floor(p)
    return _out(initial_lr * decay_rate**p, step)


def step_decay(step: Any, boundaries: Sequence[float], values: Sequence[float]) -> Any:
    """Piecewise-constant ("step") decay, as ``PiecewiseConstantDecay``.

    ``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, and ``values[-1]`` after the last
    boundary. Note the ``<=``: the boundary step itself still uses the earlier value.

    Raises:
        ValueError: unless ``len(values) == len(boundaries) + 1`` and the boundaries
            increase strictly.
    """
    t = _steps(step)
    bounds = as_array(boundaries, "boundaries", dtype=np.float64)
    vals = as_array(values, "values", dtype=np.float64)
    if bounds.ndim != 1 or vals.ndim != 1:
        raise ValueError("boundaries and values must be flat lists of numbers")
    if len(vals) != len(bounds) + 1:
        raise ValueError(
            f"values needs one more entry than boundaries (one value per interval), got "
            f"{len(bounds)} boundaries and {len(vals)} values"
        )
    if np.any(np.diff(bounds) <= 0):
        raise ValueError(f"boundaries must increase strictly, got {list(bounds)}")
    # number of boundaries strictly below the step = index of the interval it lies in
    index = np.searchsorted(bounds, t, side="left")
    return _out(vals[index], step)


def cosine_decay_with_warmup(
    step: Any, initial_lr: float, decay_steps: float, alpha: float = 0.0,
    warmup_target: float | None = None, warmup_steps: float = 0,
) -> Any:  # fmt: skip
    r"""Cosine decay with an optional linear warm-up, as ``keras.optimizers.schedules.CosineDecay``.

    Without warm-up (``warmup_target=None``) the rate falls from ``initial_lr`` to
    ``alpha * initial_lr`` over ``decay_steps`` steps and then stays there:

    .. math:: \eta_t = \eta_0 \left[(1 - \alpha)\,\tfrac12\left(1 + \cos\frac{\pi
              \min(t, T)}{T}\right) + \alpha\right].

    With warm-up, the rate first rises linearly from ``initial_lr`` (at step 0) toward
    ``warmup_target`` (reached at step ``warmup_steps``), then decays by the cosine from
    ``warmup_target`` to ``alpha * warmup_target`` over the next ``decay_steps`` steps.

    Returns:
        The learning rate at ``step``: a float for a scalar step, an array otherwise.
    """
    t = _steps(step)
    initial_lr = _real(initial_lr, "initial_lr")
    decay_steps = _real(decay_steps, "decay_steps", positive=True)
    alpha = _real(alpha, "alpha")
    warmup_steps = _real(warmup_steps, "warmup_steps")

    def cosine(s: np.ndarray, peak: float) -> np.ndarray:
        fraction = np.minimum(s, decay_steps) / decay_steps
        return peak * ((1 - alpha) * 0.5 * (1 + np.cos(np.pi * fraction)) + alpha)

    if warmup_target is None:
        return _out(cosine(t, initial_lr), step)
    warmup_target = _real(warmup_target, "warmup_target")
    t = np.minimum(t, decay_steps + warmup_steps)
    # max(.., 1) only avoids 0/0 when warmup_steps == 0 (that branch is then never used)
    rising = initial_lr + (warmup_target - initial_lr) * t / max(warmup_steps, 1.0)
    lr = np.where(t < warmup_steps, rising, cosine(t - warmup_steps, warmup_target))
    return _out(lr, step)


def keras_schedule_values(schedule: Any, steps: Any) -> np.ndarray:
    """Evaluate a Keras ``LearningRateSchedule`` (or any callable of the step) at many steps.

    A schedule is a function of one scalar step. Calling it eagerly once per step is slow
    (and ``CosineDecay`` with warm-up branches on the step, so it cannot take a vector),
    so the calls are mapped over the steps inside one ``tf.function``.

    Returns:
        float64 array with one learning rate per step.
    """
    import tensorflow as tf

    if not callable(schedule):
        raise TypeError(f"schedule must be callable (a LearningRateSchedule), got "
                        f"{type(schedule).__name__}")  # fmt: skip
    t = _steps(steps)
    if t.ndim != 1:
        raise ValueError(f"steps must be a 1-D array of step numbers, got shape {t.shape}")

    @tf.function
    def evaluate(s):
        return tf.map_fn(lambda x: tf.cast(schedule(x), tf.float32), s,
                         fn_output_signature=tf.float32)  # fmt: skip

    return evaluate(tf.constant(t.astype(np.int64))).numpy().astype(np.float64)
