"""Exercise checks for chapter 02, Multi-layer perceptrons and backpropagation.

Every reference gradient comes from ``tf.GradientTape`` (in float64), never from
the chapter's own NumPy code, so a check is an independent second opinion. When
an answer is wrong, the check also tries the usual mistakes (a missing transpose,
a sum over the wrong axis, a missing activation derivative, ...) and names the
one that reproduces the learner's numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_equal,
    passed,
)

__all__ = [
    "check_central_difference",
    "check_count_parameters",
    "check_dense_layer_backward",
    "check_two_layer_gradients",
]


def _matches(value: np.ndarray, candidate: np.ndarray) -> bool:
    return value.shape == candidate.shape and np.allclose(value, candidate, rtol=1e-6, atol=1e-9)


def _diagnose(exercise: str, what: str, value: np.ndarray, mistakes: dict[str, np.ndarray]) -> None:
    """Raise a targeted message if ``value`` equals the result of a known mistake."""
    for hint, candidate in mistakes.items():
        if _matches(value, candidate):
            raise ExerciseFailure(exercise, f"{what} is not right: {hint}")


# ----------------------------------------------------------------------------- 2.1
def check_dense_layer_backward(dense_layer_backward: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 2.1: ``dense_layer_backward(grad_out, x, w) -> (grad_x, grad_w, grad_b)``.

    Compared with ``tf.GradientTape`` on random layers of several shapes, one of
    them square (where a missing transpose does not change any shape).
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    for n, d_in, d_out in [(6, 4, 3), (5, 3, 3), (2, 5, 7)]:
        x = rng.normal(size=(n, d_in))
        w = rng.normal(size=(d_in, d_out))
        b = rng.normal(size=d_out)
        grad_out = rng.normal(size=(n, d_out))
        tx, tw, tb = tf.Variable(x), tf.Variable(w), tf.Variable(b)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((tx @ tw + tb) * grad_out)
        want = [g.numpy() for g in tape.gradient(loss, [tx, tw, tb])]

        result = call_answer("2.1", dense_layer_backward, grad_out.copy(), x.copy(), w.copy())
        is_sequence = isinstance(result, (tuple, list))
        expect(
            "2.1",
            is_sequence and len(result) == 3,
            "dense_layer_backward should return three arrays: (grad_x, grad_w, grad_b), "
            f"got {type(result).__name__}" + (f" of length {len(result)}" if is_sequence else ""),
        )
        grad_x, grad_w, grad_b = (
            answer_array("2.1", name, value)
            for name, value in zip(["grad_x", "grad_w", "grad_b"], result, strict=True)
        )
        where = f" (for x of shape {x.shape}, w of shape {w.shape})"
        if d_in == d_out:  # only then does grad_out @ w have the right shape
            _diagnose("2.1", "grad_x" + where, grad_x, {
                "it equals grad_out @ w; the weights must be transposed: grad_out @ w.T":
                    grad_out @ w,
            })  # fmt: skip
        _diagnose("2.1", "grad_w" + where, grad_w, {
            "it is transposed: dL/dW = x.T @ grad_out has W's shape (d_in, d_out)":
                grad_out.T @ x,
            "it is averaged over the batch; the loss's 1/n is already inside grad_out, "
            "so dL/dW = x.T @ grad_out sums over the batch": x.T @ grad_out / n,
        })  # fmt: skip
        _diagnose("2.1", "grad_b" + where, grad_b, {
            "it is summed over axis 1 (the units); b is added to every *row*, so sum "
            "grad_out over the batch, axis 0": grad_out.sum(axis=1),
            "it is the mean over the batch; b is added to every row, so its gradient is "
            "the *sum* of grad_out over the batch (axis 0)": grad_out.mean(axis=0),
        })  # fmt: skip
        for name, got, expected in zip(["grad_x", "grad_w", "grad_b"], [grad_x, grad_w, grad_b],
                                       want, strict=True):  # fmt: skip
            expect_close("2.1", name + where, got, expected, rtol=1e-6, atol=1e-9)
    return passed("2.1", "All three gradients agree with tf.GradientTape.")


# ----------------------------------------------------------------------------- 2.2
def check_central_difference(central_difference: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 2.2: ``central_difference(f, x, eps)`` estimates the gradient of scalar ``f``.

    Called with ``eps=1e-3`` on a vector and on a matrix. At that step the
    central difference is accurate to about ``1e-6``; the one-sided difference
    ``(f(x + eps) - f(x)) / eps`` is off by about ``1e-3`` and fails.
    """
    rng = np.random.default_rng(seed)
    cases = []
    v = rng.uniform(-2, 2, size=5)
    cases.append(("f(x) = sum(sin(x) * x**2) at a vector x", lambda a: np.sum(np.sin(a) * a**2),
                  v, np.cos(v) * v**2 + 2 * v * np.sin(v)))  # fmt: skip
    inputs = rng.normal(size=(4, 3))
    w = rng.normal(scale=0.5, size=(3, 2))
    exact_w = inputs.T @ (1 - np.tanh(inputs @ w) ** 2)
    cases.append(("f(W) = sum(tanh(X @ W)) at a matrix W", lambda a: np.sum(np.tanh(inputs @ a)),
                  w, exact_w))  # fmt: skip

    for what, f, point, exact in cases:
        x = point.copy()
        result = call_answer("2.2", central_difference, f, x, eps=1e-3)
        expect(
            "2.2", result is not None, "central_difference returned None; did you forget `return`?"
        )
        got = answer_array("2.2", "the result", result)
        expect("2.2", np.array_equal(x, point),
               "central_difference changed its argument x: restore each entry after "
               "nudging it (or work on a copy)")  # fmt: skip
        expect(
            "2.2",
            got.shape == point.shape,
            f"the gradient of {what} should have x's shape {point.shape}, got {got.shape}",
        )
        forward = np.array([(f(point + 1e-3 * e.reshape(point.shape)) - f(point)) / 1e-3
                            for e in np.eye(point.size)]).reshape(point.shape)  # fmt: skip
        _diagnose("2.2", f"the gradient of {what}", got, {
            "it is the one-sided difference (f(x + eps) - f(x)) / eps, which is only accurate "
            "to O(eps); use (f(x + eps) - f(x - eps)) / (2 * eps)": forward,
            "it is twice the gradient: divide by 2 * eps, the distance between x - eps and "
            "x + eps": 2 * exact,
        })  # fmt: skip
        expect_close("2.2", f"the gradient of {what}", got, exact, rtol=1e-5, atol=1e-5)
    return passed("2.2", "Your central differences match the analytic gradients to about 1e-6.")


