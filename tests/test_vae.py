"""course_utils.vae agrees with TensorFlow/Keras on fresh random inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.vae import (
    bernoulli_reconstruction_loss,
    gaussian_kl,
    gaussian_kl_gradient,
    gaussian_log_density,
    kl_monte_carlo,
    negative_elbo,
    reparameterize,
)

RTOL = 1e-5


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


def random_posterior(rng, batch=16, latent=5):
    mean = rng.normal(scale=1.5, size=(batch, latent)).astype(np.float32)
    log_var = rng.uniform(-3.0, 1.5, size=(batch, latent)).astype(np.float32)
    return mean, log_var


def tf_kl(mean, log_var):
    """KL(N(mean, var) || N(0, 1)) from the textbook formula with variances, in TensorFlow:
    log(1/sigma) + (sigma^2 + mu^2)/2 - 1/2 per dimension."""
    var = tf.exp(log_var)
    return tf.reduce_sum(-0.5 * tf.math.log(var) + 0.5 * (var + tf.square(mean)) - 0.5, axis=-1)


# --------------------------------------------------------------------------- KL


def test_kl_matches_tensorflow_per_example():
    rng = np.random.default_rng(0)
    mean, log_var = random_posterior(rng)
    kl = gaussian_kl(mean, log_var)
    assert kl.shape == (16,)
    assert rel_err(kl, tf_kl(mean, log_var).numpy()) < RTOL


def test_kl_is_zero_only_for_the_prior_and_positive_otherwise():
    assert gaussian_kl(np.zeros(3), np.zeros(3)) == 0.0
    rng = np.random.default_rng(1)
    mean, log_var = random_posterior(rng, batch=200)
    assert np.all(gaussian_kl(mean, log_var) > 0)


def test_kl_known_value_for_one_dimension():
    # mu = 1, sigma^2 = e: KL = -1/2 (1 + 1 - 1 - e) = (e - 1) / 2
    assert gaussian_kl([1.0], [1.0]) == pytest.approx((np.e - 1) / 2, rel=1e-12)


def test_kl_agrees_with_a_monte_carlo_estimate():
    rng = np.random.default_rng(2)
    mean, log_var = random_posterior(rng, batch=6, latent=3)
    estimate, error = kl_monte_carlo(mean.astype(np.float64), log_var.astype(np.float64),
                                     200_000, rng)  # fmt: skip
    exact = gaussian_kl(mean.astype(np.float64), log_var.astype(np.float64))
    assert estimate.shape == error.shape == (6,)
    assert np.all(np.abs(estimate - exact) < 5 * error)
    assert np.all(error < 0.05 * np.maximum(exact, 1.0))  # the check is sharp enough


def test_kl_gradient_matches_gradient_tape():
    rng = np.random.default_rng(3)
    mean, log_var = random_posterior(rng)
    m, lv = tf.Variable(mean), tf.Variable(log_var)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(tf_kl(m, lv))
    grad_m, grad_lv = tape.gradient(total, [m, lv])
    ours_m, ours_lv = gaussian_kl_gradient(mean, log_var)
    assert rel_err(ours_m, grad_m.numpy()) < RTOL
    assert rel_err(ours_lv, grad_lv.numpy()) < RTOL


# --------------------------------------------------------------------------- reparameterization


def test_reparameterize_matches_tensorflow_and_has_the_right_moments():
    rng = np.random.default_rng(4)
    mean, log_var = random_posterior(rng)
    eps = rng.standard_normal(mean.shape).astype(np.float32)
    expected = (tf.constant(mean) + tf.exp(0.5 * tf.constant(log_var)) * eps).numpy()
    assert rel_err(reparameterize(mean, log_var, eps), expected) < RTOL
    # many draws for one example: mean mu, standard deviation exp(log_var / 2)
    mu, lv = np.array([0.5, -2.0]), np.array([np.log(4.0), np.log(0.25)])
    draws = reparameterize(np.tile(mu, (100_000, 1)), np.tile(lv, (100_000, 1)),
                           rng.standard_normal((100_000, 2)))  # fmt: skip
    np.testing.assert_allclose(draws.mean(axis=0), mu, atol=0.02)
    np.testing.assert_allclose(draws.std(axis=0), [2.0, 0.5], rtol=0.02)


def test_reparameterized_gradient_matches_gradient_tape():
    """dz/dmu = 1 and dz/dlog_var = sigma * eps / 2, through keras.random noise."""
    rng = np.random.default_rng(5)
    mean, log_var = random_posterior(rng)
    m, lv = tf.Variable(mean), tf.Variable(log_var)
    eps = keras.random.normal(mean.shape, seed=5)
    with tf.GradientTape() as tape:
        z = m + tf.exp(0.5 * lv) * eps
        total = tf.reduce_sum(z)
    grad_m, grad_lv = tape.gradient(total, [m, lv])
    np.testing.assert_array_equal(grad_m.numpy(), np.ones_like(mean))
    assert rel_err(0.5 * np.exp(0.5 * log_var) * eps.numpy(), grad_lv.numpy()) < RTOL
    assert rel_err(reparameterize(mean, log_var, eps.numpy()), z.numpy()) < RTOL


# --------------------------------------------------------------------------- log density


def test_log_density_matches_tensorflow():
    rng = np.random.default_rng(6)
    mean, log_var = random_posterior(rng)
    z = rng.normal(size=mean.shape).astype(np.float32)
    sigma = np.exp(0.5 * log_var)
    root_two_pi = np.float32(np.sqrt(2 * np.pi))
    expected = tf.reduce_sum(
        -0.5 * tf.square((z - mean) / sigma) - tf.math.log(sigma * root_two_pi), axis=-1
    ).numpy()
    assert rel_err(gaussian_log_density(z, mean, log_var), expected) < RTOL
    # broadcasting over samples
    zs = rng.normal(size=(7,) + mean.shape)
    assert gaussian_log_density(zs, mean, log_var).shape == (7, 16)


# --------------------------------------------------------------------------- reconstruction, ELBO


def test_reconstruction_loss_is_keras_bce_summed_over_pixels():
    rng = np.random.default_rng(7)
    x = rng.uniform(size=(8, 28, 28)).astype(np.float32)
    x[x < 0.3] = 0.0
    logits = rng.normal(scale=4.0, size=(8, 784)).astype(np.float32)
    keras_mean = keras.losses.binary_crossentropy(x.reshape(8, 784), logits, from_logits=True)
    ours = bernoulli_reconstruction_loss(x, logits)
    assert ours.shape == (8,)
    assert rel_err(ours, 784 * keras_mean.numpy()) < RTOL  # sum = 784 x the Keras mean
    tf_sum = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=x.reshape(8, 784), logits=logits), axis=1)  # fmt: skip
    assert rel_err(ours, tf_sum.numpy()) < RTOL


def test_reconstruction_loss_is_stable_for_large_logits():
    loss = bernoulli_reconstruction_loss(np.array([[1.0, 0.0]]), np.array([[200.0, -200.0]]))
    assert np.isfinite(loss).all() and loss[0] < 1e-12


def test_negative_elbo_is_reconstruction_plus_beta_kl():
    rng = np.random.default_rng(8)
    mean, log_var = random_posterior(rng, batch=8, latent=2)
    x = (rng.uniform(size=(8, 784)) > 0.8).astype(np.float32)
    logits = rng.normal(size=(8, 784)).astype(np.float32)
    loss, recon, kl = negative_elbo(x, logits, mean, log_var)
    expected_recon = 784 * keras.losses.binary_crossentropy(x, logits, from_logits=True)
    assert rel_err(recon, np.mean(expected_recon.numpy())) < RTOL
    assert rel_err(kl, np.mean(tf_kl(mean, log_var).numpy())) < RTOL
    assert loss == pytest.approx(recon + kl, rel=1e-12)
    loss4, recon4, kl4 = negative_elbo(x, logits, mean, log_var, beta=4.0)
    assert (recon4, kl4) == (recon, kl) and loss4 == pytest.approx(recon + 4.0 * kl, rel=1e-12)


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: gaussian_kl(np.zeros((2, 3)), np.zeros((2, 4))), ValueError, "log_var"),
        (lambda: gaussian_kl(np.zeros((2, 3, 4)), np.zeros((2, 3, 4))), ValueError, "mean"),
        (lambda: gaussian_kl("abc", np.zeros(3)), TypeError, "mean"),
        (lambda: gaussian_kl(np.zeros(3), None), TypeError, "log_var"),
        (lambda: reparameterize(np.zeros(3), np.zeros(3), np.zeros(2)), ValueError, "eps"),
        (lambda: kl_monte_carlo(np.zeros(3), np.zeros(3), 1, np.random.default_rng()),
         ValueError, "n_samples"),
        (lambda: kl_monte_carlo(np.zeros(3), np.zeros(3), 10.0, np.random.default_rng()),
         TypeError, "n_samples"),
        (lambda: kl_monte_carlo(np.zeros(3), np.zeros(3), 10, 0), TypeError, "rng"),
        (lambda: gaussian_log_density(np.zeros((4, 2)), np.zeros(3), np.zeros(3)), ValueError,
         "last"),
        (lambda: bernoulli_reconstruction_loss(np.zeros(4), np.zeros(4)), ValueError, "batch"),
        (lambda: bernoulli_reconstruction_loss(np.zeros((2, 4)), np.zeros((2, 5))), ValueError,
         "logits"),
        (lambda: negative_elbo(np.zeros((2, 4)), np.zeros((2, 4)), np.zeros((3, 2)),
                               np.zeros((3, 2))), ValueError, "examples"),
        (lambda: negative_elbo(np.zeros((2, 4)), np.zeros((2, 4)), np.zeros((2, 2)),
                               np.zeros((2, 2)), beta=-1.0), ValueError, "beta"),
        (lambda: negative_elbo(np.zeros((2, 4)), np.zeros((2, 4)), np.zeros((2, 2)),
                               np.zeros((2, 2)), beta="1"), TypeError, "beta"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()
