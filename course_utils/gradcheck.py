"""Gradient checking: central finite differences and a relative error.

Introduced in chapter 02. A hand-written backward pass is only trusted once it
agrees with a gradient computed a second, independent way. The simplest second
way needs nothing but the forward pass: nudge one input at a time and watch the
output,

    df/dx_i  ~  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),

whose error shrinks like ``eps**2`` (the one-sided difference only like ``eps``).
Run it in float64: in float32 the round-off of ``f`` swamps the difference.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np

from course_utils.validation import as_array

__all__ = ["numerical_gradient", "numerical_gradients", "relative_error"]


def numerical_gradient(f: Callable[[np.ndarray], Any], x: Any, eps: float = 1e-6) -> np.ndarray:
    """Gradient of a scalar function ``f`` at ``x`` by central differences.

    Each entry ``x_i`` is moved by ``+eps`` and ``-eps`` in turn (all other
    entries fixed) and ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` is
    recorded. That costs ``2 * x.size`` calls of ``f``: fine for checking a
    small network, far too slow for training one.

    Args:
        f: function of one array (of ``x``'s shape) returning a scalar. It must
            not keep a reference to its argument: the array is modified in
            place between calls.
        x: the point, any shape; converted to a float64 copy (``x`` itself is
            never modified).
        eps: the step, a positive number; about ``1e-6`` suits float64 (smaller
            steps drown in round-off, larger ones in truncation error).

    Returns:
        A float64 array of ``x``'s shape.

    Raises:
        TypeError: if ``f`` is not callable, ``x`` is not numeric, ``eps`` is not a
            number, or ``f`` does not return a scalar.
        ValueError: if ``eps`` is not positive and finite.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of one array, got {type(f).__name__}")
    if isinstance(eps, bool) or not isinstance(eps, Real):
        raise TypeError(f"eps must be a positive number, got {type(eps).__name__}")
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be positive and finite, got {eps}")
    point = as_array(x, "x", dtype=np.float64).copy()
    grad = np.zeros_like(point)
    flat_point, flat_grad = point.reshape(-1), grad.reshape(-1)  # views into the arrays

    def evaluate() -> float:
        value = np.asarray(f(point))
        if value.size != 1:
            raise TypeError(f"f must return a scalar, got an array of shape {value.shape}")
        return float(value.reshape(()))

    for i in range(flat_point.size):
        original = flat_point[i]
        flat_point[i] = original + eps
        f_plus = evaluate()
        flat_point[i] = original - eps
        f_minus = evaluate()
        flat_point[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def numerical_gradients(
    loss: Callable[[list[dict[str, np.ndarray]]], Any],
    params: Sequence[Mapping[str, Any]],
    eps: float = 1e-6,
) -> list[dict[str, np.ndarray]]:
    """Central-difference gradients of ``loss(params)`` for every array in ``params``.

    ``params`` is a list of dicts of arrays, such as an MLP's
    ``[{"w": W1, "b": b1}, {"w": W2, "b": b2}]``; the result has the same
    structure, so it can be compared entry by entry with a backward pass. Each
    array is varied in turn (with :func:`numerical_gradient`) while the others stay
    fixed; ``params`` itself is not modified.

    Raises:
        TypeError: if ``loss`` is not callable or ``params`` is not a list of dicts.
    """
    if not callable(loss):
        raise TypeError(f"loss must be a function of params, got {type(loss).__name__}")
    if (
        isinstance(params, Mapping)
        or not isinstance(params, Sequence)
        or not all(isinstance(layer, Mapping) for layer in params)
    ):
        raise TypeError(
            f"params must be a list of dicts of arrays, such as [{{'w': W, 'b': b}}], "
            f"got {type(params).__name__}"
        )
    grads: list[dict[str, np.ndarray]] = []
    for i, layer in enumerate(params):
        layer_grads = {}
        for key, value in layer.items():

            def loss_of(new_value: np.ndarray, i: int = i, key: Any = key) -> Any:
                changed = [dict(p) for p in params]
                changed[i][key] = new_value
                return loss(changed)

            layer_grads[key] = numerical_gradient(loss_of, value, eps=eps)
        grads.append(layer_grads)
    return grads


def relative_error(a: Any, b: Any) -> float:
    """Relative difference of two arrays: ``||a - b|| / (||a|| + ||b||)``.

    Symmetric in ``a`` and ``b``, between 0 (identical) and 1, and independent of
    the overall scale of the gradients, so one threshold works for every check:
    in float64 a correct backward pass typically gives below ``1e-7``, in float32
    below ``1e-5``; a wrong formula gives ``1e-2`` or more. Two all-zero arrays
    give 0.

    Raises:
        TypeError: if either argument is not numeric.
        ValueError: if the shapes differ.
    """
    a_arr = as_array(a, "a", dtype=np.float64)
    b_arr = as_array(b, "b", dtype=np.float64)
    if a_arr.shape != b_arr.shape:
        raise ValueError(
            f"a and b must have the same shape to be compared, got {a_arr.shape} and {b_arr.shape}"
        )
    scale = float(np.linalg.norm(a_arr) + np.linalg.norm(b_arr))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(a_arr - b_arr) / scale)
