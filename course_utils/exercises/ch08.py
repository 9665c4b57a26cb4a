"""Exercise checks for chapter 08, NLP and embeddings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    call_answer_safely,
    expect,
    expect_close,
    expect_shape,
    grade_prediction,
    passed,
)

__all__ = [
    "analogy_reference",
    "check_analogy",
    "check_masked_mean",
    "check_multi_hot",
    "check_prediction_8_3",
    "check_prediction_8_6",
    "check_sgns_loss",
    "check_tf_idf",
]


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


def _reference_sgns(v, u_o, u_neg):
    def log_sig(x):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    return float(-log_sig(u_o @ v) - np.sum(log_sig(-(u_neg @ v))))


def check_sgns_loss(sgns_loss: Callable[[Any, Any, Any], Any], seed: int = 0) -> str:
    """Exercise 8.7: ``sgns_loss(v_c, u_o, u_neg)`` for one centre word.

    ``-log sigma(u_o . v_c) - sum_k log sigma(-u_k . v_c)`` with ``v_c``, ``u_o`` of
    shape ``(d,)`` and ``u_neg`` of shape ``(K, d)``.
    """
    rng = np.random.default_rng(seed)
    for k, dim in ((5, 8), (1, 3), (10, 4)):
        v, u_o = rng.normal(size=dim), rng.normal(size=dim)
        u_neg = rng.normal(size=(k, dim))
        got = answer_array("8.7", "the loss", call_answer("8.7", sgns_loss, v, u_o, u_neg),
                           expected="a number")  # fmt: skip
        expect("8.7", got.size == 1, f"the loss should be one number, got shape {got.shape}")
        wrong_sign = -np.log(1 / (1 + np.exp(-(u_o @ v)))) - np.sum(
            np.log(1 / (1 + np.exp(-(u_neg @ v)))))  # fmt: skip
        expect("8.7", not np.isclose(got.item(), wrong_sign, rtol=1e-6),
               "the noise words need sigma(-u_k . v_c): the model should give them a LOW score")
        expect_close("8.7", f"the loss (K={k}, d={dim})", got.item(),
                     _reference_sgns(v, u_o, u_neg), rtol=1e-5)  # fmt: skip
    return passed("8.7", "Your skip-gram negative-sampling loss is right.")


# --------------------------------------------------------------------------- 8.2 TF-IDF
_WORDS = ("good bad film plot actors boring funny dull the a not very story great script "
          "music slow").split()


def _random_docs(rng: np.random.Generator, n: int) -> list[str]:
    """Short documents over a small vocabulary, with Zipf-like word frequencies."""
    weights = 1.0 / np.arange(1, len(_WORDS) + 1)
    weights /= weights.sum()
    return [" ".join(rng.choice(_WORDS, size=int(rng.integers(2, 9)), p=weights))
            for _ in range(n)]  # fmt: skip


def check_tf_idf(tf_idf: Callable[[Any, Any], Any], seed: int = 0) -> str:
    """Exercise 8.2 (transfer): ``tf_idf(docs, vocabulary)``, TF-IDF weighting by hand.

    Entry ``[d, j]`` is ``count of vocabulary[j] in docs[d]`` times
    ``log(1 + N / (1 + df))`` (``N`` documents, ``df`` of them contain the word), which is
    what ``TextVectorization(output_mode="tf_idf")`` computes after ``adapt(docs)``; the
    check compares with that layer, vocabulary in a shuffled order.
    """
    import keras

    rng = np.random.default_rng(seed)
    for n_docs in (6, 11):
        docs = _random_docs(rng, n_docs)
        layer = keras.layers.TextVectorization(output_mode="tf_idf", standardize=None,
                                               split="whitespace")  # fmt: skip
        layer.adapt(docs)
        keras_vocab = [str(w) for w in layer.get_vocabulary()]  # index 0 is "[UNK]"
        want_all = np.asarray(layer(docs), dtype=np.float64)
        vocabulary = list(rng.permutation(keras_vocab[1:]))
        want = want_all[:, [keras_vocab.index(w) for w in vocabulary]]
        answer = call_answer_safely("8.2", tf_idf, list(docs), list(vocabulary))
        got = answer_array("8.2", "the TF-IDF matrix", answer)
        expect("8.2", got.shape == want.shape,
               f"{len(docs)} documents and {len(vocabulary)} words: the matrix should have "
               f"shape {want.shape} (documents x vocabulary), got {got.shape}")  # fmt: skip
        tokens = [doc.split() for doc in docs]
        counts = np.array([[t.count(w) for w in vocabulary] for t in tokens], dtype=np.float64)
        present = (counts > 0).astype(np.float64)
        df = present.sum(axis=0)
        idf = np.log(1 + n_docs / (1 + df))
        if np.allclose(got, present * idf):
            raise ExerciseFailure("8.2", "the term frequency is the COUNT of the word in the "
                                         "document, not 0/1 (a word used twice weighs double)")
        if np.allclose(got, counts * np.log(n_docs / df)):
            raise ExerciseFailure("8.2", "that is the textbook idf log(N / df); Keras uses the "
                                         "smoothed log(1 + N / (1 + df))")
        if np.allclose(got, counts * np.log(1 + n_docs / (1 + counts.sum(axis=0)))):
            raise ExerciseFailure("8.2", "df counts the DOCUMENTS that contain the word, not "
                                         "how often it occurs in all of them")
        expect_close("8.2", "the TF-IDF matrix against TextVectorization(output_mode='tf_idf')",
                     got, want, rtol=1e-5, atol=1e-6)  # fmt: skip
    return passed("8.2", "Your TF-IDF matrix matches TextVectorization(output_mode='tf_idf').")


# --------------------------------------------------------------------------- 8.3 predict
def check_prediction_8_3(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 8.3 (predict): which models give "not good , just bad" and
    "not bad , just good" the same score?

    Builds three small Keras models with random weights over the same token ids: the bag
    of words of section 3, the averaged-embedding model of section 3 and an embedding
    followed by a GRU, and scores both sentences. Right answer (b): the first two ignore
    word order (a sum and a mean are the same in any order), only the GRU reads the
    sequence. True for any weights, so for every seed.
    """
    call_answer("8.3", predict)  # "not solved yet" before anything is revealed
    import keras

    seed = int(np.random.default_rng().integers(1 << 30)) if seed is None else seed
    vocabulary = ["not", "good", ",", "just", "bad"]
    ids = {w: i + 2 for i, w in enumerate(vocabulary)}  # 0 padding, 1 unknown, as in section 1
    sentences = ["not good , just bad", "not bad , just good"]
    batch = np.array([[ids[w] for w in s.split()] + [0, 0] for s in sentences])
    size = len(vocabulary) + 2
    ids_in = keras.Input((batch.shape[1],), dtype="int32")
    present = keras.ops.cast(ids_in > 0, "float32")
    weight = keras.layers.Embedding(size, 1)(ids_in)
    bow = keras.Model(ids_in, keras.ops.sum(weight[..., 0] * present, axis=1, keepdims=True))
    average = keras.Sequential([keras.Input((batch.shape[1],), dtype="int32"),
                                keras.layers.Embedding(size, 8, mask_zero=True),
                                keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
    gru = keras.Sequential([keras.Input((batch.shape[1],), dtype="int32"),
                            keras.layers.Embedding(size, 8, mask_zero=True),
                            keras.layers.GRU(8), keras.layers.Dense(1)])  # fmt: skip
    rng = np.random.default_rng(seed)  # random weights, without touching the global seeds
    models = {"bag of words": bow, "averaged embedding": average, "embedding + GRU": gru}
    for model in models.values():
        model.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32")
                           for w in model.get_weights()])  # fmt: skip
    scores = {name: np.asarray(model(batch))[:, 0] for name, model in models.items()}
    observed = "Observed scores (random weights): " + "; ".join(
        f"{name} {s[0]:+.6f} vs {s[1]:+.6f}" for name, s in scores.items()) + "."
    print(observed)
    return grade_prediction(
        "8.3", predict,
        options={"a": "all three models give both sentences the same score",
                 "b": "the bag of words and the averaged embedding model give them the same "
                      "score; only the GRU tells them apart",
                 "c": "only the bag of words gives them the same score"},
        correct="b", observed=observed,
        why=("Both sentences hold the same words. A bag of words sums one weight per word and "
             "the averaged-embedding model averages word vectors: a sum or mean does not "
             "depend on the order, whatever the weights. A recurrent layer reads the words one "
             "after the other, so its state, and the score, depend on the order."),
    )  # fmt: skip


