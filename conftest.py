"""Test-suite setup shared by the unit tests and the notebook runs (nbval).

* Before anything runs: TensorFlow's C++ logging is quieted and, when an offline
  data cache is found (``../shared/keras_home``), a writable copy becomes
  ``KERAS_HOME`` for this process and every notebook kernel it starts.
* The user's home is never read or written: ``HOME`` (and the XDG folders) point at
  a temporary folder for the whole run, and ``KERAS_HOME`` is always a fresh
  temporary folder (a copy of the offline cache when there is one, else empty, so
  downloads land there and not in ``~/.keras``).
* Time budget: each notebook's wall time (kernel start to last cell) is measured;
  a notebook over its budget (180 s, or ``metadata.course.budget_seconds``) fails
  on its last cell. Times are written to ``build/notebook_timings.json``, from
  which ``python -m tools.timings`` fills the README's table.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from tools.environment import prepare_notebook_environment
from tools.notebooks import budget_seconds, read
from tools.timings import save_timings

_started: dict[str, float] = {}
_last_cell: dict[str, str] = {}
_elapsed: dict[str, tuple[float, float]] = {}


def _isolate_home() -> None:
    """Point HOME and the XDG folders at a temporary folder (done before anything runs)."""
    os.environ.setdefault("COURSE_REAL_HOME", str(Path.home()))
    home = Path(tempfile.mkdtemp(prefix="course-test-home-"))
    os.environ["HOME"] = str(home)
    for var, sub in [("XDG_CACHE_HOME", ".cache"), ("XDG_CONFIG_HOME", ".config"),
                     ("XDG_DATA_HOME", ".local/share"), ("MPLCONFIGDIR", ".config/mpl"),
                     ("IPYTHONDIR", ".ipython")]:  # fmt: skip
        os.environ[var] = str(home / sub)
    os.environ.pop("KERAS_HOME", None)  # a learner's own cache is not the tests' to change


_isolate_home()


def pytest_configure(config: pytest.Config) -> None:
    prepare_notebook_environment()
    if "KERAS_HOME" not in os.environ:  # no offline cache: downloads go to a temporary folder
        os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="course-keras-home-")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            _last_cell[item.path.name] = item.nodeid


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item):
    if item.path.suffix == ".ipynb":
        _started.setdefault(item.path.name, time.perf_counter())
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    name = item.path.name
    if call.when != "call" or _last_cell.get(name) != item.nodeid or name not in _started:
        return
    elapsed = time.perf_counter() - _started[name]
    budget = budget_seconds(read(item.path))
    _elapsed[name] = (elapsed, budget)
    if elapsed > budget:
        report = outcome.get_result()
        report.outcome = "failed"
        report.longrepr = (
            f"{name} ran for {elapsed:.0f} s, over its time budget of {budget:.0f} s "
            "on this machine. Make it faster (tf.data pipelines, right-sized models)."
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _elapsed:
        save_timings({name: seconds for name, (seconds, _) in _elapsed.items()})


def pytest_terminal_summary(terminalreporter) -> None:
    if _elapsed:
        terminalreporter.section("notebook run times")
        for name, (seconds, budget) in sorted(_elapsed.items()):
            terminalreporter.write_line(f"{name:45s} {seconds:6.1f} s  (budget {budget:.0f} s)")
