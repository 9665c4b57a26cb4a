"""Exercise checks for chapter 06b, Training CNNs: Fashion-MNIST, augmentation, filters."""

from __future__ import annotations

import functools
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
    grade_prediction,
    passed,
)

__all__ = [
    "AUGMENTATIONS",
    "check_class_recall",
    "check_fixed_random_shift",
    "check_label_preserving",
    "check_prediction_6b_3",
    "check_prediction_6b_4",
    "check_tta_predict",
    "mean_image_moves",
]


AUGMENTATIONS = {
    "a": "mirror left-right",
    "b": "shift by up to 2 pixels in each direction",
    "c": "turn upside down",
    "d": "rotate by up to 10 degrees either way",
    "e": "negative: every pixel value v becomes 255 - v",
    "f": "brightness: multiply every pixel by one random factor between 0.8 and 1.2",
}
_SAFE = {"b", "d", "f"}
_WHY = {
    "a": "sandals, sneakers and ankle boots all face one way in this data set (section 3): a "
         "mirrored shoe is one the test set does not contain",
    "b": "the images are centred, but not to the pixel: a shift of a pixel or two keeps "
         "every class mean nearly where it is (and section 3 measured what it is worth on "
         "shifted test images)",
    "c": "the clothes are photographed upright: no test image shows an upside-down boot "
         "or dress",
    "d": "a turn of a few degrees leaves a coat a coat, and the class means barely move",
    "e": "every image has a black background; its negative has a white one, which no test "
         "image has",
    "f": "fabrics come light and dark, so brightness varies within every class anyway; "
         "scaling it by about 1 leaves each class mean where it is",
}
LIMIT = 0.5  # the largest relative move of a class mean image that still counts as safe


