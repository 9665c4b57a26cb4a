"""Feedback for the auto-checked exercises.

An exercise check calls these functions. When an answer is wrong they raise
:class:`ExerciseFailure` (an ``AssertionError``, so nbgrader counts it as a
failed test) whose message says which exercise, what was expected and what was
given. When the learner has not started, they say so instead of showing a bare
``NotImplementedError``.

Introduced in chapter 00.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "ExerciseFailure",
    "Passed",
    "answer_array",
    "call_answer",
    "call_answer_safely",
    "diagnose_mistake",
    "expect",
    "expect_close",
    "expect_equal",
    "expect_shape",
    "grade_prediction",
    "passed",
]


class ExerciseFailure(AssertionError):
    """An exercise answer is wrong; the message explains what was expected."""

    def __init__(self, exercise: str, message: str) -> None:
        super().__init__(f"Exercise {exercise}: {message}")
        self.exercise = exercise


def _describe(value: Any, limit: int = 6) -> str:
    """A short description of ``value``: its shape and first few entries for arrays."""
    array = np.asarray(value) if not isinstance(value, (str, bytes)) else None
    if array is not None and array.dtype != object and array.ndim > 0:
        shown = ", ".join(f"{float(v):.5g}" for v in array.ravel()[:limit])
        more = ", ..." if array.size > limit else ""
        return f"shape {array.shape} [{shown}{more}]"
    return repr(value)


def call_answer(exercise: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's function ``fn`` and return its result.

    Raises:
        ExerciseFailure: if ``fn`` is not callable, or still raises
            ``NotImplementedError`` (the exercise is not solved yet).
    """
    if not callable(fn):
        raise ExerciseFailure(exercise, f"expected a function, got {type(fn).__name__}")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise ExerciseFailure(
            exercise,
            "not solved yet: replace `raise NotImplementedError()` with your code, "
            "run that cell, then run this check again",
        ) from None


def call_answer_safely(exercise: str, fn: Any, *args: Any, hint: str = "") -> Any:
    """:func:`call_answer`, and an error the answer raises or a missing ``return`` becomes
    feedback (an :class:`ExerciseFailure` naming the error, plus ``hint``) instead of a
    traceback from inside the check.
    """
    try:
        result = call_answer(exercise, fn, *args)
    except ExerciseFailure:
        raise
    except Exception as error:
        more = f" ({hint})" if hint else ""
        raise ExerciseFailure(
            exercise, f"your function raised {type(error).__name__}: {error}{more}"
        ) from None
    expect(exercise, result is not None, "your function returned None; did you forget `return`?")
    return result


def answer_array(
    exercise: str, what: str, value: Any, *, expected: str = "an array of numbers"
) -> np.ndarray:
    """Return the learner's ``value`` as a float64 array.

    Raises:
        ExerciseFailure: saying that ``what`` should be ``expected`` when ``value`` is
            not numeric (``None``, a string, a ragged list, ...).
    """
    if value is None:  # the usual cause: a function that computes its result but never returns it
        raise ExerciseFailure(
            exercise, f"{what} should be {expected}, got None: did you forget `return`?"
        )
    try:
        if isinstance(value, (str, bytes)):  # NumPy would accept both
            raise TypeError
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseFailure(
            exercise, f"{what} should be {expected}, got {type(value).__name__}"
        ) from None


