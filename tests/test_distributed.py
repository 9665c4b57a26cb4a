"""course_utils.distributed: TF_CONFIG, ports, and a real two-worker run on localhost."""

import json

import numpy as np
import pytest

from course_utils.distributed import free_ports, main, make_tf_config, run_two_workers


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
