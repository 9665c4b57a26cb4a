"""course_utils.losses against keras.losses, on fresh random inputs of several shapes.

Each comparison also checks that its inputs would expose plausible wrong formulas
(wrong sign, wrong brackets, wrong Huber branch, p and q swapped, ...): a wrong
formula must differ from Keras by far more than the tolerance on the same inputs.
"""

from __future__ import annotations

import os
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils import losses as L

RTOL = 1e-5
SHAPES = [(7,), (32, 1), (16, 5), (4, 3, 6)]
CLASS_SHAPES = [(9, 2), (64, 10), (5, 7, 4)]


def rel_err(a: float, b: float) -> float:
    return abs(float(a) - float(b)) / max(abs(float(b)), 1e-12)


def keras_loss(loss: keras.losses.Loss, y_true, y_pred) -> float:
    return float(loss(tf.constant(y_true), tf.constant(y_pred)))


def random_distributions(rng: np.random.Generator, shape, scale: float = 2.0) -> np.ndarray:
    z = rng.normal(scale=scale, size=shape)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


def one_hot(labels: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k, dtype=np.float32)[labels]


@pytest.fixture
def rng(request) -> np.random.Generator:
    # fresh inputs for every test, reproducible from the test's name
    return np.random.default_rng(zlib.crc32(request.node.name.encode()))


def assert_matches_and_wrong_differs(ours, keras_value, wrong_values: dict) -> None:
    assert rel_err(ours, keras_value) < RTOL, (ours, keras_value)
    for name, wrong in wrong_values.items():
        assert rel_err(wrong, keras_value) > 1e-3, f"inputs do not expose the wrong formula {name}"


# ----------------------------------------------------------------------------- regression


@pytest.mark.parametrize("shape", SHAPES)
def test_mse_matches_keras(rng, shape):
    y = rng.normal(size=shape).astype(np.float32)
    y_hat = (y + rng.normal(scale=2.0, size=shape)).astype(np.float32)
    expected = keras_loss(keras.losses.MeanSquaredError(), y, y_hat)
    assert_matches_and_wrong_differs(
        L.mse(y, y_hat),
        expected,
        {
            "root of the mean": np.sqrt(np.mean((y - y_hat) ** 2)),
            "half squared error": 0.5 * np.mean((y - y_hat) ** 2),
            "sum instead of mean": np.sum((y - y_hat) ** 2),
        },
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_mae_matches_keras(rng, shape):
    y = rng.normal(size=shape).astype(np.float32)
    y_hat = (y + rng.normal(scale=2.0, size=shape)).astype(np.float32)
    expected = keras_loss(keras.losses.MeanAbsoluteError(), y, y_hat)
    assert_matches_and_wrong_differs(
        L.mae(y, y_hat),
        expected,
        {"absolute value of the mean error": abs(np.mean(y - y_hat))},
    )


def wrong_huber_branches(y, y_hat, delta):
    r = np.abs(y_hat - y)
    return np.mean(np.where(r <= delta, delta * r - 0.5 * delta**2, 0.5 * r**2))


def wrong_huber_no_half(y, y_hat, delta):
    r = np.abs(y_hat - y)
    return np.mean(np.where(r <= delta, r**2, delta * r - delta**2))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("delta", [0.5, 1.0, 2.5])
def test_huber_matches_keras(rng, shape, delta):
    y = rng.normal(size=shape).astype(np.float32)
    # residuals on both sides of delta, so both branches are exercised
    y_hat = (y + rng.uniform(-3 * delta, 3 * delta, size=shape)).astype(np.float32)
    expected = keras_loss(keras.losses.Huber(delta=delta), y, y_hat)
    wrong = {
        "branches swapped": wrong_huber_branches(y, y_hat, delta),
        "without the 1/2": wrong_huber_no_half(y, y_hat, delta),
    }
    if delta != 1.0:
        wrong["delta ignored"] = L.huber(y, y_hat)
    assert_matches_and_wrong_differs(L.huber(y, y_hat, delta=delta), expected, wrong)


def test_huber_limits():
    r = np.array([0.1, -0.3, 5.0, -8.0])
    zero = np.zeros(2)
    # small errors: half the squared error; large errors: delta*|r| - delta^2/2
    assert np.allclose(L.huber(zero, r[:2], reduction="none"), 0.5 * r[:2] ** 2)
    assert np.allclose(L.huber(zero, r[2:], reduction="none"), np.abs(r[2:]) - 0.5)
    # continuous at |r| = delta
    d = 1.7
    below = L.huber([0.0], [d - 1e-9], delta=d)
    above = L.huber([0.0], [d + 1e-9], delta=d)
    assert abs(below - above) < 1e-8


# ----------------------------------------------------------------------------- binary


def wrong_bce_brackets(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p)) + np.mean((1 - y) * np.log(1 - p))


