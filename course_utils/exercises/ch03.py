"""Exercise checks for chapter 03, Loss functions.

The references are the scratch losses of :mod:`course_utils.losses`, which the
unit tests compare with ``keras.losses``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from course_utils import losses
from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_shape,
    passed,
)

__all__ = [
    "LOSS_TASKS",
    "check_binary_cross_entropy",
    "check_huber",
    "check_log_softmax",
    "check_loss_choices",
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


# ----------------------------------------------------------------------------- 3.1


def check_binary_cross_entropy(binary_cross_entropy: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 3.1: ``binary_cross_entropy(y_true, p)`` is the mean binary cross-entropy.

    Tested on random 0/1 labels and probabilities of several shapes against
    :func:`course_utils.losses.binary_crossentropy`, then on certain mistakes
    (``p`` exactly 0 or 1), where an unclipped logarithm gives ``inf``.
    """
    rng = np.random.default_rng(seed)
    for shape in [(40,), (25, 3), (8, 1)]:
        y = rng.integers(0, 2, size=shape).astype(np.float32)
        p = rng.uniform(0.02, 0.98, size=shape).astype(np.float32)
        got = _scalar("3.1", f"binary_cross_entropy for shape {shape}",
                      call_answer("3.1", binary_cross_entropy, y, p))  # fmt: skip
        want = losses.binary_crossentropy(y, p)
        clipped = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
        brackets = -np.mean(y * np.log(clipped)) + np.mean((1 - y) * np.log(1 - clipped))
        if np.isclose(got, -want, rtol=1e-4):
            raise ExerciseFailure(
                "3.1", f"you return {got:.5g}, the right value with the wrong sign ({want:.5g}): "
                "log p < 0, so the loss needs a minus sign in front of the mean"
            )  # fmt: skip
        if np.isclose(got, brackets, rtol=1e-4):
            raise ExerciseFailure(
                "3.1", f"you return {got:.5g}, expected {want:.5g}: the minus sign and the mean "
                "must cover *both* terms, -(1/n) Σ [y log p + (1 - y) log(1 - p)]"
            )  # fmt: skip
        expect_close("3.1", f"binary_cross_entropy for shape {shape}", got, want, rtol=1e-5)

    # two certain mistakes; the tolerance allows for clipping in float32, where
    # 1 - 1e-7 rounds to 1 - 1.19e-7
    y = np.array([1.0, 0.0, 1.0, 0.0], dtype=np.float32)
    p = np.array([0.0, 1.0, 0.9, 0.1], dtype=np.float32)
    with np.errstate(all="ignore"):
        got = _scalar("3.1", "binary_cross_entropy with p exactly 0 or 1",
                      call_answer("3.1", binary_cross_entropy, y, p))  # fmt: skip
    expect(
        "3.1",
        np.isfinite(got),
        f"with p exactly 0 or 1 the loss is {got}: clip p to [1e-7, 1 - 1e-7] before taking "
        "logarithms, as Keras does",
    )
    expect_close("3.1", "binary_cross_entropy with p exactly 0 or 1 (after clipping to "
                 "[1e-7, 1 - 1e-7])", got, losses.binary_crossentropy(y, p), rtol=2e-2)  # fmt: skip
    return passed("3.1", "Your BCE matches the Keras formula, brackets and clipping included.")


# ----------------------------------------------------------------------------- 3.2


