"""The chapter 02 exercise checks accept correct answers and reject plausible wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch02 import (
    check_central_difference,
    check_count_parameters,
    check_dense_layer_backward,
    check_two_layer_gradients,
)


# ----------------------------------------------------------------------------- 2.1
def dense_backward_right(grad_out, x, w):
    return grad_out @ w.T, x.T @ grad_out, grad_out.sum(axis=0)


def test_dense_layer_backward_accepts_the_right_answer(capsys):
    assert "2.1 passed" in check_dense_layer_backward(dense_backward_right)
    assert "Exercise 2.1 passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda g, x, w: (g @ w.T, x.T @ g, g.sum(axis=1)), "summed over axis 1"),
        (lambda g, x, w: (g @ w.T, x.T @ g, g.mean(axis=0)), "mean over the batch"),
        (lambda g, x, w: (g @ w.T, g.T @ x, g.sum(axis=0)), "transposed"),
        (lambda g, x, w: (g @ w.T, x.T @ g / len(x), g.sum(axis=0)), "averaged over the batch"),
        (
            lambda g, x, w: (
                g @ w.T if w.shape[0] != w.shape[1] else g @ w,
                x.T @ g,
                g.sum(axis=0),
            ),
            "must be transposed",
        ),  # fmt: skip
        (lambda g, x, w: (g @ w.T, x.T @ g), "three arrays"),
        (lambda g, x, w: (g @ w.T, x.T @ g, -g.sum(axis=0)), "grad_b"),
    ],
)
def test_dense_layer_backward_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_dense_layer_backward(wrong)


def test_unsolved_exercise_says_so():
    def stub(grad_out, x, w):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_dense_layer_backward(stub)


# ----------------------------------------------------------------------------- 2.2
def central_right(f, x, eps=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f(x)
        x[i] = old - eps
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def forward_difference(f, x, eps=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - base) / eps
        x[i] = old
    return grad


def central_without_half(f, x, eps=1e-5):
    return 2 * central_right(f, x, eps)


def central_in_place_no_restore(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f(x)
        x[i] = old - eps
        minus = f(x)
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def central_flat(f, x, eps=1e-5):
    return central_right(f, x, eps).ravel()


def test_central_difference_accepts_the_right_answer():
    assert "2.2 passed" in check_central_difference(central_right)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (forward_difference, "one-sided difference"),
        (central_without_half, "twice the gradient"),
        (central_in_place_no_restore, "changed its argument"),
        (central_flat, "should have x's shape"),
        (lambda f, x, eps=1e-5: None, "returned None"),
    ],
)
def test_central_difference_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_central_difference(wrong)


# ----------------------------------------------------------------------------- 2.3
def count_right(sizes):
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def test_count_parameters_accepts_the_right_answer():
    assert "2.3 passed" in check_count_parameters(count_right)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)), "weights only"),
        (lambda s: count_right(s) + s[0], "input layer has no weights"),
        (lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:], strict=True)), "count_params"),
        (lambda s: float(count_right(s)), "should return an int"),
    ],
)
def test_count_parameters_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_count_parameters(wrong)


# ----------------------------------------------------------------------------- 2.4
def two_layer_right(x, y, w1, b1, w2, b2):
    z1 = x @ w1 + b1
    h = np.maximum(z1, 0)
    out = h @ w2 + b2
    grad_out = 2 * (out - y) / y.size
    grad_w2, grad_b2 = h.T @ grad_out, grad_out.sum(axis=0)
    grad_z1 = (grad_out @ w2.T) * (z1 > 0)
    return x.T @ grad_z1, grad_z1.sum(axis=0), grad_w2, grad_b2


def two_layer_no_relu_grad(x, y, w1, b1, w2, b2):
    h = np.maximum(x @ w1 + b1, 0)
    grad_out = 2 * (h @ w2 + b2 - y) / y.size
    grad_h = grad_out @ w2.T
    return x.T @ grad_h, grad_h.sum(axis=0), h.T @ grad_out, grad_out.sum(axis=0)


def two_layer_mean_over_rows_only(x, y, w1, b1, w2, b2):
    return tuple(len(y) * g / y.size for g in two_layer_right(x, y, w1, b1, w2, b2))


def two_layer_wrong_bias_axis(x, y, w1, b1, w2, b2):
    gw1, gb1, gw2, gb2 = two_layer_right(x, y, w1, b1, w2, b2)
    z1 = x @ w1 + b1
    grad_out = 2 * (np.maximum(z1, 0) @ w2 + b2 - y) / y.size
    return gw1, gb1, gw2, grad_out.sum(axis=1)


def test_two_layer_gradients_accepts_the_right_answer():
    assert "2.4 passed" in check_two_layer_gradients(two_layer_right)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (two_layer_no_relu_grad, "without the ReLU derivative"),
        (two_layer_mean_over_rows_only, "all 16 entries"),
        (two_layer_wrong_bias_axis, r"grad_b2 should have the shape of the parameter, \(2,\)"),
        (lambda *args: two_layer_right(*args)[:3], "four arrays"),
    ],
)
def test_two_layer_gradients_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_two_layer_gradients(wrong)
