"""Make the learner version of each chapter: solutions removed, outputs cleared.

Uses nbgrader's own ``ClearSolutions`` preprocessor, which replaces the code
between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` with
``raise NotImplementedError()``, and ``ClearOutput``.

    python -m tools.learner          # all chapters
    python -m tools.learner 00 03    # some chapters
    python -m tools.learner --check  # fail if learner/ is out of date
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearOutput, ClearSolutions

from tools.notebooks import LEARNER, chapter_paths, read, resolve


def learner_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` with solutions replaced by stubs and outputs cleared."""
    nb = copy.deepcopy(nb)
    nb, resources = ClearSolutions(enforce_metadata=True).preprocess(nb, {})
    nb, _ = ClearOutput().preprocess(nb, resources)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


def learner_text(path: Path) -> str:
    """The exact text of the learner version of the chapter at ``path``."""
    return nbformat.writes(learner_version(read(path))) + "\n"


def learner_path(path: Path) -> Path:
    return LEARNER / path.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter numbers or paths (default: all)")
    parser.add_argument("--check", action="store_true", help="only check that learner/ is in sync")
    args = parser.parse_args(argv)
    paths = [p for s in args.chapters for p in resolve(s)] if args.chapters else chapter_paths()
    stale = []
    for path in paths:
        target = learner_path(path)
        text = learner_text(path)
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
        else:
            LEARNER.mkdir(exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(LEARNER.parent)}")
    if stale:
        print("out of date (run python -m tools.learner):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
