"""Exercise checks for chapter 05, Training deep networks well."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    call_answer,
    expect,
    expect_close,
    expect_equal,
    expect_shape,
    passed,
)

__all__ = [
    "check_batch_norm_train",
    "check_bootstrap_oob",
    "check_dropout",
    "check_early_stopping",
    "early_stopping_reference",
]


def _index_array(exercise: str, what: str, value: Any) -> np.ndarray:
    expect(exercise, value is not None, f"{what} is None; did you forget `return`?")
    array = np.asarray(value)
    expect(exercise, array.ndim == 1 and (array.size == 0 or np.issubdtype(array.dtype,
           np.integer)), f"{what} should be a 1-D array of integer indices, got "
           f"dtype {array.dtype} and shape {array.shape}")  # fmt: skip
    return array


def check_bootstrap_oob(bootstrap_oob: Callable[[int, Any], Any], seed: int = 0) -> str:
    """Exercise 5.1: ``bootstrap_oob(n, rng)`` returns ``(in_bag, oob)``.

    ``in_bag`` holds ``n`` indices drawn from ``range(n)`` *with replacement*; ``oob`` is
    every index that was never drawn, sorted. Checked over many rounds: sizes, range,
    disjointness, that together they cover ``range(n)``, that repeats occur, and that
    about ``(1 - 1/n)**n`` (~36.8 %) of the items are out of bag on average.
    """
    rng = np.random.default_rng(seed)
    n, fractions, repeats = 100, [], 0
    for _ in range(200):
        result = call_answer("5.1", bootstrap_oob, n, rng)
        expect("5.1", isinstance(result, tuple) and len(result) == 2,
               f"bootstrap_oob should return a tuple (in_bag, oob), got {type(result).__name__}")
        in_bag = _index_array("5.1", "in_bag", result[0])
        oob = _index_array("5.1", "oob", result[1])
        expect_shape("5.1", "in_bag (n draws)", in_bag, (n,))
        expect("5.1", in_bag.min() >= 0 and in_bag.max() < n,
               f"in_bag must hold indices in range(n) = 0..{n - 1}")
        overlap = np.intersect1d(in_bag, oob)
        expect("5.1", overlap.size == 0,
               f"the out-of-bag set must not contain drawn items, but {overlap[:5]} are in both")
        missing = np.setdiff1d(np.arange(n), np.union1d(in_bag, oob))
        expect("5.1", missing.size == 0,
               f"every item never drawn belongs to oob, but {missing[:5]} are in neither")
        expect("5.1", np.array_equal(oob, np.sort(oob)), "oob should be sorted")
        repeats += len(np.unique(in_bag)) < n
        fractions.append(len(oob) / n)
    expect("5.1", repeats > 0,
           "in_bag never repeats an item: a bootstrap sample draws n items WITH replacement "
           "(rng.integers or rng.choice(n, n, replace=True)), not a permutation")
    mean = float(np.mean(fractions))
    expected = (1 - 1 / n) ** n
    expect("5.1", abs(mean - expected) < 0.02,
           f"on average {mean:.1%} of the items were out of bag, expected about {expected:.1%}: "
           "draw each of the n items uniformly from range(n)")
    return passed("5.1", f"{mean:.1%} of the items were out of bag on average (theory "
                         f"{expected:.1%}).")  # fmt: skip


def check_dropout(dropout: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 5.2: ``dropout(x, keep_mask, rate, training)``, inverted dropout.

    In training, ``x * keep_mask / (1 - rate)``; at inference, ``x`` unchanged.
    Compared with ``keras.layers.Dropout``: its output in training is read back to get
    the mask, and the answer must reproduce it.
    """
    import keras

    rng = np.random.default_rng(seed)
    for rate in (0.2, 0.5):
        x = (rng.uniform(0.5, 2, size=(16, 12)) * rng.choice([-1, 1], size=(16, 12))).astype(
            np.float32
        )
        y_keras = np.asarray(keras.layers.Dropout(rate, seed=int(seed + 10 * rate))(
            x, training=True))  # fmt: skip
        keep_mask = y_keras != 0
        result = call_answer("5.2", dropout, x, keep_mask, rate, True)
        expect("5.2", result is not None, "dropout returned None; did you forget `return`?")
        expect_shape("5.2", "the training output", result, x.shape)
        got = np.asarray(result, dtype=np.float64)
        if np.allclose(got, x * keep_mask, rtol=1e-5):
            raise ExerciseFailure("5.2", "the kept units must be scaled by 1 / (1 - rate) so "
                                         "that the expected output equals x (inverted dropout)")
        expect_close("5.2", f"the training output (rate={rate}) against keras.layers.Dropout",
                     got, y_keras, rtol=1e-5, atol=1e-6)  # fmt: skip
        inference = call_answer("5.2", dropout, x, keep_mask, rate, False)
        expect("5.2", inference is not None, "dropout(..., training=False) returned None")
        expect_close("5.2", "the inference output (dropout is off: the identity)",
                     inference, np.asarray(keras.layers.Dropout(rate)(x, training=False)))
    return passed("5.2", "Your dropout matches keras.layers.Dropout in training and inference.")


