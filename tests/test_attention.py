"""course_utils.attention agrees with Keras on fresh random inputs."""

import keras
import numpy as np
import pytest

from course_utils.attention import (
    additive_attention,
    causal_mask,
    masked_softmax,
    multi_head_attention,
    padding_mask,
    positional_encoding,
    scaled_dot_product_attention,
)

RTOL = 1e-5


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


def random_padding(rng, batch, length):
    """Token ids with a random number (>= 1) of real tokens per row, then zeros."""
    tokens = rng.integers(1, 50, size=(batch, length))
    for row, n in zip(tokens, rng.integers(1, length + 1, size=batch), strict=True):
        row[n:] = 0
    tokens[0, -1] = 0  # at least one padded position
    return tokens


# --------------------------------------------------------------------------- softmax and masks


def test_masked_softmax_matches_keras_softmax_layer():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(3, 5, 7)).astype(np.float32) * 3
    mask = rng.uniform(size=(3, 5, 7)) < 0.7
    mask[..., 0] = True  # every row keeps at least one position
    expected = np.asarray(keras.layers.Softmax()(scores, mask=mask))
    got = masked_softmax(scores, mask)
    assert got.dtype == np.float32
    assert rel_err(got, expected) < RTOL
    assert np.all(got[~mask & mask.any(-1, keepdims=True)] < 1e-12)
    np.testing.assert_allclose(got.sum(-1), 1.0, rtol=1e-6)


def test_causal_and_padding_masks():
    np.testing.assert_array_equal(causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    assert causal_mask(2, 4).shape == (2, 4)
    mask = padding_mask(np.array([[5, 3, 0, 0], [1, 0, 0, 0]]))
    assert mask.shape == (2, 1, 4)
    np.testing.assert_array_equal(mask[:, 0], [[1, 1, 0, 0], [1, 0, 0, 0]])


# --------------------------------------------------------------------------- scaled dot product


@pytest.mark.parametrize("use_mask", [False, True])
def test_scaled_dot_product_matches_keras_ops(use_mask):
    rng = np.random.default_rng(1 + use_mask)
    b, t, s, h, d, dv = 2, 5, 7, 3, 8, 8
    q = rng.normal(size=(b, t, h, d)).astype(np.float32)
    k = rng.normal(size=(b, s, h, d)).astype(np.float32) * 2
    v = rng.normal(size=(b, s, h, dv)).astype(np.float32)
    mask = rng.uniform(size=(b, 1, t, s)) < 0.7 if use_mask else None
    if mask is not None:
        mask[..., 0] = True
    expected = np.asarray(keras.ops.dot_product_attention(q, k, v, mask=mask))
    # keras.ops uses (B, T, heads, d); the scratch function wants (..., T, d)
    qs, ks, vs = (np.swapaxes(a, 1, 2) for a in (q, k, v))
    got, weights = scaled_dot_product_attention(qs, ks, vs, mask=mask)
    assert rel_err(np.swapaxes(got, 1, 2), expected) < RTOL
    assert weights.shape == (b, h, t, s)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-6)


def test_scaled_dot_product_causal_matches_keras_and_sees_no_future():
    rng = np.random.default_rng(3)
    q, k, v = (rng.normal(size=(2, 6, 1, 4)).astype(np.float32) for _ in range(3))
    expected = np.asarray(keras.ops.dot_product_attention(q, k, v, is_causal=True))
    got, weights = scaled_dot_product_attention(q[:, :, 0], k[:, :, 0], v[:, :, 0],
                                                mask=causal_mask(6))  # fmt: skip
    assert rel_err(got, expected[:, :, 0]) < RTOL
    assert np.all(np.triu(weights[0], 1) < 1e-12)


def test_scaled_dot_product_scale_is_one_over_sqrt_dk():
    rng = np.random.default_rng(4)
    q, k, v = (rng.normal(size=(4, 16)) for _ in range(3))
    _, weights = scaled_dot_product_attention(q, k, v)
    scores = q @ k.T / 4.0
    expected = np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)
    np.testing.assert_allclose(weights, expected, rtol=1e-10)
    _, unscaled = scaled_dot_product_attention(q, k, v, scale=1.0)
    assert not np.allclose(unscaled, weights)


# --------------------------------------------------------------------------- multi-head


@pytest.mark.parametrize(
    ("heads", "key_dim", "value_dim", "output_shape", "cross"),
    [(2, 4, None, None, False), (4, 3, 5, None, True), (3, 8, None, 6, True)],
)
def test_multi_head_attention_matches_keras(heads, key_dim, value_dim, output_shape, cross):
    rng = np.random.default_rng(heads * 10 + key_dim)
    b, t, s, d_model = 3, 5, 6 if cross else 5, 12
    query = rng.normal(size=(b, t, d_model)).astype(np.float32)
    value = rng.normal(size=(b, s, 10 if cross else d_model)).astype(np.float32)
    layer = keras.layers.MultiHeadAttention(heads, key_dim, value_dim=value_dim,
                                            output_shape=output_shape,
                                            bias_initializer="random_normal")  # fmt: skip
    tokens = random_padding(rng, b, s)
    mask = np.broadcast_to(padding_mask(tokens), (b, t, s))
    out, scores = layer(query, value, attention_mask=mask, return_attention_scores=True)
    got, weights = multi_head_attention(query, value, layer.get_weights(), mask=mask)
    assert got.shape == tuple(out.shape)
    assert rel_err(got, out) < RTOL
    assert rel_err(weights, scores) < RTOL
    assert np.all(weights[np.broadcast_to(~mask[:, None], weights.shape)] < 1e-12)


