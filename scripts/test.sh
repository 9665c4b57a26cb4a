#!/usr/bin/env bash
# Run the whole test suite: lint, unit tests, learner versions, and every notebook
# executed by nbval (with each notebook's time budget). Extra arguments go to pytest.
#
#   bash scripts/test.sh
#   bash scripts/test.sh tests/test_data.py -x     # a part of it
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --no-lab
export TF_CPP_MIN_LOG_LEVEL=2

# The browser tests (the book, the explorers in JupyterLab) use Chromium when it is installed
# and are skipped, saying why, when it is not; installing it is an explicit step:
# bash scripts/install_browser.sh (CI does that, in .ci/run). Nothing here installs system packages.

echo "== ruff: course_utils, tools, tests, notebooks"
.venv/bin/ruff check .
echo "== pytest: unit tests, then notebooks (nbval)"
.venv/bin/python -m pytest "$@"
