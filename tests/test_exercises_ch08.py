"""Each chapter-08 check accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch08 import (
    analogy_reference,
    check_analogy,
    check_masked_mean,
    check_multi_hot,
    check_prediction_8_3,
    check_prediction_8_6,
    check_sgns_loss,
    check_tf_idf,
)


def unsolved(*args):
    raise NotImplementedError()


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



@pytest.mark.parametrize("check", [check_multi_hot, check_sgns_loss,
                                   check_tf_idf, check_prediction_8_3, check_masked_mean,
                                   check_analogy, check_prediction_8_6])  # fmt: skip
def test_every_check_says_not_solved_yet(check):
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check(unsolved)


# --------------------------------------------------------------------------- 8.2 (transfer)
def make_tf_idf(tf="count", idf="keras", df="documents"):
    def tf_idf(docs, vocabulary):
        tokens = [d.split() for d in docs]
        n = len(docs)
        counts = np.array([[t.count(w) for w in vocabulary] for t in tokens], dtype=float)
        if df == "documents":
            freq = (counts > 0).sum(axis=0)
        else:
            freq = counts.sum(axis=0)
        weight = np.log(1 + n / (1 + freq)) if idf == "keras" else np.log(n / freq)
        return (counts if tf == "count" else (counts > 0) * 1.0) * weight

    return tf_idf


def test_tf_idf_accepts_a_correct_answer():
    assert "passed" in check_tf_idf(make_tf_idf())


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (make_tf_idf(tf="binary"), "COUNT of the word"),
        (make_tf_idf(idf="textbook"), "textbook idf"),
        (make_tf_idf(df="occurrences"), "DOCUMENTS that contain"),
        (lambda docs, v: make_tf_idf()(docs, v).T, "shape"),
        (lambda docs, v: make_tf_idf()(docs, sorted(v)), "not right"),  # columns out of order
        (lambda docs, v: make_tf_idf()(docs, v) / np.maximum(
            1, np.array([[len(d.split())] for d in docs])), "not right"),  # tf / doc length
    ],
)
def test_tf_idf_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_tf_idf(wrong)


# --------------------------------------------------------------------------- 8.3 (predict)
def test_prediction_accepts_the_right_letter_and_shows_the_run(capsys):
    assert "passed" in check_prediction_8_3(lambda: "b")
    assert "Observed scores" in capsys.readouterr().out


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_prediction_answer_is_the_same_for_every_seed(seed):
    assert "passed" in check_prediction_8_3(lambda: " B ", seed=seed)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [(lambda: "a", "you predicted \\(a\\)"), (lambda: "c", "you predicted \\(c\\)"),
     (lambda: 2, "should return one of")],
)
def test_prediction_rejects_wrong_letters(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_8_3(wrong, seed=0)


def test_prediction_unsolved_reveals_nothing(capsys):
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_prediction_8_3(unsolved)
    assert "Observed" not in capsys.readouterr().out


# --------------------------------------------------------------------------- 8.4 (debug)
def masked_mean(embedded, ids):
    mask = (ids > 0)[..., None]
    return (embedded * mask).sum(axis=1) / mask.sum(axis=1)


def buggy_mean(embedded, ids):  # the notebook's bug: divides by the padded length
    mask = (ids > 0).astype(embedded.dtype)
    return (embedded * mask[..., None]).sum(axis=1) / embedded.shape[1]


def test_masked_mean_accepts_a_correct_answer():
    assert "passed" in check_masked_mean(masked_mean)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (buggy_mean, "padded length"),
        (lambda e, ids: e.mean(axis=1), "averaged in"),
        (lambda e, ids: (e * (ids > 0)[..., None]).sum(axis=1), "not right"),  # a sum
        (lambda e, ids: masked_mean(e, ids)[None], "shape"),
        (lambda e, ids: (e * (ids > 0)[..., None]).sum(axis=1)
         / np.maximum((ids > 0).sum(), 1), "not right"),  # counts the whole batch
    ],
)
def test_masked_mean_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_masked_mean(wrong)


# --------------------------------------------------------------------------- 8.5 (transfer)
def analogy(vectors, a, b, c, k=1):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    target = unit[b] - unit[a] + unit[c]
    sims = unit @ target / np.linalg.norm(target)
    ranked = [int(i) for i in np.argsort(-sims) if i not in (a, b, c)]
    return np.array(ranked[:k])


def test_analogy_accepts_correct_answers():
    assert "passed" in check_analogy(analogy)
    assert "passed" in check_analogy(lambda *args: list(analogy_reference(*args)))


def test_analogy_reference_finds_a_planted_analogy():
    rng = np.random.default_rng(1)
    table = rng.normal(size=(20, 5))
    table[:3] /= np.linalg.norm(table[:3], axis=1, keepdims=True)
    table[7] = 3 * (table[1] - table[0] + table[2])
    assert analogy_reference(table, 0, 1, 2).tolist() == [7]


def no_exclusion(vectors, a, b, c, k=1):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    target = unit[b] - unit[a] + unit[c]
    return np.argsort(-(unit @ target))[:k]


def by_dot_product(vectors, a, b, c, k=1):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = vectors @ (unit[b] - unit[a] + unit[c])
    scores[[a, b, c]] = -np.inf
    return np.argsort(-scores)[:k]


def unnormalised(vectors, a, b, c, k=1):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = unit @ (vectors[b] - vectors[a] + vectors[c])
    scores[[a, b, c]] = -np.inf
    return np.argsort(-scores)[:k]


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (no_exclusion, "leave a, b and c out"),
        (by_dot_product, "dot product"),
        (unnormalised, "BEFORE"),
        (lambda v, a, b, c, k=1: analogy(v, b, a, c, k), "the answer is"),  # a - b + c
        (lambda v, a, b, c, k=1: analogy(v, a, b, c, k)[::-1], "the answer is"),  # wrong order
        (lambda v, a, b, c, k=1: analogy(v, a, b, c, k + 1), "return"),
    ],
)
def test_analogy_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_analogy(wrong)


# --------------------------------------------------------------------------- 8.6 (predict)
@pytest.mark.parametrize("seed", [0, 1])
def test_prediction_8_6_answer_is_c_for_every_fold_split(seed, capsys):
    assert "passed" in check_prediction_8_6(lambda: "c", seed=seed)
    assert "from all snippets" in capsys.readouterr().out


@pytest.mark.parametrize("letter", ["a", "b"])
def test_prediction_8_6_rejects_the_wrong_letters(letter):
    with pytest.raises(ExerciseFailure):
        check_prediction_8_6(lambda: letter, seed=0)


def test_prediction_8_6_unsolved_fails_before_running():
    def unsolved():
        raise NotImplementedError()

    with pytest.raises(ExerciseFailure):
        check_prediction_8_6(unsolved)
