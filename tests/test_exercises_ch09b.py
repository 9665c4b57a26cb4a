"""Each chapter-09b check accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch09b import (
    check_block_parameters,
    check_mlm_corruption,
    check_positional_encoding,
)


# ---------------------------------------------------------------------------9b.1
def encoding(length, depth, swap=False, exponent=2):
    pos = np.arange(length)[:, None]
    i = np.arange(depth // 2)[None, :]
    angles = pos / 10000 ** (exponent * i / depth)
    pe = np.zeros((length, depth))
    pe[:, 0::2], pe[:, 1::2] = (np.cos(angles), np.sin(angles)) if swap else (np.sin(angles),
                                                                                np.cos(angles))
    return pe


def test_encoding_accepts_a_correct_answer():
    assert "passed" in check_positional_encoding(encoding)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda n, d: encoding(n, d, swap=True), "swapped"),
        (lambda n, d: encoding(n, d, exponent=1), "not right"),  # i/d instead of 2i/d
        (lambda n, d: np.concatenate([encoding(n, d)[:, 0::2], encoding(n, d)[:, 1::2]], 1),
         "not right"),  # sin block then cos block (a common layout, but not this one)
        (lambda n, d: encoding(n, d).T, "shape"),
        (lambda n, d: None, "None"),
    ],
)
def test_encoding_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_positional_encoding(wrong)


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
    ],
)
def test_block_parameters_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_block_parameters(wrong)
