"""course_utils.gan against Keras binary cross-entropy and tf.GradientTape."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.gan import (
    discriminator_loss,
    gan_value,
    generator_logit_gradient,
    generator_loss_non_saturating,
    generator_loss_saturating,
    log_sigmoid,
    optimal_discriminator,
)

BCE = keras.losses.BinaryCrossentropy()
BCE_LOGITS = keras.losses.BinaryCrossentropy(from_logits=True)


def keras_bce(label, outputs, from_logits=False):
    outputs = np.asarray(outputs, np.float32).reshape(-1, 1)
    loss = BCE_LOGITS if from_logits else BCE
    return float(loss(np.full_like(outputs, label), outputs))


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-12)


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def batches(rng, n_real=64, n_fake=48, from_logits=False):
    if from_logits:
        return (rng.normal(1.0, 2.0, n_real).astype(np.float32),
                rng.normal(-1.0, 2.0, n_fake).astype(np.float32))  # fmt: skip
    # uneven ranges so that swapping real and fake, or D and 1 - D, changes the value
    return (rng.uniform(0.3, 0.99, n_real).astype(np.float32),
            rng.uniform(0.01, 0.5, n_fake).astype(np.float32))  # fmt: skip


@pytest.mark.parametrize("from_logits", [False, True])
def test_value_function_is_minus_the_sum_of_two_keras_bce(rng, from_logits):
    for _ in range(3):
        real, fake = batches(rng, from_logits=from_logits)
        keras_v = -(keras_bce(1, real, from_logits) + keras_bce(0, fake, from_logits))
        assert rel(gan_value(real, fake, from_logits=from_logits), keras_v) < 1e-5
        assert rel(discriminator_loss(real, fake, from_logits=from_logits), -keras_v) < 1e-5


def test_value_function_by_hand():
    assert gan_value([0.5, 0.5], [0.5]) == pytest.approx(-np.log(4.0))
    assert gan_value([0.8], [0.1, 0.3]) == pytest.approx(
        np.log(0.8) + (np.log(0.9) + np.log(0.7)) / 2
    )
    assert gan_value([[0.8]], [[0.2]]) <= 0.0


@pytest.mark.parametrize("from_logits", [False, True])
def test_generator_losses_against_keras(rng, from_logits):
    for _ in range(3):
        _, fake = batches(rng, from_logits=from_logits)
        assert rel(generator_loss_non_saturating(fake, from_logits=from_logits),
                   keras_bce(1, fake, from_logits)) < 1e-5  # fmt: skip
        assert rel(generator_loss_saturating(fake, from_logits=from_logits),
                   -keras_bce(0, fake, from_logits)) < 1e-5  # fmt: skip


def test_logits_and_probabilities_agree(rng):
    real, fake = batches(rng, from_logits=True)
    p_real, p_fake = 1 / (1 + np.exp(-real.astype(np.float64))), 1 / (1 + np.exp(-fake))
    assert gan_value(real, fake, from_logits=True) == pytest.approx(gan_value(p_real, p_fake))
    assert generator_loss_non_saturating(fake, from_logits=True) == pytest.approx(
        generator_loss_non_saturating(p_fake))
    assert generator_loss_saturating(fake, from_logits=True) == pytest.approx(
        generator_loss_saturating(p_fake))


def test_from_logits_is_stable_for_huge_logits():
    logits = np.array([-500.0, -120.0, -30.0, 0.0, 30.0, 120.0, 500.0], np.float32)
    assert np.allclose(log_sigmoid(logits), [-500, -120, -30 - 9.357623e-14, -np.log(2),
                                             -9.357623e-14, 0, 0], rtol=1e-12, atol=1e-12)
    ns = generator_loss_non_saturating(logits, from_logits=True)
    sat = generator_loss_saturating(logits, from_logits=True)
    assert np.isfinite(ns) and np.isfinite(sat)
    assert rel(ns, keras_bce(1, logits, True)) < 1e-5
    assert rel(sat, -keras_bce(0, logits, True)) < 1e-5
    assert np.isfinite(gan_value(logits, logits, from_logits=True))


def test_probabilities_are_clipped_like_keras():
    probs = np.array([0.0, 1e-9, 0.5, 1.0], np.float32)
    assert rel(generator_loss_non_saturating(probs), keras_bce(1, probs)) < 1e-5
    # at D = 1 Keras clips to 1 - 1e-7 in float32 (0.99999988), the scratch code in float64
    assert rel(generator_loss_saturating(probs), -keras_bce(0, probs)) < 2e-2
    assert np.isfinite(gan_value(probs, probs))


@pytest.mark.parametrize("loss", ["saturating", "non_saturating"])
def test_logit_gradient_against_gradient_tape(rng, loss):
    logits = tf.constant(rng.normal(0.0, 4.0, 32), tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        if loss == "saturating":
            per_sample = tf.math.log_sigmoid(-logits)  # log(1 - D)
        else:
            per_sample = -tf.math.log_sigmoid(logits)  # -log D
        total = tf.reduce_sum(per_sample)
    expected = tape.gradient(total, logits).numpy()
    got = generator_logit_gradient(logits.numpy(), loss, from_logits=True)
    assert np.allclose(got, expected, rtol=1e-10, atol=1e-12)
    probs = tf.sigmoid(logits).numpy()
    assert np.allclose(generator_logit_gradient(probs, loss), expected, rtol=1e-9, atol=1e-12)


def test_saturating_gradient_vanishes_where_non_saturating_does_not():
    d = np.array([1e-4, 1e-2])
    assert np.all(np.abs(generator_logit_gradient(d, "saturating")) <= 1e-2)
    assert np.all(np.abs(generator_logit_gradient(d, "non_saturating")) >= 0.99)


def test_optimal_discriminator_maximizes_the_value_pointwise(rng):
    p = rng.uniform(0.0, 1.0, 20)
    q = rng.uniform(0.0, 1.0, 20)
    best = optimal_discriminator(p, q)
    grid = np.linspace(1e-4, 1 - 1e-4, 20001)[:, None]
    objective = p * np.log(grid) + q * np.log(1 - grid)
    assert np.allclose(best, grid[np.argmax(objective, axis=0), 0], atol=2e-4)
    assert np.allclose(optimal_discriminator(p, p), 0.5)
    assert np.allclose(optimal_discriminator([0.0, 1.0], [0.0, 0.0]), [0.5, 1.0])


def test_value_at_the_optimal_discriminator_is_minus_log4_plus_2_jsd(rng):
    p, q = rng.uniform(size=50), rng.uniform(size=50)
    p, q = p / p.sum(), q / q.sum()
    d = optimal_discriminator(p, q)
    value = np.sum(p * np.log(d)) + np.sum(q * np.log(1 - d))
    m = (p + q) / 2
    jsd = 0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m))
    assert value == pytest.approx(-np.log(4) + 2 * jsd)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: gan_value([0.5, 1.2], [0.5]), ValueError, r"probabilities in \[0, 1\]"),
        (lambda: gan_value([0.5], [-0.1]), ValueError, "from_logits=True"),
        (lambda: gan_value([], [0.5]), ValueError, "empty"),
        (lambda: gan_value([np.nan], [0.5]), ValueError, "finite"),
        (lambda: gan_value("0.5", [0.5]), TypeError, "array-like"),
        (lambda: gan_value([0.5], [0.5], from_logits="yes"), TypeError, "True or False"),
        (lambda: discriminator_loss([0.5], None), TypeError, "d_fake"),
        (lambda: generator_loss_saturating([2.0]), ValueError, "probabilities"),
        (lambda: generator_loss_non_saturating(["a"]), TypeError, "numbers"),
        (lambda: generator_logit_gradient([0.5], "minimax"), ValueError, "saturating"),
        (lambda: optimal_discriminator([0.1, 0.2], [0.1]), ValueError, "same shape"),
        (lambda: optimal_discriminator([-0.1], [0.1]), ValueError, "non-negative"),
        (lambda: log_sigmoid(None), TypeError, "logits"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
