"""Each chapter-11 check accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch11 import (
    check_kl_to_uniform,
    check_non_saturating_loss,
    check_value_function,
    kl_to_uniform_reference,
)


# --------------------------------------------------------------------------- 11.1
def value_function(d_real, d_fake):
    return np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake))


def test_value_function_accepts_a_correct_answer():
    assert "passed" in check_value_function(value_function)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda r, f: np.mean(np.log(r)) + np.mean(np.log(1 - np.log(f))), "not right"),
        (lambda r, f: np.log(np.mean(r)) + np.log(1 - np.mean(f)), "not right"),  # log of mean
        (lambda r, f: np.log(np.log(r)).mean() + np.log(1 - f).mean(), "no log inside a log"),
        (lambda r, f: np.mean(np.log(r)) + np.mean(np.log(f)), "not right"),  # no 1 -
        (lambda r, f: np.sum(np.log(r)) + np.sum(np.log(1 - f)), "not right"),  # sums
        (lambda r, f: np.mean(np.log(np.concatenate([r, 1 - f]))), "not right"),  # one mean
        (lambda r, f: np.mean(np.log(f)) + np.mean(np.log(1 - r)), "not right"),  # swapped
        (lambda r, f: -(np.mean(np.log(r)) + np.mean(np.log(1 - f))), "V <= 0"),  # the loss
        (lambda r, f: np.log(r) + np.mean(np.log(1 - f)), "single number"),
        (lambda r, f: None, "forget `return`"),
    ],
)
def test_value_function_rejects_wrong_answers(wrong, match):
    with np.errstate(all="ignore"), pytest.raises(ExerciseFailure, match=match):
        check_value_function(wrong)


# --------------------------------------------------------------------------- 11.2
def loss_from_logits(logits):
    a = logits.astype(np.float64)
    return -np.mean(np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a))))


def test_non_saturating_loss_accepts_correct_answers():
    assert "passed" in check_non_saturating_loss(loss_from_logits)
    assert "passed" in check_non_saturating_loss(lambda a: np.mean(np.logaddexp(0.0, -a)))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda a: -np.mean(np.log(1 / (1 + np.exp(-a)))), "never overflows"),  # naive
        (lambda a: np.mean(np.logaddexp(0.0, a)), "not right"),  # -log(1 - D): wrong label
        (lambda a: -np.mean(np.logaddexp(0.0, a)), "not right"),  # saturating loss
        (lambda a: np.mean(np.log1p(np.exp(-a))), "never overflows"),  # overflows exp(150)
        (lambda a: np.mean(np.maximum(-a, 0) + np.log1p(np.exp(-np.abs(a))))
         + 1e-3, "not right"),
        (lambda a: np.mean(np.logaddexp(0.0, -np.clip(a, -15, 15))), "not right"),  # clipped
    ],
)
def test_non_saturating_loss_rejects_wrong_answers(wrong, match):
    with np.errstate(all="ignore"), pytest.raises(ExerciseFailure, match=match):
        check_non_saturating_loss(wrong)


# --------------------------------------------------------------------------- 11.3
def kl_to_uniform(labels, num_classes):
    p = np.bincount(labels, minlength=num_classes) / len(labels)
    p = p[p > 0]
    return np.sum(p * np.log(p * num_classes))


def test_kl_to_uniform_accepts_a_correct_answer():
    assert "passed" in check_kl_to_uniform(kl_to_uniform)


def test_kl_reference_endpoints():
    assert kl_to_uniform_reference(np.arange(10), 10) == pytest.approx(0.0)
    assert kl_to_uniform_reference(np.zeros(7, int), 10) == pytest.approx(np.log(10))


def unnormalized(labels, k):
    c = np.bincount(labels, minlength=k).astype(float)
    c = c[c > 0]
    return np.sum(c * np.log(c * k))


def reverse_kl(labels, k):
    p = np.bincount(labels, minlength=k) / len(labels)
    return np.sum(np.log(1 / (k * p)) / k)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (reverse_kl, "histogram first"),  # KL(uniform || p): infinite for a collapse
        (lambda y, k: np.nansum((lambda p: p * np.log(p * k))(
            np.bincount(y, minlength=k) / len(y))) / np.log(2), "not right"),  # bits
        (unnormalized, "not right"),  # counts, not frequencies
        (lambda y, k: -np.sum((lambda p: p[p > 0] * np.log(p[p > 0]))(
            np.bincount(y, minlength=k) / len(y))), "not right"),  # entropy instead of KL
        (lambda y, k: np.sum((lambda p: p * np.log(p * k))(
            np.bincount(y, minlength=k) / len(y))), "skip empty classes"),  # 0 log 0 -> nan
        (lambda y, k: None, "forget `return`"),
    ],
)
def test_kl_to_uniform_rejects_wrong_answers(wrong, match):
    with np.errstate(all="ignore"), pytest.raises(ExerciseFailure, match=match):
        check_kl_to_uniform(wrong)
