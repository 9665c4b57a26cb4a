"""A single artificial neuron: its forward pass and the perceptron learning rule.

Introduced in chapter 01.

* :func:`neuron_forward` computes ``activation(x @ w + b)``, the same thing as
  ``keras.layers.Dense(1, activation=...)`` with kernel ``w[:, None]`` and bias ``[b]``.
* :func:`perceptron_predict`, :func:`perceptron_update` and :func:`perceptron_train`
  implement Rosenblatt's (1958) perceptron: a step-threshold neuron whose weights
  move by ``lr * (y - y_hat) * x`` after each misclassified example.
* :func:`recurrent_neuron_forward` applies one tanh neuron along a sequence,
  ``h_t = tanh(w_x . x_t + w_h h_(t-1) + b)``, the same thing as
  ``keras.layers.SimpleRNN(1)``: "recurrent", not "regression".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from course_utils import activations as _act
from course_utils.validation import as_array, as_float_array, check_ndim, check_same_length

__all__ = [
    "ACTIVATIONS",
    "PerceptronHistory",
    "neuron_forward",
    "perceptron_predict",
    "perceptron_update",
    "perceptron_train",
    "recurrent_neuron_forward",
]

#: Activations :func:`neuron_forward` accepts by name (Keras spells them the same way).
ACTIVATIONS: dict[str, Callable[[Any], np.ndarray]] = {
    "linear": lambda z: np.asarray(z),
    "step": _act.step,
    "sigmoid": _act.sigmoid,
    "tanh": _act.tanh,
    "relu": _act.relu,
    "leaky_relu": _act.leaky_relu,
    "elu": _act.elu,
    "gelu": _act.gelu,
}


def _scalar(value: Any, name: str) -> float:
    """A real number, or a 1-element array (such as a Keras bias of shape (1,))."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got bool")
    array = as_array(value, name)
    if array.size != 1:
        raise ValueError(f"{name} must be a single number, got shape {array.shape}")
    return float(array.reshape(()))


def _inputs_and_weights(x: Any, w: Any, w_name: str = "w") -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(x, "x")
    w = as_float_array(w, w_name)
    check_ndim(w, f"{w_name} (one weight per input feature)", 1)
    check_ndim(x, "x (one example of shape (d,) or a batch of shape (n, d))", (1, 2))
    if x.shape[-1] != w.shape[0]:
        raise ValueError(
            f"x has {x.shape[-1]} features (shape {x.shape}) but {w_name} has {w.shape[0]} "
            "weights; "
            "they must match"
        )
    return x, w


def _resolve_activation(activation: str | Callable[[Any], Any]) -> Callable[[Any], Any]:
    if callable(activation):
        return activation
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]
    raise ValueError(
        f"activation must be a function or one of {sorted(ACTIVATIONS)}, got {activation!r}"
    )


def neuron_forward(
    x: Any, w: Any, b: Any, activation: str | Callable[[Any], Any] = "linear"
) -> np.ndarray:
    """Output of one neuron, ``activation(x @ w + b)``.

    Args:
        x: one example of shape ``(d,)`` or a batch of shape ``(n, d)``.
        w: weights of shape ``(d,)``.
        b: the bias, a number (or a 1-element array such as a Keras bias).
        activation: a name from :data:`ACTIVATIONS` or a function of the
            pre-activation ``z``.

    Returns:
        ``activation(z)``: a 0-d array for one example, shape ``(n,)`` for a batch.
        Keras's ``Dense(1)`` returns shape ``(n, 1)`` for the same numbers.

    Raises:
        TypeError: if an argument is not numeric.
        ValueError: if the shapes do not fit, or the activation is unknown.
    """
    x, w = _inputs_and_weights(x, w)
    b = _scalar(b, "b")
    fn = _resolve_activation(activation)
    z = (x @ w + b).astype(np.result_type(x, w))
    return np.asarray(fn(z))


def perceptron_predict(x: Any, w: Any, b: Any) -> np.ndarray:
    """The perceptron's class, ``1 if x @ w + b >= 0 else 0``, as integers.

    Shapes as in :func:`neuron_forward`.
    """
    return neuron_forward(x, w, b, "step").astype(np.int64)


def _check_labels(y: Any, name: str = "y") -> np.ndarray:
    y = as_array(y, name)
    if not np.all((y == 0) | (y == 1)):
        found = np.unique(y)[:5]
        raise ValueError(f"labels {name} must be 0 or 1, got values such as {found.tolist()}")
    return y.astype(np.int64)


def _check_lr(lr: Any) -> float:
    if isinstance(lr, bool) or not isinstance(lr, Real):
        raise TypeError(f"lr must be a positive number, got {type(lr).__name__}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr}")
    return float(lr)


def perceptron_update(
    x_i: Any, y_i: Any, w: Any, b: Any, lr: float = 1.0
) -> tuple[np.ndarray, float]:
    """One step of the perceptron learning rule on one example ``(x_i, y_i)``.

    With ``y_hat = step(w . x_i + b)``::

        w <- w + lr * (y_i - y_hat) * x_i
        b <- b + lr * (y_i - y_hat)

    A correctly classified example (``y_hat == y_i``) changes nothing.

    Args:
        x_i: one example, shape ``(d,)``.
        y_i: its label, 0 or 1.
        w: weights, shape ``(d,)``.
        b: bias, a number.
        lr: learning rate (> 0).

    Returns:
        ``(new_w, new_b)``; the inputs are not modified.
    """
    x_i, w = _inputs_and_weights(x_i, w)
    check_ndim(x_i, "x_i (a single example)", 1)
    y_i = _check_labels(y_i, "y_i")
    if y_i.size != 1:
        raise ValueError(f"y_i must be a single label, 0 or 1, got shape {y_i.shape}")
    new_w, new_b, _ = _update(x_i, int(y_i.reshape(())), w, _scalar(b, "b"), _check_lr(lr))
    return new_w, new_b