# ----------------------------------------------------------------------------- 2.3
def check_count_parameters(count_parameters: Callable[[Sequence[int]], Any]) -> str:
    """Exercise 2.3: ``count_parameters(sizes)`` for a dense MLP, e.g. ``[784, 128, 10]``.

    Compared with ``model.count_params()`` of the matching Keras model.
    """
    import keras

    for sizes in ([2, 3, 1], [784, 128, 10], [784, 256, 128, 10], [10, 10], [1, 64, 64, 64, 1]):
        model = keras.Sequential([keras.Input((sizes[0],))]
                                 + [keras.layers.Dense(s) for s in sizes[1:]])  # fmt: skip
        want = model.count_params()
        got = call_answer("2.3", count_parameters, list(sizes))
        expect(
            "2.3",
            isinstance(got, (int, np.integer)) and not isinstance(got, bool),
            f"count_parameters({sizes}) should return an int, got {type(got).__name__}",
        )
        weights_only = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
        expect("2.3", got != weights_only,
               f"count_parameters({sizes}) returned {got}, the number of weights only: "
               "every unit of every layer also has one bias")  # fmt: skip
        with_input_bias = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=False)) \
            + sizes[0]  # fmt: skip
        expect("2.3", got != with_input_bias,
               f"count_parameters({sizes}) returned {got}: the input layer has no weights "
               "or biases; only the layers after it do")  # fmt: skip
        expect_equal("2.3", f"count_parameters({sizes}) (Keras counts it as "
                            f"model.count_params())", int(got), want)  # fmt: skip
    return passed("2.3", "Your counts agree with Keras's count_params().")


