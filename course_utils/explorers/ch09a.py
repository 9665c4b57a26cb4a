"""Chapter 09a explorer: the attention weights of one query token, with a temperature.

A short fixed sentence, "the cat sat on a mat because it was tired", gets hand-made
query and key vectors: each key says what a word *offers* (an animal noun, a place, a
verb, ...) and each query what a word *looks for* ("it" looks for an animal noun, "on"
for a verb and a place). Scaled dot-product attention turns them into weights,

    weights = softmax(Q K^T / (sqrt(d) * temperature)),

and the explorer shows one query's weights as bars beside the whole attention matrix.
Moving the temperature shows how the scale of the scores (what the sqrt(d) controls)
decides between a nearly uniform average and a nearly hard, one-position choice.

Introduced in chapter 09a (scaled dot-product attention).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course_utils.validation import as_float_array, check_ndim

__all__ = [
    "SCALINGS",
    "TOKENS",
    "attention_weights",
    "draw_attention",
    "entropy",
    "sentence_vectors",
]

TOKENS = ("the", "cat", "sat", "on", "a", "mat", "because", "it", "was", "tired")
SCALINGS = ("scaled by sqrt(d)", "unscaled")

# The features a word can offer (keys) or look for (queries).
_FEATURES = ("animal", "place", "verb", "article", "preposition", "pronoun", "adjective",
             "conjunction")  # fmt: skip
_OFFERS = {  # key vectors: what each word is
    "the": {"article": 1.0}, "cat": {"animal": 1.0}, "sat": {"verb": 1.0},
    "on": {"preposition": 1.0}, "a": {"article": 1.0}, "mat": {"place": 1.0},
    "because": {"conjunction": 1.0}, "it": {"pronoun": 1.0, "animal": 0.5},
    "was": {"verb": 1.0}, "tired": {"adjective": 1.0},
}  # fmt: skip
_LOOKS_FOR = {  # query vectors: what each word needs from the others
    "the": {"animal": 0.8, "place": 0.4}, "cat": {"verb": 0.8, "article": 0.4},
    "sat": {"animal": 0.8, "place": 0.5}, "on": {"place": 0.8, "verb": 0.5},
    "a": {"place": 0.8, "animal": 0.3}, "mat": {"preposition": 0.7, "article": 0.5},
    "because": {"verb": 0.9}, "it": {"animal": 1.0},
    "was": {"pronoun": 0.8, "adjective": 0.6}, "tired": {"animal": 0.7, "pronoun": 0.6},
}  # fmt: skip


def sentence_vectors(strength: float = 3.0) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """The explorer's sentence and its hand-made query and key vectors (chapter 09a).

    Args:
        strength: the length scale of the vectors; a larger one gives larger scores.

    Returns:
        ``(tokens, queries, keys)``: the 10 words, and two ``(10, 8)`` float64 arrays
        whose rows are the query and key of each word. A small fixed perturbation
        (from a seeded generator) keeps ties from looking artificial; every call returns
        the same arrays.
    """
    if isinstance(strength, bool) or not isinstance(strength, (int, float)):
        raise TypeError(f"strength must be a number, got {type(strength).__name__}")
    if not np.isfinite(strength) or strength <= 0:
        raise ValueError(f"strength must be a positive number, got {strength}")
    index = {name: i for i, name in enumerate(_FEATURES)}
    queries = np.zeros((len(TOKENS), len(_FEATURES)))
    keys = np.zeros((len(TOKENS), len(_FEATURES)))
    for row, token in enumerate(TOKENS):
        for feature, value in _LOOKS_FOR[token].items():
            queries[row, index[feature]] = value
        for feature, value in _OFFERS[token].items():
            keys[row, index[feature]] = value
    noise = np.random.default_rng(9).normal(scale=0.08, size=(2, *queries.shape))
    return TOKENS, strength * (queries + noise[0]), strength * (keys + noise[1])


def attention_weights(queries: Any, keys: Any, temperature: float = 1.0,
                      scale: bool = True) -> np.ndarray:  # fmt: skip
    """Attention weights ``softmax(Q K^T / (sqrt(d) * temperature))`` (chapter 09a).

    Args:
        queries: ``(T, d)`` array, one query per row.
        keys: ``(S, d)`` array, one key per row.
        temperature: a positive number; below 1 sharpens the weights, above 1 flattens
            them.
        scale: divide the scores by ``sqrt(d)`` (scaled dot-product attention) or not.

    Returns:
        The ``(T, S)`` weights; each row is positive and sums to one.
    """
    q = as_float_array(queries, "queries").astype(np.float64)
    k = as_float_array(keys, "keys").astype(np.float64)
    check_ndim(q, "queries", 2)
    check_ndim(k, "keys", 2)
    if q.shape[1] != k.shape[1]:
        raise ValueError(f"queries and keys must have the same depth d, got queries {q.shape} "
                         f"and keys {k.shape}")  # fmt: skip
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise TypeError(f"temperature must be a number, got {type(temperature).__name__}")
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a positive number, got {temperature}")
    if not isinstance(scale, (bool, np.bool_)):
        raise TypeError(f"scale must be True or False, got {type(scale).__name__}")
    scores = q @ k.T / (np.sqrt(q.shape[1]) if scale else 1.0) / temperature
    scores -= scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    return weights / weights.sum(axis=1, keepdims=True)


def entropy(weights: Any) -> np.ndarray:
    """The entropy (in nats) of each row of ``weights``: 0 for a one-hot row, ``log S``
    for a uniform one (chapter 09a)."""
    w = as_float_array(weights, "weights").astype(np.float64)
    check_ndim(w, "weights", (1, 2))
    if np.any(w < 0) or not np.allclose(w.sum(axis=-1), 1.0, atol=1e-6):
        raise ValueError("weights must be non-negative and each row must sum to 1")
    return -np.sum(np.where(w > 0, w * np.log(np.where(w > 0, w, 1.0)), 0.0), axis=-1)


def draw_attention(query: str = "it", temperature: float = 1.0,
                   scaling: str = SCALINGS[0]) -> Figure:  # fmt: skip
    """The weights of one query word as bars, beside the whole attention matrix with
    that query's row outlined (chapter 09a explorer).

    Args:
        query: one of :data:`TOKENS`.
        temperature: divides the scores (see :func:`attention_weights`).
        scaling: one of :data:`SCALINGS`.
    """
    if query not in TOKENS:
        raise ValueError(f"query must be one of {list(TOKENS)}, got {query!r}")
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {list(SCALINGS)}, got {scaling!r}")
    tokens, queries, keys = sentence_vectors()
    weights = attention_weights(queries, keys, temperature, scale=scaling == SCALINGS[0])
    row = tokens.index(query)
    fig = Figure(figsize=(10, 3.6))
    bar_ax, map_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
    colors = ["tab:orange" if i == np.argmax(weights[row]) else "tab:blue"
              for i in range(len(tokens))]  # fmt: skip
    bar_ax.bar(range(len(tokens)), weights[row], color=colors)
    bar_ax.set_xticks(range(len(tokens)), tokens, fontsize=8)
    bar_ax.set_ylim(0, 1.05)
    bar_ax.axhline(1 / len(tokens), color="gray", ls=":", lw=1)
    bar_ax.set_ylabel("attention weight")
    bar_ax.set_title(f"query {query!r}: largest weight {weights[row].max():.2f}, entropy "
                     f"{entropy(weights[row]):.2f} nats (uniform: {np.log(len(tokens)):.2f})",
                     fontsize=9)  # fmt: skip
    map_ax.imshow(weights, cmap="Blues", vmin=0, vmax=1)
    map_ax.add_patch(Rectangle((-0.5, row - 0.5), len(tokens), 1, fill=False,
                               edgecolor="tab:orange", lw=2))  # fmt: skip
    map_ax.set_xticks(range(len(tokens)), [t[:3] for t in tokens], fontsize=7)
    map_ax.set_yticks(range(len(tokens)), tokens, fontsize=7)
    map_ax.set_xlabel("key (what is looked at)")
    map_ax.set_ylabel("query (who looks)")
    map_ax.set_title(f"all weights, temperature {temperature:.2g}, {scaling}", fontsize=9)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.9, wspace=0.25)
    return fig