# --------------------------------------------------------------------------- 8.4 debug
def check_masked_mean(masked_mean: Callable[[Any, Any], Any], seed: int = 0) -> str:
    """Exercise 8.4 (debug): ``masked_mean(embedded, ids)`` averages each row's word vectors
    over its real tokens (``ids > 0``) only, like ``GlobalAveragePooling1D`` with the mask
    of ``Embedding(mask_zero=True)``; compared with that layer on random padded batches."""
    import keras

    rng = np.random.default_rng(seed)
    for batch, length, dim in ((5, 9, 4), (3, 12, 6)):
        ids = rng.integers(1, 30, size=(batch, length))
        lengths = rng.integers(1, length, size=batch)
        lengths[0] = length  # one row without padding
        ids[np.arange(length)[None, :] >= lengths[:, None]] = 0
        embedded = rng.normal(size=(batch, length, dim)).astype(np.float32)
        want = np.asarray(keras.layers.GlobalAveragePooling1D()(embedded, mask=ids > 0),
                          dtype=np.float64)  # fmt: skip
        answer = call_answer_safely("8.4", masked_mean, embedded.copy(), ids.copy())
        got = answer_array("8.4", "the averaged vectors", answer)
        expect("8.4", got.shape == want.shape,
               f"one vector per row: expected shape {want.shape} (batch, dim), got {got.shape}")
        mask = (ids > 0)[..., None]
        if np.allclose(got, (embedded * mask).sum(axis=1) / length, atol=1e-5):
            raise ExerciseFailure("8.4", "padding is left out of the sum but still counted in "
                                         "the division: divide by the number of REAL tokens "
                                         "of each row, not by the padded length")
        if np.allclose(got, embedded.mean(axis=1), atol=1e-5):
            raise ExerciseFailure("8.4", "the padding vectors are averaged in: use the mask "
                                         "ids > 0 in the sum and in the count")
        expect_close("8.4", "the averaged vectors against GlobalAveragePooling1D with the mask",
                     got, want, rtol=1e-5, atol=1e-6)  # fmt: skip
    return passed("8.4", "Your masked mean matches GlobalAveragePooling1D with a mask: "
                         "padding no longer changes a sentence's vector.")


