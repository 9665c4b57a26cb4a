"""Exercise checks for chapter 11, Generative adversarial networks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    Passed,
    answer_array,
    call_answer,
    expect,
    expect_close,
    grade_prediction,
    passed,
)
from course_utils.gan import discriminator_loss, optimal_discriminator

__all__ = [
    "check_fixed_discriminator_loss",
    "check_gradient_penalty",
    "check_hinge_losses",
    "check_prediction_11_3",
    "disjoint_supports_experiment",
    "gradient_penalty_reference",
    "hinge_losses_reference",
]


def _scalar(exercise: str, what: str, value: Any) -> float:
    array = answer_array(exercise, what, value, expected="a single number")
    expect(exercise, array.size == 1, f"{what} should be a single number (a mean over the "
           f"batch), got an array of shape {array.shape}")  # fmt: skip
    return float(array.ravel()[0])


# --------------------------------------------------------------------------- 11.1
def hinge_losses_reference(real_logits: Any, fake_logits: Any) -> tuple[float, float]:
    """The hinge GAN losses from ``keras.losses.Hinge``: ``L_D = Hinge(+1, D(x)) +
    Hinge(-1, D(G(z)))`` and ``L_G = -mean(D(G(z)))``."""
    import keras

    hinge = keras.losses.Hinge()
    real = np.asarray(real_logits, np.float32)
    fake = np.asarray(fake_logits, np.float32)
    d_loss = float(hinge(np.ones_like(real), real)) + float(hinge(-np.ones_like(fake), fake))
    return d_loss, float(-np.mean(fake.astype(np.float64)))


def check_hinge_losses(hinge_gan_losses: Callable[[Any, Any], Any],
                       seed: int | None = None) -> Passed:  # fmt: skip
    """Exercise 11.1: ``hinge_gan_losses(real_logits, fake_logits)`` returns
    ``(d_loss, g_loss)`` of the hinge GAN (Lim and Ye, 2017; Miyato et al., 2018),
    compared with ``keras.losses.Hinge`` on fresh random logits."""
    rng = np.random.default_rng(seed)
    for n_real, n_fake in ((64, 48), (5, 20)):
        real = rng.normal(0.8, 1.5, size=(n_real, 1)).astype(np.float32)
        fake = rng.normal(-0.8, 1.5, size=(n_fake, 1)).astype(np.float32)
        result = call_answer("11.1", hinge_gan_losses, real.copy(), fake.copy())
        expect("11.1", isinstance(result, (tuple, list)) and len(result) == 2,
               "hinge_gan_losses should return a pair (d_loss, g_loss), got "
               f"{type(result).__name__}")  # fmt: skip
        d_loss = _scalar("11.1", "d_loss", result[0])
        g_loss = _scalar("11.1", "g_loss", result[1])
        want_d, want_g = hinge_losses_reference(real, fake)
        linear = float(np.mean(1 - real) + np.mean(1 + fake))
        if np.isclose(d_loss, linear, rtol=1e-5) and not np.isclose(linear, want_d, rtol=1e-5):
            raise ExerciseFailure("11.1", "d_loss has no hinge: clip each term at 0, "
                                          "max(0, 1 - D(x)) and max(0, 1 + D(G(z))), so that "
                                          "confidently right scores cost nothing")  # fmt: skip
        swapped = hinge_losses_reference(-real, -fake)[0]
        if np.isclose(d_loss, swapped, rtol=1e-5):
            raise ExerciseFailure("11.1", "d_loss has the signs swapped: real scores should be "
                                          "pushed ABOVE +1 (term max(0, 1 - D(x))) and fake "
                                          "scores BELOW -1 (term max(0, 1 + D(G(z))))")
        expect_close("11.1", "d_loss (Hinge(+1, real) + Hinge(-1, fake))", d_loss, want_d,
                     rtol=1e-5, atol=1e-6)  # fmt: skip
        hinge_g = float(np.mean(np.maximum(0, 1 - fake)))
        if np.isclose(g_loss, hinge_g, rtol=1e-5):
            raise ExerciseFailure("11.1", "g_loss is not a hinge: the generator simply pushes "
                                          "the critic's score of its fakes up, -mean(D(G(z)))")
        expect_close("11.1", "g_loss (-mean of the fake scores)", g_loss, want_g, rtol=1e-5,
                     atol=1e-6)  # fmt: skip
    return passed("11.1", "Both hinge losses match keras.losses.Hinge.")


# --------------------------------------------------------------------------- 11.2
def gradient_penalty_reference(critic: Callable[[Any], Any], real: Any, fake: Any,
                               alpha: Any) -> float:  # fmt: skip
    """WGAN-GP's penalty ``mean_i (||grad_x critic(x_hat_i)||_2 - 1)**2`` with
    ``x_hat = alpha * real + (1 - alpha) * fake``, in float64 TensorFlow."""
    import tensorflow as tf

    x_hat = tf.constant(np.asarray(alpha) * np.asarray(real)
                        + (1 - np.asarray(alpha)) * np.asarray(fake), tf.float64)  # fmt: skip
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat)
    grads = tf.reshape(tape.gradient(scores, x_hat), (x_hat.shape[0], -1))
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1))
    return float(tf.reduce_mean(tf.square(norms - 1.0)))


def _critics(rng: np.random.Generator, features: int):
    """A linear critic (its gradient is w everywhere) and a small nonlinear one."""
    import tensorflow as tf

    w = tf.constant(rng.normal(scale=0.6, size=(features, 1)))
    hidden = tf.constant(rng.normal(scale=0.8, size=(features, 8)))
    v = tf.constant(rng.normal(size=(8, 1)))

    def linear(x):
        return tf.reshape(tf.reshape(x, (-1, features)) @ tf.cast(w, x.dtype), (-1,))

    def nonlinear(x):
        h = tf.tanh(tf.reshape(x, (-1, features)) @ tf.cast(hidden, x.dtype))
        return tf.reshape(h**2 @ tf.cast(v, x.dtype), (-1,))

    return [("a linear critic", linear, w), ("a small tanh critic", nonlinear, None)]


def check_gradient_penalty(gradient_penalty: Callable[..., Any],
                           seed: int | None = None) -> Passed:  # fmt: skip
    """Exercise 11.2: ``gradient_penalty(critic, real, fake, alpha)``, the WGAN-GP penalty
    (Gulrajani et al., 2017), for images of shape ``(batch, 4, 4, 1)`` and ``alpha`` of
    shape ``(batch, 1, 1, 1)``. Compared with :func:`gradient_penalty_reference` for a
    linear critic (whose penalty is ``(||w|| - 1)**2``) and a nonlinear one."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    batch, shape = 6, (4, 4, 1)
    features = int(np.prod(shape))
    real = rng.normal(size=(batch, *shape)).astype(np.float32)
    fake = rng.normal(size=(batch, *shape)).astype(np.float32)
    alpha = rng.uniform(size=(batch, 1, 1, 1)).astype(np.float32)
    for name, critic, w in _critics(rng, features):
        want = gradient_penalty_reference(critic, real, fake, alpha)
        if w is not None:  # a linear critic: the penalty is known in closed form
            want_closed = float((np.linalg.norm(w.numpy()) - 1.0) ** 2)
            assert np.isclose(want, want_closed, rtol=1e-9), (want, want_closed)
        try:
            result = call_answer("11.2", gradient_penalty, critic, tf.constant(real),
                                 tf.constant(fake), tf.constant(alpha))  # fmt: skip
        except ExerciseFailure:
            raise
        except Exception as error:
            raise ExerciseFailure("11.2", f"gradient_penalty raised {error!r} for {name}: "
                                          "use TensorFlow operations and tf.GradientTape, "
                                          "and tape.watch(x_hat) (it is not a Variable)") from None
        got = _scalar("11.2", f"the penalty for {name}", result)
        expect("11.2", bool(np.isfinite(got)), f"the penalty for {name} is {got}: did the "
               "tape watch the interpolated images?")  # fmt: skip
        at_real = gradient_penalty_reference(critic, real, real, alpha)
        if w is None and np.isclose(got, at_real, rtol=1e-4):
            raise ExerciseFailure("11.2", "the gradient is taken at the real images: take it "
                                          "at x_hat = alpha * real + (1 - alpha) * fake")
        flat_grads = _reference_gradients(critic, real, fake, alpha)
        norms = np.linalg.norm(flat_grads, axis=1)
        if np.isclose(got, float(np.mean((norms**2 - 1) ** 2)), rtol=1e-4):
            raise ExerciseFailure("11.2", "you used the squared norm: the penalty is "
                                          "(||grad|| - 1)**2 with the Euclidean norm itself")
        one_norm = float((np.linalg.norm(flat_grads) - 1) ** 2)
        if np.isclose(got, one_norm, rtol=1e-4):
            raise ExerciseFailure("11.2", "you took one norm over the whole batch: each "
                                          "example's gradient gets its own norm (sum the "
                                          "squares over every axis but the first)")
        expect_close("11.2", f"the gradient penalty for {name}", got, want, rtol=1e-4,
                     atol=1e-6)  # fmt: skip
    return passed("11.2", "Your gradient penalty matches the reference, (||w|| - 1)**2 for a "
                          "linear critic.")  # fmt: skip


