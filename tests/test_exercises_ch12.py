"""Each chapter-12 check accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch12 import (
    check_ks_statistic,
    check_psi_from_shares,
    check_replica_loss,
)
from course_utils.monitoring import ks_statistic


# --------------------------------------------------------------------------- 12.1
def test_psi_accepts_a_correct_answer():
    assert "passed" in check_psi_from_shares(lambda e, a: np.sum((a - e) * np.log(a / e)))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda e, a: np.sum(a * np.log(a / e)), "KL"),  # one-way KL
        (lambda e, a: np.sum((a - e) * np.log(e / a)), "not right"),  # sign flipped
        (lambda e, a: np.sum(np.abs(a - e)), "not right"),
        (lambda e, a: (a - e) * np.log(a / e), "one number"),  # forgot the sum
        (lambda e, a: None, "one number"),
    ],
)
def test_psi_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_psi_from_shares(wrong)


# --------------------------------------------------------------------------- 12.2
def ks_at_a_only(a, b):  # evaluates the ECDFs at the points of a only: misses gaps
    a, b = np.sort(a), np.sort(b)
    return np.max(np.abs(np.searchsorted(a, a, side="right") / a.size
                         - np.searchsorted(b, a, side="right") / b.size))  # fmt: skip


def ks_unsorted(a, b):  # forgets to sort before searchsorted
    points = np.concatenate([a, b])
    return np.max(np.abs(np.searchsorted(a, points, side="right") / a.size
                         - np.searchsorted(b, points, side="right") / b.size))  # fmt: skip


def test_ks_accepts_a_correct_answer():
    assert "passed" in check_ks_statistic(ks_statistic)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (ks_at_a_only, "not right"),
        (ks_unsorted, "not right"),
        (lambda a, b: abs(np.mean(a) - np.mean(b)), "not right"),
        (lambda a, b: np.max(np.abs(np.sort(a)[:20] - np.sort(b)[:20])), "not right"),
        (lambda a, b: "D", "one number"),
    ],
)
def test_ks_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_ks_statistic(wrong)


# --------------------------------------------------------------------------- 12.3
def test_replica_loss_accepts_a_correct_answer():
    assert "passed" in check_replica_loss(lambda per_example, gb: np.sum(per_example) / gb)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda p, gb: np.mean(p), "GLOBAL batch"),  # local mean
        (lambda p, gb: np.sum(p), "not right"),
        (lambda p, gb: np.sum(p) / gb ** 2, "not right"),
        (lambda p, gb: p / gb, "one number"),
    ],
)
def test_replica_loss_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_replica_loss(wrong)
