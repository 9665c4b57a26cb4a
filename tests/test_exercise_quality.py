"""The exercises teach: every chapter has transfer, predict-then-run and debugging
exercises with progressive hints, and no solution retypes code the chapter already showed.

Static checks on the committed chapters (nothing is executed here). The rules are in
CONTRIBUTING.md, "Exercises".
"""

from __future__ import annotations

import ast
import difflib
import re
from functools import cache
from pathlib import Path

import pytest

from tools.exercises import KINDS, exercises, normalise_code_line, solution_lines
from tools.notebooks import ROOT, chapter_paths, read

CHAPTERS = chapter_paths()
IDS = [p.stem for p in CHAPTERS]
MIN_EXERCISES = 4
SIMILAR = 0.85  # difflib ratio above which two normalised lines count as the same line
MOSTLY = 0.5  # a solution is a near-copy when more than this share of its lines is
IMPORT_FROM_COURSE_UTILS = re.compile(
    r"^from course_utils\.([\w.]+) import (?:\(([^)]*)\)|([^\n(]+)$)", re.M
)


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_chapter_has_the_kinds_of_exercises_that_teach(path):
    found = exercises(read(path))
    kinds = [e.kind for e in found]
    assert len(found) >= MIN_EXERCISES, f"{path.name}: {len(found)} exercises, need 4"
    assert kinds.count("transfer") >= 2, f"{path.name}: needs 2 transfer exercises: {kinds}"
    assert kinds.count("predict") >= 1, f"{path.name}: needs a predict-then-run question"
    assert kinds.count("debug") >= 1, f"{path.name}: needs a debugging exercise"
    assert all(k in KINDS for k in kinds), f"{path.name}: unknown kind in {kinds}"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_each_exercise_is_labelled_hinted_and_graded(path):
    nb = read(path)
    for ex in exercises(nb):
        label = f"**Exercise {ex.id} · {ex.kind} · about {ex.minutes} min"
        assert ex.statement.startswith(label), f"{path.name}: statement should start {label!r}"
        hints = re.findall(r"<details>\s*<summary>\s*Hint (\d+)", ex.statement)
        assert hints[:2] == ["1", "2"], f"{path.name} {ex.id}: needs hints 1 and 2 in <details>"
        assert ex.statement.count("<details>") == ex.statement.count("</details>")
        assert ex.solution is not None and ex.check is not None, (
            f"{path.name} {ex.id}: needs a solution cell and a check cell after its statement"
        )
        assert 1 <= ex.points <= 5 and 1 <= ex.minutes <= 60
        if ex.kind == "predict":
            assert re.search(r"def predict_\w+\(\)", ex.solution.source), (
                f"{path.name} {ex.id}: a prediction is a function predict_...() returning a letter"
            )
        if ex.kind == "debug":
            assert ex.bug is not None, f"{path.name} {ex.id}: the buggy code goes in a cell "
            "tagged exercise-bug, before the solution"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_exercise_ids_run_in_order(path):
    found = exercises(read(path))
    chapter = re.match(r"(\d\d[a-z]?)_", path.name).group(1).lstrip("0") or "0"
    assert [e.id for e in found] == [f"{chapter}.{k}" for k in range(1, len(found) + 1)]


# --- near-copies -------------------------------------------------------------------------


@cache
def _module_functions(module_path: Path) -> dict[str, list[str]]:
    """Normalised source lines of each top-level function and class of a module."""
    text = module_path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found = {}
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            body = lines[node.lineno - 1 : node.end_lineno]
            found[node.name] = [n for n in map(normalise_code_line, body) if n]
    return found


def shown_library_lines(code_before: list[str]) -> list[str]:
    """Lines of ``course_utils`` functions that the earlier cells import and then call or
    display (exercise-check modules excluded: a check is not shown to the learner)."""
    imported: dict[str, Path] = {}
    for source in code_before:
        for match in IMPORT_FROM_COURSE_UTILS.finditer(source):
            module = match.group(1)
            if module.startswith(("exercises", "checks")):
                continue
            path = ROOT / "course_utils" / (module.replace(".", "/") + ".py")
            if path.exists():
                for name in re.findall(r"\w+", match.group(2) or match.group(3)):
                    imported[name] = path
    text = "\n".join(re.sub(r"^from course_utils[^\n]*(\([^)]*\))?", "", s, flags=re.M | re.S)
                     for s in code_before)  # fmt: skip
    lines = []
    for name, path in imported.items():
        if re.search(rf"\b{name}\b", text):
            lines += _module_functions(path).get(name, [])
    return lines


def test_library_imports_are_found_in_both_forms():
    source = "from course_utils.losses import (\n    bce,\n    mse,\n)\n"
    source += "from course_utils.mlp import a, b"
    found = {m.group(1): re.findall(r"\w+", m.group(2) or m.group(3))
             for m in IMPORT_FROM_COURSE_UTILS.finditer(source)}  # fmt: skip
    assert found == {"losses": ["bce", "mse"], "mlp": ["a", "b"]}


def near_copy_share(solution: list[str], earlier: list[str]) -> tuple[float, list[str]]:
    """The share of ``solution``'s lines that nearly match an ``earlier`` line, and those
    lines. Lines are compared token by token (``difflib`` ratio on token sequences), so a
    short line with a new term (``s + x * s * (1 - s)`` against ``s * (1 - s)``) differs."""
    pool = sorted({tuple(line.split()) for line in earlier})
    copied = [line for line in solution
              if difflib.get_close_matches(tuple(line.split()), pool, 1, SIMILAR)]  # fmt: skip
    return len(copied) / len(solution), copied


def test_near_copy_share_finds_retyped_code_and_passes_new_code():
    def lines(code):
        return [normalise_code_line(line) for line in code]

    earlier = lines(["p = np.clip(p, 1e-7, 1 - 1e-7)  # keep logs finite",
                     "return -np.mean(y * np.log(p))", "return s * (1 - s)"])  # fmt: skip
    retyped = lines(["p = np.clip(p, 1e-07, 1 - 1e-07)", "return -np.mean(y*np.log(p))"])
    new = lines(["t = x * sigmoid(x)", "return s + x * s * (1 - s)"])
    assert near_copy_share(retyped, earlier)[0] == 1.0
    assert near_copy_share(new, earlier)[0] == 0.0


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_solution_is_a_near_copy_of_earlier_code(path):
    nb = read(path)
    problems = []
    for index, cell in enumerate(nb.cells):
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        solution = solution_lines(cell.source)
        if not solution:
            continue
        before = [c.source for c in nb.cells[:index] if c.cell_type == "code"
                  and "exercise-bug" not in c.metadata.get("tags", [])]  # fmt: skip
        earlier = [n for s in before for n in map(normalise_code_line, s.splitlines()) if n]
        earlier += shown_library_lines(before)
        share, copied = near_copy_share(solution, earlier)
        if share > MOSTLY:
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            problems.append(f"{grade_id}: {share:.0%} of its lines appear above: {copied}")
    assert not problems, f"{path.name}: solutions that retype earlier code:\n" + "\n".join(
        problems
    )
