"""Static checks on every committed notebook (nothing is executed here).

A chapter must be this project's execution script's output: executed top to
bottom in one fresh kernel, with no errors and no stale or noisy outputs, and it
must follow the chapter recipe in CONTRIBUTING.md.
"""

from __future__ import annotations

import re

import pytest

from tools.colab import colab_link, install_snippet
from tools.notebooks import (
    all_notebook_paths,
    budget_seconds,
    chapter_paths,
    headings,
    is_check_cell,
    is_solution_cell,
    read,
    section_cells,
    setup_cell_index,
)
from tools.prose_numbers import orphans
from tools.timings import recorded_seconds

NOTEBOOKS = all_notebook_paths()
CHAPTERS = chapter_paths()
REQUIRED_SECTIONS = ["Learning objectives", "Prerequisites", "Setup", "Summary", "Exercises",
                     "Further reading"]  # fmt: skip
CPP_LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d|absl::InitializeLog", re.MULTILINE)
FILE_LITERAL = re.compile(
    r"""["']([\w./-]+\.(?:keras|h5|npz|npy|csv|json|txt|pkl|ckpt|weights\.h5|tfrecord))["']"""
)


def ids(paths):
    return [p.stem for p in paths]


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def test_there_is_a_chapter_00_and_a_glossary():
    names = [p.name for p in NOTEBOOKS]
    assert "00_getting_started.ipynb" in names and "glossary.ipynb" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_executed_top_to_bottom_once(path):
    counts = [c.execution_count for c in code_cells(read(path))]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} - run `python -m tools.execute {path.stem}`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_no_error_or_noisy_outputs(path):
    for cell in code_cells(read(path)):
        for output in cell.outputs:
            assert output.output_type != "error", f"{path.name}: error output in\n{cell.source}"
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            assert "\b" not in text, f"{path.name}: progress-bar debris (use verbose=2)"
            assert not CPP_LOG_LINE.search(text), f"{path.name}: TensorFlow C++ log in outputs"
            assert "Traceback" not in text, f"{path.name}: a traceback is stored"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_kernel_and_timing_metadata(path):
    nb = read(path)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in code_cells(nb):
        assert "execution" in cell.metadata, f"{path.name}: no nbclient timing metadata"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_recorded_run_time_is_within_budget(path):
    """The committed run (tools.execute, one notebook at a time on a quiet machine)
    recorded its wall time; the README shows it, so it must be honest and in budget."""
    nb = read(path)
    seconds = recorded_seconds(nb)
    assert seconds is not None, f"{path.name}: no recorded run time: run tools.execute"
    assert "CPU cores" in nb.metadata.course.execution.machine
    assert seconds <= budget_seconds(nb), (
        f"{path.name}: the committed run took {seconds:.0f} s, over its budget of "
        f"{budget_seconds(nb):.0f} s: re-execute it alone on a quiet machine, or make it faster"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_chapter_has_the_required_parts(path):
    nb = read(path)
    found = headings(nb)
    assert found[0][0] == 1 and re.match(r"\d\d[a-z]? · ", found[0][1]), "title '# NN · Title'"
    level2 = [text for level, text in found if level == 2]
    positions = []
    for section in REQUIRED_SECTIONS:
        matches = [i for i, text in enumerate(level2) if text.startswith(section)]
        assert matches, f"{path.name}: no '## {section}' section"
        positions.append(matches[0])
    assert positions == sorted(positions), f"{path.name}: sections out of order {level2}"
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "> **Common misconception:**" in markdown, f"{path.name}: no misconception box"
    reading = "\n".join(nb.cells[i].source for i in section_cells(nb, "Further reading"))
    assert re.search(r"\(\d{4}\)|\b(19|20)\d\d\b", reading), "further reading needs years"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_chapter_opens_in_colab(path):
    nb = read(path)
    assert colab_link(path) in nb.cells[0].source, f"{path.name}: no Open in Colab link"
    assert install_snippet() in nb.cells[setup_cell_index(nb)].source


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_setup_cell_quiets_tensorflow_before_importing_it(path):
    nb = read(path)
    setup = nb.cells[setup_cell_index(nb)].source
    assert "TF_CPP_MIN_LOG_LEVEL" in setup and "setup_runtime(" in setup
    if "import tensorflow" in setup:
        assert setup.index("TF_CPP_MIN_LOG_LEVEL") < setup.index("import tensorflow")
    for cell in code_cells(nb):
        assert not re.search(r"^\s*from \S+ import \*", cell.source, re.M), "no star imports"
        assert not re.search(r"verbose\s*=\s*(1|True|\"auto\")", cell.source), "use verbose=2"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_exercises_are_in_nbgrader_format(path):
    nb = read(path)
    exercise_cells = [nb.cells[i] for i in section_cells(nb, "Exercises")]
    solutions = [c for c in exercise_cells if is_solution_cell(c)]
    checks = [c for c in exercise_cells if is_check_cell(c)]
    assert len(checks) >= 3, f"{path.name}: needs at least 3 auto-checked exercises"
    assert len(solutions) >= 3
    grade_ids = [c.metadata.nbgrader["grade_id"] for c in solutions + checks]
    assert len(set(grade_ids)) == len(grade_ids), "grade_ids must be unique"
    for cell in solutions:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
    for cell in checks:
        assert cell.metadata.nbgrader.get("points", 0) > 0, "every check carries points"
        assert cell.metadata.nbgrader.get("locked") is True
        shown = [o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                 for o in cell.outputs]  # fmt: skip
        assert sum(text.count(" passed.") for text in shown) == 1, (
            f"{path.name}: a check cell must show its success message exactly once: {shown}"
        )


def test_no_notebook_reads_a_file_another_one_names():
    """Chapters are independent: a file name that appears in two notebooks would let one
    read what another wrote. Data comes from the loaders; scratch files go to a temp dir."""
    owners: dict[str, str] = {}
    for path in NOTEBOOKS:
        source = "\n".join(c.source for c in code_cells(read(path)))
        for name in set(FILE_LITERAL.findall(source)):
            assert owners.setdefault(name, path.name) == path.name, (
                f"{name!r} is used by both {owners[name]} and {path.name}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_prose_numbers_come_from_outputs(path):
    """A decimal in the prose is either shown by the notebook's outputs or code, or quoted
    from a source cited on the same line (``python -m tools.prose_numbers NN`` lists them)."""
    found = orphans(read(path))
    assert not found, f"{path.name}: numbers in the prose that no output shows:\n" + "\n".join(
        map(str, found)
    )
