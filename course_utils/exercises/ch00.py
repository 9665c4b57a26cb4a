"""Exercise checks for chapter 00, Getting started."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    call_answer,
    expect,
    expect_close,
    expect_equal,
    expect_shape,
    passed,
)

__all__ = ["check_standardize", "check_gradient", "check_classifier"]


def check_standardize(standardize: Callable[[Any], Any], seed: int = 0) -> str:
    """Exercise 0.1: ``standardize(x)`` gives every column of ``x`` mean 0 and std 1.

    Tested on random float32 matrices of several shapes whose columns have very
    different means and scales; the reference uses the population standard
    deviation, ``tf.math.reduce_std``.
    """
    rng = np.random.default_rng(seed)
    for shape in [(50, 3), (7, 5), (200, 1)]:
        x = (rng.normal(size=shape) * rng.uniform(0.5, 20, size=shape[1])
             + rng.uniform(-100, 100, size=shape[1])).astype(np.float32)  # fmt: skip
        result = call_answer("0.1", standardize, x)
        expect("0.1", result is not None, "standardize returned None; did you forget `return`?")
        expect_shape("0.1", f"standardize(x) for x of shape {shape}", result, shape)
        expected = (x - x.mean(axis=0)) / x.std(axis=0)
        expect_close("0.1", f"standardize(x) for x of shape {shape}", result, expected,
                     rtol=1e-4, atol=1e-4)  # fmt: skip
    return passed("0.1", "Every column now has mean 0 and standard deviation 1.")


def check_gradient(gradient_of_f: Callable[[Any], Any], seed: int = 0) -> str:
    """Exercise 0.2: ``gradient_of_f(x)`` returns df/dx for f(x) = x**3 - 2x, elementwise.

    Compared with the analytic derivative 3x**2 - 2 at random points.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    x = tf.constant(rng.uniform(-3, 3, size=8).astype(np.float32))
    result = call_answer("0.2", gradient_of_f, x)
    expect(
        "0.2",
        result is not None,
        "gradient_of_f returned None. A GradientTape only records operations on "
        "trainable Variables by default: call tape.watch(x) for a constant tensor.",
    )
    expect_close("0.2", "df/dx at random points", result, 3 * x.numpy() ** 2 - 2, rtol=1e-5)
    return passed("0.2", "Your tape agrees with the analytic derivative 3x² - 2.")


def check_classifier(build_classifier: Callable[[], Any]) -> str:
    """Exercise 0.3: a compiled 4 -> 16 (ReLU) -> 3 (softmax) classifier.

    Checks the output shape, the parameter count (4*16 + 16 + 16*3 + 3 = 131),
    the activations, the loss and that the outputs are probabilities.
    """
    import keras

    model = call_answer("0.3", build_classifier)
    expect("0.3", isinstance(model, keras.Model),
           f"build_classifier() should return a keras Model, got {type(model).__name__}")
    expect_equal("0.3", "the model's output shape", tuple(model.output_shape), (None, 3))
    expect_equal("0.3", "the number of parameters (4*16 + 16 + 16*3 + 3)",
                 model.count_params(), 131)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    expect_equal("0.3", "the number of Dense layers", len(dense), 2)
    expect_equal("0.3", "the hidden layer's activation",
                 dense[0].activation.__name__, "relu")
    expect_equal("0.3", "the output layer's activation",
                 dense[-1].activation.__name__, "softmax")
    compiled = getattr(model, "compiled", False) and getattr(model, "loss", None) is not None
    expect("0.3", compiled,
           "the model is not compiled: call model.compile(optimizer=..., loss=...)")
    loss_name = getattr(model.loss, "__name__", None) or getattr(model.loss, "name", model.loss)
    expect("0.3", "sparse_categorical_crossentropy" in str(loss_name),
           "integer class labels 0, 1, 2 need loss='sparse_categorical_crossentropy', "
           f"got {loss_name!r}")
    probs = np.asarray(model(np.random.default_rng(0).normal(size=(5, 4)).astype("float32")))
    expect_close("0.3", "each row of predicted probabilities summed", probs.sum(axis=1),
                 np.ones(5), rtol=1e-5)  # fmt: skip
    return passed("0.3", f"{model.count_params()} parameters, softmax output, compiled.")
