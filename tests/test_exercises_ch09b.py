"""Each chapter-09b check accepts a correct answer and rejects plausible wrong ones."""

import keras
import numpy as np
import pytest

from course_utils.attention import padding_mask, positional_encoding
from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch09b import (
    check_block_parameters,
    check_fixed_padding_mask,
    check_mlm_corruption,
    check_prediction_9b_4,
    check_rms_norm,
    check_rotary,
)


def unsolved(*args):
    raise NotImplementedError()


# ---------------------------------------------------------------------------9b.1
def rotary(x, sign=1.0, halves=False, exponent=2):
    """RoPE written with explicit 2x2 rotation matrices (independent of the check's code)."""
    length, depth = x.shape
    out = np.array(x, dtype=float)
    for p in range(length):
        for i in range(depth // 2):
            theta = p / 10_000 ** (exponent * i / depth)
            rot = np.array([[np.cos(theta), -sign * np.sin(theta)],
                            [sign * np.sin(theta), np.cos(theta)]])  # fmt: skip
            pair = [i, i + depth // 2] if halves else [2 * i, 2 * i + 1]
            out[p, pair] = rot @ x[p, pair]
    return out


def test_rotary_accepts_correct_answers():
    assert "passed" in check_rotary(rotary)

    def with_positional_encoding(x):  # the notebook's solution: angles from section 1
        pe = positional_encoding(len(x), x.shape[-1])
        sin, cos = pe[:, 0::2], pe[:, 1::2]
        out = np.empty_like(x)
        out[:, 0::2] = x[:, 0::2] * cos - x[:, 1::2] * sin
        out[:, 1::2] = x[:, 0::2] * sin + x[:, 1::2] * cos
        return out

    assert "passed" in check_rotary(with_positional_encoding)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x: rotary(x, sign=-1.0), "wrong way"),
        (lambda x: rotary(x, halves=True), "neighbouring features"),
        (lambda x: x + positional_encoding(*x.shape), "does not add"),
        (lambda x: rotary(x, exponent=1), "not right"),  # i/d instead of 2i/d
        (lambda x: rotary(np.roll(x, 1, axis=0)), "unchanged"),  # positions off by one
        (lambda x: rotary(x).T, "shape"),
        (lambda x: None, "None"),
        (unsolved, "not solved yet"),
    ],
)
def test_rotary_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_rotary(wrong)




# -------------------------------------------------------------------------- 9b.2
def corrupt(ids, positions, u, random_ids, mask_id, labels_from_inputs=False, all_labels=False,
            all_masked=False, in_place=False, swapped=False):
    inputs = ids if in_place else ids.copy()
    labels = ids.copy() if all_labels else np.full(len(ids), -1)
    low, high = (0.1, 0.2) if swapped else (0.8, 0.9)
    for p, r, w in zip(positions, u, random_ids, strict=True):
        if not all_labels and not labels_from_inputs:
            labels[p] = ids[p]
        if all_masked or r < low:
            inputs[p] = mask_id
        elif r < high:
            inputs[p] = w
        if labels_from_inputs:
            labels[p] = inputs[p]
    return inputs, labels


def test_corruption_accepts_a_correct_answer():
    assert "passed" in check_mlm_corruption(corrupt)
    assert "passed" in check_mlm_corruption(corrupt, seed=3)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda *a: corrupt(*a, labels_from_inputs=True), "original words"),
        (lambda *a: corrupt(*a, all_labels=True), "label -1"),
        (lambda *a: corrupt(*a, all_masked=True), "only those"),
        (lambda *a: corrupt(*a, in_place=True), "in place"),
        (lambda *a: corrupt(*a, swapped=True), "inputs are not right"),
        (lambda *a: corrupt(*a)[0], "pair"),
        (lambda *a: None, "None"),
        (unsolved, "not solved yet"),
    ],
)
def test_corruption_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_mlm_corruption(wrong)


# -------------------------------------------------------------------------- 9b.3
def block_parameters(dim, ff_dim):
    return 4 * (dim * dim + dim) + 4 * dim + (dim * ff_dim + ff_dim) + (ff_dim * dim + dim)


def test_block_parameters_accepts_a_correct_answer():
    assert "passed" in check_block_parameters(block_parameters)
    assert "passed" in check_block_parameters(lambda d, f: np.int64(block_parameters(d, f)))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda d, f: block_parameters(d, f) - 4 * d, "layer normalizations"),
        (lambda d, f: 4 * d * d + 4 * d + 2 * d * f, "biases"),
        (lambda d, f: block_parameters(d, f) - d * d - d, "not right"),  # three projections
        (lambda d, f: float(block_parameters(d, f)), "int"),
        (lambda d, f: None, "None"),
        (unsolved, "not solved yet"),
    ],
)
def test_block_parameters_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_block_parameters(wrong)



