"""Exercise checks for chapter 02, Multi-layer perceptrons and backpropagation.

Every reference gradient comes from ``tf.GradientTape`` (in float64), never from
the chapter's own NumPy code, so a check is an independent second opinion. When
an answer is wrong, the check also tries the usual mistakes (a missing transpose,
a sum over the wrong axis, a missing activation derivative, ...) and names the
one that reproduces the learner's numbers.

Exercises: 2.1 the backward pass of a dense layer (practice), 2.2 central differences
(practice), 2.3 backpropagation through a residual block (transfer), 2.4 the gradients of
a softmax classifier (transfer), 2.5 what a symmetric initialization does (predict), 2.6 a
tanh layer whose gradient check fails (debug).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    answer_array,
    call_answer,
    diagnose_mistake,
    expect,
    expect_close,
    grade_prediction,
    passed,
)

__all__ = [
    "check_central_difference",
    "check_classifier_gradients",
    "check_dense_layer_backward",
    "check_prediction_2_5",
    "check_residual_block_backward",
    "check_tanh_layer_gradients",
]


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
            diagnose_mistake("2.1", "grad_x" + where, grad_x, {
                "it equals grad_out @ w; the weights must be transposed: grad_out @ w.T":
                    grad_out @ w,
            })  # fmt: skip
        diagnose_mistake("2.1", "grad_w" + where, grad_w, {
            "it is transposed: dL/dW = x.T @ grad_out has W's shape (d_in, d_out)":
                grad_out.T @ x,
            "it is averaged over the batch; the loss's 1/n is already inside grad_out, "
            "so dL/dW = x.T @ grad_out sums over the batch": x.T @ grad_out / n,
        })  # fmt: skip
        diagnose_mistake("2.1", "grad_b" + where, grad_b, {
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
        diagnose_mistake("2.2", f"the gradient of {what}", got, {
            "it is the one-sided difference (f(x + eps) - f(x)) / eps, which is only accurate "
            "to O(eps); use (f(x + eps) - f(x - eps)) / (2 * eps)": forward,
            "it is twice the gradient: divide by 2 * eps, the distance between x - eps and "
            "x + eps": 2 * exact,
        })  # fmt: skip
        expect_close("2.2", f"the gradient of {what}", got, exact, rtol=1e-5, atol=1e-5)
    return passed("2.2", "Your central differences match the analytic gradients to about 1e-6.")


# ----------------------------------------------------------------------------- helpers
def _arrays(exercise: str, result: Any, names: list[str], function: str) -> list[np.ndarray]:
    """The learner's tuple of arrays, with a clear message when it is not one."""
    is_sequence = isinstance(result, (tuple, list))
    expect(
        exercise,
        is_sequence and len(result) == len(names),
        f"{function} should return {len(names)} arrays: ({', '.join(names)}), got "
        f"{type(result).__name__}" + (f" of length {len(result)}" if is_sequence else ""),
    )
    return [answer_array(exercise, name, value) for name, value in zip(names, result, strict=True)]


def _same_shapes(exercise: str, names: list[str], got: list[np.ndarray],
                 want: list[np.ndarray]) -> None:  # fmt: skip
    for name, value, reference in zip(names, got, want, strict=True):
        expect(exercise, value.shape == reference.shape,
               f"{name} should have the shape of the thing it is the gradient of, "
               f"{reference.shape}, got {value.shape}")  # fmt: skip


# ----------------------------------------------------------------------------- 2.3
def _residual_reference(grad_out, x, w, b):
    import tensorflow as tf

    variables = [tf.Variable(a) for a in (x, w, b)]
    with tf.GradientTape() as tape:
        out = variables[0] + tf.nn.relu(variables[0] @ variables[1] + variables[2])
        loss = tf.reduce_sum(out * grad_out)
    return [g.numpy() for g in tape.gradient(loss, variables)]


