"""The chapter 01 exercise checks accept correct answers and reject plausible wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch01 import (
    check_leaky_relu,
    check_logic_gates,
    check_neuron_output,
    check_perceptron_step,
    check_stable_softmax,
)


def not_started(*args, **kwargs):
    raise NotImplementedError()


# --- 1.1 Leaky ReLU --------------------------------------------------------------------------


def leaky_ok(x, alpha=0.3):
    return np.where(x >= 0, x, alpha * x)


def leaky_constant(x, alpha=0.3):  # "a small constant for negative x"
    return np.where(x >= 0, x, alpha)


def leaky_relu_only(x, alpha=0.3):
    return np.maximum(x, 0)


def leaky_wrong_default(x, alpha=0.2):  # keras.activations.leaky_relu's default, not the layer's
    return np.where(x >= 0, x, alpha * x)


def leaky_max_formula(x, alpha=0.3):  # max(alpha x, x) is right for 0 <= alpha <= 1
    return np.maximum(alpha * x, x)


def test_leaky_relu_accepts_correct_answers(capsys):
    assert check_leaky_relu(leaky_ok).startswith("Exercise 1.1 passed")
    assert check_leaky_relu(leaky_max_formula).startswith("Exercise 1.1 passed")
    assert "Exercise 1.1 passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (leaky_constant, "not a small constant for x < 0"),
        (leaky_relu_only, "that is ReLU"),
        (leaky_wrong_default, "default alpha"),
        (not_started, "not solved yet"),
        (lambda x, alpha=0.3: None, "returned None"),
        (lambda x, alpha=0.3: leaky_ok(x, alpha).ravel(), "should have shape"),
    ],
)
def test_leaky_relu_rejects(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_leaky_relu(answer)


# --- 1.2 a neuron's output -------------------------------------------------------------------


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_neuron_output_accepts_correct_answer():
    assert check_neuron_output(lambda x, w, b: sigmoid(x @ w + b)).startswith("Exercise 1.2")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda x, w, b: x @ w + b, "apply the sigmoid"),
        (lambda x, w, b: sigmoid(x @ w), "ignores the bias"),
        (lambda x, w, b: sigmoid(x @ w + b)[:, None], r"should have shape \(5,\)"),
        (lambda x, w, b: np.tanh(x @ w + b), "is not right"),
        (lambda x, w, b: sigmoid(x @ w - b), "is not right"),
        (not_started, "not solved yet"),
    ],
)
def test_neuron_output_rejects(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_neuron_output(answer)


# --- 1.3 one perceptron update ---------------------------------------------------------------


def step_ok(w, b, x_i, y_i, lr):
    y_hat = 1 if x_i @ w + b >= 0 else 0
    return w + lr * (y_i - y_hat) * x_i, b + lr * (y_i - y_hat)


def step_always_updates(w, b, x_i, y_i, lr):  # forgets that correct examples change nothing
    sign = 1 if y_i == 1 else -1
    return w + lr * sign * x_i, b + lr * sign


def step_no_bias(w, b, x_i, y_i, lr):
    y_hat = 1 if x_i @ w + b >= 0 else 0
    return w + lr * (y_i - y_hat) * x_i, b


def step_wrong_sign(w, b, x_i, y_i, lr):
    y_hat = 1 if x_i @ w + b >= 0 else 0
    return w + lr * (y_hat - y_i) * x_i, b + lr * (y_hat - y_i)


def step_no_lr(w, b, x_i, y_i, lr):
    y_hat = 1 if x_i @ w + b >= 0 else 0
    return w + (y_i - y_hat) * x_i, b + (y_i - y_hat)


def test_perceptron_step_accepts_correct_answer():
    assert check_perceptron_step(step_ok).startswith("Exercise 1.3 passed")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (step_always_updates, "only learns from mistakes"),
        (step_no_bias, "the bias did not change"),
        (step_wrong_sign, "new_w for a misclassified example"),
        (step_no_lr, "new_w for a misclassified example"),
        (lambda w, b, x_i, y_i, lr: step_ok(w, b, x_i, y_i, lr)[0], "should return a pair"),
        (not_started, "not solved yet"),
    ],
)
def test_perceptron_step_rejects(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_perceptron_step(answer)


def test_perceptron_step_learner_may_modify_w_in_place():
    def in_place(w, b, x_i, y_i, lr):
        y_hat = 1 if x_i @ w + b >= 0 else 0
        w += lr * (y_i - y_hat) * x_i
        return w, b + lr * (y_i - y_hat)

    assert check_perceptron_step(in_place).startswith("Exercise 1.3 passed")


# --- 1.4 a numerically stable softmax --------------------------------------------------------


def softmax_ok(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_naive(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def softmax_global_max(z):  # subtracting one max for the whole array is not enough
    e = np.exp(z - z.max())
    return e / e.sum(axis=1, keepdims=True)


def softmax_wrong_axis(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def test_stable_softmax_accepts_correct_answer():
    assert check_stable_softmax(softmax_ok).startswith("Exercise 1.4 passed")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (softmax_naive, "nan or inf"),
        (softmax_global_max, "nan or inf"),
        (softmax_wrong_axis, "summed"),
        (lambda z: softmax_ok(z).T, "should have shape"),
        (not_started, "not solved yet"),
    ],
)
def test_stable_softmax_rejects(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_stable_softmax(answer)


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
