"""Exercise checks for chapter 01, The artificial neuron."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.activations import leaky_relu, sigmoid, softmax
from course_utils.checks import (
    ExerciseFailure,
    call_answer,
    expect,
    expect_close,
    expect_shape,
    passed,
)

__all__ = [
    "check_leaky_relu",
    "check_neuron_output",
    "check_perceptron_step",
    "check_stable_softmax",
    "check_logic_gates",
]

_CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
_GATES = {
    "and": np.array([0, 0, 0, 1]),
    "or": np.array([0, 1, 1, 1]),
    "nand": np.array([1, 1, 1, 0]),
}


def check_leaky_relu(my_leaky_relu: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 1.1: ``my_leaky_relu(x, alpha=0.3)`` is ``x`` for ``x >= 0``, ``alpha * x`` else.

    Tested on random arrays of several shapes, with several ``alpha`` and with the
    default, against :func:`course_utils.activations.leaky_relu`.
    """
    rng = np.random.default_rng(seed)
    for shape, alpha in [((10,), 0.1), ((4, 6), 0.3), ((2, 3, 5), 0.02)]:
        x = rng.normal(scale=3.0, size=shape).astype(np.float32)
        result = call_answer("1.1", my_leaky_relu, x, alpha=alpha)
        expect("1.1", result is not None, "my_leaky_relu returned None; did you forget `return`?")
        expect_shape("1.1", f"my_leaky_relu(x) for x of shape {shape}", result, shape)
        got = np.asarray(result, dtype=np.float64)
        negative = x < 0
        if np.allclose(got[negative], 0.0):
            raise ExerciseFailure("1.1", "negative inputs gave 0: that is ReLU. Leaky ReLU "
                                         "lets a little through: alpha * x.")  # fmt: skip
        if np.allclose(got[negative], alpha) or np.allclose(got[negative], -alpha):
            raise ExerciseFailure(
                "1.1",
                f"every negative input gave the constant {got[negative][0]:.3g}. Leaky ReLU "
                "is not a small constant for x < 0: it is the line alpha * x, so x = -2 "
                f"gives {-2 * alpha:.3g} with alpha = {alpha}.",
            )
        expect_close("1.1", f"my_leaky_relu(x, alpha={alpha})", got, leaky_relu(x, alpha),
                     rtol=1e-5, atol=1e-6)  # fmt: skip
    x = rng.normal(scale=3.0, size=20).astype(np.float32)
    default = np.asarray(call_answer("1.1", my_leaky_relu, x), dtype=np.float64)
    expect_close("1.1", "my_leaky_relu(x) with the default alpha (0.3, like "
                 "keras.layers.LeakyReLU)", default, leaky_relu(x, 0.3), rtol=1e-5,
                 atol=1e-6)  # fmt: skip
    return passed("1.1", "Negative inputs are scaled by alpha, not replaced by a constant.")


