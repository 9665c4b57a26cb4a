"""The chapters work as an nbgrader course, through nbgrader's own command line.

The real pipeline runs on two short chapters in a temporary course folder, with the
repository's nbgrader_config.py: tools.classroom fills source/, `nbgrader
generate_assignment` releases each chapter, two students submit (alice solves every
exercise, bob gets one exercise wrong), `nbgrader autograde` executes and scores the
submissions, `nbgrader generate_feedback` writes their reports and `nbgrader export`
the grades, which must be exactly right.
"""

from __future__ import annotations

import csv
import html
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import determine_grade

from tools import classroom
from tools.notebooks import ROOT, chapter_paths, is_check_cell, is_solution_cell, read

FIRST_CHAPTER = ROOT / "notebooks" / "00_getting_started.ipynb"

# A plausible wrong answer per exercise, and what its check must tell the learner.
WRONG_ANSWERS = {
    "ex00-2-solution": (
        "def gradient_of_f(x):\n    return 3 * x**2  # the derivative of x**3 only\n",
        "Exercise 0.2: df/dx at random points is not right: expected",
    ),
    "ex01-2-solution": (
        "def neuron_output(x, w, b):\n    return 1 / (1 + np.exp(-(x @ w)))\n",
        "Exercise 1.2: the output ignores the bias b",
    ),
    "ex02-3-solution": (
        "def count_parameters(sizes):\n"
        "    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))\n",
        "Exercise 2.3: count_parameters([2, 3, 1]) returned 9",
    ),
    "ex03-2-solution": (
        "def huber_loss(y_true, y_pred, delta=1.0):\n"
        "    return np.mean(0.5 * (np.asarray(y_pred) - np.asarray(y_true)) ** 2)\n",
        "Exercise 3.2: huber_loss(y_true, y_pred) is not right: expected",
    ),
    "ex04-2-solution": (
        "def adam_update(theta, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        "    m = beta1 * m + (1 - beta1) * grad\n"
        "    v = beta2 * v + (1 - beta2) * grad**2\n"
        "    return theta - lr * m / (np.sqrt(v) + eps), m, v\n",
        "Exercise 4.2: the new theta at step t=1 is not right",
    ),
}


def recorded_seconds(path: Path) -> float:
    """The chapter's run time as recorded by nbclient in the committed notebook
    (0 when it has not been executed by tools.execute yet)."""
    total = 0.0
    for cell in read(path).cells:
        timing = cell.metadata.get("execution", {})
        if cell.cell_type == "code" and {"iopub.execute_input", "shell.execute_reply"} <= set(
            timing
        ):
            start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            total += (end - start).total_seconds()
    return total


def graded_chapters() -> list[Path]:
    """Chapter 00 and the quickest other executed chapter, to keep the test short."""
    others = [p for p in chapter_paths() if p != FIRST_CHAPTER and recorded_seconds(p) > 0]
    return [FIRST_CHAPTER] + sorted(others, key=recorded_seconds)[:1]


def wrong_answer(
    chapter: nbformat.NotebookNode, released: nbformat.NotebookNode
) -> tuple[str, str, str]:
    """(solution grade_id, wrong code, expected feedback) for one exercise of ``chapter``.

    A chapter with no wrong answer written above gets its last exercise left as
    released (unsolved), which its check reports as not solved yet."""
    grade_ids = [c.metadata.nbgrader["grade_id"] for c in chapter.cells if is_solution_cell(c)]
    for grade_id in grade_ids:
        if grade_id in WRONG_ANSWERS:
            return (grade_id, *WRONG_ANSWERS[grade_id])
    stubs = {
        c.metadata.nbgrader["grade_id"]: c.source for c in released.cells if is_solution_cell(c)
    }
    return grade_ids[-1], stubs[grade_ids[-1]], "not solved yet"


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
        grade_id, code, message = wrong_answer(chapter, released)
        wrong[assignment] = (grade_id, message)
        for student, answers in [("alice", None), ("bob", {grade_id: code})]:
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
    for assignment, path in course["chapters"].items():
        points = classroom.exercise_points(read(path))
        total = sum(points.values())
        lost = points[course["wrong"][assignment][0]]
        assert lost > 0
        alice, bob = rows[(assignment, "alice")], rows[(assignment, "bob")]
        assert (float(alice["score"]), float(alice["max_score"])) == (total, total), alice
        assert (float(bob["score"]), float(bob["max_score"])) == (total - lost, total), bob


def test_feedback_explains_the_wrong_answer(course):
    for assignment, path in course["chapters"].items():
        grade_id, message = course["wrong"][assignment]
        check_id = grade_id.replace("-solution", "-check")
        reports = {}
        for student in ("alice", "bob"):
            report = course["root"] / "feedback" / student / assignment / f"{path.stem}.html"
            assert report.is_file(), f"no feedback for {student}: {report}"
            reports[student] = html.unescape(report.read_text(encoding="utf-8"))
        points = classroom.exercise_points(read(path))
        total = sum(points.values())
        assert f"Score: {total} / {total}" in reports["alice"]
        assert "ExerciseFailure" not in reports["alice"]
        bob = reports["bob"]
        assert f"Score: {total - points[grade_id]} / {total}" in bob
        assert f'href="#{check_id}">Test cell</a> (Score: 0.0 / {points[grade_id]})' in bob
        assert "ExerciseFailure" in bob and message in bob, (
            f"bob's feedback for {assignment} lacks the check's explanation {message!r}"
        )
