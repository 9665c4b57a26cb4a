"""nbgrader configuration: the course's chapters as classroom assignments.

Run nbgrader from the repository root (with ``.venv/bin`` on ``PATH``); the course
folder is ``classroom/`` and each chapter is an assignment named ``chNN``. See the
README's "For teachers" section and ``python -m tools.classroom --help``.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from tools.classroom import configure_grading_environment  # noqa: E402

c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.course_id = "dl-keras-course"
c.CourseDirectory.root = str(HERE / "classroom")

# Grading runs each submission top to bottom in a fresh kernel, like tools.execute:
# a chapter may train for a while in one cell, so allow 10 minutes per cell.
c.Execute.timeout = 600
c.Execute.interrupt_on_timeout = True

# Solutions are found by cell metadata, as tools.learner finds them, so the released
# notebook and learner/ get the same `raise NotImplementedError()` stubs.
c.ClearSolutions.enforce_metadata = True

# `nbgrader export` writes the grades next to the gradebook.
c.ExportPlugin.to = str(HERE / "classroom" / "grades.csv")

# Commands that run notebooks get TF_CPP_MIN_LOG_LEVEL and, when an offline data cache
# is found (../shared/keras_home), a writable copy of it as KERAS_HOME. Other programs
# that read this file (JupyterLab's nbgrader extensions) are left as they are.
if len(sys.argv) > 1 and sys.argv[1] in {"autograde", "validate"}:
    configure_grading_environment(HERE / "classroom")
