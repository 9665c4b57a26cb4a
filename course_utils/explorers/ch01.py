"""The neuron explorer of chapter 01: one neuron on two inputs, its output over the plane
and its decision boundary, against the AND, OR and XOR truth tables.

Introduced in chapter 01 (section 1, the geometry of a neuron). The neuron computes
``activation(w1 * x1 + w2 * x2 + b)``; it answers class 1 where the pre-activation
``z = w1 * x1 + w2 * x2 + b`` is at least 0, so its decision boundary is the line ``z = 0``
whatever the activation. The activation only changes how the output varies *across* the
plane, never where the line is.

    from functools import partial
    from course_utils.explorers.ch01 import draw_neuron
    from course_utils.widgets import choice, explorer, slider

    explorer(draw_neuron, w1=slider(-3, 3, 1.0), w2=slider(-3, 3, 1.0), b=slider(-3, 3, -1.5),
             activation=choice(["step", "sigmoid", "tanh", "relu"]),
             dataset=choice(["AND", "OR", "XOR"]))
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from course_utils.activations import relu, sigmoid, step, tanh
from course_utils.validation import as_float_array, as_int, check_shape

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "count_correct",
    "decision_line",
    "draw_neuron",
    "logic_dataset",
    "neuron_grid",
    "neuron_predict",
]

#: The activations the explorer offers, and the range of each one's output on the plot.
ACTIVATIONS = {
    "step": (step, (0.0, 1.0)),
    "sigmoid": (sigmoid, (0.0, 1.0)),
    "tanh": (tanh, (-1.0, 1.0)),
    "relu": (relu, (0.0, 3.0)),
}

_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])

#: The labels of the four corners (0, 0), (0, 1), (1, 0), (1, 1) for each data set.
DATASETS = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def _activation(name: Any) -> tuple[Any, tuple[float, float]]:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]


def logic_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The four corners of the unit square and their labels for ``name``.

    Args:
        name: ``"AND"``, ``"OR"`` or ``"XOR"``.

    Returns:
        ``(x, y)``: ``x`` of shape ``(4, 2)`` (float), ``y`` of shape ``(4,)`` (0 or 1).

    Raises:
        ValueError: for any other name.
    """
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}, got {name!r}")
    return _CORNERS.copy(), DATASETS[name].copy()


def neuron_predict(x: Any, w1: float, w2: float, b: float) -> np.ndarray:
    """The neuron's class for each row of ``x`` (shape ``(n, 2)``): 1 where
    ``w1 x1 + w2 x2 + b >= 0``, else 0 (integers, shape ``(n,)``)."""
    x = as_float_array(x, "x")
    check_shape(x, "x", (None, 2))
    w = np.array([_number(w1, "w1"), _number(w2, "w2")])
    return (x @ w + _number(b, "b") >= 0).astype(np.int64)


def count_correct(w1: float, w2: float, b: float, dataset: str) -> int:
    """How many of the four points of ``dataset`` the neuron classifies right (0 to 4)."""
    x, y = logic_dataset(dataset)
    return int(np.sum(neuron_predict(x, w1, w2, b) == y))


