"""Each chapter-10 check accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest
import tensorflow as tf

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch10 import (
    anomaly_rates_reference,
    check_anomaly_rates,
    check_kl_divergence,
    check_reparameterize,
)


# --------------------------------------------------------------------------- 10.1
def kl_divergence(mean, log_var):
    return -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=-1)


def test_kl_accepts_correct_answers():
    assert "passed" in check_kl_divergence(kl_divergence)
    assert "passed" in check_kl_divergence(
        lambda m, lv: tf.reduce_sum(0.5 * (tf.exp(lv) + m**2 - 1.0 - lv), axis=1)
    )


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda m, lv: -np.sum(1 + lv - m**2 - np.exp(lv), axis=-1), "twice"),  # no 1/2
        (lambda m, lv: -0.5 * np.sum(1 + lv - m**2 - np.exp(0.5 * lv), axis=-1), "variance"),
        (lambda m, lv: -0.5 * np.sum(1 + lv - m**2 - np.exp(lv)), "shape"),  # summed over all
        (lambda m, lv: -0.5 * np.mean(1 + lv - m**2 - np.exp(lv), axis=-1), "not right"),
        (lambda m, lv: -0.5 * np.sum(1 + lv - m - np.exp(lv), axis=-1), "not right"),  # mu
        (lambda m, lv: 0.5 * np.sum(1 + lv - m**2 - np.exp(lv), axis=-1), "not right"),  # sign
        (lambda m, lv: None, "should be"),
    ],
)
def test_kl_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_kl_divergence(wrong)


def test_kl_says_not_solved_yet():
    def unsolved(mean, log_var):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_kl_divergence(unsolved)


# --------------------------------------------------------------------------- 10.2
def test_reparameterize_accepts_correct_answers():
    assert "passed" in check_reparameterize(lambda m, lv, e: m + tf.exp(0.5 * lv) * e)
    assert "passed" in check_reparameterize(lambda m, lv, e: m + tf.sqrt(tf.exp(lv)) * e)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda m, lv, e: m + tf.exp(lv) * e, "variance"),
        (lambda m, lv, e: m + lv * e, "log-variance"),
        (lambda m, lv, e: m + tf.exp(-0.5 * lv) * e, "not right"),
        (lambda m, lv, e: m + np.exp(0.5 * np.asarray(lv)) * np.asarray(e), "gradient"),
        (lambda m, lv, e: tf.exp(0.5 * lv) * e, "not right"),
        (lambda m, lv, e: None, "should be"),
    ],
)
def test_reparameterize_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_reparameterize(wrong)


# --------------------------------------------------------------------------- 10.3
def test_anomaly_rates_accepts_correct_answers():
    assert "passed" in check_anomaly_rates(anomaly_rates_reference)

    def by_sorting(val, test, anomalies, quantile):
        threshold = np.percentile(val, 100 * quantile)
        detected = np.count_nonzero(anomalies > threshold) / len(anomalies)
        return threshold, detected, np.count_nonzero(test > threshold) / len(test)

    assert "passed" in check_anomaly_rates(by_sorting)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda v, t, a, q: anomaly_rates_reference(t, t, a, q), "VALIDATION"),
        (lambda v, t, a, q: anomaly_rates_reference(v, t, a, q)[::-1], "threshold"),
        (lambda v, t, a, q: (lambda r: (r[0], r[2], r[1]))(anomaly_rates_reference(v, t, a, q)),
         "swapped"),
        (lambda v, t, a, q: (lambda th: (th, np.mean(a < th), np.mean(t < th)))(
            np.quantile(v, q)), "detection rate"),  # flags the wrong side
        (lambda v, t, a, q: anomaly_rates_reference(v, t, a, 1 - q), "threshold"),
        (lambda v, t, a, q: (lambda th: (th, np.mean(a > th), np.mean(v > th)))(
            np.quantile(v, q)), "false-alarm"),  # false alarms on the validation set
        (lambda v, t, a, q: None, "should return a tuple"),
    ],
)
def test_anomaly_rates_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_anomaly_rates(wrong)