# ----------------------------------------------------------------------------- 2.4
def _two_layer_reference(x, y, w1, b1, w2, b2):
    import tensorflow as tf

    variables = [tf.Variable(a) for a in (w1, b1, w2, b2)]
    with tf.GradientTape() as tape:
        h = tf.nn.relu(x @ variables[0] + variables[1])
        loss = tf.reduce_mean((h @ variables[2] + variables[3] - y) ** 2)
    return [g.numpy() for g in tape.gradient(loss, variables)]


def check_two_layer_gradients(two_layer_gradients: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 2.4: gradients of ``L = mean((relu(x W1 + b1) W2 + b2 - y)**2)``.

    ``two_layer_gradients(x, y, w1, b1, w2, b2)`` returns
    ``(grad_w1, grad_b1, grad_w2, grad_b2)``; compared with ``tf.GradientTape``.
    """
    rng = np.random.default_rng(seed)
    n, d_in, hidden, d_out = 8, 3, 5, 2
    x, y = rng.normal(size=(n, d_in)), rng.normal(size=(n, d_out))
    w1, b1 = rng.normal(size=(d_in, hidden)), rng.normal(scale=0.5, size=hidden)
    w2, b2 = rng.normal(size=(hidden, d_out)), rng.normal(scale=0.5, size=d_out)
    want = _two_layer_reference(x, y, w1, b1, w2, b2)

    result = call_answer("2.4", two_layer_gradients, x.copy(), y.copy(), w1.copy(), b1.copy(),
                         w2.copy(), b2.copy())  # fmt: skip
    expect(
        "2.4",
        isinstance(result, (tuple, list)) and len(result) == 4,
        "two_layer_gradients should return four arrays: (grad_w1, grad_b1, grad_w2, grad_b2)",
    )
    names = ["grad_w1", "grad_b1", "grad_w2", "grad_b2"]
    got = [answer_array("2.4", name, value) for name, value in zip(names, result, strict=True)]
    for name, value, reference in zip(names, got, want, strict=True):
        expect("2.4", value.shape == reference.shape,
               f"{name} should have the shape of the parameter, {reference.shape}, "
               f"got {value.shape}")  # fmt: skip

    # the usual mistakes, recomputed
    z1 = x @ w1 + b1
    h = np.maximum(z1, 0)
    g_out = 2 * (h @ w2 + b2 - y) / y.size
    no_relu_grad = g_out @ w2.T
    _diagnose("2.4", "grad_w1", got[0], {
        "it is what you get without the ReLU derivative: multiply dL/dh elementwise by "
        "relu'(z1) = (z1 > 0) before going through W1": x.T @ no_relu_grad,
    })  # fmt: skip
    _diagnose("2.4", "grad_b1", got[1], {
        "it is what you get without the ReLU derivative: multiply dL/dh elementwise by "
        "relu'(z1) = (z1 > 0) before summing over the batch": no_relu_grad.sum(axis=0),
    })  # fmt: skip
    for name, value, reference in zip(names, got, want, strict=True):
        for factor, hint in [(2.0, "twice"), (0.5, "half"), (n, f"n = {n} times"),
                             (d_out, f"{d_out} times")]:  # fmt: skip
            if _matches(value, factor * reference) and factor != 1:
                raise ExerciseFailure(
                    "2.4",
                    f"{name} is {hint} the right value: L = mean((out - y)**2) is averaged "
                    f"over all {y.size} entries of y, so dL/d(out) = 2 (out - y) / {y.size}",
                )
    for name, value, reference in zip(names, got, want, strict=True):
        expect_close("2.4", name, value, reference, rtol=1e-6, atol=1e-9)
    return passed("2.4", "Your backward pass agrees with tf.GradientTape for all four parameters.")
