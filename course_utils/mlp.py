"""A multi-layer perceptron in NumPy, trained by hand-written backpropagation.

Introduced in chapter 02. Conventions (the same as Keras's ``Dense`` layer):
a batch is a matrix with one example per *row*, so a dense layer computes

    Z = X W + b,   X: (n, d_in),  W: (d_in, d_out),  b: (d_out,),  Z: (n, d_out),

and its backward pass, given ``G = dL/dZ``, returns

    dL/dX = G W^T,   dL/dW = X^T G,   dL/db = sum of G over the batch (axis 0).

An MLP's parameters are a list with one ``{"w": W, "b": b}`` dict per layer.
Hidden layers use one activation (``"relu"`` by default); the output layer is
linear unless ``output_activation`` says otherwise, so a classifier's output
is its logits and the loss applies the sigmoid or softmax.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np

from course_utils.activations import (
    elu,
    elu_grad,
    leaky_relu,
    leaky_relu_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    tanh,
    tanh_grad,
)
from course_utils.validation import as_float_array, check_ndim

__all__ = [
    "ACTIVATIONS",
    "Params",
    "binary_cross_entropy_with_logits",
    "dense_backward",
    "dense_forward",
    "init_mlp",
    "mean_squared_error",
    "mlp_backward",
    "mlp_forward",
    "mlp_param_count",
    "train_step",
]

Params = list[dict[str, np.ndarray]]


def _linear(x: np.ndarray) -> np.ndarray:
    return x


def _linear_grad(x: np.ndarray) -> np.ndarray:
    return np.ones_like(x)


#: name -> (activation, its derivative with respect to the pre-activation)
ACTIVATIONS: dict[str, tuple[Callable[[Any], np.ndarray], Callable[[Any], np.ndarray]]] = {
    "linear": (_linear, _linear_grad),
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
}


# ----------------------------------------------------------------------------- checks
def _matrix(value: Any, name: str) -> np.ndarray:
    array = as_float_array(value, name)
    check_ndim(array, name, 2)
    return array


def _check_activation(name: Any, what: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a string, got {type(name).__name__}")
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown {what} {name!r}; expected one of {sorted(ACTIVATIONS)}")
    return name


def _check_dense(x: np.ndarray, w: np.ndarray, x_name: str = "x") -> None:
    if x.shape[1] != w.shape[0]:
        raise ValueError(
            f"{x_name} has {x.shape[1]} features per row (shape {x.shape}) but w expects "
            f"{w.shape[0]} inputs (shape {w.shape}); w must have shape (d_in, d_out)"
        )


def _check_params(params: Any) -> Params:
    """Validate an MLP's parameter list; return it with arrays converted."""
    if isinstance(params, Mapping) or not isinstance(params, Sequence) or not params:
        raise TypeError(
            "params must be a non-empty list of {'w': W, 'b': b} dicts (see init_mlp), "
            f"got {type(params).__name__}"
        )
    checked: Params = []
    for i, layer in enumerate(params):
        if not isinstance(layer, Mapping) or "w" not in layer or "b" not in layer:
            raise TypeError(
                f"params[{i}] must be a dict with keys 'w' and 'b', got {type(layer).__name__}"
                + (f" with keys {sorted(layer)}" if isinstance(layer, Mapping) else "")
            )
        w = _matrix(layer["w"], f"params[{i}]['w']")
        b = as_float_array(layer["b"], f"params[{i}]['b']")
        if b.shape != (w.shape[1],):
            raise ValueError(
                f"params[{i}]['b'] must have shape ({w.shape[1]},) to match "
                f"params[{i}]['w'] of shape {w.shape}, got {b.shape}"
            )
        if checked and checked[-1]["w"].shape[1] != w.shape[0]:
            raise ValueError(
                f"layer {i - 1} outputs {checked[-1]['w'].shape[1]} values but layer {i} "
                f"expects {w.shape[0]} inputs (params[{i}]['w'] has shape {w.shape})"
            )
        checked.append({"w": w, "b": b})
    return checked


