"""Exercise checks for chapter 06a, Convolutions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_equal,
    grade_prediction,
    passed,
)
from course_utils.convolution import conv2d, max_pool2d

__all__ = [
    "check_conv_transpose2d",
    "check_fixed_conv_same",
    "check_hole_free_dilations",
    "check_prediction_6a_3",
]


def _keras_conv_transpose(x: np.ndarray, kernel: np.ndarray, stride: int) -> np.ndarray:
    """What ``keras.layers.Conv2DTranspose`` computes for one channel, "valid" padding."""
    import keras

    layer = keras.layers.Conv2DTranspose(1, kernel.shape, strides=stride, padding="valid",
                                         use_bias=False)  # fmt: skip
    layer.build((1, *x.shape, 1))
    layer.set_weights([kernel[:, :, None, None]])
    return np.asarray(layer(x[None, :, :, None]))[0, :, :, 0].astype(np.float64)


def check_conv_transpose2d(conv_transpose2d: Callable[..., Any], seed: int | None = None) -> str:
    """Exercise 6a.1: ``conv_transpose2d(x, kernel, stride)``, a transposed convolution of
    one channel with "valid" padding: every input value stamps ``x[i, j] * kernel`` at
    ``(i * stride, j * stride)`` and overlapping stamps add up.

    Compared with ``keras.layers.Conv2DTranspose`` on fresh random inputs and kernels
    (kernel sizes at least the stride).
    """
    rng = np.random.default_rng(seed)
    cases = [((3, 3), (3, 3), 2), ((4, 5), (2, 3), 2), ((3, 4), (4, 4), 3), ((5, 4), (3, 2), 1)]
    for (h, w), (kh, kw), stride in cases:
        x = rng.normal(size=(h, w)).astype(np.float32)
        kernel = rng.normal(size=(kh, kw)).astype(np.float32)
        result = call_answer("6a.1", conv_transpose2d, x.copy(), kernel.copy(), stride)
        got = answer_array("6a.1", "conv_transpose2d(...)", result)
        want = _keras_conv_transpose(x, kernel, stride)
        what = f"conv_transpose2d for a {h}x{w} input, a {kh}x{kw} kernel and stride {stride}"
        expect_equal("6a.1", f"the output shape of {what} ((n - 1) * stride + k per axis)",
                     got.shape, want.shape)  # fmt: skip
        flipped = _keras_conv_transpose(x, kernel[::-1, ::-1].copy(), stride)
        if np.allclose(got, flipped, atol=1e-4) and not np.allclose(got, want, atol=1e-4):
            raise ExerciseFailure(
                "6a.1", f"{what}: your stamps use the kernel flipped; Conv2DTranspose stamps "
                "x[i, j] * kernel as it is, kernel[0, 0] at the top-left of each stamp")
        expect_close("6a.1", what, got, want, rtol=1e-4, atol=1e-4)
    return passed("6a.1", "Your stamps add up to exactly what Conv2DTranspose computes.")


def _dilated_footprint(dilations: tuple[int, ...]) -> np.ndarray:
    """Which pixels reach the centre unit of a stack of 3x3, stride-1 ``Conv2D`` layers
    with these dilation rates: the stack's response to one bright pixel, with every
    weight 1 (symmetric kernels, so the response is the footprint of section 4)."""
    import keras

    span = 1 + 2 * sum(dilations)
    size = 2 * span + 1
    stack = keras.Sequential(
        [keras.Input((size, size, 1))]
        + [keras.layers.Conv2D(1, 3, dilation_rate=d, padding="same", use_bias=False,
                               kernel_initializer="ones") for d in dilations])  # fmt: skip
    impulse = np.zeros((1, size, size, 1), np.float32)
    impulse[0, size // 2, size // 2, 0] = 1.0
    return np.asarray(stack(impulse))[0, :, :, 0] > 0.5


def check_hole_free_dilations(widest_dilations: Callable[[], Any]) -> str:
    """Exercise 6a.2: dilation rates ``(d1, d2, d3)`` of three 3x3, stride-1 convolutions
    that give the widest receptive field in which every pixel influences the unit.

    Measured, not computed: the check builds the stack in Keras (all weights 1) and finds
    the pixels that reach one unit. The answer is right when that field has no holes and
    is 27 pixels wide, the most three 3-tap layers can cover (3 * 3 * 3 offsets per axis);
    ``(1, 3, 9)`` in any order is the only such choice.
    """
    answer = call_answer("6a.2", widest_dilations)
    try:
        given = list(answer)
        dilations = tuple(int(d) for d in given)
        valid = len(dilations) == 3 and all(
            d == v and d >= 1 for d, v in zip(dilations, given, strict=True))
    except (TypeError, ValueError):
        valid = False
    expect("6a.2", valid and max(dilations) <= 50,
           f"widest_dilations() should return three dilation rates, positive integers of at "
           f"most 50 such as (1, 1, 1), got {answer!r}")  # fmt: skip
    footprint = _dilated_footprint(dilations)
    rows, cols = np.nonzero(footprint)
    width = int(cols.max() - cols.min() + 1)
    box = footprint[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    reached, holes = int(box.sum()), int(box.size - box.sum())
    formula = 1 + 2 * sum(dilations)
    observed = (f"Dilations {dilations}: a receptive field of {width}x{width} pixels "
                f"(formula of section 4: {formula}), {reached} of its {box.size} pixels "
                f"reach the unit, {holes} holes.")  # fmt: skip
    print(observed)
    expect("6a.2", holes == 0,
           f"{observed} A dilated kernel skips the pixels between its taps, and here no "
           "other layer fills those gaps in: the unit never sees them (the 'gridding' "
           "problem of dilated stacks). Along one axis every pixel the unit sees is a sum of "
           "one offset -d, 0 or +d per layer: which sums are missing?")  # fmt: skip
    expect("6a.2", width == 27,
           f"{observed} No holes, but not the widest possible: three layers of 3 taps give at "
           "most 3 x 3 x 3 = 27 different sums of offsets per axis, and yours give fewer "
           "because some sums coincide. Make each layer's dilation as large as the field the "
           "other, smaller ones already cover, no larger.")  # fmt: skip
    return passed("6a.2", "No holes, 27 pixels wide: each dilation equals the field of the "
                          "smaller ones (1, 3, 9: powers of the kernel size), so the 27 sums "
                          "of offsets "
                          "are all different and leave no gap: the field grows exponentially "
                          "with depth at 3 x 3 weights per layer. WaveNet's dilations 1, 2, "
                          "4, ... are the same idea for kernels of size 2.")  # fmt: skip


def check_prediction_6a_3(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 6a.3 (predict): does 2x2 max pooling ignore a 1-pixel shift of its input?

    The experiment shifts random feature maps right by 1 and by 2 pixels and compares the
    2x2 max-pooled maps with the pooled original (away from the border, where the shift
    brings in new pixels).
    """
    call_answer("6a.3", predict)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(8, 16, 18, 4))
    shifted1, shifted2 = np.roll(x, 1, axis=2), np.roll(x, 2, axis=2)
    pooled = max_pool2d(x)[:, :, 1:-1]
    pooled1 = max_pool2d(shifted1)[:, :, 1:-1]
    pooled2 = max_pool2d(shifted2)
    changed = float(np.mean(pooled1 != pooled))
    moved = bool(np.array_equal(pooled2[:, :, 2:-1], max_pool2d(x)[:, :, 1:-2]))
    observed = (f"A 1-pixel shift changed {changed:.0%} of the pooled values (not 0 %, not "
                f"100 %); a 2-pixel shift moved the pooled map by exactly one cell: {moved}.")
    print(observed)
    return grade_prediction(
        "6a.3", predict,
        options={"a": "the pooled map is unchanged: max pooling ignores a 1-pixel shift",
                 "b": "some pooled values change, others do not; only a 2-pixel shift "
                      "moves the pooled map exactly",
                 "c": "every pooled value changes"},
        correct="b", observed=observed,
        why="Each 2x2 window loses one column and gains another: its maximum stays the same "
            "only when the largest of the six values involved sits in the column the window "
            "keeps (about a third of the time for random values). Max pooling gives a little "
            "robustness to small shifts, not invariance; a shift by the stride just moves "
            "the whole pooled map.")  # fmt: skip


