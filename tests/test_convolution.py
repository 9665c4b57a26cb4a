"""Scratch convolution and pooling against Keras, on fresh random inputs.

Each test would fail on a plausible wrong formula: an output size without the
dilation term, a flipped kernel (true convolution instead of cross-correlation),
"same" padding split the wrong way for even kernels, or the channel axis mixed up.
"""

import itertools

import keras
import numpy as np
import pytest

from course_utils.convolution import (
    avg_pool2d,
    conv2d,
    conv_output_size,
    max_pool2d,
    receptive_field,
    same_padding,
)

RNG = np.random.default_rng(6)


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12)


def keras_conv(x, kernel, bias, **kwargs):
    layer = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2], **kwargs)
    layer.build(x.shape)
    layer.set_weights([kernel, bias])
    return np.asarray(layer(x))


# (height, width, kh, kw, c_in, c_out, strides, padding, dilation)
CONV_CASES = [
    (7, 7, 3, 3, 1, 1, 1, "valid", 1),
    (8, 9, 3, 3, 3, 4, 1, "same", 1),
    (8, 8, 2, 2, 2, 3, 1, "same", 1),  # even kernel: the odd zero goes after
    (9, 8, 4, 2, 2, 2, 1, "same", 1),
    (10, 11, 3, 5, 3, 2, 2, "valid", 1),
    (10, 11, 4, 4, 1, 3, 2, "same", 1),
    (9, 10, 3, 3, 2, 2, (2, 3), "same", 1),
    (12, 12, 3, 3, 2, 3, 1, "valid", 2),
    (11, 12, 3, 2, 3, 2, 1, "same", (2, 3)),
    (13, 13, 5, 5, 4, 5, 3, "valid", 1),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=[str(c) for c in CONV_CASES])
def test_conv2d_matches_keras_conv2d(case):
    h, w, kh, kw, c_in, c_out, strides, padding, dilation = case
    x = RNG.normal(size=(2, h, w, c_in)).astype(np.float32)
    kernel = RNG.normal(size=(kh, kw, c_in, c_out)).astype(np.float32)
    bias = RNG.normal(size=c_out).astype(np.float32)
    kwargs = {"strides": strides, "padding": padding, "dilation_rate": dilation}
    expected = keras_conv(x, kernel, bias, **kwargs)
    got = conv2d(x, kernel, bias, **kwargs)
    assert got.shape == expected.shape and got.dtype == np.float32
    assert rel_err(got, expected) < 1e-5


def test_conv2d_is_cross_correlation_not_flipped_convolution():
    """An asymmetric kernel tells the two apart; a single pixel shows the kernel itself."""
    x = np.zeros((1, 5, 5, 1), np.float32)
    x[0, 2, 2, 0] = 1.0
    kernel = np.arange(9, dtype=np.float32).reshape(3, 3, 1, 1)
    out = conv2d(x, kernel, padding="same")[0, :, :, 0]
    # cross-correlation of an impulse shows the kernel rotated by 180 degrees
    assert np.array_equal(out[1:4, 1:4], kernel[::-1, ::-1, 0, 0])


def test_conv2d_without_bias_and_with_a_single_image():
    x = RNG.normal(size=(1, 6, 6, 2)).astype(np.float32)
    kernel = RNG.normal(size=(3, 3, 2, 4)).astype(np.float32)
    expected = keras_conv(x, kernel, np.zeros(4, np.float32))
    assert rel_err(conv2d(x, kernel), expected) < 1e-5


def test_conv_output_size_matches_keras_shapes_on_many_configurations():
    checked = 0
    for n, k, s, padding, d in itertools.product(
        [5, 8, 13, 28], [1, 2, 3, 5], [1, 2, 3], ["valid", "same"], [1, 2, 3]
    ):
        if s > 1 and d > 1:  # TensorFlow does not support both at once
            continue
        if padding == "valid" and d * (k - 1) + 1 > n:
            with pytest.raises(ValueError, match="must fit"):
                conv_output_size(n, k, s, padding, d)
            continue
        layer = keras.layers.Conv2D(1, (k, k), strides=s, padding=padding, dilation_rate=d)
        expected = layer.compute_output_shape((1, n, n, 1))[1]
        assert conv_output_size(n, k, s, padding, d) == expected, (n, k, s, padding, d)
        checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("n", "k", "s", "d", "expected"),
    [(5, 3, 1, 1, (1, 1)), (5, 2, 1, 1, (0, 1)), (6, 4, 1, 1, (1, 2)), (7, 3, 2, 1, (1, 1)),
     (8, 3, 2, 1, (0, 1)), (9, 3, 1, 2, (2, 2)), (5, 1, 1, 1, (0, 0))],
)  # fmt: skip
def test_same_padding_puts_the_odd_zero_after(n, k, s, d, expected):
    assert same_padding(n, k, s, d) == expected


