"""Recurrent cells in NumPy, written to match Keras exactly.

Introduced in chapter 07 (Recurrent networks). Each function is the from-scratch
twin of a Keras piece and takes the Keras layer's own weights
(``layer.get_weights()``), so the chapter and the unit tests can assert that both
give the same numbers:

* :func:`simple_rnn_step` / :func:`simple_rnn` are ``keras.layers.SimpleRNN``:
  ``h_t = tanh(x_t W_x + h_(t-1) W_h + b)``.
* :func:`simple_rnn_bptt` is backpropagation through time for that recurrence: the
  gradients of a loss with respect to the weights, the inputs and every hidden state.
* :func:`lstm_step` / :func:`lstm` are ``keras.layers.LSTM``, with the four gate blocks
  of ``kernel``, ``recurrent_kernel`` and ``bias`` in Keras's order *input, forget,
  candidate (cell), output*.
* :func:`gru_step` / :func:`gru` are ``keras.layers.GRU``, with the three blocks in
  Keras's order *update, reset, candidate*. Keras's default ``reset_after=True`` applies
  the reset gate *after* the recurrent matrix product and keeps two bias rows
  (``bias`` has shape ``(2, 3 * units)``: input bias, recurrent bias);
  ``reset_after=False`` is the formula of Cho et al. (2014) with one bias row.
* :func:`softmax_with_temperature` turns a model's logits into the distribution
  that text generation samples from.

Shapes follow Keras: inputs ``(batch, time, features)``, states ``(batch, units)``,
``kernel`` ``(features, k * units)``, ``recurrent_kernel`` ``(units, k * units)``.
Everything is computed in float64 and returned in the input's float dtype.
"""

from __future__ import annotations

from numbers import Real
from typing import Any, NamedTuple

import numpy as np

from course_utils.validation import as_array, check_ndim, check_shape

__all__ = [
    "RNNGradients",
    "gru",
    "gru_step",
    "lstm",
    "lstm_step",
    "sigmoid",
    "simple_rnn",
    "simple_rnn_bptt",
    "simple_rnn_step",
    "softmax_with_temperature",
]

Array = np.ndarray


def sigmoid(z: Any) -> Array:
    """The logistic function ``1 / (1 + exp(-z))``, computed without overflow."""
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))


# --------------------------------------------------------------------------- validation


def _float(value: Any, name: str) -> Array:
    array = as_array(value, name)
    if np.issubdtype(array.dtype, np.bool_):
        raise TypeError(f"{name} must hold real numbers, got booleans")
    return array


def _out_dtype(x: Array) -> Any:
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64


def _weights(
    kernel: Any, recurrent_kernel: Any, bias: Any, features: int, blocks: int,
    bias_rows: int = 1,
) -> tuple[Array, Array, Array, int]:
    """Validate Keras-layout weights with ``blocks`` gate blocks; return them and ``units``."""
    kernel = _float(kernel, "kernel")
    recurrent_kernel = _float(recurrent_kernel, "recurrent_kernel")
    check_ndim(recurrent_kernel, "recurrent_kernel", 2)
    units = recurrent_kernel.shape[0]
    if units == 0 or recurrent_kernel.shape[1] != blocks * units:
        raise ValueError(
            f"recurrent_kernel must have shape (units, {blocks} * units) for this cell "
            f"({blocks} gate block{'s' if blocks > 1 else ''}), got {recurrent_kernel.shape}"
        )
    check_shape(kernel, f"kernel (features={features}, {blocks} * units={blocks * units})",
                (features, blocks * units))  # fmt: skip
    if bias is None:
        bias = np.zeros((bias_rows, blocks * units) if bias_rows > 1 else (blocks * units,))
    bias = _float(bias, "bias")
    expected = (bias_rows, blocks * units) if bias_rows > 1 else (blocks * units,)
    check_shape(bias, "bias", expected)
    return (kernel.astype(np.float64), recurrent_kernel.astype(np.float64),
            bias.astype(np.float64), units)  # fmt: skip


def _step_inputs(x_t: Any, state: Any, name: str) -> tuple[Array, Array]:
    x_t = _float(x_t, "x_t")
    check_ndim(x_t, "x_t (batch, features)", 2)
    state = _float(state, name)
    check_ndim(state, f"{name} (batch, units)", 2)
    if state.shape[0] != x_t.shape[0]:
        raise ValueError(
            f"x_t and {name} must have the same batch size, got {x_t.shape[0]} and "
            f"{state.shape[0]}"
        )
    return x_t, state


def _sequence(x: Any) -> Array:
    x = _float(x, "x")
    check_ndim(x, "x (batch, time, features)", 3)
    return x


