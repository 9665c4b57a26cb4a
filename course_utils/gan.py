"""The GAN value function and the generator and discriminator losses, in NumPy.

Introduced in chapter 11 (Generative adversarial networks). With ``D(x)`` the
discriminator's probability that ``x`` is real and ``G(z)`` a generated sample, the
minimax game of Goodfellow et al. (2014) is

``min_G max_D V(D, G)``,  ``V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]``.

Each function below is the from-scratch twin of a Keras expression, so the chapter and
the unit tests can assert that both give the same numbers:

* :func:`gan_value` is ``V``, that is
  ``-(BinaryCrossentropy()(1, D(x)) + BinaryCrossentropy()(0, D(G(z))))``;
* :func:`discriminator_loss` is ``-V`` (the discriminator maximizes ``V``);
* :func:`generator_loss_saturating` is ``E[log(1 - D(G(z)))]``, the generator's part of
  ``V`` (minimized), i.e. ``-BinaryCrossentropy()(0, D(G(z)))``;
* :func:`generator_loss_non_saturating` is ``-E[log D(G(z))]``, i.e.
  ``BinaryCrossentropy()(1, D(G(z)))``, the loss used in practice;
* :func:`generator_logit_gradient` is the gradient of either generator loss with respect
  to the discriminator's logit, which shows why the saturating loss stalls early in
  training;
* :func:`optimal_discriminator` is ``D*(x) = p_data(x) / (p_data(x) + p_model(x))``.

Every loss takes probabilities (clipped to ``[1e-7, 1 - 1e-7]`` before the log, as Keras
does) or, with ``from_logits=True``, logits ``a`` with ``D = sigmoid(a)``. From logits the
logs are computed stably as ``log sigmoid(a) = min(a, 0) - log1p(exp(-|a|))``, which never
overflows, and ``log(1 - sigmoid(a)) = log sigmoid(-a)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils.validation import as_array

__all__ = [
    "EPSILON",
    "discriminator_loss",
    "gan_value",
    "generator_logit_gradient",
    "generator_loss_non_saturating",
    "generator_loss_saturating",
    "log_sigmoid",
    "optimal_discriminator",
]

EPSILON = 1e-7  # keras.config.epsilon(): how far probabilities are kept from 0 and 1

Array = np.ndarray


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def _outputs(value: Any, name: str, from_logits: bool) -> Array:
    """The discriminator's outputs as a non-empty float64 array (probabilities in [0, 1])."""
    array = as_array(value, name).astype(np.float64)
    if array.size == 0:
        raise ValueError(f"{name} is empty: expected at least one discriminator output")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got NaN or infinite values")
    if not from_logits and (array.min() < 0.0 or array.max() > 1.0):
        raise ValueError(
            f"{name} must hold probabilities in [0, 1] (pass from_logits=True for logits), "
            f"got values in [{array.min():.3g}, {array.max():.3g}]"
        )
    return array


def log_sigmoid(logits: Any) -> Array:
    """``log(sigmoid(a))``, computed stably as ``min(a, 0) - log1p(exp(-|a|))``.

    The naive ``log(1 / (1 + exp(-a)))`` overflows for large negative ``a`` (``exp(-a)``
    is infinite) and returns ``-inf``; this form is exact for every finite ``a``.

    Args:
        logits: array-like of real numbers, any shape.

    Returns:
        A float64 array of the same shape, every entry ``<= 0``.

    Raises:
        TypeError: if ``logits`` is not numeric.
    """
    a = as_array(logits, "logits").astype(np.float64)
    return np.minimum(a, 0.0) - np.log1p(np.exp(-np.abs(a)))


def _log_d(outputs: Array, from_logits: bool) -> Array:
    """``log D`` for each output."""
    if from_logits:
        return log_sigmoid(outputs)
    return np.log(np.clip(outputs, EPSILON, 1.0 - EPSILON))


def _log_one_minus_d(outputs: Array, from_logits: bool) -> Array:
    """``log(1 - D)`` for each output."""
    if from_logits:
        return log_sigmoid(-outputs)
    return np.log(1.0 - np.clip(outputs, EPSILON, 1.0 - EPSILON))


def gan_value(d_real: Any, d_fake: Any, *, from_logits: bool = False) -> float:
    """The GAN value function ``V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))]``.

    The expectations are means over the given outputs; the two batches may differ in
    size. ``V <= 0`` always, with ``V = -log 4`` when ``D`` outputs 1/2 everywhere.

    Args:
        d_real: the discriminator's outputs on real samples, ``D(x)``, any shape.
        d_fake: its outputs on generated samples, ``D(G(z))``, any shape.
        from_logits: ``True`` if both are logits rather than probabilities.

    Returns:
        ``V`` as a Python float.

    Raises:
        TypeError: if an input is not numeric or ``from_logits`` is not a bool.
        ValueError: if an input is empty or not finite, or (probabilities) outside [0, 1].
    """
    from_logits = _flag(from_logits, "from_logits")
    real = _outputs(d_real, "d_real", from_logits)
    fake = _outputs(d_fake, "d_fake", from_logits)
    return float(np.mean(_log_d(real, from_logits)) + np.mean(_log_one_minus_d(fake, from_logits)))


