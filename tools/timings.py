"""Notebook run times: recorded when a notebook is executed, shown in the README's table.

    python -m tools.timings    # rewrite the README table from the committed notebooks

``tools.execute`` records each notebook's wall time (kernel start to last cell) and the
machine in ``metadata.course.execution``; committed notebooks are executed one at a
time on a quiet machine, so these are honest wall times, and the hygiene test fails
when one exceeds its budget. The test suite also writes the wall times it measures to
``build/notebook_timings.json``. The table sits between ``<!-- chapters:start -->`` and
``<!-- chapters:end -->``.
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
    data["machine"] = machine_description()
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_description() -> str:
    """This machine in words, e.g. ``x86_64, 2 CPU cores (Intel Xeon ...), no GPU``."""
    import shutil

    gpu = "an NVIDIA GPU" if shutil.which("nvidia-smi") else "no GPU"
    return f"{platform.machine()}, {_cpu_count()} CPU cores ({_cpu_model()}), {gpu}"


def recorded_seconds(nb) -> float | None:
    """The wall time ``tools.execute`` recorded for a notebook, or ``None``."""
    seconds = nb.metadata.get("course", {}).get("execution", {}).get("wall_seconds")
    return float(seconds) if seconds is not None else None


def recorded_timings() -> tuple[dict[str, float], str]:
    """``({notebook file name: recorded seconds}, machine)`` of the committed notebooks."""
    found, machines = {}, []
    for path in all_notebook_paths():
        nb = read(path)
        seconds = recorded_seconds(nb)
        if seconds is not None:
            found[path.name] = seconds
            machines.append(nb.metadata["course"]["execution"].get("machine", ""))
    machine = max(set(machines), key=machines.count) if machines else "unknown machine"
    return found, machine


def chapter_table(timings: dict[str, float]) -> str:
    """The README's Markdown table of chapters with their measured wall times.

    A chapter split into parts (06a, 06b, ...) shows each part's own summary when its
    notebook has one in ``metadata.course.summary``, and the syllabus summary otherwise.
    """
    files = {p.name[:2] if p.name[2] == "_" else p.name[:3]: p for p in all_notebook_paths()}
    rows = ["| # | Chapter | What you learn | Wall time |", "|---|---|---|---|"]
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


def update_readme(readme: Path = README, timings_path: Path | None = None) -> str:
    """Rewrite the chapter table in ``readme`` from the committed notebooks' recorded
    times (or from a test run's ``timings_path``); return the new table."""
    if timings_path is None:
        timings, machine = recorded_timings()
        how = "wall time of the committed run (`tools.execute`, one notebook at a time on a "
        how += "quiet machine, kernel start included)"
    else:
        data = json.loads(timings_path.read_text()) if timings_path.exists() else {}
        timings, machine = data.get("notebooks", {}), data.get("machine", "unknown machine")
        how = "wall time measured by the test suite"
    table = chapter_table(timings)
    block = f"{START}\n{table}\n\nTimes: {how}, on {machine}.\n{END}"
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{readme} has no {START} ... {END} block")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + block + tail, encoding="utf-8")
    return table


if __name__ == "__main__":
    print(update_readme())
