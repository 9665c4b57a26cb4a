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
    grade_prediction,
    passed,
)

__all__ = [
    "check_fixed_causal_attention",
    "check_luong_general",
    "check_prediction_9a_4",
    "check_sliding_window_mask",
    "check_split_heads",
]


def _softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _pair(exercise: str, what: str, result: Any) -> tuple[Any, Any]:
    expect(exercise, result is not None, f"{what} returned None; did you forget `return`?")
    expect(exercise, isinstance(result, tuple | list) and len(result) == 2,
           f"{what} should return a pair (context, weights), got {type(result).__name__}")
    return result[0], result[1]


def check_luong_general(luong: Callable[..., Any], seed: int | None = None) -> str:
    """Exercise 9a.1: Luong's multiplicative ("general") attention.

    ``luong(q, keys, values, w)`` with ``q`` ``(T, d)``, ``keys`` ``(S, d)``, ``values``
    ``(S, d_v)`` and ``w`` ``(d, d)`` returns ``(context, weights)``: the scores
    ``e[t, s] = q_t^T W k_s`` (no scaling), ``weights = softmax`` over the keys and
    ``context = weights @ values``. Checked on fresh random inputs against a NumPy
    reference (the same as ``keras.layers.Attention`` on the projected queries ``q W``).
    """
    rng = np.random.default_rng(seed)
    t, s, d, d_v = 4, 7, 6, 3
    q, keys = rng.normal(size=(t, d)), rng.normal(size=(s, d))
    values, w = rng.normal(size=(s, d_v)), rng.normal(size=(d, d)) / np.sqrt(d)
    context, weights = _pair("9a.1", "luong(q, keys, values, w)",
                             call_answer("9a.1", luong, q, keys, values, w))  # fmt: skip
    context = answer_array("9a.1", "context", context)
    weights = answer_array("9a.1", "weights", weights)
    expect_shape("9a.1", "weights (one row per query, one column per key)", weights, (t, s))
    expect_shape("9a.1", "context (one row per query)", context, (t, d_v))
    expected = _softmax(q @ w @ keys.T)
    wrong = {
        "the general score puts W between query and key: e = q_t^T W k_s; without W it is "
        "the plain dot score": _softmax(q @ keys.T),
        "W is transposed: q_t^T W k_s is (q @ w) @ keys.T, not q @ w.T @ keys.T":
            _softmax(q @ w.T @ keys.T),
        "Luong's general score is not divided by sqrt(d): only the transformer's dot "
        "product is scaled": _softmax(q @ w @ keys.T / np.sqrt(d)),
        "the softmax runs over the keys (axis=-1), so each query's weights sum to one":
            _softmax(q @ w @ keys.T, axis=0),
    }  # fmt: skip
    for message, candidate in wrong.items():
        if np.allclose(weights, candidate, atol=1e-6):
            raise ExerciseFailure("9a.1", message)
    expect_close("9a.1", "weights", weights, expected, atol=1e-6)
    expect_close("9a.1", "context (the weighted average of the values)", context,
                 expected @ values, atol=1e-6)  # fmt: skip
    return passed("9a.1", "Your multiplicative attention matches softmax(q W k^T) values, "
                          "which is keras.layers.Attention applied to q W.")  # fmt: skip


def check_split_heads(split_heads: Callable[[Any, int], Any], seed: int | None = None) -> str:
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


def check_sliding_window_mask(sliding: Callable[[int, int], Any],
                              seed: int | None = None) -> str:  # fmt: skip
    """Exercise 9a.3: ``sliding(length, window)``, a causal sliding-window mask.

    Entry ``[t, s]`` is ``True`` when query ``t`` may attend to key ``s``: itself and the
    ``window - 1`` positions before it, ``t - window < s <= t``; never the future. With
    ``window >= length`` it is the ordinary causal mask.
    """
    rng = np.random.default_rng(seed)
    cases = [(6, 3), (5, 1), (4, 9), (int(rng.integers(7, 12)), int(rng.integers(2, 5)))]
    for length, window in cases:
        what = f"sliding({length}, {window})"
        got = answer_array("9a.3", what, call_answer("9a.3", sliding, length, window))
        expect_shape("9a.3", what, got, (length, length))
        got = got.astype(bool)
        offset = np.arange(length)[:, None] - np.arange(length)[None, :]  # t - s
        expected = (offset >= 0) & (offset < window)
        if 1 < window < length and np.array_equal(got, expected.T):
            raise ExerciseFailure("9a.3", f"{what} is transposed: row t is the query, column "
                                          "s the key; the True entries lie on and below the "
                                          "diagonal")  # fmt: skip
        if np.any(got & ~causal_mask(length)):
            raise ExerciseFailure("9a.3", f"{what} lets a query see the future (an entry above "
                                          "the diagonal is True): keys s > t stay hidden")
        if not np.all(np.diag(got)):
            raise ExerciseFailure("9a.3", f"{what}: every position must see itself (keep the "
                                          "diagonal True)")  # fmt: skip
        if window < length and np.array_equal(got, causal_mask(length)):
            raise ExerciseFailure("9a.3", f"{what} is the plain causal mask: the window also "
                                          "hides keys more than window - 1 steps back")
        seen = got.sum(axis=1)
        if window + 1 < length and seen.max() == window + 1:
            raise ExerciseFailure("9a.3", f"{what} lets a query see {window + 1} positions: the "
                                          "window counts the query itself, so it sees itself "
                                          f"and the {window - 1} before it")  # fmt: skip
        expect("9a.3", np.array_equal(got, expected),
               f"{what} is not right: expected True exactly where t - window < s <= t")
    return passed("9a.3", "Your mask lets each position see itself and the window - 1 "
                          "before it, as in the local attention of Longformer and Mistral.")


