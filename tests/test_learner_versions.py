"""The learner versions in learner/ are nbgrader's ClearSolutions output of each
chapter, in sync, and their exercise checks fail until the learner solves them."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tools.environment import prepare_notebook_environment
from tools.learner import learner_path, learner_text
from tools.notebooks import (
    chapter_paths,
    is_check_cell,
    is_solution_cell,
    read,
    section_cells,
    setup_cell_index,
)

CHAPTERS = chapter_paths()
IDS = [p.stem for p in CHAPTERS]


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_learner_version_is_in_sync(path):
    target = learner_path(path)
    assert target.exists(), f"missing {target.name}: run python -m tools.learner"
    assert target.read_text(encoding="utf-8") == learner_text(path), (
        f"{target.name} is out of date: run python -m tools.learner {path.stem[:2]}"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_learner_version_has_no_solutions_and_no_outputs(path):
    nb = read(learner_path(path))
    text = nbformat.writes(nb)
    assert "### BEGIN SOLUTION" not in text
    solutions = [c for c in nb.cells if is_solution_cell(c)]
    assert solutions and all("raise NotImplementedError()" in c.source for c in solutions)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_learner_checks_fail_until_solved(path):
    """Run the learner version's Setup cell and Exercises section in a fresh kernel:
    every check must fail, with the course's feedback rather than a bare error."""
    prepare_notebook_environment()
    nb = read(learner_path(path))
    keep = [setup_cell_index(nb)] + section_cells(nb, "Exercises")
    nb.cells = [nb.cells[i] for i in keep]
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()  # fmt: skip
    checks = [c for c in nb.cells if is_check_cell(c)]
    assert len(checks) >= 3
    for cell in checks:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors, f"{path.name}: check passed without a solution:\n{cell.source}"
        assert errors[0].ename == "ExerciseFailure", (errors[0].ename, errors[0].evalue)
        assert "not solved yet" in errors[0].evalue
    setup_errors = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert not setup_errors, "the Setup cell must run in the learner version"
