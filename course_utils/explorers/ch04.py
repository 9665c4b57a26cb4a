"""Chapter 04 explorer: an optimizer's path on the ill-conditioned quadratic.

The landscape is chapter 04's valley ``f(theta) = (theta_1**2 + kappa * theta_2**2) / 2``
with ``kappa = 25``, started at ``(-4, 1.5)``. The controls are the optimizer (SGD,
momentum, Nesterov, RMSprop, Adam), the learning rate (a slider over its base-10
logarithm) and ``beta``, the momentum coefficient of momentum and Nesterov or Adam's
``beta1`` (SGD and RMSprop do not use it). The figure shows the path on the contours and
``f`` at every step on a log scale; a run whose loss blows up is cut where it diverges.

The steps are the scratch rules of :mod:`course_utils.optimizers` (which match Keras), so
60 steps of a two-parameter problem take well under a millisecond. Introduced in
chapter 04.

    from course_utils.explorers.ch04 import EXPLORER_OPTIMIZERS, draw_optimizer_path
    from course_utils.widgets import choice, explorer, slider

    explorer(draw_optimizer_path, optimizer=choice(EXPLORER_OPTIMIZERS, "momentum"),
             log10_lr=slider(-3.0, 0.0, -2.0, step=0.1), beta=slider(0.0, 0.99, 0.9))
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from course_utils.optimizers import run_optimizer
from course_utils.validation import as_float_array, as_int

__all__ = [
    "DIVERGED",
    "EXPLORER_OPTIMIZERS",
    "KAPPA",
    "START",
    "draw_optimizer_path",
    "optimizer_path",
    "quadratic_loss",
]

EXPLORER_OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
"""The optimizers the explorer offers (names of :func:`course_utils.optimizers.run_optimizer`)."""

KAPPA = 25.0
"""The condition number of the chapter's quadratic."""

START = (-4.0, 1.5)
"""The chapter's starting point on the quadratic."""

DIVERGED = 1e6
"""A run counts as diverged once ``f`` exceeds this many times its starting value."""

_LABELS = {"sgd": "SGD", "momentum": "momentum", "nesterov": "Nesterov", "rmsprop": "RMSprop",
           "adam": "Adam"}  # fmt: skip