POOL_CASES = [
    (8, 8, 2, None, "valid"),
    (9, 7, 2, None, "valid"),
    (9, 7, 2, None, "same"),
    (10, 10, 3, 2, "valid"),
    (10, 11, 3, 2, "same"),
    (7, 9, (2, 3), (1, 2), "same"),
    (6, 6, 3, 1, "same"),
]


@pytest.mark.parametrize("case", POOL_CASES, ids=[str(c) for c in POOL_CASES])
@pytest.mark.parametrize(
    ("scratch", "layer"),
    [(max_pool2d, keras.layers.MaxPooling2D), (avg_pool2d, keras.layers.AveragePooling2D)],
)
def test_pooling_matches_keras(case, scratch, layer):
    h, w, pool, strides, padding = case
    x = RNG.normal(size=(2, h, w, 3)).astype(np.float32) - 2.0  # negative: padding must lose
    expected = np.asarray(layer(pool, strides=strides, padding=padding)(x))
    got = scratch(x, pool, strides, padding)
    assert got.shape == expected.shape
    assert rel_err(got, expected) < 1e-5


def test_pooling_keeps_channels_separate():
    x = np.zeros((1, 2, 2, 2), np.float32)
    x[0, 0, 0, 0], x[0, 1, 1, 1] = 5.0, 7.0
    assert max_pool2d(x)[0, 0, 0].tolist() == [5.0, 7.0]
    assert avg_pool2d(x)[0, 0, 0].tolist() == [1.25, 1.75]


def test_receptive_field_formula_and_known_stacks():
    assert receptive_field([]) == 1
    assert receptive_field([(3, 1)] * 2) == 5  # two 3x3 convs see 5x5 (VGG)
    assert receptive_field([(3, 1)] * 3) == 7
    assert receptive_field([(3, 1), (2, 2), (3, 1), (2, 2), (3, 1)]) == 18
    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == 15  # dilations 1, 2, 4
    assert receptive_field([(7, 2), (3, 2)]) == 7 + 2 * 2


def test_receptive_field_matches_the_gradient_footprint():
    """Pixels whose change can move one output = nonzero input gradient."""
    import tensorflow as tf

    spec = [(3, 1), (2, 2), (3, 1, 2), (3, 2)]
    layers = []
    for k, s, *d in spec:
        layers.append(keras.layers.Conv2D(1, k, strides=s, dilation_rate=d[0] if d else 1,
                                          kernel_initializer="ones", use_bias=False))  # fmt: skip
    model = keras.Sequential([keras.Input((40, 40, 1)), *layers])
    x = tf.constant(RNG.uniform(size=(1, 40, 40, 1)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = model(x)
        centre = y[0, y.shape[1] // 2, y.shape[2] // 2, 0]
    grad = tape.gradient(centre, x).numpy()[0, :, :, 0]
    rows = np.nonzero(grad.any(axis=1))[0]
    assert rows.max() - rows.min() + 1 == receptive_field(spec)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: conv2d(np.zeros((5, 5, 1)), np.zeros((3, 3, 1, 1))), ValueError, "4-D"),
        (lambda: conv2d(np.zeros((1, 3, 5, 5)), np.zeros((3, 3, 1, 1))), ValueError,
         "channels-last"),
        (lambda: conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1))), ValueError, "kernel"),
        (lambda: conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 2)), np.zeros(3)),
         ValueError, "bias"),
        (lambda: conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), padding="full"),
         ValueError, "padding"),
        (lambda: conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), padding=0), TypeError,
         "padding"),
        (lambda: conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), strides=0), ValueError,
         "strides"),
        (lambda: conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), strides=1.5), TypeError,
         "strides"),
        (lambda: conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), strides=(1, 2, 3)),
         ValueError, "pair"),
        (lambda: conv2d("image", np.zeros((3, 3, 1, 1))), TypeError, "array-like"),
        (lambda: conv2d(np.zeros((1, 2, 2, 1)), np.zeros((3, 3, 1, 1))), ValueError, "fit"),
        (lambda: conv_output_size(0, 3), ValueError, "positive"),
        (lambda: conv_output_size(5, 3, padding="SAME!"), ValueError, "padding"),
        (lambda: conv_output_size(5.0, 3), TypeError, "int"),
        (lambda: max_pool2d(np.zeros((4, 4))), ValueError, "4-D"),
        (lambda: avg_pool2d(np.zeros((1, 4, 4, 1)), pool_size=0), ValueError, "pool_size"),
        (lambda: receptive_field("3x3"), TypeError, "list"),
        (lambda: receptive_field([(3,)]), ValueError, "kernel_size, stride"),
        (lambda: receptive_field([(3, 0)]), ValueError, "stride"),
    ],
)  # fmt: skip
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
