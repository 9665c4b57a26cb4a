"""Each chapter-09a check accepts a correct answer and rejects plausible wrong ones."""

import keras
import numpy as np
import pytest

from course_utils.attention import causal_mask, scaled_dot_product_attention
from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch09a import (
    check_fixed_causal_attention,
    check_luong_general,
    check_prediction_9a_4,
    check_sliding_window_mask,
    check_split_heads,
)


def unsolved(*args):
    raise NotImplementedError()


def softmax(scores, axis=-1):
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------------------9a.1
def luong(q, keys, values, w, transpose=False, use_w=True, scale=1.0, axis=-1):
    m = (w.T if transpose else w) if use_w else np.eye(len(w))
    weights = softmax(q @ m @ keys.T / scale, axis=axis)
    return weights @ values, weights


def test_luong_reference_is_keras_attention_on_projected_queries():
    rng = np.random.default_rng()
    q, keys = rng.normal(size=(2, 4, 6)), rng.normal(size=(2, 7, 6))
    values, w = rng.normal(size=(2, 7, 3)), rng.normal(size=(6, 6)) / 3
    context, weights = keras.layers.Attention()(
        [(q @ w).astype("float32"), values.astype("float32"), keys.astype("float32")],
        return_attention_scores=True)  # fmt: skip
    ours = [luong(q[i], keys[i], values[i], w) for i in range(2)]
    assert np.allclose(np.stack([o[0] for o in ours]), context, atol=1e-5)
    assert np.allclose(np.stack([o[1] for o in ours]), weights, atol=1e-5)


def test_luong_accepts_correct_answers():
    assert "passed" in check_luong_general(luong)
    assert "passed" in check_luong_general(  # scores as q_t . (W k_s)
        lambda q, k, v, w: (lambda a: (a @ v, a))(softmax(q @ (k @ w.T).T)))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda *a: luong(*a, use_w=False), "without W"),
        (lambda *a: luong(*a, transpose=True), "transposed"),
        (lambda *a: luong(*a, scale=np.sqrt(6)), "not divided by sqrt"),
        (lambda *a: luong(*a, axis=0), "over the keys"),
        (lambda *a: luong(*a)[0], "pair"),
        (lambda *a: (luong(*a)[1], luong(*a)[0]), "shape"),
        (lambda *a: None, "None"),
        (unsolved, "not solved yet"),
    ],
)
def test_luong_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_luong_general(wrong)


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
        (unsolved, "not solved yet"),
    ],
)
def test_split_heads_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_split_heads(wrong)


# -------------------------------------------------------------------------- 9a.3
def sliding(length, window):
    t, s = np.arange(length)[:, None], np.arange(length)[None, :]
    return (s <= t) & (s > t - window)


def test_sliding_window_mask_accepts_correct_answers():
    assert "passed" in check_sliding_window_mask(sliding)
    assert "passed" in check_sliding_window_mask(  # 0/1 from tril and triu
        lambda n, w: np.tril(np.ones((n, n))) * np.triu(np.ones((n, n)), -(w - 1)))


def test_sliding_window_mask_with_a_wide_window_is_the_causal_mask():
    assert np.array_equal(sliding(5, 5), causal_mask(5))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda n, w: sliding(n, w).T, "transposed"),
        (lambda n, w: np.abs(np.subtract.outer(np.arange(n), np.arange(n))) < w, "future"),
        (lambda n, w: causal_mask(n), "plain causal"),
        (lambda n, w: sliding(n, w + 1), "itself and the"),  # window counted without itself
        (lambda n, w: sliding(n, w) & ~np.eye(n, dtype=bool), "see itself"),
        (lambda n, w: sliding(n, w - 1) | np.eye(n, dtype=bool), "not right"),
        (lambda n, w: sliding(n + 1, w), "shape"),
        (lambda n, w: None, "None"),
        (unsolved, "not solved yet"),
    ],
)
def test_sliding_window_mask_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_sliding_window_mask(wrong)


# -------------------------------------------------------------------------- 9a.4
@pytest.mark.parametrize("seed", [0, 1, 2, None])
def test_prediction_accepts_the_right_letter_for_every_seed(seed, capsys):
    assert "passed" in check_prediction_9a_4(lambda: "a", seed=seed)
    assert "largest change of a weight" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda: "b", "you predicted \\(b\\)"),
        (lambda: "c", "you predicted \\(c\\)"),
        (lambda: "unchanged", "should return one of"),
        (lambda: None, "should return one of"),
        (unsolved, "not solved yet"),
    ],
)
def test_prediction_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_9a_4(wrong)


def test_unsolved_prediction_reveals_nothing(capsys):
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_prediction_9a_4(unsolved)
    assert capsys.readouterr().out == ""


# -------------------------------------------------------------------------- 9a.5
def buggy_causal_attention(q, k, v):  # the notebook's buggy cell
    weights = softmax(q @ k.T / np.sqrt(q.shape[-1]))
    weights = weights * causal_mask(len(q))
    return weights @ v, weights


def fixed_causal_attention(q, k, v):
    return scaled_dot_product_attention(q, k, v, mask=causal_mask(len(q), len(k)))


def renormalised(q, k, v):  # zero the future after the softmax, then renormalise: also right
    weights = softmax(q @ k.T / np.sqrt(q.shape[-1])) * causal_mask(len(q))
    weights /= weights.sum(axis=1, keepdims=True)
    return weights @ v, weights


def test_fixed_causal_attention_accepts_correct_answers():
    assert "passed" in check_fixed_causal_attention(fixed_causal_attention)
    assert "passed" in check_fixed_causal_attention(renormalised)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (buggy_causal_attention, "sum to 1"),
        (lambda q, k, v: scaled_dot_product_attention(q, k, v), "future"),
        (lambda q, k, v: scaled_dot_product_attention(q, k, v, mask=causal_mask(len(q)).T),
         "future"),
        (lambda q, k, v: scaled_dot_product_attention(q, k, v, mask=causal_mask(len(q)),
                                                      scale=1.0), "not right"),  # fmt: skip
        (lambda q, k, v: fixed_causal_attention(q, k, v)[0], "pair"),
        (lambda q, k, v: None, "None"),
        (unsolved, "not solved yet"),
    ],
)
def test_fixed_causal_attention_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_fixed_causal_attention(wrong)


def test_prediction_claim_the_key_bias_of_keras_attention_leaves_the_weights_unchanged():
    rng = np.random.default_rng()
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    mha = keras.layers.MultiHeadAttention(2, 4, bias_initializer="random_normal")
    _, before = mha(x, x, return_attention_scores=True)
    weights = mha.get_weights()  # q kernel, q bias, k kernel, k bias, ...
    weights[3] = weights[3] + rng.normal(size=weights[3].shape).astype("float32") * 5
    mha.set_weights(weights)
    _, after = mha(x, x, return_attention_scores=True)
    assert np.allclose(before, after, atol=1e-5)
    weights[1] = weights[1] + 5.0  # the query bias does matter
    mha.set_weights(weights)
    _, moved = mha(x, x, return_attention_scores=True)
    assert not np.allclose(before, moved, atol=1e-3)
