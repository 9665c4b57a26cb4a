"""Figures the chapters share: training curves and labelled image grids.

Every function draws on the ``ax`` it is given, or on a new
:class:`matplotlib.figure.Figure` it creates, and returns the figure. Nothing
here touches pyplot's global state or ``rcParams``, so a notebook shows the
figure by leaving it as the last expression of a cell.

Introduced in chapter 00 (``plot_history``, ``show_images``), chapter 01
(``plot_decision_boundary``) and chapter 06a (``plot_confusion_matrix``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_utils.validation import as_array, check_ndim, check_same_length

__all__ = [
    "history_frame",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_history",
    "show_images",
]


def history_frame(history: Any):
    """Return the per-epoch metrics of a Keras ``History`` as a pandas DataFrame.

    Args:
        history: a ``keras.callbacks.History`` (what ``fit`` returns), its
            ``.history`` dict, or a DataFrame with one row per epoch.

    Returns:
        A DataFrame indexed by epoch (starting at 1), one column per metric.
    """
    import pandas as pd

    if isinstance(history, pd.DataFrame):
        frame = history.copy()
    else:
        data = getattr(history, "history", history)
        if not isinstance(data, Mapping):
            raise TypeError(
                "history must be a keras History, its .history dict, or a DataFrame; "
                f"got {type(history).__name__}"
            )
        lengths = {len(v) for v in data.values()}
        if len(lengths) > 1:
            raise ValueError(f"every metric needs one value per epoch, got lengths {lengths}")
        frame = pd.DataFrame({k: list(v) for k, v in data.items()})
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="epoch")
    if frame.empty:
        raise ValueError("history has no epochs to plot")
    return frame


def plot_history(
    history: Any,
    metrics: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Plot training (solid) and validation (dashed) curves per epoch.

    Args:
        history: a ``History``, its ``.history`` dict, or a DataFrame (see
            :func:`history_frame`).
        metrics: base metric names such as ``["loss", "accuracy"]``; default: every
            metric without the ``val_`` prefix. Each gets its own panel unless
            ``ax`` is given, in which case all are drawn on ``ax``.
        ax: axes to draw on; default a new figure.
        title: optional title (of the figure, or of ``ax``).

    Returns:
        The figure drawn on.

    Raises:
        ValueError: if a requested metric is not in the history.
    """
    frame = history_frame(history)
    names = [c for c in frame.columns if not str(c).startswith("val_")]
    metrics = list(metrics) if metrics is not None else names
    unknown = [m for m in metrics if m not in frame.columns]
    if unknown:
        raise ValueError(f"metrics {unknown} not in history; it has {list(frame.columns)}")

    if ax is None:
        fig = Figure(figsize=(4.2 * len(metrics), 3.2), layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(1, len(metrics))))
    else:
        fig, axes = ax.figure, [ax] * len(metrics)
    for metric, axis in zip(metrics, axes, strict=True):
        (line,) = axis.plot(frame.index, frame[metric], marker=".", label=f"train {metric}")
        if f"val_{metric}" in frame.columns:
            axis.plot(frame.index, frame[f"val_{metric}"], "--", marker=".",
                      color=line.get_color(), label=f"validation {metric}")
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric if ax is None else "value")
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        (fig.suptitle if ax is None else ax.set_title)(title)
    return fig


