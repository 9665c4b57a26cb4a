"""Each chapter-05 check accepts a correct answer and rejects plausible wrong ones."""

import keras
import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch05 import (
    check_bootstrap_oob,
    check_early_stopping,
    check_fixed_standardize,
    check_group_kfold,
    check_max_norm,
    check_prediction_5_5,
    early_stopping_reference,
    patience_experiment,
)


def not_started(*args, **kwargs):
    raise NotImplementedError()


# --------------------------------------------------------------------------- 5.1
def bootstrap_oob(n, rng):
    in_bag = rng.integers(0, n, size=n)
    return in_bag, np.setdiff1d(np.arange(n), in_bag)


def test_bootstrap_accepts_correct_answers():
    assert "passed" in check_bootstrap_oob(bootstrap_oob)
    assert "passed" in check_bootstrap_oob(
        lambda n, rng: (lambda b: (b, np.flatnonzero(np.bincount(b, minlength=n) == 0)))(
            rng.choice(n, size=n, replace=True)
        )
    )


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda n, rng: (rng.permutation(n), np.array([], dtype=int)), "WITH replacement"),
        (lambda n, rng: (lambda p: (p[: int(0.632 * n)], p[int(0.632 * n):]))(rng.permutation(n)),
         "should have shape"),  # subsample without replacement
        (lambda n, rng: (lambda b: (b, rng.choice(n, size=37, replace=False)))(
            rng.integers(0, n, size=n)), "must not contain drawn items"),
        (lambda n, rng: (lambda b: (b, np.setdiff1d(np.arange(n), b)[:5]))(
            rng.integers(0, n, size=n)), "in neither"),
        (lambda n, rng: (rng.integers(0, n // 2, size=n),
                         np.arange(n // 2, n)), "in neither"),  # draws from half the items
        (lambda n, rng: None, "should return a tuple"),
    ],
)
def test_bootstrap_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_bootstrap_oob(wrong)


# --------------------------------------------------------------------------- 5.4
def early_stopping(val_losses, patience):
    best, best_epoch, wait = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait == patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch


def stop_on_improvement(val_losses, patience):
    for epoch in range(2, len(val_losses) + 1):
        if val_losses[epoch - 1] < val_losses[epoch - 2]:
            return epoch, epoch
    return len(val_losses), 1


def stop_one_late(val_losses, patience):
    return early_stopping(val_losses, patience + 1)


def compare_with_previous(val_losses, patience):
    wait, best_epoch = 0, 1
    for epoch in range(2, len(val_losses) + 1):
        if val_losses[epoch - 1] < val_losses[epoch - 2]:
            wait, best_epoch = 0, epoch
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch


def test_early_stopping_accepts_a_correct_answer():
    assert "passed" in check_early_stopping(early_stopping)


def test_reference_agrees_with_the_keras_callback():
    losses = [1.0, 0.8, 0.9, 0.7, 0.75, 0.76, 0.74, 0.6, 0.9]
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.stop_training = False
    callback.set_model(model)
    callback.on_train_begin()
    epochs_run = len(losses)
    for epoch, loss in enumerate(losses):
        callback.on_epoch_end(epoch, {"val_loss": loss})
        if model.stop_training:
            epochs_run = epoch + 1
            break
    assert early_stopping_reference(losses, 3) == (epochs_run, callback.best_epoch + 1) == (7, 4)


@pytest.mark.parametrize(
    "wrong", [stop_on_improvement, stop_one_late, compare_with_previous, lambda v, p: None]
)
def test_early_stopping_rejects_wrong_answers(wrong):
    with pytest.raises(ExerciseFailure):
        check_early_stopping(wrong)


def test_early_stopping_says_not_solved_yet():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_early_stopping(not_started)


def test_bootstrap_says_not_solved_yet():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_bootstrap_oob(not_started)


# --------------------------------------------------------------------------- 5.2
def group_kfold(groups, k):
    groups = np.asarray(groups)
    labels, counts = np.unique(groups, return_counts=True)
    fold_of, load = {}, np.zeros(k, dtype=int)
    for index in np.argsort(-counts, kind="stable"):
        fold = int(np.argmin(load))
        fold_of[labels[index]] = fold
        load[fold] += counts[index]
    folds = np.array([fold_of[g] for g in groups])
    return [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in range(k)]


def sklearn_group_kfold(groups, k):
    from sklearn.model_selection import GroupKFold

    return list(GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups))


def item_kfold(groups, k):
    """Wrong: plain K-fold over items, ignoring the groups."""
    folds = np.arange(len(groups)) % k
    return [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in range(k)]


def round_robin_in_label_order(groups, k):
    """Wrong-ish: whole groups, but dealt out in label order regardless of size."""
    labels = np.unique(groups)
    fold_of = {g: i % k for i, g in enumerate(labels)}
    folds = np.array([fold_of[g] for g in groups])
    out = [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in range(k)]
    return out


def everything_in_one_fold(groups, k):
    n = len(groups)
    return [(np.arange(n), np.array([], dtype=int)) for _ in range(k - 1)] + [
        (np.array([], dtype=int), np.arange(n))]


def train_includes_val(groups, k):
    return [(np.arange(len(groups)), val) for _, val in group_kfold(groups, k)]


def test_group_kfold_accepts_the_greedy_rule_and_sklearn():
    assert "5.2 passed" in check_group_kfold(group_kfold)
    assert "5.2 passed" in check_group_kfold(sklearn_group_kfold)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [(item_kfold, "both train and val"), (round_robin_in_label_order, "unbalanced"),
     (everything_in_one_fold, "empty"), (train_includes_val, "every item not in its val"),
     (lambda g, k: group_kfold(g, k)[:-1], "number of"), (lambda g, k: None, "return"),
     (not_started, "not solved yet")],
)  # fmt: skip
def test_group_kfold_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_group_kfold(wrong)


