"""Loss functions from scratch in NumPy, written to match ``keras.losses``.

Introduced in chapter 03. Every function computes its loss in ``float64`` and
follows the conventions of Keras:

* arguments come in the order ``(target, prediction)``, like ``loss(y_true, y_pred)``;
* the class (or output) axis is the **last** axis;
* **reduction**: the loss of each sample is computed first (regression losses and
  binary cross-entropy average over the last axis when the input has two or more
  axes; categorical losses and KL divergence sum over the classes), then, with the
  default ``reduction="mean"``, those per-sample losses are averaged. That is what
  Keras's default reduction ``"sum_over_batch_size"`` returns. ``reduction="none"``
  returns the per-sample losses instead (an input of shape ``(n,)`` counts as ``n``
  samples with one value each);
* probabilities are clipped to ``[eps, 1 - eps]`` with ``eps = 1e-7`` (Keras's
  ``keras.config.epsilon()``) before a logarithm is taken, so that ``log 0`` never
  happens; the ``*_from_logits`` versions need no clipping because they never form
  a probability at all.

Shapes and types are checked: targets and predictions must have the same shape
(NumPy would silently broadcast ``(n,)`` against ``(n, 1)`` into ``(n, n)``),
probabilities must lie in ``[0, 1]`` and class labels must be integers in range.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from course_utils.validation import as_array

__all__ = [
    "EPSILON",
    "binary_crossentropy",
    "binary_crossentropy_from_logits",
    "categorical_crossentropy",
    "categorical_crossentropy_from_logits",
    "huber",
    "kl_divergence",
    "log_softmax",
    "mae",
    "mse",
    "sparse_categorical_crossentropy",
]

EPSILON = 1e-7
"""The clipping constant Keras uses for probabilities (``keras.config.epsilon()``)."""

Reduction = Literal["mean", "none"]


# ----------------------------------------------------------------------------- helpers


def _pair(y: Any, y_hat: Any, y_name: str, y_hat_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Two float64 arrays of the same shape, at least 1-D."""
    y = as_array(y, y_name, dtype=np.float64)
    y_hat = as_array(y_hat, y_hat_name, dtype=np.float64)
    for array, name in ((y, y_name), (y_hat, y_hat_name)):
        if array.ndim == 0:
            raise ValueError(
                f"{name} must have at least one axis (one value per sample), got a scalar"
            )
        if array.size == 0:
            raise ValueError(f"{name} is empty, got shape {array.shape}")
    if y.shape != y_hat.shape:
        raise ValueError(
            f"{y_name} and {y_hat_name} must have the same shape, got {y.shape} and "
            f"{y_hat.shape} (NumPy would broadcast them into a wrong result; reshape one, "
            "e.g. with .reshape(-1, 1) or .ravel())"
        )
    return y, y_hat


def _check_probabilities(array: np.ndarray, name: str, hint: str = "") -> None:
    if not np.all(np.isfinite(array)) or array.min() < 0.0 or array.max() > 1.0:
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], got values from {np.nanmin(array):.4g} "
            f"to {np.nanmax(array):.4g}{hint}"
        )


def _check_reduction(reduction: str) -> None:
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")


def _per_sample_mean(elementwise: np.ndarray) -> np.ndarray:
    """Per-sample loss of an elementwise loss: the mean over the last axis (as Keras)."""
    return elementwise if elementwise.ndim == 1 else elementwise.mean(axis=-1)


def _reduce(per_sample: np.ndarray, reduction: str) -> float | np.ndarray:
    if reduction == "none":
        return per_sample
    return float(np.mean(per_sample))


# ----------------------------------------------------------------------------- regression


def mse(y: Any, y_hat: Any, *, reduction: Reduction = "mean") -> float | np.ndarray:
    r"""Mean squared error, :math:`\frac1n\sum_i (y_i - \hat y_i)^2`.

    Matches ``keras.losses.MeanSquaredError()``.

    Args:
        y: targets, any shape with at least one axis.
        y_hat: predictions, the same shape as ``y``.
        reduction: ``"mean"`` (a float, the default) or ``"none"`` (per-sample losses).

    Raises:
        TypeError: if an argument is not an array of numbers.
        ValueError: if the shapes differ or an argument is empty or a scalar.
    """
    _check_reduction(reduction)
    y, y_hat = _pair(y, y_hat, "y", "y_hat")
    return _reduce(_per_sample_mean((y - y_hat) ** 2), reduction)