def _initial_state(state: Any, name: str, batch: int, units: int) -> Array:
    if state is None:
        return np.zeros((batch, units))
    state = _float(state, name)
    check_shape(state, name, (batch, units))
    return state.astype(np.float64)


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


# --------------------------------------------------------------------------- simple RNN


def simple_rnn_step(
    x_t: Any, h_prev: Any, kernel: Any, recurrent_kernel: Any, bias: Any = None
) -> Array:
    """One step of ``keras.layers.SimpleRNN``: ``h_t = tanh(x_t W_x + h_(t-1) W_h + b)``.

    Args:
        x_t: inputs at time t, shape ``(batch, features)``.
        h_prev: the previous hidden state ``h_(t-1)``, shape ``(batch, units)``.
        kernel: ``W_x``, shape ``(features, units)``.
        recurrent_kernel: ``W_h``, shape ``(units, units)``.
        bias: ``b``, shape ``(units,)`` (default zeros).

    Returns:
        ``h_t``, shape ``(batch, units)``.

    Raises:
        TypeError: if an argument is not numeric.
        ValueError: if the shapes do not fit together.
    """
    x_t, h_prev = _step_inputs(x_t, h_prev, "h_prev")
    w_x, w_h, b, units = _weights(kernel, recurrent_kernel, bias, x_t.shape[1], 1)
    check_shape(h_prev, "h_prev", (x_t.shape[0], units))
    h = np.tanh(x_t @ w_x + h_prev @ w_h + b)
    return h.astype(_out_dtype(x_t))


def simple_rnn(
    x: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    h0: Any = None,
    return_sequences: bool = False,
) -> tuple[Array, Array]:
    """Run :func:`simple_rnn_step` over a sequence, as ``keras.layers.SimpleRNN``.

    Args:
        x: inputs, shape ``(batch, time, features)``.
        kernel, recurrent_kernel, bias: the layer's weights (``layer.get_weights()``).
        h0: the initial state, shape ``(batch, units)`` (default zeros).
        return_sequences: return every ``h_t`` (``(batch, time, units)``) instead of the
            last one.

    Returns:
        ``(outputs, h_last)``: the outputs as chosen by ``return_sequences``, and the
        final state ``h_T`` (what ``return_state=True`` adds).
    """
    x = _sequence(x)
    w_x, w_h, b, units = _weights(kernel, recurrent_kernel, bias, x.shape[2], 1)
    h = _initial_state(h0, "h0", x.shape[0], units)
    states = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w_x + h @ w_h + b)
        states.append(h)
    return _finish(x, states, h, return_sequences)


def _finish(x: Array, states: list[Array], last: Array, return_sequences: Any) -> tuple:
    dtype = _out_dtype(x)
    if _flag(return_sequences, "return_sequences"):
        outputs = np.stack(states, axis=1) if states else np.zeros((x.shape[0], 0, last.shape[1]))
    else:
        outputs = last
    return outputs.astype(dtype), last.astype(dtype)


class RNNGradients(NamedTuple):
    """Gradients of a loss with respect to a :func:`simple_rnn`'s weights and inputs."""

    kernel: Array  # dL/dW_x, (features, units)
    recurrent_kernel: Array  # dL/dW_h, (units, units)
    bias: Array  # dL/db, (units,)
    inputs: Array  # dL/dx_t for every t, (batch, time, features)
    states: Array  # dL/dh_t for every t (all paths through later steps), (batch, time, units)


