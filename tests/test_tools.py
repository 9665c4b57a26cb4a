"""The project's tooling: notebook discovery, execution, learner versions, timings, environment."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tools import environment, execute, learner, notebooks, prose_numbers, timings


def tiny_notebook(path, solution=True):
    nb = new_notebook(
        cells=[
            new_markdown_cell("# 99 · Tiny\n\n## Setup"),
            new_code_cell("x = 1 + 1\nprint(x)", metadata={"lines_to_next_cell": 2}),
            new_markdown_cell("## Exercises"),
            new_code_cell(
                "def f():\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION",
                metadata={"nbgrader": {"grade": False, "grade_id": "s", "locked": False,
                                       "schema_version": 3, "solution": solution, "task": False}},
            ),  # fmt: skip
            new_code_cell(
                "assert f() == 2",
                metadata={"nbgrader": {"grade": True, "grade_id": "c", "locked": True,
                                       "points": 1, "schema_version": 3, "solution": False,
                                       "task": False}},
            ),  # fmt: skip
            new_markdown_cell("## Further reading"),
        ],
        metadata={"kernelspec": {"name": "python3", "language": "python",
                                 "display_name": "Python 3"}, "jupytext": {"x": 1},
                  "course": {"budget_seconds": 30}},
    )  # fmt: skip
    nbformat.write(nb, path)
    return path


def test_chapter_paths_are_in_course_order_and_exclude_the_glossary():
    names = [p.name for p in notebooks.chapter_paths()]
    assert names == sorted(names) and "glossary.ipynb" not in names
    assert names[0] == "00_getting_started.ipynb"


def test_resolve_selectors():
    assert notebooks.resolve("00")[0].name == "00_getting_started.ipynb"
    assert notebooks.resolve("glossary")[0].name == "glossary.ipynb"
    assert len(notebooks.resolve("all")) == len(notebooks.all_notebook_paths())
    with pytest.raises(SystemExit, match="no notebook matches"):
        notebooks.resolve("99")


def test_sections_setup_cell_budget_and_nbgrader_cells(tmp_path):
    nb = notebooks.read(tiny_notebook(tmp_path / "t.ipynb"))
    assert notebooks.section_cells(nb, "Exercises") == [2, 3, 4]
    assert notebooks.setup_cell_index(nb) == 1
    assert notebooks.budget_seconds(nb) == 30.0
    del nb.metadata["course"]
    assert notebooks.budget_seconds(nb) == notebooks.DEFAULT_BUDGET_S
    assert notebooks.is_solution_cell(nb.cells[3]) and notebooks.is_check_cell(nb.cells[4])
    assert not notebooks.is_check_cell(nb.cells[3])
    assert notebooks.headings(nb)[:2] == [(1, "99 · Tiny"), (2, "Setup")]
    nb.cells = nb.cells[2:]
    with pytest.raises(ValueError, match="Setup"):
        notebooks.setup_cell_index(nb)


def test_execute_runs_in_a_fresh_kernel_and_records_timing(tmp_path):
    path = tiny_notebook(tmp_path / "t.ipynb")
    seconds = execute.execute(path)
    nb = notebooks.read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3]
    assert code[0].outputs[0].text == "2\n" and seconds > 0
    assert "shell.execute_reply" in code[0].metadata.execution  # nbclient timing metadata
    assert "jupytext" not in nb.metadata and "lines_to_next_cell" not in code[0].metadata
    assert nb.metadata.course.execution.wall_seconds == round(seconds, 1)
    assert "CPU cores" in nb.metadata.course.execution.machine


def test_a_failed_run_leaves_the_notebook_as_it_was(tmp_path, monkeypatch):
    from nbclient.exceptions import CellExecutionError

    path = tiny_notebook(tmp_path / "t.ipynb")
    nb = notebooks.read(path)
    nb.cells[3].source = "def f():\n    raise ValueError('broken on purpose')"
    nbformat.write(nb, path)
    before = path.read_bytes()
    monkeypatch.setattr(execute, "FAILED", tmp_path / "failed")
    with pytest.raises(CellExecutionError):
        execute.execute(path)
    assert path.read_bytes() == before
    assert "broken on purpose" in (tmp_path / "failed" / "t.ipynb").read_text()


def test_learner_version_uses_nbgrader_clear_solutions(tmp_path):
    path = tiny_notebook(tmp_path / "t.ipynb")
    version = learner.learner_version(notebooks.read(path))
    source = version.cells[3].source
    assert "raise NotImplementedError()" in source and "return 2" not in source
    assert "### BEGIN SOLUTION" not in source and version.cells[4].source == "assert f() == 2"


def test_learner_main_check_reports_stale_versions(tmp_path, monkeypatch, capsys):
    path = tiny_notebook(tmp_path / "99_tiny.ipynb")
    monkeypatch.setattr(learner, "LEARNER", tmp_path / "learner")
    assert learner.main(["--check", str(path)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert learner.main([str(path)]) == 0
    assert learner.main(["--check", str(path)]) == 0


def test_clear_solutions_refuses_an_unmarked_solution(tmp_path):
    path = tiny_notebook(tmp_path / "t.ipynb", solution=False)
    with pytest.raises(RuntimeError):
        learner.learner_version(notebooks.read(path))


def test_prepare_notebook_environment_makes_a_writable_cache_copy(tmp_path):
    source = tmp_path / "cache"
    (source / "datasets").mkdir(parents=True)
    (source / "datasets" / "f.txt").write_text("x")
    env = {"COURSE_DATA_CACHE": str(source)}
    changes = environment.prepare_notebook_environment(env)
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "2"
    assert (changes["KERAS_HOME"] != str(source)) and "course-keras-home-" in env["KERAS_HOME"]
    assert (tmp_path / env["KERAS_HOME"] / "datasets" / "f.txt").read_text() == "x"
    kept = {"COURSE_DATA_CACHE": str(source), "KERAS_HOME": "/mine"}
    environment.prepare_notebook_environment(kept)
    assert kept["KERAS_HOME"] == "/mine"  # a user's own KERAS_HOME is respected


def test_offline_cache_source_finds_nothing_when_there_is_none(tmp_path, monkeypatch):
    monkeypatch.setattr(environment, "ROOT", tmp_path / "repo")
    assert environment.offline_cache_source({}) is None


def test_timings_round_trip_and_readme_table(tmp_path):
    store = tmp_path / "t.json"
    timings.save_timings({"00_getting_started.ipynb": 12.34}, store)
    timings.save_timings({"glossary.ipynb": 3.0}, store)
    data = json.loads(store.read_text())
    assert data["notebooks"] == {"00_getting_started.ipynb": 12.3, "glossary.ipynb": 3.0}
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{timings.START}\nSTALE-TABLE\n{timings.END}\nend\n")
    table = timings.update_readme(readme, store)
    text = readme.read_text()
    assert "wall time measured by the test suite" in text and "CPU cores" in text
    assert "STALE-TABLE" not in text and text.startswith("intro") and text.endswith("end\n")
    assert "[00 · Getting started](notebooks/00_getting_started.ipynb)" in table
    assert "| 12 s |" in table and "| 3 s |" in table
    written = {p.name[:2] for p in notebooks.chapter_paths()}
    for number, title, _ in timings.planned_chapters():
        assert f"| {number} | " in table
        if number in written:  # every part of a written chapter is linked, unmeasured here
            assert table.count(f"| {number} | [") == sum(
                p.name.startswith(number) for p in notebooks.chapter_paths()
            )
        else:
            assert f"| {number} | {title} |" in table and "not yet written" in table
    assert "not measured" in table  # chapters without a recorded time say so
    assert len(timings.planned_chapters()) == 13
    syllabus = dict((number, summary) for number, _, summary in timings.planned_chapters())
    for path in notebooks.chapter_paths():  # a part's own summary replaces the chapter's
        own = notebooks.read(path).metadata.get("course", {}).get("summary")
        row = next(line for line in table.splitlines() if f"(notebooks/{path.name})" in line)
        assert f"| {own or syllabus[path.name[:2]]} |" in row
    readme.write_text("no markers")
    with pytest.raises(SystemExit, match="no <!-- chapters:start -->"):
        timings.update_readme(readme, store)


def test_colab_support_is_added_once_and_refreshed(tmp_path, monkeypatch):
    from tools import colab

    path = tmp_path / "07_x.ipynb"
    nb = nbformat.v4.new_notebook(cells=[
        new_markdown_cell("# 07 · X\n\nIntro."),
        new_markdown_cell("## Setup"),
        new_code_cell('import os\n\nos.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")\nimport k'),
    ])  # fmt: skip
    colab.add_colab_support(nb, path)
    colab.add_colab_support(nb, path)
    title, setup = nb.cells[0].source, nb.cells[2].source
    assert title.count("Open in Colab") == 1 and colab.colab_url(path) in title
    assert title.startswith("# 07 · X\n\n[Open in Colab](https://colab.research.google.com/github/")
    assert setup.count("!pip install") == 1 and "import sys" in setup
    order = [setup.index(text) for text in ("!pip install", "TF_CPP_MIN_LOG_LEVEL", "import k")]
    assert order == sorted(order)
    monkeypatch.setattr(colab, "repository_url", lambda: "https://github.com/fork/course")
    colab.add_colab_support(nb, path)
    assert "github/fork/course/blob/main/notebooks/07_x.ipynb" in nb.cells[0].source
    assert nb.cells[2].source.count("!pip install") == 1 and "fork/course" in nb.cells[2].source


def test_colab_support_needs_the_standard_setup_cell(tmp_path):
    from tools import colab

    nb = nbformat.v4.new_notebook(cells=[new_markdown_cell("# 07 · X\n\n## Setup"),
                                         new_code_cell("import keras")])  # fmt: skip
    with pytest.raises(ValueError, match="must start with `import os`"):
        colab.add_colab_support(nb, tmp_path / "07_x.ipynb")


def test_recorded_timings_come_from_the_notebooks_metadata():
    nb = nbformat.v4.new_notebook()
    assert timings.recorded_seconds(nb) is None
    nb.metadata["course"] = {"execution": {"wall_seconds": 41.5, "machine": "x"}}
    assert timings.recorded_seconds(nb) == 41.5
    assert "CPU cores" in timings.machine_description()


def _exercise_notebook():
    """A tiny chapter with two exercises (one with buggy code) in nbgrader format."""
    def grader(grade_id, solution):
        meta = {"grade": not solution, "grade_id": grade_id, "locked": not solution,
                "schema_version": 3, "solution": solution, "task": False}  # fmt: skip
        if not solution:
            meta["points"] = 2
        return {"nbgrader": meta}

    def statement(number, kind):
        return new_markdown_cell(
            f"**Exercise {number} · {kind} · about 5 min: T.**",
            metadata={"course": {"exercise": {"id": number, "kind": kind, "minutes": 5}}},
        )

    return nbformat.v4.new_notebook(cells=[
        new_markdown_cell("## Exercises"),
        statement("4.1", "transfer"),
        new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
                      metadata=grader("ex04-1-solution", True)),
        new_code_cell("check_f(f)", metadata=grader("ex04-1-check", False)),
        statement("4.2", "debug"),
        new_code_cell("def buggy():\n    return 2", metadata={"tags": ["exercise-bug"]}),
        new_code_cell("def g():\n    ### BEGIN SOLUTION\n    return 3\n    ### END SOLUTION",
                      metadata=grader("ex04-2-solution", True)),
        new_code_cell("check_g(g)", metadata=grader("ex04-2-check", False)),
        new_markdown_cell("## Further reading"),
    ])  # fmt: skip


def test_exercises_are_read_with_their_cells_and_a_subset_can_be_handed_out():
    from tools import classroom, exercises

    nb = _exercise_notebook()
    found = exercises.exercises(nb)
    assert [(e.id, e.kind, e.points) for e in found] == [("4.1", "transfer", 2),
                                                         ("4.2", "debug", 2)]
    assert found[1].bug.source.startswith("def buggy") and found[0].bug is None
    subset = classroom.select_exercises(nb, {"4.2"})
    sources = [c.source for c in subset.cells]
    assert "check_g(g)" in sources and "check_f(f)" not in sources
    assert not any("Exercise 4.1" in s for s in sources) and len(subset.cells) == 6
    assert len(nb.cells) == 9  # the chapter itself is unchanged
    with pytest.raises(ValueError, match=r"no exercise \['4.9'\]"):
        classroom.select_exercises(nb, {"4.9"})


def test_seed_check_reruns_a_notebook_with_other_seeds_and_reports_failures(tmp_path):
    """The cheap CI smoke of tools.seed_check: a notebook whose assertion holds for one
    seed and not another is reported as such (the real chapters are checked by hand)."""
    from tools import seed_check

    path = tmp_path / "00_x.ipynb"
    nb = nbformat.v4.new_notebook(cells=[
        new_markdown_cell("## Setup"),
        new_code_cell("import os\n\nSEED = 42\n"),
        new_code_cell("assert SEED % 2 == 0, f'odd seed {SEED}'"),
    ])  # fmt: skip
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    nbformat.write(nb, path)
    assert seed_check.run_with_seed(path, 8).passed
    failed = seed_check.run_with_seed(path, 7)
    assert not failed.passed and "cell 2" in failed.error and "odd seed 7" in failed.error
    assert "SEED = 42" in path.read_text()  # the notebook itself is unchanged
    with pytest.raises(ValueError, match="no line `SEED = <int>`"):
        cells = [new_markdown_cell("## Setup"), new_code_cell("x = 1")]
        seed_check.with_seed(nbformat.v4.new_notebook(cells=cells), 3)


def _prose_notebook(markdown: str, code: str = "", output: str = "") -> nbformat.NotebookNode:
    cell = new_code_cell(code)
    if output:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
    return new_notebook(cells=[new_markdown_cell(markdown), cell])


def test_prose_numbers_flags_a_number_no_output_shows():
    nb = _prose_notebook(
        "The model reaches 97.3 % on the test set.", output="test accuracy 0.9712\n"
    )
    found = prose_numbers.orphans(nb)
    assert [o.number for o in found] == ["97.3"]
    assert "97.3" in str(found[0])


@pytest.mark.parametrize(
    "output",
    ["test accuracy 0.9731\n", "test accuracy 97.31 %\n", "test accuracy 0.973\n",
     "acc = 97.3\n"],
)  # fmt: skip
def test_prose_numbers_accepts_the_printed_value_at_the_prose_precision(output):
    nb = _prose_notebook("The model reaches 97.3 % on the test set.", output=output)
    assert prose_numbers.orphans(nb) == []


def test_prose_numbers_accepts_settings_in_code_and_skips_citations_references_and_math():
    markdown = (
        "We train with a learning rate of 0.05.\n"
        "Kim (2014) reports 81.5 % for CNN-static.\n"
        "## 2.5 A heading\n"
        "See exercise 3.4 and section 6.2; this needs Python 3.11 and TensorFlow 2.21.\n"
        "Math $x = 0.123$ and code `lr=0.777` are not prose.\n"
    )
    nb = _prose_notebook(markdown, code="opt = keras.optimizers.SGD(0.05)")
    assert prose_numbers.orphans(nb) == []
    # the same sentence without the code that sets it is an orphan
    assert [o.number for o in prose_numbers.orphans(_prose_notebook(markdown))] == ["0.05"]


def test_prose_numbers_command_lists_orphans_and_fails(tmp_path, monkeypatch, capsys):
    path = tmp_path / "demo.ipynb"
    nbformat.write(_prose_notebook("It reached 0.42 loss."), path)
    assert prose_numbers.main([str(path)]) == 1
    assert "0.42" in capsys.readouterr().out
    nbformat.write(_prose_notebook("It reached 0.42 loss.", output="loss 0.4213"), path)
    assert prose_numbers.main([str(path)]) == 0