def mae(y: Any, y_hat: Any, *, reduction: Reduction = "mean") -> float | np.ndarray:
    r"""Mean absolute error, :math:`\frac1n\sum_i |y_i - \hat y_i|`.

    Matches ``keras.losses.MeanAbsoluteError()``. Arguments and errors as :func:`mse`.
    """
    _check_reduction(reduction)
    y, y_hat = _pair(y, y_hat, "y", "y_hat")
    return _reduce(_per_sample_mean(np.abs(y - y_hat)), reduction)


def huber(
    y: Any, y_hat: Any, delta: float = 1.0, *, reduction: Reduction = "mean"
) -> float | np.ndarray:
    r"""Huber loss (Huber, 1964): quadratic for small errors, linear for large ones.

    With :math:`r = \hat y - y`,

    .. math::
        \ell_\delta(r) = \tfrac12 r^2 \text{ if } |r| \le \delta, \qquad
        \delta |r| - \tfrac12 \delta^2 \text{ otherwise.}

    Matches ``keras.losses.Huber(delta=delta)``.

    Args:
        y: targets, any shape with at least one axis.
        y_hat: predictions, the same shape as ``y``.
        delta: where the quadratic part turns linear; a positive number.
        reduction: ``"mean"`` or ``"none"``.

    Raises:
        TypeError: if an argument is not an array of numbers, or ``delta`` not a number.
        ValueError: if the shapes differ, or ``delta <= 0``.
    """
    _check_reduction(reduction)
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.integer, np.floating)):
        raise TypeError(f"delta must be a number, got {type(delta).__name__}")
    if not delta > 0:
        raise ValueError(f"delta must be > 0, got {delta}")
    y, y_hat = _pair(y, y_hat, "y", "y_hat")
    abs_error = np.abs(y_hat - y)
    elementwise = np.where(
        abs_error <= delta, 0.5 * abs_error**2, delta * abs_error - 0.5 * delta**2
    )
    return _reduce(_per_sample_mean(elementwise), reduction)


# ----------------------------------------------------------------------------- binary


def binary_crossentropy(
    y: Any, p: Any, eps: float = EPSILON, *, reduction: Reduction = "mean"
) -> float | np.ndarray:
    r"""Binary cross-entropy of probabilities,
    :math:`-\frac1n\sum_i \left[y_i \log p_i + (1 - y_i)\log(1 - p_i)\right]`.

    ``p`` is clipped to ``[eps, 1 - eps]`` first, as Keras does. Matches
    ``keras.losses.BinaryCrossentropy()`` (``from_logits=False``).

    Args:
        y: targets in ``[0, 1]`` (labels 0/1, or soft labels), at least 1-D.
        p: predicted probabilities of class 1 (e.g. sigmoid outputs), the shape of ``y``.
        eps: the clipping constant.
        reduction: ``"mean"`` or ``"none"``.

    Raises:
        TypeError: if an argument is not an array of numbers.
        ValueError: if the shapes differ or a value lies outside ``[0, 1]`` (logits
            belong in :func:`binary_crossentropy_from_logits`).
    """
    _check_reduction(reduction)
    y, p = _pair(y, p, "y", "p")
    _check_probabilities(y, "y")
    _check_probabilities(p, "p", "; for logits use binary_crossentropy_from_logits")
    p = np.clip(p, eps, 1.0 - eps)
    elementwise = -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
    return _reduce(_per_sample_mean(elementwise), reduction)


def binary_crossentropy_from_logits(
    y: Any, z: Any, *, reduction: Reduction = "mean"
) -> float | np.ndarray:
    r"""Binary cross-entropy of logits :math:`z` (before the sigmoid), computed stably.

    Writing :math:`p = \sigma(z)`, the loss
    :math:`-[y\log\sigma(z) + (1-y)\log(1-\sigma(z))]` simplifies to

    .. math:: \max(z, 0) - z\,y + \log\left(1 + e^{-|z|}\right),

    which never overflows (the exponent is never positive) and never takes the log of 0.
    Matches ``keras.losses.BinaryCrossentropy(from_logits=True)`` and
    ``tf.nn.sigmoid_cross_entropy_with_logits``.

    Args:
        y: targets in ``[0, 1]``, at least 1-D.
        z: logits (any real numbers), the shape of ``y``.
        reduction: ``"mean"`` or ``"none"``.

    Raises:
        TypeError, ValueError: as :func:`binary_crossentropy`.
    """
    _check_reduction(reduction)
    y, z = _pair(y, z, "y", "z")
    _check_probabilities(y, "y")
    elementwise = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return _reduce(_per_sample_mean(elementwise), reduction)