def simple_rnn_bptt(
    x: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any,
    grad_output: Any,
    *,
    h0: Any = None,
) -> RNNGradients:
    """Backpropagation through time for :func:`simple_rnn` (tanh, Keras weight layout).

    The forward pass stores every ``h_t``; the backward pass walks from the last step to
    the first. With ``a_t = x_t W_x + h_(t-1) W_h + b`` and ``h_t = tanh(a_t)``:

    ``dL/da_t = dL/dh_t * (1 - h_t**2)``, ``dL/dh_(t-1) += dL/da_t W_h^T``,
    ``dL/dx_t = dL/da_t W_x^T``, and ``dW_x``, ``dW_h``, ``db`` *sum* the per-step terms
    ``x_t^T dL/da_t``, ``h_(t-1)^T dL/da_t`` and ``dL/da_t``, because every step shares
    the same weights.

    Args:
        x: inputs, shape ``(batch, time, features)``.
        kernel, recurrent_kernel, bias: the layer's weights.
        grad_output: ``dL/dh_T`` of shape ``(batch, units)`` (the loss reads only the last
            state), or ``dL/dh_t`` for every step, shape ``(batch, time, units)``.
        h0: the initial state (default zeros).

    Returns:
        An :class:`RNNGradients`.
    """
    x = _sequence(x)
    w_x, w_h, b, units = _weights(kernel, recurrent_kernel, bias, x.shape[2], 1)
    batch, steps, _ = x.shape
    h_init = _initial_state(h0, "h0", batch, units)
    g = _float(grad_output, "grad_output").astype(np.float64)
    if g.ndim == 2:
        check_shape(g, "grad_output (dL/dh_T)", (batch, units))
        per_step = np.zeros((batch, steps, units))
        per_step[:, -1] = g
    else:
        check_shape(g, "grad_output (dL/dh_t for every t)", (batch, steps, units))
        per_step = g
    hs = [h_init]
    for t in range(steps):
        hs.append(np.tanh(x[:, t] @ w_x + hs[-1] @ w_h + b))
    d_wx, d_wh, d_b = np.zeros_like(w_x), np.zeros_like(w_h), np.zeros_like(b)
    d_x = np.zeros(x.shape)
    d_states = np.zeros((batch, steps, units))
    carry = np.zeros((batch, units))  # dL/dh_t arriving from step t + 1
    for t in range(steps - 1, -1, -1):
        d_h = per_step[:, t] + carry
        d_states[:, t] = d_h
        d_a = d_h * (1.0 - hs[t + 1] ** 2)
        d_wx += x[:, t].T @ d_a
        d_wh += hs[t].T @ d_a
        d_b += d_a.sum(axis=0)
        d_x[:, t] = d_a @ w_x.T
        carry = d_a @ w_h.T
    return RNNGradients(d_wx, d_wh, d_b, d_x, d_states)


# --------------------------------------------------------------------------- LSTM


def lstm_step(
    x_t: Any, h_prev: Any, c_prev: Any, kernel: Any, recurrent_kernel: Any, bias: Any = None
) -> tuple[Array, Array, dict[str, Array]]:
    """One step of ``keras.layers.LSTM`` (gate blocks in the order i, f, c, o).

    With ``z = x_t W + h_(t-1) U + b`` split into four blocks of ``units`` columns:

    ``i = sigmoid(z_i)`` (input gate), ``f = sigmoid(z_f)`` (forget gate),
    ``g = tanh(z_c)`` (candidate), ``o = sigmoid(z_o)`` (output gate),
    ``c_t = f * c_(t-1) + i * g``, ``h_t = o * tanh(c_t)``.

    Args:
        x_t: ``(batch, features)``; h_prev, c_prev: ``(batch, units)``.
        kernel: ``(features, 4 * units)``; recurrent_kernel: ``(units, 4 * units)``;
        bias: ``(4 * units,)`` (default zeros).

    Returns:
        ``(h_t, c_t, gates)`` where ``gates`` maps ``"input"``, ``"forget"``,
        ``"candidate"`` and ``"output"`` to their activations.
    """
    x_t, h_prev = _step_inputs(x_t, h_prev, "h_prev")
    w, u, b, units = _weights(kernel, recurrent_kernel, bias, x_t.shape[1], 4)
    check_shape(h_prev, "h_prev", (x_t.shape[0], units))
    c_prev = _float(c_prev, "c_prev")
    check_shape(c_prev, "c_prev", (x_t.shape[0], units))
    h, c, gates = _lstm_math(x_t.astype(np.float64), h_prev.astype(np.float64),
                             c_prev.astype(np.float64), w, u, b, units)  # fmt: skip
    dtype = _out_dtype(x_t)
    return h.astype(dtype), c.astype(dtype), {k: v.astype(dtype) for k, v in gates.items()}


def _lstm_math(x_t, h_prev, c_prev, w, u, b, units):
    z = x_t @ w + h_prev @ u + b
    z_i, z_f, z_c, z_o = (z[:, k * units : (k + 1) * units] for k in range(4))
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_c), sigmoid(z_o)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, {"input": i, "forget": f, "candidate": g, "output": o}


def lstm(
    x: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    h0: Any = None,
    c0: Any = None,
    return_sequences: bool = False,
) -> tuple[Array, Array, Array]:
    """Run :func:`lstm_step` over a sequence, as ``keras.layers.LSTM``.

    Returns:
        ``(outputs, h_last, c_last)``, as ``LSTM(return_state=True)`` returns them.
    """
    x = _sequence(x)
    w, u, b, units = _weights(kernel, recurrent_kernel, bias, x.shape[2], 4)
    h = _initial_state(h0, "h0", x.shape[0], units)
    c = _initial_state(c0, "c0", x.shape[0], units)
    states = []
    for t in range(x.shape[1]):
        h, c, _ = _lstm_math(x[:, t].astype(np.float64), h, c, w, u, b, units)
        states.append(h)
    outputs, h_last = _finish(x, states, h, return_sequences)
    return outputs, h_last, c.astype(_out_dtype(x))


# --------------------------------------------------------------------------- GRU


