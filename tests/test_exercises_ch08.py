"""Each chapter-08 check accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch08 import check_multi_hot, check_sgns_loss, check_skipgram_pairs


def multi_hot(ids, vocab_size):
    out = np.zeros((len(ids), vocab_size))
    for row, seq in enumerate(ids):
        out[row, seq] = 1.0
    out[:, 0] = 0.0
    return out


def test_multi_hot_accepts_a_correct_answer():
    assert "passed" in check_multi_hot(multi_hot)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda ids, v: np.stack([np.bincount(r[r > 0], minlength=v) for r in ids]),
         "counts once"),
        (lambda ids, v: np.stack([np.bincount(r, minlength=v) > 0 for r in ids]).astype(float),
         "padding"),
        (lambda ids, v: multi_hot(ids, v)[:, 1:], "shape"),
        (lambda ids, v: None, "should be an array"),
    ],
)
def test_multi_hot_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_multi_hot(wrong)


def pairs(ids, window):
    return [(ids[i], ids[j]) for i in range(len(ids)) for j in range(len(ids))
            if 0 < abs(i - j) <= window]  # fmt: skip


def test_skipgram_pairs_accepts_correct_answers():
    assert "passed" in check_skipgram_pairs(pairs)
    assert "passed" in check_skipgram_pairs(lambda ids, w: np.array(pairs(ids, w)))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda ids, w: [(ids[i], ids[j]) for i in range(len(ids)) for j in range(len(ids))
                         if abs(i - j) <= w], "own context"),
        (lambda ids, w: [(ids[i], ids[j]) for i in range(len(ids)) for j in range(len(ids))
                         if 0 < j - i <= w], "both sides"),
        (lambda ids, w: [(ids[i], ids[j]) for i in range(len(ids)) for j in range(len(ids))
                         if 0 < abs(i - j) < w], "pairs"),
        (lambda ids, w: [(ids[j], ids[i] + 1) for i, j in pairs(range(len(ids)), w)],
         "not right"),
        (lambda ids, w: None, "returned None"),
    ],
)
def test_skipgram_pairs_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_skipgram_pairs(wrong)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_sgns_loss_accepts_a_correct_answer():
    assert "passed" in check_sgns_loss(
        lambda v, u, n: -np.log(sigmoid(u @ v)) - np.sum(np.log(sigmoid(-n @ v))))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda v, u, n: -np.log(sigmoid(u @ v)) - np.sum(np.log(sigmoid(n @ v))), "LOW score"),
        (lambda v, u, n: -np.log(sigmoid(u @ v)) - np.mean(np.log(sigmoid(-n @ v))),
         "not right"),
        (lambda v, u, n: np.log(sigmoid(u @ v)) + np.sum(np.log(sigmoid(-n @ v))), "not right"),
        (lambda v, u, n: -np.log(sigmoid(-n @ v)), "one number"),
        (lambda v, u, n: None, "should be a number"),
    ],
)
def test_sgns_loss_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_sgns_loss(wrong)
