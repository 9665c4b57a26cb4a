"""The chapter 03 exercise checks accept right answers and reject plausible wrong ones."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch03 import (
    check_binary_cross_entropy,
    check_huber,
    check_log_softmax,
    check_loss_choices,
)

# ----------------------------------------------------------------------------- 3.1


def bce_right(y_true, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def bce_keras(y_true, p):
    return keras.losses.BinaryCrossentropy()(y_true, p)  # a tensor is fine


def bce_wrong_brackets(y_true, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y_true * np.log(p)) + np.mean((1 - y_true) * np.log(1 - p))


def bce_wrong_brackets_array(y_true, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y_true * np.log(p)) + (1 - y_true) * np.log(1 - p)


def bce_wrong_sign(y_true, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def bce_unclipped(y_true, p):
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def bce_sum(y_true, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.sum(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def test_bce_right_answers_pass():
    assert "passed" in check_binary_cross_entropy(bce_right)
    assert "passed" in check_binary_cross_entropy(bce_keras)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (bce_wrong_brackets, "both"),
        (bce_wrong_brackets_array, "one number"),
        (bce_wrong_sign, "wrong sign"),
        (bce_unclipped, "clip"),
        (bce_sum, "not right"),
    ],
)
def test_bce_wrong_answers_fail(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_binary_cross_entropy(answer)


def test_unsolved_exercise_says_so():
    def stub(y_true, p):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_binary_cross_entropy(stub)


def test_missing_return_is_explained():
    def forgot_return(y_true, p):
        -np.mean(y_true * np.log(p))

    with pytest.raises(ExerciseFailure, match="return"):
        check_binary_cross_entropy(forgot_return)


# ----------------------------------------------------------------------------- 3.2


def huber_right(y_true, y_pred, delta=1.0):
    r = np.abs(y_pred - y_true)
    return np.mean(np.where(r <= delta, 0.5 * r**2, delta * r - 0.5 * delta**2))


def huber_keras(y_true, y_pred, delta=1.0):
    return float(keras.losses.Huber(delta=delta)(y_true, y_pred))


def huber_swapped(y_true, y_pred, delta=1.0):
    r = np.abs(y_pred - y_true)
    return np.mean(np.where(r <= delta, delta * r - 0.5 * delta**2, 0.5 * r**2))


def huber_ignores_delta(y_true, y_pred, delta=1.0):
    return huber_right(y_true, y_pred, 1.0)


def huber_no_half(y_true, y_pred, delta=1.0):
    r = np.abs(y_pred - y_true)
    return np.mean(np.where(r <= delta, r**2, delta * r - delta**2))


def huber_no_abs(y_true, y_pred, delta=1.0):
    r = y_pred - y_true
    return np.mean(np.where(r <= delta, 0.5 * r**2, delta * r - 0.5 * delta**2))


def test_huber_right_answers_pass():
    assert "passed" in check_huber(huber_right)
    assert "passed" in check_huber(huber_keras)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (huber_swapped, "swapped"),
        (huber_ignores_delta, "delta argument"),
        (huber_no_half, "not right"),
        (huber_no_abs, "not right"),
    ],
)
def test_huber_wrong_answers_fail(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_huber(answer)


# ----------------------------------------------------------------------------- 3.3


def log_softmax_right(z):
    m = np.max(z, axis=-1, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def log_softmax_tf(z):
    return tf.nn.log_softmax(z)


def log_softmax_naive(z):
    return np.log(np.exp(z) / np.sum(np.exp(z), axis=-1, keepdims=True))


def log_softmax_global_max(z):
    m = np.max(z)  # one max for the whole batch: overflows or underflows per row
    return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def log_softmax_wrong_axis(z):
    m = np.max(z, axis=0, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=0, keepdims=True))


def log_softmax_forgets_max(z):
    m = np.max(z, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def test_log_softmax_right_answers_pass():
    assert "passed" in check_log_softmax(log_softmax_right)
    assert "passed" in check_log_softmax(log_softmax_tf)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (log_softmax_naive, "Subtract the largest logit"),
        (log_softmax_global_max, "Subtract the largest logit"),
        (log_softmax_wrong_axis, "not right"),
        (log_softmax_forgets_max, "not right"),
    ],
)
def test_log_softmax_wrong_answers_fail(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_log_softmax(answer)


# ----------------------------------------------------------------------------- 3.4

RIGHT = {
    "price": (None, "mse"),
    "spam": ("sigmoid", "binary_crossentropy"),
    "digit": ("softmax", "sparse_categorical_crossentropy"),
    "tags": ("sigmoid", "binary_crossentropy"),
}


def test_loss_choices_right_answers_pass():
    assert "passed" in check_loss_choices(lambda: RIGHT)
    assert "passed" in check_loss_choices(RIGHT)
    with_objects = {
        "price": ("linear", keras.losses.Huber()),
        "spam": (None, keras.losses.BinaryCrossentropy(from_logits=True)),
        "digit": ("linear", keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
        "tags": (keras.activations.sigmoid, keras.losses.BinaryCrossentropy()),
    }
    assert "passed" in check_loss_choices(lambda: with_objects)


@pytest.mark.parametrize(
    ("task", "pair", "message"),
    [
        ("tags", ("softmax", "categorical_crossentropy"), "compete"),
        ("digit", ("softmax", "categorical_crossentropy"), "one-hot"),
        ("digit", ("sigmoid", "binary_crossentropy"), "sum to 1"),
        ("spam", ("softmax", "binary_crossentropy"), "always outputs 1.0"),
        ("spam", ("sigmoid", "mse"), "regression loss"),
        ("spam", ("linear", "binary_crossentropy"), "raw scores"),
        ("spam", ("sigmoid", keras.losses.BinaryCrossentropy(from_logits=True)), "no activation"),
        ("price", ("sigmoid", "mse"), "linear output"),
        ("price", ("linear", "binary_crossentropy"), "classification loss"),
    ],
)
def test_loss_choices_wrong_answers_fail(task, pair, message):
    answer = dict(RIGHT, **{task: pair})
    with pytest.raises(ExerciseFailure, match=message):
        check_loss_choices(lambda: answer)


def test_loss_choices_bad_format():
    with pytest.raises(ExerciseFailure, match="missing"):
        check_loss_choices(lambda: {k: v for k, v in RIGHT.items() if k != "tags"})
    with pytest.raises(ExerciseFailure, match="pair"):
        check_loss_choices(lambda: dict(RIGHT, spam="binary_crossentropy"))
    with pytest.raises(ExerciseFailure, match="instance"):
        check_loss_choices(lambda: dict(RIGHT, spam=("sigmoid", keras.losses.BinaryCrossentropy)))
    with pytest.raises(ExerciseFailure, match="not a Keras loss"):
        check_loss_choices(lambda: dict(RIGHT, spam=("sigmoid", "cross_entropy_please")))
    with pytest.raises(ExerciseFailure, match="dict"):
        check_loss_choices(lambda: list(RIGHT.items()))

    def stub():
        raise NotImplementedError()

    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_loss_choices(stub)
