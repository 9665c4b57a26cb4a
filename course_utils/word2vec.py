"""word2vec: skip-gram with negative sampling (SGNS) in NumPy.

Introduced in chapter 08 (NLP and embeddings). Each word ``w`` has two vectors:
an *input* (centre) vector ``v_w`` and an *output* (context) vector ``u_w``. For a
centre word ``c``, an observed context word ``o`` and ``K`` noise words ``n_1..n_K``
drawn from the unigram distribution raised to the power 3/4, the loss is

    L = -log sigma(u_o . v_c) - sum_k log sigma(-u_{n_k} . v_c)

(Mikolov et al., 2013). With ``s = u . v_c`` its gradients are

    dL/dv_c   = (sigma(s_o) - 1) u_o + sum_k sigma(s_k) u_{n_k}
    dL/du_o   = (sigma(s_o) - 1) v_c
    dL/du_n_k = sigma(s_k) v_c

* :func:`sgns_loss_and_grads` computes the mean loss over a batch and these
  gradients; the tests check them against ``tf.GradientTape``.
* :func:`skipgram_pairs`, :func:`noise_distribution` and :func:`subsample_keep_prob`
  prepare the training pairs; :func:`train_sgns` runs minibatch SGD;
  :func:`nearest_neighbours` ranks words by cosine similarity.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from course_utils.validation import as_array, as_int, check_ndim, check_shape

__all__ = [
    "log_sigmoid",
    "nearest_neighbours",
    "noise_distribution",
    "sgns_loss_and_grads",
    "skipgram_pairs",
    "subsample_keep_prob",
    "train_sgns",
]

Array = np.ndarray


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return float(value)


def _ids(value: Any, name: str) -> Array:
    array = as_array(value, name)
    check_ndim(array, name, 1)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must hold integer word ids, got dtype {array.dtype}")
    return array.astype(np.int64)


def log_sigmoid(x: Any) -> Array:
    """``log(sigma(x)) = -log(1 + exp(-x))``, computed without overflow.

    Uses ``min(x, 0) - log1p(exp(-|x|))``, which is finite for any ``x``.
    """
    x = np.asarray(x)
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x: Array) -> Array:
    return np.exp(log_sigmoid(x))


def sgns_loss_and_grads(
    center: Any, context: Any, negatives: Any
) -> tuple[float, Array, Array, Array]:
    """Mean SGNS loss over a batch and its gradients.

    Args:
        center: ``(B, d)`` input vectors ``v_c`` of the centre words.
        context: ``(B, d)`` output vectors ``u_o`` of the observed context words.
        negatives: ``(B, K, d)`` output vectors ``u_n`` of ``K`` noise words per pair.

    Returns:
        ``(loss, d_center, d_context, d_negatives)``: the loss averaged over the ``B``
        pairs and its gradients with respect to the three inputs (same shapes).
    """
    v = as_array(center, "center")
    u_o = as_array(context, "context")
    u_n = as_array(negatives, "negatives")
    check_ndim(v, "center", 2)
    batch, dim = v.shape
    check_shape(u_o, "context", (batch, dim))
    check_shape(u_n, "negatives", (batch, None, dim))
    dtype = np.result_type(v, u_o, u_n, np.float32)
    v, u_o, u_n = v.astype(dtype), u_o.astype(dtype), u_n.astype(dtype)

    s_pos = np.einsum("bd,bd->b", u_o, v)  # (B,)
    s_neg = np.einsum("bkd,bd->bk", u_n, v)  # (B, K)
    loss = -(log_sigmoid(s_pos) + log_sigmoid(-s_neg).sum(axis=1)).mean()
    g_pos = (_sigmoid(s_pos) - 1.0) / batch  # dL/ds_pos
    g_neg = _sigmoid(s_neg) / batch  # dL/ds_neg
    d_center = g_pos[:, None] * u_o + np.einsum("bk,bkd->bd", g_neg, u_n)
    d_context = g_pos[:, None] * v
    d_negatives = g_neg[:, :, None] * v[:, None, :]
    return float(loss), d_center.astype(dtype), d_context.astype(dtype), d_negatives.astype(dtype)


def skipgram_pairs(ids: Any, window: int) -> Array:
    """All ``(centre, context)`` pairs of word ids at most ``window`` positions apart.

    Returns an ``(N, 2)`` int64 array, ordered by offset (-window..window, 0 left out)
    and then by position. A word is never its own context (offset 0 is skipped).
    """
    ids = _ids(ids, "ids")
    window = as_int(window, "window", 1)
    chunks = []
    for offset in range(-window, window + 1):
        if offset == 0 or abs(offset) >= len(ids):
            continue
        if offset > 0:
            chunks.append(np.stack([ids[:-offset], ids[offset:]], axis=1))
        else:
            chunks.append(np.stack([ids[-offset:], ids[:offset]], axis=1))
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    return np.concatenate(chunks)


def noise_distribution(counts: Any, power: float = 0.75) -> Array:
    """The negative-sampling distribution ``P(w) ∝ count(w) ** power`` (3/4 in word2vec)."""
    counts = as_array(counts, "counts").astype(np.float64)
    check_ndim(counts, "counts", 1)
    if np.any(counts < 0) or counts.sum() <= 0:
        raise ValueError("counts must be non-negative with a positive sum")
    power = _positive(power, "power")
    weights = counts**power
    return weights / weights.sum()


def subsample_keep_prob(counts: Any, threshold: float = 1e-4) -> Array:
    """Probability of keeping each occurrence of a word: ``min(1, sqrt(t / f) + t / f)``.

    ``f`` is the word's frequency (count / total). Frequent words such as "the" are
    mostly dropped, which speeds training and improves rare words' vectors (this is
    the formula of the word2vec C code; the paper's is ``1 - sqrt(t / f)`` for dropping).
    """
    counts = as_array(counts, "counts").astype(np.float64)
    check_ndim(counts, "counts", 1)
    if np.any(counts < 0) or counts.sum() <= 0:
        raise ValueError("counts must be non-negative with a positive sum")
    threshold = _positive(threshold, "threshold")
    ratio = threshold / np.maximum(counts / counts.sum(), 1e-300)
    return np.minimum(1.0, np.sqrt(ratio) + ratio)


def train_sgns(
    pairs: Any,
    vocab_size: int,
    noise: Any,
    *,
    dim: int = 50,
    negatives: int = 5,
    epochs: int = 1,
    batch_size: int = 512,
    learning_rate: float = 0.5,
    seed: int = 0,
) -> tuple[Array, Array, list[float]]:
    """Train SGNS vectors by minibatch SGD on ``(centre, context)`` id ``pairs``.

    The learning rate decays linearly to zero over training, as in word2vec. Each
    step draws ``negatives`` noise words per pair from ``noise``, computes
    :func:`sgns_loss_and_grads` and scatters the gradients into the two tables with
    ``np.add.at`` (a word can appear several times in a batch).

    Returns:
        ``(W_in, W_out, losses)``: the ``(vocab_size, dim)`` input and output vectors
        and the mean loss of each step.
    """
    pairs = as_array(pairs, "pairs")
    check_shape(pairs, "pairs", (None, 2))
    vocab_size = as_int(vocab_size, "vocab_size", 1)
    noise = as_array(noise, "noise").astype(np.float64)
    check_shape(noise, "noise", (vocab_size,))
    dim, negatives = as_int(dim, "dim", 1), as_int(negatives, "negatives", 1)
    epochs, batch_size = as_int(epochs, "epochs", 1), as_int(batch_size, "batch_size", 1)
    learning_rate = _positive(learning_rate, "learning_rate")
    rng = np.random.default_rng(seed)
    w_in = ((rng.random((vocab_size, dim)) - 0.5) / dim).astype(np.float32)
    w_out = np.zeros((vocab_size, dim), dtype=np.float32)
    cdf = np.cumsum(noise)
    steps = epochs * -(-len(pairs) // batch_size)
    losses: list[float] = []
    for _ in range(epochs):
        order = rng.permutation(len(pairs))
        for start in range(0, len(pairs), batch_size):
            batch = pairs[order[start : start + batch_size]]
            c, o = batch[:, 0], batch[:, 1]
            neg = np.minimum(np.searchsorted(cdf, rng.random((len(batch), negatives))),
                             vocab_size - 1)  # fmt: skip
            loss, d_c, d_o, d_n = sgns_loss_and_grads(w_in[c], w_out[o], w_out[neg])
            # the loss is a mean over the batch: scale back to a per-pair SGD step
            lr = learning_rate * max(1.0 - len(losses) / steps, 1e-4) * len(batch)
            np.add.at(w_in, c, -lr * d_c)
            np.add.at(w_out, o, -lr * d_o)
            np.add.at(w_out, neg.ravel(), -lr * d_n.reshape(-1, dim))
            losses.append(loss)
    return w_in, w_out, losses


def nearest_neighbours(vectors: Any, index: int, k: int = 5) -> tuple[Array, Array]:
    """The ``k`` rows of ``vectors`` most cosine-similar to row ``index`` (itself excluded).

    Returns ``(indices, similarities)``, most similar first.
    """
    vectors = as_array(vectors, "vectors").astype(np.float64)
    check_ndim(vectors, "vectors", 2)
    index = as_int(index, "index", 0)
    k = as_int(k, "k", 1)
    if index >= len(vectors):
        raise ValueError(f"index must be < {len(vectors)} (the number of vectors), got {index}")
    norms = np.linalg.norm(vectors, axis=1)
    sims = vectors @ vectors[index] / np.maximum(norms * norms[index], 1e-12)
    sims[index] = -np.inf
    top = np.argsort(-sims, kind="stable")[:k]
    return top, sims[top]
