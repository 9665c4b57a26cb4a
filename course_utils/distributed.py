"""A real two-worker ``MultiWorkerMirroredStrategy`` training run on one host.

Introduced in chapter 12. :func:`run_two_workers` starts two Python processes on
localhost, each with its own ``TF_CONFIG`` (same cluster, its own task index, free
ports picked at run time). Each process runs :func:`train_worker`: the same small
Fashion-MNIST classifier trained with a custom training loop, ``strategy.run``
inside a ``tf.function``, because Keras 3's ``fit`` does not support this strategy
yet (keras-team/keras#20585). The gradients of both workers are all-reduced at every
step, so both finish with the same weights; each writes its weights and its loss
curve to a working folder, and :func:`run_two_workers` collects them.

The same code runs on several machines: only the addresses in ``TF_CONFIG`` change.

Run one worker by hand (normally :func:`run_two_workers` does this)::

    TF_CONFIG='{"cluster": {"worker": ["localhost:12345", "localhost:12346"]},
                "task": {"type": "worker", "index": 0}}' \\
        python -m course_utils.distributed --workdir /tmp/run --index 0

Importing this module does not import TensorFlow; the functions that need it do.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "WorkerResult",
    "free_ports",
    "local_replica_devices",
    "make_tf_config",
    "run_two_workers",
    "train_worker",
    "main",
]


@dataclass
class WorkerResult:
    """What one worker process reported."""

    index: int
    returncode: int
    losses: list[float] = field(default_factory=list)
    test_accuracy: float = float("nan")
    weights: list[np.ndarray] = field(default_factory=list)
    replicas: int = 0
    seconds: float = float("nan")
    log: str = ""


def free_ports(n: int) -> list[int]:
    """Return ``n`` distinct TCP ports that were free on localhost a moment ago.

    Each port is found by binding a socket to port 0 (the operating system picks a free
    one); all sockets stay open until every port is chosen, so the ports differ.
    """
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("localhost", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def local_replica_devices(n_cpu: int = 2) -> list[str]:
    """The devices for a ``MirroredStrategy`` on this machine: every GPU, or, when there
    is none, the CPU split into ``n_cpu`` logical devices.

    Must run before TensorFlow's first operation (splitting the CPU is only possible
    then), so call it in the Setup cell. Introduced in chapter 12.
    """
    import tensorflow as tf

    if not isinstance(n_cpu, int) or isinstance(n_cpu, bool) or n_cpu < 1:
        raise ValueError(f"n_cpu must be an int >= 1, got {n_cpu!r}")
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return [f"/gpu:{i}" for i in range(len(gpus))]
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n_cpu)]
        )
    except RuntimeError:  # TensorFlow already initialized: fine if the split is in place
        if len(tf.config.list_logical_devices("CPU")) != n_cpu:
            raise RuntimeError(
                f"cannot split the CPU into {n_cpu} devices after TensorFlow's first "
                "operation: call local_replica_devices() first thing in the Setup cell"
            ) from None
    return [f"/cpu:{i}" for i in range(n_cpu)]


def make_tf_config(ports: list[int], index: int, host: str = "localhost") -> dict[str, Any]:
    """The ``TF_CONFIG`` of worker ``index`` in a cluster of ``len(ports)`` workers.

    On several machines, replace ``host:port`` by each machine's address; the rest is
    unchanged. Worker 0 is the *chief* (it would write checkpoints and summaries).
    """
    if not isinstance(index, int) or isinstance(index, bool):
        raise TypeError(f"index must be an int, got {type(index).__name__}")
    if not 0 <= index < len(ports):
        raise ValueError(f"index must be in 0..{len(ports) - 1}, got {index}")
    return {
        "cluster": {"worker": [f"{host}:{int(p)}" for p in ports]},
        "task": {"type": "worker", "index": index},
    }


def _load_data(n_train: int) -> tuple[np.ndarray, ...]:
    from course_utils.data import load_fashion_mnist

    (x, y), (x_test, y_test) = load_fashion_mnist()
    x = x[:n_train].reshape(n_train, -1).astype(np.float32) / 255.0
    x_test = x_test.reshape(len(x_test), -1).astype(np.float32) / 255.0
    return x, y[:n_train].astype(np.int32), x_test, y_test.astype(np.int32)


def train_worker(
    workdir: str | Path,
    *,
    steps: int = 150,
    global_batch: int = 256,
    n_train: int = 20000,
    seed: int = 42,
    threads: int = 1,
) -> dict[str, Any]:
    """Train one worker of the cluster described by the ``TF_CONFIG`` environment variable.

    Builds a ``MultiWorkerMirroredStrategy``, a 784-64-10 classifier and an Adam
    optimizer under its scope, and runs ``steps`` steps of a custom loop: each step
    ``strategy.run`` computes the per-replica loss (averaged over the *global* batch with
    ``tf.nn.compute_average_loss``) and its gradients; the optimizer's ``apply_gradients``
    all-reduces (sums) them across the workers before the update. Writes
    ``worker<i>.json`` (losses, test accuracy) and ``worker<i>.npz`` (weights) to
    ``workdir`` and returns the JSON content.
    """
    import keras
    import tensorflow as tf

    workdir = Path(workdir)
    config = json.loads(os.environ["TF_CONFIG"])
    index = int(config["task"]["index"])
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    start = time.perf_counter()
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    x, y, x_test, y_test = _load_data(n_train)

    with strategy.scope():
        keras.utils.set_random_seed(seed)
        model = keras.Sequential(
            [
                keras.Input((784,)),
                keras.layers.Dense(64, activation="relu"),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        optimizer = keras.optimizers.Adam(1e-3)

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    dataset = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed)
        .repeat()
        .batch(global_batch, drop_remainder=True)
        .with_options(options)
    )
    iterator = iter(strategy.experimental_distribute_dataset(dataset))

    @tf.function
    def train_step(iterator):
        def step_fn(images, labels):
            with tf.GradientTape() as tape:
                probs = model(images, training=True)
                per_example = keras.losses.sparse_categorical_crossentropy(labels, probs)
                loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
            return loss

        per_replica = strategy.run(step_fn, args=next(iterator))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    losses = [float(train_step(iterator)) for _ in range(steps)]
    probs = model.predict(x_test, batch_size=2000, verbose=0)
    result = {
        "index": index,
        "replicas": int(strategy.num_replicas_in_sync),
        "losses": losses,
        "test_accuracy": float(np.mean(np.argmax(probs, axis=1) == y_test)),
        "seconds": time.perf_counter() - start,
    }
    weights = [np.asarray(w) for w in model.get_weights()]
    np.savez(workdir / f"worker{index}.npz", *weights)
    (workdir / f"worker{index}.json").write_text(json.dumps(result))
    return result


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """In a new worker process (Linux): ask the kernel to SIGKILL it when its parent dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def stop_workers(procs: list[subprocess.Popen], grace: float = 3.0) -> None:
    """End each worker's process group: SIGTERM, then SIGKILL after ``grace`` seconds.

    A worker blocked in TensorFlow's collective ops does not react to SIGTERM, hence
    the SIGKILL. Each worker leads its own process group (``start_new_session``), so
    anything it started goes too.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [p for p in procs if p.poll() is None]
        for proc in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
        deadline = time.monotonic() + grace
        for proc in alive:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.05, deadline - time.monotonic()))


def _watch_parent(parent: int, interval: float = 0.5) -> None:
    """In a worker: exit at once when the process that started it is gone (a portable
    complement to Linux's parent-death signal, for macOS)."""

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def run_two_workers(
    workdir: str | Path,
    *,
    steps: int = 150,
    global_batch: int = 256,
    n_train: int = 20000,
    seed: int = 42,
    timeout: float = 300.0,
) -> list[WorkerResult]:
    """Launch two worker processes on localhost, wait for both, return their results.

    Each worker is ``sys.executable -m course_utils.distributed`` with its own
    ``TF_CONFIG`` (free ports picked now), ``TF_CPP_MIN_LOG_LEVEL=2`` and no GPU
    (``CUDA_VISIBLE_DEVICES=""``: two processes would fight over one GPU's memory); its
    output is captured into :attr:`WorkerResult.log`, never printed, and its process id
    is written to ``worker<i>.pid``.

    No worker outlives the call: on success, error, timeout or ``KeyboardInterrupt``
    (an interrupted notebook kernel) both are stopped (:func:`stop_workers`), and if the
    calling process itself dies, the workers die with it (a parent-death signal on
    Linux, and a watch on the parent's process id everywhere).

    Raises:
        RuntimeError: if a worker fails or does not finish within ``timeout`` seconds
            (both are then stopped); the message holds the end of its log.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    ports = free_ports(2)
    procs = []
    try:
        for index in range(2):
            env = dict(os.environ)
            env["TF_CONFIG"] = json.dumps(make_tf_config(ports, index))
            env["TF_CPP_MIN_LOG_LEVEL"] = "2"
            env["CUDA_VISIBLE_DEVICES"] = ""  # both workers on the CPU, even beside one GPU
            command = [sys.executable, "-m", "course_utils.distributed", "--workdir",
                       str(workdir), "--steps", str(steps), "--global-batch", str(global_batch),
                       "--n-train", str(n_train), "--seed", str(seed),
                       "--parent", str(os.getpid())]  # fmt: skip
            log = open(workdir / f"worker{index}.log", "w")  # noqa: SIM115 (closed below)
            proc = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent,
            )  # fmt: skip
            procs.append((proc, log))
            (workdir / f"worker{index}.pid").write_text(str(proc.pid))
        deadline = time.monotonic() + timeout
        for proc, _ in procs:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass  # reported below: the worker still running has no exit code 0
    finally:  # success, error, timeout or KeyboardInterrupt: no worker outlives this call
        stop_workers([proc for proc, _ in procs])
        for _, log in procs:
            log.close()
    results = []
    for index, (proc, _) in enumerate(procs):
        text = (workdir / f"worker{index}.log").read_text(errors="replace")
        summary = workdir / f"worker{index}.json"
        if proc.returncode != 0 or not summary.exists():
            raise RuntimeError(
                f"worker {index} failed or timed out after {timeout:.0f} s (exit code "
                f"{proc.returncode}); end of its log:\n"
                + text[-3000:]
            )
        data = json.loads(summary.read_text())
        with np.load(workdir / f"worker{index}.npz") as npz:
            weights = [npz[f"arr_{i}"] for i in range(len(npz.files))]
        results.append(WorkerResult(index=index, returncode=proc.returncode,
                                    losses=data["losses"], test_accuracy=data["test_accuracy"],
                                    weights=weights, replicas=data["replicas"],
                                    seconds=data["seconds"], log=text))  # fmt: skip
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line: run one worker (``TF_CONFIG`` must be set)."""
    parser = argparse.ArgumentParser(description="One worker of a MultiWorkerMirroredStrategy run")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--global-batch", type=int, default=256)
    parser.add_argument("--n-train", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--parent", type=int, help="exit when this process id is gone")
    args = parser.parse_args(argv)
    if "TF_CONFIG" not in os.environ:
        parser.error("set TF_CONFIG first (see make_tf_config)")
    if args.parent is not None:
        if os.getppid() != args.parent:  # the parent died before we got here
            return 3
        _watch_parent(args.parent)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    train_worker(args.workdir, steps=args.steps, global_batch=args.global_batch,
                 n_train=args.n_train, seed=args.seed)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
