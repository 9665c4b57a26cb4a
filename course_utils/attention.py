"""Attention in NumPy, written to match Keras exactly.

Introduced in chapter 09 (Attention and transformers). Each function is the
from-scratch twin of a Keras piece, so the chapter and the unit tests can assert
that both give the same numbers:

* :func:`masked_softmax` is the softmax that Keras's attention layers apply to
  their scores: positions where the mask is ``False`` get ``-1e9`` added to their
  score, so their weight is (numerically) zero.
* :func:`scaled_dot_product_attention` is ``keras.ops.dot_product_attention``:
  ``softmax(Q K^T / sqrt(d_k)) V``, with an optional boolean mask.
* :func:`multi_head_attention` is ``keras.layers.MultiHeadAttention``: project the
  inputs once per head, attend in every head, concatenate and project back, with the
  layer's own weights (``layer.get_weights()``).
* :func:`additive_attention` is ``keras.layers.AdditiveAttention`` (Bahdanau's
  score ``v^T tanh(q + k)``; the projections ``W_q q`` and ``W_k k`` are done before).
* :func:`causal_mask` and :func:`padding_mask` build the two boolean masks a
  transformer needs (``True`` = may attend).
* :func:`positional_encoding` is the sinusoidal encoding of Vaswani et al. (2017).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np

from course_utils.validation import as_array, as_float_array, as_int, check_ndim

__all__ = [
    "NEG_INF",
    "additive_attention",
    "causal_mask",
    "masked_softmax",
    "multi_head_attention",
    "padding_mask",
    "positional_encoding",
    "scaled_dot_product_attention",
]

Array = np.ndarray

#: What Keras adds to the score of a masked position (float32 and wider).
NEG_INF = -1e9


def _bool_mask(mask: Any, name: str = "mask") -> Array | None:
    if mask is None:
        return None
    return as_array(mask, name).astype(bool)


def _check_broadcast(mask: Array, shape: tuple[int, ...], what: str) -> None:
    try:
        np.broadcast_shapes(mask.shape, shape)
    except ValueError:
        raise ValueError(
            f"mask of shape {mask.shape} does not broadcast to the {what} shape {shape}"
        ) from None


# --------------------------------------------------------------------------- softmax


def masked_softmax(scores: Any, mask: Any = None, axis: int = -1) -> Array:
    """Softmax of ``scores`` along ``axis``, ignoring positions where ``mask`` is False.

    As in Keras, a masked position gets ``NEG_INF = -1e9`` added to its score before
    the softmax, so its weight underflows to 0. (A row whose positions are *all*
    masked gets uniform weights here, where Keras's ``Softmax`` layer returns zeros;
    an attention mask should leave every query at least one key.)

    Args:
        scores: any shape.
        mask: booleans broadcastable to ``scores`` (``True`` = keep), or ``None``.
        axis: the axis that sums to one.

    Returns:
        The weights, same shape and float dtype as ``scores``.
    """
    scores = as_float_array(scores, "scores")
    mask = _bool_mask(mask)
    if mask is not None:
        _check_broadcast(mask, scores.shape, "scores")
        scores = scores + np.where(mask, 0.0, NEG_INF).astype(scores.dtype)
    shifted = scores - scores.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return (e / e.sum(axis=axis, keepdims=True)).astype(scores.dtype)


# --------------------------------------------------------------------------- masks


def causal_mask(length: int, key_length: int | None = None) -> Array:
    """The ``(length, key_length)`` boolean mask that lets query ``i`` see keys ``j <= i``.

    Lower-triangular ``True``: a decoder's position ``i`` must not look at the future.
    """
    length = as_int(length, "length", 1)
    key_length = length if key_length is None else as_int(key_length, "key_length", 1)
    return np.tril(np.ones((length, key_length), dtype=bool))


def padding_mask(tokens: Any, pad_id: int = 0) -> Array:
    """``(batch, 1, length)`` booleans, ``True`` where ``tokens`` is not ``pad_id``.

    The middle axis of size one broadcasts over the queries, so the result can be
    used directly as an attention mask of shape ``(batch, queries, keys)``.
    """
    tokens = as_array(tokens, "tokens")
    check_ndim(tokens, "tokens", 2)
    if not np.issubdtype(tokens.dtype, np.integer):
        raise TypeError(f"tokens must be integer token ids, got dtype {tokens.dtype}")
    return (tokens != pad_id)[:, None, :]


# --------------------------------------------------------------------------- dot product


def scaled_dot_product_attention(
    query: Any, key: Any, value: Any, mask: Any = None, scale: float | None = None
) -> tuple[Array, Array]:
    """Scaled dot-product attention, ``softmax(Q K^T / sqrt(d_k)) V``.

    Args:
        query: ``(..., T, d_k)``, one row per query position.
        key: ``(..., S, d_k)``, one row per key position.
        value: ``(..., S, d_v)``, one row per key position.
        mask: booleans broadcastable to ``(..., T, S)``; ``True`` = may attend.
        scale: multiplies the scores (default ``1 / sqrt(d_k)``).

    Returns:
        ``(output, weights)``: ``output`` of shape ``(..., T, d_v)`` and the attention
        weights of shape ``(..., T, S)`` (each row sums to one).

    Raises:
        TypeError: if an input is not numeric.
        ValueError: if the shapes do not fit together.
    """
    q = as_float_array(query, "query")
    k = as_float_array(key, "key")
    v = as_float_array(value, "value")
    for array, name in ((q, "query"), (k, "key"), (v, "value")):
        if array.ndim < 2:
            raise ValueError(f"{name} must be at least 2-D (..., length, depth), got {array.shape}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"query and key must have the same depth d_k, got {q.shape[-1]} and {k.shape[-1]}"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"key and value must have the same length S, got {k.shape[-2]} and {v.shape[-2]}"
        )
    if scale is None:
        scale = 1.0 / np.sqrt(q.shape[-1])
    elif isinstance(scale, bool) or not isinstance(scale, Real):
        raise TypeError(f"scale must be a real number, got {type(scale).__name__}")
    scores = np.matmul(q, np.swapaxes(k, -1, -2)) * scale
    weights = masked_softmax(scores, mask)
    return np.matmul(weights, v).astype(q.dtype), weights


# --------------------------------------------------------------------------- multi-head


def multi_head_attention(
    query: Any,
    value: Any,
    weights: Sequence[Any],
    key: Any = None,
    mask: Any = None,
) -> tuple[Array, Array]:
    """Multi-head attention with the weights of a ``keras.layers.MultiHeadAttention``.

    With ``h`` heads of size ``d_k``, for each head ``i``:
    ``Q_i = query W^Q_i + b^Q_i``, ``K_i = key W^K_i + b^K_i``, ``V_i = value W^V_i + b^V_i``,
    ``head_i = softmax(Q_i K_i^T / sqrt(d_k)) V_i``; the output is
    ``sum_i head_i W^O_i + b^O`` (= concatenate the heads, then one dense layer).

    Args:
        query: ``(batch, T, d_query)``.
        value: ``(batch, S, d_value)``.
        weights: ``layer.get_weights()`` of a built ``MultiHeadAttention`` with biases:
            ``[Wq (d_query, h, d_k), bq (h, d_k), Wk (d_key, h, d_k), bk (h, d_k),
            Wv (d_value, h, d_v), bv (h, d_v), Wo (h, d_v, d_out), bo (d_out,)]``.
        key: ``(batch, S, d_key)``; default ``value``.
        mask: booleans broadcastable to ``(batch, T, S)`` (the layer's
            ``attention_mask``), e.g. :func:`padding_mask` and/or :func:`causal_mask`.

    Returns:
        ``(output, weights)``: ``(batch, T, d_out)`` and ``(batch, h, T, S)``, what the
        layer returns with ``return_attention_scores=True``.
    """
    q_in = as_float_array(query, "query")
    v_in = as_float_array(value, "value")
    k_in = v_in if key is None else as_float_array(key, "key")
    for array, name in ((q_in, "query"), (k_in, "key"), (v_in, "value")):
        check_ndim(array, name, 3)
    if k_in.shape[:2] != v_in.shape[:2]:
        raise ValueError(f"key and value must share (batch, S), got {k_in.shape} and {v_in.shape}")
    if q_in.shape[0] != v_in.shape[0]:
        raise ValueError(f"query and value must share the batch size, got {q_in.shape[0]} and "
                         f"{v_in.shape[0]}")  # fmt: skip
    if not isinstance(weights, (list, tuple)) or len(weights) != 8:
        raise ValueError(
            "weights must be the 8 arrays of layer.get_weights() "
            "[Wq, bq, Wk, bk, Wv, bv, Wo, bo] (a MultiHeadAttention with use_bias=True)"
        )
    wq, bq, wk, bk, wv, bv, wo, bo = (as_float_array(w, f"weights[{i}]") for i, w in
                                      enumerate(weights))  # fmt: skip
    for w, name, x in ((wq, "Wq", q_in), (wk, "Wk", k_in), (wv, "Wv", v_in)):
        check_ndim(w, name, 3)
        if w.shape[0] != x.shape[-1]:
            raise ValueError(f"{name} must have shape ({x.shape[-1]}, heads, head_size) "
                             f"to match its input, got {w.shape}")  # fmt: skip
    heads = wq.shape[1]
    if wk.shape[:0:-1] != wq.shape[:0:-1] or wv.shape[1] != heads or wo.shape[:2] != wv.shape[1:]:
        raise ValueError(f"inconsistent head shapes: Wq {wq.shape}, Wk {wk.shape}, "
                         f"Wv {wv.shape}, Wo {wo.shape}")  # fmt: skip
    # (batch, length, d) x (d, h, k) -> (batch, h, length, k)
    q = np.einsum("btd,dhk->bhtk", q_in, wq) + bq[None, :, None, :]
    k = np.einsum("bsd,dhk->bhsk", k_in, wk) + bk[None, :, None, :]
    v = np.einsum("bsd,dhk->bhsk", v_in, wv) + bv[None, :, None, :]
    mask = _bool_mask(mask)
    if mask is not None:
        _check_broadcast(mask, (q_in.shape[0], q_in.shape[1], k_in.shape[1]), "(batch, T, S)")
        mask = np.expand_dims(mask, -3) if mask.ndim >= 3 else mask  # a heads axis
    heads_out, attn = scaled_dot_product_attention(q, k, v, mask)
    out = np.einsum("bhtk,hko->bto", heads_out, wo) + bo
    return out.astype(q_in.dtype), attn


# --------------------------------------------------------------------------- additive


def additive_attention(
    query: Any, value: Any, key: Any = None, scale: Any = None, mask: Any = None
) -> tuple[Array, Array]:
    """Additive (Bahdanau) attention, as ``keras.layers.AdditiveAttention``.

    ``score[t, s] = sum_d scale_d * tanh(query[t, d] + key[s, d])``, then a (masked)
    softmax over ``s`` and a weighted average of the values. Bahdanau et al. (2015)
    write the score ``v^T tanh(W_q q_t + W_k k_s)``: pass the projected ``W_q q`` and
    ``W_k k`` as ``query`` and ``key``, and ``v`` as ``scale``.

    Args:
        query: ``(batch, T, dim)``.
        value: ``(batch, S, d_v)``.
        key: ``(batch, S, dim)``; default ``value``.
        scale: the vector ``v`` of length ``dim`` (the layer's ``scale`` weight);
            default all ones (``use_scale=False``).
        mask: the value mask ``(batch, S)`` or booleans broadcastable to
            ``(batch, T, S)``; ``True`` = may attend.

    Returns:
        ``(output, weights)`` of shapes ``(batch, T, d_v)`` and ``(batch, T, S)``.
    """
    q = as_float_array(query, "query")
    v = as_float_array(value, "value")
    k = v if key is None else as_float_array(key, "key")
    for array, name in ((q, "query"), (k, "key"), (v, "value")):
        check_ndim(array, name, 3)
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"query and key must have the same depth, got {q.shape[-1]} and {k.shape[-1]}"
        )
    if k.shape[:2] != v.shape[:2]:
        raise ValueError(f"key and value must share (batch, S), got {k.shape} and {v.shape}")
    if scale is None:
        scale = np.ones(q.shape[-1], dtype=q.dtype)
    else:
        scale = as_float_array(scale, "scale")
        if scale.shape not in ((q.shape[-1],), ()):
            raise ValueError(f"scale must have shape ({q.shape[-1]},), got {scale.shape}")
    scores = np.sum(scale * np.tanh(q[:, :, None, :] + k[:, None, :, :]), axis=-1)
    mask = _bool_mask(mask)
    if mask is not None and mask.ndim == 2:
        mask = mask[:, None, :]
    weights = masked_softmax(scores, mask)
    return np.matmul(weights, v).astype(q.dtype), weights


# --------------------------------------------------------------------------- positions


def positional_encoding(length: int, depth: int, base: float = 10_000.0) -> Array:
    """The sinusoidal positional encoding of Vaswani et al. (2017), ``(length, depth)``.

    ``PE[p, 2i] = sin(p / base^(2i / depth))`` and ``PE[p, 2i + 1] = cos(p / base^(2i / depth))``:
    each pair of columns is a clock turning at its own frequency, from one turn every
    ``2 pi`` positions down to one every ``2 pi * base`` positions.

    Raises:
        TypeError: if ``length`` or ``depth`` is not an int.
        ValueError: if either is not positive or ``depth`` is odd.
    """
    length = as_int(length, "length", 1)
    depth = as_int(depth, "depth", 1)
    if depth % 2:
        raise ValueError(f"depth must be even (sin and cos pairs), got {depth}")
    if isinstance(base, bool) or not isinstance(base, Real) or base <= 1:
        raise ValueError(f"base must be a number > 1, got {base!r}")
    positions = np.arange(length, dtype=np.float64)[:, None]
    frequencies = 1.0 / float(base) ** (np.arange(0, depth, 2, dtype=np.float64) / depth)
    angles = positions * frequencies[None, :]
    pe = np.empty((length, depth), dtype=np.float64)
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles)
    return pe.astype(np.float32)