def check_neuron_output(neuron_output: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 1.2: ``neuron_output(x, w, b)`` is ``sigmoid(x @ w + b)`` for a batch ``x``.

    ``x`` has shape ``(n, d)``, ``w`` shape ``(d,)``, ``b`` is a number; the answer
    must have shape ``(n,)``.
    """
    rng = np.random.default_rng(seed)
    for n, d in [(5, 3), (1, 4), (32, 2)]:
        x = rng.normal(size=(n, d)).astype(np.float32)
        w = rng.normal(size=d).astype(np.float32)
        b = float(rng.uniform(0.5, 2.0)) * rng.choice([-1, 1])
        result = call_answer("1.2", neuron_output, x, w, b)
        expect("1.2", result is not None, "neuron_output returned None; did you forget `return`?")
        got = np.asarray(result, dtype=np.float64)
        expect_shape("1.2", f"neuron_output(x, w, b) for x of shape {(n, d)}", got, (n,))
        z = x.astype(np.float64) @ w + b
        if np.allclose(got, z, rtol=1e-4):
            raise ExerciseFailure("1.2", "you returned the pre-activation z = x @ w + b; "
                                         "apply the sigmoid to it.")  # fmt: skip
        if np.allclose(got, sigmoid(z - b), rtol=1e-4):
            raise ExerciseFailure("1.2", "the output ignores the bias b: use sigmoid(x @ w + b).")
        expect_close("1.2", f"neuron_output(x, w, b) for x of shape {(n, d)}", got, sigmoid(z),
                     rtol=1e-5, atol=1e-6)  # fmt: skip
    return passed("1.2", "Same numbers as keras.layers.Dense(1, activation='sigmoid').")


def check_perceptron_step(perceptron_step: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 1.3: one perceptron update, ``perceptron_step(w, b, x_i, y_i, lr)``.

    Must return ``(new_w, new_b)`` with ``y_hat = 1 if w . x_i + b >= 0 else 0`` and
    ``new_w = w + lr (y_i - y_hat) x_i``, ``new_b = b + lr (y_i - y_hat)``. Tested on
    random examples, some misclassified and some not.
    """
    rng = np.random.default_rng(seed)
    kinds = {"misclassified": 0, "correctly classified": 0}
    for _ in range(40):
        d = int(rng.integers(2, 5))
        w, x_i = rng.normal(size=d), rng.normal(size=d)
        b, y_i, lr = float(rng.normal()), int(rng.integers(0, 2)), float(rng.uniform(0.1, 1.0))
        y_hat = int(x_i @ w + b >= 0)
        kind = "misclassified" if y_hat != y_i else "correctly classified"
        kinds[kind] += 1
        result = call_answer("1.3", perceptron_step, w.copy(), b, x_i.copy(), y_i, lr)
        expect("1.3", isinstance(result, (tuple, list)) and len(result) == 2,
               f"perceptron_step should return a pair (new_w, new_b), got {result!r}")  # fmt: skip
        new_w, new_b = result
        expect_shape("1.3", "new_w", new_w, (d,))
        want_w, want_b = w + lr * (y_i - y_hat) * x_i, b + lr * (y_i - y_hat)
        case = (f"for a {kind} example (y_i = {y_i}, prediction {y_hat}, "
                f"lr = {lr:.2f})")  # fmt: skip
        if kind == "correctly classified" and not np.allclose(new_w, w):
            raise ExerciseFailure(
                "1.3",
                f"the weights changed {case}. The perceptron only learns from mistakes: "
                "y_i - y_hat is 0 here.",
            )
        expect_close("1.3", f"new_w {case}", new_w, want_w, rtol=1e-6, atol=1e-9)
        if kind == "misclassified" and np.isclose(float(new_b), b):
            raise ExerciseFailure("1.3", f"the bias did not change {case}: b moves by "
                                         "lr * (y_i - y_hat) too.")  # fmt: skip
        expect_close("1.3", f"new_b {case}", float(new_b), want_b, rtol=1e-6, atol=1e-9)
    expect("1.3", min(kinds.values()) > 0, "internal: both cases should be tested")
    return passed("1.3", "Mistakes move the boundary; correct answers leave it alone.")


def check_stable_softmax(stable_softmax: Callable[[Any], Any], seed: int = 0) -> str:
    """Exercise 1.4: ``stable_softmax(z)``: softmax of each row of a 2-D array of logits.

    Must be correct for ordinary logits and stay finite for huge ones (1000 and
    more), where ``exp`` overflows unless the row maximum is subtracted first.
    """
    rng = np.random.default_rng(seed)
    huge_offsets = np.array([[1000.0], [-1000.0], [5e4]])
    tests = [
        ("random logits", rng.normal(scale=3.0, size=(6, 4))),
        ("huge logits", rng.normal(scale=3.0, size=(3, 5)) + huge_offsets),
    ]
    for what, z in tests:
        with np.errstate(all="ignore"):
            result = call_answer("1.4", stable_softmax, z.copy())
        expect("1.4", result is not None, "stable_softmax returned None; did you forget `return`?")
        got = np.asarray(result, dtype=np.float64)
        expect_shape("1.4", f"stable_softmax(z) for {what} of shape {z.shape}", got, z.shape)
        if not np.all(np.isfinite(got)):
            raise ExerciseFailure(
                "1.4",
                f"stable_softmax gave nan or inf for {what} such as {z[0, :3].round(1)}: "
                "exp(1000) overflows. Subtract each row's maximum before exp; it cancels "
                "in the ratio, so the result is unchanged.",
            )
        expect_close("1.4", f"each row of stable_softmax(z) summed ({what})", got.sum(axis=1),
                     np.ones(len(z)), rtol=1e-6)  # fmt: skip
        expect_close("1.4", f"stable_softmax(z) for {what}", got, softmax(z, axis=-1),
                     rtol=1e-6, atol=1e-9)  # fmt: skip
    return passed("1.4", "Probabilities in every row, even for logits of 50,000.")


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
