"""Chapter 05 explorer: L2 regularization (ridge regression) against polynomial degree.

A fixed, noisy 1-D data set (a sine wave plus noise: 20 training points, 60 validation
points) is fitted by a polynomial of a chosen degree with an L2 penalty of strength
``lambda`` on its coefficients (ridge regression, the closed-form cousin of
``kernel_regularizer=L2(lambda)``; the intercept is not penalized). The controls are the
degree and ``log10(lambda)``; the figure shows the fitted curve with the training and
validation points, and the training and validation errors against ``lambda`` with the
current value marked: too little penalty overfits (low training error, high validation
error), too much underfits (both high).

Closed form and NumPy only: a redraw refits about 50 small least-squares problems.
Introduced in chapter 05.

    from course_utils.explorers.ch05 import draw_ridge_explorer
    from course_utils.widgets import explorer, slider

    explorer(draw_ridge_explorer, log10_lambda=slider(-8.0, 2.0, -3.0), degree=slider(1, 15, 9))
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from course_utils.validation import as_float_array, as_int, check_ndim, check_same_length

__all__ = [
    "LOG10_LAMBDAS",
    "draw_ridge_explorer",
    "polynomial_features",
    "ridge_data",
    "ridge_errors",
    "ridge_fit",
    "ridge_predict",
]

LOG10_LAMBDAS = np.linspace(-8.0, 2.0, 41)
"""The grid of ``log10(lambda)`` on which the error curves are drawn."""


def _real(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be in [{low:g}, {high:g}], got {value!r}")
    return value


def ridge_data(n_train: int = 20, n_val: int = 60, noise: float = 0.25,
               seed: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The explorer's data: ``(x_train, y_train, x_val, y_val)``, ``x`` uniform in [-1, 1],
    ``y = sin(pi x) + noise * N(0, 1)``. The same arguments always give the same data."""
    n_train, n_val = as_int(n_train, "n_train", 2), as_int(n_val, "n_val", 1)
    noise = _real(noise, "noise", 0.0, 10.0)
    seed = as_int(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=n_train + n_val)
    y = np.sin(np.pi * x) + noise * rng.normal(size=x.shape)
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def polynomial_features(x: Any, degree: int) -> np.ndarray:
    """The columns ``x, x**2, ..., x**degree`` of 1-D ``x``: shape ``(len(x), degree)``
    (no constant column: the intercept is fitted separately)."""
    x = as_float_array(x, "x").astype(np.float64)
    check_ndim(x, "x", 1)
    degree = as_int(degree, "degree", 1)
    return x[:, None] ** np.arange(1, degree + 1)


def ridge_fit(x: Any, y: Any, degree: int, lam: float) -> tuple[float, np.ndarray]:
    """Fit ``y ~ b + sum_k w_k x**k`` minimizing ``||y - b - X w||**2 + lam ||w||**2``.

    Closed form after centring (so the intercept ``b`` is not penalized), solved as the
    least-squares problem ``[X_c; sqrt(lam) I] w = [y_c; 0]``, which stays accurate
    when ``lam`` is tiny and the powers of ``x`` are nearly collinear.

    Returns:
        ``(b, w)``: the intercept and the ``degree`` coefficients.
    """
    y = as_float_array(y, "y").astype(np.float64)
    check_ndim(y, "y", 1)
    features = polynomial_features(x, degree)
    check_same_length(x=features, y=y)
    lam = _real(lam, "lam", 0.0, 1e12)
    mean_x, mean_y = features.mean(axis=0), y.mean()
    stacked = np.vstack([features - mean_x, np.sqrt(lam) * np.eye(features.shape[1])])
    target = np.concatenate([y - mean_y, np.zeros(features.shape[1])])
    w = np.linalg.lstsq(stacked, target, rcond=None)[0]
    return float(mean_y - mean_x @ w), w


def ridge_predict(x: Any, intercept: float, w: Any) -> np.ndarray:
    """``b + sum_k w_k x**k`` at the points ``x``."""
    w = as_float_array(w, "w")
    check_ndim(w, "w", 1)
    return intercept + polynomial_features(x, len(w)) @ w


