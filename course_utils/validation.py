"""Argument checks that fail with a message saying what was expected.

Every ``course_utils`` function that takes arrays validates them with these
helpers, so a learner who passes the wrong thing learns *what* was expected
instead of reading a stack trace from deep inside NumPy or TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np

__all__ = [
    "as_array",
    "as_float_array",
    "as_int",
    "check_ndim",
    "check_shape",
    "check_same_length",
]


def as_array(value: Any, name: str, *, dtype: Any = None) -> np.ndarray:
    """Convert ``value`` (NumPy array, tensor, list) to a NumPy array.

    Raises:
        TypeError: if ``value`` is ``None``, a string, a mapping, or anything that
            does not convert to a numeric array.
    """
    if value is None or isinstance(value, (str, bytes, dict)):
        raise TypeError(
            f"{name} must be an array-like of numbers (NumPy array, tensor or list), "
            f"got {type(value).__name__}"
        )
    try:
        array = np.asarray(value)
    except Exception as error:  # ragged lists and the like
        raise TypeError(
            f"{name} must be an array-like of numbers, could not convert "
            f"{type(value).__name__}: {error}"
        ) from None
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        raise TypeError(
            f"{name} must hold numbers, got an array of dtype {array.dtype} "
            f"(from {type(value).__name__})"
        )
    return array.astype(dtype) if dtype is not None else array


def as_float_array(value: Any, name: str) -> np.ndarray:
    """:func:`as_array`, then as floating point: float dtypes are kept (float32 stays
    float32), anything else (integers, booleans) becomes float64."""
    array = as_array(value, name)
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    return array


def as_int(value: Any, name: str, minimum: int) -> int:
    """``value`` as a Python ``int``, checked to be an integer (Python or NumPy, not a
    bool) of at least ``minimum``; a ``TypeError`` or ``ValueError`` says what was expected."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_ndim(array: np.ndarray, name: str, allowed: int | Sequence[int]) -> None:
    """Raise ``ValueError`` unless ``array.ndim`` is one of ``allowed``."""
    allowed_set = (allowed,) if isinstance(allowed, int) else tuple(allowed)
    if array.ndim not in allowed_set:
        expected = " or ".join(f"{n}-D" for n in allowed_set)
        raise ValueError(f"{name} must be {expected}, got shape {array.shape} ({array.ndim}-D)")


def check_shape(array: np.ndarray, name: str, expected: Sequence[int | None]) -> None:
    """Raise ``ValueError`` unless ``array.shape`` matches ``expected``.

    ``None`` in ``expected`` matches any size, e.g. ``(None, 28, 28)``.
    """
    ok = array.ndim == len(expected) and all(
        e is None or e == s for e, s in zip(expected, array.shape, strict=False)
    )
    if not ok:
        pretty = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ")"
        raise ValueError(f"{name} must have shape {pretty}, got {array.shape}")


def check_same_length(**arrays: Any) -> None:
    """Raise ``ValueError`` unless all arrays have the same first dimension."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"expected the same number of items in each argument, but {described}")
