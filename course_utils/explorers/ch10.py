"""Chapter 10 (Autoencoders): the VAE latent explorer.

Two sliders set a point of the latent space; the figure shows where that point lies among
the codes of real test digits and what the decoder makes of it. For a 2-D latent space the
sliders are the coordinates ``z1, z2`` themselves; for a larger one they move along the two
principal directions of the codes, starting from their mean.

The computations are pure NumPy (:func:`latent_axes`, :func:`latent_point`,
:func:`project_codes`, :func:`to_pixels`); the decoder is passed in and called once per
redraw on a batch of one code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from course_utils.validation import as_float_array, as_int, check_ndim

__all__ = ["draw_vae_latent", "latent_axes", "latent_point", "project_codes", "to_pixels"]

Array = np.ndarray


def latent_axes(codes: Any, k: int = 2) -> tuple[Array, Array]:
    """The origin and the ``k`` slider directions of a latent space, from example codes.

    If the codes have exactly ``k`` dimensions, the origin is 0 and the directions are the
    coordinate axes (the sliders are the coordinates themselves). Otherwise the origin is
    the mean code and the directions are the ``k`` leading principal directions of the
    codes (orthonormal rows).

    Args:
        codes: shape ``(n, latent)`` with ``n >= 2`` and ``latent >= k``.
        k: the number of sliders (at least 1).

    Returns:
        ``(origin, directions)`` of shapes ``(latent,)`` and ``(k, latent)``.

    Raises:
        TypeError: if ``codes`` is not numeric or ``k`` not an int.
        ValueError: if ``codes`` is not 2-D, has fewer than 2 rows or fewer than ``k`` columns.
    """
    codes = as_float_array(codes, "codes").astype(np.float64)
    check_ndim(codes, "codes", 2)
    k = as_int(k, "k", 1)
    n, latent = codes.shape
    if n < 2 or latent < k:
        raise ValueError(f"codes must have at least 2 rows and at least k={k} columns, "
                         f"got shape {codes.shape}")  # fmt: skip
    if latent == k:
        return np.zeros(latent), np.eye(latent)
    origin = codes.mean(axis=0)
    _, _, vt = np.linalg.svd(codes - origin, full_matrices=False)
    return origin, vt[:k]


def latent_point(coords: Any, origin: Any, directions: Any) -> Array:
    """The latent vector ``origin + coords @ directions`` for slider values ``coords``.

    Args:
        coords: shape ``(k,)``, one value per slider.
        origin: shape ``(latent,)``.
        directions: shape ``(k, latent)``.

    Raises:
        TypeError: on non-numeric arguments.
        ValueError: if the shapes do not fit together.
    """
    coords = as_float_array(coords, "coords").astype(np.float64)
    origin = as_float_array(origin, "origin").astype(np.float64)
    directions = as_float_array(directions, "directions").astype(np.float64)
    check_ndim(coords, "coords", 1)
    check_ndim(origin, "origin", 1)
    check_ndim(directions, "directions", 2)
    if directions.shape != (len(coords), len(origin)):
        raise ValueError(f"directions must have shape (k, latent) = ({len(coords)}, "
                         f"{len(origin)}), got {directions.shape}")  # fmt: skip
    return origin + coords @ directions


def project_codes(codes: Any, origin: Any, directions: Any) -> Array:
    """Slider coordinates of each code: ``(codes - origin) @ directions.T``, shape ``(n, k)``.

    Raises:
        TypeError: on non-numeric arguments.
        ValueError: if the shapes do not fit together.
    """
    codes = as_float_array(codes, "codes").astype(np.float64)
    origin = as_float_array(origin, "origin").astype(np.float64)
    directions = as_float_array(directions, "directions").astype(np.float64)
    check_ndim(codes, "codes", 2)
    check_ndim(directions, "directions", 2)
    if origin.shape != (codes.shape[1],) or directions.shape[1] != codes.shape[1]:
        raise ValueError(f"origin (latent,) and directions (k, latent) must match codes of "
                         f"shape {codes.shape}, got {origin.shape} and {directions.shape}")
    return (codes - origin) @ directions.T


def to_pixels(decoded: Any, shape: Sequence[int] = (28, 28), *, from_logits: bool = True,
              value_range: tuple[float, float] = (0.0, 1.0)) -> Array:  # fmt: skip
    """A decoder's output for ONE code as an image with values in ``[0, 1]``.

    Args:
        decoded: the decoder's output for one code (any shape with ``prod(shape)`` values,
            a leading batch axis of 1 included).
        shape: the image shape.
        from_logits: ``True`` if the decoder outputs logits (a sigmoid is applied, stably).
        value_range: otherwise, the range of the decoder's outputs, mapped to ``[0, 1]``.

    Raises:
        TypeError: if ``decoded`` is not numeric.
        ValueError: if it does not hold ``prod(shape)`` values or the range is empty.
    """
    values = as_float_array(np.asarray(decoded), "decoded").astype(np.float64)
    if values.size != int(np.prod(shape)):
        raise ValueError(f"decoded must hold {int(np.prod(shape))} values for an image of "
                         f"shape {tuple(shape)}, got shape {values.shape}")  # fmt: skip
    values = values.reshape(tuple(shape))
    if from_logits:
        return np.where(values >= 0, 1.0 / (1.0 + np.exp(-np.abs(values))),
                        np.exp(-np.abs(values)) / (1.0 + np.exp(-np.abs(values))))  # fmt: skip
    low, high = value_range
    if not high > low:
        raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}")
    return np.clip((values - low) / (high - low), 0.0, 1.0)


def draw_vae_latent(
    z1: float = 0.0,
    z2: float = 0.0,
    *,
    decoder: Callable[..., Any],
    codes: Any,
    labels: Any = None,
    from_logits: bool = True,
    image_shape: Sequence[int] = (28, 28),
    max_points: int = 1500,
) -> Figure:
    """The VAE explorer's figure: the point ``(z1, z2)`` among the codes, and its decoding.

    Args:
        z1, z2: slider values: latent coordinates (2-D latent space) or coordinates along
            the two principal directions of ``codes`` (larger latent spaces).
        decoder: called as ``decoder(z, training=False)`` on a ``(1, latent)`` float32 batch.
        codes: example codes (e.g. the encoder's means of test images), ``(n, latent)``.
        labels: optional class of each code, for the colours.
        from_logits: whether the decoder outputs logits (see :func:`to_pixels`).
        image_shape: the shape of one decoded image.
        max_points: at most this many codes are drawn (evenly spaced), to keep redraws fast.

    Returns:
        A ``Figure`` with the latent plane (left) and the decoded image (right).
    """
    codes = as_float_array(codes, "codes")
    origin, directions = latent_axes(codes, 2)
    z = latent_point([z1, z2], origin, directions)
    image = to_pixels(decoder(z[None].astype(np.float32), training=False), image_shape,
                      from_logits=from_logits)  # fmt: skip
    step = max(1, len(codes) // as_int(max_points, "max_points", 1))
    shown = project_codes(codes[::step], origin, directions)
    fig = Figure(figsize=(8.0, 3.8))
    ax_plane, ax_image = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.9, wspace=0.15)
    colours = None if labels is None else np.asarray(labels)[::step]
    ax_plane.scatter(shown[:, 0], shown[:, 1], c=colours, cmap="tab10", s=4, alpha=0.5,
                     vmin=0, vmax=9)  # fmt: skip
    ax_plane.plot([z1], [z2], marker="*", color="black", markersize=16, markeredgecolor="white")
    ax_plane.locator_params(nbins=4)  # few tick labels: each text costs time at every redraw
    plain = codes.shape[1] == 2
    ax_plane.set_xlabel("$z_1$" if plain else "principal direction 1")
    ax_plane.set_ylabel("$z_2$" if plain else "principal direction 2")
    ax_plane.set_title("latent space: test codes (colour = digit)", fontsize=10)
    ax_image.imshow(image, cmap="gray_r", vmin=0.0, vmax=1.0)
    ax_image.set_title(f"decoder output at z = ({z1:.2f}, {z2:.2f})", fontsize=10)
    ax_image.axis("off")
    return fig