def show_images(
    images: Any,
    labels: Sequence[Any] | np.ndarray | None = None,
    *,
    predictions: Sequence[Any] | np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    ncols: int = 8,
    cmap: str = "gray_r",
    ax: Axes | None = None,
) -> Figure:
    """Show images in a grid, optionally captioned with labels and predictions.

    The images are tiled into one mosaic drawn on a single axes, with each
    caption above its tile; a wrong prediction is captioned in red.

    Args:
        images: array of shape ``(n, h, w)`` (grayscale) or ``(n, h, w, c)`` with
            ``c`` in 1, 3 or 4; any numeric range (each image is shown as is,
            scaled to the global min/max).
        labels: ``n`` true labels (ints index ``class_names``), or ``None``.
        predictions: ``n`` predicted labels, or ``None``.
        class_names: names for integer labels.
        ncols: tiles per row.
        cmap: colour map for grayscale images.
        ax: axes to draw on; default a new figure.

    Returns:
        The figure drawn on.
    """
    array = as_array(images, "images", dtype=np.float32)
    check_ndim(array, "images", (3, 4))
    if array.ndim == 4:
        if array.shape[-1] not in (1, 3, 4):
            raise ValueError(
                f"images of shape (n, h, w, c) must have c in 1, 3 or 4 channels, got {array.shape}"
            )
        if array.shape[-1] == 1:
            array = array[..., 0]
    if len(array) == 0:
        raise ValueError("images is empty: expected at least one image")
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}")
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values is not None:
            check_same_length(images=array, **{name: values})

    n, h, w = array.shape[:3]
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    pad = 2
    lo, hi = float(array.min()), float(array.max())
    mosaic = np.full(
        (nrows * (h + pad) - pad, ncols * (w + pad) - pad) + array.shape[3:], np.nan, np.float32
    )
    for i, image in enumerate(array):
        r, c = divmod(i, ncols)
        mosaic[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = image

    def name(value: Any) -> str:
        if class_names is not None and np.issubdtype(type(value), np.integer):
            return str(class_names[int(value)])
        return str(value)

    if ax is None:
        fig = Figure(figsize=(1.1 * ncols, 1.25 * nrows + 0.2), layout="constrained")
        ax = fig.subplots()
    fig = ax.figure
    if mosaic.ndim == 3:  # colour: normalise to [0, 1] and show white gaps
        shown = np.nan_to_num((mosaic - lo) / max(hi - lo, 1e-12), nan=1.0)
        ax.imshow(np.clip(shown, 0.0, 1.0), interpolation="nearest")
    else:
        ax.imshow(np.ma.masked_invalid(mosaic), cmap=cmap, vmin=lo, vmax=hi,
                  interpolation="nearest")
    ax.set_axis_off()
    for i in range(n if labels is not None or predictions is not None else 0):
        r, c = divmod(i, ncols)
        parts, color = [], "black"
        if labels is not None:
            parts.append(name(labels[i]))
        if predictions is not None:
            predicted = name(predictions[i])
            parts.append(f"→ {predicted}" if labels is not None else predicted)
            if labels is not None and predictions[i] != labels[i]:
                color = "crimson"
        ax.text(c * (w + pad) + w / 2, r * (h + pad) - 0.8, " ".join(parts), ha="center",
                va="bottom", fontsize=7, color=color, clip_on=False)
    return fig


def plot_decision_boundary(
    predict: Any,
    x: Any,
    y: Any,
    *,
    ax: Axes | None = None,
    resolution: int = 200,
    margin: float = 0.5,
    title: str | None = None,
) -> Figure:
    """Shade the regions a 2-D classifier assigns to each class, with the data on top.

    Args:
        predict: function mapping an ``(m, 2)`` float32 array to ``m`` scores:
            class probabilities ``(m, k)`` (argmax is taken), or one score per point
            ``(m,)`` or ``(m, 1)`` thresholded at 0.5.
        x: points of shape ``(n, 2)``.
        y: ``n`` integer class labels.
        ax: axes to draw on; default a new figure.
        resolution: grid points per axis.
        margin: space around the data.
        title: optional axes title.

    Returns:
        The figure drawn on.
    """
    points = as_array(x, "x", dtype=np.float32)
    labels = as_array(y, "y").astype(int).ravel()
    check_ndim(points, "x", 2)
    if points.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2) (two features to plot), got {points.shape}")
    check_same_length(x=points, y=labels)
    if not callable(predict):
        raise TypeError(f"predict must be a function, got {type(predict).__name__}")

    (x0, y0), (x1, y1) = points.min(axis=0) - margin, points.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.c_[gx.ravel(), gy.ravel()].astype(np.float32)
    scores = np.asarray(predict(grid))
    if scores.ndim == 2 and scores.shape[1] > 1:
        regions = scores.argmax(axis=1)
    else:
        regions = (scores.reshape(-1) >= 0.5).astype(int)

    if ax is None:
        fig = Figure(figsize=(4.2, 3.8), layout="constrained")
        ax = fig.subplots()
    n_classes = int(max(labels.max(), regions.max())) + 1
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(gx, gy, regions.reshape(gx.shape), levels=levels, cmap="coolwarm", alpha=0.25)
    ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="coolwarm", vmin=0,
               vmax=max(n_classes - 1, 1), edgecolors="k", s=22)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax.figure


def plot_confusion_matrix(
    y_true: Any,
    y_pred: Any,
    class_names: Sequence[str] | None = None,
    ax: Axes | None = None,
    *,
    normalize: bool = False,
    title: str | None = None,
) -> Figure:
    """Draw the confusion matrix: row = true class, column = predicted class.

    Each cell shows how many examples of the row's class were predicted as the
    column's class (or the fraction of the row with ``normalize=True``); the
    diagonal holds the correct predictions. Introduced in chapter 06a.

    Args:
        y_true: ``n`` true integer labels.
        y_pred: ``n`` predicted integer labels.
        class_names: names of the classes; their number sets the matrix size
            (default: ``max label + 1`` classes, numbered).
        ax: axes to draw on; default a new figure.
        normalize: show fractions of each true class instead of counts.
        title: optional axes title.

    Returns:
        The figure drawn on. The matrix itself is ``fig.axes[0].images[0].get_array()``.

    Raises:
        TypeError: for non-numeric labels.
        ValueError: for labels that are not 1-D integers in range, or of different lengths.
    """
    true = as_array(y_true, "y_true").ravel()
    pred = as_array(y_pred, "y_pred").ravel()
    check_same_length(y_true=true, y_pred=pred)
    if len(true) == 0:
        raise ValueError("y_true is empty: expected at least one label")
    for name, labels in (("y_true", true), ("y_pred", pred)):
        if not np.all(np.equal(np.mod(labels, 1), 0)) or labels.min() < 0:
            raise ValueError(f"{name} must hold non-negative integer class labels")
    true, pred = true.astype(int), pred.astype(int)
    k = len(class_names) if class_names is not None else int(max(true.max(), pred.max())) + 1
    if max(true.max(), pred.max()) >= k:
        raise ValueError(
            f"labels go up to {int(max(true.max(), pred.max()))} but class_names has only {k} names"
        )
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (true, pred), 1)
    shown = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1) if normalize else matrix

    if ax is None:
        size = 2.0 + 0.42 * k
        fig = Figure(figsize=(size + 0.8, size), layout="constrained")
        ax = fig.subplots()
    fig = ax.figure
    image = ax.imshow(shown, cmap="Blues", interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.8)
    names = [str(c) for c in class_names] if class_names is not None else [str(i) for i in range(k)]
    ax.set_xticks(range(k), names, rotation=45 if class_names is not None else 0, ha="right"
                  if class_names is not None else "center", fontsize=8)  # fmt: skip
    ax.set_yticks(range(k), names, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    threshold = shown.max() / 2 if shown.max() > 0 else 1
    for i in range(k):
        for j in range(k):
            text = f"{shown[i, j]:.2f}" if normalize else str(matrix[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=7,
                    color="white" if shown[i, j] > threshold else "black")  # fmt: skip
    if title:
        ax.set_title(title)
    return fig
