"""Run-time setup: one call that makes a notebook reproducible and quiet.

Introduced in chapter 00. Every chapter calls :func:`setup_runtime` once, in
its Setup cell, right after importing TensorFlow.
"""

from __future__ import annotations

import logging
import os
import platform
import warnings
from dataclasses import dataclass, field

__all__ = ["RuntimeInfo", "setup_runtime", "describe_runtime"]


@dataclass(frozen=True)
class RuntimeInfo:
    """What :func:`setup_runtime` configured and found."""

    seed: int
    threads: int
    deterministic: bool
    python: str
    tensorflow: str
    keras: str
    numpy: str
    cpus: list[str] = field(default_factory=list)
    gpus: list[str] = field(default_factory=list)

    @property
    def device(self) -> str:
        """``"GPU"`` when TensorFlow sees a GPU, else ``"CPU"``."""
        return "GPU" if self.gpus else "CPU"


def _set_threads(tf, threads: int) -> None:
    cfg = tf.config.threading
    current = (cfg.get_intra_op_parallelism_threads(), cfg.get_inter_op_parallelism_threads())
    if current == (threads, threads):
        return
    try:
        cfg.set_intra_op_parallelism_threads(threads)
        cfg.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        raise RuntimeError(
            f"TensorFlow already runs with thread counts {current}; they can only be set "
            "before its first operation. Restart the kernel and call setup_runtime() "
            "right after importing TensorFlow."
        ) from None


def setup_runtime(
    seed: int = 42, *, threads: int = 2, deterministic: bool = True, verbose: bool = True
) -> RuntimeInfo:
    """Seed everything, make TensorFlow deterministic and quiet, and report the machine.

    Seeded runs repeat bit for bit only when the seed, op determinism *and* the
    thread counts are all fixed, so this sets all three (and keeps float32 exact on GPUs):

    * Python's ``random``, NumPy and TensorFlow are seeded with
      ``keras.utils.set_random_seed(seed)``;
    * ``tf.config.experimental.enable_op_determinism()`` (when ``deterministic``);
    * intra- and inter-op thread counts are set to ``threads``;
    * TensorFloat-32 is turned off, so float32 matrix products on a recent NVIDIA GPU
      keep full float32 precision (scratch-vs-Keras checks hold there too).

    It also hides TensorFlow's informational log messages and Keras's warning that
    ``fit`` ignores ``shuffle=True`` for a ``tf.data.Dataset`` (shuffle in the pipeline).
    TensorFlow's C++ start-up lines are printed while it is imported: to hide those,
    set ``TF_CPP_MIN_LOG_LEVEL=2`` *before* ``import tensorflow``, as every chapter's
    Setup cell does.

    Args:
        seed: the random seed.
        threads: CPU threads TensorFlow may use inside and across operations. Must
            be set before TensorFlow runs its first operation.
        deterministic: turn on op determinism (slightly slower, fully repeatable).
        verbose: print versions and devices.

    Returns:
        A :class:`RuntimeInfo` describing the setup.

    Raises:
        TypeError: if ``seed`` or ``threads`` is not an ``int``.
        ValueError: if ``seed`` is negative or ``threads`` is not positive.
        RuntimeError: if the thread counts can no longer be changed.
    """
    for name, value in (("seed", seed), ("threads", threads)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np
    import tensorflow as tf

    tf.get_logger().setLevel(logging.ERROR)
    # Keras 3 warns on every fit() with a tf.data.Dataset that its default shuffle=True is
    # ignored; the course shuffles in the pipeline, so the warning is only noise.
    warnings.filterwarnings("ignore", message=r"`shuffle=True` was passed", category=UserWarning)
    logging.getLogger("absl").setLevel(logging.ERROR)
    _set_threads(tf, threads)
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    # On Ampere and newer NVIDIA GPUs TensorFlow multiplies float32 matrices in TF32 (10-bit
    # mantissa) by default, which breaks the course's 1e-5 scratch-vs-Keras comparisons.
    tf.config.experimental.enable_tensor_float_32_execution(False)

    info = RuntimeInfo(
        seed=seed,
        threads=threads,
        deterministic=deterministic,
        python=platform.python_version(),
        tensorflow=tf.__version__,
        keras=keras.__version__,
        numpy=np.__version__,
        cpus=[d.name for d in tf.config.list_logical_devices("CPU")],
        gpus=[d.name for d in tf.config.list_logical_devices("GPU")],
    )
    if verbose:
        print(describe_runtime(info))
    return info


def describe_runtime(info: RuntimeInfo) -> str:
    """Return a short multi-line report of versions, devices and settings."""
    if not isinstance(info, RuntimeInfo):
        raise TypeError(f"info must be a RuntimeInfo, got {type(info).__name__}")
    gpus = ", ".join(info.gpus) if info.gpus else "none (running on the CPU)"
    return "\n".join(
        [
            f"Python {info.python} | TensorFlow {info.tensorflow} | Keras {info.keras} "
            f"| NumPy {info.numpy}",
            f"CPU devices: {', '.join(info.cpus) or 'none'}",
            f"GPU devices: {gpus}",
            f"seed={info.seed}, threads={info.threads}, "
            f"op determinism={'on' if info.deterministic else 'off'}",
        ]
    )
