"""Exercise checks for chapter 00, Getting started."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_shape,
    grade_prediction,
    passed,
)

__all__ = [
    "check_standardize",
    "check_second_derivative",
    "check_fit_line",
    "check_prediction_0_4",
    "check_fixed_standardize_split",
]


def check_standardize(standardize: Callable[[Any], Any], seed: int = 0) -> str:
    """Exercise 0.1 (practice): ``standardize(x)`` gives every column of ``x`` mean 0 and std 1.

    Tested on random float32 matrices of several shapes whose columns have very
    different means and scales; the reference uses the population standard
    deviation, ``tf.math.reduce_std``.
    """
    rng = np.random.default_rng(seed)
    for shape in [(50, 3), (7, 5), (200, 1)]:
        x = (rng.normal(size=shape) * rng.uniform(0.5, 20, size=shape[1])
             + rng.uniform(-100, 100, size=shape[1])).astype(np.float32)  # fmt: skip
        result = call_answer("0.1", standardize, x)
        expect("0.1", result is not None, "standardize returned None; did you forget `return`?")
        expect_shape("0.1", f"standardize(x) for x of shape {shape}", result, shape)
        expected = (x - x.mean(axis=0)) / x.std(axis=0)
        expect_close("0.1", f"standardize(x) for x of shape {shape}", result, expected,
                     rtol=1e-4, atol=1e-4)  # fmt: skip
    return passed("0.1", "Every column now has mean 0 and standard deviation 1.")


def check_second_derivative(second_derivative: Callable[[Any], Any], seed: int | None = None
                            ) -> str:  # fmt: skip
    """Exercise 0.2 (transfer): ``second_derivative(x)`` returns d²f/dx² of
    f(x) = x**3 - 2x at every element of a constant tensor, with nested GradientTapes.

    Compared with the analytic 6x at fresh random points.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    x = tf.constant(rng.uniform(-3, 3, size=8).astype(np.float32))
    result = call_answer("0.2", second_derivative, x)
    expect(
        "0.2",
        result is not None,
        "second_derivative returned None. The outer tape must record the computation of "
        "the first derivative: watch x in both tapes and call the inner tape's gradient "
        "*inside* the outer `with` block.",
    )
    got = answer_array("0.2", "second_derivative(x)", result)
    expect_shape("0.2", "second_derivative(x) for 8 points", got, (8,))
    first = 3 * x.numpy() ** 2 - 2
    if np.allclose(got, first, rtol=1e-4):
        raise ExerciseFailure("0.2", "that is the first derivative 3x² - 2: differentiate it "
                                     "once more with an outer tape")  # fmt: skip
    expect_close("0.2", "d²f/dx² at random points", got, 6 * x.numpy(), rtol=1e-5, atol=1e-5)
    return passed("0.2", "Nested tapes give 6x: a tape can record another tape's gradient "
                         "computation (used for Hessian-vector products and gradient "
                         "penalties, chapter 11).")  # fmt: skip


def check_fit_line(fit_line: Callable[..., Any], seed: int | None = None) -> str:
    """Exercise 0.3 (transfer): ``fit_line(x, y)`` fits ``y ≈ w x + b`` by 60 steps of
    gradient descent on the mean squared error with ``keras.optimizers.SGD(0.1)``, from
    ``w = b = 0``, and returns ``(w, b)``.

    Tested on fresh noisy lines; the answer must match the least-squares line
    (``np.polyfit``), which 60 such steps reach to within 1e-3.
    """
    rng = np.random.default_rng(seed)
    slope, intercept = rng.uniform(-3, 3), rng.uniform(-2, 2)
    x = rng.uniform(-2, 2, size=64).astype(np.float32)
    y = (slope * x + intercept + rng.normal(scale=0.3, size=64)).astype(np.float32)
    result = call_answer("0.3", fit_line, x.copy(), y.copy())
    expect("0.3", isinstance(result, (tuple, list)) and len(result) == 2,
           f"fit_line should return a pair (w, b), got {result!r}")  # fmt: skip
    w = answer_array("0.3", "w", result[0], expected="one number")
    b = answer_array("0.3", "b", result[1], expected="one number")
    expect("0.3", w.size == 1 and b.size == 1,
           f"w and b should be numbers, got shapes {w.shape} and {b.shape}")  # fmt: skip
    w, b = float(w.ravel()[0]), float(b.ravel()[0])
    want_w, want_b = np.polyfit(x.astype(np.float64), y.astype(np.float64), 1)
    if np.isclose(w, 0.0) and np.isclose(b, 0.0):
        raise ExerciseFailure("0.3", "w and b are still 0: the variables never changed. "
                                     "Call optimizer.apply_gradients(zip(grads, [w, b])) "
                                     "inside the loop.")  # fmt: skip
    if np.isclose(b, 0.0) and not np.isclose(want_b, 0.0, atol=1e-2):
        raise ExerciseFailure("0.3", "b is still 0: pass both variables to "
                                     "tape.gradient and to apply_gradients")  # fmt: skip
    line = f"(true line y = {slope:.2f} x + {intercept:.2f} plus noise)"
    expect_close("0.3", f"w {line}", w, want_w, rtol=1e-3, atol=1e-3)
    expect_close("0.3", f"b {line}", b, want_b, rtol=1e-3, atol=1e-3)
    return passed("0.3", "Your loop finds the least-squares line: tape, gradient, optimizer "
                         "step is all that model.fit does for each batch.")  # fmt: skip


