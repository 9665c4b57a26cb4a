"""Exercise checks for chapter 10, Autoencoders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_shape,
    passed,
)

__all__ = [
    "anomaly_rates_reference",
    "check_anomaly_rates",
    "check_kl_divergence",
    "check_reparameterize",
]


def _posterior(rng: np.random.Generator, batch: int = 12, latent: int = 4):
    mean = rng.normal(scale=1.5, size=(batch, latent)).astype(np.float32)
    log_var = rng.uniform(-3.0, 1.5, size=(batch, latent)).astype(np.float32)
    return mean, log_var


def check_kl_divergence(kl_divergence: Callable[[Any, Any], Any], seed: int = 0) -> str:
    """Exercise 10.1: ``kl_divergence(mean, log_var)``, the closed-form
    ``KL(N(mean, exp(log_var)) || N(0, I))`` of each example (rows), summed over the
    latent dimensions. Compared with the same KL computed in TensorFlow from the
    variances, ``sum(-log(sigma) + (sigma**2 + mu**2) / 2 - 1/2)``."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    mean, log_var = _posterior(rng)
    var = tf.exp(log_var)
    want = tf.reduce_sum(-0.5 * tf.math.log(var) + 0.5 * (var + tf.square(mean)) - 0.5,
                         axis=-1).numpy()  # fmt: skip
    result = call_answer("10.1", kl_divergence, mean, log_var)
    got = answer_array("10.1", "kl_divergence(mean, log_var)", result)
    expect_shape("10.1", "the KL (one value per example: sum over axis=-1 only)", got,
                 (len(mean),))  # fmt: skip
    if np.allclose(got, 2 * want, rtol=1e-4):
        raise ExerciseFailure("10.1", "your KL is twice the right value: the closed form has "
                                      "a factor -1/2 in front of the sum")  # fmt: skip
    sigma = np.exp(0.5 * log_var)
    as_sigma = -0.5 * np.sum(1 + log_var - mean**2 - sigma, axis=-1)
    if np.allclose(got, as_sigma, rtol=1e-4):
        raise ExerciseFailure("10.1", "the last term is the variance sigma**2 = exp(log_var), "
                                      "not the standard deviation exp(log_var / 2)")
    expect_close("10.1", "the KL of each example", got, want, rtol=1e-4, atol=1e-5)
    zero = answer_array("10.1", "kl_divergence of the prior", call_answer(
        "10.1", kl_divergence, np.zeros((2, 3), np.float32), np.zeros((2, 3), np.float32)))
    expect_close("10.1", "the KL of q = N(0, I) itself", zero, np.zeros(2), atol=1e-6)
    return passed("10.1", "Your closed-form KL matches TensorFlow and is 0 for the prior.")


