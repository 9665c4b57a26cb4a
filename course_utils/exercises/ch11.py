"""Exercise checks for chapter 11, Generative adversarial networks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import answer_array, call_answer, expect, expect_close, passed
from course_utils.gan import gan_value, generator_loss_non_saturating

__all__ = [
    "check_kl_to_uniform",
    "check_non_saturating_loss",
    "check_value_function",
    "kl_to_uniform_reference",
]


def _scalar(exercise: str, what: str, value: Any) -> float:
    array = answer_array(exercise, what, value, expected="a single number")
    expect(exercise, array.size == 1, f"{what} should be a single number (a mean over the "
           f"batch), got an array of shape {array.shape}")  # fmt: skip
    return float(array.ravel()[0])


def check_value_function(value_function: Callable[[Any, Any], Any], seed: int = 0) -> str:
    """Exercise 11.1: ``value_function(d_real, d_fake)`` from probabilities.

    ``E[log D(x)] + E[log(1 - D(G(z)))]``, each expectation a mean over its own batch
    (the batches have different sizes). Compared with :func:`course_utils.gan.gan_value`.
    """
    rng = np.random.default_rng(seed)
    for n_real, n_fake in [(64, 32), (10, 50), (1, 1)]:
        d_real = rng.uniform(0.05, 0.95, n_real).astype(np.float32)
        d_fake = rng.uniform(0.05, 0.95, n_fake).astype(np.float32)
        got = _scalar("11.1", "value_function(d_real, d_fake)",
                      call_answer("11.1", value_function, d_real, d_fake))  # fmt: skip
        expect("11.1", np.isfinite(got),
               f"value_function returned {got} for probabilities in (0.05, 0.95): there is no "
               "log inside a log, only log D(x) and log(1 - D(G(z)))")  # fmt: skip
        expect("11.1", got <= 0,
               f"value_function returned {got:.4g} > 0, but both terms are logs of "
               "probabilities, so V <= 0")  # fmt: skip
        expect_close("11.1", f"V for {n_real} real and {n_fake} fake outputs", got,
                     gan_value(d_real, d_fake), rtol=1e-4, atol=1e-6)  # fmt: skip
    return passed("11.1", "Your value function is E[log D(x)] + E[log(1 - D(G(z)))].")


def check_non_saturating_loss(loss_from_logits: Callable[[Any], Any], seed: int = 0) -> str:
    """Exercise 11.2: ``loss_from_logits(logits)``, ``-mean(log sigmoid(a))``, stable.

    Checked on moderate logits and then on float32 logits as large as +-150, where the
    naive ``-log(sigmoid(a))`` overflows; compared with
    :func:`course_utils.gan.generator_loss_non_saturating` (``from_logits=True``).
    """
    rng = np.random.default_rng(seed)
    moderate = rng.normal(0.0, 3.0, 40).astype(np.float32)
    extreme = np.array([-150.0, -100.0, -20.0, 0.0, 20.0, 100.0, 150.0], np.float32)
    for name, logits in (("moderate logits", moderate), ("logits as large as +-150", extreme)):
        got = _scalar("11.2", f"the loss for {name}",
                      call_answer("11.2", loss_from_logits, logits))  # fmt: skip
        expect("11.2", np.isfinite(got),
               f"the loss for {name} is {got}: use log sigmoid(a) = min(a, 0) - "
               "log1p(exp(-|a|)) (or np.logaddexp), which never overflows")  # fmt: skip
        expect_close("11.2", f"the non-saturating loss for {name}", got,
                     generator_loss_non_saturating(logits, from_logits=True),
                     rtol=1e-5, atol=1e-6)  # fmt: skip
    return passed("11.2", "Your non-saturating loss is exact and finite for any logit.")


def kl_to_uniform_reference(labels: Any, num_classes: int) -> float:
    """``KL(p || uniform) = sum_k p_k log(K p_k)`` in nats, with ``0 log 0 = 0``."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_classes)
    p = counts / counts.sum()
    nonzero = p > 0
    return float(np.sum(p[nonzero] * np.log(num_classes * p[nonzero])))


def check_kl_to_uniform(kl_to_uniform: Callable[[Any, int], Any], seed: int = 0) -> str:
    """Exercise 11.3: ``kl_to_uniform(labels, num_classes)``, a mode-collapse score.

    The class histogram of the labels, as frequencies ``p``, compared with the uniform
    distribution: ``KL(p || u) = sum_k p_k log(K p_k)`` (natural log; empty classes add 0).
    0 means every class equally often, ``log K`` means one class only (full collapse).
    """
    rng = np.random.default_rng(seed)
    cases = [
        ("uniform labels", np.repeat(np.arange(10), 30), 10),
        ("a single class", np.full(200, 3), 10),
        ("two classes of ten", rng.choice([1, 7], size=300), 10),
        ("random labels", rng.integers(0, 10, size=500), 10),
        ("skewed labels, 5 classes", rng.choice(5, size=400, p=[0.5, 0.2, 0.15, 0.1, 0.05]), 5),
    ]
    for name, labels, k in cases:
        got = _scalar("11.3", f"kl_to_uniform for {name}",
                      call_answer("11.3", kl_to_uniform, labels.copy(), k))  # fmt: skip
        expect("11.3", np.isfinite(got),
               f"kl_to_uniform for {name} is {got}: skip empty classes (0 log 0 = 0) and "
               "put the histogram first, KL(p || uniform)")  # fmt: skip
        expect_close("11.3", f"KL(p || uniform) for {name}", got,
                     kl_to_uniform_reference(labels, k), rtol=1e-6, atol=1e-9)  # fmt: skip
    return passed("11.3", "0 for a uniform histogram, log K for a collapse onto one class.")