# --------------------------------------------------------------------------- 5.3
def buggy_standardize(x_train, x_test):
    """The exercise-bug cell of the notebook: statistics of training and test data."""
    both = np.concatenate([x_train, x_test])
    mean, std = both.mean(axis=0), both.std(axis=0)
    return (x_train - mean) / std, (x_test - mean) / std


def fixed_standardize(x_train, x_test):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return (x_train - mean) / std, (x_test - mean) / std


def test_fixed_standardize_accepts_training_statistics():
    assert "5.3 passed" in check_fixed_standardize(fixed_standardize)


def test_fixed_standardize_accepts_keras_normalization():
    def with_keras(x_train, x_test):
        norm = keras.layers.Normalization(dtype="float64")
        norm.adapt(x_train)
        return np.asarray(norm(x_train)), np.asarray(norm(x_test))

    assert "5.3 passed" in check_fixed_standardize(with_keras)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [(buggy_standardize, "leak"),
     (lambda a, b: (fixed_standardize(a, a)[0], fixed_standardize(b, b)[0]), "its own"),
     (lambda a, b: ((a - a.mean(0)) / a.std(0, ddof=1), (b - a.mean(0)) / a.std(0, ddof=1)),
      "ddof=0"),
     (lambda a, b: ((a - a.mean()) / a.std(), (b - a.mean()) / a.std()), "not right"),
     (lambda a, b: fixed_standardize(a, b)[0], "tuple"),
     (lambda a, b: (fixed_standardize(a, b)[0], None), "forget `return`"),
     (not_started, "not solved yet")],
)  # fmt: skip
def test_fixed_standardize_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_fixed_standardize(wrong)


# --------------------------------------------------------------------------- 5.5
def test_prediction_accepts_a(capsys):
    assert "5.5 passed" in check_prediction_5_5(lambda: "a")
    assert capsys.readouterr().out.count(" passed.") == 1


@pytest.mark.parametrize(
    ("wrong", "match"),
    [(lambda: "b", r"you predicted \(b\)"), (lambda: "c", r"you predicted \(c\)"),
     (lambda: "maybe", "one of"), (not_started, "not solved yet")],
)  # fmt: skip
def test_prediction_rejects(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_5_5(wrong)


def test_prediction_not_started_reveals_nothing(capsys):
    with pytest.raises(ExerciseFailure):
        check_prediction_5_5(not_started)
    assert "patience" not in capsys.readouterr().out


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_answer_is_the_same_for_every_seed(seed):
    r = patience_experiment(seed=seed, runs=100)
    assert np.all(r["best_high"] <= r["best_low"])
    assert np.any(r["best_high"] < r["best_low"])  # and the difference shows
    assert np.all(r["epochs_high"] >= r["epochs_low"])


# --------------------------------------------------------------------------- 5.6
def max_norm(w, max_value):
    norms = np.sqrt(np.sum(w**2, axis=0, keepdims=True))
    return w * np.minimum(1.0, max_value / norms)


def test_max_norm_accepts_a_correct_answer():
    assert "5.6 passed" in check_max_norm(max_norm)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [(lambda w, c: w * np.minimum(1.0, c / np.linalg.norm(w, axis=1, keepdims=True)),
      "norm <="),  # rows: the outgoing weights of an input
     (lambda w, c: np.clip(w, -c, c), "norm <=|direction"),  # clips single weights
     (lambda w, c: w * c / np.linalg.norm(w, axis=0, keepdims=True), "unchanged"),  # scales up
     (lambda w, c: w * min(1.0, c / np.linalg.norm(w)), "unchanged"),  # one global norm
     (lambda w, c: None, "forget `return`"),
     (not_started, "not solved yet")],
)  # fmt: skip
def test_max_norm_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_max_norm(wrong)