# --------------------------------------------------------------------------- 8.5 analogy
def analogy_reference(vectors: np.ndarray, a: int, b: int, c: int, k: int = 1) -> np.ndarray:
    """3CosAdd (Mikolov et al., 2013): the ``k`` words most cosine-similar to
    ``b - a + c`` computed on unit-length rows, excluding ``a``, ``b`` and ``c``."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    target = unit[b] - unit[a] + unit[c]
    scores = unit @ target / np.linalg.norm(target)
    scores[[a, b, c]] = -np.inf
    return np.argsort(-scores, kind="stable")[:k]


def check_analogy(analogy: Callable[..., Any], seed: int = 0) -> str:
    """Exercise 8.5 (transfer): ``analogy(vectors, a, b, c, k)``, "a is to b as c is to ?".

    Compared with :func:`analogy_reference` on random tables whose rows have very
    different lengths (so that a dot product, or forgetting to normalise, gives other
    answers) and on a table with a planted analogy.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(6):
        table = rng.normal(size=(40, 6)) * rng.uniform(0.2, 3.0, size=(40, 1))
        a, b, c = (int(i) for i in rng.choice(40, size=3, replace=False))
        cases.append((table, a, b, c, 3))
    planted = rng.normal(size=(30, 8))
    planted[:3] /= np.linalg.norm(planted[:3], axis=1, keepdims=True)
    planted[3] = 2.0 * (planted[1] - planted[0] + planted[2])  # word 3 completes 0 : 1 = 2 : ?
    cases.append((planted, 0, 1, 2, 1))
    for table, a, b, c, k in cases:
        want = analogy_reference(table, a, b, c, k)
        answer = call_answer_safely("8.5", analogy, table.copy(), a, b, c, k)
        got = answer_array("8.5", "the indices", answer, expected="an array of word indices")
        got = got.ravel()
        expect("8.5", got.shape == (k,), f"with k={k} return {k} indices, got {got.shape[0]}")
        got = got.astype(int)
        if set(got) & {a, b, c}:
            raise ExerciseFailure("8.5", f"your answer contains one of the query words {a}, "
                                         f"{b}, {c}: leave a, b and c out (b - a + c is "
                                         "usually closest to c itself)")
        unit = table / np.linalg.norm(table, axis=1, keepdims=True)
        raw = table[b] - table[a] + table[c]
        dot_rankings = []
        for target in (unit[b] - unit[a] + unit[c], raw):
            dots = table @ target
            dots[[a, b, c]] = -np.inf
            dot_rankings.append(np.argsort(-dots)[:k])
        raw_cos = unit @ (raw / np.linalg.norm(raw))
        raw_cos[[a, b, c]] = -np.inf
        if not np.array_equal(got, want):
            if any(np.array_equal(got, ranking) for ranking in dot_rankings):
                raise ExerciseFailure("8.5", "you ranked by the dot product: rank by COSINE "
                                             "similarity, so long vectors do not win")
            if np.array_equal(got, np.argsort(-raw_cos)[:k]):
                raise ExerciseFailure("8.5", "normalise every word vector to length 1 BEFORE "
                                             "computing b - a + c, else long vectors dominate "
                                             "the target")
            raise ExerciseFailure("8.5", f"for a={a}, b={b}, c={c}, k={k} the answer is "
                                         f"{want.tolist()} (most similar first), you gave "
                                         f"{got.tolist()}")
    return passed("8.5", "Your analogies match 3CosAdd, and the planted one comes out right.")


