"""Exercise checks for chapter 05, Training deep networks well."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    Passed,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_equal,
    expect_shape,
    grade_prediction,
    passed,
)

__all__ = [
    "check_bootstrap_oob",
    "check_early_stopping",
    "check_fixed_standardize",
    "check_group_kfold",
    "check_max_norm",
    "check_prediction_5_5",
    "early_stopping_reference",
    "patience_experiment",
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


# --------------------------------------------------------------------------- 5.2


def _random_groups(rng: np.random.Generator, n_groups: int) -> np.ndarray:
    """Group labels (e.g. patient ids, not sorted, not 0..G-1) with 1 to 9 items each."""
    sizes = rng.integers(1, 10, size=n_groups)
    labels = rng.choice(np.arange(100, 1000), size=n_groups, replace=False)
    return rng.permutation(np.repeat(labels, sizes))


def check_group_kfold(group_kfold: Callable[[Any, int], Any], seed: int = 0) -> str:
    """Exercise 5.2: ``group_kfold(groups, k)``, K-fold cross-validation by group.

    Returns a list of ``k`` pairs ``(train, val)`` of index arrays. Checked on random
    group layouts: ``k`` splits; every item validated exactly once; ``train`` is every
    other item; no group on both sides of a split; and the folds balanced as well as the
    greedy rule achieves (largest fold minus smallest fold at most the largest group).
    """
    rng = np.random.default_rng(seed)
    layouts = [(_random_groups(rng, 30), 5), (_random_groups(rng, 12), 3),
               (_random_groups(rng, 7), 7), (np.array([4, 4, 4, 9, 9, 1, 1, 1, 1, 7]), 2)]
    for groups, k in layouts:
        n = len(groups)
        result = call_answer("5.2", group_kfold, groups.copy(), k)
        expect("5.2", result is not None, "group_kfold returned None; did you forget `return`?")
        splits = list(result)
        expect_equal("5.2", f"the number of (train, val) splits for k={k}", len(splits), k)
        times_validated = np.zeros(n, dtype=int)
        sizes = []
        for fold, pair in enumerate(splits):
            expect("5.2", isinstance(pair, tuple) and len(pair) == 2,
                   f"split {fold} should be a tuple (train, val), got {type(pair).__name__}")
            train = _index_array("5.2", f"train of split {fold}", pair[0])
            val = _index_array("5.2", f"val of split {fold}", pair[1])
            expect("5.2", val.size > 0, f"the validation set of split {fold} is empty")
            expect("5.2", len(np.unique(val)) == len(val) and len(np.unique(train)) == len(train),
                   f"split {fold} lists an item twice")
            expect("5.2", np.array_equal(np.sort(train), np.setdiff1d(np.arange(n), val)),
                   f"train of split {fold} should be every item not in its val set")
            shared = np.intersect1d(groups[train], groups[val])
            expect("5.2", shared.size == 0,
                   f"split {fold}: groups {shared[:5].tolist()} have items in both train and "
                   "val, so the model is validated on groups it has trained on. Assign whole "
                   "groups to folds, not items")  # fmt: skip
            times_validated[val] += 1
            sizes.append(len(val))
        expect("5.2", np.all(times_validated == 1),
               f"every item should be validated exactly once, but {np.sum(times_validated != 1)}"
               " items are validated 0 or several times")  # fmt: skip
        largest_group = int(np.max(np.unique(groups, return_counts=True)[1]))
        expect("5.2", max(sizes) - min(sizes) <= largest_group,
               f"the folds are unbalanced: validation sizes {sorted(sizes)} for {n} items in "
               f"{len(np.unique(groups))} groups (largest {largest_group}). Put the groups "
               "into folds from the largest to the smallest, each into the fold that holds "
               "the fewest items so far")  # fmt: skip
    return passed("5.2", "Whole groups go to one fold, every item is validated once, and the "
                         "folds are balanced.")


# --------------------------------------------------------------------------- 5.3


def check_fixed_standardize(fixed_standardize: Callable[[Any, Any], Any], seed: int = 0) -> str:
    """Exercise 5.3 (debug): standardize with statistics of the training set only.

    ``fixed_standardize(x_train, x_test) -> (z_train, z_test)``: both sets use the
    training set's per-feature mean and population standard deviation (as
    ``keras.layers.Normalization.adapt`` on the training data). Checked on fresh random
    data against the formula, and by changing only the test set: the training inputs
    must not move.
    """
    rng = np.random.default_rng(seed)
    for n_train, n_test, features in [(60, 25, 4), (200, 50, 7), (15, 40, 2)]:
        scale = rng.uniform(0.1, 100, size=features)
        x_train = rng.normal(rng.uniform(-50, 50, features), scale, size=(n_train, features))
        x_test = rng.normal(rng.uniform(-50, 50, features), scale, size=(n_test, features))
        result = call_answer("5.3", fixed_standardize, x_train.copy(), x_test.copy())
        expect("5.3", isinstance(result, tuple) and len(result) == 2,
               "fixed_standardize should return a tuple (z_train, z_test), got "
               f"{type(result).__name__}")  # fmt: skip
        z_train = answer_array("5.3", "z_train", result[0])
        z_test = answer_array("5.3", "z_test", result[1])
        expect_shape("5.3", "z_train", z_train, x_train.shape)
        expect_shape("5.3", "z_test", z_test, x_test.shape)
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        moved = call_answer("5.3", fixed_standardize, x_train.copy(), 3.0 * x_test + 10.0)
        z_moved = answer_array("5.3", "z_train", moved[0])
        expect("5.3", np.allclose(z_moved, z_train, rtol=1e-9, atol=1e-12),
               "the standardized TRAINING inputs change when only the test set changes: "
               "the statistics still see the test set (a leak)")  # fmt: skip
        if np.allclose(z_test.mean(axis=0), 0, atol=1e-9):
            raise ExerciseFailure("5.3", "the test set has mean exactly 0 per feature: it was "
                                         "standardized with its own statistics, so the model "
                                         "sees differently scaled inputs at test time. Use "
                                         "the training mean and std for both sets")
        expect_close("5.3", f"z_train for {n_train} training rows (x - mean) / std with the "
                     "training mean and population std (ddof=0)", z_train,
                     (x_train - mean) / std, rtol=1e-6, atol=1e-9)  # fmt: skip
        expect_close("5.3", "z_test, standardized with the TRAINING statistics", z_test,
                     (x_test - mean) / std, rtol=1e-6, atol=1e-9)  # fmt: skip
    return passed("5.3", "The statistics come from the training set only; the test set is "
                         "scaled with them, unseen.")


# --------------------------------------------------------------------------- 5.5


def patience_experiment(seed: int = 0, runs: int = 300,
                        patiences: tuple[int, int] = (2, 8)) -> dict[str, Any]:  # fmt: skip
    """Replay early stopping with two patiences on the same noisy U-shaped validation
    curves; return the best (restored) loss and the epochs run of each, per curve."""
    rng = np.random.default_rng(seed)
    low, high = patiences
    epochs = np.arange(1, 61)
    results = {"best_low": [], "best_high": [], "epochs_low": [], "epochs_high": []}
    for _ in range(runs):
        bottom = rng.integers(8, 40)
        curve = 0.3 + 0.0015 * (epochs - bottom) ** 2 + rng.normal(0, 0.04, size=60)
        for key, patience in (("low", low), ("high", high)):
            run, best = early_stopping_reference(curve, patience)
            results[f"best_{key}"].append(curve[best - 1])
            results[f"epochs_{key}"].append(run)
    return {key: np.array(value) for key, value in results.items()}


def check_prediction_5_5(predict: Callable[[], Any]) -> Passed:
    """Exercise 5.5 (predict): patience 8 instead of 2, with ``restore_best_weights``.

    The run with patience 8 trains at least as long and sees every epoch the patience-2
    run saw, so the loss it restores is never higher; it often is lower (it survives a
    noisy bump), at the price of more epochs.
    """
    call_answer("5.5", predict)  # an unsolved exercise says so before anything is revealed
    r = patience_experiment()
    lower = int(np.sum(r["best_high"] < r["best_low"]))
    equal = int(np.sum(r["best_high"] == r["best_low"]))
    higher = int(np.sum(r["best_high"] > r["best_low"]))
    runs = len(r["best_low"])
    print(f"{runs} simulated runs (noisy U-shaped validation curves, up to 60 epochs):")
    print(f"  patience 2: mean restored val loss {r['best_low'].mean():.4f}, "
          f"mean epochs trained {r['epochs_low'].mean():.1f}")
    print(f"  patience 8: mean restored val loss {r['best_high'].mean():.4f}, "
          f"mean epochs trained {r['epochs_high'].mean():.1f}")
    print(f"  patience 8 restored a lower loss in {lower} runs, the same in {equal}, "
          f"a higher one in {higher}")
    observed = (f"In {runs} runs patience 8 restored a lower validation loss {lower} times, "
                f"the same {equal} times and a higher one {higher} times, training "
                f"{r['epochs_high'].mean() - r['epochs_low'].mean():.1f} more epochs on "
                "average.")  # fmt: skip
    return grade_prediction(
        "5.5",
        predict,
        options={
            "a": "never higher than with patience 2",
            "b": "usually higher: training longer overfits more",
            "c": "sometimes lower and sometimes higher, depending on the noise",
        },
        correct="a",
        observed=observed,
        why=("The patience-8 run stops no earlier than the patience-2 run, so it has seen "
             "every epoch the other one saw, and restore_best_weights rolls back to the "
             "best of them: the extra epochs can only add candidates. Overfitting in the "
             "extra epochs costs compute, not the restored model. What a larger patience "
             "buys is robustness to noisy bumps; what it costs is epochs."),
    )


# --------------------------------------------------------------------------- 5.6


def check_max_norm(max_norm: Callable[[Any, float], Any], seed: int = 0) -> str:
    """Exercise 5.6: the max-norm constraint of a Dense kernel, as
    ``keras.constraints.MaxNorm(max_value, axis=0)``.

    Each column of ``w`` (the incoming weights of one unit) whose Euclidean norm exceeds
    ``max_value`` is scaled down to norm ``max_value``; the others stay as they are.
    """
    import keras

    rng = np.random.default_rng(seed)
    for shape, max_value in [((6, 5), 1.5), ((20, 8), 3.0), ((3, 4), 0.5)]:
        w = (rng.normal(size=shape) * rng.uniform(0.05, 1.5, size=shape[1])).astype(np.float32)
        want = np.asarray(keras.constraints.MaxNorm(max_value, axis=0)(w), dtype=np.float64)
        result = call_answer("5.6", max_norm, w.copy(), max_value)
        got = answer_array("5.6", "max_norm(w, max_value)", result)
        expect_shape("5.6", "the constrained kernel", got, shape)
        norms = np.linalg.norm(got, axis=0)
        expect("5.6", np.all(norms <= max_value * (1 + 1e-5)),
               f"every column should have norm <= {max_value}, got column norms "
               f"{np.round(norms, 3).tolist()}")  # fmt: skip
        small = np.linalg.norm(w, axis=0) < max_value
        expect("5.6", np.allclose(got[:, small], w[:, small], rtol=1e-5, atol=1e-6),
               "columns whose norm is already below max_value must stay unchanged (the "
               "constraint only scales down)")  # fmt: skip
        long = ~small
        direction = got[:, long] / np.maximum(np.linalg.norm(got[:, long], axis=0), 1e-12)
        expect("5.6", np.allclose(direction, w[:, long] / np.linalg.norm(w[:, long], axis=0),
                                  atol=1e-5),
               "a constrained column must keep its direction: scale the whole column by "
               "max_value / its norm, do not clip single weights")  # fmt: skip
        expect_close("5.6", f"the kernel of shape {shape} with max_value={max_value}, "
                     "compared with keras.constraints.MaxNorm(axis=0)", got, want,
                     rtol=1e-5, atol=1e-6)  # fmt: skip
    return passed("5.6", "Your max-norm matches keras.constraints.MaxNorm: long columns are "
                         "scaled back onto the ball, short ones are left alone.")
