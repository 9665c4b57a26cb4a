"""The chapter 03 exercise checks accept right answers and reject plausible wrong ones."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch03 import (
    check_categorical_cross_entropy,
    check_focal_loss,
    check_loss_choices,
    check_prediction_3_3,
    check_smoothed_cross_entropy,
)

# ----------------------------------------------------------------------------- 3.1


def log_softmax_stable(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def smoothed_right(y_onehot, logits, smoothing):
    k = y_onehot.shape[-1]
    targets = y_onehot * (1 - smoothing) + smoothing / k
    return -np.mean(np.sum(targets * log_softmax_stable(logits), axis=-1))


def smoothed_keras(y_onehot, logits, smoothing):
    return keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing)(
        y_onehot, logits
    )


def smoothed_with(mistake):
    def answer(y_onehot, logits, smoothing):
        k = y_onehot.shape[-1]
        targets = {
            "ignored": y_onehot,
            "k_minus_1": y_onehot * (1 - smoothing) + (1 - y_onehot) * smoothing / (k - 1),
            "no_mass": y_onehot * (1 - smoothing),
        }.get(mistake, y_onehot * (1 - smoothing) + smoothing / k)
        if mistake == "naive":
            log_p = np.log(np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True))
        else:
            log_p = log_softmax_stable(logits)
        loss = -np.mean(np.sum(targets * log_p, axis=-1))
        return -loss if mistake == "sign" else loss

    return answer


def test_smoothed_cross_entropy_right_answers_pass():
    assert "3.1 passed" in check_smoothed_cross_entropy(smoothed_right)
    assert "3.1 passed" in check_smoothed_cross_entropy(smoothed_keras)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (smoothed_with("ignored"), "without smoothing"),
        (smoothed_with("k_minus_1"), "K - 1 wrong classes"),
        (smoothed_with("no_mass"), "do not sum to 1"),
        (smoothed_with("sign"), "wrong sign"),
        (smoothed_with("naive"), "overflows"),
        (lambda y, z, s: -np.sum(y * log_softmax_stable(z), axis=-1), "one number"),
    ],
)
def test_smoothed_cross_entropy_wrong_answers_fail(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_smoothed_cross_entropy(answer)


def test_unsolved_exercise_says_so():
    def stub(y_onehot, logits, smoothing):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_smoothed_cross_entropy(stub)


def test_missing_return_is_explained():
    def forgot_return(y_onehot, logits, smoothing):
        -np.mean(y_onehot * logits)

    with pytest.raises(ExerciseFailure, match="return"):
        check_smoothed_cross_entropy(forgot_return)


# ----------------------------------------------------------------------------- 3.2


def focal_right(y_true, logits, gamma=2.0):
    bce = np.maximum(logits, 0) - logits * y_true + np.log1p(np.exp(-np.abs(logits)))
    p = 1 / (1 + np.exp(-logits))
    p_t = np.where(y_true == 1, p, 1 - p)
    return np.mean((1 - p_t) ** gamma * bce)


def focal_keras(y_true, logits, gamma=2.0):
    return float(keras.losses.BinaryFocalCrossentropy(gamma=gamma, from_logits=True)(
        y_true, logits))  # fmt: skip


def focal_with(mistake):
    def answer(y_true, logits, gamma=2.0):
        p = 1 / (1 + np.exp(-logits))
        if mistake == "naive":
            bce = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
        else:
            bce = np.maximum(logits, 0) - logits * y_true + np.log1p(np.exp(-np.abs(logits)))
        p_t = y_true * p + (1 - y_true) * (1 - p)
        factor = {"none": 1.0, "fixed_gamma": (1 - p_t) ** 2, "p": (1 - p) ** gamma,
                  "p_t": p_t**gamma}.get(mistake, (1 - p_t) ** gamma)  # fmt: skip
        return np.mean(factor * bce)

    return answer


def test_focal_loss_right_answers_pass():
    assert "3.2 passed" in check_focal_loss(focal_right)
    assert "3.2 passed" in check_focal_loss(focal_keras)
    assert "3.2 passed" in check_focal_loss(focal_with(None))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (focal_with("none"), "focal factor .* is missing"),
        (focal_with("fixed_gamma"), "whatever the gamma argument"),
        (focal_with("p"), "use p_t"),
        (focal_with("p_t"), "down-weights the \\*wrong\\*"),
        (focal_with("naive"), "stable formula"),
    ],
)
def test_focal_loss_wrong_answers_fail(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_focal_loss(answer)


def test_focal_loss_unsolved():
    def stub(y_true, logits, gamma=2.0):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_focal_loss(stub)


# ----------------------------------------------------------------------------- 3.3


def test_prediction_3_3_right_answer_passes_for_every_seed(capsys):
    for seed in range(5):
        assert "3.3 passed" in check_prediction_3_3(lambda: "c", seed=seed)
        assert "(difference 0e+00)" in capsys.readouterr().out


def test_prediction_3_3_huber_constant_is_the_grid_minimum():
    from course_utils.exercises.ch03 import _huber_constant
    from course_utils.losses import huber

    readings = np.array([10.0, 11.0, 12.0, 13.0, 60.0])
    grid = np.linspace(0, 70, 70001)
    values = [huber(readings, np.full(5, c), delta=1.0) for c in grid[::10]]
    assert abs(_huber_constant(readings, 1.0) - grid[::10][int(np.argmin(values))]) < 2e-2


@pytest.mark.parametrize("letter", ["a", "b", "B"])
def test_prediction_3_3_rejects_the_wrong_letters(letter):
    with pytest.raises(ExerciseFailure, match="but the run shows \\(c\\)"):
        check_prediction_3_3(lambda: letter, seed=0)


def test_prediction_3_3_non_answer_and_unsolved(capsys):
    with pytest.raises(ExerciseFailure, match="should return one of"):
        check_prediction_3_3(lambda: 3, seed=0)

    def stub():
        raise NotImplementedError()

    capsys.readouterr()
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_prediction_3_3(stub)
    assert "Huber constant" not in capsys.readouterr().out


# ----------------------------------------------------------------------------- 3.4


def buggy_categorical_cross_entropy(y_onehot, logits):
    """The exercise's buggy code, as the notebook shows it."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=0, keepdims=True)
    return np.mean(np.sum(y_onehot * np.log(1 / probs), axis=1))  # log(1/p) = -log(p)


def cce_fixed(y_onehot, logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return -np.mean(np.sum(y_onehot * np.log(probs), axis=1))


def test_categorical_cross_entropy_right_answers_pass():
    assert "3.4 passed" in check_categorical_cross_entropy(cce_fixed)
    assert "3.4 passed" in check_categorical_cross_entropy(
        lambda y, z: keras.losses.CategoricalCrossentropy(from_logits=True)(y, z))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (buggy_categorical_cross_entropy, "normalises over axis 0"),
        (lambda y, z: -np.mean(np.sum(y * log_softmax_stable(z), axis=0)), "not right"),
        (lambda y, z: -np.sum(y * log_softmax_stable(z), axis=1), "one number"),
        (lambda y, z: -np.sum(y * log_softmax_stable(z)), "not right"),
    ],
)
def test_categorical_cross_entropy_wrong_answers_fail(answer, message):
    with pytest.raises(ExerciseFailure, match=message):
        check_categorical_cross_entropy(answer)


# ----------------------------------------------------------------------------- 3.5

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