def expect(exercise: str, condition: bool, message: str) -> None:
    """Raise :class:`ExerciseFailure` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ExerciseFailure(exercise, message)


def expect_shape(exercise: str, what: str, value: Any, shape: Sequence[int]) -> None:
    """Check that ``value`` (array or tensor) has exactly ``shape``."""
    got = tuple(np.shape(value))
    expect(exercise, got == tuple(shape), f"{what} should have shape {tuple(shape)}, got {got}")


def expect_equal(exercise: str, what: str, value: Any, expected: Any) -> None:
    """Check ``value == expected`` exactly (for ints, strings, tuples, shapes)."""
    expect(exercise, value == expected, f"{what} should be {expected!r}, got {value!r}")


def expect_close(
    exercise: str, what: str, value: Any, expected: Any, *, rtol: float = 1e-5, atol: float = 1e-6
) -> None:
    """Check that ``value`` matches ``expected`` elementwise within tolerances."""
    got = np.asarray(value, dtype=np.float64)
    want = np.asarray(expected, dtype=np.float64)
    if got.shape != want.shape:
        raise ExerciseFailure(exercise, f"{what} should have shape {want.shape}, got {got.shape}")
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        worst = int(np.argmax(np.abs(got - want)))
        raise ExerciseFailure(
            exercise,
            f"{what} is not right: expected {_describe(want)}, got {_describe(got)} "
            f"(largest difference {float(np.abs(got - want).ravel()[worst]):.3g})",
        )


def diagnose_mistake(
    exercise: str,
    what: str,
    value: Any,
    mistakes: dict[str, Any],
    *,
    right: Any = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Name the mistake when ``value`` equals what a known mistake computes.

    Args:
        mistakes: hint -> the value that mistake gives on the same inputs.
        right: the right value; when ``value`` matches it nothing is raised (a mistake
            can coincide with the right answer on unlucky inputs).

    Raises:
        ExerciseFailure: ``"<what> is not right: <hint>"`` for the first mistake that
            ``value`` matches (same shape, equal within ``rtol``/``atol``).
    """

    def matches(candidate: Any) -> bool:
        return np.shape(value) == np.shape(candidate) and bool(
            np.allclose(value, candidate, rtol=rtol, atol=atol)
        )

    if right is not None and matches(right):
        return
    for hint, candidate in mistakes.items():
        if matches(candidate):
            raise ExerciseFailure(exercise, f"{what} is not right: {hint}")


class Passed(str):
    """A check's success message. It is printed once by :func:`passed`; as the value of a
    notebook cell it displays nothing, so the message is not shown twice."""

    def _ipython_display_(self) -> None:
        pass


def passed(exercise: str, detail: str = "") -> Passed:
    """Print and return the success message of ``exercise``."""
    message = Passed(f"Exercise {exercise} passed." + (f" {detail}" if detail else ""))
    print(message)
    return message


def grade_prediction(
    exercise: str,
    predict: Any,
    *,
    options: dict[str, str],
    correct: str,
    observed: str,
    why: str,
) -> Passed:
    """Grade a predict-then-run question.

    The learner wrote ``predict()``, returning the letter of one of ``options``
    *before* running the experiment; the check cell runs the experiment, prints what
    it ``observed`` and calls this function.

    Args:
        exercise: the exercise number, e.g. ``"4.3"``.
        predict: the learner's function; it returns one key of ``options``.
        options: letter -> the claim it stands for, e.g. ``{"a": "Adam converges first"}``.
        correct: the key of the right option.
        observed: what the run showed, in one sentence with its numbers.
        why: the explanation of the right answer.

    Raises:
        ExerciseFailure: when the prediction is missing, not one of the options, or
            wrong; the message says what the run showed and why.
    """
    if correct not in options:
        raise ValueError(f"correct={correct!r} is not one of the options {sorted(options)}")
    choice = call_answer(exercise, predict)
    letters = ", ".join(repr(k) for k in options)
    if not isinstance(choice, str) or choice.strip().lower() not in options:
        raise ExerciseFailure(
            exercise, f"predict() should return one of {letters}, got {choice!r}"
        )
    choice = choice.strip().lower()
    if choice != correct:
        raise ExerciseFailure(
            exercise,
            f"you predicted ({choice}) {options[choice]}, but the run shows ({correct}) "
            f"{options[correct]}: {observed} {why}",
        )
    return passed(exercise, f"Right: ({correct}) {options[correct]}. {observed} {why}")
