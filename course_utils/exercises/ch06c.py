"""Exercise checks for chapter 06c, Modern CNNs and transfer learning."""

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

__all__ = ["check_residual_block", "check_transfer_model", "check_unfreeze_top"]


def check_residual_block(residual_block: Callable[[Any, int], Any]) -> str:
    """Exercise 6c.1: ``residual_block(x, filters)`` returns ``relu(F(x) + shortcut(x))``.

    ``F`` is conv-BN-ReLU-conv-BN with 3x3 "same" convolutions; the shortcut is ``x``
    itself when the channel count is unchanged, else a 1x1 convolution.
    """
    import keras

    def build(channels: int, filters: int) -> Any:
        inputs = keras.Input((8, 8, channels))
        try:
            outputs = call_answer("6c.1", residual_block, inputs, filters)
        except ExerciseFailure:
            raise
        except Exception as error:
            hint = " (a 1x1 convolution must match the shortcut's channels)" * (
                channels != filters
            )
            raise ExerciseFailure(
                "6c.1",
                f"residual_block(x, {filters}) for x with {channels} channels raised "
                f"{type(error).__name__}: {error}{hint}",
            ) from None
        expect("6c.1", outputs is not None, "residual_block returned None; return the output")
        try:
            return keras.Model(inputs, outputs)
        except Exception as error:
            raise ExerciseFailure(
                "6c.1", f"could not build a model from your block: {error}"
            ) from None

    model = build(16, 16)
    expect_equal("6c.1", "the output shape for 16 -> 16 filters", tuple(model.output_shape),
                 (None, 8, 8, 16))  # fmt: skip
    kinds = {type(layer).__name__ for layer in model.layers}
    expect("6c.1", "Add" in kinds,
           "there is no Add layer: a residual block *adds* its input to the branch's output "
           "(keras.layers.Add()([branch, shortcut]))")  # fmt: skip
    expect("6c.1", "BatchNormalization" in kinds, "the branch needs BatchNormalization layers")
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    expect("6c.1", len(convs) >= 2, f"the branch needs two 3x3 convolutions, found {len(convs)}")
    # with every convolution zeroed the branch outputs 0: the block must pass x through
    for conv in convs:
        conv.set_weights([np.zeros_like(w) for w in conv.get_weights()])
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype(np.float32)
    expect_close("6c.1", "the block's output when its branch outputs zero (should be relu(x))",
                 np.asarray(model(x, training=False)), np.maximum(x, 0), rtol=1e-4,
                 atol=1e-4)  # fmt: skip
    wider = build(16, 32)
    expect_equal("6c.1", "the output shape for 16 -> 32 filters (use a 1x1 conv shortcut)",
                 tuple(wider.output_shape), (None, 8, 8, 32))  # fmt: skip
    return passed("6c.1", "Output = relu(F(x) + x): the block can always fall back to identity.")


