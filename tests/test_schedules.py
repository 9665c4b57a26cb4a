"""course_utils.schedules: each schedule from its formula against the Keras schedule."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils.schedules import (
    cosine_decay_with_warmup,
    exponential_decay,
    keras_schedule_values,
    step_decay,
)

SCHEDULES = keras.optimizers.schedules
STEPS = np.arange(0, 1501)


def assert_schedules_agree(ours, theirs):
    """Equal to 1e-5 relative to the schedule's largest rate. (Keras computes in float32:
    near the end of a cosine decay, 1 + cos(pi x) loses digits to cancellation, so an
    elementwise relative test on rates close to 0 would measure float32 rounding.)"""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6 * np.max(np.abs(theirs)))


def test_keras_schedule_values_equals_calling_the_schedule_step_by_step():
    schedule = SCHEDULES.CosineDecay(0.0, 50, warmup_target=1.0, warmup_steps=10)
    steps = np.array([0, 1, 9, 10, 11, 30, 60, 61, 100])
    one_by_one = [float(schedule(int(s))) for s in steps]
    np.testing.assert_allclose(keras_schedule_values(schedule, steps), one_by_one, rtol=1e-7)


@pytest.mark.parametrize("staircase", [False, True])
@pytest.mark.parametrize("initial_lr, decay_steps, decay_rate", [(0.1, 100, 0.5), (3e-3, 37, 0.9)])
def test_exponential_decay_matches_keras(initial_lr, decay_steps, decay_rate, staircase):
    keras_lr = keras_schedule_values(
        SCHEDULES.ExponentialDecay(initial_lr, decay_steps, decay_rate, staircase=staircase),
        STEPS,
    )
    assert_schedules_agree(
        exponential_decay(STEPS, initial_lr, decay_steps, decay_rate, staircase), keras_lr
    )


@pytest.mark.parametrize(
    "boundaries, values",
    [([300, 600, 900], [0.1, 0.05, 0.01, 0.001]), ([1], [1.0, 0.5]), ([10, 700], [5, 4, 3])],
)
def test_step_decay_matches_keras(boundaries, values):
    keras_lr = keras_schedule_values(SCHEDULES.PiecewiseConstantDecay(boundaries, values), STEPS)
    assert_schedules_agree(step_decay(STEPS, boundaries, values), keras_lr)


def test_step_decay_boundary_step_keeps_the_earlier_value():
    """Keras uses step <= boundary: a `<` here would be off by one at every boundary."""
    assert step_decay(300, [300, 600], [1.0, 0.5, 0.1]) == 1.0
    assert step_decay(301, [300, 600], [1.0, 0.5, 0.1]) == 0.5
    assert step_decay(601, [300, 600], [1.0, 0.5, 0.1]) == 0.1


@pytest.mark.parametrize(
    "initial_lr, decay_steps, alpha, warmup_target, warmup_steps",
    [
        (0.1, 1000, 0.0, None, 0),
        (0.1, 700, 0.05, None, 0),
        (0.0, 1000, 0.1, 0.1, 100),
        (1e-4, 333, 0.0, 3e-3, 250),
        (0.01, 500, 0.2, 0.05, 0),  # a warm-up target but no warm-up steps
    ],
)
def test_cosine_decay_with_warmup_matches_keras(
    initial_lr, decay_steps, alpha, warmup_target, warmup_steps
):
    keras_lr = keras_schedule_values(
        SCHEDULES.CosineDecay(initial_lr, decay_steps, alpha=alpha,
                              warmup_target=warmup_target, warmup_steps=warmup_steps),
        STEPS,
    )  # fmt: skip
    ours = cosine_decay_with_warmup(STEPS, initial_lr, decay_steps, alpha, warmup_target,
                                    warmup_steps)  # fmt: skip
    assert_schedules_agree(ours, keras_lr)


def test_warmup_starts_at_initial_lr_and_peaks_at_warmup_steps():
    """Off-by-one guards: step 0 is initial_lr, step warmup_steps is the peak."""
    lr = cosine_decay_with_warmup(np.arange(12), 0.0, 100, warmup_target=1.0, warmup_steps=10)
    assert lr[0] == 0.0
    np.testing.assert_allclose(lr[1], 0.1)
    assert lr[10] == 1.0 and lr.argmax() == 10


def test_wrong_warmup_off_by_one_is_rejected():
    """A warm-up written with (step + 1) / warmup_steps differs from Keras far beyond 1e-5."""
    keras_lr = keras_schedule_values(
        SCHEDULES.CosineDecay(0.0, 500, warmup_target=0.1, warmup_steps=100), STEPS
    )
    ours = cosine_decay_with_warmup(STEPS, 0.0, 500, warmup_target=0.1, warmup_steps=100)
    wrong = np.where(STEPS < 100, 0.1 * (STEPS + 1) / 100, ours)
    with pytest.raises(AssertionError):
        assert_schedules_agree(wrong, keras_lr)


def test_scalar_step_gives_a_float():
    assert isinstance(exponential_decay(5, 0.1, 10, 0.5), float)
    assert isinstance(step_decay(5, [3], [1.0, 0.1]), float)
    assert isinstance(cosine_decay_with_warmup(5, 0.1, 10), float)
    assert exponential_decay(np.array([0, 10]), 1.0, 10, 0.5).shape == (2,)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: exponential_decay(-1, 0.1, 10, 0.5), ValueError, "step"),
        (lambda: exponential_decay("5", 0.1, 10, 0.5), TypeError, "step must be an array-like"),
        (lambda: exponential_decay(5, 0.1, 0, 0.5), ValueError, "decay_steps must be > 0"),
        (lambda: exponential_decay(5, "0.1", 10, 0.5), TypeError, "initial_lr"),
        (lambda: step_decay(5, [3, 6], [1.0, 0.1]), ValueError, "one more entry"),
        (lambda: step_decay(5, [6, 3], [1.0, 0.5, 0.1]), ValueError, "increase strictly"),
        (lambda: cosine_decay_with_warmup(5, 0.1, -3), ValueError, "decay_steps"),
        (lambda: cosine_decay_with_warmup(5, 0.1, 10, alpha=None), TypeError, "alpha"),
        (lambda: keras_schedule_values(0.1, [1, 2]), TypeError, "callable"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
