"""Exercise checks for chapter 06b, Training CNNs: Fashion-MNIST, augmentation, filters."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_equal,
    passed,
)

__all__ = ["check_augmenter", "check_class_recall", "check_feature_extractor"]


def _all_layers(layer: Any) -> list[Any]:
    found = [layer]
    for child in getattr(layer, "layers", []):
        found.extend(_all_layers(child))
    return found


def check_augmenter(build_augmenter: Callable[[], Any], seed: int = 0) -> str:
    """Exercise 6b.1: a Keras augmentation block for Fashion-MNIST.

    It must keep the shape of a ``(batch, 28, 28, 1)`` batch, leave images untouched at
    inference (``training=False``), change them in training, and never flip them
    upside down (clothes are always photographed upright).
    """
    import keras

    augmenter = call_answer("6b.1", build_augmenter)
    expect("6b.1", isinstance(augmenter, keras.layers.Layer),
           f"build_augmenter() should return a Keras layer or model, got "
           f"{type(augmenter).__name__}")  # fmt: skip
    for layer in _all_layers(augmenter):
        if isinstance(layer, keras.layers.RandomFlip):
            expect("6b.1", "vertical" not in layer.mode,
                   f"RandomFlip(mode={layer.mode!r}) also flips images upside down; a shoe is "
                   "never photographed upside down, so use mode='horizontal'")  # fmt: skip
    x = np.random.default_rng(seed).uniform(size=(16, 28, 28, 1)).astype(np.float32)
    at_inference = np.asarray(augmenter(x, training=False))
    expect_close("6b.1", "the output with training=False (augmentation is off at inference)",
                 at_inference, x, rtol=1e-6, atol=1e-6)  # fmt: skip
    keras.utils.set_random_seed(seed)
    in_training = np.asarray(augmenter(x, training=True))
    expect_equal("6b.1", "the output shape in training", in_training.shape, x.shape)
    changed = np.mean(np.abs(in_training - x).reshape(len(x), -1).max(axis=1) > 1e-3)
    expect("6b.1", changed >= 0.5,
           f"with training=True only {changed:.0%} of the images changed; an augmenter "
           "should change most of them")  # fmt: skip
    return passed("6b.1", "Random at training time, the identity at inference.")


def _recall(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    matrix = np.zeros((n_classes, n_classes))
    np.add.at(matrix, (y_true, y_pred), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diag(matrix) / matrix.sum(axis=1)


def check_class_recall(class_recall: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 6b.2: ``class_recall(y_true, y_pred, n_classes)``, the recall of each class.

    Recall of class ``k`` = (examples of class ``k`` predicted ``k``) / (examples of class
    ``k``): the confusion matrix's diagonal divided by its row sums, ``nan`` for a class
    absent from ``y_true``. Checked on fresh random labels, the second time with one
    class missing from ``y_true`` and another missing from ``y_pred``.
    """
    rng = np.random.default_rng(seed)
    n_classes = 6
    y_true = rng.integers(0, n_classes, size=200)
    # right about 60 % of the time, so that recall, precision and accuracy all differ
    y_pred = np.where(rng.uniform(size=200) < 0.6, y_true, rng.integers(0, n_classes, 200))
    absent_true = rng.integers(0, n_classes - 1, size=80)  # class 5 never occurs in y_true
    absent_pred = np.where(rng.uniform(size=80) < 0.6, absent_true, 5)
    absent_pred[absent_pred == 0] = 1  # and class 0 is never predicted (its recall is 0)
    cases = [(y_true, y_pred, ""),
             (absent_true, absent_pred, " when class 5 never occurs in y_true")]  # fmt: skip
    for t, p, case in cases:
        result = call_answer("6b.2", class_recall, t.copy(), p.copy(), n_classes)
        expect("6b.2", result is not None, "class_recall returned None; did you forget `return`?")
        got = answer_array("6b.2", "class_recall(...)", result, expected="a NumPy array")
        want = _recall(t, p, n_classes)
        expect_equal("6b.2", f"the shape of the result{case}", got.shape, want.shape)
        counts = np.bincount(t[t == p], minlength=n_classes).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = counts / np.bincount(p, minlength=n_classes)
        accuracy = np.full(n_classes, np.mean(t == p))
        known = ~np.isnan(want)
        for wrong, what in [
            (counts, "the number of correct predictions of each class; divide by the number "
                     "of examples of that class (the row sums of the confusion matrix)"),
            (precision, "the precision (correct / number of times the class was predicted, "
                        "the column sums); recall divides by the row sums, the number of "
                        "examples that truly are of each class"),
            (accuracy, "the overall accuracy repeated for every class; compute one fraction "
                       "per class"),
        ]:  # fmt: skip
            if np.allclose(got[known], wrong[known]) and not np.allclose(got[known], want[known]):
                raise ExerciseFailure("6b.2", f"your result{case} is {what}")
        if case:
            expect("6b.2", bool(np.isnan(got[5])),
                   f"class 5 never occurs in y_true, so its recall is undefined: it should be "
                   f"nan (0 / 0), got {got[5]:.5g}")  # fmt: skip
            expect("6b.2", not np.isnan(got[known]).any(),
                   "only class 5 (absent from y_true) should be nan; a class that is never "
                   "predicted but does occur has recall 0")  # fmt: skip
        expect_close("6b.2", f"the recall of classes {np.flatnonzero(known).tolist()}{case}",
                     got[known], want[known])  # fmt: skip
    return passed("6b.2", "Recall = diagonal / row sums of the confusion matrix.")


