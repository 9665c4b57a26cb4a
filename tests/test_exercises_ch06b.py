"""Each check of chapter 06b accepts a correct answer and rejects plausible wrong ones."""

import keras
import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch06b import (
    check_augmenter,
    check_class_recall,
    check_feature_extractor,
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


def class_recall(y_true, y_pred, n_classes):
    matrix = np.zeros((n_classes, n_classes))
    np.add.at(matrix, (y_true, y_pred), 1)
    with np.errstate(invalid="ignore"):
        return np.diag(matrix) / matrix.sum(axis=1)


def class_recall_by_mask(y_true, y_pred, n_classes):
    return np.array([np.mean(y_pred[y_true == k] == k) if np.any(y_true == k) else np.nan
                     for k in range(n_classes)])  # fmt: skip


def test_class_recall_accepts_correct_answers():
    assert "passed" in check_class_recall(class_recall)
    assert "passed" in check_class_recall(class_recall_by_mask)


def precision(y_true, y_pred, n_classes):
    return class_recall(y_pred, y_true, n_classes)


def counts(y_true, y_pred, n_classes):
    return np.bincount(y_true[y_true == y_pred], minlength=n_classes)


def zero_for_absent(y_true, y_pred, n_classes):
    return np.nan_to_num(class_recall(y_true, y_pred, n_classes))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (precision, "precision"),
        (counts, "number of correct predictions"),
        (lambda t, p, n: np.full(n, np.mean(t == p)), "overall accuracy"),
        (zero_for_absent, "should be nan"),
        (lambda t, p, n: class_recall(t, p, n)[:-1], "shape"),
        (lambda t, p, n: None, "returned None"),
    ],
)
def test_class_recall_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_class_recall(wrong)


def feature_extractor(model, layer_names):
    return keras.Model(model.inputs, [model.get_layer(name).output for name in layer_names])


def test_feature_extractor_accepts_a_correct_answer():
    assert "passed" in check_feature_extractor(feature_extractor)


def copied_extractor(model, layer_names):  # right values, but copies of the weights
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return feature_extractor(clone, layer_names)


def fresh_layers(model, layer_names):  # same architecture, new random weights
    return feature_extractor(keras.models.clone_model(model), layer_names)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda m, names: keras.Model(m.inputs, m.get_layer(names[-1]).output),
         "gives 1 output"),
        (lambda m, names: feature_extractor(m, sorted(names)), "not in the order"),
        (fresh_layers, "differs from what model's layers compute"),
        (copied_extractor, "copies of the weights"),
        (lambda m, names: [m.get_layer(n).output for n in names], "should return a keras.Model"),
    ],
)
def test_feature_extractor_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_feature_extractor(wrong)
