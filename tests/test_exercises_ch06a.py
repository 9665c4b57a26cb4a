"""Each check of chapter 06a accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch06a import (
    check_conv_transpose2d,
    check_fixed_conv_same,
    check_hole_free_dilations,
    check_prediction_6a_3,
)


def not_started(*args):
    raise NotImplementedError()


# --- 6a.1 transposed convolution -----------------------------------------------------------


def conv_transpose2d(x, kernel, stride):
    (h, w), (kh, kw) = x.shape, kernel.shape
    out = np.zeros(((h - 1) * stride + kh, (w - 1) * stride + kw))
    for i in range(h):
        for j in range(w):
            out[i * stride : i * stride + kh, j * stride : j * stride + kw] += x[i, j] * kernel
    return out


def test_conv_transpose2d_accepts_the_stamps():
    assert "passed" in check_conv_transpose2d(conv_transpose2d)


def size_n_times_s(x, kernel, stride):  # output n * s, stamps cut off at the border
    out = conv_transpose2d(x, kernel, stride)
    return out[: x.shape[0] * stride, : x.shape[1] * stride]


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x, k, s: conv_transpose2d(x, k[::-1, ::-1], s), "kernel flipped"),
        (size_n_times_s, "output shape"),
        (lambda x, k, s: conv_transpose2d(x, k, 1)[: (x.shape[0] - 1) * s + k.shape[0],
                                                   : (x.shape[1] - 1) * s + k.shape[1]]
         if s == 1 else np.zeros(((x.shape[0] - 1) * s + k.shape[0],
                                  (x.shape[1] - 1) * s + k.shape[1])), "is not right"),
        (lambda x, k, s: None, "got None"),
        (not_started, "not solved yet"),
    ],
)  # fmt: skip
def test_conv_transpose2d_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_conv_transpose2d(wrong)


# --- 6a.2 dilation rates: the widest receptive field without holes -------------------------


@pytest.mark.parametrize("answer", [(1, 3, 9), [9, 3, 1], (3, 1, 9), (1.0, 3.0, 9.0)])
def test_hole_free_dilations_accepts_1_3_9_in_any_order(answer, capsys):
    assert "passed" in check_hole_free_dilations(lambda: answer)
    assert "27x27 pixels" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        ((1, 2, 4), "No holes, but not the widest"),  # WaveNet's doubling: 15 pixels
        ((1, 1, 1), "7x7 pixels .* not the widest"),
        ((2, 2, 3), "56 holes"),  # 15 pixels wide, with holes
        ((2, 4, 8), "616 holes"),  # everything even: every other pixel is missed
        ((1, 3, 10), "112 holes"),  # one too far: gaps between the copies
        ((3, 3, 3), "holes"),
        ((1, 3), "three dilation rates"),
        ((0, 1, 3), "three dilation rates"),
        ("139", "three dilation rates"),
        (None, "three dilation rates"),
    ],
)
def test_hole_free_dilations_rejects_wrong_answers(answer, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_hole_free_dilations(lambda: answer)


def test_hole_free_dilations_not_started_reveals_nothing(capsys):
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_hole_free_dilations(not_started)
    assert capsys.readouterr().out == ""


# --- 6a.3 predict: max pooling and a 1-pixel shift ----------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, None])
def test_prediction_6a_3_right_answer_for_every_seed(seed, capsys):
    assert "Right: (b)" in check_prediction_6a_3(lambda: "b", seed=seed)
    assert "moved the pooled map by exactly one cell: True" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda: "a", "you predicted \\(a\\)"),
        (lambda: "c", "you predicted \\(c\\)"),
        (lambda: "d", "one of"),
        (not_started, "not solved yet"),
    ],
)
def test_prediction_6a_3_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_6a_3(wrong)


def test_prediction_6a_3_reveals_nothing_before_it_is_solved(capsys):
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_prediction_6a_3(not_started)
    assert capsys.readouterr().out == ""


# --- 6a.4 debug: "same" padding for even kernels -------------------------------------------


def conv_same(image, kernel):  # the buggy version of the notebook
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw))
    return np.einsum("ijuv,uv->ij", windows, kernel)


def fixed_conv_same(image, kernel):
    kh, kw = kernel.shape
    top, left = (kh - 1) // 2, (kw - 1) // 2
    padded = np.pad(image, ((top, kh - 1 - top), (left, kw - 1 - left)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw))
    return np.einsum("ijuv,uv->ij", windows, kernel)


def odd_zero_before(image, kernel):
    kh, kw = kernel.shape
    top, left = kh // 2, kw // 2
    padded = np.pad(image, ((top, kh - 1 - top), (left, kw - 1 - left)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw))
    return np.einsum("ijuv,uv->ij", windows, kernel)


def test_fixed_conv_same_accepts_the_fix():
    assert "passed" in check_fixed_conv_same(fixed_conv_same)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (conv_same, "output shape"),  # the bug itself: one row/column too many
        (odd_zero_before, "odd\\s+extra zero before"),
        (lambda image, kernel: fixed_conv_same(image, kernel[::-1, ::-1]), "is not right"),
        (lambda image, kernel: conv_same(image, kernel)[: image.shape[0], : image.shape[1]],
         "extra zero before"),  # cropping the bug's output to size shifts it
        (not_started, "not solved yet"),
    ],
)  # fmt: skip
def test_fixed_conv_same_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_fixed_conv_same(wrong)