# --------------------------------------------------------------------------- 8.6 predict
def check_prediction_8_6(predict: Callable[[], Any], seed: int | None = None) -> str:
    """Exercise 8.6 (predict): how much higher does cross-validated accuracy come out when
    the naive-Bayes ratios are computed on all snippets, test folds included?

    Runs 5-fold cross-validation of NB-weighted uni+bigram logistic regression (section 3,
    words only) on the polarity data twice: with the ratio r from the training folds
    (honest) and with r from all snippets (leaky). Right answer (c): the leak adds about
    8 points (86 % against 78 %) for every fold split tried, because the ratio of a rare
    n-gram shared by a training and a test snippet carries the test snippet's label.
    """
    call_answer("8.6", predict)  # "not solved yet" before anything is revealed
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    from course_utils.data import load_sentence_polarity
    from course_utils.validation_splits import kfold_splits

    seed = int(np.random.default_rng().integers(1 << 30)) if seed is None else seed
    texts, labels = load_sentence_polarity()
    counts = CountVectorizer(ngram_range=(1, 2), binary=True, token_pattern=r"\S+",
                             lowercase=False).fit_transform(texts.astype(str)).tocsr()

    def ratio(rows: np.ndarray) -> np.ndarray:
        x, y = counts[rows], labels[rows]
        p = 1.0 + np.asarray(x[y == 1].sum(axis=0)).ravel()
        q = 1.0 + np.asarray(x[y == 0].sum(axis=0)).ravel()
        return np.log(p / p.sum()) - np.log(q / q.sum())

    leaked = ratio(np.arange(len(labels)))
    accuracy: dict[str, list[float]] = {"honest": [], "leaky": []}
    for train, test in kfold_splits(len(labels), 5, shuffle=True, seed=seed):
        for name, r in (("honest", ratio(train)), ("leaky", leaked)):
            x = counts.multiply(r).tocsr()
            model = LogisticRegression(C=0.1, solver="liblinear", dual=True)
            model.fit(x[train], labels[train])
            accuracy[name].append(float(np.mean(model.predict(x[test]) == labels[test])))
    honest, leaky = (100 * float(np.mean(accuracy[k])) for k in ("honest", "leaky"))
    observed = (f"5-fold CV accuracy with the ratios from the training folds: {honest:.1f} %; "
                f"from all snippets: {leaky:.1f} % ({leaky - honest:+.1f} points).")
    print(observed)
    return grade_prediction(
        "8.6", predict,
        options={"a": "about the same (within 1 point): the ratios are only a rescaling, "
                      "and the classifier is still trained on the training folds only",
                 "b": "somewhat higher, by 1 to 3 points",
                 "c": "much higher, by more than 5 points"},
        correct="c", observed=observed,
        why=("Most n-grams are rare. A bigram seen once in a training snippet and once in a "
             "test snippet gets a large ratio when the two labels agree and a ratio near 0 "
             "when they disagree, so r already carries the test labels, and the classifier "
             "trained on x * r reads them back. The ratio is learned from labels: it belongs "
             "inside the fold, like the vocabulary and every hyperparameter."),
    )  # fmt: skip
