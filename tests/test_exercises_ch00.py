"""Each check accepts a correct answer and rejects plausible wrong ones."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch00 import check_classifier, check_gradient, check_standardize


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


def tape_gradient(x, watch=True):
    with tf.GradientTape() as tape:
        if watch:
            tape.watch(x)
        y = x**3 - 2 * x
    return tape.gradient(y, x)


def test_gradient_accepts_a_tape_answer():
    assert "passed" in check_gradient(tape_gradient)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x: tape_gradient(x, watch=False), "tape.watch"),
        (lambda x: x**3 - 2 * x, "is not right"),  # returned f, not f'
        (lambda x: 3 * x**2, "is not right"),  # forgot the -2
    ],
)
def test_gradient_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_gradient(wrong)


def classifier(
    hidden=16,
    hidden_act="relu",
    out_act="softmax",
    loss="sparse_categorical_crossentropy",
    compile_it=True,
):
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(hidden, activation=hidden_act),
            keras.layers.Dense(3, activation=out_act),
        ]
    )
    if compile_it:
        model.compile(optimizer="adam", loss=loss)
    return model


def test_classifier_accepts_correct_models():
    assert "131 parameters" in check_classifier(classifier)
    assert "passed" in check_classifier(
        lambda: classifier(loss=keras.losses.SparseCategoricalCrossentropy())
    )


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda: classifier(hidden=8), "number of parameters"),
        (lambda: classifier(out_act=None), "output layer's activation"),
        (lambda: classifier(hidden_act="sigmoid"), "hidden layer's activation"),
        (lambda: classifier(loss="categorical_crossentropy"), "sparse_categorical_crossentropy"),
        (lambda: classifier(compile_it=False), "not compiled"),
        (lambda: np.zeros(3), "should return a keras Model"),
    ],
)
def test_classifier_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_classifier(wrong)
