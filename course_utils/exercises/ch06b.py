"""Exercise checks for chapter 06b, Modern CNNs and transfer learning."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    call_answer,
    expect,
    expect_close,
    expect_equal,
    passed,
)

__all__ = ["check_augmenter", "check_residual_block", "check_transfer_model"]


def _all_layers(layer: Any) -> list[Any]:
    found = [layer]
    for child in getattr(layer, "layers", []):
        found.extend(_all_layers(child))
    return found


def check_augmenter(build_augmenter: Callable[[], Any], seed: int = 0) -> str:
    """Exercise 6b.1: a Keras augmentation block for Fashion-MNIST.

    It must keep the shape of a ``(batch, 28, 28, 1)`` batch, leave images untouched at
    inference (``training=False``), change them in training, and never flip them
    upside down (clothes are always photographed upright).
    """
    import keras

    augmenter = call_answer("6b.1", build_augmenter)
    expect("6b.1", isinstance(augmenter, keras.layers.Layer),
           f"build_augmenter() should return a Keras layer or model, got "
           f"{type(augmenter).__name__}")  # fmt: skip
    for layer in _all_layers(augmenter):
        if isinstance(layer, keras.layers.RandomFlip):
            expect("6b.1", "vertical" not in layer.mode,
                   f"RandomFlip(mode={layer.mode!r}) also flips images upside down; a shoe is "
                   "never photographed upside down, so use mode='horizontal'")  # fmt: skip
    x = np.random.default_rng(seed).uniform(size=(16, 28, 28, 1)).astype(np.float32)
    at_inference = np.asarray(augmenter(x, training=False))
    expect_close("6b.1", "the output with training=False (augmentation is off at inference)",
                 at_inference, x, rtol=1e-6, atol=1e-6)  # fmt: skip
    keras.utils.set_random_seed(seed)
    in_training = np.asarray(augmenter(x, training=True))
    expect_equal("6b.1", "the output shape in training", in_training.shape, x.shape)
    changed = np.mean(np.abs(in_training - x).reshape(len(x), -1).max(axis=1) > 1e-3)
    expect("6b.1", changed >= 0.5,
           f"with training=True only {changed:.0%} of the images changed; an augmenter "
           "should change most of them")  # fmt: skip
    return passed("6b.1", "Random at training time, the identity at inference.")


def check_residual_block(residual_block: Callable[[Any, int], Any]) -> str:
    """Exercise 6b.2: ``residual_block(x, filters)`` returns ``relu(F(x) + shortcut(x))``.

    ``F`` is conv-BN-ReLU-conv-BN with 3x3 "same" convolutions; the shortcut is ``x``
    itself when the channel count is unchanged, else a 1x1 convolution.
    """
    import keras

    def build(channels: int, filters: int) -> Any:
        inputs = keras.Input((8, 8, channels))
        try:
            outputs = call_answer("6b.2", residual_block, inputs, filters)
        except ExerciseFailure:
            raise
        except Exception as error:
            hint = " (a 1x1 convolution must match the shortcut's channels)" * (
                channels != filters
            )
            raise ExerciseFailure(
                "6b.2",
                f"residual_block(x, {filters}) for x with {channels} channels raised "
                f"{type(error).__name__}: {error}{hint}",
            ) from None
        expect("6b.2", outputs is not None, "residual_block returned None; return the output")
        try:
            return keras.Model(inputs, outputs)
        except Exception as error:
            raise ExerciseFailure(
                "6b.2", f"could not build a model from your block: {error}"
            ) from None

    model = build(16, 16)
    expect_equal("6b.2", "the output shape for 16 -> 16 filters", tuple(model.output_shape),
                 (None, 8, 8, 16))  # fmt: skip
    kinds = {type(layer).__name__ for layer in model.layers}
    expect("6b.2", "Add" in kinds,
           "there is no Add layer: a residual block *adds* its input to the branch's output "
           "(keras.layers.Add()([branch, shortcut]))")  # fmt: skip
    expect("6b.2", "BatchNormalization" in kinds, "the branch needs BatchNormalization layers")
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    expect("6b.2", len(convs) >= 2, f"the branch needs two 3x3 convolutions, found {len(convs)}")
    # with every convolution zeroed the branch outputs 0: the block must pass x through
    for conv in convs:
        conv.set_weights([np.zeros_like(w) for w in conv.get_weights()])
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype(np.float32)
    expect_close("6b.2", "the block's output when its branch outputs zero (should be relu(x))",
                 np.asarray(model(x, training=False)), np.maximum(x, 0), rtol=1e-4,
                 atol=1e-4)  # fmt: skip
    wider = build(16, 32)
    expect_equal("6b.2", "the output shape for 16 -> 32 filters (use a 1x1 conv shortcut)",
                 tuple(wider.output_shape), (None, 8, 8, 32))  # fmt: skip
    return passed("6b.2", "Output = relu(F(x) + x): the block can always fall back to identity.")


def check_transfer_model(build_transfer_model: Callable[[Any, int], Any], seed: int = 0) -> str:
    """Exercise 6b.3: a frozen pretrained base under a new softmax head.

    The check builds its own small "pretrained" base, calls
    ``build_transfer_model(base, 5)``, trains it for a few steps and verifies that only
    the head learned.
    """
    import keras

    keras.utils.set_random_seed(seed)
    base = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(4, 3, strides=2, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
    ])  # fmt: skip
    before = [w.copy() for w in base.get_weights()]
    model = call_answer("6b.3", build_transfer_model, base, 5)
    expect("6b.3", isinstance(model, keras.Model),
           f"build_transfer_model should return a keras Model, got {type(model).__name__}")
    expect_equal("6b.3", "the output shape", tuple(model.output_shape), (None, 5))
    expect("6b.3", not base.trainable,
           "the base is still trainable: set base.trainable = False before compiling")
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    expect_equal("6b.3", "the number of trainable parameters (only the head: 4*5 + 5)",
                 trainable, 25)  # fmt: skip
    expect("6b.3", getattr(model, "optimizer", None) is not None and model.compiled,
           "the model is not compiled: call model.compile(...)")  # fmt: skip
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(32, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 5, size=32)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for old, new in zip(before, base.get_weights(), strict=True):
        expect_close("6b.3", "the base's weights after training (frozen: unchanged)", new, old)
    probs = np.asarray(model(x[:4]))
    expect_close("6b.3", "each row of predicted probabilities summed", probs.sum(axis=1),
                 np.ones(4), rtol=1e-5)  # fmt: skip
    return passed("6b.3", "The base stayed frozen; only the new head learned.")