def check_huber(huber_loss: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 3.2: ``huber_loss(y_true, y_pred, delta=1.0)`` is the mean Huber loss.

    Residuals are drawn on both sides of ``delta`` so that both branches count;
    tested with the default ``delta`` and with ``delta`` = 0.5 and 3.
    """
    rng = np.random.default_rng(seed)
    y = rng.normal(size=200).astype(np.float32)
    for delta in [None, 0.5, 3.0]:
        d = 1.0 if delta is None else delta
        y_pred = (y + rng.uniform(-3 * d, 3 * d, size=y.shape)).astype(np.float32)
        what = "huber_loss(y_true, y_pred)" if delta is None else f"huber_loss(..., delta={delta})"
        args = (y, y_pred) if delta is None else (y, y_pred, delta)
        got = _scalar("3.2", what, call_answer("3.2", huber_loss, *args))
        want = losses.huber(y, y_pred, delta=d)
        r = np.abs(y_pred.astype(np.float64) - y)
        swapped = np.mean(np.where(r <= d, d * r - 0.5 * d**2, 0.5 * r**2))
        if np.isclose(got, swapped, rtol=1e-4):
            raise ExerciseFailure(
                "3.2", f"{what} = {got:.5g}, expected {want:.5g}: the branches are swapped. "
                "Small errors (|r| <= delta) get the quadratic ½ r², large ones the linear "
                "delta·|r| - ½ delta²"
            )  # fmt: skip
        if delta is not None and np.isclose(got, losses.huber(y, y_pred), rtol=1e-4):
            raise ExerciseFailure(
                "3.2", f"{what} = {got:.5g}, the value for delta=1, expected {want:.5g}: "
                "use the delta argument instead of 1"
            )  # fmt: skip
        expect_close("3.2", what, got, want, rtol=1e-5)
    return passed("3.2", "Quadratic near zero, linear in the tails, continuous at delta.")


# ----------------------------------------------------------------------------- 3.3


def check_log_softmax(stable_log_softmax: Callable[[Any], Any], seed: int = 0) -> str:
    """Exercise 3.3: ``stable_log_softmax(z)`` is log(softmax(z)) over the last axis, stably.

    Compared with :func:`course_utils.losses.log_softmax` on ordinary logits, then on
    logits in the thousands, where the naive ``log(exp(z) / sum(exp(z)))`` gives
    ``nan`` and ``-inf``.
    """
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=2.0, size=(6, 5))
    got = call_answer("3.3", stable_log_softmax, z)
    expect("3.3", got is not None, "stable_log_softmax returned None; did you forget `return`?")
    expect_shape("3.3", "stable_log_softmax(z) for z of shape (6, 5)", got, (6, 5))
    expect_close("3.3", "stable_log_softmax(z) for ordinary logits", got, losses.log_softmax(z),
                 rtol=1e-5, atol=1e-6)  # fmt: skip
    big = np.array([[1000.0, 0.0, -1000.0], [-800.0, -805.0, -790.0]])
    with np.errstate(all="ignore"):
        got = np.asarray(call_answer("3.3", stable_log_softmax, big), dtype=np.float64)
    expect(
        "3.3",
        got.shape == big.shape and bool(np.all(np.isfinite(got))),
        f"for logits {big.tolist()} you return {got.tolist()}: exp overflows (or underflows "
        "to 0). Subtract the largest logit of each row first, m = max(z), and use "
        "log softmax(z)_k = z_k - m - log Σ_j exp(z_j - m)",
    )
    expect_close("3.3", "stable_log_softmax(z) for large logits", got, losses.log_softmax(big),
                 rtol=1e-5, atol=1e-6)  # fmt: skip
    return passed("3.3", "Finite and exact even for logits in the thousands.")


# ----------------------------------------------------------------------------- 3.4

LOSS_TASKS = {
    "price": "regression: one real number (a price), 1 output unit",
    "spam": "binary classification: labels 0 or 1, 1 output unit",
    "digit": "multi-class classification: integer labels 0..9, 10 output units",
    "tags": "multi-label classification: 0/1 vectors of 20 tags, 20 output units",
}
"""The four tasks of exercise 3.4."""

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
            "3.4", f"{value.__name__} is a class: pass an instance, e.g. {value.__name__}(), "
            "or a string such as 'binary_crossentropy'"
        )  # fmt: skip
    try:
        loss = keras.losses.get(value)
    except (ValueError, TypeError):
        raise ExerciseFailure("3.4", f"{value!r} is not a Keras loss") from None
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
    """Exercise 3.4: ``loss_choices()`` returns ``{task: (final activation, loss)}`` for
    each of :data:`LOSS_TASKS` (a dict itself is accepted too).

    Activations and losses may be given as Keras strings (``"sigmoid"``, ``"mse"``), as
    functions, or as ``keras.losses`` objects; a loss with ``from_logits=True`` must
    come with a linear output (activation ``None`` or ``"linear"``).
    """
    choices = loss_choices
    if callable(loss_choices) and not isinstance(loss_choices, Mapping):
        choices = call_answer("3.4", loss_choices)
    expect("3.4", isinstance(choices, Mapping),
           f"choices should be a dict, got {type(choices).__name__}")  # fmt: skip
    missing = sorted(set(LOSS_TASKS) - set(choices))
    extra = sorted(set(choices) - set(LOSS_TASKS))
    expect("3.4", not missing and not extra,
           f"choices needs exactly the keys {sorted(LOSS_TASKS)}; missing {missing}, "
           f"unexpected {extra}")  # fmt: skip
    for task, description in LOSS_TASKS.items():
        pair = choices[task]
        expect("3.4", isinstance(pair, (tuple, list)) and len(pair) == 2,
               f"choices[{task!r}] should be a pair (activation, loss), got {pair!r}")  # fmt: skip
        activation = _activation_name(pair[0])
        loss, from_logits = _loss_name(pair[1])
        problem = _judge(task, activation, loss, from_logits)
        if problem is not None:
            raise ExerciseFailure("3.4", f"{task!r} ({description}): {problem}")
    return passed("3.4", "Regression, binary, multi-class and multi-label each get the right pair.")
