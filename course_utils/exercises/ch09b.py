"""Exercise checks for chapter 09b, Transformers and a miniature BERT."""

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
    grade_prediction,
    passed,
)

__all__ = [
    "check_block_parameters",
    "check_fixed_padding_mask",
    "check_mlm_corruption",
    "check_prediction_9b_4",
    "check_rms_norm",
    "check_rotary",
]


def _rotary_reference(x: np.ndarray, sign: float = 1.0, halves: bool = False) -> np.ndarray:
    """RoPE of ``x`` ``(length, depth)``: the pair ``(2i, 2i+1)`` of row ``p`` rotated by
    ``p / 10000^(2i/depth)``. ``sign=-1`` rotates the other way; ``halves`` pairs the
    features ``(i, i + depth/2)`` instead (another common layout)."""
    length, depth = x.shape
    angles = np.arange(length)[:, None] / 10_000.0 ** (np.arange(0, depth, 2)[None] / depth)
    sin, cos = sign * np.sin(angles), np.cos(angles)
    if halves:
        first, second = x[:, : depth // 2], x[:, depth // 2 :]
    else:
        first, second = x[:, 0::2], x[:, 1::2]
    rotated_first, rotated_second = first * cos - second * sin, first * sin + second * cos
    if halves:
        return np.concatenate([rotated_first, rotated_second], axis=1)
    out = np.empty(x.shape)
    out[:, 0::2], out[:, 1::2] = rotated_first, rotated_second
    return out


def check_rotary(rotary: Callable[[Any], Any], seed: int | None = None) -> str:
    """Exercise 9b.1: ``rotary(x)``, rotary position embeddings (RoPE) of ``x`` ``(L, d)``.

    Row ``p``'s feature pair ``(2i, 2i+1)`` is rotated by ``theta = p / 10000^(2i/d)``:
    ``(x0 cos - x1 sin, x0 sin + x1 cos)``. Checked on fresh random inputs against a
    NumPy reference; then the learner's own function is shown to make the score of a
    rotated query and a rotated key depend only on their offset.
    """
    rng = np.random.default_rng(seed)
    length, depth = 9, 8
    x = rng.normal(size=(length, depth))
    got = answer_array("9b.1", "rotary(x)", call_answer("9b.1", rotary, x.copy()))
    expect_shape("9b.1", "rotary(x) for x of shape (9, 8)", got, (length, depth))
    angles = np.arange(length)[:, None] / 10_000.0 ** (np.arange(0, depth, 2)[None] / depth)
    pe = np.zeros((length, depth))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)  # the sinusoidal encoding
    wrong = {
        "the rotation goes the wrong way: the even feature becomes x_2i cos - x_2i+1 sin, "
        "the odd one x_2i sin + x_2i+1 cos": _rotary_reference(x, sign=-1.0),
        "the pairs here are neighbouring features (2i, 2i+1), not the two halves (i, i + d/2)":
            _rotary_reference(x, halves=True),
        "RoPE rotates the features; it does not add the sinusoidal encoding": x + pe,
    }  # fmt: skip
    for message, candidate in wrong.items():
        if np.allclose(got, candidate, atol=1e-5):
            raise ExerciseFailure("9b.1", message)
    expect("9b.1", np.allclose(got[0], x[0], atol=1e-5),
           "position 0 has angle 0, so its row must come out unchanged")
    expect_close("9b.1", "rotary(x)", got, _rotary_reference(x), rtol=1e-4, atol=1e-5)
    q, k = rng.normal(size=depth), rng.normal(size=depth)
    rotated_q = answer_array("9b.1", "rotary", rotary(np.tile(q, (length, 1))))
    rotated_k = answer_array("9b.1", "rotary", rotary(np.tile(k, (length, 1))))
    scores = rotated_q @ rotated_k.T  # [m, n]: query at position m, key at position n
    relative = all(np.allclose(np.diag(scores, off), np.diag(scores, off)[0], atol=1e-4)
                   for off in range(-length + 1, length))  # fmt: skip
    expect("9b.1", relative, "rotated q_m . rotated k_n should depend only on m - n")
    return passed("9b.1", "Your rotary embedding matches RoPE, and with it the score of the "
                          "same query and key placed at positions m and n depends only on "
                          f"m - n (checked for all {2 * length - 1} offsets).")  # fmt: skip