def check_transfer_model(build_transfer_model: Callable[[Any, int], Any], seed: int = 0) -> str:
    """Exercise 6c.2: a frozen pretrained base under a new softmax head.

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
    model = call_answer("6c.2", build_transfer_model, base, 5)
    expect("6c.2", isinstance(model, keras.Model),
           f"build_transfer_model should return a keras Model, got {type(model).__name__}")
    expect_equal("6c.2", "the output shape", tuple(model.output_shape), (None, 5))
    expect("6c.2", not base.trainable,
           "the base is still trainable: set base.trainable = False before compiling")
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    expect_equal("6c.2", "the number of trainable parameters (only the head: 4*5 + 5)",
                 trainable, 25)  # fmt: skip
    expect("6c.2", getattr(model, "optimizer", None) is not None and model.compiled,
           "the model is not compiled: call model.compile(...)")  # fmt: skip
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(32, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 5, size=32)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for old, new in zip(before, base.get_weights(), strict=True):
        expect_close("6c.2", "the base's weights after training (frozen: unchanged)", new, old)
    probs = np.asarray(model(x[:4]))
    expect_close("6c.2", "each row of predicted probabilities summed", probs.sum(axis=1),
                 np.ones(4), rtol=1e-5)  # fmt: skip
    return passed("6c.2", "The base stayed frozen; only the new head learned.")


def _names(layers: Any) -> str:
    return ", ".join(sorted(layer.name for layer in layers)) or "none"


def check_unfreeze_top(unfreeze_top: Callable[[Any, int], Any]) -> str:
    """Exercise 6c.3: ``unfreeze_top(base, n)`` makes only the last ``n`` layers that have
    weights trainable (layers without weights, such as pooling, do not count).

    The check builds a small CNN, freezes it, and calls the answer for several ``n`` on
    the same model: once after freezing it layer by layer, once after the usual
    ``base.trainable = False`` (a frozen model has no trainable weights whatever its
    layers say, so the answer must set ``base.trainable = True``). Each time the set of
    trainable variables must be exactly those of the last ``n`` weighted layers.
    """
    import keras

    L = keras.layers
    base = keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(4, 3, activation="relu", name="conv1"),
        L.MaxPooling2D(name="pool1"),
        L.Conv2D(8, 3, name="conv2"),
        L.BatchNormalization(name="bn2"),
        L.ReLU(name="relu2"),
        L.MaxPooling2D(name="pool2"),
        L.Flatten(name="flatten"),
        L.Dense(16, name="dense"),
        L.ReLU(name="relu3"),
        L.Dense(10, name="logits"),
    ], name="base")  # fmt: skip
    weighted = [layer for layer in base.layers if layer.weights]
    # freezing a layer also marks its variables untrainable: record them before
    learnable = {layer.name: {v.path for v in layer.trainable_weights} for layer in weighted}
    base.trainable = True
    for layer in base.layers:
        layer.trainable = False

    for n, how in [(2, "each layer frozen"), (1, "after n=2"), (3, "base.trainable = False")]:
        if how == "base.trainable = False":
            base.trainable = False
        result = call_answer("6c.3", unfreeze_top, base, n)
        expect("6c.3", result is base,
               f"unfreeze_top should return the model it was given, got "
               f"{type(result).__name__}")  # fmt: skip
        wanted = weighted[-n:]
        want = set().union(*(learnable[layer.name] for layer in wanted))
        got = {v.path for v in base.trainable_weights}
        if got == want:
            continue
        state = {"each layer frozen": "with every layer frozen",
                 "after n=2": "right after unfreeze_top(base, 2)",
                 "base.trainable = False": "after base.trainable = False"}[how]  # fmt: skip
        if not got:
            hint = (" (a model whose own trainable is False has no trainable weights: set "
                    "base.trainable = True first)" if not base.trainable else "")  # fmt: skip
            raise ExerciseFailure(
                "6c.3", f"unfreeze_top(base, {n}) {state} left no weight trainable{hint}"
            )
        trainable_layers = [layer for layer in weighted
                            if any(v.path in got for v in layer.weights)]  # fmt: skip
        extra = [layer for layer in trainable_layers if layer not in wanted]
        missing = [layer for layer in wanted if layer not in trainable_layers]
        last_n = base.layers[-n:]
        if set(trainable_layers) == {layer for layer in last_n if layer.weights}:
            hint = (f"; the last {n} layers include {_names(x for x in last_n if not x.weights)}"
                    ", which have no weights and must not be counted")  # fmt: skip
        elif extra and how == "after n=2":
            hint = ("; layers unfrozen by an earlier call must be frozen again: set "
                    "trainable on every layer, not only the last n")  # fmt: skip
        elif len(trainable_layers) == len(weighted):
            hint = "; everything is trainable, only the last n weighted layers should be"
        else:
            hint = ""
        raise ExerciseFailure(
            "6c.3",
            f"unfreeze_top(base, {n}) {state}: expected trainable layers "
            f"{_names(wanted)}, got {_names(trainable_layers)} (wrongly trainable: "
            f"{_names(extra)}; wrongly frozen: {_names(missing)}){hint}",
        )
    return passed("6c.3", "Only the top weighted layers will be fine-tuned.")
