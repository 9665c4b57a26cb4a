"""How far back can a gradient reach? The explorer of chapter 07 (Recurrent networks).

For a loss that reads only the last hidden state ``h_T``, the gradient that reaches an
earlier state ``h_t`` is ``dh_T/dh_t``, a product of one Jacobian per step (chapter 07,
section 2). This module computes those Jacobians exactly, in NumPy, for the three Keras
cells (``SimpleRNN``, ``LSTM``, ``GRU`` with ``reset_after=True``, weights in Keras's
layout), and draws ``||dh_T/dh_t||`` against ``t`` on a log scale.

* :func:`random_cell_weights` gives a cell Keras-like random weights (Glorot input
  kernel, orthogonal recurrent blocks times ``recurrent_scale``, zero biases except the
  LSTM's forget bias of 1).
* :func:`step_jacobians` returns ``d state_t / d state_(t-1)`` at every step; the LSTM's
  state is ``[h, c]``.
* :func:`gradient_norms` returns ``||dh_T/dh_t||_F / sqrt(units)`` for ``t = 1..T``
  (1 at ``t = T``), averaged over the sequences of a batch.
* :func:`draw_gradient_flow` is the explorer's drawing function.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from course_utils.validation import as_float_array, as_int, check_ndim, check_shape

__all__ = [
    "CELLS",
    "draw_gradient_flow",
    "gradient_norms",
    "random_cell_weights",
    "step_jacobians",
]

CELLS = ("SimpleRNN", "LSTM", "GRU")
BLOCKS = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def _cell(cell: Any) -> str:
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
    return cell


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return float(value)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -z))


def random_cell_weights(
    cell: str, units: int = 16, features: int = 4, recurrent_scale: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random ``(kernel, recurrent_kernel, bias)`` for ``cell``, in Keras's layout.

    Chapter 07's explorer. ``kernel`` is ``(features, k * units)`` (Glorot normal),
    ``recurrent_kernel`` is ``(units, k * units)``: ``k`` orthogonal blocks, each times
    ``recurrent_scale`` (1 is Keras's default), and ``bias`` is zero except the LSTM's forget
    block (1, Keras's ``unit_forget_bias``); the GRU's bias has two rows, ``(2, 3 * units)``.
    """
    cell = _cell(cell)
    units, features = as_int(units, "units", 1), as_int(features, "features", 1)
    recurrent_scale = _positive(recurrent_scale, "recurrent_scale")
    k = BLOCKS[cell]
    rng = np.random.default_rng(as_int(seed, "seed", 0))
    kernel = rng.normal(scale=np.sqrt(2 / (features + units)), size=(features, k * units))
    blocks = []
    for _ in range(k):
        q, r = np.linalg.qr(rng.normal(size=(units, units)))
        blocks.append(q * np.sign(np.diag(r)))
    recurrent = recurrent_scale * np.concatenate(blocks, axis=1)
    if cell == "GRU":
        bias = np.zeros((2, 3 * units))
    else:
        bias = np.zeros(k * units)
        if cell == "LSTM":
            bias[units : 2 * units] = 1.0
    return kernel, recurrent, bias


def _check_weights(cell: str, x: np.ndarray, kernel: Any, recurrent_kernel: Any, bias: Any):
    k = BLOCKS[cell]
    recurrent_kernel = as_float_array(recurrent_kernel, "recurrent_kernel").astype(np.float64)
    check_ndim(recurrent_kernel, "recurrent_kernel", 2)
    units = recurrent_kernel.shape[0]
    check_shape(recurrent_kernel, "recurrent_kernel", (units, k * units))
    kernel = as_float_array(kernel, "kernel").astype(np.float64)
    check_shape(kernel, "kernel", (x.shape[2], k * units))
    bias = as_float_array(bias, "bias").astype(np.float64)
    check_shape(bias, "bias", (2, 3 * units) if cell == "GRU" else (k * units,))
    return kernel, recurrent_kernel, bias, units


