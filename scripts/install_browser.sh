#!/usr/bin/env bash
# Install headless Chromium (Debian's `chromium` package) for the browser tests:
# tests/test_book.py (the HTML book) and tests/test_explorers_browser.py (the explorers
# in JupyterLab, driven by Playwright from requirements.txt; Playwright downloads no
# browser of its own). Does nothing when it is already installed.
#
#   bash scripts/install_browser.sh
#
# An explicit step, run once (CI runs it in .ci/run): the tests never install anything.
# Without Chromium they are skipped, or fail when CI=true.
# Needs apt-get (Debian or Ubuntu) and root, or sudo without a password.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_browser: no apt-get here; install Chromium with your package manager" >&2
  exit 1
fi
sudo=""
if [[ $(id -u) != 0 ]]; then
  if sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "install_browser: run as root (or with sudo): apt-get install chromium" >&2
    exit 1
  fi
fi
echo "install_browser: installing chromium with apt-get (about a minute)"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends chromium fonts-liberation fonts-dejavu-core; } >"$log" 2>&1; then
  tail -20 "$log" >&2
  rm -f "$log"
  echo "install_browser: apt-get install chromium failed" >&2
  exit 1
fi
rm -f "$log"
command -v chromium >/dev/null