def neuron_grid(
    w1: float, w2: float, b: float, activation: str = "sigmoid", *,
    low: float = -0.5, high: float = 1.5, resolution: int = 81,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The neuron's output ``activation(w1 x1 + w2 x2 + b)`` on a square grid.

    Args:
        w1, w2, b: the weights and the bias.
        activation: ``"step"``, ``"sigmoid"``, ``"tanh"`` or ``"relu"``.
        low, high: the grid covers ``[low, high]`` on both axes.
        resolution: points per axis (at least 2).

    Returns:
        ``(g1, g2, out)``, each of shape ``(resolution, resolution)``: the grid's
        ``x1`` and ``x2`` coordinates (as from ``np.meshgrid``) and the output there.
    """
    w1, w2, b = _number(w1, "w1"), _number(w2, "w2"), _number(b, "b")
    fn, _ = _activation(activation)
    low, high = _number(low, "low"), _number(high, "high")
    if not low < high:
        raise ValueError(f"the grid needs low < high, got low={low}, high={high}")
    resolution = as_int(resolution, "resolution", 2)
    axis = np.linspace(low, high, resolution)
    g1, g2 = np.meshgrid(axis, axis)
    return g1, g2, np.asarray(fn(w1 * g1 + w2 * g2 + b), dtype=np.float64)


def decision_line(
    w1: float, w2: float, b: float, low: float = -0.5, high: float = 1.5
) -> np.ndarray | None:
    """Two points of the line ``w1 x1 + w2 x2 + b = 0`` spanning ``[low, high]``.

    Returns an array of shape ``(2, 2)`` (one point per row), or ``None`` when
    ``w1 = w2 = 0`` (then ``z = b`` everywhere: there is no line, the neuron gives every
    input the same class).
    """
    w1, w2, b = _number(w1, "w1"), _number(w2, "w2"), _number(b, "b")
    if w1 == 0 and w2 == 0:
        return None
    if abs(w2) >= abs(w1):  # the line is closer to horizontal: solve for x2
        x1 = np.array([low, high])
        return np.c_[x1, -(w1 * x1 + b) / w2]
    x2 = np.array([low, high])
    return np.c_[-(w2 * x2 + b) / w1, x2]


def draw_neuron(
    w1: float = 1.0, w2: float = 1.0, b: float = -1.5, activation: str = "sigmoid",
    dataset: str = "AND",
) -> Figure:  # fmt: skip
    """Chapter 01's neuron explorer: the output over the plane, the boundary ``z = 0``,
    the weight vector and the four points of ``dataset`` (circles: right, crosses: wrong).

    Built with ``Figure()`` (no pyplot state), for :func:`course_utils.widgets.explorer`.
    """
    low, high = -0.5, 1.5
    g1, g2, out = neuron_grid(w1, w2, b, activation, low=low, high=high)
    _, (vmin, vmax) = _activation(activation)
    x, y = logic_dataset(dataset)
    predicted = neuron_predict(x, w1, w2, b)
    right = predicted == y

    fig = Figure(figsize=(5.6, 4.4), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(out, origin="lower", extent=(low, high, low, high), cmap="coolwarm",
                      vmin=vmin, vmax=vmax, interpolation="nearest")  # fmt: skip
    fig.colorbar(image, ax=ax, label=f"{activation}(z)", shrink=0.85)
    line = decision_line(w1, w2, b, low, high)
    if line is not None:
        ax.plot(line[:, 0], line[:, 1], "k-", lw=2)
        w = np.array([w1, w2])
        foot = -b * w / (w @ w)  # the point of the line closest to the origin
        unit = 0.35 * w / np.linalg.norm(w)
        ax.annotate("", xy=foot + unit, xytext=foot,
                    arrowprops={"arrowstyle": "->", "lw": 2, "color": "k"})  # fmt: skip
    colours = np.where(y == 1, "gold", "white")
    ax.scatter(*x[right].T, s=170, c=colours[right], edgecolors="k", linewidths=1.5,
               marker="o", zorder=3)  # fmt: skip
    if (~right).any():
        ax.scatter(*x[~right].T, s=170, c=colours[~right], edgecolors="k", linewidths=2,
                   marker="X", zorder=3)  # fmt: skip
    ax.set(xlim=(low, high), ylim=(low, high), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    n_right = int(right.sum())
    ax.set_title(f"{dataset}: {n_right} of 4 right   "
                 f"(w = ({w1:.2f}, {w2:.2f}), b = {b:.2f})", fontsize=10)  # fmt: skip
    handles = [Line2D([], [], color="k", lw=2, label="boundary z = 0"),
               Line2D([], [], ls="", marker="o", ms=9, mfc="gold", mec="k", label="y = 1"),
               Line2D([], [], ls="", marker="o", ms=9, mfc="white", mec="k", label="y = 0"),
               Line2D([], [], ls="", marker="X", ms=9, mfc="lightgray", mec="k",
                      label="classified wrong")]  # fmt: skip
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    return fig
