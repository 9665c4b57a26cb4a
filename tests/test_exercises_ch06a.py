"""Each check of chapter 06a accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch06a import (
    check_correlate2d,
    check_output_size,
    check_receptive_field,
)


def output_size(n, k, stride=1, padding="valid", dilation=1):
    if padding == "same":
        return -(-n // stride)
    return (n - dilation * (k - 1) - 1) // stride + 1


def test_output_size_accepts_the_formula():
    assert "passed" in check_output_size(output_size)


def not_started(*args):
    raise NotImplementedError()


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda n, k, s, p, d: (n - k) // s + 1 if p == "valid" else -(-n // s),
         "dilation=2"),  # no dilation term
        (lambda n, k, s, p, d: n // s if p == "same" else output_size(n, k, s, p, d),
         "padding='same'"),  # floor instead of ceil
        (lambda n, k, s, p, d: (n - d * (k - 1) - 1) // s + 1, "padding='same'"),  # ignores padding
        (lambda n, k, s, p, d: (n - k) / s + 1, "should be"),  # float, no floor
        (lambda n, k, s, p, d: None, "returned None"),
        (not_started, "not solved yet"),
    ],
)  # fmt: skip
def test_output_size_rejects_wrong_formulas(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_output_size(wrong)


def correlate2d(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def test_correlate2d_accepts_loops_and_slicing():
    assert "passed" in check_correlate2d(correlate2d)

    def by_taps(image, kernel):
        kh, kw = kernel.shape
        h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
        return sum(kernel[u, v] * image[u : u + h, v : v + w]
                   for u in range(kh) for v in range(kw))  # fmt: skip

    assert "passed" in check_correlate2d(by_taps)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda image, kernel: correlate2d(image, kernel[::-1, ::-1]), "flipped-kernel"),
        (lambda image, kernel: correlate2d(image, kernel.T) if kernel.shape[0] == kernel.shape[1]
         else correlate2d(image, kernel), "is not right"),  # kernel transposed
        (lambda image, kernel: np.pad(correlate2d(image, kernel), 1), "should have shape"),
        (lambda image, kernel: None, "returned None"),
    ],
)  # fmt: skip
def test_correlate2d_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_correlate2d(wrong)


def rf(layers):
    field, jump = 1, 1
    for k, s in layers:
        field += (k - 1) * jump
        jump *= s
    return field


def test_receptive_field_accepts_the_recurrence():
    assert "passed" in check_receptive_field(rf)


def rf_jump_after(layers):  # multiplies the jump before using it
    field, jump = 1, 1
    for k, s in layers:
        jump *= s
        field += (k - 1) * jump
    return field


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda layers: 1 + sum(k - 1 for k, _ in layers), "receptive field"),  # no jump
        (rf_jump_after, "receptive field"),
        (lambda layers: sum(k for k, _ in layers), "receptive field"),
        (lambda layers: None, "returned None"),
    ],
)
def test_receptive_field_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_receptive_field(wrong)