# ----------------------------------------------------------------------------- multi-class


def log_softmax(z: Any, axis: int = -1) -> np.ndarray:
    r"""The logarithm of the softmax, computed stably with the log-sum-exp trick.

    .. math::
        \log \operatorname{softmax}(z)_k = z_k - m - \log\sum_j e^{z_j - m},
        \qquad m = \max_j z_j .

    Subtracting the maximum changes nothing mathematically but keeps every exponent
    :math:`\le 0`, so ``exp`` cannot overflow and the sum is at least 1, so its log is
    finite. Matches ``tf.nn.log_softmax``.

    Args:
        z: logits, at least 1-D.
        axis: the class axis.

    Returns:
        A float64 array of the shape of ``z``.

    Raises:
        TypeError: if ``z`` is not an array of numbers or ``axis`` not an int.
        ValueError: if ``z`` is a scalar or ``axis`` is out of range.
    """
    z = as_array(z, "z", dtype=np.float64)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int, got {type(axis).__name__}")
    if z.ndim == 0:
        raise ValueError("z must have at least one axis (the classes), got a scalar")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis {axis} is out of range for z of shape {z.shape}")
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _categorical_pair(y_onehot: Any, p: Any, p_name: str) -> tuple[np.ndarray, np.ndarray]:
    y, p = _pair(y_onehot, p, "y_onehot", p_name)
    _check_probabilities(y, "y_onehot", " (one-hot or soft labels); for integer labels use "
                         "sparse_categorical_crossentropy")  # fmt: skip
    return y, p


def categorical_crossentropy(
    y_onehot: Any, p: Any, eps: float = EPSILON, *, reduction: Reduction = "mean"
) -> float | np.ndarray:
    r"""Categorical cross-entropy of probabilities, :math:`-\frac1n\sum_i\sum_k y_{ik}\log p_{ik}`.

    As Keras does, each row of ``p`` is first rescaled to sum to 1, then clipped to
    ``[eps, 1 - eps]``. Matches ``keras.losses.CategoricalCrossentropy()``.

    Args:
        y_onehot: one-hot (or soft) labels, shape ``(..., K)`` with classes last.
        p: predicted probabilities (e.g. softmax outputs), the same shape.
        eps: the clipping constant.
        reduction: ``"mean"`` or ``"none"`` (one loss per row).

    Raises:
        TypeError: if an argument is not an array of numbers.
        ValueError: if the shapes differ or values lie outside ``[0, 1]``.
    """
    _check_reduction(reduction)
    y, p = _categorical_pair(y_onehot, p, "p")
    _check_probabilities(p, "p", "; for logits use categorical_crossentropy_from_logits")
    p = p / p.sum(axis=-1, keepdims=True)
    p = np.clip(p, eps, 1.0 - eps)
    return _reduce(-np.sum(y * np.log(p), axis=-1), reduction)


def categorical_crossentropy_from_logits(
    y_onehot: Any, z: Any, *, reduction: Reduction = "mean"
) -> float | np.ndarray:
    r"""Categorical cross-entropy of logits, :math:`-\frac1n\sum_i\sum_k y_{ik}\,
    \log\operatorname{softmax}(z_i)_k`, using the stable :func:`log_softmax`.

    Matches ``keras.losses.CategoricalCrossentropy(from_logits=True)``.

    Args:
        y_onehot: one-hot (or soft) labels, shape ``(..., K)``.
        z: logits, the same shape.
        reduction: ``"mean"`` or ``"none"``.
    """
    _check_reduction(reduction)
    y, z = _categorical_pair(y_onehot, z, "z")
    return _reduce(-np.sum(y * log_softmax(z), axis=-1), reduction)


