"""Each check of chapter 06c accepts a correct answer and rejects plausible wrong ones."""

import keras
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch06c import (
    check_residual_block,
    check_transfer_model,
    check_unfreeze_top,
)

L = keras.layers


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


def unfreeze_top(base, n):
    base.trainable = True
    weighted = [layer for layer in base.layers if layer.weights]
    for i, layer in enumerate(weighted):
        layer.trainable = i >= len(weighted) - n
    return base


def test_unfreeze_top_accepts_a_correct_answer():
    assert "passed" in check_unfreeze_top(unfreeze_top)


def counting_weightless_layers(base, n):
    base.trainable = True
    for i, layer in enumerate(base.layers):
        layer.trainable = i >= len(base.layers) - n
    return base


def only_sets_the_top(base, n):  # never freezes layers unfrozen by an earlier call
    base.trainable = True
    for layer in [layer for layer in base.layers if layer.weights][-n:]:
        layer.trainable = True
    return base


def without_unfreezing_the_model(base, n):
    weighted = [layer for layer in base.layers if layer.weights]
    for i, layer in enumerate(weighted):
        layer.trainable = i >= len(weighted) - n
    return base


def everything(base, n):
    base.trainable = True
    for layer in base.layers:
        layer.trainable = True
    return base


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (counting_weightless_layers, "no weights and must not be counted"),
        (only_sets_the_top, "must be frozen again"),
        (without_unfreezing_the_model, "base.trainable = True first"),
        (everything, "everything is trainable"),
        (lambda b, n: None, "should return the model"),
    ],
)
def test_unfreeze_top_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_unfreeze_top(wrong)
