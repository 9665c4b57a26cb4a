"""The fast image-classification recipe of chapter 06a, for reuse in 06b and 06c.

Chapter 06a builds each piece in full and explains it: a cached ``tf.data`` pipeline
that converts uint8 images to floats per batch, a small CNN that does as little work
as possible at full resolution, and Adam with a one-cycle learning rate. Later
chapters import them from here instead of pasting them again::

    from course_utils.recipes import fast_cnn, image_pipeline, one_cycle_adam

TensorFlow and Keras are imported inside the functions, so importing this module
stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from course_utils.validation import as_array, check_same_length

__all__ = ["image_pipeline", "fast_cnn", "one_cycle_schedule", "one_cycle_adam"]


def image_pipeline(
    images: Any, labels: Any, *, batch: int = 128, shuffle: bool = False, seed: int = 0
) -> Any:
    """A cached, batched, prefetched ``tf.data.Dataset`` of ``(image, label)`` batches.

    Args:
        images: ``(n, height, width)`` or ``(n, height, width, channels)`` pixel values
            in 0-255 (uint8 as loaded, or any numeric type).
        labels: ``n`` integer class labels.
        batch: batch size.
        shuffle: reshuffle every epoch (for training); the order is fixed by ``seed``.
        seed: shuffle seed.

    Returns:
        A dataset yielding float32 images scaled to [0, 1] with a channel axis,
        ``(batch, height, width, channels)``, and the labels. The raw arrays are cached
        once; the conversion to float happens per batch, in parallel, while the
        previous batch trains.
    """
    import tensorflow as tf

    images = as_array(images, "images")
    labels = as_array(labels, "labels")
    if images.ndim not in (3, 4):
        raise ValueError(
            "images must have shape (n, height, width) or (n, height, width, channels), "
            f"got shape {images.shape}"
        )
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"labels must be a 1-D array of integer class labels, got shape {labels.shape} "
            f"and dtype {labels.dtype}"
        )
    check_same_length(images=images, labels=labels)
    if not isinstance(batch, (int, np.integer)) or isinstance(batch, bool) or batch < 1:
        raise ValueError(f"batch must be a positive integer, got {batch!r}")

    def scale(x, y):
        x = tf.cast(x, tf.float32) / 255.0
        return (x[..., None] if images.ndim == 3 else x), y

    ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache()
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(int(batch)).map(scale, num_parallel_calls=tf.data.AUTOTUNE).prefetch(
        tf.data.AUTOTUNE
    )


def fast_cnn(
    widths: Sequence[int] = (12, 24, 48),
    *,
    dropout: float = 0.1,
    n_classes: int = 10,
    input_shape: Sequence[int] = (28, 28, 1),
    name: str = "fast_cnn",
) -> Any:
    """The fast CNN of chapter 06a, as a ``keras.Sequential`` model.

    ``conv1`` (3x3, ReLU built in, no batch norm at full resolution) -> ``pool1`` ->
    ``conv2`` (3x3, no bias) -> ``bn2`` -> ``relu2`` -> ``pool2`` -> ``conv3`` (3x3, no
    bias) -> ``bn3`` -> ``relu3`` -> ``flatten`` -> ``dropout`` -> ``head`` (softmax).
    All convolutions use ``"same"`` padding.
    """
    import keras

    widths = tuple(widths)
    if len(widths) != 3 or not all(isinstance(w, (int, np.integer)) and w > 0 for w in widths):
        raise ValueError(f"widths must be three positive integers, got {widths!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    if not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    layers = keras.layers

    def block(i: int, filters: int) -> list[Any]:
        return [
            layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}"),
            layers.BatchNormalization(name=f"bn{i}"),
            layers.ReLU(name=f"relu{i}"),
        ]

    return keras.Sequential(
        [
            keras.Input(tuple(input_shape)),
            layers.Conv2D(widths[0], 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(name="pool1"),
            *block(2, widths[1]),
            layers.MaxPooling2D(name="pool2"),
            *block(3, widths[2]),
            layers.Flatten(name="flatten"),
            layers.Dropout(dropout, name="dropout"),
            layers.Dense(n_classes, activation="softmax", name="head"),
        ],
        name=name,
    )


def one_cycle_schedule(steps: int, peak: float = 6e-3, warmup_fraction: float = 0.1) -> Any:
    """A one-cycle learning rate (chapter 06a), as a Keras schedule.

    The rate rises linearly from ``peak / 10`` to ``peak`` over the first
    ``w = warmup_fraction * steps`` steps, then follows a cosine down to zero at
    ``T = steps``: ``lr(t) = peak / 2 * (1 + cos(pi * (t - w) / (T - w)))`` for ``t >= w``.
    Without warm-up it starts at ``peak``.
    """
    import keras

    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2 (the total training steps), got {steps!r}")
    if not peak > 0:
        raise ValueError(f"peak must be a positive learning rate, got {peak!r}")
    if not 0.0 <= warmup_fraction < 1.0:
        raise ValueError(f"warmup_fraction must be in [0, 1), got {warmup_fraction!r}")
    warmup = int(steps * warmup_fraction)
    return keras.optimizers.schedules.CosineDecay(
        peak / 10 if warmup else peak,
        decay_steps=int(steps) - warmup,
        alpha=0.0,
        warmup_target=peak if warmup else None,
        warmup_steps=warmup,
    )


def one_cycle_adam(steps: int, peak: float = 6e-3, warmup_fraction: float = 0.1) -> Any:
    """Adam driven by :func:`one_cycle_schedule` (chapter 06a)."""
    import keras

    return keras.optimizers.Adam(one_cycle_schedule(steps, peak, warmup_fraction))
