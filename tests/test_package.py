"""The package as a whole: importing any module has no side effects."""

import pkgutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

import course_utils
import course_utils.exercises
import course_utils.explorers
from tools.notebooks import ROOT

MODULES = sorted(
    f"{package.__name__}.{m.name}"
    for package in (course_utils, course_utils.exercises, course_utils.explorers)
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


def test_pyproject_lets_colab_install_the_helpers():
    """No upper bound on Python and only loose lower bounds on the runtime dependencies,
    so `pip install git+<repository>` leaves a newer Colab environment alone."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    for requirement in project["dependencies"]:
        assert ">=" in requirement and "==" not in requirement and "<" not in requirement
    names = {r.split(">=")[0] for r in project["dependencies"]}
    assert {"tensorflow", "keras", "numpy", "matplotlib", "ipywidgets"} <= names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index",
                           "--no-build-isolation", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (found,) = out.glob("course_utils-*.whl")
    return found


def test_the_wheel_installs_alone_into_a_fresh_environment_and_every_module_imports(
    wheel, tmp_path
):
    """A fresh virtual environment sees this environment's packages (as Colab's would be
    there) and installs the wheel with nothing pinned: its loose dependencies must accept
    what is installed, so pip downloads nothing (--no-index). Then every module imports
    from the installed wheel, not from this checkout."""
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([str(python), "-c", purelib], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    ours = [p for p in sys.path if p.endswith("site-packages")]
    (Path(site) / "preinstalled.pth").write_text("\n".join(ours) + "\n")
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--quiet",
                           str(wheel)], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    code = ("import importlib, course_utils\n"
            "assert 'site-packages' in course_utils.__file__, course_utils.__file__\n"
            f"for name in {MODULES!r}:\n    importlib.import_module(name)\n"
            "print('ok')")  # fmt: skip
    done = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("ok"), done.stderr[-3000:]
