"""Finding and reading the course notebooks: chapters, sections, exercise cells."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LEARNER = ROOT / "learner"
DEFAULT_BUDGET_S = 180.0

CHAPTER_PATTERN = re.compile(r"^\d\d[a-z]?_[a-z0-9_]+\.ipynb$")


def chapter_paths() -> list[Path]:
    """All chapter notebooks (``notebooks/NN_name.ipynb``), in course order."""
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb") if CHAPTER_PATTERN.match(p.name))


def all_notebook_paths() -> list[Path]:
    """Every notebook the test suite executes: the chapters and the glossary."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def resolve(selector: str) -> list[Path]:
    """Notebook paths for a command-line selector: a path, a chapter number
    (``"03"``, ``"06a"``), a name (``"glossary"``) or ``"all"``."""
    if selector == "all":
        return all_notebook_paths()
    path = Path(selector)
    if path.suffix == ".ipynb" and path.exists():
        return [path.resolve()]
    matches = [
        p for p in all_notebook_paths() if p.stem == selector or p.stem.startswith(f"{selector}_")
    ]
    if not matches:
        raise SystemExit(f"no notebook matches {selector!r}; try a chapter number such as 00")
    return matches


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def budget_seconds(nb: nbformat.NotebookNode) -> float:
    """The notebook's run-time budget: ``metadata.course.budget_seconds`` or 180 s."""
    return float(nb.metadata.get("course", {}).get("budget_seconds", DEFAULT_BUDGET_S))


def headings(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """``(level, text)`` of every Markdown heading, in order."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = re.match(r"^(#{1,6})\s+(.*\S)", line)
                if match:
                    found.append((len(match.group(1)), match.group(2)))
    return found


def section_cells(nb: nbformat.NotebookNode, title: str) -> list[int]:
    """Indices of the cells in the level-2 section whose heading starts with ``title``
    (the heading cell included), up to the next level-2 heading."""
    indices, inside = [], False
    for i, cell in enumerate(nb.cells):
        level2 = [
            line[3:].strip()
            for line in cell.source.splitlines()
            if cell.cell_type == "markdown" and line.startswith("## ")
        ]
        if level2:
            inside = level2[0].startswith(title)
        if inside:
            indices.append(i)
    return indices


def setup_cell_index(nb: nbformat.NotebookNode) -> int:
    """Index of the first code cell of the "Setup" section."""
    for i in section_cells(nb, "Setup"):
        if nb.cells[i].cell_type == "code":
            return i
    raise ValueError("notebook has no code cell under a '## Setup' heading")


def nbgrader_meta(cell: nbformat.NotebookNode) -> dict:
    return cell.metadata.get("nbgrader", {})


def is_check_cell(cell: nbformat.NotebookNode) -> bool:
    """An nbgrader autograder test cell (``grade: true`` and not a solution)."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def is_solution_cell(cell: nbformat.NotebookNode) -> bool:
    return nbgrader_meta(cell).get("solution", False)
