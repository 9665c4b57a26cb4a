"""Exercise checks for chapter 03, Loss functions.

The references are ``keras.losses`` themselves (computed in float32) or, for the
predict-then-run question, a small NumPy experiment. Exercises: 3.1 label smoothing
(transfer), 3.2 the focal loss (transfer), 3.3 what the Huber loss does with a distant
outlier (predict), 3.4 a cross-entropy whose softmax runs over the wrong axis (debug),
3.5 the loss for each task (practice).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    diagnose_mistake,
    expect,
    expect_close,
    grade_prediction,
    passed,
)

__all__ = [
    "LOSS_TASKS",
    "PREDICTION_3_3",
    "check_categorical_cross_entropy",
    "check_focal_loss",
    "check_loss_choices",
    "check_prediction_3_3",
    "check_smoothed_cross_entropy",
]


def _scalar(exercise: str, what: str, value: Any) -> float:
    """``value`` as a float; fail unless it is one number (array of shape () or (1,))."""
    expect(exercise, value is not None, f"{what} returned None; did you forget `return`?")
    array = answer_array(exercise, f"the value {what} returned", value, expected="a number")
    expect(
        exercise,
        array.size == 1,
        f"{what} should return one number (the mean over all samples), got an array of "
        f"shape {array.shape}; check your brackets and that np.mean covers the whole sum",
    )
    return float(array.reshape(()))


# ----------------------------------------------------------------------------- helpers


def _keras_loss(loss: Any, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(loss(y_true.astype(np.float32), y_pred.astype(np.float32)))


def _close(a: float, b: float, rtol: float = 1e-5) -> bool:
    return bool(np.isclose(a, b, rtol=rtol, atol=1e-7))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# ----------------------------------------------------------------------------- 3.1


def check_smoothed_cross_entropy(smoothed_cross_entropy: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 3.1: ``smoothed_cross_entropy(y_onehot, logits, smoothing)`` is the mean
    categorical cross-entropy from logits with label smoothing.

    Compared with ``keras.losses.CategoricalCrossentropy(from_logits=True,
    label_smoothing=smoothing)`` for several class counts and smoothings, and on logits
    in the hundreds, where a softmax computed naively overflows.
    """
    import keras

    rng = np.random.default_rng(seed)
    cases = [(16, 5, 0.1, 3.0), (10, 3, 0.2, 2.0), (8, 10, 0.0, 3.0), (6, 4, 0.1, 300.0)]
    for n, k, smoothing, scale in cases:
        labels = rng.integers(0, k, size=n)
        y = np.eye(k)[labels]
        z = rng.normal(scale=scale, size=(n, k))
        what = (f"smoothed_cross_entropy for {n} samples, {k} classes, smoothing={smoothing}"
                + (f", logits of size ~{scale:g}" if scale > 10 else ""))  # fmt: skip
        with np.errstate(all="ignore"):
            got = _scalar("3.1", what, call_answer("3.1", smoothed_cross_entropy, y.copy(),
                                                   z.copy(), smoothing))  # fmt: skip
        want = _keras_loss(keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=smoothing), y, z)  # fmt: skip
        if not np.isfinite(got):
            raise ExerciseFailure(
                "3.1", f"{what} is {got}: exp overflows for large logits. Use a stable "
                "log-softmax (log_softmax from the Setup cell, or subtract each row's maximum "
                "first, section 4)"
            )  # fmt: skip
        log_p = _log_softmax(z)
        plain = -np.mean(np.sum(y * log_p, axis=-1))
        other = y * (1 - smoothing) + (1 - y) * smoothing / (k - 1)
        mistakes = {
            "it is the cross-entropy without smoothing: the smoothing argument is ignored. "
            "Soften the targets first": plain,
            "it spreads the smoothing over the K - 1 wrong classes only; Keras spreads it over "
            "all K classes: y * (1 - smoothing) + smoothing / K":
                -np.mean(np.sum(other * log_p, axis=-1)),
            "the smoothed targets do not sum to 1: y * (1 - smoothing) loses mass; add "
            "smoothing / K to every class": -np.mean(np.sum(y * (1 - smoothing) * log_p, -1)),
            "it has the wrong sign: log-probabilities are negative, so the loss is "
            "-mean(sum(targets * log_softmax(logits)))": -want,
        }
        diagnose_mistake("3.1", f"{what} = {got:.5g} (expected {want:.5g})", got, mistakes,
                         right=want, rtol=1e-4, atol=1e-7)  # fmt: skip
        expect_close("3.1", what, got, want, rtol=1e-5, atol=1e-6)
    return passed("3.1", "Your smoothed cross-entropy matches Keras's label_smoothing, large "
                         "logits included.")  # fmt: skip