def check_feature_extractor(feature_extractor: Callable[[Any, list[str]], Any],
                            seed: int = 0) -> str:  # fmt: skip
    """Exercise 6b.3: ``feature_extractor(model, layer_names)`` returns a ``keras.Model``
    with ``model``'s input whose outputs are the named layers' outputs, in that order.

    The check builds a small CNN, compares the extractor's outputs on random images with
    the model's layers applied one by one, and changes a kernel of the original model to
    verify that the extractor shares its layers rather than copying them.
    """
    import keras

    L = keras.layers
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(4, 3, activation="relu", name="conv1"),
        L.MaxPooling2D(name="pool1"),
        L.Conv2D(8, 3, activation="relu", name="conv2"),
        L.MaxPooling2D(name="pool2"),
        L.Flatten(name="flatten"),
        L.Dense(10, activation="softmax", name="probs"),
    ])  # fmt: skip
    x = np.random.default_rng(seed).uniform(size=(3, 28, 28, 1)).astype(np.float32)
    model(x)

    def expected(names: list[str]) -> list[np.ndarray]:
        found, h = {}, x
        for layer in model.layers:
            h = layer(h)
            found[layer.name] = np.asarray(h)
        return [found[name] for name in names]

    def outputs(extractor: Any, names: list[str]) -> list[np.ndarray]:
        try:
            with warnings.catch_warnings():  # built on model.inputs (a list): Keras warns
                warnings.filterwarnings("ignore", message="The structure of `inputs`")
                result = extractor(x, training=False)
        except Exception as error:
            raise ExerciseFailure(
                "6b.3", f"calling your extractor on a batch of images raised "
                f"{type(error).__name__}: {error}") from None  # fmt: skip
        if not isinstance(result, (list, tuple)):
            result = [result]
        expect("6b.3", len(result) == len(names),
               f"feature_extractor(model, {names}) gives {len(result)} output(s), expected "
               f"{len(names)}: one per name, as a list of layer outputs")  # fmt: skip
        return [np.asarray(r) for r in result]

    for names in (["conv1", "pool1", "conv2"], ["pool2", "conv1"]):
        extractor = call_answer("6b.3", feature_extractor, model, list(names))
        expect("6b.3", isinstance(extractor, keras.Model),
               f"feature_extractor should return a keras.Model, got "
               f"{type(extractor).__name__}")  # fmt: skip
        got, want = outputs(extractor, names), expected(names)
        shapes = [g.shape for g in got]
        want_shapes = [w.shape for w in want]
        expect("6b.3", sorted(shapes) != sorted(want_shapes) or shapes == want_shapes,
               f"feature_extractor(model, {names}): the outputs are not in the order of "
               f"layer_names (shapes {shapes}, expected {want_shapes})")  # fmt: skip
        for name, g, w in zip(names, got, want, strict=True):
            expect_equal("6b.3", f"the shape of output {name!r}", g.shape, w.shape)
            if not np.allclose(g, w, rtol=1e-4, atol=1e-5):
                raise ExerciseFailure(
                    "6b.3", f"output {name!r} differs from what model's layers compute: "
                    "reuse model's own layers (model.get_layer(name).output) rather than "
                    "new ones, and take model.inputs as the input")  # fmt: skip
    # shared, not copied: change conv1's kernel in the original model
    conv1 = model.get_layer("conv1")
    kernel, bias = conv1.get_weights()
    conv1.set_weights([kernel * -1.5 + 0.1, bias + 0.05])
    got, want = outputs(extractor, names), expected(names)
    for name, g, w in zip(names, got, want, strict=True):
        if not np.allclose(g, w, rtol=1e-4, atol=1e-5):
            raise ExerciseFailure(
                "6b.3", f"after changing conv1's kernel in model, output {name!r} of your "
                "extractor did not follow: it holds copies of the weights; build it from "
                "model's own layer outputs so that it shares them")  # fmt: skip
    return passed("6b.3", "One forward pass, every intermediate feature map.")
