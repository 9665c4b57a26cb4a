"""The chapter 01 neuron explorer: correct numbers, clear errors, a fast redraw."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils.explorers.ch01 import (
    count_correct,
    decision_line,
    draw_neuron,
    logic_dataset,
    neuron_grid,
    neuron_predict,
)
from course_utils.widgets import choice, explorer, slider


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_neuron_grid_matches_a_keras_dense_layer(activation):
    rng = np.random.default_rng()
    w1, w2, b = (float(v) for v in rng.normal(size=3))
    g1, g2, out = neuron_grid(w1, w2, b, activation, low=-2.0, high=1.0, resolution=7)
    assert g1.shape == g2.shape == out.shape == (7, 7)
    assert np.allclose(g1[0], np.linspace(-2, 1, 7)) and np.allclose(g2[:, 0], g1[0])
    dense = keras.layers.Dense(1, activation=activation)
    dense.build((None, 2))
    dense.set_weights([np.array([[w1], [w2]], "float32"), np.array([b], "float32")])
    points = np.c_[g1.ravel(), g2.ravel()].astype("float32")
    expected = np.asarray(dense(points))[:, 0].reshape(7, 7)
    assert np.allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_neuron_grid_step_is_one_on_the_boundary_side_of_w():
    g1, g2, out = neuron_grid(1.0, 0.0, -0.5, "step", low=0.0, high=1.0, resolution=5)
    assert np.array_equal(out, (g1 >= 0.5).astype(float))


def test_logic_datasets_are_the_truth_tables():
    for name, gate in [("AND", np.logical_and), ("OR", np.logical_or), ("XOR", np.logical_xor)]:
        x, y = logic_dataset(name)
        assert x.shape == (4, 2)
        assert np.array_equal(y, gate(x[:, 0], x[:, 1]).astype(int))


def test_neuron_predict_and_count_correct():
    x, _ = logic_dataset("AND")
    assert np.array_equal(neuron_predict(x, 1, 1, -1.5), [0, 0, 0, 1])
    assert np.array_equal(neuron_predict(x, 1, 1, -0.5), [0, 1, 1, 1])
    assert count_correct(1.0, 1.0, -1.5, "AND") == 4
    assert count_correct(1.0, 1.0, -0.5, "OR") == 4
    assert count_correct(1.0, 1.0, -0.5, "AND") == 2  # OR's line: (0, 1), (1, 0) wrong
    assert count_correct(0.0, 0.0, -1.0, "OR") == 1  # everything class 0
    assert count_correct(0.0, 0.0, 0.0, "XOR") == 2  # z = 0 >= 0: everything class 1


def test_no_weights_on_a_grid_get_xor_right():
    values = np.linspace(-3, 3, 13)
    best = max(count_correct(w1, w2, b, "XOR")
               for w1, w2, b in itertools.product(values, values, values))  # fmt: skip
    assert best == 3


@pytest.mark.parametrize(("w1", "w2", "b"), [(1.0, 2.0, -0.5), (3.0, -0.2, 0.4), (0.0, 1.0, 1.0)])
def test_decision_line_lies_on_z_equals_zero(w1, w2, b):
    line = decision_line(w1, w2, b)
    assert line.shape == (2, 2)
    assert np.allclose(line @ np.array([w1, w2]) + b, 0.0)
    assert not np.allclose(line[0], line[1])
    assert decision_line(0.0, 0.0, 1.0) is None


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: neuron_grid(1, 1, 0, "softsign"), ValueError, "activation must be one of"),
        (lambda: neuron_grid("1", 1, 0), TypeError, "w1 must be a number"),
        (lambda: neuron_grid(1, 1, float("nan")), ValueError, "b must be finite"),
        (lambda: neuron_grid(1, 1, 0, low=1.0, high=0.0), ValueError, "low < high"),
        (lambda: neuron_grid(1, 1, 0, resolution=1), ValueError, "resolution must be >= 2"),
        (lambda: logic_dataset("NOR"), ValueError, "dataset must be one of"),
        (lambda: neuron_predict(np.zeros((4, 3)), 1, 1, 0), ValueError, r"shape \(any, 2\)"),
        (lambda: neuron_predict("points", 1, 1, 0), TypeError, "x must be an array-like"),
        (lambda: count_correct(1, None, 0, "AND"), TypeError, "w2 must be a number"),
        (lambda: draw_neuron(activation="swish"), ValueError, "activation must be one of"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_draw_neuron_returns_a_figure_with_the_score_in_the_title():
    fig = draw_neuron(1.0, 1.0, -1.5, "step", "AND")
    assert isinstance(fig, Figure)
    assert "AND: 4 of 4 right" in fig.axes[0].get_title()
    fig = draw_neuron(1.0, 1.0, -1.5, "tanh", "XOR")
    assert "XOR: 1 of 4 right" in fig.axes[0].get_title()
    assert isinstance(draw_neuron(0.0, 0.0, 0.5, "relu", "OR"), Figure)  # no boundary line


def test_the_explorer_redraws_quickly():
    e = explorer(draw_neuron, title="one neuron", w1=slider(-3.0, 3.0, 1.0),
                 w2=slider(-3.0, 3.0, 1.0), b=slider(-3.0, 3.0, -1.5),
                 activation=choice(["step", "sigmoid", "tanh", "relu"], "sigmoid"),
                 dataset=choice(["AND", "OR", "XOR"]))  # fmt: skip
    before = e.image.value
    e.controls["b"].value = -0.5
    assert e.image.value != before
    assert e.best_redraw_seconds() < 1.0
    after_b = e.image.value
    e.controls["activation"].value = "tanh"
    assert e.image.value != after_b
    assert e.best_redraw_seconds() < 1.0
