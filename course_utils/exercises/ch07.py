"""Exercise checks for chapter 07, Recurrent networks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    passed,
)

__all__ = [
    "check_gru_step",
    "check_rnn_step",
    "check_temperature_softmax",
    "check_windows",
]


def _call(exercise: str, fn: Any, *args: Any) -> Any:
    """Call the answer; turn an error it raises into feedback instead of a traceback."""
    try:
        result = call_answer(exercise, fn, *args)
    except ExerciseFailure:
        raise
    except Exception as error:
        raise ExerciseFailure(
            exercise, f"your function raised {type(error).__name__}: {error} (check the shapes: "
                      "rows are sequences, `kernel` is (features, k * units))"
        ) from None
    expect(exercise, result is not None, "your function returned None; did you forget `return`?")
    return result


def _random_cell(cell: Any, x_t: np.ndarray, state: np.ndarray, rng: np.random.Generator):
    cell.build(x_t.shape)
    weights = [rng.normal(scale=0.7, size=w.shape).astype(np.float32) for w in cell.get_weights()]
    cell.set_weights(weights)
    return weights


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-4, atol=1e-5))


def check_rnn_step(rnn_step: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 7.1: ``rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias)``.

    Must equal ``keras.layers.SimpleRNNCell``: ``tanh(x_t @ kernel + h_prev @
    recurrent_kernel + bias)``, on random weights (bias included) and inputs.
    """
    import keras

    rng = np.random.default_rng(seed)
    for batch, features, units in [(4, 3, 5), (2, 6, 2)]:
        x_t = rng.normal(size=(batch, features)).astype(np.float32)
        h_prev = rng.normal(size=(batch, units)).astype(np.float32)
        cell = keras.layers.SimpleRNNCell(units)
        w_x, w_h, b = _random_cell(cell, x_t, h_prev, rng)
        want = np.asarray(cell(x_t, [h_prev])[0], dtype=np.float64)
        got = answer_array("7.1", "h_t", _call("7.1", rnn_step, x_t, h_prev, w_x, w_h, b))
        if _close(got, np.tanh(x_t @ w_x + b)):
            raise ExerciseFailure("7.1", "h_t ignores h_prev: the recurrent term "
                                         "h_prev @ recurrent_kernel is what makes it an RNN")
        if _close(got, np.tanh(x_t @ w_x + h_prev @ w_h)):
            raise ExerciseFailure("7.1", "the bias is missing from the sum inside the tanh")
        if _close(got, np.tanh(x_t @ w_x) + h_prev @ w_h + b):
            raise ExerciseFailure("7.1", "the recurrent term and the bias belong inside the tanh: "
                                         "h_t = tanh(x_t W_x + h_prev W_h + b)")
        expect_close("7.1", f"h_t (batch {batch}, {features} features, {units} units) against "
                            "keras.layers.SimpleRNNCell", got, want, rtol=1e-4, atol=1e-5)
    return passed("7.1", "Your step matches keras.layers.SimpleRNNCell.")


