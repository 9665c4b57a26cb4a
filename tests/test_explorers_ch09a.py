"""The chapter 09a attention explorer: correct weights, clear errors, a fast redraw."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from matplotlib.figure import Figure

from course_utils.explorers.ch09a import (
    SCALINGS,
    TOKENS,
    attention_weights,
    draw_attention,
    entropy,
    sentence_vectors,
)
from course_utils.widgets import choice, explorer, slider


@pytest.mark.parametrize(("temperature", "scale"), [(1.0, True), (0.3, True), (2.5, False)])
def test_attention_weights_match_tensorflow(temperature, scale):
    rng = np.random.default_rng()
    q, k = rng.normal(size=(5, 8)), rng.normal(size=(7, 8))
    divisor = (np.sqrt(8) if scale else 1.0) * temperature
    expected = tf.nn.softmax(tf.constant(q @ k.T / divisor), axis=-1).numpy()
    got = attention_weights(q, k, temperature, scale=scale)
    assert got.shape == (5, 7)
    assert np.allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_temperature_limits_give_uniform_and_one_hot_weights():
    rng = np.random.default_rng()
    q, k = rng.normal(size=(4, 6)), rng.normal(size=(5, 6))
    assert np.allclose(attention_weights(q, k, 1e6), 0.2, atol=1e-5)
    cold = attention_weights(q, k, 1e-4)
    assert np.allclose(cold, np.eye(5)[np.argmax(q @ k.T, axis=1)], atol=1e-6)


def test_entropy_known_values():
    assert np.isclose(entropy(np.full(4, 0.25)), np.log(4))
    assert np.isclose(entropy(np.array([1.0, 0.0, 0.0])), 0.0)
    assert np.allclose(entropy(np.array([[0.5, 0.5], [1.0, 0.0]])), [np.log(2), 0.0])


def test_sentence_vectors_are_fixed_and_related_words_attend_to_each_other():
    tokens, q, k = sentence_vectors()
    tokens2, q2, k2 = sentence_vectors()
    assert tokens == TOKENS and q.shape == k.shape == (len(TOKENS), 8)
    assert np.array_equal(q, q2) and np.array_equal(k, k2)
    weights = attention_weights(q, k)
    best = {tokens[i]: tokens[int(np.argmax(row))] for i, row in enumerate(weights)}
    assert best["it"] == "cat" and best["a"] == "mat" and best["was"] == "it"
    assert np.allclose(weights.sum(axis=1), 1.0)


def test_lower_temperature_always_sharpens():
    _, q, k = sentence_vectors()
    warm, cold = attention_weights(q, k, 1.0), attention_weights(q, k, 0.5)
    assert np.all(entropy(cold) < entropy(warm))
    assert np.all(cold.max(axis=1) > warm.max(axis=1))
    # dropping the sqrt(d) is the same as a temperature of 1 / sqrt(d)
    assert np.allclose(attention_weights(q, k, scale=False), attention_weights(q, k, 8 ** -0.5))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: attention_weights(np.ones((2, 3)), np.ones((4, 5))), ValueError, "same depth"),
        (lambda: attention_weights(np.ones(3), np.ones((4, 3))), ValueError, "2-D"),
        (lambda: attention_weights("abc", np.ones((4, 3))), TypeError, "array-like"),
        (lambda: attention_weights(np.ones((2, 3)), np.ones((4, 3)), 0.0), ValueError,
         "positive"),
        (lambda: attention_weights(np.ones((2, 3)), np.ones((4, 3)), "1"), TypeError,
         "temperature must be a number"),
        (lambda: attention_weights(np.ones((2, 3)), np.ones((4, 3)), scale="yes"), TypeError,
         "True or False"),
        (lambda: entropy(np.array([0.5, 0.6])), ValueError, "sum to 1"),
        (lambda: sentence_vectors(-1.0), ValueError, "positive"),
        (lambda: draw_attention(query="dog"), ValueError, "query must be one of"),
        (lambda: draw_attention(scaling="half"), ValueError, "scaling must be one of"),
    ],
)
def test_bad_input_raises_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_draw_returns_a_figure():
    fig = draw_attention("sat", 0.5, SCALINGS[1])
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2


def test_explorer_redraws_quickly():
    e = explorer(draw_attention, title="attention", query=choice(list(TOKENS), "it"),
                 temperature=slider(0.1, 3.0, 1.0), scaling=choice(list(SCALINGS)))  # fmt: skip
    first = e.image.value
    e.controls["temperature"].value = 0.3
    assert e.image.value != first
    assert e.best_redraw_seconds() < 1.0
    second = e.image.value
    e.controls["query"].value = "on"
    assert e.image.value != second
    assert e.best_redraw_seconds() < 1.0