@functools.lru_cache(maxsize=2)
def _fashion_sample(seed: int, per_class: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """``per_class`` random Fashion-MNIST training images of each class, as floats in [0, 1]."""
    from course_utils.data import load_fashion_mnist

    (x, y), _ = load_fashion_mnist()
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([rng.choice(np.flatnonzero(y == k), per_class, replace=False)
                             for k in range(10)])  # fmt: skip
    return x[chosen].astype(np.float32) / 255.0, y[chosen]


def _augment(letter: str, images: np.ndarray, seed: int) -> np.ndarray:
    import keras

    rng = np.random.default_rng(seed)
    batch = images[..., None]
    if letter == "a":
        return images[:, :, ::-1]
    if letter == "c":
        return images[:, ::-1]
    if letter == "e":
        return 1.0 - images
    if letter == "f":
        return images * rng.uniform(0.8, 1.2, size=(len(images), 1, 1)).astype(np.float32)
    layer = (keras.layers.RandomTranslation(2 / 28, 2 / 28, fill_mode="constant", seed=seed)
             if letter == "b" else
             keras.layers.RandomRotation(10 / 360, fill_mode="constant", seed=seed))  # fmt: skip
    return np.asarray(layer(batch, training=True))[..., 0]


def mean_image_moves(seed: int = 0) -> dict[str, tuple[float, str]]:
    """For each augmentation of :data:`AUGMENTATIONS`: the largest relative move of a class
    mean image, ``||mean(T(x)) - mean(x)|| / ||mean(x)||`` over the images ``x`` of one
    class, and the class where it is largest (300 training images per class)."""
    from course_utils.data import FASHION_MNIST_CLASSES

    images, labels = _fashion_sample(seed)
    moves = {}
    for letter in AUGMENTATIONS:
        augmented = _augment(letter, images, seed)
        per_class = []
        for k in range(10):
            mean = images[labels == k].mean(axis=0)
            moved = augmented[labels == k].mean(axis=0)
            per_class.append(float(np.linalg.norm(moved - mean) / np.linalg.norm(mean)))
        worst = int(np.argmax(per_class))
        moves[letter] = (per_class[worst], FASHION_MNIST_CLASSES[worst])
    return moves


def check_label_preserving(label_preserving: Callable[[], Any], seed: int = 0) -> str:
    """Exercise 6b.1: which of the six :data:`AUGMENTATIONS` make images that every
    Fashion-MNIST class contains (safe for augmentation)? The answer is a set of letters.

    Verified by a measurement, the mean-image test of section 3 extended: each augmentation
    is applied to 300 training images per class, and it counts as safe when no class's mean
    image moves by more than half its norm. The safe ones are (b), (d) and (f).
    """
    answer = call_answer("6b.1", label_preserving)
    letters = ", ".join(AUGMENTATIONS)
    try:
        chosen = {str(letter).strip().lower() for letter in answer}
    except TypeError:
        chosen = None
    expect("6b.1", chosen is not None and chosen <= set(AUGMENTATIONS),
           f"label_preserving() should return a set of letters, each one of {letters}, such "
           f"as {{'a', 'b'}}, got {answer!r}")  # fmt: skip
    moves = mean_image_moves(seed)
    for letter, (move, name) in moves.items():
        verdict = "safe" if move <= LIMIT else "NOT safe"
        print(f"({letter}) {AUGMENTATIONS[letter]}: a class mean moves by up to {move:.2f} "
              f"({name}): {verdict}")  # fmt: skip
    measured = {letter for letter, (move, _) in moves.items() if move <= LIMIT}
    if measured != _SAFE:  # the data themselves disagree: a broken cache or loader
        raise RuntimeError(f"the measurement found {sorted(measured)} safe, not {sorted(_SAFE)}")
    problems = [f"({k}) is not safe: {_WHY[k]}" for k in sorted(chosen - _SAFE)]
    problems += [f"({k}) is safe, you left it out: {_WHY[k]}" for k in sorted(_SAFE - chosen)]
    expect("6b.1", not problems,
           f"you chose {sorted(chosen)}. " + "; ".join(problems) + ". (A transformation is "
           "safe when a class mean image moves by at most " + f"{LIMIT}" + " of its norm.)")
    return passed("6b.1", "(b), (d) and (f): small shifts, small turns and brightness make "
                          "images every class contains, and the class means stay put; a "
                          "mirror, an upside-down turn or a negative make images the test "
                          "set never shows. Like every Keras augmentation layer, keep them "
                          "off at inference: the test images are the real ones.")  # fmt: skip


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


def check_prediction_6b_3(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 6b.3 (predict): does an augmenter inside a model change what ``predict``
    returns?

    The experiment puts ``RandomTranslation`` and ``RandomRotation`` in front of a small
    CNN, predicts one batch of random images twice with ``predict``, compares that with
    the CNN alone, and then calls the model twice with ``training=True``.
    """
    import keras

    call_answer("6b.3", predict)
    start = 0 if seed is None else seed
    keras.utils.set_random_seed(start)
    L = keras.layers
    cnn = keras.Sequential([
        keras.Input((16, 16, 1)),
        L.Conv2D(4, 3, activation="relu"),
        L.Flatten(),
        L.Dense(3, activation="softmax"),
    ])  # fmt: skip
    augmenter = keras.Sequential([
        keras.Input((16, 16, 1)),
        L.RandomTranslation(0.2, 0.2, seed=start),
        L.RandomRotation(0.1, seed=start + 1),
    ])  # fmt: skip
    model = keras.Sequential([keras.Input((16, 16, 1)), augmenter, cnn])
    images = np.random.default_rng(seed).uniform(size=(4, 16, 16, 1)).astype(np.float32)
    first, second = (model.predict(images, verbose=0) for _ in range(2))
    alone = cnn.predict(images, verbose=0)
    train_a, train_b = (np.asarray(model(images, training=True)) for _ in range(2))
    moved = float(np.abs(np.asarray(augmenter(images, training=True)) - images).mean())
    predict_change = float(np.abs(first - second).max())
    augmenter_effect = float(np.abs(first - alone).max())
    training_change = float(np.abs(train_a - train_b).max())
    observed = (f"predict twice: the probabilities differed by {predict_change:.0e}, and by "
                f"{augmenter_effect:.0e} from the CNN without its augmenter; in training "
                f"mode the augmenter changed pixels (values 0-1) by {moved:.2f} on average, "
                f"and two calls with training=True gave probabilities that differed by up "
                f"to {training_change:.2f}.")
    if predict_change > 1e-6 or augmenter_effect > 1e-6 or moved < 0.05:
        raise RuntimeError(f"the 6b.3 experiment did not run as this Keras version should: "
                           f"{observed}")  # fmt: skip
    print(observed)
    return grade_prediction(
        "6b.3", predict,
        options={"a": "predict returns different probabilities each time: the augmenter "
                      "moves the images at every call",
                 "b": "predict returns the same probabilities every time, those of the model "
                      "without its augmenter; only calls in training mode are augmented",
                 "c": "the augmenter works only inside fit: even model(images, "
                      "training=True) returns the same probabilities twice"},
        correct="b", observed=observed,
        why="Keras's augmentation layers (RandomFlip, RandomTranslation, RandomRotation, "
            "RandomZoom ...) transform their input only in training mode and pass it "
            "through unchanged otherwise. fit calls the model with training=True; predict, "
            "evaluate and a plain call use training=False. So the augmenter can stay inside "
            "the model you ship: it augments while the model trains, does nothing when it "
            "serves, and validation and test images are never distorted by accident. "
            "Test-time augmentation (exercise 6b.5) is a separate, deliberate choice.")  # fmt: skip


def check_prediction_6b_4(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 6b.4 (predict): is a convolution's feature map of a mirrored image the
    mirrored feature map?

    The experiment convolves random images with random 3x3 kernels ("same" padding, as
    ``Conv2D`` computes it) and compares ``conv(mirror(x))`` with ``mirror(conv(x))``, and,
    for contrast, ``conv(shift(x))`` with ``shift(conv(x))`` away from the border.
    """
    from course_utils.convolution import conv2d

    call_answer("6b.4", predict)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4, 12, 12, 1))
    kernel = rng.normal(size=(3, 3, 1, 8))
    fmap = conv2d(x, kernel, padding="same")
    mirrored = conv2d(x[:, :, ::-1], kernel, padding="same")
    mirror_error = float(np.abs(mirrored - fmap[:, :, ::-1]).max())
    scale = float(np.abs(fmap).max())
    symmetric = kernel + kernel[:, ::-1]
    symmetric_error = float(np.abs(conv2d(x[:, :, ::-1], symmetric, padding="same")
                                   - conv2d(x, symmetric, padding="same")[:, :, ::-1]).max())
    shifted = conv2d(np.roll(x, 2, axis=2), kernel, padding="same")
    shift_error = float(np.abs(shifted[:, :, 3:-1] - fmap[:, :, 1:-3]).max())
    observed = (f"conv(mirror(x)) and mirror(conv(x)) differed by up to {mirror_error:.2f}, "
                f"on feature maps whose values reach {scale:.2f}; with left-right symmetric "
                f"kernels the difference was {symmetric_error:.0e}, and a 2-pixel shift just "
                f"shifted the map (difference {shift_error:.0e}).")
    print(observed)
    return grade_prediction(
        "6b.4", predict,
        options={"a": "the feature map of the mirrored image is the mirrored feature map",
                 "b": "it is not, unless the kernels happen to be left-right symmetric",
                 "c": "the feature map does not change at all"},
        correct="b", observed=observed,
        why="Weight sharing makes a convolution equivariant to shifts: shift the input and "
            "the map shifts with it. Mirroring the input is the same as mirroring the map "
            "*and the kernel*: conv(mirror(x), w) = mirror(conv(x, mirror(w))). A CNN has to "
            "learn a left-pointing and a right-pointing object separately. Mirror "
            "augmentation teaches it that, which helps where mirrored objects occur at test "
            "time, and not for Fashion-MNIST's shoes, which all point the same way.")  # fmt: skip