def _same_reference(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return conv2d(image[None, :, :, None], kernel[:, :, None, None],
                  padding="same")[0, :, :, 0].astype(np.float64)  # fmt: skip


def check_fixed_conv_same(fixed_conv_same: Callable[..., Any], seed: int | None = None) -> str:
    """Exercise 6a.4 (debug): ``fixed_conv_same(image, kernel)``, a "same" cross-correlation
    of a 2-D image with stride 1 that matches ``Conv2D(padding="same")`` for odd *and* even
    kernel sizes: ``k - 1`` zeros per axis, the odd one after (bottom/right).
    """
    rng = np.random.default_rng(seed)
    for (h, w), (kh, kw) in [((9, 9), (3, 3)), ((8, 10), (2, 2)), ((9, 7), (4, 3)),
                             ((7, 8), (2, 5)), ((6, 6), (1, 4))]:  # fmt: skip
        image = rng.normal(size=(h, w)).astype(np.float32)
        kernel = rng.normal(size=(kh, kw)).astype(np.float32)
        result = call_answer("6a.4", fixed_conv_same, image.copy(), kernel.copy())
        got = answer_array("6a.4", "fixed_conv_same(...)", result)
        what = f"fixed_conv_same for a {h}x{w} image and a {kh}x{kw} kernel"
        expect_equal("6a.4", f"the output shape of {what} ('same' keeps the input size)",
                     got.shape, (h, w))  # fmt: skip
        want = _same_reference(image, kernel)
        before = np.pad(image, ((kh - 1 - (kh - 1) // 2, (kh - 1) // 2),
                                (kw - 1 - (kw - 1) // 2, (kw - 1) // 2)))  # fmt: skip
        windows = np.lib.stride_tricks.sliding_window_view(before, (kh, kw))
        odd_zero_before = np.einsum("ijuv,uv->ij", windows, kernel)
        if np.allclose(got, odd_zero_before, atol=1e-4) and not np.allclose(got, want, atol=1e-4):
            raise ExerciseFailure(
                "6a.4", f"{what}: the right size, but shifted by one pixel: you put the odd "
                "extra zero before (top/left); TensorFlow puts it after (bottom/right)")
        expect_close("6a.4", what, got, want, rtol=1e-4, atol=1e-4)
    return passed("6a.4", "Right size and right alignment for odd and even kernels.")
