"""Exercise checks for chapter 09b, Transformers and a miniature BERT."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.attention import positional_encoding
from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    expect_shape,
    passed,
)

__all__ = ["check_block_parameters", "check_mlm_corruption", "check_positional_encoding"]


def check_positional_encoding(encoding: Callable[[int, int], Any], seed: int = 0) -> str:
    """Exercise 9b.1: ``encoding(length, depth)``, the sinusoidal positional encoding.

    ``PE[p, 2i] = sin(p / 10000^(2i/depth))``, ``PE[p, 2i+1] = cos(p / 10000^(2i/depth))``.
    """
    del seed  # deterministic
    for length, depth in ((20, 8), (50, 16)):
        got = answer_array("9b.1", f"encoding({length}, {depth})",
                      call_answer("9b.1", encoding, length, depth))  # fmt: skip
        expect_shape("9b.1", f"encoding({length}, {depth})", got, (length, depth))
        expected = positional_encoding(length, depth).astype(np.float64)
        swapped = expected.copy()
        swapped[:, 0::2], swapped[:, 1::2] = expected[:, 1::2], expected[:, 0::2]
        if np.allclose(got, swapped, atol=1e-5):
            raise ExerciseFailure("9b.1", "sine and cosine are swapped: even columns 2i hold the "
                                         "sine, odd columns 2i+1 the cosine")  # fmt: skip
        expect("9b.1", not np.allclose(got[0, 0::2], 1.0),
               "position 0 must have sin(0) = 0 in the even columns")  # fmt: skip
        expect_close("9b.1", f"encoding({length}, {depth})", got, expected, rtol=1e-4, atol=1e-5)
    return passed("9b.1", "Your encoding matches the sinusoidal encoding of Vaswani et al.")


def check_mlm_corruption(corrupt: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 9b.2: ``corrupt(ids, positions, u, random_ids, mask_id)``, BERT's 80/10/10 rule.

    ``ids`` is one snippet's ``(L,)`` token ids, ``positions`` the chosen prediction
    positions, ``u`` one uniform number per chosen position and ``random_ids`` one random
    word per chosen position. Returns ``(inputs, labels)``: ``inputs`` is a copy of ``ids``
    where a chosen position holds ``mask_id`` if ``u < 0.8``, its random word if
    ``0.8 <= u < 0.9`` and is unchanged otherwise; ``labels`` holds the *original* id at
    the chosen positions and ``-1`` everywhere else. ``ids`` itself must not change.
    """
    rng = np.random.default_rng(seed)
    length, mask_id = 20, 99
    ids = rng.integers(2, 50, size=length)
    positions = np.sort(rng.choice(length, size=8, replace=False))
    u = np.array([0.05, 0.85, 0.95, 0.5, 0.82, 0.99, 0.3, 0.7])
    random_ids = rng.integers(50, 90, size=8)
    original = ids.copy()
    result = call_answer("9b.2", corrupt, ids, positions, u, random_ids, mask_id)
    expect("9b.2", result is not None, "corrupt returned None; did you forget `return`?")
    expect("9b.2", isinstance(result, tuple) and len(result) == 2,
           "return a pair (inputs, labels)")  # fmt: skip
    expect("9b.2", np.array_equal(ids, original),
           "ids was changed in place: work on a copy (ids.copy())")  # fmt: skip
    inputs = answer_array("9b.2", "inputs", result[0])
    labels = answer_array("9b.2", "labels", result[1])
    expect_shape("9b.2", "inputs", inputs, (length,))
    expect_shape("9b.2", "labels", labels, (length,))
    expected_inputs = original.copy()
    expected_inputs[positions[u < 0.8]] = mask_id
    swap = (u >= 0.8) & (u < 0.9)
    expected_inputs[positions[swap]] = random_ids[swap]
    expected_labels = np.full(length, -1)
    expected_labels[positions] = original[positions]
    if np.array_equal(labels, np.where(expected_labels >= 0, expected_inputs, -1)):
        raise ExerciseFailure("9b.2", "the labels must be the original words, not the "
                                      "corrupted inputs: the model learns to undo the "
                                      "corruption")  # fmt: skip
    if np.array_equal(labels, original):
        raise ExerciseFailure("9b.2", "only the chosen positions are predicted: give every "
                                      "other position the label -1")  # fmt: skip
    expect("9b.2", np.array_equal(labels, expected_labels),
           "labels are not right: the original id at each chosen position, -1 elsewhere")
    all_masked = original.copy()
    all_masked[positions] = mask_id
    if np.array_equal(inputs, all_masked):
        raise ExerciseFailure("9b.2", "not every chosen position becomes [MASK]: only those "
                                      "with u < 0.8; 0.8 <= u < 0.9 gets the random word, the "
                                      "rest stays unchanged")  # fmt: skip
    expect("9b.2", np.array_equal(inputs, expected_inputs),
           "inputs are not right: [MASK] for u < 0.8, the random word for 0.8 <= u < 0.9, "
           "unchanged for u >= 0.9, and no change outside the chosen positions")
    return passed("9b.2", "Your corruption follows BERT's 80/10/10 rule and keeps the original "
                          "words as labels.")  # fmt: skip


def check_block_parameters(count: Callable[[int, int], Any], seed: int = 0) -> str:
    """Exercise 9b.3: ``count(dim, ff_dim)``, the parameters of one pre-LN encoder block.

    The block of section 2: multi-head self-attention whose heads together are ``dim``
    wide (four ``dim x dim`` projections with biases), two layer normalizations (a scale
    and a shift of ``dim`` each) and the feed-forward network ``dim -> ff_dim -> dim``
    with biases.
    """
    del seed  # deterministic
    for dim, ff_dim in ((32, 64), (64, 256), (8, 8)):
        attention = 4 * (dim * dim + dim)
        norms = 2 * 2 * dim
        feed_forward = dim * ff_dim + ff_dim + ff_dim * dim + dim
        got = call_answer("9b.3", count, dim, ff_dim)
        expect("9b.3", got is not None, "count returned None; did you forget `return`?")
        expect("9b.3", isinstance(got, int | np.integer),
               f"count({dim}, {ff_dim}) should be an int, got {type(got).__name__}")
        got = int(got)
        if got == attention + feed_forward:
            raise ExerciseFailure("9b.3", "the two layer normalizations have parameters too: a "
                                          "scale and a shift per feature")  # fmt: skip
        if got == 4 * dim * dim + norms + dim * ff_dim + ff_dim * dim:
            raise ExerciseFailure("9b.3", "count the biases: every projection and dense layer "
                                          "has one per output unit")  # fmt: skip
        expect("9b.3", got == attention + norms + feed_forward,
               f"count({dim}, {ff_dim}) = {got} is not right")
    return passed("9b.3", "Your count matches the block: attention, two layer norms and the "
                          "feed-forward network.")  # fmt: skip