def _tta_model(seed: int) -> Any:
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((10, 10, 1)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(3, activation="softmax"),
    ])  # fmt: skip
    return model


def check_tta_predict(tta_predict: Callable[[Any, Any], Any], seed: int = 0) -> str:
    """Exercise 6b.5: ``tta_predict(model, images)``, test-time augmentation: the average of
    the model's class probabilities for the images and for their left-right mirror images.

    The check uses a small CNN that is not mirror-symmetric and fresh random images.
    """
    model = _tta_model(seed)
    x = np.random.default_rng(seed).uniform(size=(6, 10, 10, 1)).astype(np.float32)
    plain = np.asarray(model(x, training=False), dtype=np.float64)
    mirrored = np.asarray(model(x[:, :, ::-1], training=False), dtype=np.float64)
    want = (plain + mirrored) / 2
    result = call_answer("6b.5", tta_predict, model, x.copy())
    got = answer_array("6b.5", "tta_predict(model, images)", result)
    expect_equal("6b.5", "the shape of the result (one row of class probabilities per image)",
                 got.shape, want.shape)  # fmt: skip
    upside_down = np.asarray(model(x[:, ::-1], training=False), dtype=np.float64)
    for wrong, what in [
        ((plain + upside_down) / 2, "the average with the images flipped upside down (axis 1); "
                                    "a left-right mirror reverses the width axis, axis 2"),
        (mirrored, "the probabilities of the mirrored images alone; average them with those "
                   "of the original images"),
        (plain + mirrored, "the sum of the two predictions: each row adds up to 2; take the "
                           "mean"),
        (plain, "the plain prediction; average it with the prediction for the mirrored "
                "images"),
    ]:  # fmt: skip
        if np.allclose(got, wrong, atol=1e-5) and not np.allclose(got, want, atol=1e-5):
            raise ExerciseFailure("6b.5", f"your result is {what}")
    expect_close("6b.5", "the averaged class probabilities", got, want, rtol=1e-4, atol=1e-5)
    return passed("6b.5", "Two views of every image, one averaged prediction.")