def _reference_gradients(critic, real, fake, alpha) -> np.ndarray:
    import tensorflow as tf

    x_hat = tf.constant(alpha * real + (1 - alpha) * fake, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat)
    return tape.gradient(scores, x_hat).numpy().reshape(len(real), -1)


# --------------------------------------------------------------------------- 11.3
def disjoint_supports_experiment(mus=(3.0, 2.0, 1.0, 0.5), sigma: float = 0.05):
    """The experiment of exercise 11.3: data ``N(0, sigma**2)``, generator
    ``N(mu, sigma**2)``; returns ``(mu, V(D*, G), W1)`` for each ``mu``, with ``V`` integrated
    on a fine grid and ``W1 = |mu|`` the Wasserstein-1 distance."""
    x = np.linspace(-1.0, max(mus) + 1.0, 20_001)
    dx = x[1] - x[0]

    def pdf(mean):
        return np.exp(-0.5 * ((x - mean) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))

    results = []
    for mu in mus:
        p, q = pdf(0.0), pdf(mu)
        d_star = optimal_discriminator(p, q)
        with np.errstate(divide="ignore", invalid="ignore"):
            integrand = np.where(p > 0, p * np.log(np.maximum(d_star, 1e-300)), 0.0) + np.where(
                q > 0, q * np.log(np.maximum(1 - d_star, 1e-300)), 0.0)  # fmt: skip
        results.append((float(mu), float(np.sum(integrand) * dx), float(abs(mu))))
    return results


def check_prediction_11_3(predict: Callable[[], Any]) -> Passed:
    """Exercise 11.3 (predict, then run): with non-overlapping data and generator
    distributions, how does ``V(D*, G)`` change as the generator moves toward the data?"""
    call_answer("11.3", predict)  # an unsolved prediction reveals nothing
    results = disjoint_supports_experiment()
    for mu, value, w1 in results:
        print(f"generator N({mu:.1f}, 0.05^2): V(D*, G) = {value:+.6f}   "
              f"Wasserstein-1 distance = {w1:.2f}")
    values = [r[1] for r in results]
    observed = (f"V(D*, G) stayed within {max(abs(v) for v in values):.1e} of 0 for every mu "
                f"from {results[0][0]:g} down to {results[-1][0]:g} (JSD = log 2 each time), "
                "while the Wasserstein distance fell with mu.")  # fmt: skip
    return grade_prediction(
        "11.3",
        predict,
        options={
            "a": "V(D*, G) decreases steadily as mu shrinks, guiding G toward the data",
            "b": "V(D*, G) stays flat at about 0: it gives no hint which way to move",
            "c": "V(D*, G) increases as mu shrinks",
        },
        correct="b",
        observed=observed,
        why="When the two distributions do not overlap, the optimal discriminator is 1 on "
            "the data and 0 on the fakes, both log terms vanish, and V(D*, G) = -log 4 + "
            "2 JSD = -log 4 + 2 log 2 = 0 whatever the distance. The JS divergence saturates, "
            "so a perfect discriminator gives the generator no gradient; the Wasserstein "
            "distance keeps measuring how far apart the distributions are, which is why WGANs "
            "use it (Arjovsky et al., 2017).",
    )


# --------------------------------------------------------------------------- 11.4
def check_fixed_discriminator_loss(fixed_discriminator_loss: Callable[[Any, Any], Any],
                                   seed: int | None = None) -> Passed:  # fmt: skip
    """Exercise 11.4: ``fixed_discriminator_loss(real_logits, fake_logits)``, the
    discriminator's loss ``BCE(1, D(x)) + BCE(0, D(G(z)))`` from LOGITS, compared with
    :func:`course_utils.gan.discriminator_loss` (``from_logits=True``)."""
    import keras

    rng = np.random.default_rng(seed)
    cases = [
        ("random logits", rng.normal(1.0, 2.0, (32, 1)), rng.normal(-1.0, 2.0, (24, 1))),
        ("a confident, right discriminator", rng.uniform(4, 9, (16, 1)),
         rng.uniform(-9, -4, (16, 1))),
        ("a confident, wrong discriminator", rng.uniform(-9, -4, (16, 1)),
         rng.uniform(4, 9, (16, 1))),
    ]  # fmt: skip
    for name, real, fake in cases:
        real, fake = real.astype(np.float32), fake.astype(np.float32)
        want = discriminator_loss(real, fake, from_logits=True)
        got = _scalar("11.4", f"the loss for {name}", call_answer(
            "11.4", fixed_discriminator_loss, real.copy(), fake.copy()))  # fmt: skip
        if np.isclose(got, discriminator_loss(-real, -fake, from_logits=True), rtol=1e-4):
            raise ExerciseFailure("11.4", f"for {name} your loss has the labels swapped: real "
                                          "images get label 1, fakes label 0")  # fmt: skip
        as_probs = keras.losses.BinaryCrossentropy()
        mistaken = [float(as_probs(np.ones_like(real), real) + as_probs(np.zeros_like(fake), fake)),
                    float(as_probs(np.zeros_like(real), real) + as_probs(np.ones_like(fake), fake))]
        if any(np.isclose(got, m, rtol=1e-4) for m in mistaken):
            raise ExerciseFailure("11.4", f"for {name} the logits are still read as "
                                          "probabilities (Keras clips them to [1e-7, 1 - 1e-7]): "
                                          "use from_logits=True")  # fmt: skip
        expect_close("11.4", f"L_D for {name}", got, want, rtol=1e-4, atol=1e-5)
    return passed("11.4", "The loss is low for a right discriminator and high for a wrong one.")