def step_jacobians(
    cell: str, x: Any, kernel: Any, recurrent_kernel: Any, bias: Any
) -> np.ndarray:
    """The Jacobians ``d s_t / d s_(t-1)`` of a run of ``cell`` over ``x`` from a zero state.

    Chapter 07's explorer. ``x`` is ``(batch, time, features)``; the state ``s`` is ``h``
    (``units`` numbers) for SimpleRNN and GRU and ``[h, c]`` (``2 * units``) for the LSTM.

    Returns:
        An array ``(time, batch, S, S)``: entry ``[t - 1, b, i, j]`` is
        ``d s_t[i] / d s_(t-1)[j]`` for sequence ``b``.
    """
    cell = _cell(cell)
    x = as_float_array(x, "x").astype(np.float64)
    check_ndim(x, "x", 3)
    kernel, u, bias, units = _check_weights(cell, x, kernel, recurrent_kernel, bias)
    batch, steps, _ = x.shape
    eye = np.eye(units)
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    jacobians = []
    blocks = [u[:, k * units : (k + 1) * units].T for k in range(BLOCKS[cell])]  # (U, U) each

    def rows(scale: np.ndarray, matrix: np.ndarray) -> np.ndarray:  # diag(scale) @ matrix
        return scale[:, :, None] * matrix[None]

    for t in range(steps):
        if cell == "SimpleRNN":
            h = np.tanh(x[:, t] @ kernel + h @ u + bias)
            jacobians.append(rows(1 - h**2, blocks[0]))
        elif cell == "LSTM":
            z = x[:, t] @ kernel + h @ u + bias
            i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
            i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
            c_new = f * c + i * g
            tanh_c = np.tanh(c_new)
            dc_dh = (rows(i * (1 - i) * g, blocks[0]) + rows(f * (1 - f) * c, blocks[1])
                     + rows(i * (1 - g**2), blocks[2]))  # fmt: skip
            dc_dc = rows(f, eye)
            dh_dh = rows(o * (1 - o) * tanh_c, blocks[3]) + rows(o * (1 - tanh_c**2), eye) @ dc_dh
            dh_dc = rows(o * (1 - tanh_c**2) * f, eye)
            top = np.concatenate([dh_dh, dh_dc], axis=2)
            bottom = np.concatenate([dc_dh, dc_dc], axis=2)
            jacobians.append(np.concatenate([top, bottom], axis=1))
            h, c = o * tanh_c, c_new
        else:  # GRU, reset_after=True
            xp = x[:, t] @ kernel + bias[0]
            hp = h @ u + bias[1]
            z = _sigmoid(xp[:, :units] + hp[:, :units])
            r = _sigmoid(xp[:, units : 2 * units] + hp[:, units : 2 * units])
            n = np.tanh(xp[:, 2 * units :] + r * hp[:, 2 * units :])
            dz = rows(z * (1 - z), blocks[0])
            dr = rows(r * (1 - r), blocks[1])
            dn = rows(1 - n**2, eye) @ (rows(hp[:, 2 * units :], eye) @ dr + rows(r, blocks[2]))
            jacobians.append(rows(z, eye) + rows(h - n, eye) @ dz + rows(1 - z, eye) @ dn)
            h = z * h + (1 - z) * n
    return np.stack(jacobians)


def gradient_norms(
    cell: str, x: Any, kernel: Any, recurrent_kernel: Any, bias: Any
) -> np.ndarray:
    """``||dh_T/dh_t||_F / sqrt(units)`` for ``t = 1..T``, averaged over the batch.

    Chapter 07's explorer. ``dh_T/dh_t`` is the product of the step Jacobians from ``t + 1``
    to ``T`` (for the LSTM, the ``h`` block of that product: ``c_t`` held fixed). The
    normalisation makes the last entry (``t = T``, the identity) exactly 1.

    Returns:
        An array of ``T`` numbers, entry ``t - 1`` for step ``t``.
    """
    jacobians = step_jacobians(cell, x, kernel, recurrent_kernel, bias)
    steps, batch, size, _ = jacobians.shape
    units = np.asarray(recurrent_kernel).shape[0]
    product = np.broadcast_to(np.eye(size)[:units], (batch, units, size)).copy()  # dh_T/ds_T
    norms = np.empty(steps)
    for t in range(steps - 1, -1, -1):  # product = dh_T / ds_(t+1) (0-based: state after x[t])
        norms[t] = np.mean(np.linalg.norm(product[:, :, :units], axis=(1, 2))) / np.sqrt(units)
        product = product @ jacobians[t]
    return norms


def draw_gradient_flow(
    length: int = 50,
    recurrent_scale: float = 1.0,
    cells: str = "SimpleRNN, LSTM, GRU",
    *,
    units: int = 16,
    features: int = 4,
    batch: int = 4,
    seed: int = 0,
) -> Figure:
    """Chapter 07's explorer: ``||dh_T/dh_t||`` against ``t`` on a log scale.

    Args:
        length: the sequence length ``T`` (2 or more).
        recurrent_scale: multiplies the orthogonal recurrent weights (1 is Keras's default).
        cells: the cells to show, names from :data:`CELLS` separated by commas.
        units, features, batch, seed: the size of the random cells and inputs (standard
            normal inputs, the same for every cell).
    """
    length = as_int(length, "length", 2)
    if not isinstance(cells, str):
        raise TypeError(f"cells must be a string such as 'LSTM, GRU', got {type(cells).__name__}")
    names = [_cell(name.strip()) for name in cells.split(",") if name.strip()]
    if not names:
        raise ValueError("cells must name at least one of " + ", ".join(CELLS))
    x = np.random.default_rng(seed).normal(size=(batch, length, features))
    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    steps = np.arange(1, length + 1)
    top = 1.0
    for name in names:
        weights = random_cell_weights(name, units, features, recurrent_scale, seed)
        norms = gradient_norms(name, x, *weights)
        top = max(top, float(norms.max()))
        ax.semilogy(steps, np.maximum(norms, 1e-30), "o-" if length <= 30 else "-", ms=3,
                    color=f"C{CELLS.index(name)}",
                    label=f"{name}: {norms[0]:.1e} at t = 1")  # fmt: skip
    ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set_ylim(1e-30, min(1e30, 1e4 * top))  # exploding gradients stay in view
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=9))  # few ticks: a fast redraw
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0e}"))  # no mathtext: fast
    ax.set_xlim(1, length)
    ax.set_xlabel(f"step t (the loss reads only h_T, T = {length})")
    ax.set_ylabel("||dh_T / dh_t|| (relative)")
    ax.set_title(f"Gradient flow back through time, recurrent weight scale {recurrent_scale:.2g}")
    ax.legend(fontsize=8, loc="lower right")
    return fig
