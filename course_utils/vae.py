"""The pieces of a variational autoencoder in NumPy, written to match TensorFlow exactly.

Introduced in chapter 10 (Autoencoders). The encoder of a VAE outputs, for each input
``x``, the mean ``mu`` and the log-variance ``log_var`` of a diagonal Gaussian
``q(z|x) = N(mu, diag(exp(log_var)))``; the decoder outputs the logits of a Bernoulli
distribution over the pixels. The loss is the negative evidence lower bound (ELBO):

* :func:`reparameterize`: ``z = mu + exp(log_var / 2) * eps`` with ``eps ~ N(0, I)``,
  the reparameterization trick (the noise is an input, so ``z`` is differentiable in
  ``mu`` and ``log_var``).
* :func:`gaussian_kl`: the closed form
  ``KL(q(z|x) || N(0, I)) = -1/2 * sum(1 + log_var - mu**2 - exp(log_var))``,
  per example (summed over the latent dimensions).
* :func:`gaussian_kl_gradient`: its gradients ``(mu, (exp(log_var) - 1) / 2)``.
* :func:`gaussian_log_density` and :func:`kl_monte_carlo`: ``log N(z; mu, sigma**2)`` and
  the Monte-Carlo estimate ``mean_s[log q(z_s|x) - log p(z_s)]`` of the same KL, which
  the closed form must agree with.
* :func:`bernoulli_reconstruction_loss`: ``-log p(x|z)`` for Bernoulli pixels given
  logits, the binary cross-entropy *summed* over the pixels (not averaged).
* :func:`negative_elbo`: ``mean_batch[reconstruction + beta * KL]``; ``beta = 1`` is the
  VAE (the negative ELBO), other values the beta-VAE. There is no other term.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from course_utils.validation import as_float_array, as_int, check_ndim

__all__ = [
    "bernoulli_reconstruction_loss",
    "gaussian_kl",
    "gaussian_kl_gradient",
    "gaussian_log_density",
    "kl_monte_carlo",
    "negative_elbo",
    "reparameterize",
]

Array = np.ndarray


def _same_shape(a: Array, b: Array, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_b} must have the shape of {name_a}, {a.shape}, got {b.shape}")


def _mean_log_var(mean: Any, log_var: Any) -> tuple[Array, Array]:
    mean = as_float_array(mean, "mean")
    log_var = as_float_array(log_var, "log_var")
    check_ndim(mean, "mean", (1, 2))
    _same_shape(mean, log_var, "mean", "log_var")
    return mean, log_var


def reparameterize(mean: Any, log_var: Any, eps: Any) -> Array:
    """The reparameterization trick: ``z = mean + exp(log_var / 2) * eps``.

    Args:
        mean: the encoder's means, shape ``(latent,)`` or ``(batch, latent)``.
        log_var: the encoder's log-variances ``log(sigma**2)``, same shape.
        eps: standard normal noise, same shape.

    Returns:
        The sample ``z``, a draw from ``N(mean, exp(log_var))`` when ``eps ~ N(0, I)``.

    Raises:
        TypeError: if an argument is not numeric.
        ValueError: if the shapes differ or are not 1-D/2-D.
    """
    mean, log_var = _mean_log_var(mean, log_var)
    eps = as_float_array(eps, "eps")
    _same_shape(mean, eps, "mean", "eps")
    return mean + np.exp(0.5 * log_var) * eps


def gaussian_kl(mean: Any, log_var: Any) -> Array | float:
    """Closed-form ``KL(N(mean, exp(log_var)) || N(0, I))``, summed over the latent axis.

    .. math:: \\mathrm{KL} = -\\tfrac12 \\sum_j \\big(1 + \\log\\sigma_j^2 - \\mu_j^2
       - \\sigma_j^2\\big)

    Args:
        mean: shape ``(latent,)`` or ``(batch, latent)``.
        log_var: the log-variances, same shape.

    Returns:
        A float for 1-D inputs, else an array of shape ``(batch,)``: one KL per example.

    Raises:
        TypeError: if an argument is not numeric.
        ValueError: if the shapes differ or are not 1-D/2-D.
    """
    mean, log_var = _mean_log_var(mean, log_var)
    kl = -0.5 * np.sum(1.0 + log_var - mean**2 - np.exp(log_var), axis=-1)
    return float(kl) if mean.ndim == 1 else kl


def gaussian_kl_gradient(mean: Any, log_var: Any) -> tuple[Array, Array]:
    """Gradients of :func:`gaussian_kl` (per example): ``(mean, (exp(log_var) - 1) / 2)``."""
    mean, log_var = _mean_log_var(mean, log_var)
    return mean.copy(), 0.5 * (np.exp(log_var) - 1.0)


def gaussian_log_density(z: Any, mean: Any, log_var: Any) -> Array | float:
    """``log N(z; mean, diag(exp(log_var)))``, summed over the last axis.

    .. math:: \\log q(z) = -\\tfrac12 \\sum_j \\Big(\\log 2\\pi + \\log\\sigma_j^2
       + \\frac{(z_j - \\mu_j)^2}{\\sigma_j^2}\\Big)

    ``mean`` and ``log_var`` broadcast against ``z`` (e.g. ``z`` of shape
    ``(samples, batch, latent)`` and ``mean`` of shape ``(batch, latent)``).

    Raises:
        TypeError: if an argument is not numeric.
        ValueError: if the last axes differ.
    """
    z = as_float_array(z, "z")
    mean = as_float_array(mean, "mean")
    log_var = as_float_array(log_var, "log_var")
    ok = min(z.ndim, mean.ndim, log_var.ndim) >= 1 and (
        z.shape[-1] == mean.shape[-1] == log_var.shape[-1]
    )
    if not ok:
        raise ValueError(
            f"z, mean and log_var must share their last (latent) axis, got shapes "
            f"{z.shape}, {mean.shape} and {log_var.shape}"
        )
    log_density = -0.5 * np.sum(
        np.log(2.0 * np.pi) + log_var + (z - mean) ** 2 / np.exp(log_var), axis=-1
    )
    return float(log_density) if np.ndim(log_density) == 0 else log_density


def kl_monte_carlo(
    mean: Any, log_var: Any, n_samples: int, rng: np.random.Generator
) -> tuple[Array | float, Array | float]:
    """Monte-Carlo estimate of ``KL(q || N(0, I))`` with ``n_samples`` reparameterized draws.

    ``KL = E_q[log q(z) - log p(z)]``: draw ``z_s = mean + sigma * eps_s`` and average
    ``log q(z_s) - log p(z_s)``.

    Args:
        mean, log_var: shape ``(latent,)`` or ``(batch, latent)``.
        n_samples: the number of draws per example (at least 2).
        rng: a ``numpy.random.Generator``.

    Returns:
        ``(estimate, standard_error)``, each a float for 1-D inputs, else of shape
        ``(batch,)``.

    Raises:
        TypeError: on a non-numeric argument, a non-integer ``n_samples`` or a bad ``rng``.
        ValueError: on mismatched shapes or ``n_samples < 2``.
    """
    mean, log_var = _mean_log_var(mean, log_var)
    n_samples = as_int(n_samples, "n_samples", 2)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    eps = rng.standard_normal(size=(n_samples,) + mean.shape)
    z = mean + np.exp(0.5 * log_var) * eps
    log_ratio = np.asarray(gaussian_log_density(z, mean, log_var)) - np.asarray(
        gaussian_log_density(z, np.zeros_like(mean), np.zeros_like(log_var))
    )
    estimate = log_ratio.mean(axis=0)
    error = log_ratio.std(axis=0, ddof=1) / np.sqrt(n_samples)
    if mean.ndim == 1:
        return float(estimate), float(error)
    return estimate, error


def bernoulli_reconstruction_loss(x: Any, logits: Any) -> Array:
    """``-log p(x | z)`` for Bernoulli pixels: binary cross-entropy *summed* over pixels.

    Computed from logits in the stable form
    ``max(l, 0) - l * x + log(1 + exp(-|l|))`` (as ``tf.nn.sigmoid_cross_entropy_with_logits``).

    Args:
        x: targets in ``[0, 1]``, shape ``(batch, ...)``.
        logits: the decoder's logits, the same number of values per example.

    Returns:
        Shape ``(batch,)``: one loss per example, in nats.

    Raises:
        TypeError: if an argument is not numeric.
        ValueError: if ``x`` is not at least 2-D or the sizes differ.
    """
    x = as_float_array(x, "x")
    logits = as_float_array(logits, "logits")
    if x.ndim < 2:
        raise ValueError(f"x must be a batch, shape (batch, ...), got shape {x.shape}")
    if logits.ndim < 2 or logits.shape[0] != x.shape[0] or logits[0].size != x[0].size:
        raise ValueError(
            f"logits must hold {x[0].size} values for each of the {x.shape[0]} examples of x, "
            f"got shape {logits.shape}"
        )
    x = x.reshape(len(x), -1)
    logits = logits.reshape(len(logits), -1)
    per_pixel = np.maximum(logits, 0.0) - logits * x + np.log1p(np.exp(-np.abs(logits)))
    return per_pixel.sum(axis=1)


def negative_elbo(
    x: Any, logits: Any, mean: Any, log_var: Any, *, beta: float = 1.0
) -> tuple[float, float, float]:
    """The VAE loss: ``mean_batch[reconstruction + beta * KL]`` (``beta = 1``: the -ELBO).

    Args:
        x: a batch of targets in ``[0, 1]``.
        logits: the decoder's logits for a sample ``z`` of each example.
        mean, log_var: the encoder's outputs, shape ``(batch, latent)``.
        beta: the weight of the KL term (``1``: the VAE; other values: a beta-VAE).

    Returns:
        ``(loss, reconstruction, kl)``: batch means, with ``loss = reconstruction + beta * kl``.

    Raises:
        TypeError: on non-numeric arguments or a non-number ``beta``.
        ValueError: on mismatched shapes or a negative ``beta``.
    """
    if isinstance(beta, bool) or not isinstance(beta, Real):
        raise TypeError(f"beta must be a real number, got {type(beta).__name__}")
    if beta < 0:
        raise ValueError(f"beta must be >= 0, got {beta}")
    mean, log_var = _mean_log_var(mean, log_var)
    check_ndim(mean, "mean", 2)
    reconstruction = bernoulli_reconstruction_loss(x, logits)
    if len(reconstruction) != len(mean):
        raise ValueError(
            f"x has {len(reconstruction)} examples but mean has {len(mean)}: expected the same"
        )
    recon = float(np.mean(reconstruction))
    kl = float(np.mean(gaussian_kl(mean, log_var)))
    return recon + float(beta) * kl, recon, kl
