"""The chapter 02 exercise checks accept correct answers and reject plausible wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch02 import (
    check_central_difference,
    check_classifier_gradients,
    check_dense_layer_backward,
    check_prediction_2_5,
    check_residual_block_backward,
    check_tanh_layer_gradients,
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
def residual_right(grad_out, x, w, b):
    grad_z = grad_out * (x @ w + b > 0)
    return grad_out + grad_z @ w.T, x.T @ grad_z, grad_z.sum(axis=0)


def residual_no_skip(grad_out, x, w, b):
    grad_z = grad_out * (x @ w + b > 0)
    return grad_z @ w.T, x.T @ grad_z, grad_z.sum(axis=0)


def residual_no_relu_grad(grad_out, x, w, b):
    return grad_out + grad_out @ w.T, x.T @ grad_out, grad_out.sum(axis=0)


def residual_relu_grad_of_output(grad_out, x, w, b):
    out = x + np.maximum(x @ w + b, 0)
    grad_z = grad_out * (out > 0)  # the derivative taken at the block's output, not at z
    return grad_out + grad_z @ w.T, x.T @ grad_z, grad_z.sum(axis=0)


def residual_skip_in_grad_w(grad_out, x, w, b):
    gx, gw, gb = residual_right(grad_out, x, w, b)
    return gx, gw + x.T @ grad_out, gb


def test_residual_block_backward_accepts_the_right_answer():
    assert "2.3 passed" in check_residual_block_backward(residual_right)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (residual_no_skip, "skip connection"),
        (residual_no_relu_grad, "ReLU derivative"),
        (residual_relu_grad_of_output, "grad_x .* is not right"),
        (residual_skip_in_grad_w, "no weights"),
        (lambda *args: residual_right(*args)[:2], "3 arrays"),
        (lambda *args: (residual_right(*args)[0].T, *residual_right(*args)[1:]), "shape"),
    ],
)
def test_residual_block_backward_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_residual_block_backward(wrong)


def test_residual_block_backward_unsolved():
    def stub(grad_out, x, w, b):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_residual_block_backward(stub)


# ----------------------------------------------------------------------------- 2.4
def classifier_right(x, labels, w1, b1, w2, b2):
    h = np.tanh(x @ w1 + b1)
    logits = h @ w2 + b2
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    grad_logits = (p - np.eye(w2.shape[1])[labels]) / len(x)
    grad_z1 = (grad_logits @ w2.T) * (1 - h**2)
    return x.T @ grad_z1, grad_z1.sum(axis=0), h.T @ grad_logits, grad_logits.sum(axis=0)


def classifier_with(mistake):
    def answer(x, labels, w1, b1, w2, b2):
        z1 = x @ w1 + b1
        h = np.tanh(z1)
        logits = h @ w2 + b2
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        one_hot = np.eye(w2.shape[1])[labels]
        grad_logits = {"no_mean": p - one_hot, "sign": (one_hot - p) / len(x),
                       "no_one_hot": p / len(x)}.get(mistake, (p - one_hot) / len(x))  # fmt: skip
        derivative = {"no_tanh": 1.0, "tanh_of_z": 1 - z1**2}.get(mistake, 1 - h**2)
        grad_z1 = (grad_logits @ w2.T) * derivative
        return x.T @ grad_z1, grad_z1.sum(axis=0), h.T @ grad_logits, grad_logits.sum(axis=0)

    return answer


def test_classifier_gradients_accepts_the_right_answer():
    assert "2.4 passed" in check_classifier_gradients(classifier_right)
    assert "2.4 passed" in check_classifier_gradients(classifier_with(None))


@pytest.mark.parametrize(
    "wrong, message",
    [
        (classifier_with("no_mean"), "n times too large"),
        (classifier_with("sign"), "wrong sign"),
        (classifier_with("no_one_hot"), "subtract the one-hot"),
        (classifier_with("no_tanh"), "leaves out the tanh derivative"),
        (classifier_with("tanh_of_z"), "1 - z1\\*\\*2"),
        (lambda *args: classifier_right(*args)[:3], "4 arrays"),
    ],
)
def test_classifier_gradients_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_classifier_gradients(wrong)


# ----------------------------------------------------------------------------- 2.5
def test_prediction_2_5_right_answer_passes_for_every_seed(capsys):
    for seed in range(4):
        assert "2.5 passed" in check_prediction_2_5(lambda: "b", seed=seed)
        out = capsys.readouterr().out
        assert "largest difference between hidden units 0e+00" in out


@pytest.mark.parametrize("letter", ["a", "c", " A "])
def test_prediction_2_5_rejects_the_wrong_letters(letter):
    with pytest.raises(ExerciseFailure, match="but the run shows \\(b\\)"):
        check_prediction_2_5(lambda: letter, seed=0)


def test_prediction_2_5_rejects_a_non_answer_and_says_when_unsolved(capsys):
    with pytest.raises(ExerciseFailure, match="should return one of"):
        check_prediction_2_5(lambda: "d", seed=0)

    def stub():
        raise NotImplementedError()

    capsys.readouterr()
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_prediction_2_5(stub)
    assert "accuracy" not in capsys.readouterr().out  # nothing revealed before answering


# ----------------------------------------------------------------------------- 2.6
def buggy_tanh_layer_gradients(x, y, w, b):
    """The exercise's buggy code, as the notebook shows it."""
    h = np.tanh(x @ w + b)
    grad_h = 2 * (h - y) / y.size
    grad_z = grad_h * (1 - np.tanh(h) ** 2)
    return x.T @ grad_z, grad_z.sum(axis=0)


def tanh_layer_right(x, y, w, b):
    h = np.tanh(x @ w + b)
    grad_z = 2 * (h - y) / y.size * (1 - h**2)
    return x.T @ grad_z, grad_z.sum(axis=0)


def test_tanh_layer_gradients_accepts_the_right_answer():
    assert "2.6 passed" in check_tanh_layer_gradients(tanh_layer_right)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (buggy_tanh_layer_gradients, "still the buggy value"),
        (lambda x, y, w, b: (x.T @ (2 * (np.tanh(x @ w + b) - y) / y.size),
                             (2 * (np.tanh(x @ w + b) - y) / y.size).sum(axis=0)),
         "leaves out the tanh derivative"),  # fmt: skip
        (lambda x, y, w, b: (tanh_layer_right(x, y, w, b)[0], -tanh_layer_right(x, y, w, b)[1]),
         "grad_b is not right"),
        (lambda x, y, w, b: tanh_layer_right(x, y, w, b)[0], "2 arrays"),
    ],
)
def test_tanh_layer_gradients_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_tanh_layer_gradients(wrong)