def check_reparameterize(reparameterize: Callable[[Any, Any, Any], Any], seed: int = 0) -> str:
    """Exercise 10.2: ``reparameterize(mean, log_var, eps)`` returns
    ``mean + exp(log_var / 2) * eps``; checked on given noise against TensorFlow, and
    by its gradients (through ``tf.GradientTape``) when called on tensors."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    mean, log_var = _posterior(rng)
    eps = rng.standard_normal(mean.shape).astype(np.float32)
    want = (mean + tf.exp(0.5 * log_var) * eps).numpy()
    got = answer_array("10.2", "reparameterize(mean, log_var, eps)",
                       call_answer("10.2", reparameterize, mean, log_var, eps))  # fmt: skip
    expect_shape("10.2", "z", got, mean.shape)
    if np.allclose(got, mean + np.exp(log_var) * eps, rtol=1e-4):
        raise ExerciseFailure("10.2", "you scaled eps by the variance exp(log_var); scale it by "
                                      "the standard deviation exp(log_var / 2)")
    if np.allclose(got, mean + log_var * eps, rtol=1e-4):
        raise ExerciseFailure("10.2", "log_var is a log-variance: the standard deviation is "
                                      "exp(log_var / 2)")
    expect_close("10.2", "z", got, want, rtol=1e-4, atol=1e-5)
    m, lv = tf.Variable(mean), tf.Variable(log_var)
    try:
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(call_answer("10.2", reparameterize, m, lv, tf.constant(eps)))
    except ExerciseFailure:
        raise
    except Exception as error:  # NumPy calls on tensors, for example
        raise ExerciseFailure("10.2", f"reparameterize must also work on TensorFlow tensors "
                                      f"(use tf.exp, or operators), it raised {error!r}") from None
    grad_m, grad_lv = tape.gradient(total, [m, lv])
    expect(
        "10.2",
        grad_m is not None and grad_lv is not None,
        "no gradient reached mean or log_var: compute z with TensorFlow operations so that "
        "the tape can differentiate it",
    )
    expect_close("10.2", "dz/dmean", grad_m.numpy(), np.ones_like(mean))
    expect_close("10.2", "dz/dlog_var", grad_lv.numpy(), 0.5 * np.exp(0.5 * log_var) * eps,
                 rtol=1e-4, atol=1e-6)  # fmt: skip
    return passed("10.2", "z is right and GradientTape differentiates it in mean and log_var.")


def anomaly_rates_reference(
    normal_val_errors: Any, normal_test_errors: Any, anomaly_errors: Any, quantile: float
) -> tuple[float, float, float]:
    """The reference answer of exercise 10.3 (also used by the chapter's tests)."""
    threshold = float(np.quantile(np.asarray(normal_val_errors), quantile))
    detection = float(np.mean(np.asarray(anomaly_errors) > threshold))
    false_alarm = float(np.mean(np.asarray(normal_test_errors) > threshold))
    return threshold, detection, false_alarm


def check_anomaly_rates(anomaly_rates: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 10.3: ``anomaly_rates(normal_val_errors, normal_test_errors,
    anomaly_errors, quantile)`` returns ``(threshold, detection_rate, false_alarm_rate)``.

    The threshold is the ``quantile`` of the reconstruction errors of *normal validation*
    data; an image is flagged when its error is above it. The detection rate is the
    fraction of anomalies flagged, the false-alarm rate the fraction of normal test
    images flagged."""
    rng = np.random.default_rng(seed)
    for quantile in (0.95, 0.99):
        val = rng.gamma(4.0, 0.01, size=2000)
        test = rng.gamma(4.0, 0.012, size=1500)  # a slightly different normal test set
        anomalies = rng.gamma(6.0, 0.015, size=1000)
        want = anomaly_rates_reference(val, test, anomalies, quantile)
        result = call_answer("10.3", anomaly_rates, val, test, anomalies, quantile)
        expect("10.3", isinstance(result, tuple) and len(result) == 3,
               "anomaly_rates should return a tuple (threshold, detection_rate, "
               f"false_alarm_rate), got {type(result).__name__}")  # fmt: skip
        got = answer_array("10.3", "(threshold, detection_rate, false_alarm_rate)", result)
        if np.isclose(got[0], np.quantile(test, quantile), rtol=1e-6):
            raise ExerciseFailure("10.3", "the threshold must come from the normal VALIDATION "
                                          "errors, not from the test data")
        expect_close("10.3", f"the threshold (quantile={quantile})", got[0], want[0], rtol=1e-6)
        if np.allclose(got[1:], want[:0:-1], atol=1e-9) and not np.isclose(want[1], want[2]):
            raise ExerciseFailure("10.3", "detection rate and false-alarm rate are swapped: the "
                                          "detection rate is measured on the anomalies")
        expect_close("10.3", "the detection rate (anomalies with error > threshold)", got[1],
                     want[1], atol=1e-9)  # fmt: skip
        expect_close("10.3", "the false-alarm rate (normal test images with error > threshold)",
                     got[2], want[2], atol=1e-9)  # fmt: skip
    return passed("10.3", f"Threshold and rates are right (last run: detection "
                          f"{want[1]:.1%}, false alarms {want[2]:.1%}).")  # fmt: skip
