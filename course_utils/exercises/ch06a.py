"""Exercise checks for chapter 06a, Convolutions."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import call_answer, expect, expect_close, expect_equal, passed
from course_utils.convolution import conv2d, conv_output_size, receptive_field

__all__ = ["check_output_size", "check_correlate2d", "check_receptive_field"]


def check_output_size(output_size: Callable[..., Any]) -> str:
    """Exercise 6a.1: ``output_size(n, k, stride, padding, dilation)`` for one axis.

    Compared with Keras's rule (:func:`course_utils.convolution.conv_output_size`) on
    every combination of sizes, strides, paddings and dilations below.
    """
    checked = 0
    for n, k, s, padding, d in itertools.product(
        [7, 10, 28], [1, 2, 3, 5], [1, 2, 3], ["valid", "same"], [1, 2]
    ):
        if padding == "valid" and d * (k - 1) + 1 > n:
            continue
        result = call_answer("6a.1", output_size, n, k, s, padding, d)
        expect("6a.1", result is not None, "output_size returned None; did you forget `return`?")
        expect_equal(
            "6a.1",
            f"output_size(n={n}, k={k}, stride={s}, padding={padding!r}, dilation={d})",
            result,
            conv_output_size(n, k, s, padding, d),
        )
        checked += 1
    return passed("6a.1", f"Your formula gives Conv2D's output size on {checked} configurations.")


def check_correlate2d(correlate2d: Callable[[Any, Any], Any], seed: int = 0) -> str:
    """Exercise 6a.2: ``correlate2d(image, kernel)``, one channel, "valid" padding, stride 1.

    Compared with :func:`course_utils.convolution.conv2d` (what ``Conv2D`` computes) on
    random images and random, asymmetric kernels of several sizes.
    """
    rng = np.random.default_rng(seed)
    for (h, w), (kh, kw) in [((6, 6), (3, 3)), ((7, 9), (2, 4)), ((5, 8), (5, 1))]:
        image = rng.normal(size=(h, w)).astype(np.float32)
        kernel = rng.normal(size=(kh, kw)).astype(np.float32)
        result = call_answer("6a.2", correlate2d, image, kernel)
        expect("6a.2", result is not None, "correlate2d returned None; did you forget `return`?")
        expected = conv2d(image[None, :, :, None], kernel[:, :, None, None])[0, :, :, 0]
        got = np.asarray(result, dtype=np.float64)
        if got.shape == expected.shape:
            flipped = conv2d(image[None, :, :, None], kernel[::-1, ::-1, None, None])[0, :, :, 0]
            expect(
                "6a.2",
                not np.allclose(got, flipped, atol=1e-4) or np.allclose(got, expected, atol=1e-4),
                "your result is the *flipped-kernel* convolution of mathematics; Conv2D "
                "computes the cross-correlation: slide the kernel as it is, without flipping",
            )
        expect_close("6a.2", f"correlate2d for a {h}x{w} image and a {kh}x{kw} kernel", got,
                     expected, rtol=1e-4, atol=1e-4)  # fmt: skip
    return passed("6a.2", "Your loop computes exactly what Conv2D computes.")


def check_receptive_field(rf: Callable[[Any], Any]) -> str:
    """Exercise 6a.3: ``rf(layers)`` for a list of ``(kernel_size, stride)`` layers.

    Compared with :func:`course_utils.convolution.receptive_field` on several stacks,
    including strided ones (where forgetting the growing "jump" goes wrong).
    """
    stacks = [
        [(3, 1)],
        [(3, 1), (3, 1)],
        [(5, 1), (2, 2), (5, 1), (2, 2)],
        [(3, 2), (3, 2), (3, 2)],
        [(3, 1), (2, 2), (3, 1), (2, 2), (3, 1), (3, 1)],
        [(7, 2), (3, 2), (3, 1), (3, 1)],
    ]
    for stack in stacks:
        result = call_answer("6a.3", rf, [tuple(layer) for layer in stack])
        expect("6a.3", result is not None, "rf returned None; did you forget `return`?")
        expect_equal("6a.3", f"the receptive field of {stack}", result, receptive_field(stack))
    return passed("6a.3", "Strides multiply the reach of every later layer.")
