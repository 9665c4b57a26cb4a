"""Run part of a chapter in a fresh kernel, for authors: the Setup cell plus chosen cells.

    python -m tools.try_cells 04                 # Setup + the Exercises section
    python -m tools.try_cells 04 --cells 12 13   # Setup + cells 12 and 13 (0-based)
    python -m tools.try_cells 04 --upto 20       # every cell up to and including 20

Nothing is written back: the notebook on disk is unchanged. Each code cell's outputs are
summarised (text, figures, widgets, errors) and an error in any cell makes the exit status 1.
Committed notebooks are still made by ``python -m tools.execute``; this is a quick check.
"""

from __future__ import annotations

import argparse
import time

from nbclient import NotebookClient

from tools.environment import prepare_notebook_environment
from tools.notebooks import read, resolve, section_cells, setup_cell_index


def summarise(output) -> str:
    if output.output_type == "error":
        return f"ERROR {output.ename}: {output.evalue}"
    if output.output_type == "stream":
        return output.text.rstrip()[-600:]
    data = output.get("data", {})
    kinds = [k for k in data if k != "text/plain"]
    text = str(data.get("text/plain", ""))[:200]
    return f"[{', '.join(kinds) or 'text'}] {text}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", help="chapter number, name or path")
    parser.add_argument("--cells", type=int, nargs="*", help="0-based cell indices to run")
    parser.add_argument("--upto", type=int, help="run every cell up to this index")
    args = parser.parse_args(argv)
    prepare_notebook_environment()
    (path,) = resolve(args.notebook)
    nb = read(path)
    setup = setup_cell_index(nb)
    if args.upto is not None:
        keep = list(range(args.upto + 1))
    elif args.cells:
        keep = sorted({setup, *args.cells})
    else:
        keep = [setup] + section_cells(nb, "Exercises")
    cells = [(i, nb.cells[i]) for i in keep]
    nb.cells = [c for _, c in cells]
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()  # fmt: skip
    failed = False
    for index, cell in cells:
        if cell.cell_type != "code":
            continue
        print(f"--- cell {index}: {cell.source.splitlines()[0][:80] if cell.source else ''}")
        for output in cell.outputs:
            failed |= output.output_type == "error"
            print("   ", summarise(output).replace("\n", "\n    "))
    print(f"{path.name}: {len(cells)} cells in {time.perf_counter() - start:.1f} s",
          "- FAILED" if failed else "- ok")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
