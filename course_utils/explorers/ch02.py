"""Chapter 02 explorer: train a small MLP on a 2-D data set and watch its decision boundary.

A one-hidden-layer network (2 inputs -> ``hidden`` tanh units -> 1 logit), trained by
full-batch gradient descent with momentum on the binary cross-entropy, on XOR clouds,
two concentric circles or two interleaving moons. The explorer's controls are the number
of hidden units (1-16) and of training steps (0-2000); the figure shows the predicted
probability over the plane, the decision boundary (probability 0.5) and the data, with
the training accuracy in the title.

Everything is plain NumPy and fast (200 points, 2000 steps take about 0.2 s), so the
figure can be retrained from scratch at every move of a slider. Introduced in chapter 02.

    from functools import partial
    from course_utils.explorers.ch02 import draw_mlp_explorer
    from course_utils.widgets import choice, explorer, slider

    explorer(draw_mlp_explorer, dataset=choice(["xor", "circles", "moons"]),
             hidden=slider(1, 16, 2), steps=slider(0, 2000, 1000, step=50))
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from course_utils.validation import as_float_array, as_int, check_ndim, check_same_length

__all__ = [
    "DATASETS",
    "accuracy",
    "draw_mlp_explorer",
    "init_params",
    "loss_and_gradients",
    "make_dataset",
    "predict_proba",
    "train_mlp",
]

DATASETS = ("xor", "circles", "moons")
"""The data sets :func:`make_dataset` knows."""

Params = dict[str, np.ndarray]


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"dataset must be a string, one of {DATASETS}, got {type(name).__name__}")
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {name!r}")
    return name


def _check_number(value: Any, name: str, *, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < low or (high is not None and value >= high):
        upper = f" and < {high}" if high is not None else ""
        raise ValueError(f"{name} must be >= {low}{upper}, got {value}")
    return value


def make_dataset(name: str, n: int = 200, *, noise: float | None = None,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """A 2-D binary classification data set, the same for the same arguments.

    Args:
        name: ``"xor"`` (four clouds at the corners of a square, opposite corners in the
            same class), ``"circles"`` (class 1 inside a ring of class 0) or ``"moons"``
            (two interleaving half circles).
        n: number of points (at least 4).
        noise: standard deviation of the Gaussian noise added to every point (default
            0.3 for XOR, 0.1 for circles, 0.15 for moons).
        seed: seed of the generator.

    Returns:
        ``(x, y)``: ``x`` of shape ``(n, 2)`` (roughly within [-2, 2]), labels ``y`` of
        shape ``(n,)`` in {0.0, 1.0}.
    """
    name = _check_name(name)
    n = as_int(n, "n", 4)
    seed = as_int(seed, "seed", 0)
    default = {"xor": 0.3, "circles": 0.1, "moons": 0.15}[name]
    noise = default if noise is None else _check_number(noise, "noise", low=0.0)
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2  # balanced classes
    if name == "xor":
        signs = rng.choice([-1.0, 1.0], size=n)
        corners = np.stack([signs, np.where(y == 1, -signs, signs)], axis=1)  # class 1: x1 != x2
        x = corners
    elif name == "circles":
        angle = rng.uniform(0, 2 * np.pi, size=n)
        radius = np.where(y == 1, 0.6, 1.5)
        x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    else:
        angle = rng.uniform(0, np.pi, size=n)
        upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
        lower = np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
        x = np.where(y[:, None] == 0, upper, lower) - np.array([0.5, 0.25])
        x = x * 1.4
    x = x + rng.normal(scale=noise, size=x.shape)
    return x, y.astype(np.float64)


def _check_xy(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(x, "x").astype(np.float64)
    check_ndim(x, "x", 2)
    if x.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2): two input features, got {x.shape}")
    y = as_float_array(y, "y").astype(np.float64).reshape(-1)
    check_same_length(x=x, y=y)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must hold binary labels 0 and 1")
    return x, y


def _check_params(params: Any) -> Params:
    if not isinstance(params, dict) or set(params) != {"w1", "b1", "w2", "b2"}:
        raise TypeError("params must be a dict with the keys 'w1', 'b1', 'w2', 'b2' "
                        "(as init_params returns)")  # fmt: skip
    checked = {k: as_float_array(v, f"params[{k!r}]").astype(np.float64) for k, v in params.items()}
    hidden = checked["b1"].shape[0] if checked["b1"].ndim == 1 else -1
    expected = {"w1": (2, hidden), "b1": (hidden,), "w2": (hidden,), "b2": ()}
    for key, shape in expected.items():
        if hidden < 1 or checked[key].shape != shape:
            raise ValueError(f"params[{key!r}] must have shape {shape} for a 2 -> {hidden} -> 1 "
                             f"network, got {checked[key].shape}")  # fmt: skip
    return checked


def init_params(hidden: int, *, seed: int = 0) -> Params:
    """Glorot-uniform weights and zero biases of a 2 -> ``hidden`` -> 1 network.

    Returns:
        ``{"w1": (2, hidden), "b1": (hidden,), "w2": (hidden,), "b2": ()}``.
    """
    hidden = as_int(hidden, "hidden", 1)
    rng = np.random.default_rng(as_int(seed, "seed", 0))
    limit1, limit2 = np.sqrt(6 / (2 + hidden)), np.sqrt(6 / (hidden + 1))
    return {
        "w1": rng.uniform(-limit1, limit1, size=(2, hidden)),
        "b1": np.zeros(hidden),
        "w2": rng.uniform(-limit2, limit2, size=hidden),
        "b2": np.zeros(()),
    }


def _logits(params: Params, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h = np.tanh(x @ params["w1"] + params["b1"])
    return h, h @ params["w2"] + params["b2"]


def predict_proba(params: Params, x: Any) -> np.ndarray:
    """The network's probability of class 1, ``sigmoid(tanh(x W1 + b1) w2 + b2)``, as an
    array of shape ``(n,)``."""
    params = _check_params(params)
    x = as_float_array(x, "x").astype(np.float64)
    check_ndim(x, "x", 2)
    if x.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2), got {x.shape}")
    z = _logits(params, x)[1]
    return 0.5 * (1 + np.tanh(0.5 * z))  # the sigmoid, without overflow warnings


def loss_and_gradients(params: Params, x: Any, y: Any) -> tuple[float, Params]:
    """Mean binary cross-entropy on the logits and its gradient for every parameter.

    The backward pass of chapter 02: ``dL/dz = (sigmoid(z) - y) / n`` at the output, then
    through the output layer, the tanh (``1 - h**2``) and the hidden layer.
    """
    params = _check_params(params)
    x, y = _check_xy(x, y)
    return _loss_and_gradients(params, x, y)


def _loss_and_gradients(params: Params, x: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
    h, z = _logits(params, x)
    loss = float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))
    grad_z = (0.5 * (1 + np.tanh(0.5 * z)) - y) / len(y)
    grad_pre = np.outer(grad_z, params["w2"]) * (1 - h**2)
    grads = {"w1": x.T @ grad_pre, "b1": grad_pre.sum(axis=0), "w2": h.T @ grad_z,
             "b2": np.asarray(grad_z.sum())}  # fmt: skip
    return loss, grads


def train_mlp(x: Any, y: Any, hidden: int, steps: int, *, learning_rate: float = 0.5,
              momentum: float = 0.9, seed: int = 0) -> Params:  # fmt: skip
    """Train a 2 -> ``hidden`` -> 1 tanh network by full-batch gradient descent with momentum.

    Each step computes the gradients of :func:`loss_and_gradients` and updates every
    parameter ``theta`` by ``v <- momentum v - learning_rate g``, ``theta <- theta + v``.

    Args:
        x, y: the data, ``(n, 2)`` and labels ``(n,)`` in {0, 1}.
        hidden: hidden units (at least 1).
        steps: gradient steps (0 returns the initial network).
        learning_rate, momentum: the step size and the momentum coefficient in [0, 1).
        seed: seed of the initial weights (:func:`init_params`).

    Returns:
        The trained parameters, as :func:`init_params` lays them out.
    """
    x, y = _check_xy(x, y)
    steps = as_int(steps, "steps", 0)
    learning_rate = _check_number(learning_rate, "learning_rate", low=1e-12)
    momentum = _check_number(momentum, "momentum", low=0.0, high=1.0)
    params = init_params(hidden, seed=seed)
    # The same computation as _loss_and_gradients, inlined with in-place updates: the
    # explorer retrains at every move of a slider, so each step must cost microseconds.
    # A column of ones appended to x (and to h) carries the bias b1 (and b2) as one more
    # row of w1 (and entry of w2), which halves the number of NumPy calls per step.
    x1 = np.hstack([x, np.ones((len(y), 1))])
    x1t = x1.T.copy()
    w1 = np.vstack([params["w1"], params["b1"][None, :]])
    w2 = np.append(params["w2"], params["b2"])
    h1 = np.ones((len(y), w1.shape[1] + 1))  # [h, 1]
    v1, v2 = np.zeros_like(w1), np.zeros_like(w2)
    scale = -learning_rate / len(y)
    for _ in range(steps):
        h = h1[:, :-1]
        np.tanh(x1 @ w1, out=h)
        grad_z = 0.5 * (1 + np.tanh(0.5 * (h1 @ w2))) - y  # n * dL/dz
        grad_pre = np.multiply.outer(grad_z, w2[:-1])
        grad_pre *= 1 - h * h
        v1 *= momentum
        v1 += scale * (x1t @ grad_pre)
        v2 *= momentum
        v2 += scale * (grad_z @ h1)
        w1 += v1
        w2 += v2
    return {"w1": w1[:-1], "b1": w1[-1], "w2": w2[:-1], "b2": np.asarray(w2[-1])}


def accuracy(params: Params, x: Any, y: Any) -> float:
    """Share of the points whose predicted class (probability > 0.5) is their label."""
    x, y = _check_xy(x, y)
    return float(np.mean((predict_proba(params, x) > 0.5) == (y == 1)))


def draw_mlp_explorer(dataset: str = "xor", hidden: int = 2, steps: int = 1000, *,
                      seed: int = 0, resolution: int = 80) -> Figure:  # fmt: skip
    """Train on ``dataset`` and draw the probability map, the boundary and the data.

    Args:
        dataset: one of :data:`DATASETS`.
        hidden: hidden tanh units, 1 to 64.
        steps: training steps, 0 to 5000.
        seed: seed of the initial weights (the data set is always the same).
        resolution: grid points per axis of the probability map.

    Returns:
        A matplotlib ``Figure`` (made without pyplot) titled with the training accuracy.
    """
    hidden = as_int(hidden, "hidden", 1)
    steps = as_int(steps, "steps", 0)
    resolution = as_int(resolution, "resolution", 10)
    if hidden > 64 or steps > 5000:
        raise ValueError(f"keep the explorer fast: hidden <= 64 and steps <= 5000, "
                         f"got hidden={hidden}, steps={steps}")  # fmt: skip
    x, y = make_dataset(dataset)
    params = train_mlp(x, y, hidden, steps, seed=seed)
    loss = _loss_and_gradients(params, x, y)[0]
    train_acc = accuracy(params, x, y)

    lo, hi = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))  # fmt: skip
    grid = np.stack([g1.ravel(), g2.ravel()], axis=1)
    proba = predict_proba(params, grid).reshape(g1.shape)

    fig = Figure(figsize=(5.2, 4.4))
    ax = fig.subplots()
    image = ax.imshow(proba, origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]),
                      cmap="coolwarm", vmin=0, vmax=1, alpha=0.6, aspect="auto",
                      interpolation="nearest")  # no resampling: faster to render  # fmt: skip
    if proba.min() < 0.5 < proba.max():
        ax.contour(g1, g2, proba, levels=[0.5], colors="black", linewidths=1.5)
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", vmin=0, vmax=1, edgecolors="k",
               s=18, linewidths=0.5)  # fmt: skip
    fig.colorbar(image, ax=ax, label="P(class 1)", ticks=[0, 0.5, 1])
    ax.set_title(f"{dataset}: 2 -> {hidden} -> 1 tanh MLP, {steps} steps\n"
                 f"training accuracy {train_acc:.0%}, loss {loss:.3f}", fontsize=10)  # fmt: skip
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    return fig
