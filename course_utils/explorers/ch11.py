"""Chapter 11 (Generative adversarial networks): a walk through the generator's latent space.

Two seeds pick two noise vectors ``z_a`` and ``z_b``; a slider ``t`` in ``[0, 1]`` moves
along a path between them, either a straight line (:func:`lerp`) or a great-circle arc
(:func:`slerp`). The figure shows the generated images along the path, the image at ``t``,
and the length of ``z(t)`` compared with the typical length ``sqrt(d)`` of a standard normal
vector in ``d`` dimensions: the straight line cuts through the low-norm middle of the
Gaussian, where the generator saw little noise during training; the arc does not.

The computations are pure NumPy; the generator is passed in and called once per redraw
on a small batch.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from course_utils.validation import as_float_array, as_int, check_ndim

__all__ = ["draw_latent_walk", "interpolation_path", "latent_pair", "lerp", "slerp"]

Array = np.ndarray
METHODS = ("spherical", "linear")


def latent_pair(seed_a: int, seed_b: int, latent_dim: int) -> tuple[Array, Array]:
    """Two standard normal vectors of length ``latent_dim``, from ``seed_a`` and ``seed_b``.

    The same seed always gives the same vector (``numpy.random.default_rng(seed)``).

    Raises:
        TypeError: if an argument is not an int.
        ValueError: if a seed is negative or ``latent_dim < 1``.
    """
    seed_a, seed_b = as_int(seed_a, "seed_a", 0), as_int(seed_b, "seed_b", 0)
    latent_dim = as_int(latent_dim, "latent_dim", 1)
    return tuple(np.random.default_rng(s).standard_normal(latent_dim) for s in (seed_a, seed_b))


def _endpoints(a: Any, b: Any, t: Any) -> tuple[Array, Array, Array, bool]:
    a = as_float_array(a, "a").astype(np.float64)
    b = as_float_array(b, "b").astype(np.float64)
    check_ndim(a, "a", 1)
    if b.shape != a.shape:
        raise ValueError(f"b must have the shape of a, {a.shape}, got {b.shape}")
    t_array = as_float_array(t, "t").astype(np.float64)
    check_ndim(t_array, "t", (0, 1))
    if np.any(t_array < 0) or np.any(t_array > 1):
        raise ValueError(f"t must lie in [0, 1], got values in [{t_array.min()}, {t_array.max()}]")
    return a, b, np.atleast_1d(t_array)[:, None], t_array.ndim == 0


def lerp(a: Any, b: Any, t: Any) -> Array:
    """Linear interpolation ``(1 - t) a + t b``.

    Args:
        a, b: vectors of the same shape ``(d,)``.
        t: a number or a 1-D array of numbers in ``[0, 1]``.

    Returns:
        Shape ``(d,)`` for a scalar ``t``, else ``(len(t), d)``.

    Raises:
        TypeError: on non-numeric arguments.
        ValueError: on mismatched shapes or ``t`` outside ``[0, 1]``.
    """
    a, b, t_col, scalar = _endpoints(a, b, t)
    path = (1.0 - t_col) * a + t_col * b
    return path[0] if scalar else path


def slerp(a: Any, b: Any, t: Any) -> Array:
    """Spherical linear interpolation (Shoemake, 1985; used for GANs by White, 2016).

    With ``theta`` the angle between ``a`` and ``b``:
    ``sin((1 - t) theta) / sin(theta) a + sin(t theta) / sin(theta) b``. The direction turns
    at a constant rate along the great circle from ``a`` to ``b``; the length goes from
    ``|a|`` to ``|b|`` and stays equal to them if they are equal. Nearly parallel vectors
    fall back to :func:`lerp`.

    Arguments, returns and errors as in :func:`lerp`.
    """
    a, b, t_col, scalar = _endpoints(a, b, t)
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    if norms == 0:
        raise ValueError("slerp needs two nonzero vectors")
    theta = np.arccos(np.clip(a @ b / norms, -1.0, 1.0))
    if np.sin(theta) < 1e-6:
        path = (1.0 - t_col) * a + t_col * b
    else:
        path = (np.sin((1.0 - t_col) * theta) * a + np.sin(t_col * theta) * b) / np.sin(theta)
    return path[0] if scalar else path


def interpolation_path(a: Any, b: Any, t: Any, method: str = "spherical") -> Array:
    """:func:`slerp` (``method="spherical"``) or :func:`lerp` (``"linear"``) from a to b.

    Raises:
        ValueError: on an unknown method (and as in :func:`lerp`).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return slerp(a, b, t) if method == "spherical" else lerp(a, b, t)


