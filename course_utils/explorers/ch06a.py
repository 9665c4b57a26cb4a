"""The kernel explorer of chapter 06a (convolutions): a 3x3 kernel slid over a digit.

Pick a hand-made kernel (edges, blur, sharpen, ...), scale it, and see the feature map it
produces on an MNIST digit and what 2x2 max pooling keeps of it. The convolution is the
chapter's scratch :func:`course_utils.convolution.conv2d` (a cross-correlation, "same"
padding), the pooling :func:`course_utils.convolution.max_pool2d`.

Introduced in chapter 06a.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from course_utils.convolution import conv2d, max_pool2d
from course_utils.validation import as_array, as_float_array, as_int, check_ndim

__all__ = ["KERNEL_PRESETS", "draw_kernel_explorer", "feature_maps", "preset_kernel"]

KERNEL_PRESETS: dict[str, tuple[tuple[float, ...], ...]] = {
    "identity": ((0, 0, 0), (0, 1, 0), (0, 0, 0)),
    "edge-x (Sobel)": ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
    "edge-y (Sobel)": ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
    "diagonal edge": ((-2, -1, 0), (-1, 0, 1), (0, 1, 2)),
    "blur (box)": ((1 / 9,) * 3,) * 3,
    "blur (Gaussian)": ((1 / 16, 2 / 16, 1 / 16), (2 / 16, 4 / 16, 2 / 16),
                        (1 / 16, 2 / 16, 1 / 16)),  # fmt: skip
    "sharpen": ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
    "outline (Laplacian)": ((-1, -1, -1), (-1, 8, -1), (-1, -1, -1)),
    "emboss": ((-2, -1, 0), (-1, 1, 1), (0, 1, 2)),
}
OUTPUTS = ("signed", "ReLU")


def preset_kernel(name: str, scale: float = 1.0) -> np.ndarray:
    """The 3x3 preset kernel ``name`` (a key of :data:`KERNEL_PRESETS`) times ``scale``.

    Raises:
        TypeError: if ``name`` is not a string or ``scale`` not a number.
        ValueError: if ``name`` is not a preset.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a preset name (str), got {type(name).__name__}")
    if name not in KERNEL_PRESETS:
        raise ValueError(f"unknown kernel preset {name!r}; choose one of {list(KERNEL_PRESETS)}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.number)):
        raise TypeError(f"scale must be a number, got {type(scale).__name__}")
    return np.asarray(KERNEL_PRESETS[name], dtype=np.float64) * float(scale)


def feature_maps(image: Any, kernel: Any, *, relu: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The feature map of ``kernel`` on ``image`` and its 2x2 max-pooled version.

    Args:
        image: a 2-D grey image ``(height, width)``.
        kernel: a 2-D kernel ``(kh, kw)``.
        relu: apply ``max(0, .)`` to the feature map before pooling, as a Conv2D layer
            with ``activation="relu"`` would.

    Returns:
        ``(feature_map, pooled)``: the "same"-padded cross-correlation, shape of
        ``image``, and its 2x2 max pooling, shape ``(height // 2, width // 2)``.

    Raises:
        TypeError: for non-numeric arrays.
        ValueError: if ``image`` or ``kernel`` is not 2-D, or ``image`` is smaller than 2x2.
    """
    image = as_float_array(image, "image")
    kernel = as_float_array(kernel, "kernel")
    check_ndim(image, "image (a grey image, height x width)", 2)
    check_ndim(kernel, "kernel (kh x kw)", 2)
    if min(image.shape) < 2:
        raise ValueError(f"image must be at least 2x2 to be pooled, got shape {image.shape}")
    fmap = conv2d(image[None, :, :, None], kernel[:, :, None, None], padding="same")
    fmap = fmap.astype(np.float64)
    if relu:
        fmap = np.maximum(fmap, 0.0)
    return fmap[0, :, :, 0], max_pool2d(fmap)[0, :, :, 0].astype(np.float64)


def draw_kernel_explorer(
    preset: str = "edge-x (Sobel)",
    scale: float = 1.0,
    digit: int = 0,
    output: str = "signed",
    *,
    images: Any,
) -> Figure:
    """Four panels: the kernel, the digit, its feature map and the 2x2 max-pooled map.

    Args:
        preset: a key of :data:`KERNEL_PRESETS`.
        scale: multiplies the kernel (a negative scale flips the sign of the response).
        digit: index into ``images``.
        output: ``"signed"`` (red positive, blue negative) or ``"ReLU"`` (negatives set
            to 0, as after a ReLU).
        images: a stack of grey images ``(n, height, width)``, e.g. MNIST digits (uint8
            0-255 or floats); uint8 values are scaled to [0, 1].

    Returns:
        A matplotlib ``Figure`` (built without pyplot).
    """
    stack = as_array(images, "images")
    check_ndim(stack, "images (n, height, width)", 3)
    index = as_int(digit, "digit", 0)
    if index >= len(stack):
        raise ValueError(f"digit must be < {len(stack)} (the number of images), got {index}")
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    image = stack[index].astype(np.float64)
    if stack.dtype == np.uint8:
        image = image / 255.0
    kernel = preset_kernel(preset, scale)
    fmap, pooled = feature_maps(image, kernel, relu=output == "ReLU")

    fig = Figure(figsize=(10, 2.9))
    axes = fig.subplots(1, 4)
    limit = max(float(np.abs(kernel).max()), 1e-9)
    axes[0].imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (u, v), w in np.ndenumerate(kernel):
        axes[0].text(v, u, f"{w:.2g}", ha="center", va="center", fontsize=9,
                     color="white" if abs(w) > 0.6 * limit else "black")  # fmt: skip
    axes[0].set_title(f"kernel: {preset}\n× {scale:.3g}", fontsize=9)
    axes[1].imshow(image, cmap="gray_r")
    axes[1].set_title(f"digit #{index} ({image.shape[0]}×{image.shape[1]})", fontsize=9)
    if output == "ReLU":
        top = max(float(fmap.max()), 1e-9)
        style = {"cmap": "magma", "vmin": 0.0, "vmax": top}
    else:
        top = max(float(np.abs(fmap).max()), 1e-9)
        style = {"cmap": "RdBu_r", "vmin": -top, "vmax": top}
    axes[2].imshow(fmap, **style)
    axes[2].set_title(f"feature map ({output})\nrange [{fmap.min():.2g}, {fmap.max():.2g}]",
                      fontsize=9)  # fmt: skip
    axes[3].imshow(pooled, **style)
    axes[3].set_title(f"2×2 max pool → {pooled.shape[0]}×{pooled.shape[1]}", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig
