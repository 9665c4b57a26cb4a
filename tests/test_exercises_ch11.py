"""Each chapter-11 check accepts a correct answer and rejects plausible wrong ones."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.checks import ExerciseFailure
from course_utils.exercises.ch11 import (
    check_fixed_discriminator_loss,
    check_gradient_penalty,
    check_hinge_losses,
    check_prediction_11_3,
    disjoint_supports_experiment,
    gradient_penalty_reference,
    hinge_losses_reference,
)


def unsolved(*args):
    raise NotImplementedError()


# --------------------------------------------------------------------------- 11.1
def hinge_gan_losses(real, fake):
    return np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + fake)), -np.mean(fake)


def test_hinge_reference_by_hand():
    d_loss, g_loss = hinge_losses_reference([[2.0], [0.5], [-1.0]], [[-3.0], [0.0]])
    assert d_loss == pytest.approx((0 + 0.5 + 2.0) / 3 + (0 + 1.0) / 2)
    assert g_loss == pytest.approx(1.5)


def test_hinge_accepts_correct_answers():
    assert "passed" in check_hinge_losses(hinge_gan_losses)
    assert "passed" in check_hinge_losses(
        lambda r, f: (tf.reduce_mean(tf.nn.relu(1 - r)) + tf.reduce_mean(tf.nn.relu(1 + f)),
                      -tf.reduce_mean(f))  # fmt: skip
    )


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (lambda r, f: (np.mean(1 - r) + np.mean(1 + f), -np.mean(f)), "no hinge"),
        (lambda r, f: hinge_gan_losses(-r, -f)[:1] + (-np.mean(f),), "signs swapped"),
        (lambda r, f: (hinge_gan_losses(r, f)[0], np.mean(np.maximum(0, 1 - f))), "not a hinge"),
        (lambda r, f: (hinge_gan_losses(r, f)[0], np.mean(f)), "not right"),  # sign of L_G
        (lambda r, f: (np.mean(np.maximum(0, np.concatenate([1 - r, 1 + f]))), -np.mean(f)),
         "not right"),  # one mean over both batches
        (lambda r, f: hinge_gan_losses(r, f)[0], "pair"),
        (lambda r, f: (np.maximum(0, 1 - r), -np.mean(f)), "single number"),
    ],
)
def test_hinge_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_hinge_losses(wrong)


def test_hinge_says_not_solved_yet():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_hinge_losses(unsolved)


# --------------------------------------------------------------------------- 11.2
def gradient_penalty(critic, real, fake, alpha):
    x_hat = alpha * real + (1.0 - alpha) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat)
    grads = tape.gradient(scores, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
    return tf.reduce_mean((norms - 1.0) ** 2)


def test_gradient_penalty_reference_against_finite_differences():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 2))

    def critic(x):  # f(x) = sum(tanh(x @ w)), gradient (1 - tanh^2) @ w.T
        return tf.reduce_sum(tf.tanh(x @ tf.constant(w, x.dtype)), axis=1)

    real, fake, alpha = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.uniform(size=(4, 1))
    x_hat = alpha * real + (1 - alpha) * fake
    grads = (1 - np.tanh(x_hat @ w) ** 2) @ w.T
    want = np.mean((np.linalg.norm(grads, axis=1) - 1) ** 2)
    assert gradient_penalty_reference(critic, real, fake, alpha) == pytest.approx(want)


def test_gradient_penalty_accepts_a_correct_answer():
    assert "passed" in check_gradient_penalty(gradient_penalty)


def penalty_variant(norm_fn, point="x_hat"):
    def answer(critic, real, fake, alpha):
        x = {"x_hat": alpha * real + (1 - alpha) * fake, "real": real, "fake": fake}[point]
        with tf.GradientTape() as tape:
            tape.watch(x)
            scores = critic(x)
        return norm_fn(tape.gradient(scores, x))

    return answer


def per_example_norm(g):
    return tf.sqrt(tf.reduce_sum(g**2, axis=[1, 2, 3]))


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (penalty_variant(lambda g: tf.reduce_mean((per_example_norm(g) - 1) ** 2), "real"),
         "real images"),
        (penalty_variant(lambda g: tf.reduce_mean((tf.reduce_sum(g**2, axis=[1, 2, 3]) - 1) ** 2)),
         "squared norm"),
        (penalty_variant(lambda g: (tf.norm(g) - 1) ** 2), "whole batch"),
        (penalty_variant(lambda g: tf.reduce_mean(per_example_norm(g) ** 2)), "not right"),  # no -1
        (penalty_variant(lambda g: tf.reduce_mean(tf.abs(per_example_norm(g) - 1))), "not right"),
        (penalty_variant(lambda g: (per_example_norm(g) - 1) ** 2), "single number"),
        (lambda critic, real, fake, alpha: np.mean(np.gradient(np.asarray(critic(real)))),
         "not right|raised"),
    ],
)
def test_gradient_penalty_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_gradient_penalty(wrong)


def test_gradient_penalty_without_watch_is_explained():
    def no_watch(critic, real, fake, alpha):
        x_hat = alpha * real + (1 - alpha) * fake
        with tf.GradientTape() as tape:
            scores = critic(x_hat)
        grads = tape.gradient(scores, x_hat)  # None: the tape did not watch x_hat
        return tf.reduce_mean((tf.sqrt(tf.reduce_sum(grads**2, axis=[1, 2, 3])) - 1) ** 2)

    with pytest.raises(ExerciseFailure, match="tape.watch"):
        check_gradient_penalty(no_watch)


def test_gradient_penalty_says_not_solved_yet():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_gradient_penalty(unsolved)


# --------------------------------------------------------------------------- 11.3
def test_disjoint_supports_give_a_flat_value_and_overlapping_ones_a_slope():
    flat = [v for _, v, _ in disjoint_supports_experiment()]
    assert max(abs(v) for v in flat) < 1e-4
    wide = [v for _, v, _ in disjoint_supports_experiment(sigma=1.0)]
    assert all(a > b for a, b in zip(wide, wide[1:], strict=False))  # the section-1 valley
    assert wide[-1] > -np.log(4)


def test_prediction_accepts_the_right_letter_and_explains(capsys):
    assert "passed" in check_prediction_11_3(lambda: "b")
    assert "Wasserstein-1 distance" in capsys.readouterr().out


@pytest.mark.parametrize(("wrong", "match"), [(lambda: "a", "you predicted \\(a\\)"),
                                              (lambda: "c", "you predicted \\(c\\)"),
                                              (lambda: "yes", "one of")])
def test_prediction_rejects_wrong_letters(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_prediction_11_3(wrong)


def test_prediction_says_not_solved_yet_before_revealing_anything(capsys):
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_prediction_11_3(unsolved)
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------- 11.4
def buggy_discriminator_loss(real_logits, fake_logits):  # the notebook's buggy cell
    bce = keras.losses.BinaryCrossentropy()
    real_term = bce(tf.zeros_like(real_logits), real_logits)
    fake_term = bce(tf.ones_like(fake_logits), fake_logits)
    return float(real_term + fake_term)


def keras_fix(real_logits, fake_logits):
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    return float(bce(tf.ones_like(real_logits), real_logits)
                 + bce(tf.zeros_like(fake_logits), fake_logits))  # fmt: skip


def test_discriminator_loss_accepts_correct_answers():
    assert "passed" in check_fixed_discriminator_loss(keras_fix)
    assert "passed" in check_fixed_discriminator_loss(
        lambda r, f: np.mean(np.logaddexp(0, -r)) + np.mean(np.logaddexp(0, f)))


def labels_swapped(real_logits, fake_logits):
    return keras_fix(-real_logits, -fake_logits)  # BCE(1, -a) = BCE(0, a)


def probabilities_right_labels(real_logits, fake_logits):
    bce = keras.losses.BinaryCrossentropy()
    return float(bce(tf.ones_like(real_logits), real_logits)
                 + bce(tf.zeros_like(fake_logits), fake_logits))  # fmt: skip


@pytest.mark.parametrize(
    ("wrong", "match"),
    [
        (buggy_discriminator_loss, "probabilities"),
        (probabilities_right_labels, "probabilities"),
        (labels_swapped, "labels swapped"),
        (lambda r, f: np.mean(np.logaddexp(0, -np.concatenate([r, -f]))), "not right"),  # one mean
        (lambda r, f: np.mean(np.logaddexp(0, -r)), "not right"),  # the real term only
        (lambda r, f: np.logaddexp(0, -r) + np.mean(np.logaddexp(0, f)), "single number"),
    ],
)
def test_discriminator_loss_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailure, match=match):
        check_fixed_discriminator_loss(wrong)


def test_discriminator_loss_says_not_solved_yet():
    with pytest.raises(ExerciseFailure, match="not solved yet"):
        check_fixed_discriminator_loss(unsolved)
