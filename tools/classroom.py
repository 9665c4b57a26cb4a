"""The chapters as an nbgrader course: one assignment per chapter, graded from the command line.

    python -m tools.classroom                 # every chapter into classroom/source/chNN/
    python -m tools.classroom 00 03           # some chapters
    python -m tools.classroom --root DIR 00   # another course folder
    python -m tools.classroom 04 --exercises 4.2 4.5   # hand out a subset of the exercises

Then, from the repository root (``nbgrader_config.py`` there points nbgrader at
``classroom/``), with the virtual environment's ``bin`` on ``PATH``::

    nbgrader generate_assignment ch00   # classroom/release/ch00/: solutions and outputs removed
    # collect each student's notebook as classroom/submitted/<student>/ch00/00_getting_started.ipynb
    nbgrader autograde ch00             # run every submission, score each check cell
    nbgrader generate_feedback ch00     # classroom/feedback/<student>/ch00/*.html
    nbgrader export                     # classroom/grades.csv

An assignment is named ``ch`` + the chapter number (``ch00``, ``ch06a``) and holds
that chapter's notebook unchanged: its solution cells are nbgrader solution cells and
its check cells are locked grade cells worth points. With ``--exercises``, the other
exercises (statement, buggy code, solution and check cells) are left out of the copy,
so the assignment's points are those of the chosen exercises.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
from pathlib import Path

import nbformat

from course_utils.cache import prepare_offline_cache
from tools.environment import offline_cache_source
from tools.exercises import exercises
from tools.notebooks import (
    CHAPTER_PATTERN,
    ROOT,
    chapter_paths,
    is_check_cell,
    is_solution_cell,
    resolve,
)

CLASSROOM = ROOT / "classroom"
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def assignment_name(chapter: Path) -> str:
    """The nbgrader assignment of a chapter: ``ch`` + its number, e.g. ``ch00``, ``ch06a``."""
    return "ch" + chapter.name.split("_", 1)[0]


def select_exercises(nb: nbformat.NotebookNode, keep: set[str]) -> nbformat.NotebookNode:
    """A copy of chapter ``nb`` with only the exercises whose ids are in ``keep``.

    Raises:
        ValueError: when an id in ``keep`` is not an exercise of the chapter.
    """
    found = exercises(nb)
    unknown = keep - {e.id for e in found}
    if unknown:
        raise ValueError(f"no exercise {sorted(unknown)} here; the chapter has "
                         f"{[e.id for e in found]}")  # fmt: skip
    drop = {id(c) for e in found if e.id not in keep
            for c in (e.bug, e.solution, e.check) if c is not None}  # fmt: skip
    statements = {e.statement for e in found if e.id not in keep}
    copy = nbformat.from_dict(nb)
    copy.cells = [c for c, original in zip(copy.cells, nb.cells, strict=True)
                  if id(original) not in drop
                  and not (c.cell_type == "markdown" and c.source in statements
                           and c.metadata.get("course", {}).get("exercise"))]  # fmt: skip
    return copy


def prepare_source(chapters: list[Path], root: Path = CLASSROOM,
                   keep: set[str] | None = None) -> list[str]:  # fmt: skip
    """Copy each chapter into ``root/source/<assignment>/``; return the assignment names.

    With ``keep`` (exercise ids such as ``{"4.2", "4.5"}``), only those exercises stay.
    A folder is rewritten from scratch, so a renamed chapter leaves no stale copy.
    """
    names = []
    for chapter in chapters:
        name = assignment_name(chapter)
        folder = root / "source" / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        if keep:
            nb = nbformat.read(chapter, as_version=4)
            number = name.removeprefix("ch").lstrip("0") or "0"  # ch04 -> 4, ch06a -> 6a
            mine = {k for k in keep if k.split(".")[0] == number}
            nbformat.write(select_exercises(nb, mine), folder / chapter.name)
        else:
            shutil.copy2(chapter, folder / chapter.name)
        names.append(name)
    return names


def configure_grading_environment(root: Path = CLASSROOM, environ: dict | None = None) -> None:
    """Set up the environment nbgrader runs notebooks in (called by ``nbgrader_config.py``).

    TensorFlow's C++ start-up lines are silenced, and when an offline data cache is
    found (``$COURSE_DATA_CACHE`` or ``../shared/keras_home``) and ``KERAS_HOME`` is
    not set, a writable copy kept in ``root/.keras_home`` becomes ``KERAS_HOME`` (the
    copy is made once; later runs reuse it). Without a cache, Keras downloads the data
    sets into its usual cache on first use.
    """
    env = os.environ if environ is None else environ
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    source = offline_cache_source(env)
    if source is not None and "KERAS_HOME" not in env:
        env["KERAS_HOME"] = str(prepare_offline_cache(source, root / ".keras_home"))


def strip_solution_markers(source: str) -> str:
    """A solution cell's code as a learner would write it: without the marker lines."""
    return SOLUTION_MARKERS.sub("", source)


def solved_submission(
    released: nbformat.NotebookNode,
    chapter: nbformat.NotebookNode,
    answers: dict[str, str] | None = None,
) -> nbformat.NotebookNode:
    """A learner's submission of ``released``: every solution cell filled in.

    Each solution cell gets the chapter's reference solution (marker lines removed),
    or ``answers[grade_id]`` where given (e.g. a wrong answer, to test the grading).
    """
    solutions = {
        c.metadata.nbgrader["grade_id"]: strip_solution_markers(c.source)
        for c in chapter.cells
        if is_solution_cell(c)
    }
    solutions.update(answers or {})
    submission = nbformat.from_dict(released)
    for cell in submission.cells:
        if is_solution_cell(cell):
            cell.source = solutions[cell.metadata.nbgrader["grade_id"]]
    return submission


def exercise_points(chapter: nbformat.NotebookNode) -> dict[str, float]:
    """Points of each exercise, keyed by its solution cell's ``grade_id``: the points of
    the check cells that follow it, up to the next solution cell."""
    points: dict[str, float] = {}
    current = None
    for cell in chapter.cells:
        if is_solution_cell(cell):
            current = cell.metadata.nbgrader["grade_id"]
            points[current] = 0.0
        elif is_check_cell(cell) and current is not None:
            points[current] += float(cell.metadata.nbgrader.get("points", 0))
    return points


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter numbers or paths (default: all)")
    parser.add_argument("--root", type=Path, default=CLASSROOM, help="course folder")
    parser.add_argument("--exercises", nargs="+", metavar="ID",
                        help="hand out only these exercises, e.g. 4.2 4.5")  # fmt: skip
    args = parser.parse_args(argv)
    paths = [p for s in args.chapters for p in resolve(s)] if args.chapters else chapter_paths()
    not_chapters = [p.name for p in paths if not CHAPTER_PATTERN.match(p.name)]
    if not_chapters:
        parser.error(f"not a chapter (no exercises): {', '.join(not_chapters)}")
    for name in prepare_source(paths, args.root, set(args.exercises or [])):
        print(f"source/{name}/ ready: nbgrader generate_assignment {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
