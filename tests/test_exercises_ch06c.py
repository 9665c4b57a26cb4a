"""Each check of chapter 06c accepts a correct answer and rejects plausible wrong ones."""

import re

import keras
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch06c import (
    check_fixed_new_head,
    check_preact_block,
    check_prediction_6c_4,
    check_transfer_model,
    check_unfreeze_top,
)

L = keras.layers


def not_started(*args):
    raise NotImplementedError()


def preact_block(x, filters, order="pre", add=True, relu_after=False, bn=True):
    def norm_relu(t):
        return L.ReLU()(L.BatchNormalization()(t) if bn else t)

    h = norm_relu(x)
    shortcut = x if x.shape[-1] == filters else L.Conv2D(filters, 1)(h)
    if order == "pre":
        h = L.Conv2D(filters, 3, padding="same")(h)
        h = L.Conv2D(filters, 3, padding="same")(norm_relu(h))
    else:  # the original (post-activation) order: conv -> BN -> ReLU -> conv -> BN
        h = L.ReLU()(L.BatchNormalization()(L.Conv2D(filters, 3, padding="same")(x)))
        h = L.BatchNormalization()(L.Conv2D(filters, 3, padding="same")(h))
    if not add:
        return L.Concatenate()([shortcut, h])
    out = L.Add()([shortcut, h])
    return L.ReLU()(out) if relu_after else out


def test_preact_block_accepts_a_correct_block():
    assert "passed" in check_preact_block(preact_block)

    def without_bias(x, filters):
        h = L.Activation("relu")(L.BatchNormalization(epsilon=1e-5)(x))
        h = L.Conv2D(filters, 3, padding="same", use_bias=False)(h)
        h = L.Activation("relu")(L.BatchNormalization(epsilon=1e-5)(h))
        h = L.Conv2D(filters, 3, padding="same", use_bias=False)(h)
        shortcut = x if x.shape[-1] == filters else L.Conv2D(filters, 1)(x)
        return L.Add()([h, shortcut])

    assert "passed" in check_preact_block(without_bias)


def block_without_projection(x, filters):
    h = L.Conv2D(filters, 3, padding="same")(L.ReLU()(L.BatchNormalization()(x)))
    h = L.Conv2D(filters, 3, padding="same")(L.ReLU()(L.BatchNormalization()(h)))
    return L.Add()([h, x])  # fails when filters != channels


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x, f: preact_block(x, f, relu_after=True), r"ReLU after\s+the addition"),
        (lambda x, f: preact_block(x, f, order="post"), "BN -> ReLU -> conv"),
        (lambda x, f: preact_block(x, f, add=False), "output shape"),
        (lambda x, f: preact_block(x, f, bn=False), "BatchNormalization"),
        (block_without_projection, "could not build|1x1"),
        (lambda x, f: None, "returned None"),
        (not_started, "not solved yet"),
    ],
)
def test_preact_block_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_preact_block(wrong)


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
    tunable = [layer for layer in base.layers
               if layer.weights and not isinstance(layer, keras.layers.BatchNormalization)]
    for layer in base.layers:
        layer.trainable = layer in tunable[len(tunable) - n:]
    return base


def counting_batch_norm(base, n):  # the exercise's first version: batch norm counted
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
        (counting_batch_norm, "batch normalization layer: keep it frozen"),
        (only_sets_the_top, "must be frozen again"),
        (without_unfreezing_the_model, "base.trainable = True first"),
        (everything, "everything is trainable"),
        (lambda b, n: None, "should return the model"),
    ],
)
def test_unfreeze_top_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_unfreeze_top(wrong)


# --- 6c.4 predict: a frozen batch norm layer ------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, None])
def test_prediction_6c_4_right_answer_for_every_seed(seed, capsys):
    assert "Right: (b)" in check_prediction_6c_4(lambda: "b", seed=seed)
    out = capsys.readouterr().out
    assert re.search(r"trainable layer's output had mean -?0\.00; the frozen layer's output "
                     r"had mean [45]\.\d\d", out), out


@pytest.mark.parametrize(
    ("wrong", "match"),
    [(lambda: "a", "you predicted \\(a\\)"), (lambda: "c", "you predicted \\(c\\)"),
     (lambda: None, "one of"), (not_started, "not solved yet")],
)  # fmt: skip
def test_prediction_6c_4_rejects_wrong_answers(wrong, match, capsys):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_6c_4(wrong)
    if wrong is not_started:
        assert capsys.readouterr().out == ""


# --- 6c.5 debug: the new head on the old head's probabilities ---------------------------------


def new_head_on_old_head(pretrained, n_classes):  # the buggy version of the notebook
    pretrained.trainable = False
    return keras.Sequential([pretrained, L.Dense(n_classes, activation="softmax")])


def fixed_new_head_model(pretrained, n_classes):
    base = keras.Model(pretrained.inputs[0], pretrained.layers[-2].output)
    base.trainable = False
    return keras.Sequential([base, L.Dense(n_classes, activation="softmax")])


def test_fixed_new_head_accepts_the_fix():
    assert "passed" in check_fixed_new_head(fixed_new_head_model)

    def functional(pretrained, n_classes):
        for layer in pretrained.layers:
            layer.trainable = False
        features = pretrained.layers[-2].output
        return keras.Model(pretrained.inputs[0], L.Dense(n_classes, activation="softmax")(features))

    assert "passed" in check_fixed_new_head(functional)


def not_frozen(pretrained, n_classes):
    base = keras.Model(pretrained.inputs[0], pretrained.layers[-2].output)
    return keras.Sequential([base, L.Dense(n_classes, activation="softmax")])


def too_low(pretrained, n_classes):  # cuts below the hidden layer: 8 pooled features
    base = keras.Model(pretrained.inputs[0], pretrained.layers[-3].output)
    base.trainable = False
    return keras.Sequential([base, L.Dense(n_classes, activation="softmax")])


def no_softmax(pretrained, n_classes):
    base = keras.Model(pretrained.inputs[0], pretrained.layers[-2].output)
    base.trainable = False
    return keras.Sequential([base, L.Dense(n_classes)])


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (new_head_on_old_head, "old head's 5 class probabilities"),
        (not_frozen, "trainable parameters"),
        (too_low, "trainable parameters"),
        (no_softmax, "probabilities"),
        (lambda p, n: fixed_new_head_model(p, n + 1), "output shape"),
        (not_started, "not solved yet"),
    ],
)
def test_fixed_new_head_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_fixed_new_head(wrong)
