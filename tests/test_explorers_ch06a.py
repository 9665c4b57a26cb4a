"""The chapter 06a kernel explorer: correct feature maps, clear errors, a fast redraw."""

from __future__ import annotations

import functools

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils.explorers.ch06a import (
    KERNEL_PRESETS,
    draw_kernel_explorer,
    feature_maps,
    preset_kernel,
)
from course_utils.widgets import choice, explorer, slider


def keras_same_relu_pool(image, kernel, relu):
    """Independent reference: Conv2D(padding="same") (+ ReLU), then MaxPooling2D(2)."""
    layer = keras.layers.Conv2D(1, kernel.shape, padding="same", use_bias=False,
                                activation="relu" if relu else None)  # fmt: skip
    layer.build((1, *image.shape, 1))
    layer.set_weights([kernel[:, :, None, None].astype("float32")])
    fmap = layer(image[None, :, :, None].astype("float32"))
    pooled = keras.layers.MaxPooling2D(2)(fmap)
    return np.asarray(fmap)[0, :, :, 0], np.asarray(pooled)[0, :, :, 0]


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4)])
def test_feature_maps_match_keras_conv_and_pooling(relu, shape):
    rng = np.random.default_rng()
    image = rng.uniform(size=(12, 10))
    kernel = rng.normal(size=shape)
    fmap, pooled = feature_maps(image, kernel, relu=relu)
    want_fmap, want_pooled = keras_same_relu_pool(image, kernel, relu)
    assert fmap.shape == (12, 10) and pooled.shape == (6, 5)
    assert np.allclose(fmap, want_fmap, rtol=1e-5, atol=1e-5)
    assert np.allclose(pooled, want_pooled, rtol=1e-5, atol=1e-5)
    if relu:
        assert fmap.min() >= 0


def test_feature_maps_of_known_kernels():
    image = np.zeros((6, 6))
    image[:, 3:] = 1.0  # a vertical edge from dark to bright between columns 2 and 3
    fmap, _ = feature_maps(image, preset_kernel("identity"))
    assert np.array_equal(fmap, image)
    edges, _ = feature_maps(image, preset_kernel("edge-x (Sobel)"))
    assert np.allclose(edges[1:-1, 2:4], 4.0)  # dark -> bright: positive, 1 + 2 + 1
    assert np.allclose(edges[1:-1, :2], 0.0) and np.allclose(edges[1:-1, 4], 0.0)
    flipped, _ = feature_maps(image, preset_kernel("edge-x (Sobel)", -1.0))
    assert np.allclose(flipped, -edges)


def test_presets_are_3x3_and_blurs_keep_the_brightness():
    for name in KERNEL_PRESETS:
        assert preset_kernel(name).shape == (3, 3)
    assert np.isclose(preset_kernel("blur (box)").sum(), 1.0)
    assert np.isclose(preset_kernel("blur (Gaussian)").sum(), 1.0)
    assert np.isclose(preset_kernel("sharpen").sum(), 1.0)
    assert np.isclose(preset_kernel("outline (Laplacian)").sum(), 0.0)
    assert np.allclose(preset_kernel("blur (box)", 2.0), 2 / 9)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown kernel preset"):
        preset_kernel("gaussian")
    with pytest.raises(TypeError, match="preset name"):
        preset_kernel(3)
    with pytest.raises(TypeError, match="scale must be a number"):
        preset_kernel("identity", "2")
    with pytest.raises(ValueError, match="image .* must be 2-D"):
        feature_maps(np.zeros((1, 8, 8)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="kernel .* must be 2-D"):
        feature_maps(np.zeros((8, 8)), np.ones(3))
    with pytest.raises(TypeError, match="image must"):
        feature_maps("digit", np.ones((3, 3)))
    images = np.zeros((3, 8, 8), dtype=np.uint8)
    with pytest.raises(ValueError, match="digit must be < 3"):
        draw_kernel_explorer(digit=3, images=images)
    with pytest.raises(ValueError, match="output must be one of"):
        draw_kernel_explorer(output="relu", images=images)
    with pytest.raises(ValueError, match="images .* must be 3-D"):
        draw_kernel_explorer(images=np.zeros((8, 8)))


def test_draw_returns_a_figure():
    images = np.random.default_rng(0).integers(0, 256, size=(2, 28, 28)).astype(np.uint8)
    fig = draw_kernel_explorer("sharpen", 0.5, 1, "ReLU", images=images)
    assert isinstance(fig, Figure) and len(fig.axes) == 4


def test_explorer_redraws_fast_and_changes_the_figure():
    images = np.random.default_rng(1).integers(0, 256, size=(3, 28, 28)).astype(np.uint8)
    e = explorer(functools.partial(draw_kernel_explorer, images=images), title="kernel",
                 preset=choice(list(KERNEL_PRESETS), "edge-x (Sobel)"),
                 scale=slider(-2.0, 2.0, 1.0), digit=slider(0, 2, 0),
                 output=choice(["signed", "ReLU"]))  # fmt: skip
    for name, value in [("preset", "blur (box)"), ("digit", 2), ("output", "ReLU"),
                        ("scale", -1.5)]:  # fmt: skip
        before = e.image.value
        e.controls[name].value = value
        assert e.image.value != before, name
        assert e.best_redraw_seconds() < 1.0, (name, e.last_seconds)
