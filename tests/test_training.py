"""Tests of course_utils.training.restart: a restarted model trains exactly like a new one."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from course_utils.training import restart  # noqa: E402


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x[:, 0] - x[:, 1] > 0).astype("float32")
    return x, y


def _model(seed: int):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(1, activation="sigmoid")])  # fmt: skip


def _compiled(model, learning_rate=1e-2):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy")
    return model


def _train(model, x, y):
    model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    return model.get_weights()


def test_restart_equals_a_freshly_compiled_model():
    x, y = _data()
    start = _model(1).get_weights()
    fresh = _compiled(_model(1), learning_rate=3e-2)
    expected = _train(fresh, x, y)

    reused = _compiled(_model(2), learning_rate=1e-3)
    _train(reused, x, y)  # a first run with other weights and another learning rate
    restart(reused, start, 3e-2)
    got = _train(reused, x, y)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert float(reused.optimizer.learning_rate) == pytest.approx(3e-2)


def test_without_resetting_the_optimizer_the_run_differs():
    """The check above can fail: keeping Adam's state gives other weights."""
    x, y = _data()
    start = _model(1).get_weights()
    expected = _train(_compiled(_model(1)), x, y)
    reused = _compiled(_model(2))
    _train(reused, x, y)
    reused.set_weights(start)  # weights only: the optimizer keeps its moments
    got = _train(reused, x, y)
    assert not all(np.allclose(a, b, atol=1e-6) for a, b in zip(got, expected, strict=True))


def test_restart_rejects_bad_input():
    model = _model(1)
    weights = model.get_weights()
    with pytest.raises(ValueError, match="compiled"):
        restart(model, weights, 1e-3)
    _compiled(model)
    with pytest.raises(TypeError, match="keras.Model"):
        restart("model", weights, 1e-3)
    with pytest.raises(ValueError, match="list of 4 arrays"):
        restart(model, weights[:2], 1e-3)
    with pytest.raises(ValueError, match=r"weights\[0\] has shape"):
        restart(model, [w.T for w in weights], 1e-3)
    with pytest.raises(ValueError, match="positive"):
        restart(model, weights, 0.0)
    with pytest.raises(TypeError, match="number"):
        restart(model, weights, "1e-3")