def test_multi_head_attention_causal_self_attention_matches_keras():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 7, 8)).astype(np.float32)
    layer = keras.layers.MultiHeadAttention(2, 4, bias_initializer="random_normal")
    out, scores = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    got, weights = multi_head_attention(x, x, layer.get_weights(), mask=causal_mask(7))
    assert rel_err(got, out) < RTOL and rel_err(weights, scores) < RTOL
    # without the mask the answer differs: the test would catch a missing mask
    unmasked, _ = multi_head_attention(x, x, layer.get_weights())
    assert rel_err(unmasked, out) > 1e-2


def test_multi_head_attention_with_a_separate_key():
    rng = np.random.default_rng(8)
    q, k, v = (rng.normal(size=(2, n, 6)).astype(np.float32) for n in (3, 5, 5))
    layer = keras.layers.MultiHeadAttention(3, 2, bias_initializer="random_normal")
    out = layer(q, v, key=k)
    got, _ = multi_head_attention(q, v, layer.get_weights(), key=k)
    assert rel_err(got, out) < RTOL


# --------------------------------------------------------------------------- additive


@pytest.mark.parametrize("with_key", [False, True])
def test_additive_attention_matches_keras(with_key):
    rng = np.random.default_rng(9 + with_key)
    b, t, s, d = 3, 4, 6, 5
    q = rng.normal(size=(b, t, d)).astype(np.float32)
    v = rng.normal(size=(b, s, d)).astype(np.float32)
    k = rng.normal(size=(b, s, d)).astype(np.float32) if with_key else None
    value_mask = padding_mask(random_padding(rng, b, s))[:, 0]
    layer = keras.layers.AdditiveAttention()
    inputs = [q, v] if k is None else [q, v, k]
    out, scores = layer(inputs, mask=[None, value_mask], return_attention_scores=True)
    scale = layer.get_weights()[0]
    got, weights = additive_attention(q, v, key=k, scale=scale, mask=value_mask)
    assert rel_err(got, out) < RTOL
    assert rel_err(weights, scores) < RTOL


def test_additive_attention_without_scale_matches_use_scale_false():
    rng = np.random.default_rng(11)
    q, v = rng.normal(size=(2, 3, 4)).astype(np.float32), rng.normal(size=(2, 5, 4)).astype(
        np.float32)  # fmt: skip
    out = keras.layers.AdditiveAttention(use_scale=False)([q, v])
    assert rel_err(additive_attention(q, v)[0], out) < RTOL


# --------------------------------------------------------------------------- positions


def test_positional_encoding_values():
    pe = positional_encoding(50, 16)
    assert pe.shape == (50, 16) and pe.dtype == np.float32
    for p in (0, 1, 7, 49):
        for i in range(8):
            angle = p / 10_000 ** (2 * i / 16)
            assert abs(pe[p, 2 * i] - np.sin(angle)) < 1e-6
            assert abs(pe[p, 2 * i + 1] - np.cos(angle)) < 1e-6


def test_positional_encoding_shift_is_a_rotation():
    """PE(p + k) is a fixed linear map of PE(p): relative positions are easy to read."""
    depth, k = 8, 3
    pe = positional_encoding(40, depth).astype(np.float64)
    freqs = 1.0 / 10_000 ** (np.arange(0, depth, 2) / depth)
    shifted = np.empty_like(pe[:-k])
    for i, w in enumerate(freqs):
        c, s = np.cos(w * k), np.sin(w * k)
        sin_p, cos_p = pe[:-k, 2 * i], pe[:-k, 2 * i + 1]
        shifted[:, 2 * i] = sin_p * c + cos_p * s
        shifted[:, 2 * i + 1] = cos_p * c - sin_p * s
    np.testing.assert_allclose(shifted, pe[k:], atol=1e-6)


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 5)), np.ones((4, 2))),
         ValueError, "same depth"),
        (lambda: scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 3)), np.ones((5, 2))),
         ValueError, "same length"),
        (lambda: scaled_dot_product_attention(np.ones(3), np.ones((4, 3)), np.ones((4, 2))),
         ValueError, "at least 2-D"),
        (lambda: scaled_dot_product_attention("q", np.ones((4, 3)), np.ones((4, 2))),
         TypeError, "query"),
        (lambda: scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 2)),
                                              mask=np.ones((3, 4))), ValueError, "broadcast"),
        (lambda: scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 2)),
                                              scale="2"), TypeError, "scale"),
        (lambda: multi_head_attention(np.ones((1, 2, 4)), np.ones((1, 3, 4)), [np.ones(2)] * 3),
         ValueError, "8 arrays"),
        (lambda: multi_head_attention(np.ones((2, 4)), np.ones((1, 3, 4)), [np.ones(2)] * 8),
         ValueError, "3-D"),
        (lambda: additive_attention(np.ones((1, 2, 4)), np.ones((1, 3, 5))), ValueError,
         "same depth"),
        (lambda: additive_attention(np.ones((1, 2, 4)), np.ones((1, 3, 4)), scale=np.ones(3)),
         ValueError, "scale"),
        (lambda: causal_mask(0), ValueError, "length"),
        (lambda: causal_mask(2.0), TypeError, "length"),
        (lambda: padding_mask(np.ones((2, 3))), TypeError, "integer"),
        (lambda: padding_mask(np.ones(3, dtype=int)), ValueError, "2-D"),
        (lambda: positional_encoding(10, 7), ValueError, "even"),
        (lambda: positional_encoding("10", 8), TypeError, "length"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_multi_head_attention_rejects_weights_of_the_wrong_layer():
    layer = keras.layers.MultiHeadAttention(2, 3)
    layer(np.ones((1, 2, 5), np.float32), np.ones((1, 2, 5), np.float32))
    with pytest.raises(ValueError, match="Wq"):
        multi_head_attention(np.ones((1, 2, 6)), np.ones((1, 2, 6)), layer.get_weights())
