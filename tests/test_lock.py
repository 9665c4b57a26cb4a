"""The environment is pinned completely and installs on every supported Python.

* Every third-party module imported by the notebooks, ``course_utils``, ``tools`` and the
  tests (found by parsing them) comes from a distribution pinned in requirements.txt.
* requirements.lock pins the whole transitive set and agrees with requirements.txt;
  this environment matches it.
* Every pin resolves to binary wheels for Python 3.11, 3.12 and 3.13 on Linux x86_64
  and macOS arm64 (needs a package index: skipped, saying so, when none is reachable).
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import urllib.request

import pytest
from packaging.markers import Marker

from tools.lock import (
    LOCK,
    PLATFORMS,
    PYTHONS,
    REQUIREMENTS,
    check_all_wheels,
    lock_pins,
    normalise,
)
from tools.notebooks import ROOT, all_notebook_paths, read

FIRST_PARTY = {"course_utils", "tools", "conftest"}


def direct_pins() -> dict[str, str]:
    found = {}
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            found[normalise(name)] = version
    return found


def imported_modules(source: str) -> set[str]:
    """Top-level names of every module that ``source`` imports (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def notebook_python(path) -> str:
    """A notebook's code cells as Python (shell ``!`` and magic ``%`` lines dropped)."""
    cells = [c.source for c in read(path).cells if c.cell_type == "code"]
    return "\n".join(re.sub(r"^(\s*)[!%].*$", r"\1pass", s, flags=re.M) for s in cells)


def third_party_imports() -> dict[str, set[str]]:
    """module -> the files that import it, for every module not in the standard library."""
    folders = [ROOT / "course_utils", ROOT / "tools", ROOT / "tests"]
    files = [p for folder in folders for p in folder.rglob("*.py")]
    sources = {p: p.read_text(encoding="utf-8") for p in files}
    sources[ROOT / "conftest.py"] = (ROOT / "conftest.py").read_text(encoding="utf-8")
    for path in all_notebook_paths():
        sources[path] = notebook_python(path)
    found: dict[str, set[str]] = {}
    for path, source in sources.items():
        for module in imported_modules(source):
            if module not in sys.stdlib_module_names and module not in FIRST_PARTY:
                found.setdefault(module, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_import_scan_finds_imports_in_all_their_forms():
    source = "import numpy as np\nfrom scipy import stats\nimport os, yaml.nodes\nfrom . import x"
    assert imported_modules(source) == {"numpy", "scipy", "os", "yaml"}


def test_every_third_party_import_is_pinned_in_requirements():
    distributions = importlib.metadata.packages_distributions()
    pinned = set(direct_pins())
    missing = {}
    for module, files in sorted(third_party_imports().items()):
        names = {normalise(d) for d in distributions.get(module, [])}
        if not names & pinned:
            missing[module] = (sorted(names) or ["not installed"], sorted(files)[:3])
    assert not missing, f"imported but not pinned in requirements.txt: {missing}"


def test_the_lock_pins_every_direct_requirement_at_the_same_version():
    locked = {}
    for name, version, _marker in lock_pins():
        locked.setdefault(name, set()).add(version)
    for name, version in direct_pins().items():
        assert locked.get(name) == {version}, f"{name}: {version} here, {locked.get(name)} locked"
    assert len(locked) > 3 * len(direct_pins()), "the lock should hold the transitive set"


def test_this_environment_matches_the_lock():
    wrong = {}
    for name, version, marker in lock_pins():
        if marker and not Marker(marker).evaluate():
            continue
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            wrong[name] = (version, "not installed")
            continue
        if installed != version:
            wrong[name] = (version, installed)
    assert not wrong, f"installed versions differ from {LOCK.name} (run setup.sh): {wrong}"


def _index_reachable() -> bool:
    try:
        with urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def package_index():
    if not _index_reachable():
        pytest.skip("no package index reachable (https://pypi.org): the wheel check needs one")


def test_every_pin_has_a_binary_wheel_on_every_supported_python(package_index):
    results = check_all_wheels()  # the six resolutions run side by side
    assert set(results) == {(p, s) for p in PYTHONS for s in PLATFORMS}
    failed = {target: said for target, (ok, said) in results.items() if not ok}
    assert not failed, f"pip could not resolve binary wheels only for: {failed}"