def test_block_parameters_agree_with_keras_count_params():
    dim, ff_dim = 16, 40
    x = keras.Input((5, dim))
    h = keras.layers.MultiHeadAttention(4, dim // 4)(x, x)
    layers = [keras.layers.LayerNormalization(), keras.layers.LayerNormalization(),
              keras.layers.Dense(ff_dim), keras.layers.Dense(dim)]  # fmt: skip
    y = layers[3](layers[2](layers[1](layers[0](h))))
    assert keras.Model(x, y).count_params() == block_parameters(dim, ff_dim)


# -------------------------------------------------------------------------- 9b.4
@pytest.mark.parametrize("seed", [0, 1, None])
def test_prediction_accepts_the_right_letter_for_every_seed(seed, capsys):
    assert "passed" in check_prediction_9b_4(lambda: "a", seed=seed)
    out = capsys.readouterr().out
    assert "LayerNormalization: 0 of the 11" in out
    assert "BatchNormalization: 11 of the 11" in out


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda: "b", "you predicted \\(b\\)"),
        (lambda: "c", "you predicted \\(c\\)"),
        (lambda: 1, "should return one of"),
        (unsolved, "not solved yet"),
    ],
)
def test_prediction_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_9b_4(wrong)


def test_unsolved_prediction_reveals_nothing(capsys):
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_prediction_9b_4(unsolved)
    assert capsys.readouterr().out == ""


# -------------------------------------------------------------------------- 9b.5
def rms_norm(x, gamma, epsilon=1e-6, center=False, axis=-1, root=True, scale=True):
    x = np.asarray(x, dtype=np.float64)
    if center:
        x = x - x.mean(axis=-1, keepdims=True)
    mean_square = np.mean(x**2, axis=axis, keepdims=True) + epsilon
    y = x / (np.sqrt(mean_square) if root else mean_square)
    return y * gamma if scale else y


def test_rms_norm_accepts_correct_answers():
    assert "passed" in check_rms_norm(rms_norm)
    assert "passed" in check_rms_norm(  # written with the reciprocal square root
        lambda x, g, eps=1e-6: x * (1 / np.sqrt(np.mean(np.square(x), -1, keepdims=True) + eps))
        * g)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x, g, e=1e-6: rms_norm(x, g, e, center=True), "subtract the mean"),
        (lambda x, g, e=1e-6: rms_norm(x, g, e, axis=(0, 1)), "axis=-1"),
        (lambda x, g, e=1e-6: rms_norm(x, g, e, root=False), "square root"),
        (lambda x, g, e=1e-6: rms_norm(x, g, e, scale=False), "gamma"),
        (lambda x, g, e=1e-6: rms_norm(x, g, e, axis=1), "not right"),  # over the positions
        (lambda x, g, e=1e-6: rms_norm(x, g, e)[0], "shape"),
        (lambda x, g, e=1e-6: None, "None"),
        (unsolved, "not solved yet"),
    ],
)
def test_rms_norm_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_rms_norm(wrong)


# -------------------------------------------------------------------------- 9b.6
def buggy_padding_mask(ids):  # the notebook's buggy cell
    return (np.asarray(ids) != 0)[:, :, None]


def test_fixed_padding_mask_accepts_correct_answers():
    assert "passed" in check_fixed_padding_mask(lambda ids: (ids != 0)[:, None, :])
    assert "passed" in check_fixed_padding_mask(padding_mask)  # course_utils' version
    assert "passed" in check_fixed_padding_mask(  # a full (batch, T, S) mask, from Keras ops
        lambda ids: np.asarray(keras.ops.logical_and(
            keras.ops.expand_dims(ids != 0, 1), keras.ops.ones((1, ids.shape[1], 1), "bool"))))


def test_the_buggy_mask_lets_real_tokens_read_the_padding_and_the_fix_does_not():
    rng = np.random.default_rng()
    ids = np.array([[5, 8, 3, 0, 0], [4, 4, 9, 7, 2]])
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    other = x.copy()
    other[0, 3:] = 9.0  # change only the padding
    mha = keras.layers.MultiHeadAttention(2, 4)
    for mask, should_change in [(buggy_padding_mask(ids), True), (padding_mask(ids), False)]:
        changed = np.abs(np.asarray(mha(x, x, attention_mask=mask))
                         - np.asarray(mha(other, other, attention_mask=mask)))[0, :3].max()
        assert (changed > 1e-3) == should_change


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (buggy_padding_mask, "padded \\*queries\\*"),
        (lambda ids: ids != 0, "add the query axis"),
        (lambda ids: (ids == 0)[:, None, :], "inverted"),
        (lambda ids: (ids > 1)[:, None, :], "not right"),  # [UNK] (1) hidden too
        (lambda ids: (ids != 0)[None, :, :, None], "broadcasts to"),
        (lambda ids: None, "None"),
        (unsolved, "not solved yet"),
    ],
)
def test_fixed_padding_mask_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_fixed_padding_mask(wrong)
