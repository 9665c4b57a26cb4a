#!/usr/bin/env bash
# Set up the course on a fresh machine (Python 3.11, 3.12 or 3.13 with pip is all it needs)
# and open it.
#
#   bash scripts/setup.sh            # virtual environment, packages, Jupyter kernel, then JupyterLab
#   bash scripts/setup.sh --no-lab   # the same without opening JupyterLab
#   PYTHON=python3.12 bash scripts/setup.sh   # use this interpreter
#
# Installs into .venv/ beside this repository: the direct dependencies in requirements.txt,
# constrained by requirements.lock (the whole environment, pinned). Re-running it is quick:
# packages are reinstalled only when those files have changed. Nothing outside .venv/ is
# installed; no system packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SUPPORTED="3.11 3.12 3.13"   # TensorFlow 2.21 publishes wheels for these
open_lab=1
[[ "${1:-}" == "--no-lab" ]] && open_lab=0

supported() {  # is "$1" a Python interpreter of a supported version?
  "$1" -c 'import sys; sys.exit(f"{sys.version_info[0]}.{sys.version_info[1]}" not in sys.argv[1].split())' "$SUPPORTED" 2>/dev/null
}

python_bin="${PYTHON:-}"
if [[ -n "$python_bin" ]]; then
  if ! supported "$python_bin"; then
    echo "setup: PYTHON=$python_bin is not Python $SUPPORTED (found: $("$python_bin" --version 2>&1 || echo 'nothing'))" >&2
    exit 1
  fi
else
  for candidate in python3.13 python3.12 python3.11 python3 python; do  # the newest first
    if command -v "$candidate" >/dev/null && supported "$candidate"; then
      python_bin="$candidate"; break
    fi
  done
fi
if [[ -z "$python_bin" ]]; then
  echo "setup: needs Python 3.11, 3.12 or 3.13 (TensorFlow 2.21 has no wheels for others)." >&2
  echo "setup: install one, or point PYTHON at it: PYTHON=/path/to/python3.12 bash scripts/setup.sh" >&2
  exit 1
fi

if [[ -x .venv/bin/python ]] && ! supported .venv/bin/python; then
  echo "setup: .venv uses an unsupported Python; remove it (rm -rf .venv) and run again" >&2
  exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv with $python_bin ($("$python_bin" --version))"
  "$python_bin" -m venv .venv
fi

stamp=.venv/.requirements.sha256
wanted=$(cat requirements.txt requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
  echo "setup: installing packages (about two minutes the first time)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.txt -c requirements.lock
  .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
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