def check_gru_step(gru_step: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 7.2: ``gru_step(x_t, h_prev, kernel, recurrent_kernel, bias)``.

    Keras's default GRU cell (``reset_after=True``): blocks z, r, h; ``bias`` of shape
    ``(2, 3 * units)`` holding the input and the recurrent bias; compared with
    ``keras.layers.GRUCell`` on random weights.
    """
    import keras

    from course_utils.recurrent import gru_step as reference

    rng = np.random.default_rng(seed)
    for batch, features, units in [(4, 3, 5), (3, 2, 4)]:
        x_t = rng.normal(size=(batch, features)).astype(np.float32)
        h_prev = rng.normal(size=(batch, units)).astype(np.float32)
        cell = keras.layers.GRUCell(units)
        kernel, recurrent, bias = _random_cell(cell, x_t, h_prev, rng)
        want = np.asarray(cell(x_t, h_prev)[0], dtype=np.float64)
        got = answer_array("7.2", "h_t", _call("7.2", gru_step, x_t, h_prev, kernel, recurrent,
                                               bias))  # fmt: skip
        _, gates = reference(x_t, h_prev, kernel, recurrent, bias)
        z, cand = gates["update"].astype(np.float64), gates["candidate"].astype(np.float64)
        if _close(got, (1 - z) * h_prev + z * cand):
            raise ExerciseFailure("7.2", "z and 1 - z are swapped: in Keras the update gate z "
                                         "keeps the old state, h_t = z * h_prev + (1 - z) * h~")
        before, _ = reference(x_t, h_prev, kernel, recurrent, bias[0],
                              reset_after=False)  # fmt: skip
        if _close(got, before.astype(np.float64)):
            raise ExerciseFailure("7.2", "that is the reset_after=False GRU: Keras's default "
                                         "applies r after the product, r * (h_prev U_h + "
                                         "recurrent bias), and uses both bias rows")
        no_rec_bias, _ = reference(x_t, h_prev, kernel, recurrent, np.stack([bias[0], 0 * bias[1]]))
        if _close(got, no_rec_bias.astype(np.float64)):
            raise ExerciseFailure("7.2", "bias[1], the recurrent bias, is missing: it is added to "
                                         "h_prev @ recurrent_kernel (all three blocks)")
        expect_close("7.2", f"h_t (batch {batch}, {units} units) against keras.layers.GRUCell",
                     got, want, rtol=1e-4, atol=1e-5)  # fmt: skip
    return passed("7.2", "Your GRU step matches keras.layers.GRUCell (reset_after=True).")


def check_temperature_softmax(temperature_softmax: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 7.3: ``temperature_softmax(logits, temperature)``, softmax(logits / T).

    Compared with ``tf.nn.softmax(logits / T)`` on 1-D and 2-D logits and several
    temperatures, including logits large enough to overflow a naive ``exp``.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    cases = [(rng.normal(scale=2, size=65), 1.0), (rng.normal(scale=2, size=(3, 10)), 0.5),
             (rng.normal(scale=2, size=(2, 7)), 2.0)]  # fmt: skip
    for logits, temperature in cases:
        want = tf.nn.softmax(logits / temperature).numpy()
        result = _call("7.3", temperature_softmax, logits.copy(), temperature)
        got = answer_array("7.3", "the probabilities", result)
        if temperature != 1.0 and _close(got, tf.nn.softmax(logits * temperature).numpy()):
            raise ExerciseFailure("7.3", "divide the logits by the temperature, do not multiply: "
                                         "a small T must sharpen the distribution")
        expect("7.3", got.shape == logits.shape,
               f"the probabilities should have the shape of the logits, {logits.shape}, "
               f"got {got.shape}")  # fmt: skip
        expect("7.3", bool(np.allclose(got.sum(axis=-1), 1.0, atol=1e-6)),
               "each distribution (over the last axis) must sum to 1")
        expect_close("7.3", f"softmax(logits / {temperature})", got, want, rtol=1e-5, atol=1e-7)
    big = np.array([1000.0, 999.0, 990.0])
    with np.errstate(all="ignore"):
        got = answer_array("7.3", "the probabilities", _call("7.3", temperature_softmax, big, 0.5))
    expect("7.3", bool(np.all(np.isfinite(got))),
           "logits [1000, 999, 990] gave inf or nan: subtract the largest scaled logit "
           "before exp (softmax does not change when all logits shift by the same amount)")
    expect_close("7.3", "softmax([1000, 999, 990] / 0.5)", got,
                 tf.nn.softmax(tf.constant(big / 0.5)).numpy(), rtol=1e-5, atol=1e-9)
    return passed("7.3", "Your probabilities match tf.nn.softmax(logits / T).")


def check_windows(make_windows: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 7.4: ``make_windows(series, window)`` returns ``(inputs, targets)``.

    ``inputs[k] = series[k : k + window]``, ``targets[k] = series[k + window]``; compared
    with ``keras.utils.timeseries_dataset_from_array``.
    """
    import keras

    rng = np.random.default_rng(seed)
    for length, window in [(40, 5), (23, 7)]:
        series = rng.normal(size=length).astype(np.float32)
        dataset = keras.utils.timeseries_dataset_from_array(
            series[:-1], series[window:], sequence_length=window, batch_size=1000)
        want_x, want_y = (np.asarray(t) for t in next(iter(dataset)))
        result = _call("7.4", make_windows, series.copy(), window)
        expect("7.4", isinstance(result, tuple) and len(result) == 2,
               f"make_windows should return a tuple (inputs, targets), got "
               f"{type(result).__name__}")  # fmt: skip
        inputs = answer_array("7.4", "inputs", result[0])
        targets = answer_array("7.4", "targets", result[1])
        expect("7.4", inputs.shape == want_x.shape,
               f"a series of {length} values with window {window} has {len(want_x)} "
               f"(window, target) pairs: inputs should have shape {want_x.shape}, got "
               f"{inputs.shape}")  # fmt: skip
        expect("7.4", targets.shape == want_y.shape,
               f"targets should have shape {want_y.shape}, got {targets.shape}")
        if np.allclose(targets, series[window - 1 : -1]):
            raise ExerciseFailure("7.4", "each target is the last value of its own window: the "
                                         "target must be the NEXT value, series[k + window]")
        expect_close("7.4", "inputs", inputs, want_x)
        expect_close("7.4", "targets", targets, want_y)
    return passed("7.4", "Your windows match keras.utils.timeseries_dataset_from_array.")