def check_mlm_corruption(corrupt: Callable[..., Any], seed: int | None = None) -> str:
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


def check_block_parameters(count: Callable[[int, int], Any], seed: int | None = None) -> str:
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



def check_prediction_9b_4(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 9b.4 (predict): change one token of one snippet; whose outputs change under
    ``keras.layers.LayerNormalization`` and ``keras.layers.BatchNormalization`` (training)?

    Layer norm normalizes each token over its own features, so no other output moves;
    batch norm (``axis=-1``) averages each feature over the batch *and* the positions, so
    every token of every snippet moves. The same for every seed.
    """
    import keras  # here, not at import time: importing the checks stays light

    call_answer("9b.4", predict)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 6, 8)).astype("float32")
    changed = x.copy()
    changed[1, 3] = 3.0 + 5.0 * rng.normal(size=8)
    others = np.ones((2, 6), bool)
    others[1, 3] = False  # every token except the one that was changed
    moves = {}
    for name, layer in [("LayerNormalization", keras.layers.LayerNormalization()),
                        ("BatchNormalization", keras.layers.BatchNormalization())]:
        before = np.asarray(layer(x, training=True))
        after = np.asarray(layer(changed, training=True))
        moved = np.abs(after - before).max(axis=-1) > 1e-4  # (2, 6): did this output move?
        moves[name] = (int(moved[others].sum()), float(np.abs(after - before)[others].max()))
        print(f"{name}: {moves[name][0]} of the 11 other tokens' outputs changed "
              f"(largest change {moves[name][1]:.2g})")
    observed = (f"Changing token 3 of snippet 1 moved {moves['LayerNormalization'][0]} of the "
                f"11 other tokens' outputs under layer norm and {moves['BatchNormalization'][0]}"
                " of 11 under batch norm.")
    return grade_prediction(
        "9b.4", predict,
        options={"a": "layer norm: only that token's output; batch norm: every token of both "
                      "snippets",
                 "b": "layer norm: only that token's output; batch norm: token 3 of both "
                      "snippets, nothing else",
                 "c": "layer norm: every token of that snippet; batch norm: every token of "
                      "both snippets"},
        correct="a", observed=observed,
        why="Layer normalization computes a mean and a variance per token, over its own "
            "features, so a token's output depends on that token alone: it behaves the same "
            "for any batch size or snippet length. Batch normalization with axis=-1 computes "
            "one mean and variance per feature over all the batch's tokens (batch and "
            "positions together), so one changed token shifts everybody's normalization. "
            "That dependence on the batch and on the padding is why transformers use layer "
            "norm.",
    )  # fmt: skip


def check_rms_norm(rms_norm: Callable[..., Any], seed: int | None = None) -> str:
    """Exercise 9b.5: ``rms_norm(x, gamma, epsilon)``, RMS normalization over the last axis.

    ``y = x / sqrt(mean(x**2, axis=-1) + epsilon) * gamma``, compared on fresh random
    inputs (with a non-zero mean, so that centring shows) with
    ``keras.layers.RMSNormalization``.
    """
    import keras  # here, not at import time: importing the checks stays light

    rng = np.random.default_rng(seed)
    x = (1.5 + rng.normal(size=(2, 5, 8))).astype("float32")
    gamma = rng.uniform(0.5, 1.5, size=8).astype("float32")
    epsilon = 1e-6
    layer = keras.layers.RMSNormalization(epsilon=epsilon)
    layer.build(x.shape)
    layer.set_weights([gamma])
    expected = np.asarray(layer(x), dtype=np.float64)
    got = answer_array("9b.5", "rms_norm(x, gamma, 1e-6)",
                       call_answer("9b.5", rms_norm, x, gamma, epsilon))  # fmt: skip
    expect_shape("9b.5", "rms_norm(x, gamma) (the same shape as x)", got, x.shape)
    x64 = x.astype(np.float64)
    centred = x64 - x64.mean(axis=-1, keepdims=True)
    wrong = {
        "RMSNorm does not subtract the mean: that is layer normalization; divide x itself "
        "by its root mean square": centred / np.sqrt((centred**2).mean(-1, keepdims=True)
                                                     + epsilon) * gamma,
        "divide by the root mean square of each token's own features (axis=-1), not over "
        "the batch or the positions": x64 / np.sqrt((x64**2).mean(axis=(0, 1), keepdims=True)
                                                      + epsilon) * gamma,
        "take the square root of the mean square (the *root* mean square)":
            x64 / ((x64**2).mean(-1, keepdims=True) + epsilon) * gamma,
        "multiply by gamma after normalizing": x64 / np.sqrt((x64**2).mean(-1, keepdims=True)
                                                             + epsilon),
    }  # fmt: skip
    for message, candidate in wrong.items():
        if np.allclose(got, candidate, rtol=1e-4, atol=1e-5):
            raise ExerciseFailure("9b.5", message)
    expect_close("9b.5", "rms_norm(x, gamma, 1e-6)", got, expected, rtol=1e-4, atol=1e-5)
    return passed("9b.5", "Your RMSNorm matches keras.layers.RMSNormalization.")


def check_fixed_padding_mask(fixed: Callable[[Any], Any], seed: int | None = None) -> str:
    """Exercise 9b.6 (debug): ``fixed(ids)`` is the attention mask of a batch of padded
    snippets for ``keras.layers.MultiHeadAttention``: ``True`` where query ``t`` may attend
    to key ``s``, that is where key ``s`` is a real token (id not 0).

    Any array that broadcasts to ``(batch, T, S)`` like ``(ids != 0)[:, None, :]`` is
    accepted.
    """
    rng = np.random.default_rng(seed)
    batch, length = 4, 7
    lengths = np.concatenate([[length], rng.integers(2, length, size=batch - 1)])
    ids = rng.integers(2, 50, size=(batch, length))
    ids[0, 1] = 1  # the out-of-vocabulary token [UNK] is a real token too
    ids[np.arange(length)[None, :] >= lengths[:, None]] = 0
    expected = np.broadcast_to((ids != 0)[:, None, :], (batch, length, length))
    got = answer_array("9b.6", "fixed_padding_mask(ids)",
                       call_answer("9b.6", fixed, ids.copy()))  # fmt: skip
    if got.shape == (batch, length):
        raise ExerciseFailure("9b.6", "a (batch, S) mask broadcasts against (batch, T, S) as "
                                      "(1, batch, S): add the query axis, (batch, 1, S)")
    try:
        full = np.broadcast_to(got, (batch, length, length)).astype(bool)
    except ValueError:
        raise ExerciseFailure("9b.6", f"the mask has shape {got.shape}; MultiHeadAttention "
                                      f"needs one that broadcasts to (batch, T, S) = "
                                      f"{(batch, length, length)}, e.g. (batch, 1, S)") from None
    if np.array_equal(full, np.swapaxes(expected, 1, 2)):
        raise ExerciseFailure("9b.6", "this mask hides padded *queries* (rows), so the real "
                                      "tokens still attend to the padding: hide padded *keys* "
                                      "(columns), shape (batch, 1, S)")  # fmt: skip
    if np.array_equal(full, ~expected):
        raise ExerciseFailure("9b.6", "the mask is inverted: True means 'may attend', so the "
                                      "real tokens (id != 0) are True")  # fmt: skip
    expect("9b.6", np.array_equal(full, expected),
           "the mask is not right: entry [b, t, s] should be True exactly when token s of "
           "snippet b is real (id != 0)")
    return passed("9b.6", "Padded keys are hidden from every query, so the real tokens' "
                          "outputs no longer depend on what sits in the padding.")
