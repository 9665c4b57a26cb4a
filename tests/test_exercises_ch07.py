"""Each chapter-07 check accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch07 import (
    check_gru_step,
    check_rnn_step,
    check_temperature_softmax,
    check_windows,
)


def sig(z):
    return 1 / (1 + np.exp(-z))


# --------------------------------------------------------------------------- 7.1
def rnn_step(x, h, w_x, w_h, b):
    return np.tanh(x @ w_x + h @ w_h + b)


def test_rnn_step_accepts_a_correct_answer():
    assert "passed" in check_rnn_step(rnn_step)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x, h, w_x, w_h, b: np.tanh(x @ w_x + b), "ignores h_prev"),
        (lambda x, h, w_x, w_h, b: np.tanh(x @ w_x + h @ w_h), "bias is missing"),
        (lambda x, h, w_x, w_h, b: np.tanh(x @ w_x) + h @ w_h + b, "inside the tanh"),
        (lambda x, h, w_x, w_h, b: sig(x @ w_x + h @ w_h + b), "not right"),
        (lambda x, h, w_x, w_h, b: np.tanh(x @ w_x + h @ w_h.T + b), "not right"),
        (lambda x, h, w_x, w_h, b: np.tanh(w_x @ x + b), "raised ValueError"),
        (lambda x, h, w_x, w_h, b: None, "returned None"),
    ],
)
def test_rnn_step_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_rnn_step(wrong)


def test_rnn_step_unsolved_says_so():
    def unsolved(*args):
        raise NotImplementedError()

    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_rnn_step(unsolved)


# --------------------------------------------------------------------------- 7.2
def make_gru(swap=False, reset_after=True, recurrent_bias=True, order=(0, 1, 2)):
    def gru_step(x, h, kernel, recurrent, bias):
        u = h.shape[1]
        blocks = [slice(k * u, (k + 1) * u) for k in order]
        xb = x @ kernel + bias[0]
        rb = bias[1] if recurrent_bias else 0 * bias[1]
        hb = h @ recurrent + rb
        z = sig(xb[:, blocks[0]] + hb[:, blocks[0]])
        r = sig(xb[:, blocks[1]] + hb[:, blocks[1]])
        if reset_after:
            cand = np.tanh(xb[:, blocks[2]] + r * hb[:, blocks[2]])
        else:
            cand = np.tanh(xb[:, blocks[2]] + (r * h) @ recurrent[:, blocks[2]])
        return (1 - z) * h + z * cand if swap else z * h + (1 - z) * cand

    return gru_step


def test_gru_step_accepts_a_correct_answer():
    assert "passed" in check_gru_step(make_gru())


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (make_gru(swap=True), "swapped"),
        (make_gru(reset_after=False, recurrent_bias=False), "reset_after=False"),
        (make_gru(recurrent_bias=False), "recurrent bias, is missing"),
        (make_gru(order=(1, 0, 2)), "not right"),  # reset and update blocks mixed up
        (make_gru(order=(0, 2, 1)), "not right"),
        (lambda x, h, k, r, b: np.tanh(x @ k[:, : h.shape[1]] + h @ r[:, : h.shape[1]]),
         "not right"),  # a plain RNN step
    ],
)
def test_gru_step_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_gru_step(wrong)


# --------------------------------------------------------------------------- 7.3
def temperature_softmax(logits, t):
    z = np.asarray(logits) / t
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_temperature_softmax_accepts_a_correct_answer():
    assert "passed" in check_temperature_softmax(temperature_softmax)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda z, t: temperature_softmax(z * t * t, t), "do not multiply"),
        (lambda z, t: np.exp(z / t) / np.exp(z / t).sum(axis=-1, keepdims=True), "inf or nan"),
        (lambda z, t: temperature_softmax(z, 1.0), "not right"),  # ignores the temperature
        (lambda z, t: np.exp(z / t) / np.exp(z / t).sum(), "sum to 1"),  # normalised over all
        (lambda z, t: np.exp(z / t), "sum to 1"),
        (lambda z, t: temperature_softmax(z, t)[..., :-1], "shape"),
    ],
)
def test_temperature_softmax_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_temperature_softmax(wrong)


# --------------------------------------------------------------------------- 7.4
def make_windows(series, window):
    inputs = np.lib.stride_tricks.sliding_window_view(series, window)[:-1]
    return inputs, series[window:]


def test_windows_accept_a_correct_answer():
    assert "passed" in check_windows(make_windows)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda s, w: (np.lib.stride_tricks.sliding_window_view(s, w)[:-1], s[w - 1 : -1]),
         "NEXT value"),
        (lambda s, w: (np.lib.stride_tricks.sliding_window_view(s, w), s[w - 1 :]),
         "inputs should have shape"),  # one window too many
        (lambda s, w: (np.lib.stride_tricks.sliding_window_view(s, w)[1:], s[w:]), "inputs"),
        (lambda s, w: (np.lib.stride_tricks.sliding_window_view(s, w)[:-1], s[w:][::-1]),
         "targets"),
        (lambda s, w: [s, s], "should return a tuple"),
    ],
)
def test_windows_reject_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_windows(wrong)
