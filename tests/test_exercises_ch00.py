"""Each check accepts a correct answer and rejects plausible wrong ones."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch00 import (
    check_fit_line,
    check_fixed_standardize_split,
    check_prediction_0_4,
    check_second_derivative,
    check_standardize,
)


def not_started(*args, **kwargs):
    raise NotImplementedError()


def standardize(x):
    x = tf.convert_to_tensor(x)
    return (x - tf.reduce_mean(x, axis=0)) / tf.math.reduce_std(x, axis=0)


def test_standardize_accepts_correct_answers():
    assert "passed" in check_standardize(standardize)
    assert "passed" in check_standardize(lambda x: (x - x.mean(axis=0)) / x.std(axis=0))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x: (x - tf.reduce_mean(x)) / tf.math.reduce_std(x), "is not right"),  # global
        (lambda x: (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True), "not right"),
        (lambda x: x - x.mean(axis=0), "is not right"),  # centred only
        (lambda x: (x - x.mean(axis=0)) / x.std(axis=0, ddof=1), "is not right"),  # sample std
        (lambda x: None, "returned None"),
        (lambda x: standardize(x)[:, :1], "should have shape"),
    ],
)
def test_standardize_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_standardize(wrong)


def test_standardize_not_started():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_standardize(not_started)


# --------------------------------------------------------------------------- 0.2
def second_derivative(x, inner_inside=True, watch_outer=True):
    with tf.GradientTape() as outer:
        if watch_outer:
            outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x**3 - 2 * x
        if inner_inside:
            dy_dx = inner.gradient(y, x)
    if not inner_inside:
        dy_dx = inner.gradient(y, x)
    return outer.gradient(dy_dx, x)


def first_derivative(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x**3 - 2 * x
    return tape.gradient(y, x)


def test_second_derivative_accepts_nested_tapes():
    assert "passed" in check_second_derivative(second_derivative)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x: second_derivative(x, inner_inside=False), "inside"),  # outer saw nothing
        (lambda x: second_derivative(x, watch_outer=False), "watch x in both"),
        (first_derivative, "that is the first derivative"),
        (lambda x: 6 * x**2, "is not right"),
        (lambda x: 3 * x, "is not right"),
        (lambda x: second_derivative(x)[:4], "should have shape"),
        (not_started, "not solved yet"),
    ],
)
def test_second_derivative_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_second_derivative(wrong)


# --------------------------------------------------------------------------- 0.3
def fit_line(x, y, steps=60, lr=0.1, update_b=True):
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    optimizer = keras.optimizers.SGD(learning_rate=lr)
    x, y = tf.constant(x), tf.constant(y)
    variables = [w, b] if update_b else [w]
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((w * x + b - y) ** 2)
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables, strict=True))
    return float(w.numpy()), float(b.numpy())


def test_fit_line_accepts_a_gradient_descent_loop():
    assert "passed" in check_fit_line(fit_line)
    assert "passed" in check_fit_line(lambda x, y: tuple(np.polyfit(x, y, 1)), seed=1)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x, y: fit_line(x, y, steps=0), "still 0"),
        (lambda x, y: fit_line(x, y, update_b=False), "b is still 0"),
        (lambda x, y: fit_line(x, y, steps=5), "is not right"),  # stopped far too early
        (lambda x, y: (float(np.mean(y / x)), 0.5), "is not right"),
        (lambda x, y: fit_line(x, y)[0], "should return a pair"),
        (lambda x, y: (None, 0.0), "got None"),
        (not_started, "not solved yet"),
    ],
)
def test_fit_line_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_fit_line(wrong, seed=0)


# --------------------------------------------------------------------------- 0.4
def test_prediction_0_4_accepts_b(capsys):
    assert check_prediction_0_4(lambda: "b").startswith("Exercise 0.4 passed")
    assert "raised TypeError" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda: "a", r"you predicted \(a\)"),
        (lambda: " C ", r"you predicted \(c\)"),
        (lambda: "float32", "should return one of"),
        (not_started, "not solved yet"),
    ],
)
def test_prediction_0_4_rejects(wrong, match, capsys):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_0_4(wrong)
    if wrong is not_started:
        assert capsys.readouterr().out == ""  # nothing revealed before an answer


# --------------------------------------------------------------------------- 0.5
def buggy_standardize_split(x_train, x_test):  # the exercise-bug cell of the notebook
    everything = np.concatenate([x_train, x_test])
    mean, std = everything.mean(axis=0), everything.std(axis=0)
    return (x_train - mean) / std, (x_test - mean) / std


def fixed_standardize_split(x_train, x_test):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return (x_train - mean) / std, (x_test - mean) / std


def test_fixed_standardize_split_accepts_a_correct_answer():
    assert "passed" in check_fixed_standardize_split(fixed_standardize_split)

    def with_tf(x_train, x_test):
        mean, std = tf.reduce_mean(x_train, axis=0), tf.math.reduce_std(x_train, axis=0)
        return (x_train - mean) / std, (x_test - mean) / std

    assert "passed" in check_fixed_standardize_split(with_tf, seed=3)


def own_statistics(x_train, x_test):
    return fixed_standardize_split(x_train, x_train)[0], fixed_standardize_split(x_test,
                                                                                 x_test)[0]


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (buggy_standardize_split, "depend on the test set"),
        (own_statistics, "its own mean"),
        (lambda a, b: fixed_standardize_split(a, b)[::-1], "should have shape"),
        (lambda a, b: ((a - a.mean(0)) / a.std(0, ddof=1), (b - a.mean(0)) / a.std(0, ddof=1)),
         "is not right"),  # sample std
        (lambda a, b: (a - a.mean(0), b - a.mean(0)), "is not right"),  # not scaled
        (lambda a, b: fixed_standardize_split(a, b)[0], "should return a pair"),
        (not_started, "not solved yet"),
    ],
)
def test_fixed_standardize_split_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_fixed_standardize_split(wrong)
