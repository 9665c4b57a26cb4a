"""Each chapter-10 check accepts a correct answer and rejects plausible wrong ones."""

import numpy as np
import pytest
import tensorflow as tf

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch10 import (
    beta_experiment,
    check_fixed_negative_elbo,
    check_gaussian_reconstruction,
    check_kl_two_gaussians,
    check_prediction_10_3,
    gaussian_reconstruction_reference,
    kl_two_gaussians_reference,
)


def unsolved(*args):
    raise NotImplementedError()


# --------------------------------------------------------------------------- 10.1
def kl_two_gaussians(mq, lvq, mp, lvp):
    return 0.5 * np.sum(np.exp(lvq - lvp) + (mq - mp) ** 2 / np.exp(lvp) - 1 - lvq + lvp, axis=-1)


def test_kl_reference_against_monte_carlo():
    rng = np.random.default_rng(0)
    mq, mp, lvq, lvp = 0.3, -0.5, -0.4, 0.6
    z = mq + np.exp(lvq / 2) * rng.standard_normal(400_000)
    log_q = -0.5 * (lvq + (z - mq) ** 2 / np.exp(lvq))
    log_p = -0.5 * (lvp + (z - mp) ** 2 / np.exp(lvp))
    estimate = np.mean(log_q - log_p)
    exact = kl_two_gaussians_reference([[mq]], [[lvq]], [[mp]], [[lvp]])[0]
    assert exact == pytest.approx(estimate, abs=0.01)


def test_kl_accepts_correct_answers():
    assert "passed" in check_kl_two_gaussians(kl_two_gaussians)
    assert "passed" in check_kl_two_gaussians(
        lambda mq, lvq, mp, lvp: tf.reduce_sum(
            0.5 * (lvp - lvq) + (tf.exp(lvq) + (mq - mp) ** 2) / (2 * tf.exp(lvp)) - 0.5, axis=1
        )
    )


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda mq, lvq, mp, lvp: kl_two_gaussians(mp, lvp, mq, lvq), "KL\\(p \\|\\| q\\)"),
        (lambda mq, lvq, mp, lvp: 2 * kl_two_gaussians(mq, lvq, mp, lvp), "twice"),
        (lambda mq, lvq, mp, lvp: np.sum(kl_two_gaussians(mq, lvq, mp, lvp)), "shape"),
        (lambda mq, lvq, mp, lvp: kl_two_gaussians(mq, lvq, 0 * mp, 0 * lvp), "not right"),
        # the gap divided by the variance of q instead of p
        (lambda mq, lvq, mp, lvp: 0.5 * np.sum(np.exp(lvq - lvp) + (mq - mp) ** 2 / np.exp(lvq)
                                               - 1 - lvq + lvp, axis=-1), "not right"),
        # standard deviations where variances belong
        (lambda mq, lvq, mp, lvp: 0.5 * np.sum(np.exp((lvq - lvp) / 2) + (mq - mp) ** 2
                                               / np.exp(lvp / 2) - 1 - lvq + lvp, axis=-1),
         "not right|never negative"),
        (lambda mq, lvq, mp, lvp: -kl_two_gaussians(mq, lvq, mp, lvp), "never negative"),
        (lambda *a: None, "forget `return`"),
    ],
)
def test_kl_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_kl_two_gaussians(wrong)


def test_kl_says_not_solved_yet():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_kl_two_gaussians(unsolved)


# --------------------------------------------------------------------------- 10.2
def gaussian_reconstruction_loss(x, mean, log_var):
    nll = 0.5 * (np.log(2 * np.pi) + log_var + (x - mean) ** 2 / np.exp(log_var))
    return nll.reshape(len(x), -1).sum(axis=1)


def test_gaussian_reference_is_half_the_squared_error_plus_a_constant_for_unit_variance():
    rng = np.random.default_rng(1)
    x, m = rng.normal(size=(2, 3, 4, 4))
    want = 0.5 * np.sum((x - m) ** 2, axis=(1, 2)) + 8 * np.log(2 * np.pi)
    assert np.allclose(gaussian_reconstruction_reference(x, m, 0.0), want)


def test_gaussian_accepts_correct_answers():
    assert "passed" in check_gaussian_reconstruction(gaussian_reconstruction_loss)
    assert "passed" in check_gaussian_reconstruction(
        lambda x, m, lv: tf.reduce_sum(tf.reshape(
            0.5 * np.log(2 * np.pi) + 0.5 * lv + (x - m) ** 2 / (2 * tf.exp(lv * tf.ones_like(x))),
            (len(x), -1)), axis=1)  # fmt: skip
    )


def flat(values, x):
    return values.reshape(len(x), -1)


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda x, m, lv: flat(0.5 * (np.log(2 * np.pi) + lv + (x - m) ** 2 / np.exp(lv))
                               * np.ones_like(x), x).mean(axis=1), "averaged"),
        (lambda x, m, lv: flat(0.5 * (x - m) ** 2 / np.exp(lv), x).sum(axis=1), "squared-error"),
        (lambda x, m, lv: (0.5 * (np.log(2 * np.pi) + lv + (x - m) ** 2 / np.exp(lv))).sum(-1),
         "shape"),
        # the standard deviation where the variance belongs
        (lambda x, m, lv: flat(0.5 * (np.log(2 * np.pi) + lv + (x - m) ** 2 / np.exp(lv / 2))
                               * np.ones_like(x), x).sum(axis=1), "not right"),
        # log sigma^2 without the 1/2
        (lambda x, m, lv: flat(0.5 * np.log(2 * np.pi) + lv + 0.5 * (x - m) ** 2 / np.exp(lv)
                               * np.ones_like(x), x).sum(axis=1), "not right"),
        (lambda x, m, lv: -gaussian_reconstruction_loss(x, m, lv), "not right"),
    ],
)
def test_gaussian_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_gaussian_reconstruction(wrong)


