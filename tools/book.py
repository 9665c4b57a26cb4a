"""Build the course as a static HTML book (Jupyter Book 1.x), offline.

    python -m tools.book                  # build/book/html/index.html
    python -m tools.book --output DIR     # DIR/index.html

The book is the executed chapters as committed (nothing is run), the glossary,
``book/intro.md`` as its first page, a sidebar table of contents, full-text search
and math rendered by a copy of MathJax served with the book, so it reads in a
browser with no network. Chapters are found by the glob in ``book/_toc.yml``:
a new ``notebooks/NN_name.ipynb`` appears without editing anything.

How: ``book/`` and ``notebooks/*.ipynb`` are gathered in a staging folder next to
the output (``<output>-src``) with MathJax from the ``jupyter-server-mathjax``
package, and ``jupyter-book build`` turns that into HTML.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jupyter_server_mathjax

from tools.notebooks import ROOT, all_notebook_paths

BOOK = ROOT / "book"
DEFAULT_OUTPUT = ROOT / "build" / "book" / "html"


def mathjax_dir() -> Path:
    """The MathJax 2 distribution shipped by ``jupyter-server-mathjax`` (``MathJax.js``)."""
    folder = Path(jupyter_server_mathjax.__file__).resolve().parent / "static"
    if not (folder / "MathJax.js").is_file():
        raise FileNotFoundError(f"no MathJax.js in {folder}: reinstall jupyter-server-mathjax")
    return folder


def stage(source: Path) -> Path:
    """Gather the book's sources in ``source`` (emptied first) and return it."""
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(BOOK, source, ignore=shutil.ignore_patterns("_build", ".*"))
    (source / "notebooks").mkdir()
    for path in all_notebook_paths():
        shutil.copy2(path, source / "notebooks" / path.name)
    # Not under `_static`: Jupyter Book would add every .js file found there to each page.
    shutil.copytree(mathjax_dir(), source / "_mathjax" / "mathjax")
    return source


def build(output: Path = DEFAULT_OUTPUT, quiet: bool = True) -> Path:
    """Build the book into ``output`` (replaced); return the path of its ``index.html``."""
    output = output.resolve()
    source = stage(output.parent / f"{output.name}-src")
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(source),
               "--path-output", str(source), "--builder", "html", "--all"]  # fmt: skip
    if quiet:
        command.append("-q")
    result = subprocess.run(command, capture_output=quiet, text=True)
    if result.returncode != 0:
        log = (result.stdout or "") + (result.stderr or "") if quiet else ""
        raise RuntimeError(f"jupyter-book build failed (exit {result.returncode})\n{log}")
    if output.exists():
        shutil.rmtree(output)
    shutil.move(source / "_build" / "html", output)
    shutil.rmtree(source)
    return output / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="HTML folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Sphinx's log")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    index = build(args.output, quiet=not args.verbose)
    print(f"book built in {time.perf_counter() - start:.0f} s: {index}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
