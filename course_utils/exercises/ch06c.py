"""Exercise checks for chapter 06c, Modern CNNs and transfer learning."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    call_answer,
    expect,
    expect_close,
    expect_equal,
    grade_prediction,
    passed,
)

__all__ = [
    "check_fixed_new_head",
    "check_preact_block",
    "check_prediction_6c_4",
    "check_transfer_model",
    "check_unfreeze_top",
]


def _build_block(block: Callable[[Any, int], Any], channels: int, filters: int) -> Any:
    import keras

    inputs = keras.Input((8, 8, channels))
    try:
        outputs = call_answer("6c.1", block, inputs, filters)
    except ExerciseFailure:
        raise
    except Exception as error:
        hint = " (a 1x1 convolution must match the shortcut's channels)" * (channels != filters)
        raise ExerciseFailure(
            "6c.1",
            f"preact_residual_block(x, {filters}) for x with {channels} channels raised "
            f"{type(error).__name__}: {error}{hint}",
        ) from None
    expect("6c.1", outputs is not None,
           "preact_residual_block returned None; return the block's output tensor")
    try:
        return keras.Model(inputs, outputs)
    except Exception as error:
        raise ExerciseFailure("6c.1", f"could not build a model from your block: {error}") from None


def _preact_reference(x: np.ndarray, convs: list[Any]) -> np.ndarray:
    """x + conv2(relu(conv1(relu(x)))) with batch norm at the identity (NumPy, via conv2d)."""
    from course_utils.convolution import conv2d

    h = np.maximum(x, 0.0)
    for i, conv in enumerate(convs):
        weights = conv.get_weights()
        h = conv2d(h, weights[0], weights[1] if len(weights) > 1 else None, padding="same")
        if i == 0:
            h = np.maximum(h, 0.0)
    return x + h


def check_preact_block(preact_residual_block: Callable[[Any, int], Any],
                       seed: int | None = None) -> str:  # fmt: skip
    """Exercise 6c.1: ``preact_residual_block(x, filters)``, the pre-activation residual
    block of He et al. (2016, "Identity mappings"): ``x + F(x)`` with
    ``F`` = BN -> ReLU -> conv 3x3 -> BN -> ReLU -> conv 3x3 and no ReLU after the sum;
    a 1x1 convolution on the shortcut when the channel count changes.

    With batch norm set to the identity, the block's output is compared with a NumPy
    reference built from its own 3x3 kernels (random); with zero kernels the block must be
    exactly the identity, negative values included.
    """
    import keras

    model = _build_block(preact_residual_block, 16, 16)
    expect_equal("6c.1", "the output shape for 16 -> 16 filters", tuple(model.output_shape),
                 (None, 8, 8, 16))  # fmt: skip
    kinds = {type(layer).__name__ for layer in model.layers}
    expect("6c.1", "Add" in kinds,
           "there is no Add layer: a residual block *adds* its input to the branch's output "
           "(keras.layers.Add()([shortcut, branch]))")  # fmt: skip
    norms = [layer for layer in model.layers
             if isinstance(layer, keras.layers.BatchNormalization)]  # fmt: skip
    expect("6c.1", len(norms) >= 2,
           f"the branch needs two BatchNormalization layers (one before each convolution), "
           f"found {len(norms)}")  # fmt: skip
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)
             and tuple(layer.kernel_size) == (3, 3)]  # fmt: skip
    expect("6c.1", len(convs) == 2, f"the branch needs two 3x3 convolutions, found {len(convs)}")
    for bn in norms:  # batch norm at the identity: y = (x - 0) / sqrt(1 - eps + eps) = x
        bn.moving_mean.assign(np.zeros(bn.moving_mean.shape))
        bn.moving_variance.assign(np.full(bn.moving_variance.shape, 1.0 - bn.epsilon))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 8, 8, 16)).astype(np.float32)
    for conv in convs:
        conv.set_weights([np.zeros_like(w) for w in conv.get_weights()])
    identity = np.asarray(model(x, training=False), dtype=np.float64)
    if np.allclose(identity, np.maximum(x, 0), atol=1e-4):
        raise ExerciseFailure(
            "6c.1", "with its branch at zero the block outputs relu(x): there is a ReLU after "
            "the addition. A pre-activation block returns the sum itself, so the identity "
            "path passes x through untouched, negative values included")  # fmt: skip
    expect_close("6c.1", "the block's output when its convolutions are zero (should be x "
                 "itself)", identity, x, rtol=1e-4, atol=1e-4)  # fmt: skip
    for conv in convs:
        conv.set_weights([rng.normal(scale=0.2, size=w.shape).astype(np.float32)
                          for w in conv.get_weights()])  # fmt: skip
    got = np.asarray(model(x, training=False), dtype=np.float64)
    want = _preact_reference(x.astype(np.float64), convs)
    if not np.allclose(got, want, rtol=1e-3, atol=1e-3):
        raise ExerciseFailure(
            "6c.1", "with batch norm at the identity and random kernels the block does not "
            "compute x + conv(relu(conv(relu(x)))): the branch must be BN -> ReLU -> conv -> "
            "BN -> ReLU -> conv, normalisation and activation *before* each convolution")
    wider = _build_block(preact_residual_block, 16, 32)
    expect_equal("6c.1", "the output shape for 16 -> 32 filters (use a 1x1 conv shortcut)",
                 tuple(wider.output_shape), (None, 8, 8, 32))  # fmt: skip
    return passed("6c.1", "x + F(x) with nothing after the sum: a clean identity path.")


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
    weights trainable (layers without weights, such as pooling, do not count, and batch
    normalization layers stay frozen and do not count either).

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
    tunable = [layer for layer in weighted if not isinstance(layer, L.BatchNormalization)]
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
        wanted = tunable[-n:]
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
        batch_norm = [layer for layer in extra if isinstance(layer, L.BatchNormalization)]
        if set(trainable_layers) == {layer for layer in last_n if layer.weights}:
            hint = (f"; the last {n} layers include {_names(x for x in last_n if not x.weights)}"
                    ", which have no weights and must not be counted")  # fmt: skip
        elif extra and how == "after n=2":
            hint = ("; layers unfrozen by an earlier call must be frozen again: set "
                    "trainable on every layer, not only the last n")  # fmt: skip
        elif len(trainable_layers) == len(weighted):
            hint = "; everything is trainable, only the last n weighted layers should be"
        elif batch_norm:
            hint = (f"; {_names(batch_norm)} is a batch normalization layer: keep it frozen "
                    "and do not count it among the n")  # fmt: skip
        else:
            hint = ""
        raise ExerciseFailure(
            "6c.3",
            f"unfreeze_top(base, {n}) {state}: expected trainable layers "
            f"{_names(wanted)}, got {_names(trainable_layers)} (wrongly trainable: "
            f"{_names(extra)}; wrongly frozen: {_names(missing)}){hint}",
        )
    return passed("6c.3", "Only the top weighted layers will be fine-tuned; batch norm stays "
                          "frozen.")


def check_prediction_6c_4(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 6c.4 (predict): what does a frozen ``BatchNormalization`` layer do when it is
    called with ``training=True``, as ``fit`` calls it?

    The experiment feeds a batch with mean 5 and standard deviation 2 to a fresh batch norm
    layer (moving mean 0, moving variance 1), once trainable and once frozen.
    """
    import keras

    call_answer("6c.4", predict)
    x = (5 + 2 * np.random.default_rng(seed).normal(size=(64, 4))).astype(np.float32)
    means = {}
    for frozen in (False, True):
        bn = keras.layers.BatchNormalization()
        bn.build((None, 4))
        bn.trainable = not frozen
        means[frozen] = float(np.asarray(bn(x, training=True)).mean())
        moving = float(np.asarray(bn.moving_mean).mean())
    observed = (f"Called with training=True, the trainable layer's output had mean "
                f"{means[False]:.2f}; the frozen layer's output had mean {means[True]:.2f} "
                f"(and its moving mean stayed {moving:.2f}).")
    print(observed)
    return grade_prediction(
        "6c.4", predict,
        options={"a": "about 0: in training mode batch norm normalises with the batch's own "
                      "mean and variance",
                 "b": "about 5: a frozen batch norm layer runs in inference mode, with its "
                      "moving statistics (0 and 1), so the batch passes almost unchanged",
                 "c": "an error: a frozen layer cannot be called with training=True"},
        correct="b", observed=observed,
        why="In Keras, trainable = False on a BatchNormalization layer also switches it to "
            "inference mode, whatever training says. That is what transfer learning needs: "
            "the few new images would otherwise replace the statistics the pretrained "
            "features were learned with, and fine-tuning would start by damaging them.")


