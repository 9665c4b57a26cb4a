"""setup_runtime must run before TensorFlow's first operation, so it is tested in a
fresh interpreter (one subprocess for the module), as a notebook's Setup cell runs it."""

import json
import subprocess
import sys
import textwrap

import pytest

from course_utils.runtime import RuntimeInfo, describe_runtime, setup_runtime

SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json
    import numpy as np
    import tensorflow as tf
    from course_utils.runtime import setup_runtime

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        info = setup_runtime(7, threads=2)
    result = {"printed": out.getvalue(), "device": info.device, "tf": info.tensorflow,
              "intra": tf.config.threading.get_intra_op_parallelism_threads(),
              "inter": tf.config.threading.get_inter_op_parallelism_threads(),
              "tf32": tf.config.experimental.tensor_float_32_execution_enabled()}

    def draw():
        setup_runtime(3, verbose=False)
        return tf.random.uniform((3,)).numpy().tolist(), float(np.random.rand())

    result["draws"] = [draw(), draw()]
    try:
        setup_runtime(3, threads=1, verbose=False)
    except RuntimeError as error:
        result["late_threads"] = str(error)
    print(json.dumps(result))
    """
)


@pytest.fixture(scope="module")
def fresh_run():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_setup_runtime_reports_versions_devices_and_settings(fresh_run):
    import tensorflow as tf

    assert fresh_run["tf"] == tf.__version__ and fresh_run["device"] in ("CPU", "GPU")
    printed = fresh_run["printed"]
    assert f"TensorFlow {tf.__version__}" in printed and "CPU devices:" in printed
    assert "seed=7, threads=2, op determinism=on" in printed


def test_setup_runtime_fixes_thread_counts(fresh_run):
    assert (fresh_run["intra"], fresh_run["inter"]) == (2, 2)


def test_setup_runtime_keeps_float32_precise_on_gpus(fresh_run):
    assert fresh_run["tf32"] is False


def test_setup_runtime_makes_runs_repeat(fresh_run):
    first, second = fresh_run["draws"]
    assert first == second


def test_setup_runtime_explains_late_thread_changes(fresh_run):
    assert "Restart the kernel" in fresh_run["late_threads"]


def test_setup_runtime_rejects_bad_arguments():
    with pytest.raises(TypeError, match="seed must be an int"):
        setup_runtime("42")
    with pytest.raises(ValueError, match="seed must be >= 0"):
        setup_runtime(-1)
    with pytest.raises(ValueError, match="threads must be >= 1"):
        setup_runtime(1, threads=0)
    with pytest.raises(TypeError, match="threads must be an int"):
        setup_runtime(1, threads=2.0)


def test_describe_runtime():
    info = RuntimeInfo(1, 2, True, "3.11", "2.21.0", "3.15.1", "2.4", ["/cpu:0"], [])
    text = describe_runtime(info)
    assert "none (running on the CPU)" in text and info.device == "CPU"
    assert RuntimeInfo(1, 2, True, "", "", "", "", [], ["/gpu:0"]).device == "GPU"
    with pytest.raises(TypeError, match="info must be a RuntimeInfo"):
        describe_runtime({"seed": 1})
