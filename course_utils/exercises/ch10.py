"""Exercise checks for chapter 10, Autoencoders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    Passed,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_shape,
    grade_prediction,
    passed,
)

__all__ = [
    "beta_experiment",
    "check_fixed_negative_elbo",
    "check_gaussian_reconstruction",
    "check_kl_two_gaussians",
    "check_prediction_10_3",
    "gaussian_reconstruction_reference",
    "kl_two_gaussians_reference",
]


# --------------------------------------------------------------------------- 10.1
def kl_two_gaussians_reference(mean_q: Any, log_var_q: Any, mean_p: Any, log_var_p: Any):
    """``KL(N(mean_q, exp(log_var_q)) || N(mean_p, exp(log_var_p)))`` of each row, summed over
    the last axis, computed in TensorFlow from the variances (float64)."""
    import tensorflow as tf

    mq, mp = tf.constant(mean_q, tf.float64), tf.constant(mean_p, tf.float64)
    var_q = tf.exp(tf.constant(log_var_q, tf.float64))
    var_p = tf.exp(tf.constant(log_var_p, tf.float64))
    per_dim = (0.5 * tf.math.log(var_p / var_q) + (var_q + tf.square(mq - mp)) / (2.0 * var_p)
               - 0.5)  # fmt: skip
    return tf.reduce_sum(per_dim, axis=-1).numpy()


def check_kl_two_gaussians(kl_two_gaussians: Callable[..., Any], seed: int | None = None) -> Passed:
    """Exercise 10.1: ``kl_two_gaussians(mean_q, log_var_q, mean_p, log_var_p)``, the KL
    divergence ``KL(q || p)`` between two diagonal Gaussians, one value per row.

    Checked on fresh random inputs against :func:`kl_two_gaussians_reference`, and on the
    special cases ``p = N(0, I)`` (the chapter's closed form) and ``p = q`` (zero)."""
    rng = np.random.default_rng(seed)
    batch, latent = 7, 3
    mean_q, mean_p = rng.normal(scale=1.5, size=(2, batch, latent))
    log_var_q, log_var_p = rng.uniform(-2.5, 1.5, size=(2, batch, latent))
    want = kl_two_gaussians_reference(mean_q, log_var_q, mean_p, log_var_p)
    result = call_answer("10.1", kl_two_gaussians, mean_q, log_var_q, mean_p, log_var_p)
    got = answer_array("10.1", "kl_two_gaussians(...)", result)
    expect_shape("10.1", "the KL (one value per row: sum over the last axis only)", got,
                 (batch,))  # fmt: skip
    reverse = kl_two_gaussians_reference(mean_p, log_var_p, mean_q, log_var_q)
    if np.allclose(got, reverse, rtol=1e-4):
        raise ExerciseFailure("10.1", "you computed KL(p || q), the other direction: KL is not "
                                      "symmetric; the expectation is taken under q, so the "
                                      "variance of q goes in the numerator")  # fmt: skip
    if np.allclose(got, 2 * want, rtol=1e-4):
        raise ExerciseFailure("10.1", "your KL is twice the right value: each dimension "
                                      "contributes a factor 1/2")  # fmt: skip
    expect("10.1", bool(np.all(got >= -1e-6)), "a KL divergence is never negative, but yours "
           f"is {got.min():.4g} for one row: check the signs")  # fmt: skip
    expect_close("10.1", "KL(q || p) of each row", got, want, rtol=1e-4, atol=1e-6)
    zeros = np.zeros_like(mean_q)
    standard = answer_array("10.1", "the KL to N(0, I)", call_answer(
        "10.1", kl_two_gaussians, mean_q, log_var_q, zeros, zeros))  # fmt: skip
    chapter = -0.5 * np.sum(1 + log_var_q - mean_q**2 - np.exp(log_var_q), axis=-1)
    expect_close("10.1", "the KL to a standard normal prior (the chapter's closed form)",
                 standard, chapter, rtol=1e-4, atol=1e-6)  # fmt: skip
    same = answer_array("10.1", "KL(q || q)", call_answer(
        "10.1", kl_two_gaussians, mean_q, log_var_q, mean_q, log_var_q))  # fmt: skip
    expect_close("10.1", "KL(q || q)", same, np.zeros(batch), atol=1e-6)
    return passed("10.1", "KL(q || p) matches TensorFlow, reduces to the chapter's closed form "
                          "for p = N(0, I) and is 0 for p = q.")  # fmt: skip


# --------------------------------------------------------------------------- 10.2
def gaussian_reconstruction_reference(x: Any, mean: Any, log_var: Any) -> np.ndarray:
    """``-log N(x; mean, exp(log_var))`` summed over every axis but the first (SciPy)."""
    from scipy.stats import norm

    x = np.asarray(x, np.float64)
    scale = np.exp(0.5 * np.asarray(log_var, np.float64)) * np.ones_like(x)
    log_density = norm.logpdf(x, loc=np.asarray(mean, np.float64), scale=scale)
    return -log_density.reshape(len(x), -1).sum(axis=1)


def check_gaussian_reconstruction(gaussian_reconstruction_loss: Callable[..., Any],
                                  seed: int | None = None) -> Passed:  # fmt: skip
    """Exercise 10.2: ``gaussian_reconstruction_loss(x, mean, log_var)``, the negative
    log-likelihood of a Gaussian decoder, ``-log N(x; mean, exp(log_var))`` summed over the
    pixels of each image (one value per image), with ``log_var`` either a per-pixel array
    of the shape of ``x`` or a single number. Compared with ``scipy.stats.norm.logpdf``."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(5, 6, 6))
    mean = np.clip(x + rng.normal(scale=0.2, size=x.shape), 0, 1)
    pixel_log_var = rng.uniform(-4.0, 0.5, size=x.shape)
    pixels = x[0].size
    for what, log_var in (("a per-pixel log_var", pixel_log_var), ("a scalar log_var", -1.3)):
        want = gaussian_reconstruction_reference(x, mean, log_var)
        got = answer_array("10.2", f"the loss with {what}", call_answer(
            "10.2", gaussian_reconstruction_loss, x, mean, log_var))  # fmt: skip
        expect_shape("10.2", f"the loss with {what} (one value per image: sum over every axis "
                     "but the first)", got, (len(x),))  # fmt: skip
        if np.allclose(got, want / pixels, rtol=1e-5):
            raise ExerciseFailure("10.2", "you averaged over the pixels: -log p(x|z) of "
                                          "independent pixels is a SUM over them")  # fmt: skip
        squared = 0.5 * ((x - mean) ** 2 / np.exp(log_var)).reshape(len(x), -1).sum(axis=1)
        if np.allclose(got, squared, rtol=1e-5):
            raise ExerciseFailure("10.2", "only the squared-error part is there: the density "
                                          "also has log(sigma) + log(2 pi) / 2 per pixel, and "
                                          "with a learned variance they matter")  # fmt: skip
        expect_close("10.2", f"-log N(x; mean, exp(log_var)) per image, with {what}", got, want,
                     rtol=1e-5, atol=1e-6)  # fmt: skip
    return passed("10.2", "Your Gaussian reconstruction term matches scipy.stats.norm, with a "
                          "per-pixel or a shared variance.")  # fmt: skip


# --------------------------------------------------------------------------- 10.3
def beta_experiment(betas=(0.25, 1.0, 4.0, 16.0), seed: int | None = None,
                    steps: int = 600) -> list[tuple[float, float, float]]:  # fmt: skip
    """The experiment of exercise 10.3: a fixed linear Gaussian decoder ``x = W z + noise``
    (8-D data, 2-D codes), and for each ``beta`` the per-example posteriors
    ``N(mu, diag(exp(log_var)))`` that minimise ``reconstruction + beta * KL``, found by
    gradient descent. Returns ``(beta, mean KL, mean reconstruction)`` for each beta."""
    rng = np.random.default_rng(seed)
    data_dim, latent, n, noise_var = 8, 2, 200, 0.5
    weights = rng.normal(size=(data_dim, latent))
    x = rng.normal(size=(n, latent)) @ weights.T + np.sqrt(noise_var) * rng.normal(
        size=(n, data_dim))  # fmt: skip
    col_norms = np.sum(weights**2, axis=0)
    results = []
    for beta in betas:
        mu, log_var = np.zeros((n, latent)), np.zeros((n, latent))
        step_mu = 0.1 / (col_norms.max() / noise_var + beta)
        for _ in range(steps):
            residual = x - mu @ weights.T
            var = np.exp(log_var)
            mu -= step_mu * (-(residual @ weights) / noise_var + beta * mu)
            log_var -= 0.05 * (col_norms * var / (2 * noise_var) + 0.5 * beta * (var - 1))
        var = np.exp(log_var)
        recon = np.mean((np.sum((x - mu @ weights.T) ** 2, axis=1) + var @ col_norms)
                        / (2 * noise_var))  # fmt: skip
        kl = np.mean(0.5 * np.sum(var + mu**2 - 1 - log_var, axis=1))
        results.append((float(beta), float(kl), float(recon)))
    return results


def check_prediction_10_3(predict: Callable[[], Any]) -> Passed:
    """Exercise 10.3 (predict, then run): as beta grows, what happens to the KL term at
    the optimum of ``reconstruction + beta * KL``?"""
    call_answer("10.3", predict)  # an unsolved prediction reveals nothing
    results = beta_experiment()
    for beta, kl, recon in results:
        print(f"beta = {beta:5.2f}: KL per example {kl:6.3f} nats, reconstruction {recon:6.2f}")
    first, last = results[0], results[-1]
    observed = (f"As beta went from {first[0]:g} to {last[0]:g}, the optimal KL fell from "
                f"{first[1]:.2f} to {last[1]:.2f} nats per example while the reconstruction "
                f"term rose from {first[2]:.2f} to {last[2]:.2f}.")  # fmt: skip
    return grade_prediction(
        "10.3",
        predict,
        options={
            "a": "the KL term grows: a larger weight makes the KL term bigger",
            "b": "the KL term shrinks toward 0: the codes move onto the prior and "
                 "reconstruction gets worse",
            "c": "nothing changes: beta only rescales the loss, so the optimum stays put",
        },
        correct="b",
        observed=observed,
        why="A larger beta makes every nat of information in the code more expensive, so the "
            "optimum buys less of it: the means shrink toward 0 and the variances grow toward "
            "1 (q(z|x) -> N(0, I), 'posterior collapse' in the limit), and the decoder can no "
            "longer tell the examples apart. beta does not rescale the whole loss, only one of "
            "its two terms, so the trade-off moves.",
    )


# --------------------------------------------------------------------------- 10.4
def _negative_elbo_reference(x: np.ndarray, logits: np.ndarray, mean: np.ndarray,
                             log_var: np.ndarray) -> float:  # fmt: skip
    from course_utils.vae import negative_elbo

    return negative_elbo(x, logits, mean, log_var)[0]


def check_fixed_negative_elbo(fixed_negative_elbo: Callable[..., Any],
                              seed: int | None = None) -> Passed:  # fmt: skip
    """Exercise 10.4: ``fixed_negative_elbo(x, logits, mean, log_var)``, the batch mean of
    the Bernoulli reconstruction term (summed over pixels) plus the Gaussian KL, for flat
    images ``x`` of shape ``(batch, pixels)``. Compared with
    :func:`course_utils.vae.negative_elbo` on fresh random inputs, with log-variances of
    both signs."""
    rng = np.random.default_rng(seed)
    for batch, pixels, latent in ((6, 784, 2), (9, 50, 5)):
        x = (rng.uniform(size=(batch, pixels)) < 0.25).astype(np.float64)
        logits = rng.normal(0.0, 3.0, size=(batch, pixels))
        mean = rng.normal(size=(batch, latent))
        log_var = rng.uniform(-4.0, 1.5, size=(batch, latent))
        want = _negative_elbo_reference(x, logits, mean, log_var)
        with np.errstate(all="ignore"):
            result = call_answer("10.4", fixed_negative_elbo, x, logits, mean, log_var)
        got = answer_array("10.4", "fixed_negative_elbo(...)", result, expected="a number")
        expect("10.4", got.size == 1, "the loss should be one number (a mean over the batch), "
               f"got shape {got.shape}")  # fmt: skip
        got = float(got.ravel()[0])
        expect("10.4", bool(np.isfinite(got)), f"the loss is {got} for log-variances between "
               "-4 and 1.5: log_var is already log(sigma**2), it can be negative, and the "
               "variance is exp(log_var)")  # fmt: skip
        recon_sum = np.mean(np.sum(np.logaddexp(0, logits) - x * logits, axis=1))
        if np.isclose(got, want - recon_sum + recon_sum / pixels, rtol=1e-6):
            raise ExerciseFailure("10.4", "the KL is fixed, but the reconstruction term is "
                                          "still a mean over the pixels: -log p(x|z) is a SUM "
                                          "over them (section 6.1)")  # fmt: skip
        expect_close("10.4", f"the negative ELBO of a batch of {batch} images", got, want,
                     rtol=1e-6, atol=1e-6)  # fmt: skip
    return passed("10.4", "Both bugs are fixed: the reconstruction is summed over pixels and "
                          "the KL uses the variance exp(log_var).")  # fmt: skip
