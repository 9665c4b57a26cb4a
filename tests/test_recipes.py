"""course_utils.recipes: the fast CNN recipe of chapter 06a."""

import math

import keras
import numpy as np
import pytest

from course_utils.recipes import fast_cnn, image_pipeline, one_cycle_adam, one_cycle_schedule


def images_and_labels(n=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), rng.integers(0, 10, size=n)


def test_pipeline_scales_adds_a_channel_and_batches():
    x, y = images_and_labels(10)
    batches = list(image_pipeline(x, y, batch=4))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    images = np.concatenate([b[0].numpy() for b in batches])
    labels = np.concatenate([b[1].numpy() for b in batches])
    assert images.shape == (10, 28, 28, 1) and images.dtype == np.float32
    np.testing.assert_allclose(images[..., 0], x / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(labels, y)


def test_pipeline_keeps_existing_channels():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, size=(6, 8, 8, 3), dtype=np.uint8)
    first = next(iter(image_pipeline(x, np.arange(6), batch=6)))[0].numpy()
    assert first.shape == (6, 8, 8, 3)
    np.testing.assert_allclose(first, x / 255.0, rtol=1e-6)


def test_shuffled_pipeline_is_a_seeded_permutation_that_changes_every_epoch():
    x, y = images_and_labels(64)
    order = lambda ds: np.concatenate([b[1].numpy() for b in ds])  # noqa: E731
    ds = image_pipeline(x, np.arange(64), batch=16, shuffle=True, seed=3)
    epoch1, epoch2 = order(ds), order(ds)
    assert sorted(epoch1) == list(range(64)) and not np.array_equal(epoch1, np.arange(64))
    assert not np.array_equal(epoch1, epoch2)
    again = image_pipeline(x, np.arange(64), batch=16, shuffle=True, seed=3)
    np.testing.assert_array_equal(order(again), epoch1)


def test_pipeline_rejects_bad_input():
    x, y = images_and_labels(10)
    with pytest.raises(ValueError, match=r"shape \(n, height, width\)"):
        image_pipeline(x[0], y)
    with pytest.raises(ValueError, match="same number of items"):
        image_pipeline(x, y[:5])
    with pytest.raises(ValueError, match="integer class labels"):
        image_pipeline(x, y.astype(np.float32))
    with pytest.raises(ValueError, match="batch must be a positive integer"):
        image_pipeline(x, y, batch=0)
    with pytest.raises(TypeError):
        image_pipeline("images", y)


def test_fast_cnn_layers_and_parameter_count():
    model = fast_cnn((12, 24, 48), n_classes=10)
    conv1, conv2, conv3 = (model.get_layer(f"conv{i}") for i in (1, 2, 3))
    # nothing but the convolution (ReLU built in) at full resolution, then BN blocks
    assert conv1.use_bias and conv1.activation is keras.activations.relu
    assert not conv2.use_bias and not conv3.use_bias
    assert [layer.name for layer in model.layers][:4] == ["conv1", "pool1", "conv2", "bn2"]
    assert model.output_shape == (None, 10)
    expected = (
        (3 * 3 * 1 * 12 + 12)
        + (3 * 3 * 12 * 24) + 4 * 24
        + (3 * 3 * 24 * 48) + 4 * 48
        + (7 * 7 * 48 * 10 + 10)
    )  # fmt: skip
    assert model.count_params() == expected
    probs = model(np.zeros((2, 28, 28, 1), np.float32)).numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_fast_cnn_rejects_bad_arguments():
    with pytest.raises(ValueError, match="three positive integers"):
        fast_cnn((12, 24))
    with pytest.raises(ValueError, match="dropout"):
        fast_cnn(dropout=1.5)
    with pytest.raises(ValueError, match="n_classes"):
        fast_cnn(n_classes=1)


def test_one_cycle_schedule_follows_its_formula():
    steps, peak = 1000, 6e-3
    schedule = one_cycle_schedule(steps, peak=peak)
    warmup = 100
    for t in [0, 50, 100, 300, 550, 999, 1000]:
        if t <= warmup:
            expected = peak / 10 + (peak - peak / 10) * t / warmup
        else:
            expected = 0.5 * peak * (1 + math.cos(math.pi * (t - warmup) / (steps - warmup)))
        assert float(schedule(t)) == pytest.approx(expected, rel=1e-4, abs=1e-9), t


def test_one_cycle_without_warmup_starts_at_the_peak():
    schedule = one_cycle_schedule(100, peak=1e-3, warmup_fraction=0.0)
    assert float(schedule(0)) == pytest.approx(1e-3, rel=1e-6)
    assert float(schedule(100)) == pytest.approx(0.0, abs=1e-9)


def test_one_cycle_adam_uses_the_schedule():
    optimizer = one_cycle_adam(1000, peak=6e-3)
    assert isinstance(optimizer, keras.optimizers.Adam)
    assert float(optimizer.learning_rate) == pytest.approx(6e-4, rel=1e-5)  # step 0: peak / 10


def test_one_cycle_rejects_bad_arguments():
    with pytest.raises(ValueError, match="steps"):
        one_cycle_schedule(1)
    with pytest.raises(ValueError, match="peak"):
        one_cycle_adam(100, peak=0)
    with pytest.raises(ValueError, match="warmup_fraction"):
        one_cycle_schedule(100, warmup_fraction=1.0)