def _check_sizes(sizes: Any) -> list[int]:
    if isinstance(sizes, (str, bytes, Mapping)) or not isinstance(sizes, Sequence):
        raise TypeError(
            "sizes must be a list of layer widths such as [784, 128, 10], "
            f"got {type(sizes).__name__}"
        )
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {list(sizes)}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"every layer width must be an int, got {s!r} in {list(sizes)}")
        if s < 1:
            raise ValueError(f"every layer width must be >= 1, got {list(sizes)}")
    return [int(s) for s in sizes]


def _check_positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a positive number, got {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be positive and finite, got {value}")
    return float(value)


# ----------------------------------------------------------------------- one dense layer
def dense_forward(x: Any, w: Any, b: Any) -> np.ndarray:
    """Affine map of a batch: ``x @ w + b``, as ``keras.layers.Dense`` without activation.

    Args:
        x: inputs of shape ``(n, d_in)``, one example per row.
        w: weights of shape ``(d_in, d_out)``.
        b: biases of shape ``(d_out,)``, added to every row.

    Returns:
        The pre-activations ``z`` of shape ``(n, d_out)``.

    Raises:
        TypeError: if an argument is not numeric.
        ValueError: if the shapes do not fit together.
    """
    x, w = _matrix(x, "x"), _matrix(w, "w")
    b = as_float_array(b, "b")
    _check_dense(x, w)
    if b.shape != (w.shape[1],):
        raise ValueError(f"b must have shape ({w.shape[1]},) to match w of shape {w.shape}, "
                         f"got {b.shape}")  # fmt: skip
    return x @ w + b


def dense_backward(grad_out: Any, x: Any, w: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``z = x @ w + b``.

    Given ``grad_out = dL/dz`` (shape ``(n, d_out)``) and the layer's input ``x``
    and weights ``w`` from the forward pass, returns

    * ``grad_x = grad_out @ w.T``  (shape ``(n, d_in)``), passed on to the layer below;
    * ``grad_w = x.T @ grad_out``  (shape ``(d_in, d_out)``), summed over the batch;
    * ``grad_b = grad_out.sum(axis=0)``  (shape ``(d_out,)``), because ``b`` is
      added to every row.

    Raises:
        TypeError: if an argument is not numeric.
        ValueError: if the shapes do not fit together.
    """
    grad_out, x, w = _matrix(grad_out, "grad_out"), _matrix(x, "x"), _matrix(w, "w")
    _check_dense(x, w)
    if grad_out.shape != (x.shape[0], w.shape[1]):
        raise ValueError(
            f"grad_out must have the shape of the layer's output (n, d_out) = "
            f"{(x.shape[0], w.shape[1])} for x of shape {x.shape} and w of shape {w.shape}, "
            f"got {grad_out.shape}"
        )
    grad_x = grad_out @ w.T
    grad_w = x.T @ grad_out
    grad_b = grad_out.sum(axis=0)
    return grad_x, grad_w, grad_b


# -------------------------------------------------------------------------- the network
def mlp_param_count(sizes: Sequence[int]) -> int:
    """Number of weights and biases of a dense MLP with layer widths ``sizes``.

    Each layer from ``d_in`` to ``d_out`` units has ``d_in * d_out`` weights and
    ``d_out`` biases: ``sum((d_in + 1) * d_out)``. Equals Keras's
    ``model.count_params()`` for the same stack of ``Dense`` layers.
    """
    sizes = _check_sizes(sizes)
    return sum((d_in + 1) * d_out for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True))


def init_mlp(
    sizes: Sequence[int],
    rng: np.random.Generator | int,
    init: str | float = "he",
    dtype: Any = np.float64,
) -> Params:
    """Random weights and zero biases for a dense MLP with layer widths ``sizes``.

    Args:
        sizes: widths from input to output, e.g. ``[784, 128, 10]``.
        rng: a ``np.random.Generator`` (or an int seed for one).
        init: ``"glorot"`` (Glorot & Bengio 2010, uniform on ``+-sqrt(6 / (d_in + d_out))``,
            variance ``2 / (d_in + d_out)``, as ``keras.initializers.GlorotUniform``, the
            ``Dense`` default), ``"he"`` (He et al. 2015, normal with variance
            ``2 / d_in``, for ReLU layers), or a number: normal with that standard
            deviation.
        dtype: floating dtype of the arrays.

    Returns:
        A list of ``{"w": (d_in, d_out) array, "b": (d_out,) zeros}``, one per layer.
    """
    sizes = _check_sizes(sizes)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        rng = np.random.default_rng(int(rng))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a np.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise TypeError(f"dtype must be a floating dtype, got {np.dtype(dtype)}")
    if isinstance(init, str):
        if init not in ("glorot", "he"):
            raise ValueError(f"init must be 'glorot', 'he' or a standard deviation, got {init!r}")
    else:
        _check_positive(init, "init (a standard deviation)")

    params: Params = []
    for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True):
        if init == "glorot":
            limit = math.sqrt(6.0 / (d_in + d_out))
            w = rng.uniform(-limit, limit, size=(d_in, d_out))
        elif init == "he":
            w = rng.normal(0.0, math.sqrt(2.0 / d_in), size=(d_in, d_out))
        else:
            w = rng.normal(0.0, float(init), size=(d_in, d_out))
        params.append({"w": w.astype(dtype), "b": np.zeros(d_out, dtype=dtype)})
    return params


def mlp_forward(
    params: Params,
    x: Any,
    activation: str = "relu",
    output_activation: str = "linear",
) -> tuple[np.ndarray, dict[str, Any]]:
    """Forward pass of an MLP: ``a_0 = x``, ``z_l = a_{l-1} W_l + b_l``, ``a_l = act(z_l)``.

    Args:
        params: the layers, as returned by :func:`init_mlp`.
        x: a batch of shape ``(n, d_in)``.
        activation: activation of every hidden layer, a key of :data:`ACTIVATIONS`.
        output_activation: activation of the last layer (default ``"linear"``:
            the output is the last pre-activation, e.g. logits).

    Returns:
        ``(output, cache)``: the output of shape ``(n, d_out)``, and what the
        backward pass needs: each layer's input ``"inputs"`` and pre-activation
        ``"z"``, and the activation names.
    """
    params = _check_params(params)
    activation = _check_activation(activation, "activation")
    output_activation = _check_activation(output_activation, "output_activation")
    a = _matrix(x, "x")
    first_w = params[0]["w"]
    if a.shape[1] != first_w.shape[0]:
        raise ValueError(
            f"x must have shape (n, {first_w.shape[0]}) for this network "
            f"(the first layer's w has shape {first_w.shape}), got {a.shape}"
        )
    inputs, zs = [], []
    for i, layer in enumerate(params):
        name = output_activation if i == len(params) - 1 else activation
        inputs.append(a)
        z = dense_forward(a, layer["w"], layer["b"])
        zs.append(z)
        a = ACTIVATIONS[name][0](z)
    cache = {"inputs": inputs, "z": zs, "activation": activation,
             "output_activation": output_activation}  # fmt: skip
    return a, cache


def mlp_backward(
    params: Params,
    cache: Mapping[str, Any],
    grad_output: Any,
    trace: list[int] | None = None,
) -> Params:
    """Backpropagation: gradients of the loss with respect to every weight and bias.

    Starts from ``grad_output = dL/d(output)`` and walks the layers from the last
    to the first. For layer ``l`` (with ``act'`` the derivative of its activation):

    1. ``dL/dz_l = dL/da_l * act'(z_l)`` (elementwise);
    2. ``dL/dW_l = a_{l-1}^T dL/dz_l``, ``dL/db_l = sum over the batch of dL/dz_l``;
    3. ``dL/da_{l-1} = dL/dz_l W_l^T``, the ``grad_output`` of the layer below.

    Args:
        params: the parameters used in the forward pass.
        cache: the cache :func:`mlp_forward` returned.
        grad_output: ``dL/d(output)``, of the output's shape ``(n, d_out)``.
        trace: optional list; the index of each layer is appended when its
            gradients are computed, which shows the order of the backward pass.

    Returns:
        Gradients in the structure of ``params``: a list of ``{"w": ..., "b": ...}``.
    """
    params = _check_params(params)
    if not isinstance(cache, Mapping) or not {"inputs", "z", "activation"} <= set(cache):
        raise TypeError("cache must be the dict returned by mlp_forward(params, x)")
    if len(cache["z"]) != len(params):
        raise ValueError(f"cache holds {len(cache['z'])} layers but params has {len(params)}; "
                         "pass the cache from the forward pass of these params")  # fmt: skip
    if trace is not None and not isinstance(trace, list):
        raise TypeError(f"trace must be a list or None, got {type(trace).__name__}")
    grad_a = _matrix(grad_output, "grad_output")
    expected = cache["z"][-1].shape
    if grad_a.shape != expected:
        raise ValueError(f"grad_output must have the output's shape {expected}, got {grad_a.shape}")

    grads: Params = [{} for _ in params]
    for i in reversed(range(len(params))):
        name = cache["output_activation"] if i == len(params) - 1 else cache["activation"]
        grad_z = grad_a * ACTIVATIONS[name][1](cache["z"][i])
        grad_a, grad_w, grad_b = dense_backward(grad_z, cache["inputs"][i], params[i]["w"])
        grads[i] = {"w": grad_w, "b": grad_b}
        if trace is not None:
            trace.append(i)
    return grads


# ------------------------------------------------------------------ losses and training
def _check_targets(output: Any, y: Any, output_name: str) -> tuple[np.ndarray, np.ndarray]:
    out = _matrix(output, output_name)
    target = as_float_array(y, "y").astype(out.dtype)
    if target.shape == (out.shape[0],) and out.shape[1] == 1:
        target = target[:, None]
    if target.shape != out.shape:
        raise ValueError(f"y must have the shape of {output_name} {out.shape} "
                         f"(or ({out.shape[0]},) for one output), got {target.shape}")  # fmt: skip
    return out, target


def mean_squared_error(output: Any, y: Any) -> tuple[float, np.ndarray]:
    """Mean squared error over all entries and its gradient with respect to ``output``.

    ``L = mean((output - y)**2)``, ``dL/d(output) = 2 (output - y) / output.size``.
    (Chapter 03 treats losses in depth.)

    Returns:
        ``(loss, grad_output)``.
    """
    out, target = _check_targets(output, y, "output")
    diff = out - target
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def binary_cross_entropy_with_logits(logits: Any, y: Any) -> tuple[float, np.ndarray]:
    """Binary cross-entropy of labels ``y`` in {0, 1} given logits, and its gradient.

    ``L = mean(-y log s(z) - (1 - y) log(1 - s(z)))`` with ``s`` the sigmoid,
    computed stably as ``mean(max(z, 0) - z y + log(1 + exp(-|z|)))``; the
    gradient is the famous ``dL/dz = (s(z) - y) / n``.

    Returns:
        ``(loss, grad_logits)``.
    """
    z, target = _check_targets(logits, y, "logits")
    loss = np.mean(np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z))))
    return float(loss), (sigmoid(z) - target) / z.size


_LOSSES = {"mse": mean_squared_error, "bce_logits": binary_cross_entropy_with_logits}


def train_step(
    params: Params,
    x: Any,
    y: Any,
    learning_rate: float,
    loss: str = "bce_logits",
    activation: str = "relu",
) -> tuple[Params, float]:
    """One step of full-batch gradient descent: forward, loss, backward, update.

    Args:
        params: the current parameters (not modified).
        x: inputs ``(n, d_in)``; y: targets (shape of the output, or ``(n,)``).
        learning_rate: the step size.
        loss: ``"bce_logits"`` (binary labels, linear output = logits) or ``"mse"``.
        activation: the hidden layers' activation.

    Returns:
        ``(new_params, loss_value)``, the loss measured *before* the update.
    """
    learning_rate = _check_positive(learning_rate, "learning_rate")
    if not isinstance(loss, str) or loss not in _LOSSES:
        raise ValueError(f"loss must be one of {sorted(_LOSSES)}, got {loss!r}")
    output, cache = mlp_forward(params, x, activation=activation)
    value, grad_output = _LOSSES[loss](output, y)
    grads = mlp_backward(params, cache, grad_output)
    new_params = [
        {"w": layer["w"] - learning_rate * g["w"], "b": layer["b"] - learning_rate * g["b"]}
        for layer, g in zip(_check_params(params), grads, strict=True)
    ]
    return new_params, value
