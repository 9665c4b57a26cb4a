"""The lock file: every package of the course's environment, pinned, for Python 3.11-3.13.

    python -m tools.lock              # regenerate requirements.lock from requirements.txt
    python -m tools.lock --wheels     # check that every pin has a wheel on each target

``requirements.txt`` holds the direct dependencies (what the course imports);
``requirements.lock`` pins their whole transitive set. It is a *universal* lock made by
``uv pip compile --universal``: where a package needs a different version on another
Python or platform, the lock has one line per case with an environment marker.
``scripts/setup.sh`` and ``environment.yml`` install ``-r requirements.txt -c
requirements.lock``.

The wheel check asks pip to resolve the whole set, binary wheels only, for each
supported Python on Linux x86_64 and macOS arm64 (``pip install --dry-run
--only-binary=:all: --python-version ... --platform ...``); it needs a package index.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tools.notebooks import ROOT

REQUIREMENTS = ROOT / "requirements.txt"
LOCK = ROOT / "requirements.lock"
PYTHONS = ("3.11", "3.12", "3.13")
PLATFORMS = {
    "linux-x86_64": ["manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64"]
    + [f"manylinux_2_{n}_x86_64" for n in range(5, 40)],
    "macos-arm64": [f"macosx_{n}_0_{arch}" for n in range(11, 16)
                    for arch in ("arm64", "universal2")],  # fmt: skip
}
HEADER = """\
# The whole environment of the course, pinned: generated from requirements.txt by
#   python -m tools.lock
# (uv pip compile --universal: valid for Python 3.11, 3.12 and 3.13 on Linux, macOS and
# Windows). Install with: pip install -r requirements.txt -c requirements.lock
"""


def compile_lock(output: Path = LOCK) -> None:
    """Regenerate the lock with uv (from this environment) against the package index."""
    uv = Path(sys.executable).with_name("uv")
    command = [str(uv if uv.exists() else "uv"), "pip", "compile", str(REQUIREMENTS),
               "--universal", "--python-version", PYTHONS[0], "--no-header", "--quiet",
               "--fork-strategy", "fewest",  # one version per package where one fits all
               "--no-annotate"]  # fmt: skip
    body = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    output.write_text(HEADER + body, encoding="utf-8")


def lock_pins(path: Path = LOCK) -> list[tuple[str, str, str]]:
    """``(name, version, marker)`` of every line of the lock (``marker`` may be empty)."""
    pins = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        requirement, _, marker = line.partition(";")
        name, _, version = requirement.strip().partition("==")
        pins.append((normalise(name), version.strip(), marker.strip()))
    return pins


def normalise(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_check(python: str, platform: str, timeout: float = 600) -> tuple[bool, str]:
    """Resolve requirements.txt + the lock with binary wheels only for ``python`` on
    ``platform`` (a key of :data:`PLATFORMS`); return ``(ok, what pip said)``."""
    with tempfile.TemporaryDirectory() as target:
        report = Path(target) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                   "--only-binary=:all:", "--python-version", python, "--implementation", "cp",
                   "--target", str(Path(target) / "site"), "-r", str(REQUIREMENTS),
                   "-c", str(LOCK), "--quiet", "--report", str(report)]  # fmt: skip
        for tag in PLATFORMS[platform]:
            command += ["--platform", tag]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        errors = "\n".join(line for line in (done.stdout + done.stderr).splitlines()
                           if not line.startswith("WARNING: Location"))  # fmt: skip
        if done.returncode != 0:
            return False, errors[-3000:]
        installs = json.loads(report.read_text())["install"]
        return True, f"{len(installs)} wheels"


def check_all_wheels() -> dict[tuple[str, str], tuple[bool, str]]:
    """:func:`wheel_check` for every supported Python and platform, six at a time."""
    targets = [(python, platform) for python in PYTHONS for platform in PLATFORMS]
    with ThreadPoolExecutor(len(targets)) as pool:
        results = pool.map(lambda t: wheel_check(*t), targets)
        return dict(zip(targets, results, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", action="store_true", help="check wheels, do not compile")
    args = parser.parse_args(argv)
    if not args.wheels:
        compile_lock()
        print(f"wrote {LOCK.name}: {len(lock_pins())} pins")
        return 0
    failed = False
    for (python, platform), (ok, said) in check_all_wheels().items():
        last = said.splitlines()[-1] if said else ""
        print(f"Python {python} on {platform}: {'ok' if ok else 'FAILED'} ({last})")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
