"""The chapter-11 latent-walk explorer: interpolations against independent references,
input errors, and a redraw that changes the figure in well under a second."""

from functools import partial

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils.explorers.ch11 import (
    draw_latent_walk,
    interpolation_path,
    latent_pair,
    lerp,
    slerp,
)
from course_utils.widgets import choice, explorer, slider


def fake_generator(latent_dim, seed=0):
    """A stand-in for a trained generator: tanh(z @ W) reshaped to 28x28x1 images."""
    weights = np.random.default_rng(seed).normal(size=(latent_dim, 784)) / np.sqrt(latent_dim)

    def generator(z, training=False):
        assert training is False
        return np.tanh(np.asarray(z) @ weights).reshape(len(z), 28, 28, 1)

    return generator


def test_latent_pair_is_reproducible_and_standard_normal():
    a, b = latent_pair(3, 4, 64)
    assert a.shape == b.shape == (64,)
    assert np.array_equal(a, np.random.default_rng(3).standard_normal(64))
    assert np.array_equal(latent_pair(3, 9, 64)[0], a) and not np.allclose(a, b)


def test_lerp_is_the_straight_line():
    a, b = np.array([1.0, 2.0, -1.0]), np.array([3.0, 0.0, 1.0])
    assert np.allclose(lerp(a, b, 0.25), [1.5, 1.5, -0.5])
    path = lerp(a, b, np.linspace(0, 1, 5))
    assert path.shape == (5, 3) and np.allclose(path[0], a) and np.allclose(path[-1], b)
    assert np.allclose(np.diff(path, axis=0), (b - a) / 4)


def test_slerp_matches_a_rotation_in_the_plane_of_a_and_b():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 16))
    a_hat, b_hat = a / np.linalg.norm(a), b / np.linalg.norm(b)
    theta = np.arccos(a_hat @ b_hat)
    # independent reference for unit vectors: cos(t theta) a + sin(t theta) u, where u is
    # the unit vector of the plane orthogonal to a (Gram-Schmidt)
    u = b_hat - (a_hat @ b_hat) * a_hat
    u /= np.linalg.norm(u)
    for t in (0.0, 0.3, 0.5, 0.9, 1.0):
        want = np.cos(t * theta) * a_hat + np.sin(t * theta) * u
        assert np.allclose(slerp(a_hat, b_hat, t), want, atol=1e-12)
    ts = np.linspace(0, 1, 11)
    path = slerp(a_hat, b_hat, ts)
    assert np.allclose(np.linalg.norm(path, axis=1), 1.0)  # stays on the sphere
    angles = np.arccos(np.clip(path @ a_hat, -1, 1))
    assert np.allclose(angles, ts * theta)  # constant angular speed
    # a linear path between the same points dips inside the sphere
    assert np.linalg.norm(lerp(a_hat, b_hat, 0.5)) < np.cos(theta / 2) + 1e-12


def test_slerp_endpoints_and_parallel_vectors():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 8))
    assert np.allclose(slerp(a, b, 0.0), a) and np.allclose(slerp(a, b, 1.0), b)
    assert np.allclose(slerp(a, 2 * a, 0.5), 1.5 * a)  # parallel: falls back to lerp
    assert np.allclose(interpolation_path(a, b, 0.4, "linear"), lerp(a, b, 0.4))
    assert np.allclose(interpolation_path(a, b, 0.4), slerp(a, b, 0.4))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: lerp(np.zeros(3), np.zeros(4), 0.5), ValueError, "shape of a"),
        (lambda: slerp(np.ones(3), np.ones(3), 1.5), ValueError, r"\[0, 1\]"),
        (lambda: slerp(np.zeros(3), np.ones(3), 0.5), ValueError, "nonzero"),
        (lambda: lerp("a", np.ones(3), 0.5), TypeError, "array-like"),
        (lambda: lerp(np.ones((2, 3)), np.ones((2, 3)), 0.5), ValueError, "1-D"),
        (lambda: interpolation_path(np.ones(3), np.ones(3), 0.5, "cubic"), ValueError,
         "method"),
        (lambda: latent_pair(1.5, 2, 8), TypeError, "int"),
        (lambda: latent_pair(1, 2, 0), ValueError, ">= 1"),
        (lambda: draw_latent_walk("half", generator=fake_generator(8), latent_dim=8),
         TypeError, "number"),
    ],
)
def test_bad_inputs_say_what_was_expected(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_draw_returns_a_figure():
    for method in ("spherical", "linear"):
        fig = draw_latent_walk(0.3, 2, 5, method, generator=fake_generator(16), latent_dim=16)
        assert isinstance(fig, Figure) and len(fig.axes) == 3  # strip, image, norms


def test_explorer_redraws_fast_and_changes_the_figure():
    draw = partial(draw_latent_walk, generator=fake_generator(64), latent_dim=64)
    e = explorer(draw, title="latent walk", t=slider(0.0, 1.0, 0.5), seed_a=slider(0, 20, 0),
                 seed_b=slider(0, 20, 1), method=choice(["spherical", "linear"]))
    before = e.image.value
    e.controls["t"].value = 0.8
    assert e.image.value != before
    assert e.best_redraw_seconds() < 1.0
    changed = e.image.value
    e.controls["method"].value = "linear"
    assert e.image.value != changed and e.best_redraw_seconds() < 1.0