def check_batch_norm_train(batch_norm_train: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 5.3: ``batch_norm_train(x, gamma, beta, epsilon)`` in training mode.

    Each feature (column) is normalized with its mean and biased variance over the
    batch, then scaled by ``gamma`` and shifted by ``beta``. Compared with
    ``keras.layers.BatchNormalization`` called with ``training=True``.
    """
    import keras

    rng = np.random.default_rng(seed)
    for shape in [(32, 5), (10, 3)]:
        x = (rng.normal(size=shape) * rng.uniform(0.5, 10, size=shape[1])
             + rng.uniform(-5, 5, size=shape[1])).astype(np.float32)  # fmt: skip
        gamma = rng.uniform(0.5, 2, size=shape[1]).astype(np.float32)
        beta = rng.normal(size=shape[1]).astype(np.float32)
        layer = keras.layers.BatchNormalization(epsilon=1e-3)
        layer.build((None, shape[1]))
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
        expected = np.asarray(layer(x, training=True))
        result = call_answer("5.3", batch_norm_train, x, gamma, beta, 1e-3)
        expect("5.3", result is not None, "batch_norm_train returned None")
        expect_shape("5.3", f"the output for x of shape {shape}", result, shape)
        expect_close("5.3", f"the output for x of shape {shape} against "
                     "keras.layers.BatchNormalization (training=True)", result, expected,
                     rtol=1e-4, atol=1e-4)  # fmt: skip
    return passed("5.3", "Each feature is normalized over the batch, as Keras does.")


def early_stopping_reference(val_losses: Any, patience: int) -> tuple[int, int]:
    """``(epochs_run, best_epoch)`` (1-based) of ``keras.callbacks.EarlyStopping``.

    ``monitor="val_loss"``, ``min_delta=0``: an epoch improves when its loss is strictly
    below the best so far; training stops after ``patience`` epochs in a row without
    improvement (or when the losses run out).
    """
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch


def check_early_stopping(early_stopping: Callable[[Any, int], Any], seed: int = 0) -> str:
    """Exercise 5.4: ``early_stopping(val_losses, patience)`` returns ``(epochs_run, best)``.

    Tested on random noisy U-shaped validation curves and a few hand-made ones
    against :func:`early_stopping_reference`.
    """
    rng = np.random.default_rng(seed)
    cases = [([1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.7, 0.9], 3),
             ([1.0, 0.9, 0.95, 0.85, 0.96, 0.97], 2),
             ([0.5, 0.4, 0.3, 0.2], 2),
             ([0.5, 0.5, 0.5, 0.5, 0.5], 2)]  # fmt: skip
    for _ in range(20):
        epochs = np.arange(1, 41)
        curve = 0.002 * (epochs - rng.integers(5, 30)) ** 2 + 0.3 + rng.normal(0, 0.05, 40)
        cases.append((list(np.round(curve, 3)), int(rng.integers(1, 8))))
    for losses, patience in cases:
        result = call_answer("5.4", early_stopping, list(losses), patience)
        expect("5.4", isinstance(result, tuple) and len(result) == 2,
               "early_stopping should return a tuple (epochs_run, best_epoch)")
        expected = early_stopping_reference(losses, patience)
        got = tuple(int(v) for v in result)
        shown = losses if len(losses) <= 10 else "a noisy U-shaped curve"
        expect_equal("5.4", f"(epochs_run, best_epoch) for patience={patience} and losses "
                     f"{shown}", got, expected)  # fmt: skip
    return passed("5.4", "Training stops after `patience` epochs without improvement.")
