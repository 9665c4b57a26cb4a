"""Input-drift statistics and confidence checks for a deployed model.

Introduced in chapter 12. A model in production sees data that may slowly stop
looking like its training data. These NumPy functions compare a *reference* sample
(what the model was validated on) with a *current* sample (what it sees now):

* :func:`ks_statistic`, the two-sample Kolmogorov-Smirnov statistic
  :math:`D = \\sup_x |F_{ref}(x) - F_{cur}(x)|` (same as ``scipy.stats.ks_2samp``);
* :func:`population_stability_index`, the PSI
  :math:`\\sum_i (a_i - e_i) \\ln(a_i / e_i)` over bins cut at the reference quantiles;
* :func:`max_confidence`, the largest class probability of each prediction;
* :func:`drift_report`, both statistics and a drift flag for one feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from course_utils.validation import as_array, check_ndim

__all__ = [
    "DriftReport",
    "drift_report",
    "ks_statistic",
    "max_confidence",
    "population_stability_index",
    "psi_bin_edges",
]


def _sample(values: Any, name: str) -> np.ndarray:
    array = as_array(values, name, dtype=np.float64)
    check_ndim(array, name, 1)
    if array.size == 0:
        raise ValueError(f"{name} must hold at least one value, got an empty array")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers (no NaN or inf)")
    return array


def ks_statistic(reference: Any, current: Any) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two ECDFs.

    With :math:`F_n(x) = \\#\\{i : x_i \\le x\\} / n`, the statistic is
    :math:`D = \\max_x |F_{ref}(x) - F_{cur}(x)|`; the maximum is reached at one of the
    observed values, so it is enough to evaluate both ECDFs at every value of both
    samples. ``0`` means identical empirical distributions, ``1`` disjoint ones.

    Raises:
        TypeError: if a sample is not numeric.
        ValueError: if a sample is not 1-D, is empty or holds NaN/inf.
    """
    ref = np.sort(_sample(reference, "reference"))
    cur = np.sort(_sample(current, "current"))
    points = np.concatenate([ref, cur])
    f_ref = np.searchsorted(ref, points, side="right") / ref.size
    f_cur = np.searchsorted(cur, points, side="right") / cur.size
    return float(np.max(np.abs(f_ref - f_cur)))


def psi_bin_edges(reference: Any, bins: int = 10) -> np.ndarray:
    """Inner bin edges for the PSI: the reference's quantiles at ``1/bins, ..., (bins-1)/bins``.

    Repeated edges (a feature with few distinct values) are merged, so some features
    get fewer bins. The outer bins are open: ``(-inf, e_1]`` and ``(e_last, inf)``.
    """
    ref = _sample(reference, "reference")
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise TypeError(f"bins must be an int, got {type(bins).__name__}")
    if bins < 2:
        raise ValueError(f"bins must be >= 2, got {bins}")
    return np.unique(np.quantile(ref, np.arange(1, bins) / bins))


def population_stability_index(
    reference: Any, current: Any, bins: int = 10, eps: float = 1e-4
) -> float:
    """Population stability index of ``current`` against ``reference``.

    Cut the line at the reference's quantiles (:func:`psi_bin_edges`), count the share
    :math:`e_i` of the reference and :math:`a_i` of the current sample in each bin
    (a value on an edge goes to the bin on its left), floor both at ``eps`` so that an
    empty bin does not give :math:`\\ln 0`, and sum

    .. math:: \\mathrm{PSI} = \\sum_i (a_i - e_i) \\ln \\frac{a_i}{e_i}.

    This is the symmetric KL divergence :math:`KL(a\\|e) + KL(e\\|a)` of the binned
    shares. Common reading: below 0.1 stable, 0.1 to 0.25 moderate shift, above 0.25
    a large shift.

    Raises:
        TypeError: if a sample is not numeric or ``bins`` is not an int.
        ValueError: on a non-1-D, empty or non-finite sample, ``bins < 2`` or ``eps``
            outside ``(0, 1)``.
    """
    ref = _sample(reference, "reference")
    cur = _sample(current, "current")
    if not 0 < eps < 1:
        raise ValueError(f"eps must be in (0, 1), got {eps}")
    edges = psi_bin_edges(ref, bins)
    expected = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=edges.size + 1)
    actual = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=edges.size + 1)
    e = np.maximum(expected / ref.size, eps)
    a = np.maximum(actual / cur.size, eps)
    return float(np.sum((a - e) * np.log(a / e)))


def max_confidence(probs: Any) -> np.ndarray:
    """The confidence of each prediction: its largest class probability, ``probs.max(axis=1)``.

    Raises:
        TypeError: if ``probs`` is not numeric.
        ValueError: if ``probs`` is not 2-D (examples x classes) or has rows that are not
            probability vectors (negative entries or sums away from 1).
    """
    p = as_array(probs, "probs", dtype=np.float64)
    check_ndim(p, "probs", 2)
    if p.size and (p.min() < -1e-6 or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3)):
        raise ValueError("probs must hold one probability vector per row (>= 0, summing to 1)")
    return p.max(axis=1)


@dataclass(frozen=True)
class DriftReport:
    """The drift statistics of one feature and whether they cross the thresholds."""

    ks: float
    psi: float
    drifted: bool


def drift_report(
    reference: Any,
    current: Any,
    *,
    bins: int = 10,
    psi_threshold: float = 0.25,
    ks_threshold: float = 0.1,
) -> DriftReport:
    """KS statistic and PSI of one feature; ``drifted`` if either exceeds its threshold.

    The thresholds are conventions, not laws: ``psi > 0.25`` is the usual "large shift";
    ``ks > 0.1`` means the two ECDFs differ by more than ten percentage points somewhere,
    far above sampling noise for samples of thousands (about ``1.36 * sqrt(2/n)`` at the
    5 % level for two samples of size ``n``).
    """
    ks = ks_statistic(reference, current)
    psi = population_stability_index(reference, current, bins)
    return DriftReport(ks=ks, psi=psi, drifted=bool(psi > psi_threshold or ks > ks_threshold))