def test_gaussian_says_not_solved_yet():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_gaussian_reconstruction(unsolved)


# --------------------------------------------------------------------------- 10.3
def test_beta_experiment_kl_falls_and_reconstruction_rises_for_every_seed():
    for seed in range(5):
        results = beta_experiment(seed=seed)
        kls, recons = [r[1] for r in results], [r[2] for r in results]
        assert all(a > b for a, b in zip(kls, kls[1:], strict=False)), kls
        assert all(a < b for a, b in zip(recons, recons[1:], strict=False)), recons
        assert kls[-1] < 0.3 * kls[0]


def test_beta_experiment_finds_the_closed_form_optimum():
    # the same data as beta_experiment; for a linear Gaussian decoder the optimum is known:
    # mu = (W'W + beta s^2 I)^-1 W'x and sigma_j^2 = beta s^2 / (|w_j|^2 + beta s^2)
    seed, noise_var = 3, 0.5
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(8, 2))
    x = rng.normal(size=(200, 2)) @ weights.T + np.sqrt(noise_var) * rng.normal(size=(200, 8))
    for beta, kl, _ in beta_experiment(betas=(0.5, 4.0), seed=seed):
        mu = x @ weights @ np.linalg.inv(weights.T @ weights + beta * noise_var * np.eye(2))
        var = beta * noise_var / (np.sum(weights**2, axis=0) + beta * noise_var)
        want = np.mean(0.5 * np.sum(var + mu**2 - 1 - np.log(var), axis=1))
        assert kl == pytest.approx(want, rel=1e-3)


def test_prediction_accepts_the_right_letter_and_explains(capsys):
    assert "passed" in check_prediction_10_3(lambda: "b")
    assert "beta =" in capsys.readouterr().out


@pytest.mark.parametrize(("wrong", "match"), [(lambda: "a", "you predicted \\(a\\)"),
                                              (lambda: "c", "you predicted \\(c\\)"),
                                              (lambda: "d", "one of"), (lambda: 2, "one of")])
def test_prediction_rejects_wrong_letters(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_10_3(wrong)


def test_prediction_says_not_solved_yet_before_revealing_anything(capsys):
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_prediction_10_3(unsolved)
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------- 10.4
def fixed_negative_elbo(x, logits, mean, log_var):
    reconstruction = np.sum(np.logaddexp(0.0, logits) - x * logits, axis=1)
    kl = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=1)
    return np.mean(reconstruction + kl)


def buggy_negative_elbo(x, logits, mean, log_var):  # the notebook's buggy cell
    reconstruction = np.mean(np.logaddexp(0.0, logits) - x * logits, axis=1)
    variance = log_var
    kl = -0.5 * np.sum(1 + np.log(variance) - mean**2 - variance, axis=1)
    return np.mean(reconstruction + kl)


def test_negative_elbo_accepts_correct_answers():
    assert "passed" in check_fixed_negative_elbo(fixed_negative_elbo)
    assert "passed" in check_fixed_negative_elbo(
        lambda x, a, m, lv: float(tf.reduce_mean(
            tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=a), axis=1)
            + 0.5 * tf.reduce_sum(tf.exp(lv) + m**2 - 1 - lv, axis=1)))  # fmt: skip
    )


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (buggy_negative_elbo, "can be negative"),
        # only the KL fixed
        (lambda x, a, m, lv: np.mean(np.mean(np.logaddexp(0, a) - x * a, axis=1)
                                     - 0.5 * np.sum(1 + lv - m**2 - np.exp(lv), axis=1)),
         "still a mean over the pixels"),
        # only the reconstruction fixed
        (lambda x, a, m, lv: buggy_negative_elbo(x, a, m, lv) - np.mean(np.mean(
            np.logaddexp(0, a) - x * a, axis=1)) + np.mean(np.sum(np.logaddexp(0, a) - x * a,
                                                                  axis=1)), "can be negative"),
        # the standard deviation where the variance belongs
        (lambda x, a, m, lv: np.mean(np.sum(np.logaddexp(0, a) - x * a, axis=1)
                                     - 0.5 * np.sum(1 + lv - m**2 - np.exp(lv / 2), axis=1)),
         "not right"),
        # per-example losses, not their mean
        (lambda x, a, m, lv: np.sum(np.logaddexp(0, a) - x * a, axis=1), "one number"),
        (lambda x, a, m, lv: np.sum(np.sum(np.logaddexp(0, a) - x * a, axis=1)
                                    - 0.5 * np.sum(1 + lv - m**2 - np.exp(lv), axis=1)),
         "not right"),
    ],
)
def test_negative_elbo_rejects_wrong_answers(wrong, match):
    with np.errstate(all="ignore"), pytest.raises(ExerciseFailure, match=match):
        check_fixed_negative_elbo(wrong)


def test_negative_elbo_says_not_solved_yet():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_fixed_negative_elbo(unsolved)