def check_residual_block_backward(residual_block_backward: Callable[..., Any],
                                  seed: int = 0) -> str:  # fmt: skip
    """Exercise 2.3: the backward pass of ``out = x + relu(x @ w + b)``.

    ``residual_block_backward(grad_out, x, w, b)`` returns ``(grad_x, grad_w, grad_b)``;
    compared with ``tf.GradientTape`` on random blocks of several sizes.
    """
    rng = np.random.default_rng(seed)
    names = ["grad_x", "grad_w", "grad_b"]
    for n, d in [(6, 4), (5, 3), (10, 5)]:
        x, w = rng.normal(size=(n, d)), rng.normal(scale=0.7, size=(d, d))
        b, grad_out = rng.normal(scale=0.5, size=d), rng.normal(size=(n, d))
        want = _residual_reference(grad_out, x, w, b)
        result = call_answer("2.3", residual_block_backward, grad_out.copy(), x.copy(),
                             w.copy(), b.copy())  # fmt: skip
        got = _arrays("2.3", result, names, "residual_block_backward")
        _same_shapes("2.3", names, got, want)
        where = f" (for x of shape {x.shape})"
        z = x @ w + b
        grad_z = grad_out * (z > 0)
        diagnose_mistake("2.3", "grad_x" + where, got[0], {
            "it is only the path through the layer, grad_z @ w.T. x also reaches the output "
            "directly along the skip connection, and the gradients of both paths add: "
            "grad_x = grad_out + grad_z @ w.T": grad_z @ w.T,
            "it leaves out the ReLU derivative on the layer's path: grad_z = grad_out * "
            "(z > 0) with z = x @ w + b": grad_out + grad_out @ w.T,
            "the weights must be transposed on the layer's path: grad_z @ w.T":
                grad_out + grad_z @ w,
        }, right=want[0])  # fmt: skip
        diagnose_mistake("2.3", "grad_w" + where, got[1], {
            "it leaves out the ReLU derivative: multiply grad_out by relu'(z) = (z > 0), "
            "z = x @ w + b, before the product with x.T": x.T @ grad_out,
            "it adds the skip path to grad_w too; the skip connection has no weights, "
            "so only the layer's path reaches w": x.T @ grad_z + x.T @ grad_out,
        }, right=want[1])  # fmt: skip
        diagnose_mistake("2.3", "grad_b" + where, got[2], {
            "it leaves out the ReLU derivative: sum grad_out * (z > 0) over the batch":
                grad_out.sum(axis=0),
        }, right=want[2])  # fmt: skip
        for name, value, reference in zip(names, got, want, strict=True):
            expect_close("2.3", name + where, value, reference, rtol=1e-6, atol=1e-9)
    return passed("2.3", "Both paths counted: your gradients agree with tf.GradientTape.")


# ----------------------------------------------------------------------------- 2.4
def _classifier_reference(x, labels, w1, b1, w2, b2):
    import tensorflow as tf

    variables = [tf.Variable(a) for a in (w1, b1, w2, b2)]
    with tf.GradientTape() as tape:
        logits = tf.tanh(x @ variables[0] + variables[1]) @ variables[2] + variables[3]
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
    return [g.numpy() for g in tape.gradient(loss, variables)]


