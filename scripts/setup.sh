#!/usr/bin/env bash
# Set up the course on a fresh machine (Python 3.11 and pip are all it needs) and open it.
#
#   bash scripts/setup.sh            # virtual environment, packages, Jupyter kernel, then JupyterLab
#   bash scripts/setup.sh --no-lab   # the same without opening JupyterLab
#
# Installs into .venv/ beside this repository. Re-running it is quick: packages are
# reinstalled only when requirements.txt has changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

open_lab=1
[[ "${1:-}" == "--no-lab" ]] && open_lab=0

python_bin="${PYTHON:-}"
if [[ -z "$python_bin" ]]; then
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      python_bin="$candidate"; break
    fi
  done
fi
if [[ -z "$python_bin" ]]; then
  echo "setup: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv with $python_bin"
  "$python_bin" -m venv .venv
fi

stamp=.venv/.requirements.sha256
wanted=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
  echo "setup: installing packages (about two minutes the first time)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.txt
  .venv/bin/python -m pip install --quiet --no-deps -e .
  .venv/bin/python -m ipykernel install --sys-prefix --name dl-keras-course \
    --display-name "Python 3 (dl-keras-course)" >/dev/null
  # Kernels started from this environment leave TensorFlow's C++ log lines (written to
  # file descriptor 2 before its log level applies) in the terminal, not in notebooks.
  mkdir -p .venv/etc/ipython
  echo "c.IPKernelApp.capture_fd_output = False" > .venv/etc/ipython/ipython_kernel_config.py
  echo "$wanted" > "$stamp"
fi
echo "setup: ready ($(.venv/bin/python --version), $(.venv/bin/python -c 'import importlib.metadata as m; print("tensorflow", m.version("tensorflow"), "keras", m.version("keras"))'))"

if [[ $open_lab == 1 ]]; then
  exec .venv/bin/jupyter lab notebooks/00_getting_started.ipynb
fi
