"""Index generators for validation strategies: hold-out, K-fold, leave-one-out, bootstrap.

Introduced in chapter 05 (Training deep networks well). Every function returns or
yields ``(train_idx, val_idx)`` pairs of integer index arrays into a data set of
``n`` items, so one loop evaluates a model under any strategy:

* :func:`holdout_split`: one random split, ``val_fraction`` of the items for validation.
* :func:`kfold_splits`: ``k`` folds of (almost) equal size; each item is validated once.
  With ``shuffle=False`` the folds equal ``sklearn.model_selection.KFold``'s.
* :func:`leave_one_out_splits`: ``n`` folds of one item (K-fold with ``k = n``).
* :func:`bootstrap_oob_splits`: ``n`` items drawn *with replacement* for training
  (Efron, 1979), validated on the out-of-bag items never drawn, about
  ``(1 - 1/n)**n ~ e**-1 ~ 36.8 %`` of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral, Real
from typing import Any

import numpy as np

from course_utils.validation import as_int

__all__ = [
    "bootstrap_oob_splits",
    "holdout_split",
    "kfold_splits",
    "leave_one_out_splits",
]

Split = tuple[np.ndarray, np.ndarray]


def _rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, Integral) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be an int, None or a numpy Generator, got {type(seed).__name__}")


def holdout_split(n: int, val_fraction: float = 0.2, *, seed: Any = None) -> Split:
    """One random hold-out split: ``round(val_fraction * n)`` items for validation.

    Raises:
        TypeError: if ``n`` is not an int or ``val_fraction`` not a number.
        ValueError: if ``n < 2`` or the split would leave a side empty.
    """
    n = as_int(n, "n", 2)
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, Real):
        raise TypeError(f"val_fraction must be a number, got {type(val_fraction).__name__}")
    n_val = round(float(val_fraction) * n)
    if not 0.0 < val_fraction < 1.0 or not 1 <= n_val <= n - 1:
        raise ValueError(
            f"val_fraction must be in (0, 1) and leave at least one item on each side; "
            f"got {val_fraction} for n={n}"
        )
    order = _rng(seed).permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def kfold_splits(n: int, k: int = 5, *, shuffle: bool = False, seed: Any = None) -> Iterator[Split]:
    """Yield ``k`` (train, validation) splits; the validation folds partition ``range(n)``.

    Fold sizes differ by at most one: the first ``n % k`` folds get one extra item
    (as ``sklearn.model_selection.KFold``). With ``shuffle=True`` the items are
    permuted first.

    Raises:
        TypeError: for non-int ``n`` or ``k``.
        ValueError: unless ``2 <= k <= n``.
    """
    n = as_int(n, "n", 2)
    k = as_int(k, "k", 2)
    if k > n:
        raise ValueError(f"k must be <= n (each fold needs an item), got k={k} for n={n}")
    order = _rng(seed).permutation(n) if shuffle else np.arange(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    start = 0
    for size in sizes:
        val = order[start : start + size]
        train = np.concatenate([order[:start], order[start + size :]])
        start += size
        yield np.sort(train), np.sort(val)


def leave_one_out_splits(n: int) -> Iterator[Split]:
    """Yield ``n`` splits, each validating on one item and training on the other ``n - 1``."""
    n = as_int(n, "n", 2)
    everything = np.arange(n)
    for i in range(n):
        yield np.delete(everything, i), np.array([i])


def bootstrap_oob_splits(n: int, rounds: int = 100, *, seed: Any = None) -> Iterator[Split]:
    """Yield ``rounds`` bootstrap samples and their out-of-bag (OOB) validation sets.

    Each training index array has ``n`` entries drawn uniformly *with replacement*
    (so it repeats some items and misses others; unsorted, with its repeats); the
    validation set is the sorted array of items never drawn. A round in which every
    item was drawn (possible only for tiny ``n``) is redrawn, so the OOB set is never
    empty.

    Raises:
        TypeError: for non-int ``n`` or ``rounds``.
        ValueError: if ``n < 2`` or ``rounds < 1``.
    """
    n = as_int(n, "n", 2)
    rounds = as_int(rounds, "rounds", 1)
    rng = _rng(seed)
    done = attempts = 0
    while done < rounds:
        attempts += 1
        if attempts > 100 * rounds:  # cannot happen for a true bootstrap with n >= 2
            raise RuntimeError("every bootstrap sample drew every item: no out-of-bag set")
        in_bag = rng.integers(0, n, size=n)  # with replacement
        drawn = np.zeros(n, dtype=bool)
        drawn[in_bag] = True
        if drawn.all():
            continue
        done += 1
        yield in_bag, np.flatnonzero(~drawn)