def gru_step(
    x_t: Any,
    h_prev: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    reset_after: bool = True,
) -> tuple[Array, dict[str, Array]]:
    """One step of ``keras.layers.GRU`` (gate blocks in the order z, r, h).

    With ``x_t W + b_in`` split into ``x_z, x_r, x_h`` and the recurrent part split the
    same way (update gate ``z``, reset gate ``r``, candidate ``h~``):

    ``z = sigmoid(x_z + h_(t-1) U_z + b_rz)``, ``r = sigmoid(x_r + h_(t-1) U_r + b_rr)``,

    ``reset_after=True`` (the Keras default, cuDNN-compatible):
    ``h~ = tanh(x_h + r * (h_(t-1) U_h + b_rh))``, with ``bias`` of shape
    ``(2, 3 * units)``: row 0 the input bias, row 1 the recurrent bias;

    ``reset_after=False`` (Cho et al., 2014): ``h~ = tanh(x_h + (r * h_(t-1)) U_h)``, with
    ``bias`` of shape ``(3 * units,)`` added to the input part only;

    and in both cases ``h_t = z * h_(t-1) + (1 - z) * h~``. There is no output gate and no
    separate cell state.

    Returns:
        ``(h_t, gates)`` where ``gates`` maps ``"update"``, ``"reset"`` and
        ``"candidate"`` to their activations.
    """
    reset_after = _flag(reset_after, "reset_after")
    x_t, h_prev = _step_inputs(x_t, h_prev, "h_prev")
    w, u, b, units = _weights(kernel, recurrent_kernel, bias, x_t.shape[1], 3,
                              bias_rows=2 if reset_after else 1)  # fmt: skip
    check_shape(h_prev, "h_prev", (x_t.shape[0], units))
    h, gates = _gru_math(x_t.astype(np.float64), h_prev.astype(np.float64), w, u, b, units,
                         reset_after)  # fmt: skip
    dtype = _out_dtype(x_t)
    return h.astype(dtype), {k: v.astype(dtype) for k, v in gates.items()}


def _gru_math(x_t, h_prev, w, u, b, units, reset_after):
    input_bias, recurrent_bias = (b[0], b[1]) if reset_after else (b, np.zeros_like(b))
    xs = x_t @ w + input_bias
    x_z, x_r, x_h = xs[:, :units], xs[:, units : 2 * units], xs[:, 2 * units :]
    inner = h_prev @ u[:, : 2 * units] + recurrent_bias[: 2 * units]
    z = sigmoid(x_z + inner[:, :units])
    r = sigmoid(x_r + inner[:, units:])
    if reset_after:
        candidate = np.tanh(x_h + r * (h_prev @ u[:, 2 * units :] + recurrent_bias[2 * units :]))
    else:
        candidate = np.tanh(x_h + (r * h_prev) @ u[:, 2 * units :])
    h = z * h_prev + (1.0 - z) * candidate
    return h, {"update": z, "reset": r, "candidate": candidate}


def gru(
    x: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    h0: Any = None,
    reset_after: bool = True,
    return_sequences: bool = False,
) -> tuple[Array, Array]:
    """Run :func:`gru_step` over a sequence, as ``keras.layers.GRU``.

    Returns:
        ``(outputs, h_last)``, as ``GRU(return_state=True)`` returns them.
    """
    reset_after = _flag(reset_after, "reset_after")
    x = _sequence(x)
    w, u, b, units = _weights(kernel, recurrent_kernel, bias, x.shape[2], 3,
                              bias_rows=2 if reset_after else 1)  # fmt: skip
    h = _initial_state(h0, "h0", x.shape[0], units)
    states = []
    for t in range(x.shape[1]):
        h, _ = _gru_math(x[:, t].astype(np.float64), h, w, u, b, units, reset_after)
        states.append(h)
    return _finish(x, states, h, return_sequences)


# --------------------------------------------------------------------------- sampling


def softmax_with_temperature(logits: Any, temperature: float) -> Array:
    """``softmax(logits / temperature)`` over the last axis.

    A temperature below 1 sharpens the distribution (towards always picking the most
    likely token), above 1 flattens it (towards uniform); 1 leaves the model's own
    probabilities.

    Raises:
        TypeError: if ``logits`` is not numeric or ``temperature`` not a real number.
        ValueError: if ``temperature`` is not positive.
    """
    logits = _float(logits, "logits")
    check_ndim(logits, "logits", (1, 2))
    if isinstance(temperature, bool) or not isinstance(temperature, Real):
        raise TypeError(f"temperature must be a real number, got {type(temperature).__name__}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    scaled = logits.astype(np.float64) / float(temperature)
    scaled -= scaled.max(axis=-1, keepdims=True)
    weights = np.exp(scaled)
    return weights / weights.sum(axis=-1, keepdims=True)