def check_fixed_new_head(fixed_new_head_model: Callable[[Any, int], Any],
                         seed: int = 0) -> str:  # fmt: skip
    """Exercise 6c.5 (debug): ``fixed_new_head_model(pretrained, n_classes)`` puts a new,
    trainable ``Dense(n_classes, softmax)`` head on the *features* of a frozen
    ``pretrained`` classifier (the output of its layer below the old head), not on its
    old class probabilities.
    """
    import keras

    L = keras.layers
    keras.utils.set_random_seed(seed)
    pretrained = keras.Sequential([
        keras.Input((12, 12, 1)),
        L.Conv2D(8, 3, activation="relu", name="conv"),
        L.GlobalAveragePooling2D(name="pool"),
        L.Dense(6, activation="relu", name="hidden"),
        L.Dense(5, activation="softmax", name="old_head"),
    ], name="pretrained")  # fmt: skip
    x = np.random.default_rng(seed).uniform(size=(4, 12, 12, 1)).astype(np.float32)
    before = [w.copy() for w in pretrained.get_weights()]
    model = call_answer("6c.5", fixed_new_head_model, pretrained, 3)
    expect("6c.5", isinstance(model, keras.Model),
           f"fixed_new_head_model should return a keras Model, got {type(model).__name__}")
    expect_equal("6c.5", "the output shape (one probability per new class)",
                 tuple(model.output_shape), (None, 3))  # fmt: skip
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    expect("6c.5", trainable != 5 * 3 + 3,
           "the new head has 5 inputs: it reads the old head's 5 class probabilities. Put it "
           "on the features below the old head, the output of pretrained.layers[-2] "
           "(6 numbers here)")  # fmt: skip
    expect_equal("6c.5", "the number of trainable parameters (only the new head: 6 * 3 + 3; "
                 "freeze the pretrained layers)", trainable, 6 * 3 + 3)  # fmt: skip
    features = keras.Model(pretrained.inputs[0], pretrained.layers[-2].output)
    head = model.layers[-1]
    expect("6c.5", isinstance(head, L.Dense) and head.get_weights()[0].shape == (6, 3),
           "the model's last layer should be the new Dense(n_classes, activation='softmax') "
           "head, reading the 6 features")  # fmt: skip
    kernel, bias = head.get_weights()
    logits = np.asarray(features(x), dtype=np.float64) @ kernel + bias
    want = np.exp(logits - logits.max(axis=1, keepdims=True))
    want /= want.sum(axis=1, keepdims=True)
    with warnings.catch_warnings():  # a model built on pretrained.inputs (a list) warns
        warnings.filterwarnings("ignore", message="The structure of `inputs`")
        probs = np.asarray(model(x, training=False))
    expect_close("6c.5", "the model's probabilities (softmax of the new head on the "
                 "pretrained features)", probs, want, rtol=1e-4, atol=1e-5)  # fmt: skip
    for old, new in zip(before, pretrained.get_weights(), strict=True):
        expect_close("6c.5", "the pretrained weights (they must not change)", new, old)
    return passed("6c.5", "The new head reads the pretrained features, not the old answers.")
