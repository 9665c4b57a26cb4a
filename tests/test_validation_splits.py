"""course_utils.validation_splits: partitions, sizes, sampling with replacement."""

import numpy as np
import pytest
from sklearn.model_selection import KFold, LeaveOneOut

from course_utils.validation_splits import (
    bootstrap_oob_splits,
    holdout_split,
    kfold_splits,
    leave_one_out_splits,
)


def test_holdout_split_is_a_random_partition():
    train, val = holdout_split(50, 0.2, seed=0)
    assert len(val) == 10 and len(train) == 40
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(50))
    assert not np.array_equal(val, np.arange(40, 50))  # shuffled, not the last items
    train2, val2 = holdout_split(50, 0.2, seed=0)
    np.testing.assert_array_equal(val, val2)


@pytest.mark.parametrize(("n", "k"), [(10, 5), (23, 4), (7, 7), (100, 3)])
def test_kfold_matches_sklearn(n, k):
    ours = list(kfold_splits(n, k))
    theirs = list(KFold(n_splits=k).split(np.zeros(n)))
    assert len(ours) == k
    for (tr, va), (tr2, va2) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(tr, tr2)
        np.testing.assert_array_equal(va, va2)


def test_shuffled_kfold_validates_each_item_exactly_once():
    folds = list(kfold_splits(37, 5, shuffle=True, seed=1))
    vals = np.concatenate([va for _, va in folds])
    np.testing.assert_array_equal(np.sort(vals), np.arange(37))
    for tr, va in folds:
        assert not set(tr) & set(va) and len(tr) + len(va) == 37
    assert not np.array_equal(folds[0][1], np.arange(8))


def test_leave_one_out_matches_sklearn():
    ours = list(leave_one_out_splits(6))
    theirs = list(LeaveOneOut().split(np.zeros(6)))
    assert len(ours) == 6
    for (tr, va), (tr2, va2) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(tr, tr2)
        np.testing.assert_array_equal(va, va2)


def test_bootstrap_samples_with_replacement_and_oob_is_the_complement():
    n, rounds = 200, 300
    oob_fractions, any_repeat = [], False
    for in_bag, oob in bootstrap_oob_splits(n, rounds, seed=2):
        assert len(in_bag) == n  # n draws
        assert in_bag.min() >= 0 and in_bag.max() < n
        assert not set(in_bag) & set(oob)  # OOB never overlaps the sample
        np.testing.assert_array_equal(np.union1d(in_bag, oob), np.arange(n))
        any_repeat |= len(np.unique(in_bag)) < n
        oob_fractions.append(len(oob) / n)
    assert any_repeat  # sampling *with* replacement repeats items
    expected = (1 - 1 / n) ** n  # ~0.366
    assert abs(np.mean(oob_fractions) - expected) < 0.01


def test_bootstrap_never_yields_an_empty_oob_set():
    for _, oob in bootstrap_oob_splits(2, 50, seed=3):
        assert len(oob) == 1


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: holdout_split(1), ValueError, "n must be"),
        (lambda: holdout_split(10, 1.0), ValueError, "val_fraction"),
        (lambda: holdout_split(10, "0.2"), TypeError, "val_fraction"),
        (lambda: holdout_split(10, 0.2, seed="a"), TypeError, "seed"),
        (lambda: list(kfold_splits(5, 6)), ValueError, "k must be <= n"),
        (lambda: list(kfold_splits(5, 1)), ValueError, "k must be >= 2"),
        (lambda: list(kfold_splits(5.0, 2)), TypeError, "n must be an int"),
        (lambda: list(leave_one_out_splits(True)), TypeError, "n must be an int"),
        (lambda: list(bootstrap_oob_splits(10, 0)), ValueError, "rounds"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()
