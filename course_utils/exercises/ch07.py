"""Exercise checks for chapter 07, Recurrent networks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    call_answer_safely,
    expect,
    expect_close,
    grade_prediction,
    passed,
)

__all__ = [
    "check_fixed_windows",
    "check_gru_step",
    "check_peephole_lstm_step",
    "check_prediction_7_1",
    "check_top_p_filter",
]


def _call(exercise: str, fn: Any, *args: Any) -> Any:
    return call_answer_safely(exercise, fn, *args, hint="check the shapes: rows are "
                              "sequences, `kernel` is (features, k * units)")  # fmt: skip


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -z))


# --------------------------------------------------------------------------- 7.1 predict
def _relative_gradient(input_scale: float, seed: int, steps: int = 50, back: int = 30) -> float:
    """||dL/dx_(T-back)|| / ||dL/dx_T|| for a random 16-unit simple RNN (orthogonal recurrent
    weights, Glorot input weights, as Keras initialises them), averaged over 16 sequences of
    random inputs times ``input_scale``; L reads the last state only."""
    rng = np.random.default_rng(seed)
    units, features, batch = 16, 4, 16
    w_x = rng.normal(size=(features, units)) * np.sqrt(2 / (features + units))
    q, r = np.linalg.qr(rng.normal(size=(units, units)))
    w_h = q * np.sign(np.diag(r))
    x = rng.normal(size=(batch, steps, features)) * input_scale
    h, states = np.zeros((batch, units)), []
    for t in range(steps):
        h = np.tanh(x[:, t] @ w_x + h @ w_h)
        states.append(h)
    g = rng.normal(size=(batch, units))  # dL/dh_T
    norms = []
    for t in range(steps - 1, steps - back - 2, -1):
        delta = g * (1 - states[t] ** 2)
        norms.append(float(np.linalg.norm(delta @ w_x.T, axis=1).mean()))
        g = delta @ w_h.T
    return norms[back] / norms[0]


def check_prediction_7_1(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 7.1 (predict): multiply every input of a simple RNN by 10; what happens to
    the gradient that reaches the input 30 steps back, relative to the last step?

    Runs the experiment (NumPy, a 16-unit SimpleRNN with Keras's initialisation, 50 steps)
    for inputs of scale 1 and 10 and grades the prediction: (c), the gradient vanishes much
    faster, because large pre-activations saturate tanh and every Jacobian factor
    ``W_h^T diag(1 - h^2)`` gets smaller.
    """
    call_answer("7.1", predict)  # "not solved yet" before anything is revealed
    seed = int(np.random.default_rng().integers(1 << 30)) if seed is None else seed
    plain, scaled = _relative_gradient(1.0, seed), _relative_gradient(10.0, seed)
    observed = (f"Observed: 30 steps back the gradient is {plain:.1e} of the last step's with "
                f"inputs of scale 1, and {scaled:.1e} with inputs 10 times larger.")
    print(observed)
    return grade_prediction(
        "7.1", predict,
        options={"a": "it vanishes more slowly: larger inputs carry a stronger signal back",
                 "b": "about the same: only the recurrent weights W_h set how fast it vanishes",
                 "c": "it vanishes much faster"},
        correct="c", observed=observed,
        why=("Each step back multiplies the gradient by W_h^T diag(1 - h_t^2). Large inputs "
             "push the pre-activations far from 0, tanh saturates (h_t near +-1), so "
             "1 - h_t^2 is close to 0 and every factor shrinks: saturation speeds up "
             "vanishing, whatever W_h is."),
    )  # fmt: skip


# --------------------------------------------------------------------------- 7.2 peephole
def peephole_lstm_reference(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, peephole):
    """One peephole LSTM step (Gers and Schmidhuber, 2000), Keras's layout (blocks i, f, c, o)
    plus ``peephole`` of shape ``(3, units)``: rows p_i, p_f (read c_(t-1)) and p_o (reads the
    new c_t), all elementwise. Returns ``(h_t, c_t)``."""
    units = h_prev.shape[1]
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    z_i, z_f, z_c, z_o = (z[:, k * units : (k + 1) * units] for k in range(4))
    i = _sigmoid(z_i + peephole[0] * c_prev)
    f = _sigmoid(z_f + peephole[1] * c_prev)
    c = f * c_prev + i * np.tanh(z_c)
    o = _sigmoid(z_o + peephole[2] * c)
    return o * np.tanh(c), c


