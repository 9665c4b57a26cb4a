"""Tests for course_utils.mlp: the dense layer, the NumPy MLP and its backpropagation.

Every gradient is compared with tf.GradientTape (and with Keras's own layers) and
with central finite differences, on random inputs where the shapes make the
usual mistakes visible: d_in, d_out and the batch size all differ (so a missing
transpose or a sum over the wrong axis changes a shape), plus a square case (so a
missing transpose changes the values), and ReLU units with many negative
pre-activations (so a missing activation derivative changes the values).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.gradcheck import numerical_gradient, relative_error
from course_utils.mlp import (
    ACTIVATIONS,
    binary_cross_entropy_with_logits,
    dense_backward,
    dense_forward,
    init_mlp,
    mean_squared_error,
    mlp_backward,
    mlp_forward,
    mlp_param_count,
    train_step,
)

TF_ACTIVATIONS = {
    "linear": tf.identity,
    "relu": tf.nn.relu,
    "sigmoid": tf.sigmoid,
    "tanh": tf.tanh,
    "leaky_relu": lambda z: tf.where(z > 0, z, 0.3 * z),
    "elu": tf.nn.elu,
}


def tf_mlp_gradients(params, x, y, activation, output_activation="linear"):
    """Loss and gradients of mean((mlp(x) - y)^2) computed by tf.GradientTape."""
    variables = [(tf.Variable(p["w"]), tf.Variable(p["b"])) for p in params]
    with tf.GradientTape() as tape:
        a = tf.constant(x)
        for i, (w, b) in enumerate(variables):
            name = output_activation if i == len(variables) - 1 else activation
            a = TF_ACTIVATIONS[name](a @ w + b)
        loss = tf.reduce_mean((a - y) ** 2)
    grads = tape.gradient(loss, variables)
    return float(loss), [{"w": gw.numpy(), "b": gb.numpy()} for gw, gb in grads]


def numpy_mlp_gradients(params, x, y, activation, output_activation="linear"):
    out, cache = mlp_forward(params, x, activation, output_activation)
    loss, grad_out = mean_squared_error(out, y)
    return loss, mlp_backward(params, cache, grad_out)


# --------------------------------------------------------------------- the dense layer
@pytest.mark.parametrize("n, d_in, d_out", [(6, 4, 3), (5, 4, 4), (1, 7, 2)])
def test_dense_forward_matches_keras_dense(n, d_in, d_out):
    rng = np.random.default_rng(n * 100 + d_in * 10 + d_out)
    x = rng.normal(size=(n, d_in)).astype(np.float32)
    w = rng.normal(size=(d_in, d_out)).astype(np.float32)
    b = rng.normal(size=d_out).astype(np.float32)
    layer = keras.layers.Dense(d_out)
    layer.build((None, d_in))
    layer.set_weights([w, b])
    ours = dense_forward(x, w, b)
    assert ours.shape == (n, d_out) and ours.dtype == np.float32
    assert relative_error(ours, layer(x).numpy()) < 1e-6


@pytest.mark.parametrize("n, d_in, d_out", [(6, 4, 3), (5, 4, 4), (4, 4, 4), (3, 2, 5)])
def test_dense_backward_matches_gradient_tape(n, d_in, d_out):
    rng = np.random.default_rng(n * 100 + d_in * 10 + d_out + 1)
    x = rng.normal(size=(n, d_in))
    w = rng.normal(size=(d_in, d_out))
    b = rng.normal(size=d_out)
    grad_out = rng.normal(size=(n, d_out))  # an arbitrary upstream gradient dL/dz

    tx, tw, tb = tf.Variable(x), tf.Variable(w), tf.Variable(b)
    with tf.GradientTape() as tape:
        z = tx @ tw + tb
        loss = tf.reduce_sum(z * grad_out)  # so that dL/dz = grad_out exactly
    want_x, want_w, want_b = (g.numpy() for g in tape.gradient(loss, [tx, tw, tb]))

    grad_x, grad_w, grad_b = dense_backward(grad_out, x, w)
    for got, want, name in [(grad_x, want_x, "x"), (grad_w, want_w, "w"), (grad_b, want_b, "b")]:
        assert got.shape == want.shape, f"grad_{name} has shape {got.shape}, want {want.shape}"
        assert relative_error(got, want) < 1e-12, f"grad_{name} is wrong"


def test_dense_backward_matches_finite_differences():
    rng = np.random.default_rng(7)
    x, w, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    grad_out = rng.normal(size=(5, 2))
    grad_x, grad_w, grad_b = dense_backward(grad_out, x, w)
    assert relative_error(grad_x, numerical_gradient(
        lambda v: np.sum(dense_forward(v, w, b) * grad_out), x)) < 1e-8  # fmt: skip
    assert relative_error(grad_w, numerical_gradient(
        lambda v: np.sum(dense_forward(x, v, b) * grad_out), w)) < 1e-8  # fmt: skip
    assert relative_error(grad_b, numerical_gradient(
        lambda v: np.sum(dense_forward(x, w, v) * grad_out), b)) < 1e-8  # fmt: skip


def test_dense_layer_bad_inputs():
    x, w, b = np.ones((4, 3)), np.ones((3, 2)), np.ones(2)
    with pytest.raises(ValueError, match="w expects 3 inputs"):
        dense_forward(np.ones((4, 5)), w, b)
    with pytest.raises(ValueError, match="x must be 2-D"):
        dense_forward(np.ones(3), w, b)
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        dense_forward(x, w, np.ones(3))
    with pytest.raises(TypeError, match="x must"):
        dense_forward("x", w, b)
    with pytest.raises(ValueError, match="grad_out must have the shape"):
        dense_backward(np.ones((4, 3)), x, w)
    with pytest.raises(TypeError, match="w must"):
        dense_backward(np.ones((4, 2)), x, None)
    # integers are fine and become float64
    assert dense_forward(np.ones((2, 3), dtype=int), w, b).dtype == np.float64


# ------------------------------------------------------------------------- the network
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("output_activation", ["linear", "sigmoid"])
def test_mlp_backward_matches_gradient_tape(activation, output_activation):
    rng = np.random.default_rng(len(activation) + 10 * len(output_activation))
    params = init_mlp([5, 8, 6, 3], rng, init="glorot")
    for layer in params:  # nonzero biases, so that a wrong grad_b shows
        layer["b"] = rng.normal(scale=0.5, size=layer["b"].shape)
    x = rng.normal(size=(7, 5))
    y = rng.normal(size=(7, 3))
    loss, grads = numpy_mlp_gradients(params, x, y, activation, output_activation)
    tf_loss, tf_grads = tf_mlp_gradients(params, x, y, activation, output_activation)
    assert loss == pytest.approx(tf_loss, rel=1e-12)
    for i, (ours, theirs) in enumerate(zip(grads, tf_grads, strict=True)):
        for key in ("w", "b"):
            assert ours[key].shape == params[i][key].shape
            assert relative_error(ours[key], theirs[key]) < 1e-10, f"layer {i} {key}"


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_backward_matches_finite_differences(activation):
    rng = np.random.default_rng(11)
    params = init_mlp([4, 6, 5, 2], rng, init="he")
    for layer in params:
        layer["b"] = rng.normal(scale=0.3, size=layer["b"].shape)
    x, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 2))
    _, grads = numpy_mlp_gradients(params, x, y, activation)
    for i, layer in enumerate(params):
        for key in ("w", "b"):

            def loss_of(value, i=i, key=key):
                changed = [dict(p) for p in params]
                changed[i][key] = value
                return numpy_mlp_gradients(changed, x, y, activation)[0]

            numeric = numerical_gradient(loss_of, layer[key])
            assert relative_error(grads[i][key], numeric) < 1e-7, f"layer {i} {key}"


def test_mlp_matches_keras_sequential_in_float32():
    rng = np.random.default_rng(12)
    sizes = [6, 16, 8, 1]
    params = init_mlp(sizes, rng, init="he", dtype=np.float32)
    for layer in params:
        layer["b"] = rng.normal(scale=0.2, size=layer["b"].shape).astype(np.float32)
    x = rng.normal(size=(32, 6)).astype(np.float32)
    y = (rng.uniform(size=(32, 1)) < 0.5).astype(np.float32)

    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.set_weights([a for p in params for a in (p["w"], p["b"])])
    assert model.count_params() == mlp_param_count(sizes)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        keras_loss = bce(y, model(x))
    keras_grads = [g.numpy() for g in tape.gradient(keras_loss, model.trainable_variables)]

    logits, cache = mlp_forward(params, x)
    assert logits.dtype == np.float32
    assert relative_error(logits, model(x).numpy()) < 1e-5
    loss, grad_logits = binary_cross_entropy_with_logits(logits, y)
    assert loss == pytest.approx(float(keras_loss), rel=1e-5)
    grads = mlp_backward(params, cache, grad_logits)
    ours = [a for g in grads for a in (g["w"], g["b"])]
    for got, want in zip(ours, keras_grads, strict=True):
        assert got.dtype == np.float32
        assert relative_error(got, want) < 1e-5


def test_backward_pass_runs_from_the_output_to_the_input():
    rng = np.random.default_rng(13)
    params = init_mlp([3, 4, 4, 4, 2], rng)
    out, cache = mlp_forward(params, rng.normal(size=(2, 3)))
    order: list[int] = []
    mlp_backward(params, cache, np.ones_like(out), trace=order)
    assert order == [3, 2, 1, 0]


def test_mlp_bad_inputs():
    rng = np.random.default_rng(14)
    params = init_mlp([3, 4, 2], rng)
    x = rng.normal(size=(5, 3))
    with pytest.raises(ValueError, match=r"x must have shape \(n, 3\)"):
        mlp_forward(params, rng.normal(size=(5, 4)))
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        mlp_forward(params, x, activation="softplus")
    with pytest.raises(TypeError, match="params must be a non-empty list"):
        mlp_forward({"w": np.ones((3, 2)), "b": np.ones(2)}, x)
    with pytest.raises(TypeError, match=r"params\[1\] must be a dict with keys 'w' and 'b'"):
        mlp_forward([params[0], {"W": np.ones((4, 2)), "b": np.ones(2)}], x)
    with pytest.raises(ValueError, match="layer 0 outputs 4 values but layer 1 expects 5"):
        mlp_forward([params[0], {"w": np.ones((5, 2)), "b": np.ones(2)}], x)
    with pytest.raises(ValueError, match=r"params\[0\]\['b'\] must have shape \(4,\)"):
        mlp_forward([{"w": np.ones((3, 4)), "b": np.ones(3)}, params[1]], x)
    out, cache = mlp_forward(params, x)
    with pytest.raises(ValueError, match=r"grad_output must have the output's shape \(5, 2\)"):
        mlp_backward(params, cache, np.ones((5, 3)))
    with pytest.raises(TypeError, match="cache must be the dict returned by mlp_forward"):
        mlp_backward(params, [1, 2], np.ones_like(out))
    with pytest.raises(TypeError, match="trace must be a list"):
        mlp_backward(params, cache, np.ones_like(out), trace=())


# ----------------------------------------------------------------- initialization, size
@pytest.mark.parametrize("sizes", [[2, 3, 1], [784, 256, 128, 10], [10, 10]])
def test_param_count_matches_keras(sizes):
    model = keras.Sequential([keras.Input((sizes[0],))]
                             + [keras.layers.Dense(s) for s in sizes[1:]])  # fmt: skip
    assert mlp_param_count(sizes) == model.count_params()
    params = init_mlp(sizes, np.random.default_rng(0))
    assert sum(p["w"].size + p["b"].size for p in params) == model.count_params()


def test_init_mlp_scales_and_shapes():
    rng = np.random.default_rng(15)
    glorot = init_mlp([400, 300, 10], rng, init="glorot", dtype=np.float32)
    he = init_mlp([400, 300], rng, init="he")
    fixed = init_mlp([400, 300], rng, init=0.05)
    assert [p["w"].shape for p in glorot] == [(400, 300), (300, 10)]
    assert [p["b"].shape for p in glorot] == [(300,), (10,)]
    assert all(p["w"].dtype == np.float32 and not p["b"].any() for p in glorot)
    limit = np.sqrt(6 / 700)
    assert np.abs(glorot[0]["w"]).max() <= limit and np.abs(glorot[0]["w"]).max() > 0.99 * limit
    assert glorot[0]["w"].std() == pytest.approx(np.sqrt(2 / 700), rel=0.02)
    assert he[0]["w"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert fixed[0]["w"].std() == pytest.approx(0.05, rel=0.02)
    # the same seed gives the same weights
    a = init_mlp([3, 4], np.random.default_rng(1))
    b = init_mlp([3, 4], 1)
    np.testing.assert_array_equal(a[0]["w"], b[0]["w"])


def test_init_mlp_bad_inputs():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="init must be 'glorot', 'he'"):
        init_mlp([2, 3], rng, init="xavier")
    with pytest.raises(ValueError, match="init .* must be positive"):
        init_mlp([2, 3], rng, init=-1.0)
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        init_mlp([2, 3], rng="seed")
    with pytest.raises(ValueError, match="at least an input and an output"):
        init_mlp([2], rng)
    with pytest.raises(TypeError, match="every layer width must be an int"):
        init_mlp([2, 3.5], rng)
    with pytest.raises(ValueError, match="every layer width must be >= 1"):
        mlp_param_count([2, 0, 1])
    with pytest.raises(TypeError, match="sizes must be a list"):
        mlp_param_count("784-10")
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        init_mlp([2, 3], rng, dtype=np.int32)


# ------------------------------------------------------------------- losses, training
def test_losses_and_their_gradients_match_tensorflow():
    rng = np.random.default_rng(16)
    z = rng.normal(scale=3, size=(9, 1))
    y = (rng.uniform(size=9) < 0.5).astype(float)
    tz = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(tz)
        tf_bce = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y[:, None], tz))
    loss, grad = binary_cross_entropy_with_logits(z, y)  # y of shape (n,) is accepted
    assert loss == pytest.approx(float(tf_bce), rel=1e-12)
    assert relative_error(grad, tape.gradient(tf_bce, tz).numpy()) < 1e-12
    # stable for huge logits
    big_loss, big_grad = binary_cross_entropy_with_logits(np.array([[1000.0], [-1000.0]]),
                                                          np.array([0.0, 1.0]))  # fmt: skip
    assert big_loss == pytest.approx(1000.0) and np.isfinite(big_grad).all()

    out, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    to = tf.constant(out)
    with tf.GradientTape() as tape:
        tape.watch(to)
        tf_mse = tf.reduce_mean((to - target) ** 2)
    loss, grad = mean_squared_error(out, target)
    assert loss == pytest.approx(float(tf_mse), rel=1e-12)
    assert relative_error(grad, tape.gradient(tf_mse, to).numpy()) < 1e-12
    with pytest.raises(ValueError, match="y must have the shape of output"):
        mean_squared_error(out, target[:, :2])


def test_train_step_is_one_gradient_descent_step_and_learns_xor():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0], dtype=float)
    params = init_mlp([2, 8, 1], np.random.default_rng(3), init="glorot")
    before = [dict(p) for p in params]
    new, loss = train_step(params, x, y, learning_rate=0.5, activation="tanh")
    out, cache = mlp_forward(params, x, activation="tanh")
    expected_loss, grad = binary_cross_entropy_with_logits(out, y)
    grads = mlp_backward(params, cache, grad)
    assert loss == expected_loss
    for p, q, g, old in zip(params, new, grads, before, strict=True):
        np.testing.assert_array_equal(p["w"], old["w"])  # the input is not modified
        np.testing.assert_allclose(q["w"], p["w"] - 0.5 * g["w"])
        np.testing.assert_allclose(q["b"], p["b"] - 0.5 * g["b"])
    losses = [loss]
    for _ in range(1500):
        new, loss = train_step(new, x, y, learning_rate=0.5, activation="tanh")
        losses.append(loss)
    assert losses[-1] < 0.05 < losses[0]
    logits, _ = mlp_forward(new, x, activation="tanh")
    np.testing.assert_array_equal((logits[:, 0] > 0).astype(float), y)
    with pytest.raises(ValueError, match="loss must be one of"):
        train_step(new, x, y, 0.1, loss="hinge")
    with pytest.raises(ValueError, match="learning_rate must be positive"):
        train_step(new, x, y, -0.1)