def ridge_errors(degree: int, log10_lambdas: Any = LOG10_LAMBDAS,
                 data: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Training and validation mean squared errors of :func:`ridge_fit` for each
    ``lambda = 10**log10_lambdas``, on ``data`` (default :func:`ridge_data`)."""
    x_train, y_train, x_val, y_val = ridge_data() if data is None else data
    log10_lambdas = as_float_array(log10_lambdas, "log10_lambdas")
    check_ndim(log10_lambdas, "log10_lambdas", 1)
    train, val = [], []
    for log_lam in log10_lambdas:
        b, w = ridge_fit(x_train, y_train, degree, 10.0 ** float(log_lam))
        train.append(np.mean((ridge_predict(x_train, b, w) - y_train) ** 2))
        val.append(np.mean((ridge_predict(x_val, b, w) - y_val) ** 2))
    return np.array(train), np.array(val)


def draw_ridge_explorer(log10_lambda: float = -3.0, degree: int = 9) -> Figure:
    """Left: the degree-``degree`` ridge fit with ``lambda = 10**log10_lambda`` and the
    data. Right: training and validation MSE against ``lambda``, current value marked."""
    log10_lambda = _real(log10_lambda, "log10_lambda", -12.0, 6.0)
    degree = as_int(degree, "degree", 1)
    data = ridge_data()
    x_train, y_train, x_val, y_val = data
    b, w = ridge_fit(x_train, y_train, degree, 10.0**log10_lambda)
    train_curve, val_curve = ridge_errors(degree, LOG10_LAMBDAS, data)
    train_now = float(np.mean((ridge_predict(x_train, b, w) - y_train) ** 2))
    val_now = float(np.mean((ridge_predict(x_val, b, w) - y_val) ** 2))

    fig = Figure(figsize=(10.5, 3.8))  # fixed margins: a constrained layout redraws slower
    ax_fit, ax_err = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.14, top=0.84, wspace=0.22)
    grid = np.linspace(-1, 1, 200)
    # plain markers and one legend (on the right; same colours): scatter and legends are slow
    ax_fit.plot(grid, np.sin(np.pi * grid), color="gray", lw=1, ls=":")
    ax_fit.plot(x_val, y_val, "o", ms=3.5, color="C1", alpha=0.6)
    ax_fit.plot(x_train, y_train, "o", ms=5, color="C0", mec="k", mew=0.5)
    ax_fit.plot(grid, ridge_predict(grid, b, w), color="C3", lw=2)
    ax_fit.set(xlim=(-1.05, 1.05), ylim=(-2.2, 2.2), xlabel="x", ylabel="y")
    ax_fit.set_title(f"degree {degree}, λ = {10.0**log10_lambda:.1e}: training MSE "
                     f"{train_now:.3f}, validation MSE {val_now:.3f}", fontsize=9)  # fmt: skip

    ax_err.plot(LOG10_LAMBDAS, train_curve, color="C0", label="training")
    ax_err.plot(LOG10_LAMBDAS, val_curve, color="C1", label="validation")
    ax_err.axvline(log10_lambda, color="C3", lw=1)
    ax_err.plot([log10_lambda] * 2, [train_now, val_now], "o", color="C3", ms=5)
    best = LOG10_LAMBDAS[int(np.argmin(val_curve))]
    ax_err.axvline(best, color="gray", lw=0.8, ls="--", label=f"best λ on the grid: 1e{best:.2g}")
    ax_err.set_yscale("log")
    ax_err.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax_err.yaxis.set_minor_locator(ticker.NullLocator())
    ax_err.set(xlabel="log10 λ  (← overfitting · underfitting →)", ylabel="MSE (log scale)")
    ax_err.set_title("Error against the L2 strength", fontsize=9)
    ax_err.grid(alpha=0.3)
    ax_err.legend(fontsize=7)
    fig.suptitle("Ridge regression: a polynomial with an L2 penalty on its coefficients "
                 "(red: the fit, dotted: the true sin(πx))", fontsize=10)  # fmt: skip
    return fig
