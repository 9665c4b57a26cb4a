"""Exercise checks for chapter 08, NLP and embeddings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_shape,
    passed,
)

__all__ = ["check_multi_hot", "check_sgns_loss", "check_skipgram_pairs"]


def check_multi_hot(multi_hot: Callable[[Any, int], Any], seed: int = 0) -> str:
    """Exercise 8.1: ``multi_hot(ids, vocab_size)``, a binary bag of words.

    ``ids`` is an ``(n, L)`` integer array of token ids padded with 0; the answer is
    an ``(n, vocab_size)`` array with 1 where a (non-padding) id occurs in the row,
    once however often it occurs, and 0 elsewhere, including column 0 (padding).
    """
    rng = np.random.default_rng(seed)
    vocab_size = 12
    ids = rng.integers(1, vocab_size, size=(6, 9))
    ids[:, 6:] = 0  # padding at the end
    ids[0, :3] = 5  # a repeated word
    expected = np.zeros((6, vocab_size))
    for row, seq in enumerate(ids):
        expected[row, seq[seq > 0]] = 1.0
    got = answer_array("8.1", "multi_hot(ids, vocab_size)",
                       call_answer("8.1", multi_hot, ids.copy(), vocab_size))  # fmt: skip
    expect_shape("8.1", "the bag of words", got, expected.shape)
    expect("8.1", got[0, 5] != 3, "a word that occurs 3 times counts once in a multi-hot "
                                  "vector (that would be output_mode='count')")  # fmt: skip
    expect("8.1", np.all(got[:, 0] == 0), "column 0 is the padding id and must stay 0")
    expect_close("8.1", "the bag of words", got, expected)
    return passed("8.1", "Your multi-hot vectors match TextVectorization's 'multi_hot' idea.")


def check_skipgram_pairs(pairs_fn: Callable[[Any, int], Any], seed: int = 0) -> str:
    """Exercise 8.2: ``pairs_fn(ids, window)`` lists the (centre, context) pairs.

    Every ordered pair of positions ``i != j`` with ``|i - j| <= window`` gives the
    pair ``(ids[i], ids[j])``; the order of the pairs does not matter.
    """
    rng = np.random.default_rng(seed)
    for n, window in ((7, 1), (9, 2), (6, 3)):
        ids = rng.permutation(100)[:n]  # distinct ids, so the pairs identify the positions
        expected = sorted((int(ids[i]), int(ids[j])) for i in range(n) for j in range(n)
                          if 0 < abs(i - j) <= window)  # fmt: skip
        result = call_answer("8.2", pairs_fn, ids.copy(), window)
        expect("8.2", result is not None, "your function returned None; did you forget `return`?")
        try:
            got = sorted((int(a), int(b)) for a, b in np.asarray(result).reshape(-1, 2).tolist())
        except (TypeError, ValueError):
            raise ExerciseFailure("8.2", "return a list (or array) of (centre, context) "
                                         "pairs") from None  # fmt: skip
        selfs = [p for p in got if p[0] == p[1]]
        expect("8.2", not selfs, "a word is not its own context: skip offset 0")
        expect("8.2", len(got) == len(expected),
               f"with {n} words and window={window} there are {len(expected)} pairs, "
               f"you gave {len(got)} (use offsets -window..window, both sides)")
        expect("8.2", got == expected, f"the pairs for window={window} are not right")
    return passed("8.2", "Your skip-gram pairs are right.")


def _reference_sgns(v, u_o, u_neg):
    def log_sig(x):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    return float(-log_sig(u_o @ v) - np.sum(log_sig(-(u_neg @ v))))


def check_sgns_loss(sgns_loss: Callable[[Any, Any, Any], Any], seed: int = 0) -> str:
    """Exercise 8.3: ``sgns_loss(v_c, u_o, u_neg)`` for one centre word.

    ``-log sigma(u_o . v_c) - sum_k log sigma(-u_k . v_c)`` with ``v_c``, ``u_o`` of
    shape ``(d,)`` and ``u_neg`` of shape ``(K, d)``.
    """
    rng = np.random.default_rng(seed)
    for k, dim in ((5, 8), (1, 3), (10, 4)):
        v, u_o = rng.normal(size=dim), rng.normal(size=dim)
        u_neg = rng.normal(size=(k, dim))
        got = answer_array("8.3", "the loss", call_answer("8.3", sgns_loss, v, u_o, u_neg),
                           expected="a number")  # fmt: skip
        expect("8.3", got.size == 1, f"the loss should be one number, got shape {got.shape}")
        wrong_sign = -np.log(1 / (1 + np.exp(-(u_o @ v)))) - np.sum(
            np.log(1 / (1 + np.exp(-(u_neg @ v)))))  # fmt: skip
        expect("8.3", not np.isclose(got.item(), wrong_sign, rtol=1e-6),
               "the noise words need sigma(-u_k . v_c): the model should give them a LOW score")
        expect_close("8.3", f"the loss (K={k}, d={dim})", got.item(),
                     _reference_sgns(v, u_o, u_neg), rtol=1e-5)  # fmt: skip
    return passed("8.3", "Your skip-gram negative-sampling loss is right.")
