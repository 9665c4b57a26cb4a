"""Each chapter-07 check accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch07 import (
    check_fixed_windows,
    check_gru_step,
    check_peephole_lstm_step,
    check_prediction_7_1,
    check_top_p_filter,
    peephole_lstm_reference,
    top_p_reference,
)


def sig(z):
    return 1 / (1 + np.exp(-z))


def unsolved(*args):
    raise NotImplementedError()


# --------------------------------------------------------------------------- 7.1 (predict)
def test_prediction_accepts_the_right_letter_and_shows_the_run(capsys):
    assert "passed" in check_prediction_7_1(lambda: "c")
    assert "Observed:" in capsys.readouterr().out


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5, 6, 7])
def test_prediction_answer_is_the_same_for_every_seed(seed):
    assert "passed" in check_prediction_7_1(lambda: "c", seed=seed)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [(lambda: "a", "you predicted \\(a\\)"), (lambda: "b", "you predicted \\(b\\)"),
     (lambda: "d", "should return one of"), (lambda: None, "should return one of")],
)
def test_prediction_rejects_wrong_letters(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_7_1(wrong)


def test_prediction_unsolved_says_so_before_revealing_anything(capsys):
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_prediction_7_1(unsolved)
    assert "Observed" not in capsys.readouterr().out


# --------------------------------------------------------------------------- 7.2 (transfer)
def make_peephole(use_peepholes=True, output_reads="new", order=(0, 1, 2)):
    def step(x, h, c, kernel, recurrent, bias, peephole):
        u = h.shape[1]
        p = peephole[list(order)] if use_peepholes else 0 * peephole
        z = x @ kernel + h @ recurrent + bias
        i = sig(z[:, :u] + p[0] * c)
        f = sig(z[:, u : 2 * u] + p[1] * c)
        c_new = f * c + i * np.tanh(z[:, 2 * u : 3 * u])
        o = sig(z[:, 3 * u :] + p[2] * (c_new if output_reads == "new" else c))
        return o * np.tanh(c_new), c_new

    return step


def test_peephole_accepts_a_correct_answer():
    assert "passed" in check_peephole_lstm_step(make_peephole())


def test_peephole_reference_reduces_to_the_keras_lstm_cell():
    import keras

    rng = np.random.default_rng(3)
    x, h, c = (rng.normal(size=s).astype(np.float32) for s in ((2, 3), (2, 4), (2, 4)))
    cell = keras.layers.LSTMCell(4)
    cell.build(x.shape)
    cell.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in cell.get_weights()])
    _, (want_h, want_c) = cell(x, [h, c])
    got_h, got_c = peephole_lstm_reference(x, h, c, *cell.get_weights(), np.zeros((3, 4)))
    np.testing.assert_allclose(got_h, want_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_c, want_c, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (make_peephole(use_peepholes=False), "does not depend on the peephole"),
        (make_peephole(output_reads="old"), "peeks at the old cell state"),
        (make_peephole(order=(1, 0, 2)), "c_t \\(random peepholes\\) is not right"),
        (lambda x, h, c, k, r, b, p: make_peephole()(x, h, c, k, r, b, p)[::-1], "not right"),
        (lambda x, h, c, k, r, b, p: make_peephole()(x, h, c, k, r, b, p)[0], "return a tuple"),
    ],
)
def test_peephole_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_peephole_lstm_step(wrong)


def test_peephole_unsolved_says_so():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_peephole_lstm_step(unsolved)


# --------------------------------------------------------------------------- 7.3 (practice)
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


# --------------------------------------------------------------------------- 7.4 (debug)
def make_windows(series, window):
    inputs = np.lib.stride_tricks.sliding_window_view(series, window)[:-1]
    return inputs, series[window:]


def test_windows_accept_a_correct_answer():
    assert "passed" in check_fixed_windows(make_windows)


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
        check_fixed_windows(wrong)


def test_the_buggy_windows_of_the_notebook_are_rejected():
    def buggy(series, window):
        inputs = np.stack([series[k : k + window] for k in range(len(series) - window)])
        return inputs, series[window - 1 : -1]

    with pytest.raises(ExerciseFailure, match="shown the answer"):
        check_fixed_windows(buggy)


def test_fixed_windows_unsolved_says_so():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_fixed_windows(unsolved)


# --------------------------------------------------------------------------- 7.5 (transfer)
def top_p(probs, p):
    probs = np.asarray(probs, dtype=float)
    out = np.empty_like(probs)
    for row, dist in zip(out.reshape(-1, probs.shape[-1]), probs.reshape(-1, probs.shape[-1]),
                         strict=True):  # fmt: skip
        order = np.argsort(dist)[::-1]
        n = int(np.searchsorted(np.cumsum(dist[order]), p)) + 1
        row[:] = 0.0
        row[order[:n]] = dist[order[:n]] / dist[order[:n]].sum()
    return out


def test_top_p_accepts_correct_answers():
    assert "passed" in check_top_p_filter(top_p)
    assert "passed" in check_top_p_filter(top_p_reference)


def test_top_p_reference_on_a_worked_example():
    got = top_p_reference(np.array([0.1, 0.5, 0.3, 0.1]), 0.7)  # keeps 0.5 and 0.3
    np.testing.assert_allclose(got, [0.0, 0.625, 0.375, 0.0])


def _keep_below(probs, p):  # off by one: drops the token that crosses p
    order = np.argsort(-probs, axis=-1)
    s = np.take_along_axis(probs, order, axis=-1)
    keep = np.zeros(probs.shape, bool)
    np.put_along_axis(keep, order, np.cumsum(s, axis=-1) <= p, axis=-1)
    kept = np.where(keep, probs, 0.0)
    return kept / np.maximum(kept.sum(axis=-1, keepdims=True), 1e-12)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (_keep_below, "one token too few"),
        (lambda probs, p: np.where(top_p_reference(probs, p) > 0, probs, 0.0), "sum to 1"),
        (lambda probs, p: _reverse_rank(probs, p), "not the most probable"),
        (lambda probs, p: probs, "not right"),  # no filtering at all
        (lambda probs, p: top_p_reference(probs, p)[..., :-1], "shape"),
    ],
)
def test_top_p_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_top_p_filter(wrong)


def _reverse_rank(probs, p):
    """Keeps as many tokens as the nucleus has, but the LEAST probable ones."""
    n = (top_p_reference(probs, p) > 0).sum(axis=-1, keepdims=True)
    ranks = np.argsort(np.argsort(probs, axis=-1), axis=-1)  # 0 = least probable
    kept = np.where(ranks < n, probs, 0.0)
    return kept / kept.sum(axis=-1, keepdims=True)


def test_top_p_unsolved_says_so():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_top_p_filter(unsolved)


def test_gru_step_unsolved_says_so():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_gru_step(unsolved)