def check_classifier_gradients(classifier_gradients: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 2.4: gradients of the mean softmax cross-entropy of a one-hidden-layer
    tanh classifier, ``logits = tanh(x W1 + b1) W2 + b2``, with integer ``labels``.

    ``classifier_gradients(x, labels, w1, b1, w2, b2)`` returns
    ``(grad_w1, grad_b1, grad_w2, grad_b2)``; compared with ``tf.GradientTape``.
    """
    rng = np.random.default_rng(seed)
    names = ["grad_w1", "grad_b1", "grad_w2", "grad_b2"]
    for n, d_in, hidden, k in [(8, 3, 5, 4), (12, 2, 6, 3)]:
        x, labels = rng.normal(size=(n, d_in)), rng.integers(0, k, size=n)
        w1, b1 = rng.normal(size=(d_in, hidden)), rng.normal(scale=0.5, size=hidden)
        w2, b2 = rng.normal(size=(hidden, k)), rng.normal(scale=0.5, size=k)
        want = _classifier_reference(x, labels, w1, b1, w2, b2)
        result = call_answer("2.4", classifier_gradients, x.copy(), labels.copy(), w1.copy(),
                             b1.copy(), w2.copy(), b2.copy())  # fmt: skip
        got = _arrays("2.4", result, names, "classifier_gradients")
        _same_shapes("2.4", names, got, want)

        # the usual mistakes, recomputed
        z1 = x @ w1 + b1
        h = np.tanh(z1)
        logits = h @ w2 + b2
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = (p - np.eye(k)[labels]) / n
        diagnose_mistake("2.4", "grad_w2", got[2], {
            "it is n times too large: the loss is the *mean* over the batch, so "
            "dL/dlogits = (softmax(logits) - one_hot) / n": n * (h.T @ g),
            "it has the wrong sign: dL/dlogits = softmax(logits) - one_hot (divided by n), "
            "not one_hot - softmax(logits)": -(h.T @ g),
            "it uses softmax(logits) alone; subtract the one-hot labels: "
            "dL/dlogits = (softmax(logits) - one_hot) / n": h.T @ (p / n),
        }, right=want[2])  # fmt: skip
        grad_h = g @ w2.T
        diagnose_mistake("2.4", "grad_w1", got[0], {
            "it leaves out the tanh derivative: multiply dL/dh by 1 - h**2 "
            "(h = tanh(z1)) before going through W1": x.T @ grad_h,
            "it uses 1 - z1**2 as the tanh derivative; tanh'(z1) = 1 - tanh(z1)**2 = 1 - h**2":
                x.T @ (grad_h * (1 - z1**2)),
        }, right=want[0])  # fmt: skip
        for name, value, reference in zip(names, got, want, strict=True):
            expect_close("2.4", name, value, reference, rtol=1e-6, atol=1e-9)
    return passed("2.4", "Softmax cross-entropy backpropagated through a tanh layer: all four "
                         "gradients agree with tf.GradientTape.")  # fmt: skip


# ----------------------------------------------------------------------------- 2.5
PREDICTION_2_5 = {
    "a": "it solves XOR like the randomly initialized network (8 units are plenty)",
    "b": "the 8 hidden units stay identical, so the network acts like one with a single "
         "hidden unit and cannot solve XOR",
    "c": "every gradient is exactly zero, so no weight changes at all",
}
"""The options of exercise 2.5."""


def _xor_clouds(rng: np.random.Generator, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    which = rng.integers(0, 4, size=n)
    x = corners[which] + rng.normal(scale=0.12, size=(n, 2))
    return x, np.array([0.0, 1.0, 1.0, 0.0])[which]


def _train_xor(x, y, w1, b1, w2, b2, steps=2000, learning_rate=1.0):
    """Full-batch gradient descent on the BCE of a 2 -> h -> 1 tanh network (chapter 02)."""
    n = len(y)
    for _ in range(steps):
        h = np.tanh(x @ w1 + b1)
        grad_z = (1 / (1 + np.exp(-(h @ w2 + b2))) - y[:, None]) / n
        grad_pre = (grad_z @ w2.T) * (1 - h**2)
        w2, b2 = w2 - learning_rate * (h.T @ grad_z), b2 - learning_rate * grad_z.sum(axis=0)
        w1, b1 = w1 - learning_rate * (x.T @ grad_pre), b1 - learning_rate * grad_pre.sum(axis=0)
    accuracy = float(np.mean(((np.tanh(x @ w1 + b1) @ w2 + b2)[:, 0] > 0) == (y == 1)))
    return w1, accuracy


def check_prediction_2_5(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 2.5: train an 8-unit XOR network whose weights all start at 0.5.

    The prediction is asked for first; then both networks (symmetric and random start)
    are trained for 2000 full-batch steps on fresh XOR clouds, and the spread of the
    hidden units' weights and both training accuracies are reported.
    """
    call_answer("2.5", predict)  # nothing is revealed before the learner has answered
    rng = np.random.default_rng(seed)
    x, y = _xor_clouds(rng)
    w1_sym, acc_sym = _train_xor(x, y, np.full((2, 8), 0.5), np.zeros(8), np.full((8, 1), 0.5),
                                 np.zeros(1))  # fmt: skip
    spread = float(np.max(np.ptp(w1_sym, axis=1)))
    limit1, limit2 = np.sqrt(6 / 10), np.sqrt(6 / 9)  # Glorot uniform for 2 -> 8 -> 1
    w1_rand, acc_rand = _train_xor(x, y, rng.uniform(-limit1, limit1, size=(2, 8)), np.zeros(8),
                                   rng.uniform(-limit2, limit2, size=(8, 1)), np.zeros(1))
    moved = float(np.max(np.abs(w1_sym - 0.5)))
    observed = (f"After 2000 steps the symmetric network's 8 hidden units still have identical "
                f"weights (largest difference between units {spread:.0e}, although each weight "
                f"moved by up to {moved:.2f}); its training accuracy is {acc_sym:.0%}, against "
                f"{acc_rand:.0%} for the same network started from random weights.")  # fmt: skip
    print(f"symmetric start (all weights 0.5): largest difference between hidden units "
          f"{spread:.0e}, training accuracy {acc_sym:.0%}")  # fmt: skip
    print(f"random start (Glorot uniform):     training accuracy {acc_rand:.0%}")
    why = ("Units that start equal compute the same output, so backpropagation gives them the "
           "same gradient and the same update: they stay equal forever, and 8 equal tanh "
           "units draw one straight boundary, like a single unit. The gradients are not zero "
           "(the weights do move): only random initial weights break the symmetry.")  # fmt: skip
    return grade_prediction("2.5", predict, options=PREDICTION_2_5, correct="b",
                            observed=observed, why=why)  # fmt: skip


# ----------------------------------------------------------------------------- 2.6
def _tanh_layer_reference(x, y, w, b):
    import tensorflow as tf

    variables = [tf.Variable(w), tf.Variable(b)]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((tf.tanh(x @ variables[0] + variables[1]) - y) ** 2)
    return [g.numpy() for g in tape.gradient(loss, variables)]


def check_tanh_layer_gradients(fixed_tanh_layer_gradients: Callable[..., Any],
                               seed: int = 0) -> str:  # fmt: skip
    """Exercise 2.6: ``fixed_tanh_layer_gradients(x, y, w, b)`` returns ``(grad_w, grad_b)``
    of ``L = mean((tanh(x @ w + b) - y) ** 2)``; compared with ``tf.GradientTape``."""
    rng = np.random.default_rng(seed)
    names = ["grad_w", "grad_b"]
    for n, d_in, d_out in [(7, 3, 2), (4, 5, 5)]:
        x, y = rng.normal(size=(n, d_in)), rng.normal(size=(n, d_out))
        w, b = rng.normal(size=(d_in, d_out)), rng.normal(scale=0.5, size=d_out)
        want = _tanh_layer_reference(x, y, w, b)
        result = call_answer("2.6", fixed_tanh_layer_gradients, x.copy(), y.copy(), w.copy(),
                             b.copy())  # fmt: skip
        got = _arrays("2.6", result, names, "fixed_tanh_layer_gradients")
        _same_shapes("2.6", names, got, want)
        h = np.tanh(x @ w + b)
        grad_h = 2 * (h - y) / y.size
        diagnose_mistake("2.6", "grad_w", got[0], {
            "it is still the buggy value: h is already tanh(z), so 1 - np.tanh(h)**2 applies "
            "tanh twice; tanh'(z) = 1 - h**2": x.T @ (grad_h * (1 - np.tanh(h) ** 2)),
            "it leaves out the tanh derivative altogether: dL/dz = dL/dh * (1 - h**2)":
                x.T @ grad_h,
            "it uses tanh'(z) = 1 - z**2; the derivative is 1 - tanh(z)**2 = 1 - h**2":
                x.T @ (grad_h * (1 - (x @ w + b) ** 2)),
        }, right=want[0])  # fmt: skip
        for name, value, reference in zip(names, got, want, strict=True):
            expect_close("2.6", name, value, reference, rtol=1e-6, atol=1e-9)
    return passed("2.6", "Fixed: your gradients agree with tf.GradientTape, so the gradient "
                         "check passes now.")  # fmt: skip
