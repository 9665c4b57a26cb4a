"""2-D convolution and pooling from scratch, in NumPy, with Keras's conventions.

Everything here works on channels-last batches, ``(batch, height, width, channels)``,
and kernels shaped like a ``keras.layers.Conv2D`` kernel, ``(kh, kw, c_in, c_out)``, so
weights copied from a Keras layer can be used as they are. Like every deep-learning
library, :func:`conv2d` computes a *cross-correlation* (the kernel is not flipped).

Introduced in chapter 06a (convolutional networks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from course_utils.validation import as_array

__all__ = [
    "avg_pool2d",
    "conv2d",
    "conv_output_size",
    "max_pool2d",
    "receptive_field",
    "same_padding",
]

PADDINGS = ("valid", "same")


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def _pair(value: Any, name: str) -> tuple[int, int]:
    """An int or a pair of ints (rows, columns) as a pair of positive ints."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (rows, columns), got {value!r}")
        return _positive_int(value[0], name), _positive_int(value[1], name)
    size = _positive_int(value, name)
    return size, size


def _check_padding(padding: Any) -> str:
    if not isinstance(padding, str):
        raise TypeError(f"padding must be 'valid' or 'same', got {type(padding).__name__}")
    if padding.lower() not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return padding.lower()


def conv_output_size(
    n: int, kernel_size: int, stride: int = 1, padding: str = "valid", dilation: int = 1
) -> int:
    """Output length along one axis of a convolution or pooling layer.

    With the dilated ("effective") kernel size :math:`k_e = d(k - 1) + 1`:

    * ``"valid"`` (no padding): :math:`\\lfloor (n - k_e) / s \\rfloor + 1`;
    * ``"same"`` (zero padding, Keras/TensorFlow rule): :math:`\\lceil n / s \\rceil`.

    Args:
        n: input length (height or width).
        kernel_size: kernel (or pool) size ``k``.
        stride: step ``s`` between kernel positions.
        padding: ``"valid"`` or ``"same"``.
        dilation: spacing ``d`` between kernel taps (1 = an ordinary kernel).

    Returns:
        The output length, an ``int``.

    Raises:
        TypeError: if a size is not an int or ``padding`` not a string.
        ValueError: if a size is not positive, ``padding`` is unknown, or the dilated
            kernel is larger than the input with ``"valid"`` padding.
    """
    n = _positive_int(n, "n")
    k = _positive_int(kernel_size, "kernel_size")
    s = _positive_int(stride, "stride")
    d = _positive_int(dilation, "dilation")
    padding = _check_padding(padding)
    k_eff = d * (k - 1) + 1
    if padding == "same":
        return -(-n // s)
    if k_eff > n:
        raise ValueError(
            f"with padding='valid' the dilated kernel (size {k_eff} = {d}*({k}-1)+1) must fit "
            f"in the input of size {n}"
        )
    return (n - k_eff) // s + 1


def same_padding(n: int, kernel_size: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """Zeros added ``(before, after)`` along one axis by ``padding="same"``.

    TensorFlow pads just enough for :math:`\\lceil n/s \\rceil` outputs,
    :math:`p = \\max((\\lceil n/s \\rceil - 1)s + k_e - n, 0)` zeros in all, and puts the
    odd one *after* (bottom/right): ``before = p // 2``, ``after = p - before``.
    """
    n = _positive_int(n, "n")
    k = _positive_int(kernel_size, "kernel_size")
    s = _positive_int(stride, "stride")
    d = _positive_int(dilation, "dilation")
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def _check_images(x: Any, name: str = "x") -> np.ndarray:
    array = as_array(x, name)
    if array.ndim != 4:
        raise ValueError(
            f"{name} must be a 4-D channels-last batch (batch, height, width, channels), "
            f"got shape {array.shape} ({array.ndim}-D); add a batch axis with x[None] "
            "or a channel axis with x[..., None]"
        )
    return array.astype(np.float64)


def conv2d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    *,
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    dilation_rate: int | Sequence[int] = 1,
) -> np.ndarray:
    """2-D convolution (cross-correlation) of a batch of images, like ``keras.layers.Conv2D``.

    .. math::

        y_{b,i,j,o} = \\beta_o + \\sum_{u=0}^{k_h-1}\\sum_{v=0}^{k_w-1}\\sum_{c}
        x^{pad}_{b,\\, s_h i + d_h u,\\, s_w j + d_w v,\\, c}\\; w_{u,v,c,o}

    Args:
        x: images of shape ``(batch, height, width, c_in)`` (channels last).
        kernel: weights of shape ``(kh, kw, c_in, c_out)`` (a Conv2D layer's ``kernel``).
        bias: ``(c_out,)`` biases, or ``None`` for none.
        strides: step between kernel positions, an int or ``(rows, columns)``.
        padding: ``"valid"`` (no padding) or ``"same"`` (zeros, as TensorFlow places them).
        dilation_rate: spacing between kernel taps, an int or ``(rows, columns)``.

    Returns:
        A float32 array of shape ``(batch, out_h, out_w, c_out)`` with the output sizes
        of :func:`conv_output_size`. (Computed in float64.)

    Raises:
        TypeError: for non-numeric arrays or settings of the wrong type.
        ValueError: for wrong ranks, a kernel whose ``c_in`` differs from the images'
            channel count (e.g. channels-first images), or an unknown padding.
    """
    images = _check_images(x)
    weights = as_array(kernel, "kernel").astype(np.float64)
    if weights.ndim != 4:
        raise ValueError(
            f"kernel must be 4-D (kh, kw, c_in, c_out) like a Conv2D kernel, got shape "
            f"{weights.shape}"
        )
    kh, kw, c_in, c_out = weights.shape
    if images.shape[-1] != c_in:
        raise ValueError(
            f"x has {images.shape[-1]} channels on its last axis but the kernel expects "
            f"c_in={c_in} (kernel shape {weights.shape}); images must be channels-last "
            "(batch, height, width, channels)"
        )
    sh, sw = _pair(strides, "strides")
    dh, dw = _pair(dilation_rate, "dilation_rate")
    padding = _check_padding(padding)
    _, h, w, _ = images.shape
    out_h = conv_output_size(h, kh, sh, padding, dh)
    out_w = conv_output_size(w, kw, sw, padding, dw)
    if padding == "same":
        pads = (same_padding(h, kh, sh, dh), same_padding(w, kw, sw, dw))
        images = np.pad(images, ((0, 0), pads[0], pads[1], (0, 0)))
    out = np.zeros((images.shape[0], out_h, out_w, c_out))
    for u in range(kh):  # one matrix product per kernel tap
        for v in range(kw):
            patch = images[
                :,
                u * dh : u * dh + sh * (out_h - 1) + 1 : sh,
                v * dw : v * dw + sw * (out_w - 1) + 1 : sw,
                :,
            ]
            out += patch @ weights[u, v]
    if bias is not None:
        beta = as_array(bias, "bias").astype(np.float64)
        if beta.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},) (one per filter), got {beta.shape}")
        out += beta
    return out.astype(np.float32)