def wrong_bce_sign(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def wrong_bce_swapped(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(p * np.log(y + 1e-7) + (1 - p) * np.log(1 - y + 1e-7))


@pytest.mark.parametrize("shape", SHAPES)
def test_binary_crossentropy_matches_keras(rng, shape):
    y = rng.integers(0, 2, size=shape).astype(np.float32)
    p = rng.uniform(0.01, 0.99, size=shape).astype(np.float32)
    expected = keras_loss(keras.losses.BinaryCrossentropy(), y, p)
    assert_matches_and_wrong_differs(
        L.binary_crossentropy(y, p),
        expected,
        {
            "wrong brackets": wrong_bce_brackets(y, p),
            "wrong sign": wrong_bce_sign(y, p),
            "y and p swapped": wrong_bce_swapped(y, p),
        },
    )


def test_binary_crossentropy_soft_labels(rng):
    y = rng.uniform(size=(20, 3)).astype(np.float32)
    p = rng.uniform(0.01, 0.99, size=(20, 3)).astype(np.float32)
    expected = keras_loss(keras.losses.BinaryCrossentropy(), y, p)
    assert rel_err(L.binary_crossentropy(y, p), expected) < RTOL


def test_binary_crossentropy_clips_like_keras():
    y = np.array([1.0, 0.0, 1.0, 0.0], dtype=np.float32)
    p = np.array([0.0, 1.0, 1.0, 0.0], dtype=np.float32)  # two certain mistakes
    ours = L.binary_crossentropy(y, p)
    assert np.isfinite(ours)
    assert abs(ours - 0.5 * -np.log(1e-7)) < 1e-3  # each mistake costs -log(eps)
    # Keras clips at float32(1 - 1e-7), which differs a little from 1 - 1e-7 in float64
    assert rel_err(ours, keras_loss(keras.losses.BinaryCrossentropy(), y, p)) < 2e-2


@pytest.mark.parametrize("shape", SHAPES)
def test_binary_crossentropy_from_logits_matches_keras(rng, shape):
    y = rng.integers(0, 2, size=shape).astype(np.float32)
    z = rng.normal(scale=4.0, size=shape).astype(np.float32)
    expected = keras_loss(keras.losses.BinaryCrossentropy(from_logits=True), y, z)
    sigmoid = 1 / (1 + np.exp(-z.astype(np.float64)))
    assert_matches_and_wrong_differs(
        L.binary_crossentropy_from_logits(y, z),
        expected,
        {
            "logits treated as probabilities": L.binary_crossentropy(y, np.clip(z, 0, 1)),
            "sign of z flipped": L.binary_crossentropy(y, 1 - sigmoid),
        },
    )


def test_binary_crossentropy_from_logits_is_stable():
    y = np.array([0.0, 1.0, 1.0, 0.0])
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    per_sample = L.binary_crossentropy_from_logits(y, z, reduction="none")
    assert np.allclose(per_sample, [1000.0, 1000.0, 0.0, 0.0])
    expected = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z).numpy()
    assert np.allclose(per_sample, expected)


# ----------------------------------------------------------------------------- multi-class


@pytest.mark.parametrize("shape", [(5,), (3, 8), (2, 4, 6)])
def test_log_softmax_matches_tf_and_is_stable(rng, shape):
    z = rng.normal(scale=3.0, size=shape)
    assert np.allclose(L.log_softmax(z), tf.nn.log_softmax(z).numpy(), rtol=1e-12, atol=1e-12)
    huge = z * 1000.0
    ours = L.log_softmax(huge)
    assert np.all(np.isfinite(ours))
    assert np.allclose(ours, tf.nn.log_softmax(huge).numpy())
    with np.errstate(all="ignore"):
        naive = np.log(np.exp(huge) / np.exp(huge).sum(axis=-1, keepdims=True))
    assert not np.all(np.isfinite(naive)), "the naive form should break on these logits"


def test_log_softmax_other_axis(rng):
    z = rng.normal(size=(4, 6))
    assert np.allclose(L.log_softmax(z, axis=0), tf.nn.log_softmax(z, axis=0).numpy())


@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_categorical_crossentropy_matches_keras(rng, shape):
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    y = one_hot(labels, shape[-1])
    p = random_distributions(rng, shape)
    expected = keras_loss(keras.losses.CategoricalCrossentropy(), y, p)
    p64 = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    assert_matches_and_wrong_differs(
        L.categorical_crossentropy(y, p),
        expected,
        {
            "mean over classes instead of sum": -np.mean(y * np.log(p64)),
            "summed over all classes like BCE": -np.mean(
                np.sum(y * np.log(p64) + (1 - y) * np.log(1 - p64), axis=-1)
            ),
        },
    )


@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_categorical_crossentropy_from_logits_matches_keras(rng, shape):
    y = random_distributions(rng, shape, scale=1.0)  # soft labels
    z = rng.normal(scale=3.0, size=shape).astype(np.float32)
    expected = keras_loss(keras.losses.CategoricalCrossentropy(from_logits=True), y, z)
    assert_matches_and_wrong_differs(
        L.categorical_crossentropy_from_logits(y, z),
        expected,
        {
            "softmax applied twice": L.categorical_crossentropy_from_logits(
                y, np.exp(L.log_softmax(z))
            )
        },  # fmt: skip
    )


def test_categorical_crossentropy_rescales_rows_like_keras(rng):
    y = one_hot(rng.integers(0, 4, size=6), 4)
    p = rng.uniform(0.05, 1.0, size=(6, 4)).astype(np.float32)  # rows do not sum to 1
    expected = keras_loss(keras.losses.CategoricalCrossentropy(), y, p)
    assert rel_err(L.categorical_crossentropy(y, p), expected) < RTOL


@pytest.mark.parametrize("shape", CLASS_SHAPES)
@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy_matches_keras(rng, shape, from_logits):
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    if from_logits:
        scores = rng.normal(scale=3.0, size=shape).astype(np.float32)
    else:
        scores = random_distributions(rng, shape)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    expected = keras_loss(loss, labels, scores)
    ours = L.sparse_categorical_crossentropy(labels, scores, from_logits=from_logits)
    log_p = L.log_softmax(scores) if from_logits else np.log(scores.astype(np.float64))
    assert_matches_and_wrong_differs(
        ours,
        expected,
        {
            "log-probability of class 0 for every sample": -np.mean(log_p[..., 0]),
            "mean over all classes": -np.mean(log_p),
        },
    )
    # the same number as the categorical loss on one-hot labels
    categorical = (
        L.categorical_crossentropy_from_logits if from_logits else L.categorical_crossentropy
    )
    assert rel_err(ours, categorical(one_hot(labels, shape[-1]), scores)) < 1e-12
    # labels of shape (n, 1) are accepted, as in Keras
    column = labels[..., None]
    assert ours == L.sparse_categorical_crossentropy(column, scores, from_logits=from_logits)


# ----------------------------------------------------------------------------- KL


@pytest.mark.parametrize("shape", CLASS_SHAPES + [(6,)])
def test_kl_divergence_matches_keras(rng, shape):
    p = random_distributions(rng, shape)
    q = random_distributions(rng, shape)
    expected = keras_loss(keras.losses.KLDivergence(), p, q)
    p64, q64 = p.astype(np.float64), q.astype(np.float64)
    assert_matches_and_wrong_differs(
        L.kl_divergence(p, q),
        expected,
        {
            "p and q swapped": L.kl_divergence(q, p),
            "log(q/p) instead of log(p/q)": np.mean(np.sum(p64 * np.log(q64 / p64), axis=-1)),
            "cross-entropy instead of KL": L.categorical_crossentropy(p, q),
        },
    )


def test_kl_divergence_properties(rng):
    p = random_distributions(rng, (10, 5))
    q = random_distributions(rng, (10, 5))
    per_sample = L.kl_divergence(p, q, reduction="none")
    assert per_sample.shape == (10,)
    assert np.all(per_sample >= 0)
    assert L.kl_divergence(p, p) < 1e-12
    # cross-entropy = entropy + KL
    entropy = -np.sum(p * np.log(p.astype(np.float64)), axis=-1)
    assert np.allclose(
        L.categorical_crossentropy(p, q, reduction="none"), entropy + per_sample, atol=1e-6
    )


# ----------------------------------------------------------------------------- reductions


def test_reduction_none_gives_per_sample_losses(rng):
    y = rng.normal(size=(8, 3)).astype(np.float32)
    y_hat = rng.normal(size=(8, 3)).astype(np.float32)
    ours = L.mse(y, y_hat, reduction="none")
    theirs = keras.losses.MeanSquaredError(reduction=None)(y, y_hat).numpy()
    assert ours.shape == (8,)
    assert np.allclose(ours, theirs, rtol=1e-5)
    assert np.isclose(ours.mean(), L.mse(y, y_hat))
    assert L.mae(y[:, 0], y_hat[:, 0], reduction="none").shape == (8,)
    with pytest.raises(ValueError, match="reduction"):
        L.mse(y, y_hat, reduction="sum")


@pytest.mark.parametrize(
    "fn",
    [L.mse, L.mae, L.huber, L.binary_crossentropy, L.binary_crossentropy_from_logits],
)
def test_returns_python_float(fn):
    assert isinstance(fn(np.array([0.0, 1.0]), np.array([0.2, 0.7])), float)


# ----------------------------------------------------------------------------- bad inputs

ELEMENTWISE = [
    L.mse,
    L.mae,
    L.huber,
    L.binary_crossentropy,
    L.binary_crossentropy_from_logits,
    L.categorical_crossentropy,
    L.categorical_crossentropy_from_logits,
    L.kl_divergence,
]


@pytest.mark.parametrize("fn", ELEMENTWISE)
def test_mismatched_shapes_raise(fn):
    with pytest.raises(ValueError, match="same shape"):
        fn(np.full((5,), 0.5), np.full((5, 1), 0.5))
    with pytest.raises(ValueError, match="same shape"):
        fn(np.full((4, 3), 0.5), np.full((4, 2), 0.5))


@pytest.mark.parametrize("fn", ELEMENTWISE)
@pytest.mark.parametrize("bad", ["0.5", None, {"a": 1}, [[0.5], [0.5, 0.5]]])
def test_wrong_types_raise(fn, bad):
    with pytest.raises(TypeError, match="array-like of numbers|must hold numbers"):
        fn(bad, np.full((2,), 0.5))
    with pytest.raises(TypeError):
        fn(np.full((2,), 0.5), bad)


@pytest.mark.parametrize("fn", ELEMENTWISE)
def test_scalars_and_empty_arrays_raise(fn):
    with pytest.raises(ValueError, match="at least one axis"):
        fn(0.5, 0.5)
    with pytest.raises(ValueError, match="empty"):
        fn(np.zeros((0,)), np.zeros((0,)))


def test_probabilities_outside_unit_interval_raise():
    y = np.array([0.0, 1.0])
    with pytest.raises(ValueError, match="binary_crossentropy_from_logits"):
        L.binary_crossentropy(y, np.array([-2.0, 3.0]))  # logits passed as probabilities
    with pytest.raises(ValueError, match="y must hold probabilities"):
        L.binary_crossentropy(np.array([0.0, 2.0]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="categorical_crossentropy_from_logits"):
        L.categorical_crossentropy(np.eye(2), np.array([[3.0, -1.0], [0.0, 2.0]]))
    with pytest.raises(ValueError, match="q must hold probabilities"):
        L.kl_divergence(np.eye(2), np.array([[3.0, -1.0], [0.0, 2.0]]))
    with pytest.raises(ValueError, match="from_logits=True"):
        L.sparse_categorical_crossentropy(np.array([0, 1]), np.array([[3.0, -1.0], [0, 2.0]]))
    with pytest.raises(ValueError, match="probabilities"):
        L.binary_crossentropy(y, np.array([np.nan, 0.5]))


def test_huber_delta_is_checked():
    with pytest.raises(ValueError, match="delta must be > 0"):
        L.huber([0.0], [1.0], delta=0.0)
    with pytest.raises(TypeError, match="delta must be a number"):
        L.huber([0.0], [1.0], delta="1")


def test_sparse_categorical_crossentropy_bad_labels():
    p = np.full((3, 4), 0.25)
    with pytest.raises(ValueError, match="one-hot"):
        L.sparse_categorical_crossentropy(np.eye(4)[[0, 1, 2]], p)
    with pytest.raises(TypeError, match="integer"):
        L.sparse_categorical_crossentropy(np.array([0.0, 1.0, 2.0]), p)
    with pytest.raises(ValueError, match=r"0 \.\. 3"):
        L.sparse_categorical_crossentropy(np.array([0, 1, 4]), p)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        L.sparse_categorical_crossentropy(np.array([0, 1]), p)
    with pytest.raises(TypeError, match="from_logits"):
        L.sparse_categorical_crossentropy(np.array([0, 1, 2]), p, from_logits="yes")
    with pytest.raises(ValueError, match="scalar"):
        L.sparse_categorical_crossentropy(np.array(0), np.array(0.5))


def test_log_softmax_bad_arguments():
    with pytest.raises(TypeError):
        L.log_softmax("logits")
    with pytest.raises(ValueError, match="scalar"):
        L.log_softmax(1.0)
    with pytest.raises(ValueError, match="out of range"):
        L.log_softmax(np.zeros((2, 3)), axis=2)
    with pytest.raises(TypeError, match="axis"):
        L.log_softmax(np.zeros((2, 3)), axis=1.0)