def sparse_categorical_crossentropy(
    labels: Any,
    p_or_logits: Any,
    from_logits: bool = False,
    *,
    eps: float = EPSILON,
    reduction: Reduction = "mean",
) -> float | np.ndarray:
    r"""Cross-entropy with integer class labels: :math:`-\frac1n\sum_i \log p_{i, y_i}`.

    The same number as :func:`categorical_crossentropy` on the one-hot version of
    ``labels``, without building it. Matches
    ``keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)``.

    Args:
        labels: integer class indices, shape ``(...)`` (or ``(..., 1)``, as Keras accepts).
        p_or_logits: probabilities (rows rescaled to sum to 1 and clipped, as in
            :func:`categorical_crossentropy`) or, with ``from_logits=True``, logits;
            shape ``(..., K)``.
        from_logits: whether ``p_or_logits`` holds logits.
        eps: the clipping constant for probabilities.
        reduction: ``"mean"`` or ``"none"``.

    Raises:
        TypeError: if ``labels`` are not integers or ``from_logits`` is not a bool.
        ValueError: if ``labels`` look one-hot, their shape does not match, or a
            label is outside ``0 .. K-1``.
    """
    _check_reduction(reduction)
    if not isinstance(from_logits, (bool, np.bool_)):
        raise TypeError(f"from_logits must be True or False, got {type(from_logits).__name__}")
    labels = as_array(labels, "labels")
    scores = as_array(p_or_logits, "p_or_logits", dtype=np.float64)
    if scores.ndim == 0:
        raise ValueError("p_or_logits must have a class axis (last), got a scalar")
    if labels.ndim == scores.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]  # (n, 1) -> (n,), as Keras does
    if labels.shape != scores.shape[:-1]:
        hint = (
            "; these look like one-hot labels: use categorical_crossentropy, or pass "
            "labels.argmax(axis=-1)"
            if labels.shape == scores.shape
            else ""
        )
        raise ValueError(
            f"labels must hold one integer class per sample, shape {scores.shape[:-1]} for "
            f"p_or_logits of shape {scores.shape}, got {labels.shape}{hint}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"labels must be integer class indices, got dtype {labels.dtype} "
            "(cast with .astype(int) if they are whole numbers)"
        )
    n_classes = scores.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in 0 .. {n_classes - 1} for {n_classes} classes, got values "
            f"from {labels.min()} to {labels.max()}"
        )
    if from_logits:
        log_p = log_softmax(scores)
    else:
        _check_probabilities(scores, "p_or_logits", "; for logits pass from_logits=True")
        p = np.clip(scores / scores.sum(axis=-1, keepdims=True), eps, 1.0 - eps)
        log_p = np.log(p)
    picked = np.take_along_axis(log_p, labels[..., None].astype(np.intp), axis=-1)[..., 0]
    return _reduce(-picked, reduction)


# ----------------------------------------------------------------------------- divergence


def kl_divergence(
    p: Any, q: Any, eps: float = EPSILON, *, reduction: Reduction = "mean"
) -> float | np.ndarray:
    r"""Kullback-Leibler divergence :math:`\mathrm{KL}(p\,\|\,q) = \sum_k p_k \log(p_k / q_k)`,
    averaged over samples.

    ``p`` is the target distribution and ``q`` the prediction, in that order:
    KL is not symmetric. Both are clipped to ``[eps, 1]`` as Keras does (so terms
    with :math:`p_k = 0` contribute almost nothing). Matches
    ``keras.losses.KLDivergence()`` called as ``loss(p, q)``.

    Args:
        p: target probabilities, shape ``(..., K)``.
        q: predicted probabilities, the same shape.
        eps: the clipping constant.
        reduction: ``"mean"`` or ``"none"``.

    Raises:
        TypeError: if an argument is not an array of numbers.
        ValueError: if the shapes differ or values lie outside ``[0, 1]``.
    """
    _check_reduction(reduction)
    p, q = _pair(p, q, "p", "q")
    _check_probabilities(p, "p")
    _check_probabilities(q, "q")
    p = np.clip(p, eps, 1.0)
    q = np.clip(q, eps, 1.0)
    return _reduce(np.sum(p * np.log(p / q), axis=-1), reduction)