def _pool(
    x: Any, pool_size: Any, strides: Any, padding: str, reduce: str
) -> np.ndarray:
    images = _check_images(x)
    ph, pw = _pair(pool_size, "pool_size")
    sh, sw = _pair(pool_size if strides is None else strides, "strides")
    padding = _check_padding(padding)
    _, h, w, _ = images.shape
    out_h = conv_output_size(h, ph, sh, padding)
    out_w = conv_output_size(w, pw, sw, padding)
    pads = ((0, 0), (0, 0))
    if padding == "same":
        pads = (same_padding(h, ph, sh), same_padding(w, pw, sw))
    # padded positions are ignored: -inf for the maximum, excluded from the mean's count
    fill = -np.inf if reduce == "max" else 0.0
    padded = np.pad(images, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=fill)
    inside = np.pad(np.ones((1, h, w, 1)), ((0, 0), pads[0], pads[1], (0, 0)))
    windows, counts = [], []
    for u in range(ph):
        for v in range(pw):
            rows = slice(u, u + sh * (out_h - 1) + 1, sh)
            cols = slice(v, v + sw * (out_w - 1) + 1, sw)
            windows.append(padded[:, rows, cols, :])
            counts.append(inside[:, rows, cols, :])
    stacked = np.stack(windows)
    if reduce == "max":
        return stacked.max(axis=0).astype(np.float32)
    return (stacked.sum(axis=0) / np.sum(counts, axis=0)).astype(np.float32)


def max_pool2d(
    x: Any,
    pool_size: int | Sequence[int] = 2,
    strides: int | Sequence[int] | None = None,
    padding: str = "valid",
) -> np.ndarray:
    """Max pooling like ``keras.layers.MaxPooling2D``: the largest value of each window.

    Args:
        x: images of shape ``(batch, height, width, channels)``; each channel is pooled
            on its own.
        pool_size: window size, an int or ``(rows, columns)``.
        strides: step between windows; default ``pool_size`` (non-overlapping windows).
        padding: ``"valid"`` or ``"same"`` (padded positions never win).

    Returns:
        float32 array ``(batch, out_h, out_w, channels)``.
    """
    return _pool(x, pool_size, strides, padding, "max")


def avg_pool2d(
    x: Any,
    pool_size: int | Sequence[int] = 2,
    strides: int | Sequence[int] | None = None,
    padding: str = "valid",
) -> np.ndarray:
    """Average pooling like ``keras.layers.AveragePooling2D``: the mean of each window.

    With ``padding="same"`` the padded positions are left out of the mean (as in
    TensorFlow), so a border window averages fewer values.

    Args and returns as for :func:`max_pool2d`.
    """
    return _pool(x, pool_size, strides, padding, "avg")


def receptive_field(layers: Sequence[Sequence[int]]) -> int:
    """Receptive field (in input pixels, along one axis) of a stack of conv/pool layers.

    Each layer is ``(kernel_size, stride)`` or ``(kernel_size, stride, dilation)``. With
    the jump :math:`j_l = j_{l-1} s_l` (distance in input pixels between neighbouring
    outputs of layer :math:`l`, :math:`j_0 = 1`) and :math:`r_0 = 1`:

    .. math:: r_l = r_{l-1} + d_l (k_l - 1)\\, j_{l-1}

    Returns:
        :math:`r_L` for the whole stack, an ``int``.

    Raises:
        TypeError: if ``layers`` is not a sequence of int tuples.
        ValueError: if a layer has not 2 or 3 entries or one is not positive.
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(
            "layers must be a list of (kernel_size, stride) or (kernel_size, stride, dilation) "
            f"tuples, got {type(layers).__name__}"
        )
    r, jump = 1, 1
    for i, layer in enumerate(layers):
        if isinstance(layer, (str, bytes)) or not isinstance(layer, Sequence):
            raise TypeError(f"layers[{i}] must be a tuple of ints, got {type(layer).__name__}")
        if len(layer) not in (2, 3):
            raise ValueError(
                f"layers[{i}] must be (kernel_size, stride) or (kernel_size, stride, dilation), "
                f"got {tuple(layer)!r}"
            )
        k = _positive_int(layer[0], f"layers[{i}] kernel_size")
        s = _positive_int(layer[1], f"layers[{i}] stride")
        d = _positive_int(layer[2], f"layers[{i}] dilation") if len(layer) == 3 else 1
        r += d * (k - 1) * jump
        jump *= s
    return r

