"""course_utils.monitoring against SciPy / independent NumPy references."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from course_utils.monitoring import (
    DriftReport,
    drift_report,
    ks_statistic,
    max_confidence,
    population_stability_index,
    psi_bin_edges,
)

RNG = np.random.default_rng(12)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (RNG.normal(size=500), RNG.normal(0.3, 1.2, size=700)),
        (RNG.normal(size=50), RNG.normal(size=50)),
        (RNG.integers(0, 5, size=300), RNG.integers(0, 6, size=200)),  # many ties
        (RNG.uniform(size=10), RNG.uniform(2, 3, size=7)),  # disjoint: D = 1
    ],
)
def test_ks_statistic_matches_scipy(a, b):
    expected = stats.ks_2samp(a, b).statistic
    assert ks_statistic(a, b) == pytest.approx(expected, abs=1e-12)
    assert ks_statistic(b, a) == pytest.approx(expected, abs=1e-12)


def test_ks_statistic_by_hand():
    # ECDFs of [1, 2, 3] and [2, 2, 4]: at x=2 they are 2/3 and 2/3, at x=1 1/3 vs 0,
    # at x=3 1 vs 2/3 -> D = 1/3.
    assert ks_statistic([1, 2, 3], [2, 2, 4]) == pytest.approx(1 / 3)
    assert ks_statistic([1.0, 2.0], [1.0, 2.0]) == 0.0


def psi_reference(ref, cur, bins=10, eps=1e-4):
    """Independent version: pandas.cut with right-closed bins at the reference quantiles."""
    inner = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    edges = np.concatenate([[-np.inf], inner, [np.inf]])
    e = pd.Series(pd.cut(ref, edges, right=True)).value_counts(sort=False).to_numpy() / len(ref)
    a = pd.Series(pd.cut(cur, edges, right=True)).value_counts(sort=False).to_numpy() / len(cur)
    e, a = np.maximum(e, eps), np.maximum(a, eps)
    return float(np.sum((a - e) * np.log(a / e))), a, e


@pytest.mark.parametrize("shift", [0.0, 0.1, 0.5, 2.0])
def test_psi_matches_an_independent_reference_and_is_symmetric_kl(shift):
    ref = RNG.normal(size=2000)
    cur = RNG.normal(shift, 1.0, size=1500)
    expected, a, e = psi_reference(ref, cur)
    got = population_stability_index(ref, cur)
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-12)
    # PSI = KL(a || e) + KL(e || a) of the binned shares
    kl_both_ways = float(np.sum(a * np.log(a / e)) + np.sum(e * np.log(e / a)))
    assert got == pytest.approx(kl_both_ways, rel=1e-10)
    assert got >= 0


def test_psi_by_hand_and_with_ties():
    ref = np.array([0, 0, 1, 1, 2, 2, 3, 3], dtype=float)
    cur = np.array([0, 1, 1, 1, 1, 1, 1, 3], dtype=float)
    # 4 bins at quantiles 0.25, 0.5, 0.75 of ref -> edges 0.75, 1.5, 2.25; shares per bin
    e = np.array([0.25, 0.25, 0.25, 0.25])
    a = np.array([1, 6, 0, 1]) / 8
    a = np.maximum(a, 1e-4)
    assert population_stability_index(ref, cur, bins=4) == pytest.approx(
        np.sum((a - e) * np.log(a / e)))
    assert np.allclose(psi_bin_edges(ref, 4), [0.75, 1.5, 2.25])
    ints = RNG.integers(0, 4, size=400).astype(float)  # edges fall on data values
    other = RNG.integers(0, 5, size=300).astype(float)
    assert population_stability_index(ints, other) == pytest.approx(
        psi_reference(ints, other)[0], rel=1e-10)


def test_psi_grows_with_the_shift():
    ref = RNG.normal(size=5000)
    values = [population_stability_index(ref, RNG.normal(s, 1, size=5000))
              for s in (0.0, 0.2, 0.5, 1.0)]  # fmt: skip
    assert values == sorted(values) and values[0] < 0.02 and values[-1] > 0.25


def test_max_confidence():
    logits = RNG.normal(size=(20, 7))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert np.allclose(max_confidence(probs), probs.max(axis=1))
    with pytest.raises(ValueError, match="probability vector"):
        max_confidence(logits)
    with pytest.raises(ValueError, match="2-D"):
        max_confidence(probs[0])


def test_drift_report_flags():
    ref = RNG.normal(size=3000)
    same = drift_report(ref, RNG.normal(size=3000))
    moved = drift_report(ref, RNG.normal(1.0, 1, size=3000))
    assert isinstance(same, DriftReport) and not same.drifted
    assert moved.drifted and moved.psi > 0.25 and moved.ks > 0.3


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: ks_statistic(np.zeros((3, 2)), [1.0]), ValueError, "1-D"),
        (lambda: ks_statistic([], [1.0]), ValueError, "at least one"),
        (lambda: ks_statistic([np.nan, 1.0], [1.0]), ValueError, "finite"),
        (lambda: ks_statistic("abc", [1.0]), TypeError, "array-like"),
        (lambda: population_stability_index([1.0, 2.0], [1.0], bins=1), ValueError, "bins"),
        (lambda: population_stability_index([1.0, 2.0], [1.0], bins=2.5), TypeError, "bins"),
        (lambda: population_stability_index([1.0, 2.0], [1.0], eps=0), ValueError, "eps"),
        (lambda: max_confidence(None), TypeError, "array-like"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()