# ----------------------------------------------------------------------------- 3.2


def check_focal_loss(binary_focal_loss: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 3.2: ``binary_focal_loss(y_true, logits, gamma=2.0)`` is the mean binary
    focal loss from logits, ``-(1 - p_t)**gamma * log(p_t)``.

    Compared with ``keras.losses.BinaryFocalCrossentropy(gamma=..., from_logits=True)``,
    with the default and other values of ``gamma``, on batches that include confidently
    wrong logits (|z| = 40), where log(sigmoid) computed naively is infinite.
    """
    import keras

    rng = np.random.default_rng(seed)
    for shape, gamma in [((32, 4), None), ((20, 3), 0.5), ((50, 1), 0.0), ((16, 2), 3.0)]:
        y = rng.integers(0, 2, size=shape).astype(np.float64)
        z = rng.normal(scale=3.0, size=shape)
        z.flat[0], y.flat[0] = 40.0, 0.0  # confidently wrong: p = 1 - 4e-18 for a negative
        z.flat[1], y.flat[1] = -40.0, 1.0
        g = 2.0 if gamma is None else gamma
        what = (f"binary_focal_loss for shape {shape}"
                + ("" if gamma is None else f", gamma={gamma}"))  # fmt: skip
        args = (y.copy(), z.copy()) if gamma is None else (y.copy(), z.copy(), gamma)
        with np.errstate(all="ignore"):
            got = _scalar("3.2", what, call_answer("3.2", binary_focal_loss, *args))
        want = _keras_loss(keras.losses.BinaryFocalCrossentropy(gamma=g, from_logits=True), y, z)
        if not np.isfinite(got):
            raise ExerciseFailure(
                "3.2", f"{what} is {got}: for a confidently wrong logit (z = 40 with y = 0) "
                "1 - sigmoid(z) rounds to 0 and its log is -inf. Compute the cross-entropy "
                "from the logits with section 4's stable formula, "
                "max(z, 0) - z * y + log(1 + exp(-|z|))"
            )  # fmt: skip
        bce = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        p = 1 / (1 + np.exp(-z))
        p_t = y * p + (1 - y) * (1 - p)
        mistakes = {
            "it is the plain binary cross-entropy: the focal factor (1 - p_t)**gamma is "
            "missing": np.mean(bce),
            "it uses gamma = 2 whatever the gamma argument says": np.mean((1 - p_t) ** 2 * bce),
            "the factor uses p, the probability of class 1; use p_t, the probability of the "
            "*true* class (p where y = 1, 1 - p where y = 0)": np.mean((1 - p) ** g * bce),
            "the factor is p_t**gamma, which down-weights the *wrong* examples; focal loss "
            "down-weights the easy ones with (1 - p_t)**gamma": np.mean(p_t**g * bce),
        }
        diagnose_mistake("3.2", f"{what} = {got:.5g} (expected {want:.5g})", got, mistakes,
                         right=want, rtol=1e-4, atol=1e-7)  # fmt: skip
        expect_close("3.2", what, got, want, rtol=1e-5, atol=1e-6)
    return passed("3.2", "Your focal loss matches keras.losses.BinaryFocalCrossentropy, "
                         "confident mistakes included.")  # fmt: skip


# ----------------------------------------------------------------------------- 3.3

PREDICTION_3_3 = {
    "a": "it rises by about as much as the mean does: the outlier's residual is 10 times "
         "larger",
    "b": "it rises, less than the mean but noticeably (by a few units)",
    "c": "it does not change at all",
}
"""The options of exercise 3.3."""


def _huber_constant(readings: np.ndarray, delta: float) -> float:
    """The constant c that minimises the mean Huber loss of ``readings``: the root of the
    (non-decreasing) derivative sum(clip(c - y, -delta, delta)), found by bisection."""
    lo, hi = float(readings.min()), float(readings.max())
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.sum(np.clip(mid - readings, -delta, delta)) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def check_prediction_3_3(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 3.3: the best constant under the Huber loss (delta = 1) when an outlier
    moves from 60 to 600.

    The prediction is asked for first; then fresh readings around 12 plus one outlier are
    drawn, and the Huber-optimal constant and the mean are computed for both outliers.
    """
    call_answer("3.3", predict)  # nothing is revealed before the learner has answered
    rng = np.random.default_rng(seed)
    clean = rng.normal(loc=12.0, scale=1.5, size=19)
    near, far = np.append(clean, 60.0), np.append(clean, 600.0)
    c_near, c_far = _huber_constant(near, 1.0), _huber_constant(far, 1.0)
    observed = (f"On 19 fresh readings around 12 plus one outlier, the Huber constant is "
                f"{c_near:.4f} with the outlier at 60 and {c_far:.4f} with it at 600 "
                f"(difference {abs(c_far - c_near):.0e}), while the mean moves from "
                f"{near.mean():.2f} to {far.mean():.2f}.")  # fmt: skip
    print(f"outlier at  60: Huber constant {c_near:.4f}, mean {near.mean():.2f}")
    print(f"outlier at 600: Huber constant {c_far:.4f}, mean {far.mean():.2f}")
    why = ("The minimum is where the pulls cancel, sum(clip(c - y, -delta, delta)) = 0. Any "
           "residual larger than delta pulls with exactly delta, however large it is, so "
           "moving the outlier further away changes nothing (as long as it stays beyond "
           "delta). The squared error's pull 2r grows with the outlier, hence the mean's jump.")
    return grade_prediction("3.3", predict, options=PREDICTION_3_3, correct="c",
                            observed=observed, why=why)  # fmt: skip


# ----------------------------------------------------------------------------- 3.4


def check_categorical_cross_entropy(fixed_categorical_cross_entropy: Callable[..., Any],
                                    seed: int = 0) -> str:  # fmt: skip
    """Exercise 3.4: ``fixed_categorical_cross_entropy(y_onehot, logits)`` is the mean
    categorical cross-entropy of one-hot targets and logits of shape ``(n, K)``.

    Compared with ``keras.losses.CategoricalCrossentropy(from_logits=True)`` on batches of
    several sizes, a batch of one example included (where a softmax over the batch axis
    gives every example the probability 1 and the loss 0).
    """
    import keras

    rng = np.random.default_rng(seed)
    for n, k in [(12, 4), (1, 5), (7, 7), (30, 3)]:
        labels = rng.integers(0, k, size=n)
        y = np.eye(k)[labels]
        z = rng.normal(scale=2.5, size=(n, k))
        what = f"fixed_categorical_cross_entropy for {n} sample{'s' if n > 1 else ''}, {k} classes"
        with np.errstate(all="ignore"):
            got = _scalar("3.4", what, call_answer("3.4", fixed_categorical_cross_entropy,
                                                   y.copy(), z.copy()))  # fmt: skip
        want = _keras_loss(keras.losses.CategoricalCrossentropy(from_logits=True), y, z)
        shifted = z - z.max(axis=1, keepdims=True)
        over_batch = np.log(np.exp(shifted) / np.exp(shifted).sum(axis=0, keepdims=True))
        if not _close(got, want) and _close(got, -np.mean(np.sum(y * over_batch, axis=1)), 1e-4):
            raise ExerciseFailure(
                "3.4", f"{what} = {got:.5g}, expected {want:.5g}: the softmax still normalises "
                "over axis 0, the batch; each example's probabilities must sum to 1 over its "
                "classes, axis 1 (keepdims=True keeps the shapes compatible)"
            )  # fmt: skip
        expect_close("3.4", what, got, want, rtol=1e-5, atol=1e-6)
    return passed("3.4", "Each example's softmax now sums to 1 over its classes; the loss "
                         "matches Keras, for a batch of one too.")  # fmt: skip


# ----------------------------------------------------------------------------- 3.5

LOSS_TASKS = {
    "price": "regression: one real number (a price), 1 output unit",
    "spam": "binary classification: labels 0 or 1, 1 output unit",
    "digit": "multi-class classification: integer labels 0..9, 10 output units",
    "tags": "multi-label classification: 0/1 vectors of 20 tags, 20 output units",
}
"""The four tasks of exercise 3.5."""

_REGRESSION_LOSSES = {"mean_squared_error", "mean_absolute_error", "huber", "log_cosh"}


def _activation_name(value: Any) -> str:
    if value is None:
        return "linear"
    if isinstance(value, str):
        return value.strip().lower()
    return str(getattr(value, "__name__", value)).lower()


def _loss_name(value: Any) -> tuple[str, bool]:
    """``(function name, from_logits)`` of a loss given as a string, function or Loss object."""
    import keras

    if isinstance(value, type):
        raise ExerciseFailure(
            "3.5", f"{value.__name__} is a class: pass an instance, e.g. {value.__name__}(), "
            "or a string such as 'binary_crossentropy'"
        )  # fmt: skip
    try:
        loss = keras.losses.get(value)
    except (ValueError, TypeError):
        raise ExerciseFailure("3.5", f"{value!r} is not a Keras loss") from None
    from_logits = bool(getattr(loss, "from_logits", False))
    fn = getattr(loss, "fn", loss)
    return str(getattr(fn, "__name__", fn)), from_logits


def _judge(task: str, activation: str, loss: str, from_logits: bool) -> str | None:
    """Why the choice is wrong for ``task``, or ``None`` when it is right."""
    if from_logits and activation != "linear":
        return (f"from_logits=True means the model outputs raw scores, so the last layer "
                f"needs no activation, not {activation!r}")  # fmt: skip
    if task == "price":
        if activation != "linear":
            return (f"a {activation!r} output is bounded or positive-only; a real-valued target "
                    "needs a linear output (activation None or 'linear')")  # fmt: skip
        if loss not in _REGRESSION_LOSSES:
            return f"{loss!r} is a classification loss; a price needs a regression loss (MSE...)"
        return None
    # the classification tasks
    if activation == "linear" and not from_logits:
        return (f"with a linear output, {loss!r} receives raw scores, not probabilities: add "
                "the right activation, or use a Loss object with from_logits=True")  # fmt: skip
    if loss in _REGRESSION_LOSSES:
        return (f"{loss!r} is a regression loss; it trains classifiers slowly (its gradient "
                "vanishes for confident mistakes): use a cross-entropy")  # fmt: skip
    if task == "spam":
        if activation == "softmax":
            return "a softmax over 1 unit always outputs 1.0; one unit needs a sigmoid"
        expected = ("sigmoid", "binary_crossentropy")
    elif task == "digit":
        if loss == "categorical_crossentropy":
            return ("the labels are integers 0..9, not one-hot vectors: categorical "
                    "cross-entropy would need one-hot targets; use its sparse version")  # fmt: skip
        if activation == "sigmoid" or loss == "binary_crossentropy":
            return ("exactly one digit is right, so the 10 probabilities must compete and sum "
                    "to 1: a softmax with a (sparse) categorical cross-entropy")  # fmt: skip
        expected = ("softmax", "sparse_categorical_crossentropy")
    else:
        if activation == "softmax" or "categorical" in loss:
            return ("several tags can be on at once; a softmax makes them compete (they sum to "
                    "1). Each tag is its own yes/no question: a sigmoid per unit and binary "
                    "cross-entropy")  # fmt: skip
        expected = ("sigmoid", "binary_crossentropy")
    want_activation, want_loss = expected
    if loss != want_loss:
        return f"expected the loss {want_loss!r}, got {loss!r}"
    if activation != want_activation and not from_logits:
        return f"expected the activation {want_activation!r}, got {activation!r}"
    return None


def check_loss_choices(loss_choices: Callable[[], Any] | Mapping[str, Any]) -> str:
    """Exercise 3.5: ``loss_choices()`` returns ``{task: (final activation, loss)}`` for
    each of :data:`LOSS_TASKS` (a dict itself is accepted too).

    Activations and losses may be given as Keras strings (``"sigmoid"``, ``"mse"``), as
    functions, or as ``keras.losses`` objects; a loss with ``from_logits=True`` must
    come with a linear output (activation ``None`` or ``"linear"``).
    """
    choices = loss_choices
    if callable(loss_choices) and not isinstance(loss_choices, Mapping):
        choices = call_answer("3.5", loss_choices)
    expect("3.5", isinstance(choices, Mapping),
           f"choices should be a dict, got {type(choices).__name__}")  # fmt: skip
    missing = sorted(set(LOSS_TASKS) - set(choices))
    extra = sorted(set(choices) - set(LOSS_TASKS))
    expect("3.5", not missing and not extra,
           f"choices needs exactly the keys {sorted(LOSS_TASKS)}; missing {missing}, "
           f"unexpected {extra}")  # fmt: skip
    for task, description in LOSS_TASKS.items():
        pair = choices[task]
        expect("3.5", isinstance(pair, (tuple, list)) and len(pair) == 2,
               f"choices[{task!r}] should be a pair (activation, loss), got {pair!r}")  # fmt: skip
        activation = _activation_name(pair[0])
        loss, from_logits = _loss_name(pair[1])
        problem = _judge(task, activation, loss, from_logits)
        if problem is not None:
            raise ExerciseFailure("3.5", f"{task!r} ({description}): {problem}")
    return passed("3.5", "Regression, binary, multi-class and multi-label each get the right pair.")
