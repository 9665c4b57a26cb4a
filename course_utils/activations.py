"""Activation functions and their derivatives, in NumPy.

Introduced in chapter 01. Each function takes an array-like of numbers of any
shape (NumPy array, tensor, list or scalar) and returns a NumPy array of the
same shape. Floating inputs keep their dtype (float32 in, float32 out); integer
and boolean inputs are computed in float64.

``*_grad(x)`` is the derivative of the activation with respect to its input,
the pre-activation ``x`` (not with respect to the activation's output), so the
chain rule reads ``dL/dx = dL/da * act_grad(x)``. At the kinks of ``relu`` and
``leaky_relu`` (``x == 0``) the derivative is taken from the left, as
TensorFlow does.

The defaults match Keras: ``leaky_relu`` uses ``alpha=0.3`` like
``keras.layers.LeakyReLU`` (whose argument is called ``negative_slope``; note
that the *function* ``keras.activations.leaky_relu`` defaults to 0.2), ``elu``
uses ``alpha=1.0`` and ``gelu`` the exact erf form (``approximate=False``).
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from course_utils.validation import as_float_array

__all__ = [
    "step",
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
    "relu",
    "relu_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "elu",
    "elu_grad",
    "gelu",
    "gelu_grad",
    "softmax",
    "softmax_jacobian",
]

_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715
_erf = np.frompyfunc(math.erf, 1, 1)


def _check_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def step(x: Any) -> np.ndarray:
    """Heaviside step: 1 where ``x >= 0``, else 0 (the perceptron's threshold).

    Its derivative is 0 everywhere except at 0, where it does not exist, which is
    why gradient descent cannot train a network of step units.
    """
    x = as_float_array(x, "x")
    return (x >= 0).astype(x.dtype)


def sigmoid(x: Any) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow.

    For ``x < 0`` it uses the equivalent ``exp(x) / (1 + exp(x))``, so ``exp`` only
    ever sees non-positive arguments and never overflows.
    """
    x = as_float_array(x, "x")
    z = np.exp(-np.abs(x))  # in (0, 1]: cannot overflow
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z)).astype(x.dtype)


def sigmoid_grad(x: Any) -> np.ndarray:
    """Derivative of the sigmoid: ``s * (1 - s)`` with ``s = sigmoid(x)``; at most 1/4."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x: Any) -> np.ndarray:
    """Hyperbolic tangent, ``(e^x - e^-x) / (e^x + e^-x) = 2 sigmoid(2x) - 1``."""
    return np.tanh(as_float_array(x, "x"))


def tanh_grad(x: Any) -> np.ndarray:
    """Derivative of tanh: ``1 - tanh(x)**2``; 1 at 0."""
    t = tanh(x)
    return 1 - t * t


def relu(x: Any) -> np.ndarray:
    """Rectified linear unit ``max(0, x)``."""
    x = as_float_array(x, "x")
    return np.maximum(x, 0).astype(x.dtype)


def relu_grad(x: Any) -> np.ndarray:
    """Derivative of ReLU: 1 where ``x > 0``, else 0 (0 at ``x == 0``, as TensorFlow)."""
    x = as_float_array(x, "x")
    return (x > 0).astype(x.dtype)


def leaky_relu(x: Any, alpha: float = 0.3) -> np.ndarray:
    """Leaky ReLU: ``x`` where ``x >= 0``, ``alpha * x`` where ``x < 0``.

    The negative part is a line of slope ``alpha`` through the origin, *not* a
    constant. ``alpha=0.3`` is the default of ``keras.layers.LeakyReLU``.
    """
    alpha = _check_number(alpha, "alpha")
    x = as_float_array(x, "x")
    return np.where(x >= 0, x, alpha * x).astype(x.dtype)


def leaky_relu_grad(x: Any, alpha: float = 0.3) -> np.ndarray:
    """Derivative of Leaky ReLU: 1 where ``x > 0``, ``alpha`` elsewhere."""
    alpha = _check_number(alpha, "alpha")
    x = as_float_array(x, "x")
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


def elu(x: Any, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: ``x`` where ``x > 0``, ``alpha * (exp(x) - 1)`` elsewhere."""
    alpha = _check_number(alpha, "alpha")
    x = as_float_array(x, "x")
    negative = alpha * np.expm1(np.minimum(x, 0))  # min: no overflow for large x
    return np.where(x > 0, x, negative).astype(x.dtype)