def check_prediction_9a_4(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 9a.4 (predict): what adding the same vector ``c`` to every key does to the
    weights of scaled dot-product attention.

    Runs the experiment on fresh random queries, keys and a large ``c``: the weights do
    not change (up to rounding), because ``q . (k_s + c) = q . k_s + q . c`` adds the
    same number to all the scores of one query, and a softmax ignores that. Adding ``c``
    to every *query* instead changes them, which the check prints for contrast. The
    answer is the same for every seed.
    """
    call_answer("9a.4", predict)
    rng = np.random.default_rng(seed)
    t, s, d = 5, 7, 8
    q, k, v = rng.normal(size=(t, d)), rng.normal(size=(s, d)), rng.normal(size=(s, 2))
    c = 3.0 * rng.normal(size=d)
    _, base = scaled_dot_product_attention(q, k, v)
    _, keys_moved = scaled_dot_product_attention(q, k + c, v)
    _, queries_moved = scaled_dot_product_attention(q + c, k, v)
    key_change = float(np.abs(keys_moved - base).max())
    query_change = float(np.abs(queries_moved - base).max())
    print(f"{t} queries, {s} keys, d = {d}, |c| = {np.linalg.norm(c):.1f}")
    print(f"  largest change of a weight, c added to every key  : {key_change:.1e}")
    print(f"  largest change of a weight, c added to every query: {query_change:.2f}")
    observed = (f"With c added to every key, no weight moved by more than {key_change:.0e} "
                f"(rounding); with c added to every query instead, a weight moved by "
                f"{query_change:.2f}.")
    return grade_prediction(
        "9a.4", predict,
        options={"a": "the weights do not change at all",
                 "b": "the weights shift towards the keys that point most along c",
                 "c": "the weights get sharper or flatter, depending on the length of c"},
        correct="a", observed=observed,
        why="For one query, q . (k_s + c) = q . k_s + q . c: the same number q . c is added "
            "to the score of every key, and a softmax does not change when all its inputs "
            "move together. So the key projection's bias b^K in multi-head attention has no "
            "effect on the weights; the query's bias does, because c . k_s differs from key "
            "to key.",
    )  # fmt: skip


def check_fixed_causal_attention(fixed: Callable[..., Any], seed: int | None = None) -> str:
    """Exercise 9a.5 (debug): ``fixed(q, k, v)`` is causal self-attention for one sequence.

    Returns ``(output, weights)``: the weights are ``softmax`` of the scaled scores with
    the future *hidden before the softmax*, so each row sums to one; checked on fresh
    random inputs against :func:`course_utils.attention.scaled_dot_product_attention`
    with :func:`course_utils.attention.causal_mask`.
    """
    rng = np.random.default_rng(seed)
    t, d = 6, 8
    q, k, v = (rng.normal(size=(t, d)) for _ in range(3))
    expected_out, expected_w = scaled_dot_product_attention(q, k, v, mask=causal_mask(t))
    out, weights = _pair("9a.5", "fixed_causal_attention(q, k, v)",
                         call_answer("9a.5", fixed, q, k, v))  # fmt: skip
    out = answer_array("9a.5", "the output", out)
    weights = answer_array("9a.5", "the weights", weights)
    expect_shape("9a.5", "the weights", weights, (t, t))
    expect_shape("9a.5", "the output", out, (t, d))
    if np.any(np.abs(np.triu(weights, 1)) > 1e-6):
        raise ExerciseFailure("9a.5", "a query still puts weight on future keys (above the "
                                      "diagonal): hide them")  # fmt: skip
    sums = weights.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-5):
        raise ExerciseFailure("9a.5", f"the weights of each query should sum to 1, they sum to "
                                      f"{np.round(sums, 3).tolist()}: zeroing weights after "
                                      "the softmax leaves the rest too small; hide the future "
                                      "in the scores, before the softmax")  # fmt: skip
    expect_close("9a.5", "the weights", weights, expected_w, atol=1e-6)
    expect_close("9a.5", "the output", out, expected_out, atol=1e-6)
    return passed("9a.5", "The future is hidden before the softmax, so each query's weights "
                          "sum to one over the positions it may see.")  # fmt: skip