def _pair(exercise: str, result: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    expect(exercise, isinstance(result, (tuple, list)) and len(result) == 2,
           f"return a tuple {what}, got {type(result).__name__}")  # fmt: skip
    names = what.strip("()").split(", ")
    return (answer_array(exercise, names[0], result[0]),
            answer_array(exercise, names[1], result[1]))


def check_peephole_lstm_step(peephole_lstm_step: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 7.2 (transfer): ``peephole_lstm_step(x_t, h_prev, c_prev, kernel,
    recurrent_kernel, bias, peephole)`` returns ``(h_t, c_t)``.

    With ``peephole = 0`` it must equal ``keras.layers.LSTMCell``; with random peepholes it
    must equal :func:`peephole_lstm_reference` (input and forget gates read ``c_(t-1)``, the
    output gate reads the new ``c_t``).
    """
    import keras

    rng = np.random.default_rng(seed)
    for batch, features, units in [(4, 3, 5), (3, 2, 4)]:
        x_t = rng.normal(size=(batch, features)).astype(np.float32)
        h_prev, c_prev = (rng.normal(size=(batch, units)).astype(np.float32) for _ in range(2))
        cell = keras.layers.LSTMCell(units)
        kernel, recurrent, bias = _random_cell(cell, x_t, h_prev, rng)
        want_h, want_c = (np.asarray(t[0] if isinstance(t, list) else t, dtype=np.float64)
                          for t in cell(x_t, [h_prev, c_prev])[1])  # fmt: skip
        zero = np.zeros((3, units), np.float32)
        got_h, got_c = _pair("7.2", _call("7.2", peephole_lstm_step, x_t, h_prev, c_prev, kernel,
                                          recurrent, bias, zero), "(h_t, c_t)")  # fmt: skip
        expect_close("7.2", "with all peepholes 0, c_t against keras.layers.LSTMCell",
                     got_c, want_c, rtol=1e-4, atol=1e-5)  # fmt: skip
        expect_close("7.2", "with all peepholes 0, h_t against keras.layers.LSTMCell",
                     got_h, want_h, rtol=1e-4, atol=1e-5)  # fmt: skip
        peephole = rng.normal(scale=1.5, size=(3, units)).astype(np.float32)
        args = (x_t, h_prev, c_prev, kernel, recurrent, bias, peephole)
        got_h, got_c = _pair("7.2", _call("7.2", peephole_lstm_step, *args), "(h_t, c_t)")
        ref_h, ref_c = peephole_lstm_reference(*(a.astype(np.float64) for a in args))
        plain_h, plain_c = peephole_lstm_reference(*(a.astype(np.float64) for a in args[:-1]),
                                                   zero.astype(np.float64))  # fmt: skip
        if _close(got_h, plain_h):
            raise ExerciseFailure("7.2", "h_t does not depend on the peephole weights: add "
                                         "p * c to the gate pre-activations")
        z_o = _output_preactivation(args)
        old_peek = _sigmoid(z_o + peephole[2] * c_prev) * np.tanh(ref_c)
        if _close(got_c, ref_c) and _close(got_h, old_peek):
            raise ExerciseFailure("7.2", "c_t is right, but the output gate peeks at the old "
                                         "cell state c_(t-1): it reads the NEW c_t, which "
                                         "exists by the time o_t is computed")
        expect_close("7.2", "c_t (random peepholes)", got_c, ref_c, rtol=1e-4, atol=1e-5)
        expect_close("7.2", "h_t (random peepholes)", got_h, ref_h, rtol=1e-4, atol=1e-5)
    return passed("7.2", "Your peephole LSTM step matches keras.layers.LSTMCell with peepholes "
                         "0, and the peephole reference otherwise.")


def _output_preactivation(args: tuple) -> np.ndarray:
    x_t, h_prev, _, kernel, recurrent, bias, _ = (np.asarray(a, np.float64) for a in args)
    units = h_prev.shape[1]
    return (x_t @ kernel + h_prev @ recurrent + bias)[:, 3 * units :]


# --------------------------------------------------------------------------- 7.5 top-p
def top_p_reference(probs: np.ndarray, p: float) -> np.ndarray:
    """Nucleus (top-p) filtering over the last axis: keep the most probable tokens until
    their total reaches ``p`` (the token that crosses ``p`` included), zero the rest,
    renormalise."""
    order = np.argsort(-probs, axis=-1)
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    before = np.cumsum(sorted_probs, axis=-1) - sorted_probs  # mass of the better tokens
    keep_sorted = before < p
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum(axis=-1, keepdims=True)


def check_top_p_filter(top_p_filter: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 7.5 (transfer): ``top_p_filter(probs, p)``, nucleus sampling's filter
    (Holtzman et al., 2020), on 1-D and 2-D distributions, against
    :func:`top_p_reference`."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < 4:
        shape = [(12,), (3, 9), (2, 20), (30,)][len(cases)]
        probs = rng.dirichlet(np.full(shape[-1], 0.6), size=shape[:-1] or None)
        p = [0.9, 0.5, 0.75, 0.3][len(cases)]
        cum = np.cumsum(np.sort(probs, axis=-1)[..., ::-1], axis=-1)
        if np.min(np.abs(cum - p)) > 1e-3:  # no token sits right at the threshold
            cases.append((probs, p))
    for probs, p in cases:
        want = top_p_reference(probs, p)
        got = answer_array("7.5", "the filtered probabilities",
                           _call("7.5", top_p_filter, probs.copy(), p))  # fmt: skip
        expect("7.5", got.shape == probs.shape,
               f"the result should have the shape of probs, {probs.shape}, got {got.shape}")
        expect("7.5", bool(np.allclose(got.sum(axis=-1), 1.0, atol=1e-6)),
               "each filtered distribution must sum to 1 again: divide the kept "
               "probabilities by their total")  # fmt: skip
        kept, wanted = got > 0, want > 0
        if np.array_equal(kept.sum(axis=-1), wanted.sum(axis=-1) - 1):
            raise ExerciseFailure("7.5", f"with p={p} you keep one token too few: keep the "
                                         "token whose probability makes the total reach p "
                                         "(the nucleus is the SMALLEST set with mass >= p)")
        if np.array_equal(kept.sum(axis=-1), wanted.sum(axis=-1)) and not np.array_equal(
                kept, wanted):
            raise ExerciseFailure("7.5", f"with p={p} you keep the right number of tokens, but "
                                         "not the most probable ones: sort in DEcreasing order")
        expect_close("7.5", f"top_p_filter(probs, p={p})", got, want, rtol=1e-6, atol=1e-9)
    peaked = np.array([0.05, 0.8, 0.1, 0.05])
    got = answer_array("7.5", "the filtered probabilities",
                       _call("7.5", top_p_filter, peaked.copy(), 0.5))  # fmt: skip
    expect_close("7.5", "top_p_filter([0.05, 0.8, 0.1, 0.05], p=0.5) (the top token alone "
                        "already has 0.8 >= 0.5)", got, [0.0, 1.0, 0.0, 0.0])
    return passed("7.5", "Your filter keeps exactly the nucleus and renormalises it.")


def _random_cell(cell: Any, x_t: np.ndarray, state: np.ndarray, rng: np.random.Generator):
    cell.build(x_t.shape)
    weights = [rng.normal(scale=0.7, size=w.shape).astype(np.float32) for w in cell.get_weights()]
    cell.set_weights(weights)
    return weights


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-4, atol=1e-5))


def check_gru_step(gru_step: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 7.3: ``gru_step(x_t, h_prev, kernel, recurrent_kernel, bias)``.

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
        got = answer_array("7.3", "h_t", _call("7.3", gru_step, x_t, h_prev, kernel, recurrent,
                                               bias))  # fmt: skip
        _, gates = reference(x_t, h_prev, kernel, recurrent, bias)
        z, cand = gates["update"].astype(np.float64), gates["candidate"].astype(np.float64)
        if _close(got, (1 - z) * h_prev + z * cand):
            raise ExerciseFailure("7.3", "z and 1 - z are swapped: in Keras the update gate z "
                                         "keeps the old state, h_t = z * h_prev + (1 - z) * h~")
        before, _ = reference(x_t, h_prev, kernel, recurrent, bias[0],
                              reset_after=False)  # fmt: skip
        if _close(got, before.astype(np.float64)):
            raise ExerciseFailure("7.3", "that is the reset_after=False GRU: Keras's default "
                                         "applies r after the product, r * (h_prev U_h + "
                                         "recurrent bias), and uses both bias rows")
        no_rec_bias, _ = reference(x_t, h_prev, kernel, recurrent, np.stack([bias[0], 0 * bias[1]]))
        if _close(got, no_rec_bias.astype(np.float64)):
            raise ExerciseFailure("7.3", "bias[1], the recurrent bias, is missing: it is added to "
                                         "h_prev @ recurrent_kernel (all three blocks)")
        expect_close("7.3", f"h_t (batch {batch}, {units} units) against keras.layers.GRUCell",
                     got, want, rtol=1e-4, atol=1e-5)  # fmt: skip
    return passed("7.3", "Your GRU step matches keras.layers.GRUCell (reset_after=True).")


def check_fixed_windows(make_windows: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 7.4 (debug): the fixed ``make_windows(series, window)`` returns
    ``(inputs, targets)``.

    The buggy version took ``targets[k] = series[k + window - 1]``, the last value of its own
    window (a leak). Correct: ``inputs[k] = series[k : k + window]``,
    ``targets[k] = series[k + window]``; compared
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
            raise ExerciseFailure("7.4", "each target is still the last value of its own window "
                                         "(the model is shown the answer): the target must be "
                                         "the NEXT value, series[k + window]")
        expect_close("7.4", "inputs", inputs, want_x)
        expect_close("7.4", "targets", targets, want_y)
    return passed("7.4", "Your windows match keras.utils.timeseries_dataset_from_array.")
