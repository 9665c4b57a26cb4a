"""Exercise checks for chapter 01, The artificial neuron."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.activations import sigmoid
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
    "check_swish_grad",
    "check_prediction_1_2",
    "check_adaline_step",
    "check_log_softmax",
    "check_logic_gates",
    "check_fixed_accuracy",
]

_CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
_GATES = {
    "and": np.array([0, 0, 0, 1]),
    "or": np.array([0, 1, 1, 1]),
    "nand": np.array([1, 1, 1, 0]),
}


def check_swish_grad(swish_grad: Callable[[Any], Any], seed: int | None = None) -> str:
    """Exercise 1.1 (transfer): ``swish_grad(x)``, the derivative of swish ``x * sigmoid(x)``.

    Compared, on fresh random arrays of several shapes, with the derivative TensorFlow's
    ``GradientTape`` computes for ``tf.nn.silu`` (swish's other name), in float64.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    for shape in [(12,), (4, 5), (2, 3, 4)]:
        x = rng.uniform(-8, 8, size=shape)
        x.flat[0] = 0.0  # the derivative is 1/2 there
        result = call_answer("1.1", swish_grad, x.copy())
        got = answer_array("1.1", "swish_grad(x)", result)
        expect_shape("1.1", f"swish_grad(x) for x of shape {shape}", got, shape)
        x_tensor = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x_tensor)
            y = tf.nn.silu(x_tensor)
        want = tape.gradient(y, x_tensor).numpy()
        s = 1 / (1 + np.exp(-x))
        if np.allclose(got, x * s, rtol=1e-4):
            raise ExerciseFailure("1.1", "you returned swish itself, x * sigmoid(x), not its "
                                         "derivative")  # fmt: skip
        if np.allclose(got, s, rtol=1e-4):
            raise ExerciseFailure("1.1", "you returned sigmoid(x): that is only the first half "
                                         "of the product rule; x * sigmoid'(x) is missing")
        if np.allclose(got, s * (1 - s), rtol=1e-4) or np.allclose(got, x * s * (1 - s),
                                                                       rtol=1e-4):  # fmt: skip
            raise ExerciseFailure("1.1", "one term of the product rule (u v)' = u' v + u v' "
                                         "is missing: here u = x and v = sigmoid(x)")
        expect_close("1.1", f"swish_grad(x) for x of shape {shape}", got, want,
                     rtol=1e-6, atol=1e-9)  # fmt: skip
    return passed("1.1", "Your derivative matches TensorFlow's GradientTape on tf.nn.silu. "
                         "Unlike ReLU's, it is smooth and slightly negative for x < 0 "
                         "(its minimum is near x = -2.4).")  # fmt: skip


_SCALE_OPTIONS = {
    "a": "the decision boundary moves 10 times farther from the origin, so some points "
         "change class",
    "b": "the boundary stays where it is and every point keeps its class, but the outputs "
         "move closer to 0 or 1",
    "c": "the boundary rotates, and the outputs move closer to 0.5",
}  # fmt: skip


