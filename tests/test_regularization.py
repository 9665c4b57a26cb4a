"""course_utils.regularization agrees with Keras on fresh random inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.regularization import (
    batch_norm_forward,
    decoupled_weight_decay,
    dropout_mask,
    inverted_dropout,
    l2_penalty,
    l2_penalty_gradient,
)

RTOL = 1e-5


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


# --------------------------------------------------------------------------- dropout


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_matches_keras_with_the_same_mask(rate):
    rng = np.random.default_rng(int(rate * 10))
    x = (rng.uniform(0.5, 2.0, size=(64, 33)) * rng.choice([-1, 1], size=(64, 33))).astype(
        np.float32
    )
    layer = keras.layers.Dropout(rate, seed=int(rate * 100))
    y_keras = np.asarray(layer(x, training=True))
    mask = y_keras != 0  # x has no zeros, so a zero output is a dropped unit
    y = inverted_dropout(x, rate, training=True, mask=mask)
    assert y.dtype == np.float32
    assert rel_err(y, y_keras) < RTOL
    # the kept fraction is 1 - rate (binomial, 2112 draws: within 5 standard deviations)
    sd = np.sqrt(rate * (1 - rate) / x.size)
    assert abs(mask.mean() - (1 - rate)) < 5 * sd


def test_dropout_is_the_identity_at_inference():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 8)).astype(np.float32)
    y_keras = np.asarray(keras.layers.Dropout(0.5)(x, training=False))
    np.testing.assert_array_equal(inverted_dropout(x, 0.5, training=False), y_keras)
    np.testing.assert_array_equal(y_keras, x)


def test_dropout_keeps_the_expected_value():
    rng = np.random.default_rng(2)
    x = np.full((400, 500), 3.0)
    y = inverted_dropout(x, 0.3, training=True, rng=rng)
    assert set(np.unique(y)) <= {0.0, 3.0 / 0.7}
    assert abs(y.mean() - 3.0) < 0.02  # the 1/(1 - rate) scaling preserves the mean


def test_dropout_mask_draws_the_right_fraction():
    mask = dropout_mask((1000, 100), 0.25, np.random.default_rng(3))
    assert mask.dtype == bool and abs(mask.mean() - 0.75) < 0.01


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"x": np.ones(3), "rate": 1.0, "training": True}, ValueError, "rate"),
        ({"x": np.ones(3), "rate": -0.1, "training": True}, ValueError, "rate"),
        ({"x": np.ones(3), "rate": "0.5", "training": True}, TypeError, "rate"),
        ({"x": "abc", "rate": 0.5, "training": True}, TypeError, "x"),
        ({"x": np.ones(3), "rate": 0.5, "training": 1}, TypeError, "training"),
        ({"x": np.ones(3), "rate": 0.5, "training": True, "mask": np.ones(4)}, ValueError,
         "mask"),
    ],
)
def test_dropout_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        inverted_dropout(**kwargs)


# --------------------------------------------------------------------------- batch norm


def keras_bn(features, rng, momentum=0.99, epsilon=1e-3, shape=None):
    layer = keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon)
    layer.build(shape or (None, features))
    params = [rng.normal(size=features).astype(np.float32) for _ in range(3)]
    params.append(rng.uniform(0.5, 3.0, size=features).astype(np.float32))
    gamma, beta, mean, var = params
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    layer.moving_mean.assign(mean)
    layer.moving_variance.assign(var)
    return layer, gamma, beta, mean, var


@pytest.mark.parametrize("shape", [(32, 7), (16, 5, 5, 3)])
def test_batch_norm_training_mode_matches_keras(shape):
    rng = np.random.default_rng(sum(shape))
    # features on very different scales, so that normalizing the wrong axis shows
    x = (rng.normal(size=shape) * rng.uniform(0.5, 10, size=shape[-1])
         + rng.uniform(-5, 5, size=shape[-1])).astype(np.float32)  # fmt: skip
    layer, gamma, beta, mean, var = keras_bn(shape[-1], rng, momentum=0.9,
                                             shape=(None,) + shape[1:])  # fmt: skip
    y_keras = np.asarray(layer(x, training=True))
    y, new_mean, new_var = batch_norm_forward(x, gamma, beta, mean, var, training=True,
                                              momentum=0.9)  # fmt: skip
    assert y.shape == shape
    assert rel_err(y, y_keras) < RTOL
    assert rel_err(new_mean, layer.moving_mean.numpy()) < RTOL
    assert rel_err(new_var, layer.moving_variance.numpy()) < RTOL


def test_batch_norm_inference_mode_uses_moving_averages():
    rng = np.random.default_rng(7)
    x = (rng.normal(size=(8, 6)) * 4 + 2).astype(np.float32)
    layer, gamma, beta, mean, var = keras_bn(6, rng)
    y_keras = np.asarray(layer(x, training=False))
    y, new_mean, new_var = batch_norm_forward(x, gamma, beta, mean, var, training=False)
    assert rel_err(y, y_keras) < RTOL
    np.testing.assert_array_equal(new_mean, mean)
    np.testing.assert_array_equal(new_var, var)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), mean)  # Keras did not update


def test_batch_norm_update_after_one_training_step_matches_keras():
    rng = np.random.default_rng(8)
    x = (rng.normal(size=(64, 4)) * [1, 5, 0.2, 10] + [3, -2, 0, 7]).astype(np.float32)
    y = rng.normal(size=(64, 1)).astype(np.float32)
    keras.utils.set_random_seed(0)
    bn = keras.layers.BatchNormalization(momentum=0.8)
    model = keras.Sequential([keras.Input((4,)), bn, keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    mean0, var0 = bn.moving_mean.numpy().copy(), bn.moving_variance.numpy().copy()
    model.train_on_batch(x, y)
    _, new_mean, new_var = batch_norm_forward(x, np.ones(4), np.zeros(4), mean0, var0,
                                              training=True, momentum=0.8)  # fmt: skip
    assert rel_err(new_mean, bn.moving_mean.numpy()) < RTOL
    assert rel_err(new_var, bn.moving_variance.numpy()) < RTOL


def test_batch_norm_normalizes_each_feature_over_the_batch():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(50, 4)) * [1, 10, 100, 0.1] + [5, -5, 50, 0]
    y, _, _ = batch_norm_forward(x, np.ones(4), np.zeros(4), np.zeros(4), np.ones(4),
                                 training=True, epsilon=1e-12)  # fmt: skip
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(y.std(axis=0), 1, atol=1e-6)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"x": np.ones(4)}, ValueError, "batch axis"),
        ({"gamma": np.ones(3)}, ValueError, "gamma must have shape"),
        ({"moving_var": np.ones((4, 1))}, ValueError, "moving_var"),
        ({"x": None}, TypeError, "x"),
        ({"training": "yes"}, TypeError, "training"),
        ({"momentum": 1.5}, ValueError, "momentum"),
        ({"epsilon": 0.0}, ValueError, "epsilon"),
    ],
)
def test_batch_norm_bad_inputs(change, error, match):
    args = {"x": np.ones((5, 4)), "gamma": np.ones(4), "beta": np.zeros(4),
            "moving_mean": np.zeros(4), "moving_var": np.ones(4), "training": True}  # fmt: skip
    args.update(change)
    with pytest.raises(error, match=match):
        batch_norm_forward(**args)


# --------------------------------------------------------------------------- L2 and decay


def test_l2_penalty_and_gradient_match_keras():
    rng = np.random.default_rng(10)
    w = rng.normal(size=(6, 5)).astype(np.float32)
    reg = keras.regularizers.L2(0.03)
    variable = tf.Variable(w)
    with tf.GradientTape() as tape:
        penalty = reg(variable)
    grad = tape.gradient(penalty, variable).numpy()
    assert rel_err(l2_penalty(w, 0.03), float(penalty)) < RTOL
    assert rel_err(l2_penalty_gradient(w, 0.03), grad) < RTOL


def test_decoupled_decay_matches_a_keras_optimizer_step():
    rng = np.random.default_rng(11)
    w = rng.normal(size=(4, 3)).astype(np.float32)
    lr, wd = 0.1, 0.05
    variable = keras.Variable(w)
    optimizer = keras.optimizers.SGD(learning_rate=lr, weight_decay=wd)
    optimizer.apply([np.zeros_like(w)], [variable])  # zero gradient: only the decay acts
    assert rel_err(decoupled_weight_decay(w, lr, wd), variable.numpy()) < RTOL


def test_l2_and_decay_agree_under_sgd_but_not_under_adam():
    rng = np.random.default_rng(12)
    w = rng.normal(size=5).astype(np.float32)
    lr, l2 = 0.1, 0.05
    sgd_l2 = w - lr * l2_penalty_gradient(w, l2)
    assert rel_err(sgd_l2, decoupled_weight_decay(w, lr, 2 * l2)) < RTOL
    variable = keras.Variable(w)
    keras.optimizers.Adam(learning_rate=lr).apply([l2_penalty_gradient(w, l2)], [variable])
    # Adam normalizes the L2 gradient: every weight moves by about lr, whatever its size
    np.testing.assert_allclose(np.abs(w - variable.numpy()), lr, rtol=1e-2)
    assert rel_err(variable.numpy(), decoupled_weight_decay(w, lr, 2 * l2)) > 0.01


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: l2_penalty(np.ones(3), -1.0), ValueError),
        (lambda: l2_penalty("w", 0.1), TypeError),
        (lambda: l2_penalty_gradient(np.ones(3), None), TypeError),
        (lambda: decoupled_weight_decay(np.ones(3), -0.1, 0.1), ValueError),
        (lambda: decoupled_weight_decay(np.ones(3), 0.1, True), TypeError),
    ],
)
def test_l2_and_decay_bad_inputs(call, error):
    with pytest.raises(error):
        call()
