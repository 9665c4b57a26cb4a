"""Each check of chapter 06b accepts a correct answer and rejects plausible wrong ones."""

import keras
import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch06b import (
    check_augmenter,
    check_residual_block,
    check_transfer_model,
)

L = keras.layers


def augmenter(flip="horizontal"):
    return keras.Sequential([L.RandomFlip(flip), L.RandomTranslation(0.1, 0.1),
                             L.RandomZoom(0.1)])  # fmt: skip


def test_augmenter_accepts_a_horizontal_flip_pipeline():
    assert "passed" in check_augmenter(augmenter)
    assert "passed" in check_augmenter(lambda: L.RandomTranslation(0.15, 0.15))


class AlwaysNoisy(L.Layer):  # wrong: also changes images at inference
    def call(self, x, training=None):
        return x + 0.1


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda: augmenter("horizontal_and_vertical"), "upside down"),
        (lambda: augmenter("vertical"), "upside down"),
        (lambda: AlwaysNoisy(), "training=False"),
        (lambda: L.Identity(), "only 0% of the images changed"),
        (lambda: np.fliplr, "should return a Keras layer"),
    ],
)
def test_augmenter_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_augmenter(wrong)


def residual_block(x, filters, skip=True, add=True, bn=True, final_relu_after_add=True):
    shortcut = x
    if x.shape[-1] != filters:
        shortcut = L.Conv2D(filters, 1, use_bias=False)(x)
    y = L.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    if bn:
        y = L.BatchNormalization()(y)
    y = L.ReLU()(y)
    y = L.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    if bn:
        y = L.BatchNormalization()(y)
    if not skip:
        return L.ReLU()(y)
    if not add:
        return L.Concatenate()([y, shortcut])
    if not final_relu_after_add:
        return L.Add()([L.ReLU()(y), shortcut])
    return L.ReLU()(L.Add()([y, shortcut]))


def test_residual_block_accepts_a_correct_block():
    assert "passed" in check_residual_block(residual_block)


def block_without_projection(x, filters):
    y = L.Conv2D(filters, 3, padding="same")(x)
    y = L.ReLU()(L.BatchNormalization()(y))
    y = L.BatchNormalization()(L.Conv2D(filters, 3, padding="same")(y))
    return L.ReLU()(L.Add()([y, x]))  # fails when filters != channels


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x, f: residual_block(x, f, skip=False), "no Add layer"),
        (lambda x, f: residual_block(x, f, add=False), "output shape"),
        (lambda x, f: residual_block(x, f, bn=False), "BatchNormalization"),
        (lambda x, f: residual_block(x, f, final_relu_after_add=False), "relu\\(x\\)"),
        (block_without_projection, "could not build|1x1"),
        (lambda x, f: None, "returned None"),
    ],
)
def test_residual_block_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_residual_block(wrong)


def transfer_model(base, n_classes, freeze=True, compile_it=True):
    base.trainable = not freeze and base.trainable
    model = keras.Sequential([base, L.Dense(n_classes, activation="softmax")])
    if compile_it:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_transfer_model_accepts_a_frozen_base():
    assert "passed" in check_transfer_model(transfer_model)


def freeze_after_compile_but_train_base(base, n_classes):  # sets trainable on the head only
    model = keras.Sequential([base, L.Dense(n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda b, n: transfer_model(b, n, freeze=False), "still trainable"),
        (freeze_after_compile_but_train_base, "still trainable"),
        (lambda b, n: transfer_model(b, n, compile_it=False), "not compiled"),
        (lambda b, n: transfer_model(b, n + 1), "output shape"),
        (lambda b, n: b, "output shape"),
    ],
)
def test_transfer_model_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_transfer_model(wrong)
