"""Re-execute chapters with other seeds: every assertion must hold for any seed.

    python -m tools.seed_check 02 05 --seeds 3          # three random seeds per chapter
    python -m tools.seed_check 07 --seed-values 1 2 3   # these seeds

Each chapter is run top to bottom in a fresh kernel, with its Setup cell's
``SEED = ...`` line replaced, on a temporary copy (the committed notebook is not
touched). The report says, per chapter and seed, whether it passed and, if not, which
cell failed with which error. Exit status 1 when any run failed.

Run it before committing a chapter whose experiments or assertions changed; it is too
slow for every CI run (the test suite runs it on a tiny notebook only).
"""

from __future__ import annotations

import argparse
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tools.environment import prepare_notebook_environment
from tools.notebooks import read, resolve, setup_cell_index

SEED_LINE = re.compile(r"^SEED\s*=\s*\d+\s*$", re.M)


@dataclass
class SeedRun:
    notebook: str
    seed: int
    passed: bool
    seconds: float
    error: str = ""


def with_seed(nb: nbformat.NotebookNode, seed: int) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose Setup cell sets ``SEED = seed``.

    Raises:
        ValueError: when the Setup cell has no ``SEED = <int>`` line.
    """
    copy = nbformat.from_dict(nb)
    cell = copy.cells[setup_cell_index(copy)]
    if not SEED_LINE.search(cell.source):
        raise ValueError("the Setup cell has no line `SEED = <int>` to replace")
    cell.source = SEED_LINE.sub(f"SEED = {int(seed)}", cell.source, count=1)
    return copy


def run_with_seed(path: Path, seed: int, timeout: int = 900) -> SeedRun:
    """Execute the notebook at ``path`` with ``seed``; report whether every cell ran."""
    nb = with_seed(read(path), seed)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})  # fmt: skip
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        lines = str(error).strip().splitlines()
        summary = next((line for line in reversed(lines) if line.strip()), "")
        errors = [i for i, c in enumerate(nb.cells)
                  if any(o.output_type == "error" for o in c.get("outputs", []))]  # fmt: skip
        failing = errors[0] if errors else -1
        return SeedRun(path.name, seed, False, time.perf_counter() - start,
                       f"cell {failing}: {summary}")  # fmt: skip
    return SeedRun(path.name, seed, True, time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", help="chapter numbers, names or paths")
    parser.add_argument("--seeds", type=int, default=3, help="how many random seeds")
    parser.add_argument("--seed-values", type=int, nargs="+", help="these seeds instead")
    args = parser.parse_args(argv)
    prepare_notebook_environment()
    seeds = args.seed_values or random.SystemRandom().sample(range(1, 10_000), args.seeds)
    runs = []
    for path in [p for s in args.notebooks for p in resolve(s)]:
        for seed in seeds:
            run = run_with_seed(path, seed)
            runs.append(run)
            verdict = "pass" if run.passed else f"FAIL  {run.error}"
            print(f"{run.notebook:45s} seed {seed:5d}  {run.seconds:6.1f} s  {verdict}",
                  flush=True)  # fmt: skip
    failed = [r for r in runs if not r.passed]
    print(f"{len(runs) - len(failed)} of {len(runs)} runs passed (seeds {seeds})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
