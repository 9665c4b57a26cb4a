"""The exercises of a chapter, read from its notebook: id, kind, minutes, points, cells.

An exercise is a Markdown statement cell whose metadata holds
``{"course": {"exercise": {"id": "4.5", "kind": "predict", "minutes": 5}}}``, followed by
an optional cell of buggy code (tagged ``exercise-bug``), an nbgrader solution cell and
an nbgrader check cell. ``python -m tools.exercises`` prints the teachers' table of every
chapter's exercises (the README's "For teachers" section is made from it).
"""

from __future__ import annotations

import argparse
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tools.notebooks import ROOT, chapter_paths, is_check_cell, is_solution_cell, read

KINDS = {
    "transfer": "apply the chapter's idea to something it did not show",
    "predict": "commit to a prediction, then run the experiment that settles it",
    "debug": "find and fix a realistic bug",
    "practice": "practise a step of the chapter",
}
SKIPPED_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER,
                  tokenize.INDENT, tokenize.DEDENT}  # fmt: skip
README = ROOT / "README.md"
START, END = "<!-- exercises:start -->", "<!-- exercises:end -->"


@dataclass
class Exercise:
    id: str
    kind: str
    minutes: int
    statement: str
    title: str
    bug: nbformat.NotebookNode | None
    solution: nbformat.NotebookNode | None
    check: nbformat.NotebookNode | None

    @property
    def points(self) -> float:
        return float(self.check.metadata["nbgrader"].get("points", 0)) if self.check else 0.0

    @property
    def grade_id(self) -> str:
        return self.check.metadata["nbgrader"]["grade_id"] if self.check else ""


def exercises(nb: nbformat.NotebookNode) -> list[Exercise]:
    """Every exercise of the notebook, in order."""
    found: list[Exercise] = []
    for cell in nb.cells:
        meta = cell.metadata.get("course", {}).get("exercise")
        if cell.cell_type == "markdown" and meta:
            title = re.match(r"\*\*Exercise [^:]*:\s*(.*?)\.?\*\*", cell.source)
            found.append(Exercise(str(meta["id"]), meta["kind"], int(meta["minutes"]),
                                  cell.source, title.group(1) if title else "",
                                  None, None, None))  # fmt: skip
        elif found and cell.cell_type == "markdown" and cell.source.startswith("## "):
            break
        elif found:
            current = found[-1]
            if is_solution_cell(cell) and current.solution is None:
                current.solution = cell
            elif is_check_cell(cell) and current.check is None:
                current.check = cell
            elif "exercise-bug" in cell.metadata.get("tags", []) and current.bug is None:
                current.bug = cell
    return found


def normalise_code_line(line: str) -> str:
    """A code line as space-separated tokens, without comments or spacing, for comparison
    (``x = f(a)  # note`` -> ``x = f ( a )``); ``""`` for string-only lines (docstrings),
    the solution markers, and lines too short to say anything (``return x``, ``else:``)."""
    try:
        stream = tokenize.generate_tokens(io.StringIO(line.strip()).readline)
        tokens = [t for t in stream if t.type not in SKIPPED_TOKENS]
        if tokens and all(t.type == tokenize.STRING for t in tokens):
            return ""  # a docstring line
        text = " ".join(t.string for t in tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):  # e.g. an unclosed bracket
        text = re.sub(r"\s+#.*$|^\s*#.*$", "", line)
    words = re.findall(r"\w+|[^\w\s]", text)
    joined = "".join(words)
    if joined.startswith(('"""', "'''")) or "BEGINSOLUTION" in joined or "ENDSOLUTION" in joined:
        return ""
    return " ".join(words) if len(joined) >= 12 else ""


def solution_lines(source: str) -> list[str]:
    """The normalised, non-trivial lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION``."""
    lines, inside = [], False
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif inside and (normal := normalise_code_line(line)):
            lines.append(normal)
    return lines


def teacher_table(paths: list[Path] | None = None) -> str:
    """A Markdown table: per chapter, each exercise with its kind, points and minutes."""
    rows = ["| chapter | exercise | kind | points | minutes | grade id |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for path in paths or chapter_paths():
        for ex in exercises(read(path)):
            title = ex.title[:1].upper() + ex.title[1:]
            rows.append(f"| {path.stem[:3].rstrip('_')} | {ex.id} {title} | {ex.kind} | "
                        f"{ex.points:g} | {ex.minutes} | `{ex.grade_id}` |")  # fmt: skip
    return "\n".join(rows)


def update_readme(text: str, table: str) -> str:
    start, end = text.index(START) + len(START), text.index(END)
    return text[:start] + "\n" + table + "\n" + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update the README's table")
    args = parser.parse_args(argv)
    table = teacher_table()
    if args.write:
        README.write_text(update_readme(README.read_text(encoding="utf-8"), table),
                          encoding="utf-8")  # fmt: skip
    else:
        print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
