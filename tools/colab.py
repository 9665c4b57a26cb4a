""""Open in Colab" support for the chapters, applied by ``tools.execute``.

Each chapter gets:

* a link under its title that opens the notebook from GitHub in Google Colab;
* at the top of its Setup cell, a line that installs the course's helper package
  ``course_utils`` from the repository, run only on Colab (elsewhere ``setup.sh``
  has installed it).

Both are made from the repository address in ``pyproject.toml``
(``[project.urls] Repository``), so a fork changes one line and re-executes.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import nbformat

from tools.notebooks import ROOT, setup_cell_index

LINK_TEXT = "Open in Colab"
COLAB_GUARD = 'if "google.colab" in sys.modules:  # on Google Colab: install the course helpers'


def repository_url() -> str:
    """The repository's address from ``pyproject.toml``."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["project"]["urls"]["Repository"].rstrip("/")


def colab_url(path: Path) -> str:
    """Colab's address for the committed notebook ``notebooks/<name>``."""
    github = repository_url().removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{github}/blob/main/notebooks/{path.name}"


def colab_link(path: Path) -> str:
    return f"[{LINK_TEXT}]({colab_url(path)})"


def install_snippet() -> str:
    return f'{COLAB_GUARD}\n    !pip install -q "git+{repository_url()}"\n'


def add_colab_support(nb: nbformat.NotebookNode, path: Path) -> None:
    """Put (or refresh) the Colab link under the title and the Colab install in Setup."""
    title = nb.cells[0]
    lines = [line for line in title.source.splitlines() if not line.startswith(f"[{LINK_TEXT}]")]
    heading = next(i for i, line in enumerate(lines) if line.startswith("# "))
    lines[heading + 1 : heading + 1] = ["", colab_link(path)]
    title.source = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

    setup = nb.cells[setup_cell_index(nb)]
    source = re.sub(
        rf"{re.escape(COLAB_GUARD)}\n    !pip install[^\n]*\n\n?", "", setup.source
    )  # an older address is replaced
    if not re.search(r"^import sys$", source, re.M):
        source = re.sub(r"^import os$", "import os\nimport sys", source, count=1, flags=re.M)
    marker = re.search(r"^os\.environ\.setdefault\(\"TF_CPP_MIN_LOG_LEVEL\"", source, re.M)
    if marker is None or "import sys" not in source:
        raise ValueError(
            f"{path.name}: the Setup cell must start with `import os` and set "
            "TF_CPP_MIN_LOG_LEVEL with os.environ.setdefault (see CONTRIBUTING.md)"
        )
    setup.source = source[: marker.start()] + install_snippet() + "\n" + source[marker.start() :]
