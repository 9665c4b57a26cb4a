"""Regularization layers and penalties in NumPy, written to match Keras exactly.

Introduced in chapter 05 (Training deep networks well). Each function is the
from-scratch twin of a Keras piece, so the chapter and the unit tests can assert
that both give the same numbers:

* :func:`inverted_dropout` is ``keras.layers.Dropout``: in training, keep each unit
  with probability ``1 - rate`` and scale the kept ones by ``1 / (1 - rate)``; at
  inference, the identity.
* :func:`batch_norm_forward` is ``keras.layers.BatchNormalization``: in training,
  normalize each feature (last axis) with the mean and *biased* variance over every
  other axis and update the moving averages
  ``moving = momentum * moving + (1 - momentum) * batch``; at inference, normalize
  with the moving averages and update nothing.
* :func:`l2_penalty` and :func:`l2_penalty_gradient` are ``keras.regularizers.L2``,
  ``l2 * sum(w**2)`` and its gradient ``2 * l2 * w``, which the optimizer sees as
  part of the loss gradient.
* :func:`decoupled_weight_decay` is the ``weight_decay`` argument of every Keras 3
  optimizer (AdamW's decay): ``w <- w - lr * weight_decay * w``, applied to the
  weights directly, outside the gradient.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from course_utils.validation import as_array, as_float_array, check_ndim

__all__ = [
    "batch_norm_forward",
    "decoupled_weight_decay",
    "dropout_mask",
    "inverted_dropout",
    "l2_penalty",
    "l2_penalty_gradient",
]

Array = np.ndarray


def _number(value: Any, name: str, *, low: float, high: float, high_open: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    ok = low <= value < high if high_open else low <= value <= high
    if not ok:
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be in [{low}, {high}{bracket}, got {value}")
    return value


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


# --------------------------------------------------------------------------- dropout


def dropout_mask(shape: tuple[int, ...], rate: float, rng: np.random.Generator) -> Array:
    """A boolean *keep* mask: each entry is ``True`` with probability ``1 - rate``."""
    rate = _number(rate, "rate", low=0.0, high=1.0)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    return rng.uniform(size=shape) >= rate


def inverted_dropout(
    x: Any,
    rate: float,
    *,
    training: bool,
    mask: Any = None,
    rng: np.random.Generator | None = None,
) -> Array:
    """Inverted dropout, as ``keras.layers.Dropout(rate)(x, training=training)``.

    In training, ``y = x * mask / (1 - rate)`` where ``mask`` keeps each entry with
    probability ``1 - rate``, so that ``E[y] = x``; at inference ``y = x`` (nothing is
    dropped and nothing is rescaled).

    Args:
        x: the activations, any shape.
        rate: the fraction of units to drop, in ``[0, 1)``.
        training: ``True`` for the training-time behaviour.
        mask: a boolean keep mask of ``x``'s shape (e.g. read off a Keras output);
            default: drawn with :func:`dropout_mask` from ``rng``.
        rng: a ``numpy.random.Generator`` (default: ``np.random.default_rng()``).

    Returns:
        An array of ``x``'s shape and float dtype.

    Raises:
        TypeError: if ``x`` or ``mask`` is not numeric, or ``training`` not a bool.
        ValueError: if ``rate`` is outside ``[0, 1)`` or ``mask`` has another shape.
    """
    x = as_float_array(x, "x")
    rate = _number(rate, "rate", low=0.0, high=1.0)
    if not _flag(training, "training") or rate == 0.0:
        return x.copy()
    if mask is None:
        mask = dropout_mask(x.shape, rate, rng if rng is not None else np.random.default_rng())
    else:
        mask = as_array(mask, "mask")
        if mask.shape != x.shape:
            raise ValueError(f"mask must have the shape of x, {x.shape}, got {mask.shape}")
        mask = mask.astype(bool)
    return (x * mask / (1.0 - rate)).astype(x.dtype)


# --------------------------------------------------------------------------- batch norm


def batch_norm_forward(
    x: Any,
    gamma: Any,
    beta: Any,
    moving_mean: Any,
    moving_var: Any,
    *,
    training: bool,
    momentum: float = 0.99,
    epsilon: float = 1e-3,
) -> tuple[Array, Array, Array]:
    """Batch normalization over the last axis, as ``keras.layers.BatchNormalization()``.

    Training mode, with ``mu`` and ``var`` the mean and biased variance of each feature
    over the batch (every axis but the last):

    ``y = gamma * (x - mu) / sqrt(var + epsilon) + beta``,
    ``moving_mean <- momentum * moving_mean + (1 - momentum) * mu`` (same for the variance).

    Inference mode: the same formula with ``moving_mean`` and ``moving_var`` in place of
    the batch statistics; the moving averages are returned unchanged.

    Args:
        x: inputs of shape ``(batch, ..., features)``.
        gamma, beta, moving_mean, moving_var: vectors of length ``features``.
        training: ``True`` for batch statistics and a moving-average update.
        momentum: Keras's ``momentum`` (weight of the *old* moving average), in ``[0, 1]``.
        epsilon: added to the variance, > 0.

    Returns:
        ``(y, new_moving_mean, new_moving_var)``.

    Raises:
        TypeError: for non-numeric arrays or a non-bool ``training``.
        ValueError: if ``x`` has fewer than 2 axes or a parameter's shape is not
            ``(features,)``.
    """
    x = as_float_array(x, "x")
    if x.ndim < 2:
        raise ValueError(
            f"x must have a batch axis and a feature axis, shape (batch, ..., features), "
            f"got shape {x.shape}"
        )
    features = x.shape[-1]
    params = []
    for name, value in (("gamma", gamma), ("beta", beta), ("moving_mean", moving_mean),
                        ("moving_var", moving_var)):  # fmt: skip
        array = as_float_array(value, name)
        check_ndim(array, name, 1)
        if array.shape != (features,):
            raise ValueError(
                f"{name} must have shape ({features},), one value per feature of x, "
                f"got {array.shape}"
            )
        params.append(array)
    gamma, beta, moving_mean, moving_var = params
    momentum = _number(momentum, "momentum", low=0.0, high=1.0, high_open=False)
    epsilon = _number(epsilon, "epsilon", low=0.0, high=np.inf)
    if epsilon == 0.0:
        raise ValueError("epsilon must be > 0 (it keeps the division finite)")
    if _flag(training, "training"):
        axes = tuple(range(x.ndim - 1))  # every axis but the feature axis
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)  # biased (divides by the batch size), as Keras
        new_mean = momentum * moving_mean + (1.0 - momentum) * mean
        new_var = momentum * moving_var + (1.0 - momentum) * var
    else:
        mean, var = moving_mean, moving_var
        new_mean, new_var = moving_mean.copy(), moving_var.copy()
    y = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    return y.astype(x.dtype), new_mean, new_var


# --------------------------------------------------------------------------- L2 and decay


def l2_penalty(w: Any, l2: float) -> float:
    """``l2 * sum(w**2)``, the term ``keras.regularizers.L2(l2)`` adds to the loss."""
    w = as_float_array(w, "w")
    l2 = _number(l2, "l2", low=0.0, high=np.inf)
    return float(l2 * np.sum(w.astype(np.float64) ** 2))


def l2_penalty_gradient(w: Any, l2: float) -> Array:
    """The gradient of :func:`l2_penalty` with respect to ``w``: ``2 * l2 * w``.

    An optimizer adds it to the data gradient, so with Adam it is rescaled by
    ``1 / sqrt(v)`` like the rest of the gradient.
    """
    w = as_float_array(w, "w")
    l2 = _number(l2, "l2", low=0.0, high=np.inf)
    return (2.0 * l2 * w).astype(w.dtype)


def decoupled_weight_decay(w: Any, lr: float, weight_decay: float) -> Array:
    """One decoupled decay step, ``w - lr * weight_decay * w`` (Loshchilov & Hutter, 2019).

    Keras 3 optimizers apply it to each weight before their gradient update when
    built with ``weight_decay=...`` (``keras.optimizers.AdamW`` does by default). It
    never enters the gradient, so Adam's ``1 / sqrt(v)`` rescaling does not touch it.
    """
    w = as_float_array(w, "w")
    lr = _number(lr, "lr", low=0.0, high=np.inf)
    weight_decay = _number(weight_decay, "weight_decay", low=0.0, high=np.inf)
    return (w - lr * weight_decay * w).astype(w.dtype)
