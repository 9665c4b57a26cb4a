"""The chapter 05 explorer: ridge regression on polynomial features, errors, figure, speed."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils.explorers.ch05 import (
    LOG10_LAMBDAS,
    draw_ridge_explorer,
    polynomial_features,
    ridge_data,
    ridge_errors,
    ridge_fit,
    ridge_predict,
)


def test_data_is_fixed_and_shaped():
    a, b = ridge_data(), ridge_data()
    for u, v in zip(a, b, strict=True):
        assert np.array_equal(u, v)
    x_train, y_train, x_val, y_val = a
    assert x_train.shape == y_train.shape == (20,) and x_val.shape == y_val.shape == (60,)
    assert np.all(np.abs(x_train) <= 1)
    assert not np.array_equal(ridge_data(seed=1)[0], x_train)
    exact = ridge_data(noise=0.0)
    assert np.allclose(exact[1], np.sin(np.pi * exact[0]))


def test_polynomial_features_known_values():
    got = polynomial_features([2.0, -1.0, 0.5], 3)
    assert np.allclose(got, [[2, 4, 8], [-1, 1, -1], [0.5, 0.25, 0.125]])


@pytest.mark.parametrize(("degree", "lam"), [(1, 0.1), (5, 1e-3), (9, 2.0), (12, 1e-6)])
def test_ridge_fit_matches_scikit_learn(degree, lam):
    """scikit-learn's Ridge minimizes the same objective: the intercept is not penalized."""
    from sklearn.linear_model import Ridge

    x, y, _, _ = ridge_data()
    b, w = ridge_fit(x, y, degree, lam)
    reference = Ridge(alpha=lam, fit_intercept=True, solver="svd").fit(
        polynomial_features(x, degree), y
    )
    assert np.allclose(w, reference.coef_, rtol=1e-5, atol=1e-6)
    assert np.isclose(b, reference.intercept_, rtol=1e-6, atol=1e-8)
    grid = np.linspace(-1, 1, 7)
    assert np.allclose(ridge_predict(grid, b, w),
                       reference.predict(polynomial_features(grid, degree)), atol=1e-6)


def test_lambda_zero_is_least_squares_and_huge_lambda_is_the_mean():
    x, y, _, _ = ridge_data()
    b, w = ridge_fit(x, y, 3, 0.0)
    design = np.column_stack([np.ones_like(x), polynomial_features(x, 3)])
    want = np.linalg.lstsq(design, y, rcond=None)[0]
    assert np.allclose(np.r_[b, w], want, atol=1e-10)
    b, w = ridge_fit(x, y, 5, 1e10)
    assert np.allclose(w, 0, atol=1e-8) and np.isclose(b, y.mean())


def test_training_error_grows_with_lambda_and_validation_has_an_inner_minimum():
    train, val = ridge_errors(12)
    assert train.shape == val.shape == LOG10_LAMBDAS.shape
    assert np.all(np.diff(train) >= -1e-9)  # more penalty never fits the training set better
    best = int(np.argmin(val))
    assert 0 < best < len(LOG10_LAMBDAS) - 1  # overfits at the left end, underfits at the right
    assert val[0] > 2 * val[best] and val[-1] > 2 * val[best]


def test_ridge_errors_on_given_data():
    data = ridge_data(n_train=10, n_val=5, seed=3)
    train, val = ridge_errors(2, [-3.0, 0.0], data)
    b, w = ridge_fit(data[0], data[1], 2, 1.0)
    assert np.isclose(val[1], np.mean((ridge_predict(data[2], b, w) - data[3]) ** 2))
    assert np.isclose(train[1], np.mean((ridge_predict(data[0], b, w) - data[1]) ** 2))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [(lambda: polynomial_features(np.ones((3, 2)), 2), ValueError, "x must be 1-D"),
     (lambda: polynomial_features([1.0], 0), ValueError, "degree must be >= 1"),
     (lambda: polynomial_features([1.0], 2.0), TypeError, "degree must be an int"),
     (lambda: polynomial_features("abc", 2), TypeError, "x must be an array-like"),
     (lambda: ridge_fit([1.0, 2.0], [1.0], 1, 0.1), ValueError, "same number"),
     (lambda: ridge_fit([1.0, 2.0], [1.0, 2.0], 1, -1.0), ValueError, "lam must be in"),
     (lambda: ridge_fit([1.0, 2.0], [1.0, 2.0], 1, "big"), TypeError, "lam must be a number"),
     (lambda: ridge_data(n_train=1), ValueError, "n_train must be >= 2"),
     (lambda: draw_ridge_explorer(log10_lambda=None), TypeError, "log10_lambda must be"),
     (lambda: draw_ridge_explorer(degree=0), ValueError, "degree must be >= 1")],
)  # fmt: skip
def test_bad_inputs_say_what_was_expected(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_draw_returns_a_figure():
    fig = draw_ridge_explorer(-8.0, 15)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert "degree 15" in fig.axes[0].get_title()


def test_the_explorer_redraws_fast():
    from course_utils.widgets import explorer, slider

    e = explorer(draw_ridge_explorer, log10_lambda=slider(-8.0, 2.0, -3.0, step=0.25),
                 degree=slider(1, 15, 9))  # fmt: skip
    before = e.image.value
    e.controls["log10_lambda"].value = -6.0
    assert e.image.value != before
    assert e.best_redraw_seconds() < 1.0, e.last_seconds
    again = e.image.value
    e.controls["degree"].value = 3
    assert e.image.value != again
    assert e.best_redraw_seconds() < 1.0, e.last_seconds