_DTYPE_OPTIONS = {
    "a": "a float32 tensor [0.5, 1.0, 1.5], as NumPy would give",
    "b": "an error: TensorFlow does not convert the int32 tensor to a float",
    "c": "an int32 tensor [0, 1, 1]: the result keeps the tensor's dtype",
}


def check_prediction_0_4(predict: Callable[[], Any]) -> str:
    """Exercise 0.4 (predict): what ``tf.constant([1, 2, 3]) * 0.5`` gives."""
    import tensorflow as tf

    call_answer("0.4", predict)  # an unsolved answer says so before anything is revealed
    ints = tf.constant([1, 2, 3])
    try:
        outcome = f"gave {ints * 0.5}"
    except (TypeError, tf.errors.InvalidArgumentError) as error:
        outcome = f"raised {type(error).__name__}: {error}"
    fixed = tf.cast(ints, tf.float32) * 0.5
    print(f"tf.constant([1, 2, 3]) has dtype {ints.dtype.name}; times 0.5 it {outcome}")
    print(f"tf.cast(..., tf.float32) * 0.5 = {fixed.numpy()} ({fixed.dtype.name})")
    return grade_prediction(
        "0.4", predict, options=_DTYPE_OPTIONS, correct="b",
        observed=f"The product {outcome.split(':')[0]}.",
        why="Python integers make an int32 tensor, and TensorFlow never changes a dtype "
            "silently (NumPy would upcast to float64): the 0.5 had to become an int32 and "
            "could not. Cast explicitly, as in the second line.",
    )  # fmt: skip


def check_fixed_standardize_split(fixed_standardize_split: Callable[..., Any],
                                  seed: int | None = None) -> str:  # fmt: skip
    """Exercise 0.5 (debug): ``fixed_standardize_split(x_train, x_test)`` standardizes both
    sets with the mean and (population) standard deviation of the *training* set only.

    Tested on fresh random sets whose test part is shifted, so that statistics that
    include the test set, or the test set's own statistics, give different numbers.
    """
    rng = np.random.default_rng(seed)
    for n_train, n_test, d in [(80, 20, 3), (30, 50, 2)]:
        scale = rng.uniform(0.5, 10, size=d)
        x_train = (rng.normal(size=(n_train, d)) * scale + rng.uniform(-50, 50, d))
        # the test rows are shifted and wider, like data from a new source
        x_test = x_train.mean(axis=0) + 3 * scale + 2 * scale * rng.normal(size=(n_test, d))
        result = call_answer("0.5", fixed_standardize_split, x_train.copy(), x_test.copy())
        expect("0.5", isinstance(result, (tuple, list)) and len(result) == 2,
               "fixed_standardize_split should return a pair (train_scaled, test_scaled), "
               f"got {type(result).__name__}")  # fmt: skip
        train_scaled = answer_array("0.5", "train_scaled", result[0])
        test_scaled = answer_array("0.5", "test_scaled", result[1])
        expect_shape("0.5", "train_scaled", train_scaled, (n_train, d))
        expect_shape("0.5", "test_scaled", test_scaled, (n_test, d))
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        everything = np.concatenate([x_train, x_test])
        leak_mean, leak_std = everything.mean(axis=0), everything.std(axis=0)
        if np.allclose(train_scaled, (x_train - leak_mean) / leak_std, rtol=1e-4):
            raise ExerciseFailure(
                "0.5", "the training features still depend on the test set: the mean and "
                "standard deviation were computed with the test rows included. Compute them "
                "from x_train alone.")  # fmt: skip
        own = (x_test - x_test.mean(axis=0)) / x_test.std(axis=0)
        if np.allclose(test_scaled, own, rtol=1e-4):
            raise ExerciseFailure(
                "0.5", "the test set was scaled with its own mean and standard deviation: "
                "that hides the shift the model will actually face and uses test "
                "statistics. Reuse the training set's mean and std.")  # fmt: skip
        expect_close("0.5", f"train_scaled ({n_train} x {d})", train_scaled,
                     (x_train - mean) / std, rtol=1e-4, atol=1e-5)  # fmt: skip
        expect_close("0.5", f"test_scaled ({n_test} x {d})", test_scaled,
                     (x_test - mean) / std, rtol=1e-4, atol=1e-5)  # fmt: skip
    return passed("0.5", "Statistics come from the training set only and are reused for the "
                         "test set, so nothing about the test set leaks into training.")
