"""Each check of chapter 06b accepts a correct answer and rejects plausible wrong ones."""

import keras
import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch06b import (
    check_class_recall,
    check_fixed_random_shift,
    check_label_preserving,
    check_prediction_6b_3,
    check_prediction_6b_4,
    check_tta_predict,
    mean_image_moves,
)

L = keras.layers


def not_started(*args):
    raise NotImplementedError()


# --- 6b.1 which augmentations keep Fashion-MNIST's labels -----------------------------------


@pytest.mark.parametrize("answer", [{"b", "d", "f"}, ["f", "d", "b"], "bdf", ("B", "D", "F")])
def test_label_preserving_accepts_shifts_turns_and_brightness(answer, capsys):
    assert "passed" in check_label_preserving(lambda: answer)
    out = capsys.readouterr().out
    assert "(a) mirror left-right" in out and "(Ankle boot): NOT safe" in out


@pytest.mark.parametrize("seed", [1, 2])
def test_label_preserving_measurement_holds_for_other_samples(seed):
    moves = mean_image_moves(seed)
    assert {k for k, (move, _) in moves.items() if move <= 0.5} == {"b", "d", "f"}
    assert moves["a"][1] in ("Sandal", "Sneaker", "Ankle boot")


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        ({"a", "b", "d", "f"}, "\\(a\\) is not safe: sandals, sneakers and ankle boots"),
        ({"b", "d"}, "\\(f\\) is safe, you left it out"),
        ({"b", "c", "d", "e", "f"}, "\\(c\\) is not safe.*\\(e\\) is not safe"),
        ({"a", "b", "c", "d", "e", "f"}, "is not safe"),
        (set(), "\\(b\\) is safe, you left it out"),
        ({"x"}, "each one of a, b, c, d, e, f"),
        (3, "a set of letters"),
        (not_started, "not solved yet"),
    ],
)
def test_label_preserving_rejects_wrong_answers(answer, match):
    wrong = answer if answer is not_started else (lambda: answer)
    with pytest.raises(ExerciseFailure, match=match):
        check_label_preserving(wrong)


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


@pytest.mark.parametrize("seed", [0, 1, None])
def test_prediction_6b_3_right_answer_for_every_seed(seed, capsys):
    assert "Right: (b)" in check_prediction_6b_3(lambda: "b", seed=seed)
    out = capsys.readouterr().out
    assert "predict twice: the probabilities differed by 0e+00" in out
    assert "from the CNN without its augmenter" in out


@pytest.mark.parametrize(
    ("wrong", "match"),
    [(lambda: "a", "you predicted \\(a\\)"), (lambda: "c", "you predicted \\(c\\)"),
     (lambda: "d", "one of"), (not_started, "not solved yet")],
)  # fmt: skip
def test_prediction_6b_3_rejects_wrong_answers(wrong, match, capsys):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_6b_3(wrong)
    if wrong is not_started:  # nothing is revealed before the learner commits
        assert capsys.readouterr().out == ""


# --- 6b.4 predict: mirroring and convolution ----------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, None])
def test_prediction_6b_4_right_answer_for_every_seed(seed, capsys):
    assert "Right: (b)" in check_prediction_6b_4(lambda: "b", seed=seed)
    out = capsys.readouterr().out
    assert "symmetric kernels the difference was 0e+00" in out or "e-1" in out


@pytest.mark.parametrize(
    ("wrong", "match"),
    [(lambda: "a", "you predicted \\(a\\)"), (lambda: "c", "you predicted \\(c\\)"),
     (lambda: 2, "one of"), (not_started, "not solved yet")],
)  # fmt: skip
def test_prediction_6b_4_rejects_wrong_answers(wrong, match, capsys):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_6b_4(wrong)
    if wrong is not_started:  # nothing is revealed before the learner commits
        assert capsys.readouterr().out == ""


# --- 6b.5 test-time augmentation ------------------------------------------------------------


def tta_predict(model, images):
    return (model.predict(images, verbose=0) + model.predict(images[:, :, ::-1], verbose=0)) / 2


def test_tta_predict_accepts_the_average():
    assert "passed" in check_tta_predict(tta_predict)
    assert "passed" in check_tta_predict(
        lambda m, x: np.mean([np.asarray(m(v)) for v in (x, np.flip(x, axis=2))], axis=0))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda m, x: (np.asarray(m(x)) + np.asarray(m(x[:, ::-1]))) / 2, "upside down"),
        (lambda m, x: np.asarray(m(x[:, :, ::-1])), "mirrored images alone"),
        (lambda m, x: np.asarray(m(x)) + np.asarray(m(x[:, :, ::-1])), "adds up to 2"),
        (lambda m, x: np.asarray(m(x)), "the plain prediction"),
        (lambda m, x: tta_predict(m, x).argmax(axis=1), "shape"),
        (not_started, "not solved yet"),
    ],
)
def test_tta_predict_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_tta_predict(wrong)


# --- 6b.6 debug: random shifts without wrap-around -------------------------------------------


def random_shift_rolled(images, max_shift, rng):  # the buggy version of the notebook
    shifted = np.empty_like(images)
    for i, image in enumerate(images):
        dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
        shifted[i] = np.roll(image, (dy, dx), axis=(0, 1))
    return shifted


def fixed_random_shift(images, max_shift, rng):
    n, h, w = images.shape
    m = max_shift
    padded = np.pad(images, ((0, 0), (m, m), (m, m)))
    shifted = np.empty_like(images)
    for i in range(n):
        dy, dx = rng.integers(-m, m + 1, size=2)
        shifted[i] = padded[i, m - dy : m - dy + h, m - dx : m - dx + w]
    return shifted


def same_shift_for_all(images, max_shift, rng):  # one shift drawn for the whole batch
    dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
    h, w = images.shape[1:]
    padded = np.pad(images, ((0, 0), (3, 3), (3, 3)))
    return padded[:, 3 - dy : 3 - dy + h, 3 - dx : 3 - dx + w]


def test_fixed_random_shift_accepts_the_fix():
    assert "passed" in check_fixed_random_shift(fixed_random_shift)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (random_shift_rolled, "wrap-around"),
        (same_shift_for_all, "by the same"),
        (lambda x, m, rng: fixed_random_shift(x, m + 2, rng), "more than max_shift"),
        (lambda x, m, rng: x[:, ::-1], "not its input moved"),
        (lambda x, m, rng: fixed_random_shift(x, m, rng)[:, :-1], "shape"),
        (not_started, "not solved yet"),
    ],
)
def test_fixed_random_shift_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_fixed_random_shift(wrong)
