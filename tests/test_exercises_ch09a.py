"""Each chapter-09a check accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch09a import (
    check_causal_mask,
    check_scaled_dot_product,
    check_split_heads,
)


# ---------------------------------------------------------------------------9a.1
def attention(q, k, v, mask=None, scale=None, axis=-1, use_mask=True):
    scores = q @ k.T / (np.sqrt(k.shape[-1]) if scale is None else scale)
    if mask is not None and use_mask:
        scores = np.where(mask, scores, -1e9)
    weights = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return weights / weights.sum(axis=axis, keepdims=True) @ v


def test_attention_accepts_correct_answers():
    assert "passed" in check_scaled_dot_product(attention)
    assert "passed" in check_scaled_dot_product(  # -inf instead of -1e9
        lambda q, k, v, m: attention(q, k, v, None if m is None else m) if m is None else
        (lambda s: (np.exp(s - s.max(-1, keepdims=True)) /
                    np.exp(s - s.max(-1, keepdims=True)).sum(-1, keepdims=True)) @ v)(
            np.where(m, q @ k.T / np.sqrt(k.shape[-1]), -np.inf)))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda q, k, v, m: attention(q, k, v, m, scale=1.0), "sqrt"),
        (lambda q, k, v, m: attention(q, k, v, m, scale=k.shape[-1]), "not by d_k"),
        (lambda q, k, v, m: attention(q, k, v, m, axis=0), "over the keys"),
        (lambda q, k, v, m: attention(q, k, v, m, use_mask=False), "mask is ignored"),
        (lambda q, k, v, m: attention(q, k, v, None if m is None else ~m), "causal mask"),
        (lambda q, k, v, m: (q @ k.T) @ v, "not right|sqrt"),
        (lambda q, k, v, m: None, "None"),
    ],
)
def test_attention_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_scaled_dot_product(wrong)


# ---------------------------------------------------------------------------9a.2
def split_heads(x, num_heads):
    b, t, d = x.shape
    return x.reshape(b, t, num_heads, d // num_heads).transpose(0, 2, 1, 3)


def test_split_heads_accepts_a_correct_answer():
    assert "passed" in check_split_heads(split_heads)
    assert "passed" in check_split_heads(
        lambda x, h: np.stack(np.split(x, h, axis=-1), axis=1))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1), "plain reshape"),
        (lambda x, h: x.reshape(x.shape[0], x.shape[1], h, -1), "shape"),
        (lambda x, h: x.reshape(x.shape[0], x.shape[1], -1, h).transpose(0, 3, 1, 2),
         "not right"),  # strided features instead of contiguous slices
        (lambda x, h: None, "None"),
    ],
)
def test_split_heads_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_split_heads(wrong)


# -------------------------------------------------------------------------- 9a.3
def test_causal_mask_accepts_correct_answers():
    assert "passed" in check_causal_mask(lambda n: np.tril(np.ones((n, n), dtype=bool)))
    assert "passed" in check_causal_mask(lambda n: np.arange(n)[None, :] <= np.arange(n)[:, None])
    assert "passed" in check_causal_mask(lambda n: np.tril(np.ones((n, n))))  # 0/1 also fine


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda n: np.triu(np.ones((n, n), dtype=bool)), "transposed"),
        (lambda n: np.tril(np.ones((n, n), dtype=bool), -1), "itself"),
        (lambda n: np.ones((n, n), dtype=bool), "not right"),
        (lambda n: np.tril(np.ones((n, n + 1), dtype=bool)), "shape"),
        (lambda n: None, "None"),
    ],
)
def test_causal_mask_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_causal_mask(wrong)
