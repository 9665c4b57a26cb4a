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

# Headless Chromium for the book's browser test (Debian's package; skipped where apt-get is missing).
bash scripts/install_browser.sh || echo "test: no Chromium, the book's browser test will be skipped"

echo "== ruff: course_utils, tools, tests, notebooks"
.venv/bin/ruff check .
echo "== pytest: unit tests, then notebooks (nbval)"
.venv/bin/python -m pytest "$@"
