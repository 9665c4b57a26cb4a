"""course_utils.word2vec: the SGNS loss and gradients agree with TensorFlow."""

import numpy as np
import pytest
import tensorflow as tf

from course_utils.word2vec import (
    log_sigmoid,
    nearest_neighbours,
    noise_distribution,
    sgns_loss_and_grads,
    skipgram_pairs,
    subsample_keep_prob,
    train_sgns,
)


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


def tf_reference(v, u_o, u_n):
    """SGNS as binary cross-entropy with logits: label 1 for the context, 0 for noise."""
    v, u_o, u_n = (tf.Variable(a) for a in (v, u_o, u_n))
    with tf.GradientTape() as tape:
        s_pos = tf.reduce_sum(u_o * v, axis=1)
        s_neg = tf.einsum("bkd,bd->bk", u_n, v)
        loss = tf.reduce_mean(
            tf.nn.sigmoid_cross_entropy_with_logits(tf.ones_like(s_pos), s_pos)
            + tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(tf.zeros_like(s_neg), s_neg),
                            axis=1)  # fmt: skip
        )
    grads = tape.gradient(loss, [v, u_o, u_n])
    return float(loss), *(g.numpy() for g in grads)


@pytest.mark.parametrize(("batch", "k", "dim", "scale"), [(1, 1, 3, 1.0), (16, 5, 8, 1.0),
                                                          (64, 10, 20, 3.0)])  # fmt: skip
def test_loss_and_gradients_match_gradient_tape(batch, k, dim, scale):
    rng = np.random.default_rng(batch + k)
    v = (scale * rng.normal(size=(batch, dim))).astype(np.float32)
    u_o = (scale * rng.normal(size=(batch, dim))).astype(np.float32)
    u_n = (scale * rng.normal(size=(batch, k, dim))).astype(np.float32)
    loss, d_v, d_o, d_n = sgns_loss_and_grads(v, u_o, u_n)
    ref = tf_reference(v, u_o, u_n)
    assert abs(loss - ref[0]) / abs(ref[0]) < 1e-5
    for got, want in zip((d_v, d_o, d_n), ref[1:], strict=True):
        assert got.shape == want.shape and got.dtype == np.float32
        assert rel_err(got, want) < 1e-5


def test_loss_is_finite_for_huge_scores():
    v = np.full((2, 4), 30.0, np.float32)
    loss, d_v, _, _ = sgns_loss_and_grads(v, -v, np.stack([v, v], axis=1))
    assert np.isfinite(loss) and np.all(np.isfinite(d_v))
    np.testing.assert_allclose(log_sigmoid(np.array([-1000.0, 0.0, 1000.0])),
                               [-1000.0, np.log(0.5), 0.0])  # fmt: skip


def test_bad_shapes_and_types_are_rejected():
    v = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match="context"):
        sgns_loss_and_grads(v, np.zeros((4, 2)), np.zeros((4, 2, 3)))
    with pytest.raises(ValueError, match="negatives"):
        sgns_loss_and_grads(v, v, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="center"):
        sgns_loss_and_grads(np.zeros(3), v, np.zeros((4, 2, 3)))
    with pytest.raises(TypeError, match="center"):
        sgns_loss_and_grads("abc", v, np.zeros((4, 2, 3)))
    with pytest.raises(TypeError, match="integer word ids"):
        skipgram_pairs(np.array([0.5, 1.5]), 1)
    with pytest.raises(ValueError, match="window"):
        skipgram_pairs([1, 2, 3], 0)
    with pytest.raises(TypeError, match="window"):
        skipgram_pairs([1, 2, 3], 1.5)
    with pytest.raises(ValueError, match="counts"):
        noise_distribution([0, 0])
    with pytest.raises(ValueError, match="index"):
        nearest_neighbours(np.eye(3), 3)


def test_skipgram_pairs_are_every_pair_within_the_window():
    ids = np.array([10, 11, 12, 13, 14])
    pairs = skipgram_pairs(ids, 2)
    expected = {(ids[i], ids[j]) for i in range(5) for j in range(5) if 0 < abs(i - j) <= 2}
    got = [tuple(p) for p in pairs.tolist()]
    assert len(got) == len(expected) == 14 and set(got) == expected
    assert skipgram_pairs([7], 3).shape == (0, 2)


def test_noise_distribution_and_subsampling():
    counts = np.array([1, 16, 81, 0])
    p = noise_distribution(counts)
    np.testing.assert_allclose(p, np.array([1, 8, 27, 0]) / 36)
    keep = subsample_keep_prob(np.array([1, 1_000_000]), threshold=1e-4)
    f = 1_000_000 / 1_000_001
    np.testing.assert_allclose(keep, [1.0, np.sqrt(1e-4 / f) + 1e-4 / f])


def test_nearest_neighbours_use_cosine_similarity():
    vectors = np.array([[1.0, 0.0], [10.0, 1.0], [0.5, 0.5], [0.0, 1.0], [-1.0, 0.0]])
    idx, sims = nearest_neighbours(vectors, 0, k=3)
    assert idx.tolist() == [1, 2, 3]  # by angle, not by length or dot product
    np.testing.assert_allclose(sims, [10 / np.sqrt(101), np.sqrt(0.5), 0.0], atol=1e-12)


def test_training_lowers_the_loss_and_groups_co_occurring_words():
    rng = np.random.default_rng(0)
    # two "topics": words 0-4 occur together and words 5-9 occur together
    ids = np.concatenate([rng.integers(0, 5, 20) if t % 2 else rng.integers(5, 10, 20)
                          for t in range(300)])  # fmt: skip
    pairs = skipgram_pairs(ids, 2)
    noise = noise_distribution(np.bincount(ids, minlength=10))
    w_in, _, losses = train_sgns(pairs, 10, noise, dim=8, epochs=3, batch_size=64,
                                 learning_rate=0.05, seed=1)  # fmt: skip
    assert np.mean(losses[-20:]) < 0.8 * np.mean(losses[:20])
    for word in (0, 7):
        idx, _ = nearest_neighbours(w_in, word, k=3)
        assert all((i < 5) == (word < 5) for i in idx)
