"""course_utils.recurrent agrees with the Keras layers on fresh random inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.recurrent import (
    gru,
    gru_step,
    lstm,
    lstm_step,
    sigmoid,
    simple_rnn,
    simple_rnn_bptt,
    simple_rnn_step,
    softmax_with_temperature,
)

RTOL = 1e-5


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


def random_weights(layer, rng, scale=0.5):
    """Give every weight (biases included) random values, so no term can hide."""
    layer.set_weights([rng.normal(scale=scale, size=w.shape).astype(np.float32)
                       for w in layer.get_weights()])  # fmt: skip
    return layer.get_weights()


def sequence(rng, batch=5, steps=7, features=3):
    return rng.normal(size=(batch, steps, features)).astype(np.float32)


# --------------------------------------------------------------------------- simple RNN


def test_simple_rnn_matches_keras_sequences_and_state():
    rng = np.random.default_rng(0)
    x = sequence(rng)
    h0 = rng.normal(size=(5, 4)).astype(np.float32)
    layer = keras.layers.SimpleRNN(4, return_sequences=True, return_state=True)
    layer(x)
    weights = random_weights(layer, rng)
    seq_keras, h_keras = (np.asarray(t) for t in layer(x, initial_state=h0))
    seq, h_last = simple_rnn(x, *weights, h0=h0, return_sequences=True)
    assert seq.shape == (5, 7, 4) and seq.dtype == np.float32
    assert rel_err(seq, seq_keras) < RTOL and rel_err(h_last, h_keras) < RTOL
    last, _ = simple_rnn(x, *weights, h0=h0)
    assert rel_err(last, seq_keras[:, -1]) < RTOL


def test_simple_rnn_step_is_the_cell():
    rng = np.random.default_rng(1)
    cell = keras.layers.SimpleRNNCell(6)
    x_t = rng.normal(size=(4, 3)).astype(np.float32)
    h_prev = rng.normal(size=(4, 6)).astype(np.float32)
    cell(x_t, [h_prev])
    weights = random_weights(cell, rng)
    out, _ = cell(x_t, [h_prev])
    assert rel_err(simple_rnn_step(x_t, h_prev, *weights), out) < RTOL


def test_simple_rnn_bptt_matches_gradient_tape():
    rng = np.random.default_rng(2)
    x = sequence(rng, batch=3, steps=9, features=2)
    layer = keras.layers.SimpleRNN(5, return_sequences=True)
    layer(x)
    weights = random_weights(layer, rng, scale=0.7)
    upstream = rng.normal(size=(3, 9, 5)).astype(np.float32)
    x_var = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x_var) * upstream)
    grads = tape.gradient(loss, [*layer.trainable_weights, x_var])
    ours = simple_rnn_bptt(x, *weights, upstream)
    for mine, theirs in zip([ours.kernel, ours.recurrent_kernel, ours.bias, ours.inputs],
                            grads, strict=True):  # fmt: skip
        assert rel_err(mine, theirs) < RTOL
    # a loss on the last state only: dL/dh_t shrinks or grows along the way back
    last = rng.normal(size=(3, 5)).astype(np.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x_var)[:, -1] * last)
    g_x = tape.gradient(loss, x_var)
    ours = simple_rnn_bptt(x, *weights, last)
    assert rel_err(ours.inputs, g_x) < RTOL
    np.testing.assert_allclose(ours.states[:, -1], last, rtol=1e-6)


# --------------------------------------------------------------------------- LSTM


def test_lstm_matches_keras_outputs_and_both_states():
    rng = np.random.default_rng(3)
    x = sequence(rng, steps=8)
    h0, c0 = (rng.normal(size=(5, 4)).astype(np.float32) for _ in range(2))
    layer = keras.layers.LSTM(4, return_sequences=True, return_state=True)
    layer(x)
    weights = random_weights(layer, rng)
    seq_keras, h_keras, c_keras = (np.asarray(t) for t in layer(x, initial_state=[h0, c0]))
    seq, h_last, c_last = lstm(x, *weights, h0=h0, c0=c0, return_sequences=True)
    assert rel_err(seq, seq_keras) < RTOL
    assert rel_err(h_last, h_keras) < RTOL and rel_err(c_last, c_keras) < RTOL


def test_lstm_step_gates_are_in_keras_order_i_f_c_o():
    rng = np.random.default_rng(4)
    cell = keras.layers.LSTMCell(3)
    x_t = rng.normal(size=(2, 5)).astype(np.float32)
    h_prev, c_prev = (rng.normal(size=(2, 3)).astype(np.float32) for _ in range(2))
    cell(x_t, [h_prev, c_prev])
    kernel, recurrent, bias = random_weights(cell, rng)
    h_keras, (_, c_keras) = cell(x_t, [h_prev, c_prev])
    h, c, gates = lstm_step(x_t, h_prev, c_prev, kernel, recurrent, bias)
    assert rel_err(h, h_keras) < RTOL and rel_err(c, c_keras) < RTOL
    z = x_t @ kernel + h_prev @ recurrent + bias
    np.testing.assert_allclose(gates["forget"], sigmoid(z[:, 3:6]), rtol=1e-5)
    np.testing.assert_allclose(c, gates["forget"] * c_prev + gates["input"] * gates["candidate"],
                               rtol=1e-5, atol=1e-6)  # fmt: skip


# --------------------------------------------------------------------------- GRU


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_keras(reset_after):
    rng = np.random.default_rng(5 + reset_after)
    x = sequence(rng, steps=6)
    h0 = rng.normal(size=(5, 4)).astype(np.float32)
    layer = keras.layers.GRU(4, reset_after=reset_after, return_sequences=True,
                             return_state=True)  # fmt: skip
    layer(x)
    weights = random_weights(layer, rng)
    assert weights[2].shape == ((2, 12) if reset_after else (12,))
    seq_keras, h_keras = (np.asarray(t) for t in layer(x, initial_state=h0))
    seq, h_last = gru(x, *weights, h0=h0, reset_after=reset_after, return_sequences=True)
    assert rel_err(seq, seq_keras) < RTOL and rel_err(h_last, h_keras) < RTOL


def test_gru_step_is_the_keras_cell():
    rng = np.random.default_rng(7)
    cell = keras.layers.GRUCell(3)
    x_t = rng.normal(size=(4, 2)).astype(np.float32)
    h_prev = rng.normal(size=(4, 3)).astype(np.float32)
    cell(x_t, h_prev)
    weights = random_weights(cell, rng)
    h_keras, _ = cell(x_t, h_prev)
    h, gates = gru_step(x_t, h_prev, *weights)
    assert rel_err(h, h_keras) < RTOL
    assert set(gates) == {"update", "reset", "candidate"}  # no output gate
    np.testing.assert_allclose(h, gates["update"] * h_prev
                               + (1 - gates["update"]) * gates["candidate"], rtol=1e-5,
                               atol=1e-6)  # fmt: skip


def test_gru_reset_after_differs_from_reset_before():
    """The two GRU variants are different functions of the same weights."""
    rng = np.random.default_rng(8)
    x = sequence(rng)
    kernel = rng.normal(size=(3, 12))
    recurrent = rng.normal(size=(4, 12))
    h0 = rng.normal(size=(5, 4))
    after, _ = gru(x, kernel, recurrent, np.zeros((2, 12)), h0=h0)
    before, _ = gru(x, kernel, recurrent, np.zeros(12), h0=h0, reset_after=False)
    assert rel_err(after, before) > 1e-3


# --------------------------------------------------------------------------- sampling


def test_softmax_with_temperature_matches_tf():
    rng = np.random.default_rng(9)
    logits = rng.normal(scale=3, size=(4, 65)).astype(np.float32)
    for temperature in (0.2, 1.0, 1.7):
        want = tf.nn.softmax(logits / temperature).numpy()
        got = softmax_with_temperature(logits, temperature)
        assert rel_err(got, want) < RTOL
    cold = softmax_with_temperature(logits[0], 0.01)
    assert cold.argmax() == logits[0].argmax() and cold.max() > 0.99
    hot = softmax_with_temperature(logits[0], 1e3)
    np.testing.assert_allclose(hot, 1 / 65, rtol=0.05)


# --------------------------------------------------------------------------- bad inputs

W1 = np.zeros((3, 4))
U1 = np.zeros((4, 4))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: simple_rnn(np.zeros((2, 3)), W1, U1), ValueError, "x"),
        (lambda: simple_rnn("abc", W1, U1), TypeError, "x"),
        (lambda: simple_rnn(np.zeros((2, 5, 2)), W1, U1), ValueError, "kernel"),
        (lambda: simple_rnn(np.zeros((2, 5, 3)), W1, np.zeros((4, 5))), ValueError,
         "recurrent_kernel"),
        (lambda: simple_rnn(np.zeros((2, 5, 3)), W1, U1, np.zeros(5)), ValueError, "bias"),
        (lambda: simple_rnn(np.zeros((2, 5, 3)), W1, U1, h0=np.zeros((3, 4))), ValueError, "h0"),
        (lambda: simple_rnn(np.zeros((2, 5, 3)), W1, U1, return_sequences=1), TypeError,
         "return_sequences"),
        (lambda: simple_rnn_step(np.zeros((2, 3)), np.zeros((3, 4)), W1, U1), ValueError,
         "batch"),
        (lambda: simple_rnn_bptt(np.zeros((2, 5, 3)), W1, U1, None, np.zeros((2, 3))),
         ValueError, "grad_output"),
        (lambda: lstm(np.zeros((2, 5, 3)), W1, U1), ValueError, "4 \\* units"),
        (lambda: lstm_step(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 5)),
                           np.zeros((3, 16)), np.zeros((4, 16))), ValueError, "c_prev"),
        (lambda: gru(np.zeros((2, 5, 3)), np.zeros((3, 12)), np.zeros((4, 12)), np.zeros(12)),
         ValueError, "bias"),  # reset_after=True needs (2, 3 * units)
        (lambda: gru(np.zeros((2, 5, 3)), np.zeros((3, 12)), np.zeros((4, 12)),
                     reset_after="yes"), TypeError, "reset_after"),
        (lambda: gru_step(np.zeros((2, 3)), None, np.zeros((3, 12)), np.zeros((4, 12))),
         TypeError, "h_prev"),
        (lambda: softmax_with_temperature(np.zeros(5), 0.0), ValueError, "temperature"),
        (lambda: softmax_with_temperature(np.zeros(5), "hot"), TypeError, "temperature"),
        (lambda: softmax_with_temperature(np.zeros((2, 2, 2)), 1.0), ValueError, "logits"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
