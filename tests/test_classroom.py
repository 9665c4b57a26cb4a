"""The chapters work as an nbgrader course, through nbgrader's own command line.

The real pipeline runs on two short chapters in a temporary course folder, with the
repository's nbgrader_config.py: tools.classroom fills source/, `nbgrader
generate_assignment` releases each chapter, two students submit (alice solves every
exercise; bob answers one exercise of each kind wrongly: a transfer exercise, a
predict-then-run question with the wrong letter, and a debugging exercise handed in
with the bug unfixed), `nbgrader autograde` executes and scores the submissions,
`nbgrader generate_feedback` writes their reports and `nbgrader export` the grades,
which must be exactly right.
"""

from __future__ import annotations

import csv
import html
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import determine_grade

from tools import classroom
from tools.exercises import exercises
from tools.notebooks import ROOT, chapter_paths, is_check_cell, is_solution_cell, read

FIRST_CHAPTER = ROOT / "notebooks" / "00_getting_started.ipynb"

def graded_chapters() -> list[Path]:
    """Chapters 00 and 01: short, and named here so the test does not depend on timings."""
    return [FIRST_CHAPTER, ROOT / "notebooks" / "01_the_artificial_neuron.ipynb"]


def _function_name(source: str) -> str:
    return re.search(r"^def (\w+)\(", source, re.M).group(1)


def wrong_answer(ex) -> str | None:
    """A plausible wrong submission for exercise ``ex``, by its kind (None for others):

    * transfer: the function asked for, returning 0 instead of the answer;
    * predict: ``predict_...()`` returning a letter other than the right one;
    * debug: the buggy code as given, renamed to the function the exercise asks for.
    """
    name = _function_name(ex.solution.source)
    if ex.kind == "predict":
        right = re.search(r"return\s+[\"'](\w)[\"']", ex.solution.source).group(1)
        return f"def {name}():\n    return {'a' if right != 'a' else 'b'!r}\n"
    if ex.kind == "debug" and ex.bug is not None:
        return re.sub(rf"\b{_function_name(ex.bug.source)}\b", name, ex.bug.source)
    if ex.kind == "transfer":
        return f"def {name}(*args, **kwargs):\n    return 0.0\n"
    return None


def wrong_answers(
    chapter: nbformat.NotebookNode, released: nbformat.NotebookNode
) -> dict[str, str]:
    """{solution grade_id: wrong code} for the first exercise of each kind (transfer,
    predict, debug) in ``chapter``; a chapter without them gets its last exercise left
    as released (unsolved)."""
    chosen, kinds = {}, set()
    for ex in exercises(chapter):
        code = wrong_answer(ex)
        if code is not None and ex.kind not in kinds:
            kinds.add(ex.kind)
            chosen[ex.solution.metadata.nbgrader["grade_id"]] = code
    if chosen:
        return chosen
    grade_ids = [c.metadata.nbgrader["grade_id"] for c in chapter.cells if is_solution_cell(c)]
    stubs = {c.metadata.nbgrader["grade_id"]: c.source for c in released.cells
             if is_solution_cell(c)}  # fmt: skip
    return {grade_ids[-1]: stubs[grade_ids[-1]]}


def wrongly_answered(chapter: nbformat.NotebookNode, grade_ids: list[str]) -> list:
    return [e for e in exercises(chapter) if e.solution.metadata.nbgrader["grade_id"] in grade_ids]


def exercise_number(chapter: nbformat.NotebookNode, grade_id: str) -> str:
    for ex in exercises(chapter):
        if ex.solution.metadata.nbgrader["grade_id"] == grade_id:
            return ex.id
    return ""