def check_prediction_1_2(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 1.2 (predict): what multiplying both ``w`` and ``b`` by 10 does to a
    sigmoid neuron. Asks for the prediction first, then runs the experiment."""
    call_answer("1.2", predict)  # an unsolved answer says so before anything is revealed
    rng = np.random.default_rng(seed)
    w, b = rng.normal(size=2), float(rng.normal())
    x = rng.uniform(-3, 3, size=(500, 2))
    before, after = sigmoid(x @ w + b), sigmoid(x @ (10 * w) + 10 * b)
    same_class = float(np.mean((before >= 0.5) == (after >= 0.5)))
    sure_before = float(np.mean(np.abs(before - 0.5)))
    sure_after = float(np.mean(np.abs(after - 0.5)))
    distance = abs(b) / np.linalg.norm(w)
    print(f"w = {np.round(w, 2)}, b = {b:.2f}; 500 random points:")
    print(f"  boundary distance from the origin |b|/||w||: {distance:.3f} before, "
          f"{abs(10 * b) / np.linalg.norm(10 * w):.3f} after")
    print(f"  points that keep their class: {same_class:.0%}")
    print(f"  mean |output - 0.5|: {sure_before:.3f} before, {sure_after:.3f} after")
    return grade_prediction(
        "1.2", predict, options=_SCALE_OPTIONS, correct="b",
        observed=f"Every point kept its class ({same_class:.0%}) while the mean distance of "
                 f"the output from 0.5 grew from {sure_before:.2f} to {sure_after:.2f}.",
        why="The boundary is the set where w.x + b = 0, and 10 (w.x + b) = 0 is the same "
            "set; but z is 10 times larger everywhere else, so the sigmoid saturates: the "
            "neuron becomes more confident, the step function is its limit.",
    )  # fmt: skip


def check_adaline_step(adaline_step: Callable[..., Any], seed: int | None = None) -> str:
    """Exercise 1.3 (transfer): one step of the delta rule (Adaline, Widrow and Hoff 1960).

    ``adaline_step(w, b, x_i, y_i, lr)`` must return ``(new_w, new_b)`` with
    ``z = w . x_i + b`` (no threshold), ``new_w = w + lr (y_i - z) x_i`` and
    ``new_b = b + lr (y_i - z)``: one gradient-descent step on ``(y_i - z)**2 / 2``,
    which the check computes with ``tf.GradientTape``.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    for _ in range(12):
        d = int(rng.integers(2, 5))
        w, x_i = rng.normal(size=d), rng.normal(size=d)
        b, y_i, lr = float(rng.normal()), int(rng.integers(0, 2)), float(rng.uniform(0.05, 0.5))
        result = call_answer("1.3", adaline_step, w.copy(), b, x_i.copy(), y_i, lr)
        expect("1.3", isinstance(result, (tuple, list)) and len(result) == 2,
               f"adaline_step should return a pair (new_w, new_b), got {result!r}")  # fmt: skip
        new_w = answer_array("1.3", "new_w", result[0])
        new_b = answer_array("1.3", "new_b", result[1])
        expect_shape("1.3", "new_w", new_w, (d,))
        expect("1.3", new_b.size == 1, f"new_b should be one number, got shape {new_b.shape}")
        w_var, b_var = tf.Variable(w), tf.Variable(b, dtype=tf.float64)
        with tf.GradientTape() as tape:
            loss = 0.5 * (y_i - (tf.tensordot(w_var, tf.constant(x_i), 1) + b_var)) ** 2
        grad_w, grad_b = tape.gradient(loss, [w_var, b_var])
        want_w, want_b = w - lr * grad_w.numpy(), b - lr * float(grad_b)
        z = float(x_i @ w + b)
        y_hat = int(z >= 0)
        perceptron_w = w + lr * (y_i - y_hat) * x_i
        case = f"(z = {z:.3f}, y_i = {y_i}, lr = {lr:.2f})"
        if not np.allclose(want_w, perceptron_w) and np.allclose(new_w, perceptron_w):
            raise ExerciseFailure("1.3", f"that is the perceptron's update {case}: it uses the "
                                         "thresholded prediction y_hat in {0, 1}. The delta "
                                         "rule uses the linear output z itself: y_i - z.")
        if np.allclose(new_w, w - 2 * lr * grad_w.numpy(), rtol=1e-6):
            raise ExerciseFailure("1.3", f"your step is twice too long {case}: the loss is "
                                         "(y_i - z)**2 / 2, whose gradient has no factor 2")
        expect_close("1.3", f"new_w {case}", new_w, want_w, rtol=1e-6, atol=1e-9)
        if np.isclose(float(new_b.ravel()[0]), b) and not np.isclose(want_b, b):
            raise ExerciseFailure("1.3", f"the bias did not change {case}: b moves by "
                                         "lr * (y_i - z) too")  # fmt: skip
        expect_close("1.3", f"new_b {case}", float(new_b.ravel()[0]), want_b, rtol=1e-6,
                     atol=1e-9)  # fmt: skip
    return passed("1.3", "Your step equals gradient descent on (y - z)^2 / 2, as computed by "
                         "GradientTape. Unlike the perceptron, Adaline also learns from "
                         "examples it already classifies right.")  # fmt: skip


def check_log_softmax(log_softmax: Callable[[Any], Any], seed: int | None = None) -> str:
    """Exercise 1.4 (transfer): ``log_softmax(z)``, the log of the softmax of each row of a
    2-D array, finite even where the softmax itself underflows to 0.

    Compared with ``tf.nn.log_softmax`` in float64 on random logits, on huge ones, and on
    rows whose entries differ by 800 or more (``exp(-800)`` is 0 in floating point).
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    spread = rng.normal(size=(3, 4))
    spread[:, 0] += np.array([900.0, -850.0, 1200.0])  # one logit far above or below the rest
    tests = [
        ("random logits", rng.normal(scale=3.0, size=(6, 4))),
        ("huge logits", rng.normal(scale=3.0, size=(3, 5)) + np.array([[1000.0], [-1000.0],
                                                                        [5e4]])),  # fmt: skip
        ("logits 800 or more apart", spread),
    ]
    for what, z in tests:
        with np.errstate(all="ignore"):
            result = call_answer("1.4", log_softmax, z.copy())
        got = answer_array("1.4", "log_softmax(z)", result)
        expect_shape("1.4", f"log_softmax(z) for {what} of shape {z.shape}", got, z.shape)
        if not np.all(np.isfinite(got)):
            raise ExerciseFailure(
                "1.4",
                f"log_softmax gave nan or -inf/inf for {what}: an exp overflowed, or a "
                "softmax entry underflowed to 0 before the log. Work with logs throughout: "
                "log softmax(z)_i = z_i - m - log(sum_j exp(z_j - m)) with m the row's maximum.",
            )
        expect_close("1.4", f"the exp of each row of log_softmax(z) summed ({what})",
                     np.exp(got).sum(axis=1), np.ones(len(z)), rtol=1e-6)  # fmt: skip
        want = tf.nn.log_softmax(tf.constant(z), axis=-1).numpy()
        expect_close("1.4", f"log_softmax(z) for {what}", got, want, rtol=1e-9, atol=1e-9)
    return passed("1.4", "Finite everywhere and equal to tf.nn.log_softmax: this is how "
                         "Keras computes cross-entropy from logits (chapter 03).")  # fmt: skip


def check_logic_gates(gate_weights: Callable[[], Any]) -> str:
    """Exercise 1.5: weights ``(w, b)`` making one perceptron compute AND, OR and NAND.

    ``gate_weights()`` returns a dict ``{"and": (w, b), "or": (w, b), "nand": (w, b)}``
    with ``w`` of shape ``(2,)``. Each gate is checked on the four corners of the unit
    square with ``step(x @ w + b)``, and then two layers of them are combined into XOR.
    """
    gates = call_answer("1.5", gate_weights)
    expect("1.5", isinstance(gates, dict),
           f"gate_weights() should return a dict with keys 'and', 'or', 'nand', got "
           f"{type(gates).__name__}")  # fmt: skip
    missing = sorted(set(_GATES) - set(gates))
    expect("1.5", not missing, f"gate_weights() is missing the keys {missing}")

    def fire(name: str, x: np.ndarray) -> np.ndarray:
        value = gates[name]
        expect("1.5", isinstance(value, (tuple, list)) and len(value) == 2,
               f"gates[{name!r}] should be a pair (w, b), got {value!r}")  # fmt: skip
        w = np.asarray(value[0], dtype=np.float64)
        expect_shape("1.5", f"the weights w of {name.upper()}", w, (2,))
        b = float(np.asarray(value[1], dtype=np.float64).reshape(()))
        return (x @ w + b >= 0).astype(int)

    for name, truth in _GATES.items():
        got = fire(name, _CORNERS)
        if not np.array_equal(got, truth):
            rows = ", ".join(f"{tuple(int(v) for v in c)} -> {int(g)}"
                             for c, g in zip(_CORNERS, got, strict=True))  # fmt: skip
            raise ExerciseFailure(
                "1.5",
                f"{name.upper()} should give {truth.tolist()} on (0,0), (0,1), (1,0), (1,1); "
                f"your weights give {rows}",
            )
    hidden = np.stack([fire("or", _CORNERS), fire("nand", _CORNERS)], axis=1).astype(np.float64)
    xor = fire("and", hidden)
    expect("1.5", np.array_equal(xor, [0, 1, 1, 0]), "internal: AND(OR, NAND) should be XOR")
    return passed("1.5", "And AND(OR(x), NAND(x)) computes XOR: two layers do what one neuron "
                         "cannot (chapter 02).")  # fmt: skip


def check_fixed_accuracy(fixed_accuracy: Callable[..., Any], seed: int | None = None) -> str:
    """Exercise 1.6 (debug): ``fixed_accuracy(probs, labels)``, the fraction of examples
    whose predicted class (1 where the probability is above 0.5) equals the 0/1 label.

    ``probs`` has shape ``(n, 1)``, as ``Dense(1, activation="sigmoid")`` returns, or
    ``(n,)``; ``labels`` shape ``(n,)``. Compared with ``keras.metrics.BinaryAccuracy``.
    """
    import keras

    rng = np.random.default_rng(seed)
    for n, column in [(40, True), (7, True), (25, False), (1, True)]:
        labels = rng.integers(0, 2, size=n)
        probs = np.clip(np.where(labels == 1, 0.7, 0.3) + rng.normal(scale=0.2, size=n),
                        0.01, 0.99)  # fmt: skip
        probs[np.isclose(probs, 0.5)] = 0.6
        if column:
            probs = probs[:, None]
        result = call_answer("1.6", fixed_accuracy, probs.copy(), labels.copy())
        got = answer_array("1.6", "fixed_accuracy(probs, labels)", result, expected="one number")
        expect("1.6", got.size == 1, f"the accuracy should be one number, got shape {got.shape}")
        metric = keras.metrics.BinaryAccuracy()
        metric.update_state(labels[:, None], probs.reshape(n, 1))
        want = float(metric.result())
        broadcast = float(np.mean((probs > 0.5).astype(int) == labels))
        shape = "(n, 1)" if column else "(n,)"
        if column and np.isclose(float(got.ravel()[0]), np.mean(labels == 0)) and not np.isclose(
            want, np.mean(labels == 0)
        ):
            raise ExerciseFailure(
                "1.6", f"you got {float(got.ravel()[0]):.3f}, the share of label 0: the "
                "argmax over a single column is always 0. One sigmoid output is the "
                "probability of class 1; threshold it at 0.5 instead.")  # fmt: skip
        if n > 1 and column and np.isclose(float(got.ravel()[0]), broadcast) and not np.isclose(
            broadcast, want
        ):
            raise ExerciseFailure(
                "1.6", f"for probs of shape {probs.shape} and labels of shape {labels.shape} "
                f"you got {broadcast:.3f}, the buggy value: comparing an (n, 1) array with an "
                "(n,) array broadcasts to (n, n), every prediction against every label. "
                "Flatten the predictions first.")  # fmt: skip
        expect_close("1.6", f"the accuracy for {n} examples with probs of shape {shape}",
                     float(got.ravel()[0]), want, rtol=1e-6)  # fmt: skip
    return passed("1.6", "Same as keras.metrics.BinaryAccuracy for probabilities of shape "
                         "(n, 1) and (n,).")  # fmt: skip
