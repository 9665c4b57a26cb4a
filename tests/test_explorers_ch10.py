"""The chapter-10 VAE latent explorer: its computations against independent references,
its input errors, and a redraw that changes the figure in well under a second."""

from functools import partial

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.special import expit

from course_utils.explorers.ch10 import (
    draw_vae_latent,
    latent_axes,
    latent_point,
    project_codes,
    to_pixels,
)
from course_utils.widgets import explorer, slider


def linear_decoder(latent, pixels=784, seed=0):
    """A stand-in for a trained decoder: logits = z @ W + b, called like a Keras model."""
    rng = np.random.default_rng(seed)
    weights, bias = rng.normal(size=(latent, pixels)), rng.normal(size=pixels)

    def decoder(z, training=False):
        assert training is False
        return np.asarray(z) @ weights + bias

    return decoder


def test_two_dimensional_codes_use_the_coordinates_themselves():
    codes = np.random.default_rng(1).normal(size=(50, 2)) + 3.0
    origin, directions = latent_axes(codes)
    assert np.array_equal(origin, np.zeros(2)) and np.array_equal(directions, np.eye(2))
    assert np.allclose(latent_point([0.5, -1.0], origin, directions), [0.5, -1.0])


def test_larger_codes_use_the_leading_principal_directions():
    rng = np.random.default_rng(2)
    scales = np.array([5.0, 3.0, 1.0, 0.5, 0.1])
    codes = rng.normal(size=(4000, 5)) * scales @ np.linalg.qr(rng.normal(size=(5, 5)))[0] + 2.0
    origin, directions = latent_axes(codes, 2)
    assert np.allclose(origin, codes.mean(axis=0))
    # independent reference: eigenvectors of the covariance matrix, largest eigenvalues first
    values, vectors = np.linalg.eigh(np.cov(codes.T))
    leading = vectors[:, np.argsort(values)[::-1][:2]].T
    assert np.allclose(np.abs(np.sum(directions * leading, axis=1)), 1.0, atol=1e-6)
    assert np.allclose(directions @ directions.T, np.eye(2), atol=1e-10)
    # the variance of the projected codes is the two largest eigenvalues
    projected = project_codes(codes, origin, directions)
    assert np.allclose(projected.var(axis=0, ddof=1), np.sort(values)[::-1][:2], rtol=1e-8)


def test_latent_point_and_project_codes_are_inverse_on_the_plane():
    rng = np.random.default_rng(3)
    origin, directions = latent_axes(rng.normal(size=(100, 6)), 2)
    coords = np.array([1.3, -0.4])
    z = latent_point(coords, origin, directions)
    assert np.allclose(project_codes(z[None], origin, directions)[0], coords)
    assert np.allclose(z, origin + 1.3 * directions[0] - 0.4 * directions[1])


def test_to_pixels_is_the_sigmoid_of_logits_or_a_rescaled_range():
    logits = np.linspace(-800, 800, 784)
    assert np.allclose(to_pixels(logits[None]), expit(logits).reshape(28, 28))
    assert np.all(np.isfinite(to_pixels(logits)))
    tanh_out = np.linspace(-1, 1, 16)
    assert np.allclose(to_pixels(tanh_out, (4, 4), from_logits=False, value_range=(-1, 1)),
                       ((tanh_out + 1) / 2).reshape(4, 4))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: latent_axes(np.zeros(5)), ValueError, "2-D"),
        (lambda: latent_axes(np.zeros((1, 3))), ValueError, "at least 2 rows"),
        (lambda: latent_axes(np.zeros((5, 1)), 2), ValueError, "k=2 columns"),
        (lambda: latent_axes("codes"), TypeError, "array-like"),
        (lambda: latent_axes(np.zeros((5, 3)), 2.0), TypeError, "int"),
        (lambda: latent_point([1.0, 2.0], np.zeros(3), np.eye(2)), ValueError, r"\(2, 3\)"),
        (lambda: project_codes(np.zeros((4, 3)), np.zeros(2), np.eye(3)[:2]), ValueError,
         "must match"),
        (lambda: to_pixels(np.zeros(10)), ValueError, "784 values"),
        (lambda: to_pixels(np.zeros(4), (2, 2), from_logits=False, value_range=(1, 1)),
         ValueError, "low < high"),
    ],
)
def test_bad_inputs_say_what_was_expected(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_draw_returns_a_figure_for_2d_and_larger_latent_spaces():
    rng = np.random.default_rng(4)
    for latent in (2, 8):
        fig = draw_vae_latent(0.5, -0.5, decoder=linear_decoder(latent),
                              codes=rng.normal(size=(300, latent)),
                              labels=rng.integers(0, 10, 300))
        assert isinstance(fig, Figure) and len(fig.axes) == 2


def test_explorer_redraws_fast_and_changes_the_figure():
    rng = np.random.default_rng(5)
    draw = partial(draw_vae_latent, decoder=linear_decoder(2),
                   codes=rng.normal(size=(10_000, 2)), labels=rng.integers(0, 10, 10_000))
    e = explorer(draw, title="VAE latent space", z1=slider(-3.0, 3.0, 0.0),
                 z2=slider(-3.0, 3.0, 0.0))
    before = e.image.value
    e.controls["z1"].value = 2.0
    assert e.image.value != before
    assert e.best_redraw_seconds() < 1.0
