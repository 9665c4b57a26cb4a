"""Exercise checks for chapter 09a, Attention."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.attention import causal_mask, scaled_dot_product_attention
from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_shape,
    passed,
)

__all__ = ["check_causal_mask", "check_scaled_dot_product", "check_split_heads"]


def check_scaled_dot_product(attention: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 9a.1: ``attention(q, k, v, mask)`` returns ``softmax(q k^T / sqrt(d_k)) v``.

    ``q`` is ``(T, d_k)``, ``k`` is ``(S, d_k)``, ``v`` is ``(S, d_v)``; ``mask`` is
    ``None`` or a ``(T, S)`` boolean array, ``True`` where a query may attend. Checked
    against :func:`course_utils.attention.scaled_dot_product_attention`, without a mask
    and with a causal mask.
    """
    rng = np.random.default_rng(seed)
    t, s, d_k, d_v = 5, 5, 16, 3
    q = rng.normal(size=(t, d_k)) * 1.5
    k = rng.normal(size=(s, d_k)) * 1.5
    v = rng.normal(size=(s, d_v))
    expected, _ = scaled_dot_product_attention(q, k, v)
    got = answer_array("9a.1", "attention(q, k, v, None)", call_answer("9a.1", attention, q, k, v,
                                                                 None))  # fmt: skip
    expect_shape("9a.1", "the output (one row per query, d_v columns)", got, (t, d_v))
    unscaled, _ = scaled_dot_product_attention(q, k, v, scale=1.0)
    if np.allclose(got, unscaled, atol=1e-6):
        raise ExerciseFailure("9a.1", "divide the scores q k^T by sqrt(d_k) before the softmax")
    over_d, _ = scaled_dot_product_attention(q, k, v, scale=1.0 / d_k)
    if np.allclose(got, over_d, atol=1e-6):
        raise ExerciseFailure("9a.1", "the scores are divided by sqrt(d_k), not by d_k")
    wrong_axis = np.exp(q @ k.T / 4.0)
    wrong_axis = (wrong_axis / wrong_axis.sum(axis=0, keepdims=True)) @ v
    if np.allclose(got, wrong_axis, atol=1e-6):
        raise ExerciseFailure("9a.1", "the softmax runs over the keys (axis=-1): each query's "
                                     "weights sum to one")  # fmt: skip
    expect_close("9a.1", "the output without a mask", got, expected, rtol=1e-5, atol=1e-6)
    mask = causal_mask(t)
    expected_masked, _ = scaled_dot_product_attention(q, k, v, mask=mask)
    got_masked = answer_array("9a.1", "attention(q, k, v, mask)",
                         call_answer("9a.1", attention, q, k, v, mask))  # fmt: skip
    if np.allclose(got_masked, expected, atol=1e-6):
        raise ExerciseFailure("9a.1", "the mask is ignored: give masked positions (mask False) "
                                     "a score of -1e9 (or -inf) before the softmax")  # fmt: skip
    expect_close("9a.1", "the output with a causal mask", got_masked, expected_masked,
                 rtol=1e-5, atol=1e-6)  # fmt: skip
    return passed("9a.1", "Your attention matches softmax(q k^T / sqrt(d_k)) v, with and without "
                         "a mask.")  # fmt: skip


def check_split_heads(split_heads: Callable[[Any, int], Any], seed: int = 0) -> str:
    """Exercise 9a.2: ``split_heads(x, num_heads)``: ``(B, T, d)`` -> ``(B, h, T, d / h)``.

    Head ``i`` gets the features ``i * d/h`` to ``(i + 1) * d/h - 1`` of every position.
    """
    rng = np.random.default_rng(seed)
    b, t, d, h = 2, 5, 12, 3
    x = rng.normal(size=(b, t, d))
    expected = x.reshape(b, t, h, d // h).transpose(0, 2, 1, 3)
    got = answer_array("9a.2", "split_heads(x, 3)", call_answer("9a.2", split_heads, x, h))
    expect_shape("9a.2", "split_heads(x, 3) for x of shape (2, 5, 12)", got, expected.shape)
    if np.allclose(got, x.reshape(b, h, t, d // h)):
        raise ExerciseFailure("9a.2", "a plain reshape to (B, h, T, d/h) mixes positions into "
                                     "heads: reshape to (B, T, h, d/h) first, then move the "
                                     "head axis with a transpose")  # fmt: skip
    expect_close("9a.2", "split_heads(x, 3)", got, expected)
    return passed("9a.2", "Each head sees its own slice of the features at every position.")


def check_causal_mask(causal: Callable[[int], Any], seed: int = 0) -> str:
    """Exercise 9a.3: ``causal(length)``, the ``(length, length)`` causal mask.

    Entry ``[t, s]`` is ``True`` where query ``t`` may attend to key ``s``, that is for
    ``s <= t`` (itself and the past), ``False`` for the future.
    """
    del seed  # deterministic
    for length in (1, 4, 7):
        got = answer_array("9a.3", f"causal({length})", call_answer("9a.3", causal, length))
        expect_shape("9a.3", f"causal({length})", got, (length, length))
        expected = causal_mask(length)
        got = got.astype(bool)
        if length > 1 and np.array_equal(got, expected.T):
            raise ExerciseFailure("9a.3", "the mask is transposed: row t (the query) may see "
                                          "columns s <= t, so the True entries are on and "
                                          "below the diagonal")  # fmt: skip
        if np.array_equal(got, np.tril(np.ones((length, length), bool), -1)):
            raise ExerciseFailure("9a.3", "each position must be allowed to attend to itself: "
                                          "keep the diagonal True")  # fmt: skip
        expect("9a.3", np.array_equal(got, expected),
               f"causal({length}) is not right: expected True exactly where s <= t")
    return passed("9a.3", "Your mask lets every position see itself and the past, never the "
                          "future.")  # fmt: skip
