"""Notebook run times: saved by the test run, shown in the README's chapter table.

    python -m tools.timings    # rewrite the README table from build/notebook_timings.json

The table sits between ``<!-- chapters:start -->`` and ``<!-- chapters:end -->``.
Times are the wall times measured by the test suite (conftest.py) on the machine
that ran it.
"""

from __future__ import annotations

import csv
import json
import platform
from pathlib import Path

from tools.notebooks import ROOT, all_notebook_paths, headings, read

TIMINGS = ROOT / "build" / "notebook_timings.json"
README = ROOT / "README.md"
START, END = "<!-- chapters:start -->", "<!-- chapters:end -->"

def planned_chapters() -> list[tuple[str, str, str]]:
    """The syllabus, from data/chapters.csv: (number, title, one-line summary) per chapter."""
    with (ROOT / "data" / "chapters.csv").open(encoding="utf-8") as handle:
        return [(row["chapter"], row["title"], row["summary"]) for row in csv.DictReader(handle)]


def save_timings(seconds: dict[str, float], path: Path = TIMINGS) -> None:
    """Merge ``{notebook file name: seconds}`` into the timings file."""
    data = json.loads(path.read_text()) if path.exists() else {}
    data.setdefault("notebooks", {}).update({k: round(v, 1) for k, v in seconds.items()})
    data["machine"] = f"{platform.machine()}, {_cpu_count()} CPU cores"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def chapter_table(timings: dict[str, float]) -> str:
    """The README's Markdown table of chapters with their measured CPU times.

    A chapter split into parts (06a, 06b, ...) shows each part's own summary when its
    notebook has one in ``metadata.course.summary``, and the syllabus summary otherwise.
    """
    files = {p.name[:2] if p.name[2] == "_" else p.name[:3]: p for p in all_notebook_paths()}
    rows = ["| # | Chapter | What you learn | CPU time |", "|---|---|---|---|"]
    for number, title, summary in planned_chapters():
        parts = sorted(p for key, p in files.items() if key.startswith(number))
        if not parts:
            rows.append(f"| {number} | {title} | {summary} | not yet written |")
            continue
        for path in parts:
            nb = read(path)
            heading = next((t for level, t in headings(nb) if level == 1), title)
            link = f"[{heading}](notebooks/{path.name})"
            part_summary = nb.metadata.get("course", {}).get("summary", summary)
            seconds = timings.get(path.name)
            time_text = f"{seconds:.0f} s" if seconds is not None else "not measured"
            rows.append(f"| {number} | {link} | {part_summary} | {time_text} |")
    glossary = ROOT / "notebooks" / "glossary.ipynb"
    if glossary.exists():
        seconds = timings.get(glossary.name)
        time_text = f"{seconds:.0f} s" if seconds is not None else "not measured"
        link = "[Glossary](notebooks/glossary.ipynb)"
        rows.append(f"| — | {link} | every key term in English and Chinese | {time_text} |")
    return "\n".join(rows)


def update_readme(readme: Path = README, timings_path: Path = TIMINGS) -> str:
    """Rewrite the chapter table in ``readme``; return the new table."""
    data = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    table = chapter_table(data.get("notebooks", {}))
    machine = data.get("machine", "unknown machine")
    block = f"{START}\n{table}\n\nTimes measured by the test suite on {machine}, no GPU.\n{END}"
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{readme} has no {START} ... {END} block")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + block + tail, encoding="utf-8")
    return table


if __name__ == "__main__":
    print(update_readme())
