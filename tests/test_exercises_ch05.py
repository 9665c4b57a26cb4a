"""Each chapter-05 check accepts a correct answer and rejects plausible wrong ones."""

import keras
import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch05 import (
    check_batch_norm_train,
    check_bootstrap_oob,
    check_dropout,
    check_early_stopping,
    early_stopping_reference,
)


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


# --------------------------------------------------------------------------- 5.2
def dropout(x, keep_mask, rate, training):
    return x * keep_mask / (1 - rate) if training else x


def test_dropout_accepts_a_correct_answer():
    assert "passed" in check_dropout(dropout)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x, m, r, t: x * m if t else x, r"1 / \(1 - rate\)"),  # no scaling
        (lambda x, m, r, t: x * m / (1 - r), "inference"),  # active at inference
        (lambda x, m, r, t: x * m * (1 - r) if t else x, "not right"),  # wrong scaling
        (lambda x, m, r, t: x * ~m / (1 - r) if t else x, "not right"),  # drops the kept units
        (lambda x, m, r, t: x * m / (1 - r) if t else x * (1 - r), "inference"),  # old-style
        (lambda x, m, r, t: None, "returned None"),
    ],
)
def test_dropout_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_dropout(wrong)


# --------------------------------------------------------------------------- 5.3
def batch_norm_train(x, gamma, beta, epsilon):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + epsilon) + beta


def test_batch_norm_accepts_a_correct_answer():
    assert "passed" in check_batch_norm_train(batch_norm_train)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x, g, b, e: g * (x - x.mean(axis=1, keepdims=True))
         / np.sqrt(x.var(axis=1, keepdims=True) + e) + b, "not right"),  # per sample
        (lambda x, g, b, e: g * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0, ddof=1) + e) + b,
         "not right"),  # unbiased variance
        (lambda x, g, b, e: g * (x - x.mean(axis=0)) / (x.std(axis=0) + e) + b, "not right"),
        (lambda x, g, b, e: (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + e), "not right"),
        (lambda x, g, b, e: g * (x - x.mean()) / np.sqrt(x.var() + e) + b, "not right"),
        (lambda x, g, b, e: None, "returned None"),
    ],
)
def test_batch_norm_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_batch_norm_train(wrong)


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
