"""course_utils.distributed: TF_CONFIG, ports, and a real two-worker run on localhost."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from course_utils.distributed import (
    free_ports,
    main,
    make_tf_config,
    run_two_workers,
    stop_workers,
)


def test_free_ports_are_distinct_and_bindable():
    import socket

    ports = free_ports(3)
    assert len(set(ports)) == 3 and all(1024 <= p < 65536 for p in ports)
    for port in ports:
        with socket.socket() as s:
            s.bind(("localhost", port))


def test_tf_config_names_the_cluster_and_the_task():
    config = make_tf_config([1111, 2222], 1)
    assert config == {"cluster": {"worker": ["localhost:1111", "localhost:2222"]},
                      "task": {"type": "worker", "index": 1}}  # fmt: skip
    assert json.loads(json.dumps(config)) == config
    assert make_tf_config([5], 0, host="10.0.0.7")["cluster"]["worker"] == ["10.0.0.7:5"]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: free_ports(0), ValueError, ">= 1"),
        (lambda: free_ports(2.0), TypeError, "int"),
        (lambda: make_tf_config([1, 2], 2), ValueError, "index"),
        (lambda: make_tf_config([1, 2], True), TypeError, "index"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_main_needs_tf_config(monkeypatch, tmp_path):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(SystemExit):
        main(["--workdir", str(tmp_path)])


def test_two_workers_train_to_identical_weights(tmp_path):
    results = run_two_workers(tmp_path, steps=40, n_train=4000, timeout=400)
    first, second = results
    assert first.replicas == second.replicas == 2
    assert first.returncode == second.returncode == 0
    for a, b in zip(first.weights, second.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert first.losses == second.losses
    assert np.mean(first.losses[-5:]) < 0.6 * first.losses[0]
    assert first.test_accuracy > 0.6
    assert "Traceback" not in first.log


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")
def test_workers_die_when_the_parent_is_killed_mid_training(tmp_path):
    """A learner who interrupts or kills the kernel must not leave two workers running."""
    script = (
        "from course_utils.distributed import run_two_workers\n"
        f"run_two_workers({str(tmp_path)!r}, steps=100000, n_train=2000, timeout=600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        pid_files = [tmp_path / f"worker{i}.pid" for i in range(2)]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until both workers are training
            logs = [tmp_path / f"worker{i}.log" for i in range(2)]
            if all(p.exists() for p in pid_files) and all(p.exists() for p in logs):
                break
            time.sleep(0.2)
        time.sleep(8)  # let both import TensorFlow and connect
        pids = [int(p.read_text()) for p in pid_files]
        assert all(_alive(pid) for pid in pids), "workers should be running before the kill"
        parent.kill()  # as hard as it gets: no finally block, no atexit
        parent.wait()
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [pid for pid in pids if _alive(pid)]
        assert not left, f"workers still running 10 s after their parent died: {left}"
    finally:
        if parent.poll() is None:
            parent.kill()
        for p in tmp_path.glob("worker*.pid"):  # never leave a worker behind, even on failure
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(p.read_text()), signal.SIGKILL)


def test_stop_workers_ends_a_process_that_ignores_sigterm():
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    time.sleep(0.5)
    start = time.monotonic()
    stop_workers([proc], grace=1.0)
    assert proc.poll() == -signal.SIGKILL and time.monotonic() - start < 5


def test_run_two_workers_reports_a_timeout_and_leaves_no_worker(tmp_path):
    with pytest.raises(RuntimeError, match="timed out after 3 s"):
        run_two_workers(tmp_path, steps=100000, n_train=2000, timeout=3)
    pids = [int((tmp_path / f"worker{i}.pid").read_text()) for i in range(2)]
    assert not any(_alive(pid) for pid in pids)