def _update(
    x_i: np.ndarray, y_i: int, w: np.ndarray, b: float, lr: float
) -> tuple[np.ndarray, float, int]:
    """The perceptron rule without argument checks; also returns the error y - y_hat."""
    error = y_i - int(x_i @ w + b >= 0)
    if error == 0:
        return w, b, 0
    return w + lr * error * x_i, b + lr * error, error


@dataclass
class PerceptronHistory:
    """What :func:`perceptron_train` recorded, one entry per epoch.

    Attributes:
        mistakes: number of misclassified examples met during each epoch.
        weights: the weights at the start (index 0) and after each epoch.
        biases: the bias at the start (index 0) and after each epoch.
    """

    mistakes: list[int] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)
    biases: list[float] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        """``True`` when the last epoch made no mistake."""
        return bool(self.mistakes) and self.mistakes[-1] == 0


def perceptron_train(
    x: Any,
    y: Any,
    epochs: int = 20,
    lr: float = 1.0,
    *,
    w0: Any = None,
    b0: float = 0.0,
    stop_when_converged: bool = True,
) -> tuple[np.ndarray, float, PerceptronHistory]:
    """Train a perceptron with Rosenblatt's rule, visiting the examples in order.

    Each epoch goes once through ``x`` and applies :func:`perceptron_update` to
    every example. If the two classes are linearly separable, the perceptron
    convergence theorem guarantees an epoch with no mistakes after finitely many
    updates; if they are not (XOR), the weights cycle forever.

    Args:
        x: inputs of shape ``(n, d)``.
        y: labels of shape ``(n,)``, each 0 or 1.
        epochs: maximum number of passes over the data.
        lr: learning rate (> 0). With ``w0`` and ``b0`` zero it only rescales the
            weights, so the decision boundary does not depend on it.
        w0: initial weights of shape ``(d,)``; default zeros.
        b0: initial bias.
        stop_when_converged: stop after the first epoch without mistakes.

    Returns:
        ``(w, b, history)``: final weights ``(d,)``, final bias, and a
        :class:`PerceptronHistory` with the mistakes per epoch and the weights
        after each epoch.
    """
    x = as_float_array(x, "x")
    check_ndim(x, "x (a batch of shape (n, d))", 2)
    y = _check_labels(y)
    check_ndim(y, "y (one label per example)", 1)
    check_same_length(x=x, y=y)
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    lr = _check_lr(lr)
    w = np.zeros(x.shape[1]) if w0 is None else as_float_array(w0, "w0").astype(np.float64)
    check_ndim(w, "w0", 1)
    if w.shape[0] != x.shape[1]:
        raise ValueError(f"w0 must have shape ({x.shape[1]},) to match x, got {w.shape}")
    b = _scalar(b0, "b0")

    history = PerceptronHistory(weights=[w.copy()], biases=[b])
    for _ in range(int(epochs)):
        mistakes = 0
        for x_i, y_i in zip(x, y, strict=True):
            w, b, error = _update(x_i, int(y_i), w, b, lr)
            mistakes += int(error != 0)
        history.mistakes.append(mistakes)
        history.weights.append(w.copy())
        history.biases.append(b)
        if stop_when_converged and mistakes == 0:
            break
    return w, b, history


def recurrent_neuron_forward(x: Any, w_x: Any, w_h: Any, b: Any, h0: Any = 0.0) -> np.ndarray:
    """One tanh neuron applied recurrently along a sequence (a 1-unit simple RNN).

    ``h_t = tanh(x_t . w_x + w_h * h_(t-1) + b)``, starting from ``h_(-1) = h0``.
    The same weights are used at every time step; the output at each step feeds
    back in as an input to the next. This is what ``keras.layers.SimpleRNN(1,
    return_sequences=True)`` computes, with kernel ``w_x[:, None]``, recurrent
    kernel ``[[w_h]]`` and bias ``[b]``.

    Args:
        x: sequences of shape ``(batch, time, d)``.
        w_x: input weights, shape ``(d,)``.
        w_h: the recurrent weight, a number.
        b: the bias, a number.
        h0: the initial state, a number.

    Returns:
        The states ``h_t`` at every step, shape ``(batch, time)``.
    """
    x = as_float_array(x, "x")
    check_ndim(x, "x (sequences of shape (batch, time, d))", 3)
    _, w_x = _inputs_and_weights(x[:, 0, :], w_x, "w_x")
    w_h, b, h = _scalar(w_h, "w_h"), _scalar(b, "b"), _scalar(h0, "h0")
    dtype = np.result_type(x, w_x)
    h = np.full(x.shape[0], h, dtype=dtype)
    states = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t, :] @ w_x + w_h * h + b).astype(dtype)
        states.append(h)
    return np.stack(states, axis=1) if states else np.zeros((x.shape[0], 0), dtype)
