"""The package as a whole: importing any module has no side effects."""

import pkgutil
import subprocess
import sys

import course_utils
import course_utils.exercises

MODULES = sorted(
    f"{package.__name__}.{m.name}"
    for package in (course_utils, course_utils.exercises)
    for m in pkgutil.iter_modules(package.__path__)
)


def test_every_module_is_listed_in_the_package_docstring():
    for module in pkgutil.iter_modules(course_utils.__path__):
        assert f"\n{module.name} " in course_utils.__doc__, f"{module.name} is not described"


def test_importing_a_module_loads_no_framework_and_changes_nothing(tmp_path):
    """Imports stay fast and harmless: TensorFlow, Keras and pyplot load only when a
    function needs them, and nothing is printed, written or configured on import."""
    code = (
        "import os, sys, importlib, matplotlib\n"
        # dict.items: reading rcParams["backend"] the normal way would import pyplot itself
        "params = lambda: dict(dict.items(matplotlib.rcParams))\n"
        "before = params(), dict(os.environ)\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "    assert 'matplotlib.pyplot' not in sys.modules, name\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib.pyplot') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert params() == before[0], 'rcParams changed'\n"
        "assert dict(os.environ) == before[1], 'environment changed'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and list(tmp_path.iterdir()) == []
