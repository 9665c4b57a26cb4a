"""The chapter 01 exercise checks accept correct answers and reject plausible wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch01 import (
    check_adaline_step,
    check_fixed_accuracy,
    check_log_softmax,
    check_logic_gates,
    check_prediction_1_2,
    check_swish_grad,
)


def not_started(*args, **kwargs):
    raise NotImplementedError()


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# --- 1.1 the derivative of swish ----------------------------------------------------------


def swish_grad_ok(x):
    s = sigmoid(x)
    return s + x * s * (1 - s)


def test_swish_grad_accepts_correct_answers(capsys):
    assert check_swish_grad(swish_grad_ok).startswith("Exercise 1.1 passed")
    assert check_swish_grad(lambda x: sigmoid(x) * (1 + x * (1 - sigmoid(x))), seed=3)
    assert "Exercise 1.1 passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda x: x * sigmoid(x), "swish itself"),
        (sigmoid, "first half of the product rule"),
        (lambda x: sigmoid(x) * (1 - sigmoid(x)), "product rule"),
        (lambda x: x * sigmoid(x) * (1 - sigmoid(x)), "product rule"),
        (lambda x: sigmoid(x) + x * sigmoid(x) * (1 + sigmoid(x)), "is not right"),  # sign slip
        (lambda x: np.where(x > 0, 1.0, 0.0), "is not right"),  # ReLU's derivative
        (lambda x: swish_grad_ok(x).ravel(), "should have shape"),
        (lambda x: None, "forget `return`"),
        (not_started, "not solved yet"),
    ],
)
def test_swish_grad_rejects(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_swish_grad(answer)


# --- 1.2 predict: scaling w and b ---------------------------------------------------------


def test_prediction_1_2_accepts_the_right_letter(capsys):
    for seed in range(5):
        assert check_prediction_1_2(lambda: "b", seed=seed).startswith("Exercise 1.2 passed")
    out = capsys.readouterr().out
    assert "points that keep their class: 100%" in out


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda: "a", r"you predicted \(a\)"),
        (lambda: "c", r"the run shows \(b\)"),
        (lambda: "d", "should return one of"),
        (lambda: 2, "should return one of"),
        (not_started, "not solved yet"),
    ],
)
def test_prediction_1_2_rejects(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_prediction_1_2(answer)


def test_prediction_1_2_reveals_nothing_before_an_answer(capsys):
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_prediction_1_2(not_started)
    assert capsys.readouterr().out == ""


# --- 1.3 the delta rule (Adaline) ---------------------------------------------------------


def adaline_ok(w, b, x_i, y_i, lr):
    error = y_i - (x_i @ w + b)
    return w + lr * error * x_i, b + lr * error


def adaline_perceptron(w, b, x_i, y_i, lr):
    y_hat = 1 if x_i @ w + b >= 0 else 0
    return w + lr * (y_i - y_hat) * x_i, b + lr * (y_i - y_hat)


def adaline_factor_two(w, b, x_i, y_i, lr):
    error = y_i - (x_i @ w + b)
    return w + 2 * lr * error * x_i, b + 2 * lr * error


def adaline_no_bias(w, b, x_i, y_i, lr):
    return adaline_ok(w, b, x_i, y_i, lr)[0], b


def adaline_wrong_sign(w, b, x_i, y_i, lr):
    error = (x_i @ w + b) - y_i
    return w + lr * error * x_i, b + lr * error


def test_adaline_step_accepts_correct_answers():
    assert check_adaline_step(adaline_ok).startswith("Exercise 1.3 passed")

    def in_place(w, b, x_i, y_i, lr):
        error = y_i - (x_i @ w + b)
        w += lr * error * x_i
        return w, b + lr * error

    assert check_adaline_step(in_place, seed=1).startswith("Exercise 1.3 passed")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (adaline_perceptron, "perceptron's update"),
        (adaline_factor_two, "twice too long"),
        (adaline_no_bias, "the bias did not change"),
        (adaline_wrong_sign, "new_w .* is not right"),
        (lambda w, b, x_i, y_i, lr: adaline_ok(w, b, x_i, y_i, lr)[0], "should return a pair"),
        (not_started, "not solved yet"),
    ],
)
def test_adaline_step_rejects(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_adaline_step(answer, seed=0)


# --- 1.4 log-softmax ----------------------------------------------------------------------


def log_softmax_ok(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def log_of_stable_softmax(z):  # finite softmax, but its tiny entries underflow to 0
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return np.log(e / e.sum(axis=1, keepdims=True))


def log_softmax_naive(z):
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def log_softmax_wrong_axis(z):
    shifted = z - z.max(axis=0, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))


def log_softmax_forgot_max(z):  # subtracts the max but does not add it back inside the log
    shifted = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def test_log_softmax_accepts_a_correct_answer():
    assert check_log_softmax(log_softmax_ok).startswith("Exercise 1.4 passed")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (log_of_stable_softmax, "nan or -inf"),
        (log_softmax_naive, "nan or -inf"),
        (log_softmax_wrong_axis, "summed"),
        (log_softmax_forgot_max, "summed"),
        (lambda z: log_softmax_ok(z).T, "should have shape"),
        (not_started, "not solved yet"),
    ],
)
def test_log_softmax_rejects(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_log_softmax(answer)


# --- 1.6 debug: accuracy of (n, 1) probabilities ------------------------------------------


def buggy_accuracy(probs, labels):  # the exercise-bug cell of the notebook
    predicted = (probs > 0.5).astype(int)
    return float(np.mean(predicted == labels))


def fixed_accuracy_ok(probs, labels):
    predicted = (np.ravel(probs) > 0.5).astype(int)
    return float(np.mean(predicted == np.ravel(labels)))


def test_fixed_accuracy_accepts_a_correct_answer():
    assert check_fixed_accuracy(fixed_accuracy_ok).startswith("Exercise 1.6 passed")
    squeeze = lambda p, y: float(np.mean(np.round(np.squeeze(p, axis=-1) if p.ndim == 2  # noqa: E731
                                                  else p) == y))  # fmt: skip
    assert check_fixed_accuracy(squeeze, seed=2).startswith("Exercise 1.6 passed")


ANY_WRONG_NUMBER = "is not right|share of label 0|the buggy value"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (buggy_accuracy, "broadcasts to"),
        (lambda p, y: float(np.mean(np.argmax(p, axis=-1) == y)), "argmax over a single"),
        # a wrong number may happen to equal another known mistake's, whose message then wins
        (lambda p, y: float(np.mean((np.ravel(p) < 0.5) == y)), ANY_WRONG_NUMBER),  # flipped
        (lambda p, y: float(np.sum(np.ravel(p) > 0.5) / len(y)), ANY_WRONG_NUMBER),  # share of 1s
        (lambda p, y: (np.ravel(p) > 0.5) == y, "one number"),  # forgot the mean
        (not_started, "not solved yet"),
    ],
)
@pytest.mark.parametrize("seed", range(8))
def test_fixed_accuracy_rejects(answer, message, seed):
    with pytest.raises(ExerciseFailure, match=message):
        check_fixed_accuracy(answer, seed=seed)


# --- 1.5 logic gates -------------------------------------------------------------------------

GOOD_GATES = {"and": ([1, 1], -1.5), "or": ([1, 1], -0.5), "nand": ([-1, -1], 1.5)}


def test_logic_gates_accepts_correct_answer():
    assert check_logic_gates(lambda: GOOD_GATES).startswith("Exercise 1.5 passed")
    scaled = {k: (np.array(w) * 3.0, b * 3.0) for k, (w, b) in GOOD_GATES.items()}
    assert check_logic_gates(lambda: scaled).startswith("Exercise 1.5 passed")


@pytest.mark.parametrize(
    ("gates", "message"),
    [
        ({**GOOD_GATES, "nand": GOOD_GATES["and"]}, "NAND should give"),  # AND's weights for NAND
        ({**GOOD_GATES, "and": GOOD_GATES["or"]}, "AND should give"),
        ({**GOOD_GATES, "or": ([1, 1], 0.0)}, "OR should give"),  # fires on (0, 0)
        ({"and": GOOD_GATES["and"], "or": GOOD_GATES["or"]}, "missing the keys"),
        ({**GOOD_GATES, "or": ([1, 1, 1], -0.5)}, "should have shape"),
        ({**GOOD_GATES, "or": [1, 1]}, "should have shape"),  # w = 1, b = 1
        ({**GOOD_GATES, "or": ([1, 1],)}, "should be a pair"),
        ([GOOD_GATES], "should return a dict"),
    ],
)
def test_logic_gates_rejects(gates, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_logic_gates(lambda: gates)


def test_logic_gates_not_started():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_logic_gates(not_started)