def draw_latent_walk(t: float = 0.5, seed_a: int = 0, seed_b: int = 1,
                     method: str = "spherical", *, generator: Callable[..., Any],
                     latent_dim: int, n_steps: int = 8,
                     value_range: tuple[float, float] = (-1.0, 1.0)) -> Figure:  # fmt: skip
    """The latent-walk explorer's figure.

    Args:
        t: the position on the path, in ``[0, 1]``.
        seed_a, seed_b: the seeds of the two endpoints (:func:`latent_pair`).
        method: ``"spherical"`` or ``"linear"`` (:func:`interpolation_path`).
        generator: called as ``generator(z, training=False)`` on a float32 batch of shape
            ``(n_steps + 1, latent_dim)``; returns images ``(n, height, width[, 1])``.
        latent_dim: the length of a noise vector.
        n_steps: the number of images shown along the path (at least 2).
        value_range: the range of the generator's outputs (``tanh``: ``(-1, 1)``).

    Returns:
        A ``Figure``: the images along the path (top), the image at ``t`` and the norm of
        ``z`` along both kinds of path (bottom).
    """
    if isinstance(t, bool) or not isinstance(t, Real):
        raise TypeError(f"t must be a number in [0, 1], got {type(t).__name__}")
    n_steps = as_int(n_steps, "n_steps", 2)
    a, b = latent_pair(seed_a, seed_b, latent_dim)
    ts = np.linspace(0.0, 1.0, n_steps)
    batch = np.vstack([interpolation_path(a, b, ts, method),
                       interpolation_path(a, b, float(t), method)[None]])  # fmt: skip
    images = np.asarray(generator(batch.astype(np.float32), training=False), np.float64)
    low, high = value_range
    images = np.clip((images.reshape(len(batch), *images.shape[1:3]) - low) / (high - low), 0, 1)

    height, width = images.shape[1:]
    strip = np.full((height, n_steps * (width + 2) - 2), 0.5)  # images side by side, grey gaps
    for i in range(n_steps):
        strip[:, i * (width + 2) : i * (width + 2) + width] = images[i]

    fig = Figure(figsize=(9.0, 4.4))
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 2.4], width_ratios=[1, 1.4], left=0.03,
                            right=0.98, bottom=0.11, top=0.93, hspace=0.3, wspace=0.15)
    ax_strip = fig.add_subplot(grid[0, :])
    ax_strip.imshow(strip, cmap="gray_r", vmin=0, vmax=1, extent=(-0.5 / (n_steps - 1),
                    1 + 0.5 / (n_steps - 1), 0, 1), aspect="auto")  # fmt: skip
    ax_strip.axvline(t, color="tab:red", lw=2)
    ax_strip.set(xticks=[], yticks=[])  # few texts: each one costs time at every redraw
    ax_strip.set_title(f"G(z) along the {method} path from seed {seed_a} (t = 0) to seed "
                       f"{seed_b} (t = 1)", fontsize=9)  # fmt: skip
    ax_image = fig.add_subplot(grid[1, 0])
    ax_image.imshow(images[-1], cmap="gray_r", vmin=0, vmax=1)
    ax_image.set_title(f"G(z(t)) at t = {t:.2f}", fontsize=10)
    ax_image.axis("off")
    ax_norm = fig.add_subplot(grid[1, 1])
    fine = np.linspace(0.0, 1.0, 101)
    for name in METHODS:
        norms = np.linalg.norm(interpolation_path(a, b, fine, name), axis=1) / np.sqrt(latent_dim)
        ax_norm.plot(fine, norms, label=name, lw=2.5 if name == method else 1.2)
    here = np.linalg.norm(batch[-1]) / np.sqrt(latent_dim)
    ax_norm.plot([t], [here], "k*", markersize=12)
    ax_norm.axhline(1.0, color="gray", ls=":", lw=1)
    ax_norm.set(xlabel="t", ylabel="|z(t)| / sqrt(d)", ylim=(0.4, 1.3), xticks=[0, 0.5, 1],
                yticks=[0.5, 1.0], title="length of z along the path")  # fmt: skip
    ax_norm.legend(fontsize=8, loc="lower center")
    return fig
