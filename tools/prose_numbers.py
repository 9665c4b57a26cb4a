"""Find numbers in a chapter's prose that none of its outputs or code shows.

    python -m tools.prose_numbers 05        # list the orphans of chapter 05
    python -m tools.prose_numbers all       # every notebook

A measured number in the prose must come from running the notebook: it appears in
that notebook's outputs (or in its code, where it is a setting such as a learning
rate). A number quoted from a paper cites its source on the same line (a year such as
"2014", or a link). ``tests/test_notebook_hygiene.py`` fails a notebook with an orphan.

What counts as a prose number: a decimal such as ``0.973``, ``3.5`` or ``63.2`` in a
Markdown cell. Skipped: headings, inline code, LaTeX math, links' targets, version
numbers ("Python 3.11", "TensorFlow 2.21"), section and exercise references
("Exercise 2.3", "section 4.1", "chapter 06b") and dotted versions like ``1.2.3``.

A prose number matches an output or code number when they agree at the prose's
precision: "97.3 %" matches ``0.9731`` (as a percentage) and ``97.31``; "0.97" matches
``0.9713``. Rounding up to the prose's precision is not guessed beyond that.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

import nbformat

from tools.notebooks import read, resolve

NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:,\d{3})*\.\d+(?![\w.]*\d)")
ANY_NUMBER = re.compile(r"[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?")
FENCED = re.compile(r"```.*?```", re.S)
INLINE_CODE = re.compile(r"`[^`]*`")
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
INLINE_MATH = re.compile(r"\$[^$]*\$")
LINK_TARGET = re.compile(r"\]\([^)]*\)|https?://\S+")
HTML_TAG = re.compile(r"<[^>]+>")
# words after which a decimal is a version or a reference, not a measurement
REFERENCE_WORDS = re.compile(
    r"(?:python|tensorflow|tf|keras|numpy|version|v|exercise|exercises|section|sections|"
    r"chapter|chapters|§|figure|fig\.|table|eq\.|equation|step|cell|ch\.|cuda|jupyter\s*book|"
    r"nbgrader|pandas|matplotlib|scikit-learn|ubuntu|macos)\s*$",
    re.I,
)
CITATION = re.compile(r"\b(?:1[89]|20)\d\d[a-z]?\b|https?://|et al\.|arXiv", re.I)


@dataclass(frozen=True)
class Orphan:
    cell: int
    number: str
    line: str

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.number!r} in: {self.line.strip()[:160]}"


def _clean(markdown: str) -> str:
    text = FENCED.sub(" ", markdown)
    text = DISPLAY_MATH.sub(" ", text)
    text = INLINE_CODE.sub(" ", text)
    text = INLINE_MATH.sub(" ", text)
    text = LINK_TARGET.sub("]", text)
    return HTML_TAG.sub(" ", text)


def _value(token: str) -> Decimal | None:
    try:
        return Decimal(token.replace(",", "").replace("−", "-"))
    except InvalidOperation:
        return None


def prose_numbers(markdown: str) -> list[tuple[str, str]]:
    """``(number, line)`` for every decimal in ``markdown`` that the rules count."""
    found = []
    for line in _clean(markdown).splitlines():
        if line.lstrip().startswith("#"):
            continue
        if CITATION.search(line):
            continue
        for match in NUMBER.finditer(line):
            if REFERENCE_WORDS.search(line[: match.start()]):
                continue
            found.append((match.group(0), line))
    return found


def shown_numbers(nb: nbformat.NotebookNode) -> set[Decimal]:
    """Every number (below 10^12) in the notebook's code and outputs."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts.append(cell.source)
        for output in cell.get("outputs", []):
            if "text" in output:
                texts.append(output["text"])
            for kind in ("text/plain", "text/html", "text/markdown", "text/latex"):
                data = output.get("data", {}).get(kind)
                if data:
                    texts.append(data if isinstance(data, str) else "".join(data))
    values = set()
    for text in texts:
        for token in ANY_NUMBER.findall(text):
            value = _value(token)
            if value is not None and value.is_finite() and abs(value) < Decimal("1e12"):
                values.add(value)  # larger ones cannot be rounded to a prose precision
    return values


def _agrees(prose: Decimal, places: int, shown: Decimal) -> bool:
    quantum = Decimal(1).scaleb(-places)
    for candidate in (shown, shown * 100, shown / 100):
        for rounding in (ROUND_HALF_EVEN, ROUND_HALF_UP):
            if abs(candidate).quantize(quantum, rounding=rounding) == abs(prose):
                return True
    return False


def orphans(nb: nbformat.NotebookNode) -> list[Orphan]:
    """The prose numbers of ``nb`` that no output or code of ``nb`` shows."""
    shown = shown_numbers(nb)
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for token, line in prose_numbers(cell.source):
            value = _value(token)
            if value is None:
                continue
            places = -value.as_tuple().exponent
            if not any(_agrees(value, places, s) for s in shown):
                found.append(Orphan(index, token, line))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", help="chapter numbers (00, 06a), names or 'all'")
    args = parser.parse_args(argv)
    total = 0
    for selector in args.notebooks:
        for path in resolve(selector):
            found = orphans(read(path))
            total += len(found)
            for orphan in found:
                print(f"{path.name}: {orphan}")
    print(f"{total} orphan prose number(s)")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
