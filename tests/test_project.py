"""Project files agree with each other: pins, conda environment, README, CI."""

from __future__ import annotations

import importlib.metadata
import re

import yaml

from tools.notebooks import ROOT, all_notebook_paths

REQUIREMENTS = ROOT / "requirements.txt"


def pins() -> dict[str, str]:
    found = {}
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.]*)", line)
            assert match, f"requirements.txt: {line!r} is not pinned with =="
            found[match.group(1).lower()] = match.group(2)
    return found


def test_requirements_pin_tensorflow_2_21_and_keras_3():
    # that every import is pinned is tests/test_lock.py's job (it scans the imports)
    assert pins()["tensorflow"] == "2.21.0" and pins()["keras"].startswith("3.")


def test_installed_versions_match_the_pins():
    wrong = {
        name: (version, importlib.metadata.version(name))
        for name, version in pins().items()
        if importlib.metadata.version(name) != version
    }
    assert not wrong, f"installed versions differ from requirements.txt: {wrong}"


def test_environment_yml_installs_exactly_requirements_txt():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python>=3.11,<3.14" in deps  # the versions setup.sh accepts
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-r requirements.txt" in pip and "-c requirements.lock" in pip
    # no second list of versions that could drift from requirements.txt
    conda_names = {re.split(r"[=<>]", d)[0] for d in deps if isinstance(d, str)}
    assert conda_names == {"python", "pip"}
    assert all(not re.search(r"[=<>]", p) for p in pip if not p.startswith("-"))


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "bash scripts/setup.sh" in readme and "bash scripts/test.sh" in readme
    assert "exec bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_readme_lists_every_notebook_with_a_run_time():
    readme = (ROOT / "README.md").read_text()
    for path in all_notebook_paths():
        rows = [line for line in readme.splitlines() if line.startswith("|")]
        row = next((line for line in rows if f"(notebooks/{path.name})" in line), "")
        assert row, f"README's chapter table lacks {path.name}: run python -m tools.timings"
        assert re.search(r"\| \d+ s \|$", row), f"no measured time for {path.name}: {row}"


def test_the_suite_never_touches_the_users_home():
    """conftest.py points HOME and KERAS_HOME at temporary folders before anything runs."""
    import os
    import tempfile
    from pathlib import Path

    temp = Path(tempfile.gettempdir()).resolve()
    real_home = Path(os.environ["COURSE_REAL_HOME"]).resolve()
    for var in ("HOME", "KERAS_HOME", "XDG_CACHE_HOME", "MPLCONFIGDIR"):
        path = Path(os.environ[var]).resolve()
        assert temp in path.parents, f"{var}={path} is not a temporary folder"
        assert real_home not in (path, *path.parents) or real_home == temp
    assert Path.home().resolve() != real_home


def test_setup_sh_python_versions_agree_with_pyproject_and_environment_yml():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert 'SUPPORTED="3.11 3.12 3.13"' in setup
    assert "python3.13 python3.12 python3.11" in setup  # the newest first
    assert "-c requirements.lock" in setup
    from tools.lock import PYTHONS

    assert PYTHONS == ("3.11", "3.12", "3.13")


def test_the_test_command_installs_no_system_packages():
    lines = (ROOT / "scripts" / "test.sh").read_text().splitlines()
    commands = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    assert "apt-get" not in commands and "install_browser" not in commands


def test_readme_lists_every_exercise_for_teachers():
    from tools.exercises import END, START, teacher_table

    readme = (ROOT / "README.md").read_text()
    block = readme.split(START, 1)[1].split(END, 1)[0].strip()
    stale = "README's exercise table is stale: python -m tools.exercises --write"
    assert block == teacher_table(), stale