def nbgrader(*args: str, root: Path) -> str:
    """Run an nbgrader command from the repository root (so nbgrader_config.py applies),
    on the course folder ``root``; return its log."""
    start = time.perf_counter()
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={root}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{log[-5000:]}"
    print(f"nbgrader {' '.join(args[:2])}: {time.perf_counter() - start:.0f} s")  # with -s
    return log


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The whole pipeline, once: release, submit, autograde, feedback, export."""
    root = tmp_path_factory.mktemp("course") / "classroom"
    chapters = graded_chapters()
    assert len(chapters) == 2, "the classroom test needs two executed chapters"
    assignments = classroom.prepare_source(chapters, root)
    wrong = {}
    for path, assignment in zip(chapters, assignments, strict=True):
        nbgrader("generate_assignment", assignment, root=root)
        chapter = read(path)
        released = read(root / "release" / assignment / path.name)
        answers_of_bob = wrong_answers(chapter, released)
        wrong[assignment] = sorted(answers_of_bob)
        for student, answers in [("alice", None), ("bob", answers_of_bob)]:
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True)
            submission = classroom.solved_submission(released, chapter, answers)
            nbformat.write(submission, folder / path.name)
    for assignment in assignments:
        nbgrader("autograde", assignment, root=root)
        nbgrader("generate_feedback", assignment, root=root)
    grades = root / "grades.csv"
    nbgrader("export", "--to", str(grades), root=root)
    return {"root": root, "chapters": dict(zip(assignments, chapters, strict=True)),
            "wrong": wrong, "grades": grades}  # fmt: skip


def test_every_check_carries_points_and_the_reference_solutions_score_full_marks():
    """nbgrader scores a check cell 0 when it wrote to stderr, so the committed
    chapters (the reference solutions, executed) must score full marks as they are."""
    for path in chapter_paths():
        chapter = read(path)
        checks = [c for c in chapter.cells if is_check_cell(c)]
        assert checks and all(c.metadata.nbgrader.get("points", 0) > 0 for c in checks)
        for cell in checks:
            score, points = determine_grade(cell)
            assert score == points, f"{path.name}: {cell.source!r} would score {score}/{points}"
        assert all(points > 0 for points in classroom.exercise_points(chapter).values())


def test_every_chapter_releases_as_an_assignment(tmp_path, monkeypatch):
    """Each chapter is copied unchanged into source/chNN/ and nbgrader releases it with
    all its points (nbgrader's Python API, in this process: quicker than its command)."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    names = classroom.prepare_source(chapter_paths(), tmp_path)
    assert names == [classroom.assignment_name(p) for p in chapter_paths()]
    assert len(set(names)) == len(names) and names[0] == "ch00"
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    api = NbGraderAPI(config=config)
    for name, path in zip(names, chapter_paths(), strict=True):
        assert (tmp_path / "source" / name / path.name).read_bytes() == path.read_bytes()
        result = api.generate_assignment(name)
        assert result["success"], f"{name}: {result['error']}\n{result['log'][-3000:]}"
        released = read(tmp_path / "release" / name / path.name)
        points = [c.metadata.nbgrader["points"] for c in released.cells if is_check_cell(c)]
        assert sum(points) == sum(classroom.exercise_points(read(path)).values()) > 0


def test_released_assignment_has_no_solutions_and_locked_checks(course):
    for assignment, path in course["chapters"].items():
        chapter = read(path)
        released = read(course["root"] / "release" / assignment / path.name)
        assert "BEGIN SOLUTION" not in nbformat.writes(released)
        assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")
        solutions = [c for c in released.cells if is_solution_cell(c)]
        assert solutions and all("raise NotImplementedError()" in c.source for c in solutions)
        checks = {c.metadata.nbgrader["grade_id"]: c for c in released.cells if is_check_cell(c)}
        for cell in chapter.cells:
            if is_check_cell(cell):
                copy = checks[cell.metadata.nbgrader["grade_id"]]
                assert copy.source == cell.source and copy.metadata.nbgrader["locked"]
                assert copy.metadata.nbgrader["points"] == cell.metadata.nbgrader["points"]


def test_exported_grades_are_exact(course):
    with course["grades"].open(newline="") as handle:
        rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(handle)}
    assert len(rows) == 2 * len(course["chapters"])
    kinds = set()
    for assignment, path in course["chapters"].items():
        chapter = read(path)
        points = classroom.exercise_points(chapter)
        total = sum(points.values())
        lost = sum(points[grade_id] for grade_id in course["wrong"][assignment])
        assert lost > 0
        kinds |= {e.kind for e in wrongly_answered(chapter, course["wrong"][assignment])}
        alice, bob = rows[(assignment, "alice")], rows[(assignment, "bob")]
        assert (float(alice["score"]), float(alice["max_score"])) == (total, total), alice
        assert (float(bob["score"]), float(bob["max_score"])) == (total - lost, total), bob
    assert {"transfer", "predict", "debug"} <= kinds, f"graded wrong answers cover {kinds}"


def test_feedback_explains_the_wrong_answers(course):
    for assignment, path in course["chapters"].items():
        chapter = read(path)
        reports = {}
        for student in ("alice", "bob"):
            report = course["root"] / "feedback" / student / assignment / f"{path.stem}.html"
            assert report.is_file(), f"no feedback for {student}: {report}"
            reports[student] = html.unescape(report.read_text(encoding="utf-8"))
        points = classroom.exercise_points(chapter)
        total = sum(points.values())
        assert f"Score: {total} / {total}" in reports["alice"]
        assert "ExerciseFailure" not in reports["alice"]
        bob = reports["bob"]
        lost = sum(points[g] for g in course["wrong"][assignment])
        assert f"Score: {total - lost} / {total}" in bob
        for grade_id in course["wrong"][assignment]:
            check_id = grade_id.replace("-solution", "-check")
            assert f'href="#{check_id}">Test cell</a> (Score: 0.0 / {points[grade_id]})' in bob
            number = exercise_number(chapter, grade_id)
            assert f"Exercise {number}:" in bob, f"no explanation for {grade_id} in {assignment}"
        predicts = [e for e in wrongly_answered(chapter, course["wrong"][assignment])
                    if e.kind == "predict"]  # fmt: skip
        for ex in predicts:  # the wrong prediction is graded and the right one explained
            assert f"Exercise {ex.id}: you predicted" in bob and "the run shows" in bob
