"""The chapter-07 explorer: exact Jacobians of the Keras cells, and a fast redraw."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils.explorers.ch07 import (
    CELLS,
    draw_gradient_flow,
    gradient_norms,
    random_cell_weights,
    step_jacobians,
)


def keras_jacobians_of_last_state(cell_name, x, weights):
    """dh_T/dh_t for every t, by tf.GradientTape through the Keras cell itself (for the
    LSTM the gradient with respect to the intermediate tensor h_t holds c_t fixed)."""
    import keras
    import tensorflow as tf

    cls = {"SimpleRNN": keras.layers.SimpleRNNCell, "LSTM": keras.layers.LSTMCell,
           "GRU": keras.layers.GRUCell}[cell_name]  # fmt: skip
    units = weights[1].shape[0]
    cell = cls(units, dtype="float64")
    cell.build(x.shape[::2])
    cell.set_weights(weights)
    with tf.GradientTape(persistent=True) as tape:
        state = [tf.zeros((x.shape[0], units), tf.float64)]
        if cell_name == "LSTM":
            state.append(tf.zeros((x.shape[0], units), tf.float64))
        hs = []
        for t in range(x.shape[1]):
            h, state = cell(tf.constant(x[:, t]), state)
            state = list(state) if isinstance(state, (list, tuple)) else [state]
            hs.append(state[0])
    return [tape.batch_jacobian(hs[-1], h_t).numpy() for h_t in hs]


@pytest.mark.parametrize("cell", CELLS)
def test_gradient_norms_match_tf_gradient_tape_through_the_keras_cells(cell):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 7, 2))
    weights = list(random_cell_weights(cell, units=4, features=2, recurrent_scale=1.3, seed=2))
    # non-zero biases so that no term of the Jacobian hides behind a zero
    weights[2] = rng.normal(scale=0.5, size=weights[2].shape)
    jac = keras_jacobians_of_last_state(cell, x, weights)
    want = np.array([np.mean(np.linalg.norm(j, axis=(1, 2))) / 2 for j in jac])
    got = gradient_norms(cell, x, *weights)
    np.testing.assert_allclose(got, want, rtol=1e-8)
    assert got[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("cell", CELLS)
def test_step_jacobians_match_finite_differences_of_the_whole_state(cell):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1, 2, 3))
    kernel, recurrent, bias = random_cell_weights(cell, units=3, features=3, seed=4)
    bias = rng.normal(scale=0.5, size=bias.shape)
    jac = step_jacobians(cell, x, kernel, recurrent, bias)[1, 0]
    size = jac.shape[0]
    assert size == (6 if cell == "LSTM" else 3)

    def second_state(s1):  # the state after step 2 as a function of the state after step 1
        import keras

        cls = {"SimpleRNN": keras.layers.SimpleRNNCell, "LSTM": keras.layers.LSTMCell,
               "GRU": keras.layers.GRUCell}[cell]  # fmt: skip
        c = cls(3, dtype="float64")
        c.build((1, 3))
        c.set_weights([kernel, recurrent, bias])
        state = [s1[None, :3], s1[None, 3:]] if cell == "LSTM" else [s1[None]]
        _, new = c(x[:, 1], state)
        new = list(new) if isinstance(new, (list, tuple)) else [new]
        return np.concatenate([np.asarray(s)[0] for s in new])

    s1 = step_state_after_first_step(cell, x, kernel, recurrent, bias)  # where jac is taken
    eps = 1e-6
    numeric = np.stack([(second_state(s1 + eps * e) - second_state(s1 - eps * e)) / (2 * eps)
                        for e in np.eye(size)], axis=1)  # fmt: skip
    np.testing.assert_allclose(jac, numeric, rtol=1e-5, atol=1e-7)


def step_state_after_first_step(cell, x, kernel, recurrent, bias):
    import keras

    cls = {"SimpleRNN": keras.layers.SimpleRNNCell, "LSTM": keras.layers.LSTMCell,
           "GRU": keras.layers.GRUCell}[cell]  # fmt: skip
    units = recurrent.shape[0]
    c = cls(units, dtype="float64")
    c.build((1, x.shape[2]))
    c.set_weights([kernel, recurrent, bias])
    zero = np.zeros((1, units))
    _, new = c(x[:, 0], [zero, zero] if cell == "LSTM" else [zero])
    new = list(new) if isinstance(new, (list, tuple)) else [new]
    return np.concatenate([np.asarray(s)[0] for s in new])


def test_random_weights_have_keras_shapes_and_scaled_orthogonal_blocks():
    for cell, k in (("SimpleRNN", 1), ("LSTM", 4), ("GRU", 3)):
        kernel, recurrent, bias = random_cell_weights(cell, units=5, features=3,
                                                      recurrent_scale=0.5)  # fmt: skip
        assert kernel.shape == (3, k * 5) and recurrent.shape == (5, k * 5)
        block = recurrent[:, :5]
        np.testing.assert_allclose(block.T @ block, 0.25 * np.eye(5), atol=1e-12)
        assert bias.shape == ((2, 15) if cell == "GRU" else (k * 5,))
    assert np.all(random_cell_weights("LSTM", units=5)[2][5:10] == 1.0)  # unit forget bias


def test_known_values_of_the_simple_rnn():
    # a one-unit linear regime: x = 0, zero state, h stays 0, so dh_T/dh_t = w^(T - t)
    x = np.zeros((1, 6, 1))
    norms = gradient_norms("SimpleRNN", x, np.zeros((1, 1)), np.array([[0.5]]), np.zeros(1))
    np.testing.assert_allclose(norms, 0.5 ** np.arange(5, -1, -1))


def test_a_simple_rnn_vanishes_faster_than_an_lstm_with_its_forget_bias():
    x = np.random.default_rng(0).normal(size=(4, 60, 4))
    rnn = gradient_norms("SimpleRNN", x, *random_cell_weights("SimpleRNN"))
    lstm = gradient_norms("LSTM", x, *random_cell_weights("LSTM"))
    assert rnn[0] < 1e-6 and lstm[0] > 100 * rnn[0]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: random_cell_weights("RNN"), ValueError, "cell must be one of"),
        (lambda: random_cell_weights("LSTM", recurrent_scale=0), ValueError, "> 0"),
        (lambda: random_cell_weights("LSTM", recurrent_scale="1"), TypeError, "a number"),
        (lambda: random_cell_weights("GRU", units=2.5), TypeError, "units must be an int"),
        (lambda: gradient_norms("GRU", np.zeros((2, 3)), *random_cell_weights("GRU", features=3)),
         ValueError, "x must be 3-D"),
        (lambda: gradient_norms("GRU", np.zeros((2, 3, 4)), *random_cell_weights("LSTM")),
         ValueError, "recurrent_kernel must have shape"),
        (lambda: gradient_norms("LSTM", np.zeros((2, 3, 5)), *random_cell_weights("LSTM")),
         ValueError, "kernel must have shape"),
        (lambda: draw_gradient_flow(length=1), ValueError, "length must be >= 2"),
        (lambda: draw_gradient_flow(cells="LSTM, RNN"), ValueError, "cell must be one of"),
        (lambda: draw_gradient_flow(cells=["LSTM"]), TypeError, "cells must be a string"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_draw_returns_a_figure():
    fig = draw_gradient_flow(length=20, recurrent_scale=1.5, cells="LSTM, GRU")
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].lines) == 3  # two cells and the reference line at 1


def test_explorer_redraws_fast():
    from course_utils.widgets import choice, explorer, slider

    e = explorer(draw_gradient_flow, length=slider(5, 100, 50),
                 recurrent_scale=slider(0.25, 3.0, 1.0),
                 cells=choice(["SimpleRNN, LSTM, GRU", "SimpleRNN", "LSTM", "GRU"]))  # fmt: skip
    before = e.image.value
    e.controls["length"].value = 100
    assert e.image.value != before
    assert e.best_redraw_seconds() < 1.0
    before = e.image.value
    e.controls["recurrent_scale"].value = 2.0
    assert e.image.value != before
    assert e.best_redraw_seconds() < 1.0