def _zero_fill_shift(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``image`` moved down by ``dy`` and right by ``dx`` pixels, with zeros coming in."""
    h, w = image.shape
    out = np.zeros_like(image)
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = \
        image[max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)]
    return out


def check_fixed_random_shift(fixed_random_shift: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 6b.6 (debug): ``fixed_random_shift(images, max_shift, rng)`` moves each image
    of an ``(n, height, width)`` stack by its own random ``(dy, dx)``, each in
    ``[-max_shift, max_shift]``, filling the uncovered border with zeros (no wrap-around).

    Every output image must be a zero-filled shift of its input within range; the shifts
    must vary between images.
    """
    max_shift = 2
    images = np.random.default_rng(seed).uniform(0.1, 1.0, size=(24, 9, 11))
    result = call_answer("6b.6", fixed_random_shift, images.copy(), max_shift,
                         np.random.default_rng(seed + 1))  # fmt: skip
    got = answer_array("6b.6", "fixed_random_shift(...)", result)
    expect_equal("6b.6", "the shape of the result", got.shape, images.shape)
    offsets = [(dy, dx) for dy in range(-max_shift, max_shift + 1)
               for dx in range(-max_shift, max_shift + 1)]  # fmt: skip
    found = []
    for i, (image, out) in enumerate(zip(images, got, strict=True)):
        match = [o for o in offsets if np.allclose(out, _zero_fill_shift(image, *o))]
        if not match:
            rolled = any(np.allclose(out, np.roll(image, o, axis=(0, 1))) for o in offsets)
            expect("6b.6", not rolled,
                   f"image {i} was shifted with wrap-around: the pixels that leave one side "
                   "come back on the other (that is what np.roll does); fill the uncovered "
                   "border with zeros instead")  # fmt: skip
            wider = any(np.allclose(out, _zero_fill_shift(image, dy, dx))
                        for dy in range(-5, 6) for dx in range(-5, 6))  # fmt: skip
            expect("6b.6", not wider,
                   f"image {i} was shifted by more than max_shift={max_shift} pixels")
            raise ExerciseFailure(
                "6b.6", f"image {i} is not its input moved by at most {max_shift} pixels in "
                "each direction with zeros filling the border")  # fmt: skip
        found.append(match[0])
    distinct = len(set(found))
    expect("6b.6", distinct > 1,
           f"all {len(images)} images were shifted by the same {found[0]}; draw a new random "
           "shift for every image")  # fmt: skip
    return passed("6b.6", f"{distinct} different shifts in {len(images)} images, zeros at the "
                          "border, nothing wrapped around.")  # fmt: skip