def discriminator_loss(d_real: Any, d_fake: Any, *, from_logits: bool = False) -> float:
    """The discriminator's loss, ``-V(D, G) = -E[log D(x)] - E[log(1 - D(G(z)))]``.

    Binary cross-entropy with label 1 for the real batch plus binary cross-entropy with
    label 0 for the fake batch (a sum of two means, not one mean over both batches).
    Arguments and errors as in :func:`gan_value`.
    """
    return -gan_value(d_real, d_fake, from_logits=from_logits)


def generator_loss_saturating(d_fake: Any, *, from_logits: bool = False) -> float:
    """The generator's loss in the minimax game, ``E[log(1 - D(G(z)))]`` (to minimize).

    Its gradient vanishes when the discriminator confidently rejects the fakes
    (``D(G(z))`` near 0), which is the situation early in training.

    Args:
        d_fake: the discriminator's outputs on generated samples, any shape.
        from_logits: ``True`` if ``d_fake`` holds logits.

    Returns:
        The loss as a Python float (``<= 0``).

    Raises:
        TypeError, ValueError: as in :func:`gan_value`.
    """
    from_logits = _flag(from_logits, "from_logits")
    fake = _outputs(d_fake, "d_fake", from_logits)
    return float(np.mean(_log_one_minus_d(fake, from_logits)))


def generator_loss_non_saturating(d_fake: Any, *, from_logits: bool = False) -> float:
    """The non-saturating generator loss ``-E[log D(G(z))]`` (to minimize).

    Binary cross-entropy of the fakes with the *real* label 1. It has the same fixed
    point as the minimax loss but a strong gradient when ``D(G(z))`` is near 0.

    Args:
        d_fake: the discriminator's outputs on generated samples, any shape.
        from_logits: ``True`` if ``d_fake`` holds logits.

    Returns:
        The loss as a Python float (``>= 0``).

    Raises:
        TypeError, ValueError: as in :func:`gan_value`.
    """
    from_logits = _flag(from_logits, "from_logits")
    fake = _outputs(d_fake, "d_fake", from_logits)
    return float(-np.mean(_log_d(fake, from_logits)))


def generator_logit_gradient(
    d_fake: Any, loss: str = "non_saturating", *, from_logits: bool = False
) -> Array:
    """Derivative of one sample's generator loss with respect to the logit ``a`` of ``D``.

    With ``D = sigmoid(a)`` and ``sigmoid'(a) = D (1 - D)``:

    * saturating, ``log(1 - D)``:   ``d/da = -D``      (vanishes as ``D -> 0``);
    * non-saturating, ``-log D``:   ``d/da = D - 1``   (close to -1 as ``D -> 0``).

    This is the signal that flows back through the discriminator into the generator.

    Args:
        d_fake: ``D(G(z))`` for each sample (probabilities, or logits with
            ``from_logits=True``), any shape.
        loss: ``"saturating"`` or ``"non_saturating"``.
        from_logits: ``True`` if ``d_fake`` holds logits.

    Returns:
        A float64 array of ``d_fake``'s shape.

    Raises:
        TypeError, ValueError: as in :func:`gan_value`; ValueError for an unknown ``loss``.
    """
    if loss not in ("saturating", "non_saturating"):
        raise ValueError(f"loss must be 'saturating' or 'non_saturating', got {loss!r}")
    from_logits = _flag(from_logits, "from_logits")
    fake = _outputs(d_fake, "d_fake", from_logits)
    d = np.exp(log_sigmoid(fake)) if from_logits else fake
    return -d if loss == "saturating" else d - 1.0


def optimal_discriminator(p_data: Any, p_model: Any) -> Array:
    """The best discriminator for a fixed generator, ``D*(x) = p_data / (p_data + p_model)``.

    For each ``x``, ``p log D + q log(1 - D)`` is maximized at ``D = p / (p + q)``.
    Where both densities are 0 the value does not matter; 1/2 is returned there.

    Args:
        p_data: density (or probability mass) of the data at some points.
        p_model: density of the generator's distribution at the same points.

    Returns:
        A float64 array of their shape with values in [0, 1].

    Raises:
        TypeError: if an input is not numeric.
        ValueError: if the shapes differ or a density is negative or not finite.
    """
    p = as_array(p_data, "p_data").astype(np.float64)
    q = as_array(p_model, "p_model").astype(np.float64)
    if p.shape != q.shape:
        raise ValueError(f"p_data and p_model must have the same shape, got {p.shape} and "
                         f"{q.shape}")  # fmt: skip
    for name, density in (("p_data", p), ("p_model", q)):
        if not np.all(np.isfinite(density)) or (density.size and density.min() < 0):
            raise ValueError(f"{name} must hold finite, non-negative densities")
    total = p + q
    return np.divide(p, total, out=np.full_like(total, 0.5), where=total > 0)