def elu_grad(x: Any, alpha: float = 1.0) -> np.ndarray:
    """Derivative of ELU: 1 where ``x > 0``, ``alpha * exp(x)`` elsewhere."""
    alpha = _check_number(alpha, "alpha")
    x = as_float_array(x, "x")
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF ``Phi(x) = (1 + erf(x / sqrt 2)) / 2``, in float64."""
    return 0.5 * (1.0 + _erf(x.astype(np.float64) / _SQRT_2).astype(np.float64))


def gelu(x: Any, approximate: bool = False) -> np.ndarray:
    """Gaussian error linear unit ``x * Phi(x)``, ``Phi`` the standard normal CDF.

    With ``approximate=True`` it uses the tanh form of Hendrycks & Gimpel (2016),
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``, like
    ``keras.activations.gelu(x, approximate=True)``.
    """
    approximate = _check_bool(approximate, "approximate")
    x = as_float_array(x, "x")
    x64 = x.astype(np.float64)
    if approximate:
        out = 0.5 * x64 * (1 + np.tanh(_SQRT_2_OVER_PI * (x64 + _GELU_C * x64**3)))
    else:
        out = x64 * _normal_cdf(x64)
    return out.astype(x.dtype)


def gelu_grad(x: Any, approximate: bool = False) -> np.ndarray:
    """Derivative of GELU: ``Phi(x) + x * phi(x)`` (``phi`` the normal density).

    With ``approximate=True``, the derivative of the tanh form.
    """
    approximate = _check_bool(approximate, "approximate")
    x = as_float_array(x, "x")
    x64 = x.astype(np.float64)
    if approximate:
        inner = _SQRT_2_OVER_PI * (x64 + _GELU_C * x64**3)
        t = np.tanh(inner)
        d_inner = _SQRT_2_OVER_PI * (1 + 3 * _GELU_C * x64**2)
        out = 0.5 * (1 + t) + 0.5 * x64 * (1 - t * t) * d_inner
    else:
        pdf = np.exp(-0.5 * x64**2) / math.sqrt(2 * math.pi)
        out = _normal_cdf(x64) + x64 * pdf
    return out.astype(x.dtype)


def softmax(x: Any, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``: ``exp(x_i) / sum_j exp(x_j)``, numerically stable.

    The maximum along ``axis`` is subtracted first. That leaves the result
    unchanged (it cancels between numerator and denominator) but keeps every
    ``exp`` argument <= 0, so large logits such as 1000 do not overflow to inf.

    Raises:
        ValueError: if ``x`` is a scalar or ``axis`` is out of range.
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int, got {type(axis).__name__}")
    x = as_float_array(x, "x")
    if x.ndim == 0:
        raise ValueError("softmax needs at least a 1-D array of logits, got a scalar")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of range for an array of shape {x.shape}")
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return (e / np.sum(e, axis=axis, keepdims=True)).astype(x.dtype)


def softmax_jacobian(s: Any) -> np.ndarray:
    """Jacobian of softmax, from its *output* ``s`` (probabilities along the last axis).

    ``J[..., i, j] = d s_i / d x_j = s_i * (delta_ij - s_j)``, i.e.
    ``diag(s) - s s^T`` for each vector ``s``.

    Args:
        s: softmax outputs of shape ``(..., k)``.

    Returns:
        An array of shape ``(..., k, k)``.
    """
    s = as_float_array(s, "s")
    if s.ndim == 0:
        raise ValueError("s must be softmax probabilities of shape (..., k), got a scalar")
    return s[..., :, None] * np.eye(s.shape[-1], dtype=s.dtype) - s[..., :, None] * s[..., None, :]
