"""Execute chapters top to bottom in a fresh kernel and write the results back.

    python -m tools.execute 00          # one chapter
    python -m tools.execute 01 02 03    # several
    python -m tools.execute all         # every notebook, in course order

Each chapter first gets its "Open in Colab" link and Colab install line
(``tools.colab``). Each notebook is then cleared, run in a new kernel of the current
Python environment (with the offline data cache when one is found), and saved with its outputs and
nbclient's per-cell timing metadata (``cell.metadata.execution``) and its wall time
(``metadata.course.execution``). A run that fails leaves the notebook as it was and is
saved in ``build/failed/``. The learner version of each chapter is regenerated
afterwards. Committed notebooks are this script's output.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tools import learner
from tools.colab import add_colab_support
from tools.environment import prepare_notebook_environment
from tools.notebooks import CHAPTER_PATTERN, ROOT, budget_seconds, read, resolve
from tools.timings import machine_description

FAILED = ROOT / "build" / "failed"


def kernel_cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by finished child processes (the kernels).

    On a busy machine wall time says little; CPU time does not depend on the load.
    A chapter's quiet 2-core wall time is roughly its kernel CPU time divided by 1.3-1.8.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def execute(path, timeout: int = 900) -> float:
    """Run the notebook at ``path`` in place; return its wall time in seconds."""
    nb = read(path)
    if CHAPTER_PATTERN.match(path.name):
        add_colab_support(nb, path)
    nb.metadata.pop("jupytext", None)  # authoring leftovers
    for cell in nb.cells:
        cell.metadata.pop("lines_to_next_cell", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    except BaseException:
        # Keep the committed notebook; the failed run goes to build/failed/ for a look.
        FAILED.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, FAILED / path.name)
        print(f"  the failed run is in {FAILED / path.name}", file=sys.stderr)
        raise
    elapsed = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nb.metadata.setdefault("course", {})["execution"] = {
        "wall_seconds": round(elapsed, 1),  # kernel start to last cell
        "machine": machine_description(),
    }
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", help="chapter numbers, names, paths or 'all'")
    args = parser.parse_args(argv)
    prepare_notebook_environment()
    failed = False
    for path in [p for s in args.notebooks for p in resolve(s)]:
        print(f"executing {path.name} ...", flush=True)
        cpu_before = kernel_cpu_seconds()
        try:
            elapsed = execute(path)
        except CellExecutionError as error:
            print(f"FAILED {path.name}:\n{error}", file=sys.stderr)
            failed = True
            continue
        budget = budget_seconds(read(path))
        flag = "" if elapsed <= budget else f"  OVER BUDGET ({budget:.0f} s)"
        cpu = kernel_cpu_seconds() - cpu_before
        print(f"  {path.name}: {elapsed:.1f} s (kernel CPU {cpu:.1f} s){flag}", flush=True)
        if CHAPTER_PATTERN.match(path.name):
            learner.main([str(path)])
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