def _real(value: Any, name: str, low: float, high: float, *, high_open: bool = False) -> float:
    """``value`` as a float in ``[low, high]`` (``[low, high)`` with ``high_open``)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    above = value >= high if high_open else value > high
    if not np.isfinite(value) or value < low or above:
        right = ")" if high_open else "]"
        raise ValueError(f"{name} must be in [{low:g}, {high:g}{right}, got {value!r}")
    return value


def _check_optimizer(optimizer: Any) -> str:
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be a string, one of {EXPLORER_OPTIMIZERS}, got "
                        f"{type(optimizer).__name__}")  # fmt: skip
    if optimizer not in EXPLORER_OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {EXPLORER_OPTIMIZERS}, got {optimizer!r}")
    return optimizer


def quadratic_loss(theta: Any, kappa: float = KAPPA) -> np.ndarray:
    """``(theta_1**2 + kappa * theta_2**2) / 2`` for points ``theta`` of shape ``(..., 2)``."""
    theta = as_float_array(theta, "theta")
    if theta.ndim == 0 or theta.shape[-1] != 2:
        raise ValueError(f"theta must have shape (..., 2), got {theta.shape}")
    kappa = _real(kappa, "kappa", 1.0, 1e6)
    return 0.5 * (theta[..., 0] ** 2 + kappa * theta[..., 1] ** 2)


def optimizer_path(
    optimizer: str, log10_lr: float, beta: float = 0.9, *, steps: int = 60,
    kappa: float = KAPPA, start: Any = START,
) -> tuple[np.ndarray, np.ndarray, bool]:  # fmt: skip
    """Run ``optimizer`` on the quadratic and return ``(path, losses, diverged)``.

    Args:
        optimizer: one of :data:`EXPLORER_OPTIMIZERS`.
        log10_lr: the base-10 logarithm of the learning rate, in ``[-5, 1]``.
        beta: in ``[0, 1)``: ``momentum`` for momentum and Nesterov, ``beta1`` for Adam;
            ignored by SGD and RMSprop (RMSprop keeps Keras's ``rho = 0.9``).
        steps: the number of steps (>= 1).
        kappa: the condition number (>= 1).
        start: the starting point, two numbers.

    Returns:
        ``path`` of shape ``(k, 2)``, the start and the steps taken, ``losses`` (``f`` at
        each point of ``path``) and ``diverged``. When ``f`` exceeds :data:`DIVERGED`
        times its starting value (or overflows), the path stops before that step and
        ``diverged`` is True; otherwise ``k = steps + 1``.
    """
    optimizer = _check_optimizer(optimizer)
    lr = 10.0 ** _real(log10_lr, "log10_lr", -5.0, 1.0)
    beta = _real(beta, "beta", 0.0, 1.0, high_open=True)
    steps = as_int(steps, "steps", 1)
    kappa = _real(kappa, "kappa", 1.0, 1e6)
    start = as_float_array(start, "start").astype(np.float64)
    if start.shape != (2,):
        raise ValueError(f"start must be two numbers, got shape {start.shape}")
    hyper: dict[str, float] = {"lr": lr}
    if optimizer in ("momentum", "nesterov"):
        hyper["momentum"] = beta
    elif optimizer == "adam":
        hyper["beta1"] = beta
    scale = np.array([1.0, kappa])
    with np.errstate(all="ignore"):
        path = run_optimizer(optimizer, start, lambda theta: scale * theta, steps=steps, **hyper)
        losses = 0.5 * (path[:, 0] ** 2 + kappa * path[:, 1] ** 2)
    bad = ~np.isfinite(losses) | (losses > DIVERGED * max(losses[0], 1e-300))
    if bad.any():
        keep = int(np.argmax(bad))
        return path[:keep], losses[:keep], True
    return path, losses, False


def draw_optimizer_path(
    optimizer: str = "momentum", log10_lr: float = -2.0, beta: float = 0.9, steps: int = 60
) -> Figure:
    """The path of ``optimizer`` on the contours of the quadratic, and ``f`` per step.

    Arguments as in :func:`optimizer_path`. Returns a new ``Figure`` (no pyplot state).
    """
    path, losses, diverged = optimizer_path(optimizer, log10_lr, beta, steps=steps)
    lr = 10.0**log10_lr
    fig = Figure(figsize=(10.5, 3.8))  # fixed margins: a constrained layout redraws 3x slower
    ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.6, 1])
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.14, top=0.84, wspace=0.25)
    grid = np.meshgrid(np.linspace(-4.5, 4.5, 90), np.linspace(-2.0, 2.0, 60))
    ax_path.contour(*grid, 0.5 * (grid[0] ** 2 + KAPPA * grid[1] ** 2),
                    levels=np.geomspace(0.05, 60, 12), cmap="Greys", linewidths=0.7)  # fmt: skip
    ax_path.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=0.9, color="C3")
    ax_path.plot(*START, "o", color="k", ms=5)
    ax_path.plot(0, 0, "*", ms=13, color="gold", mec="k")
    ax_path.set(xlim=(-4.5, 4.5), ylim=(-2.0, 2.0), xlabel="θ₁", ylabel="θ₂")
    uses_beta = optimizer in ("momentum", "nesterov", "adam")
    detail = f"lr = {lr:.3g}" + (f", β = {beta:.2f}" if uses_beta else " (β unused)")
    ax_path.set_title(f"{_LABELS[optimizer]}, {detail}", fontsize=10)

    ax_loss.semilogy(np.arange(len(losses)), losses + 1e-300, color="C3")
    ax_loss.set(xlim=(0, steps), xlabel="step", ylabel="f(θ), log scale")
    ax_loss.set_ylim(max(min(losses.min(), 1e-1) * 0.5, 1e-12), max(losses.max() * 2, 100))
    # few ticks, plain-text labels: tick text (mathtext) is most of the drawing time
    ax_loss.yaxis.set_major_locator(ticker.LogLocator(numticks=6))
    ax_loss.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.0e}"))
    ax_loss.yaxis.set_minor_locator(ticker.NullLocator())
    ax_loss.grid(alpha=0.3)
    if diverged:
        verdict = f"diverged after step {len(losses) - 1}"
    else:
        verdict = f"f = {losses[-1]:.2g} after {steps} steps"
    ax_loss.set_title(verdict, fontsize=10, color="C3" if diverged else "k")
    fig.suptitle(f"Quadratic valley, κ = {KAPPA:g}: stable SGD needs lr < 2/κ = 0.08",
                 fontsize=11)  # fmt: skip
    return fig
