"""Exercise checks for chapter 12, Deep learning in practice."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_utils.checks import (
    ExerciseFailure,
    answer_array,
    call_answer,
    expect,
    expect_close,
    passed,
)

__all__ = ["check_ks_statistic", "check_psi_from_shares", "check_replica_loss"]


def _shares(rng: np.random.Generator, k: int) -> np.ndarray:
    raw = rng.uniform(0.2, 1.0, size=k)
    return raw / raw.sum()


def check_psi_from_shares(psi_from_shares: Callable, seed: int = 0) -> str:
    """Exercise 12.1: ``psi_from_shares(expected, actual)`` is ``sum((a - e) * ln(a / e))``.

    ``expected`` and ``actual`` are the shares of the reference and the current sample in
    the same bins (each sums to 1, no zeros). Checked on random shares, on identical
    shares (PSI 0) and for symmetry.
    """
    rng = np.random.default_rng(seed)
    for k in (4, 10):
        e, a = _shares(rng, k), _shares(rng, k)
        value = answer_array("12.1", "psi_from_shares(expected, actual)",
                             call_answer("12.1", psi_from_shares, e.copy(), a.copy()),
                             expected="one number")  # fmt: skip
        expect("12.1", value.size == 1, f"the PSI should be one number, got shape {value.shape}")
        value = float(value.ravel()[0])
        one_way = float(np.sum(a * np.log(a / e)))
        if np.isclose(value, one_way, rtol=1e-6):
            raise ExerciseFailure("12.1", "that is KL(actual || expected) only; the PSI weights "
                                          "the log ratio by (a - e), not by a")
        expect_close("12.1", f"the PSI of {k} bins", value,
                     np.sum((a - e) * np.log(a / e)), rtol=1e-6)  # fmt: skip
        back = float(np.ravel(call_answer("12.1", psi_from_shares, a.copy(), e.copy()))[0])
        expect("12.1", np.isclose(back, value, rtol=1e-6),
               "the PSI is symmetric: swapping expected and actual must give the same value")
    same = float(np.ravel(call_answer("12.1", psi_from_shares, e.copy(), e.copy()))[0])
    expect("12.1", abs(same) < 1e-12, f"identical shares must give PSI 0, got {same:.3g}")
    return passed("12.1", "Your PSI sums (a - e) ln(a / e) over the bins.")


def check_ks_statistic(ks_statistic: Callable, seed: int = 0) -> str:
    """Exercise 12.2: two-sample Kolmogorov-Smirnov statistic, compared with SciPy.

    Random continuous samples of different sizes, integer samples with many ties and a
    small hand-made case; the ECDFs must be compared at the values of *both* samples.
    """
    from scipy import stats

    rng = np.random.default_rng(seed)
    cases = [(rng.normal(size=200), rng.normal(0.4, 1.3, size=300)),
             (rng.normal(size=40), rng.uniform(-1, 1, size=25)),
             (rng.integers(0, 5, size=200).astype(float),
              rng.integers(1, 6, size=150).astype(float)),
             (np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 4.0]))]  # fmt: skip
    for a, b in cases:
        got = answer_array("12.2", "ks_statistic(a, b)",
                           call_answer("12.2", ks_statistic, a.copy(), b.copy()),
                           expected="one number")  # fmt: skip
        expect("12.2", got.size == 1, f"D should be one number, got shape {got.shape}")
        ties = len(np.unique(a)) < len(a)
        expect_close("12.2", f"D for samples of sizes {len(a)} and {len(b)}"
                     + (" with ties" if ties else ""), float(got.ravel()[0]),
                     stats.ks_2samp(a, b).statistic, rtol=1e-9, atol=1e-12)  # fmt: skip
    return passed("12.2", "Your KS statistic matches scipy.stats.ks_2samp.")


def check_replica_loss(replica_loss: Callable, seed: int = 0) -> str:
    """Exercise 12.3: ``replica_loss(per_example, global_batch_size)``.

    The loss one replica returns in a synchronous data-parallel step: the sum of its
    per-example losses divided by the *global* batch size (what
    ``tf.nn.compute_average_loss`` does), so that summing the replicas' gradients gives
    the gradient of the mean loss over the whole global batch.
    """
    rng = np.random.default_rng(seed)
    for replicas, per_replica in ((2, 64), (4, 32), (8, 16)):
        global_batch = replicas * per_replica
        shards = [rng.exponential(size=per_replica).astype(np.float32) for _ in range(replicas)]
        values = []
        for shard in shards:
            got = answer_array("12.3", "replica_loss(...)",
                               call_answer("12.3", replica_loss, shard.copy(), global_batch),
                               expected="one number")  # fmt: skip
            expect("12.3", got.size == 1, f"the loss should be one number, got {got.shape}")
            values.append(float(got.ravel()[0]))
        total = float(np.sum(values))
        mean_all = float(np.mean(np.concatenate(shards)))
        if np.isclose(total, replicas * mean_all, rtol=1e-5) and replicas > 1:
            raise ExerciseFailure("12.3", "each replica averaged over its own batch: summed over "
                                          f"{replicas} replicas that counts the loss {replicas} "
                                          "times; divide by the GLOBAL batch size")
        expect_close("12.3", f"the sum over {replicas} replicas (it must equal the mean loss of "
                     "the global batch)", total, mean_all, rtol=1e-5)  # fmt: skip
        expect_close("12.3", "each replica's loss", values,
                     [float(s.sum()) / global_batch for s in shards], rtol=1e-5)
    return passed("12.3", "Summed over the replicas, your losses give the global-batch mean.")
