"""The environment notebooks run in, for the execution script and the test suite.

* ``TF_CPP_MIN_LOG_LEVEL=2`` so TensorFlow's C++ start-up lines never reach a
  stored output.
* An offline data cache: when a read-only cache is found (``$COURSE_DATA_CACHE``,
  or ``../shared/keras_home`` beside the repository), a writable copy is made and
  ``KERAS_HOME`` points at it. Keras ignores a read-only ``KERAS_HOME`` and then
  tries to download, so the copy matters.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from course_utils.cache import prepare_offline_cache
from tools.notebooks import ROOT


def offline_cache_source(environ: dict[str, str] | None = None) -> Path | None:
    """The read-only cache to copy, or ``None`` when there is none (learners online)."""
    env = os.environ if environ is None else environ
    candidates = [env.get("COURSE_DATA_CACHE"), ROOT.parent / "shared" / "keras_home"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "datasets").is_dir():
            return Path(candidate)
    return None


def prepare_notebook_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Set up ``environ`` (default ``os.environ``) for running notebooks; return what was set."""
    env = os.environ if environ is None else environ
    changes = {"TF_CPP_MIN_LOG_LEVEL": env.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    source = offline_cache_source(env)
    if source is not None and "KERAS_HOME" not in env:
        copy = Path(tempfile.mkdtemp(prefix="course-keras-home-"))
        changes["KERAS_HOME"] = str(prepare_offline_cache(source, copy))
    env.update(changes)
    return changes
