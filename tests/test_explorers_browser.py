"""The chapters' interactive explorers work in a real JupyterLab, driven by a real browser.

JupyterLab is started from this environment on 127.0.0.1 (a free port, a random token,
fresh Jupyter config/data/runtime folders, nothing fetched from the network) with a
temporary root folder holding copies of the chapters in CHAPTERS. Headless Chromium
(Debian's `chromium`, installed by `bash scripts/install_browser.sh`; Playwright from
PyPI drives it and downloads no browser) opens each chapter from the file browser, as a
learner would, and checks:

* as committed (an untrusted notebook), the explorer cell shows its static figure (the
  PNG of the default state), not "Error displaying widget";
* the Setup cell and the explorer cell (the code cell after the "### Explore" heading)
  run without an error (click, Ctrl+Enter), and the live explorer shows its figure;
* moving the first slider with the arrow keys (or, without a slider, choosing another
  option of a drop-down) redraws the figure: the image's PNG bytes change;
* no request left 127.0.0.1 (any other is blocked and reported).

A screenshot of every step is saved in build/browser-screenshots/ so a failing CI run can
be inspected; the last one of each chapter is the explorer cell alone, about 900 px wide
(docs/images/explorer.png is chapter 01's). The kernels of all chapters are started
when JupyterLab is, so later chapters do not wait for theirs.

Without Chromium (or Playwright) the test is skipped, except under CI=true, where it
fails: CI must run it. Run it alone with

    .venv/bin/python -m pytest -q tests/test_explorers_browser.py
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tools.notebooks import NOTEBOOKS, ROOT, read, resolve, setup_cell_index

# Chapters whose explorer is driven in the browser (each must have one that runs with
# only the Setup cell before it; 02, 05, 07 and 09a would qualify too, 10 and 11 not).
CHAPTERS = ["01", "02", "04", "05", "06a", "07", "09a"]  # the explorers that need only Setup
SOURCE = NOTEBOOKS  # where the chapters are copied from: the committed notebooks
SCREENSHOTS = ROOT / "build" / "browser-screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-extensions", "--no-first-run",
    "--disable-default-apps", "--disable-domain-reliability", "--disable-quic",
    "--metrics-recording-only", "--no-default-browser-check", "--hide-scrollbars",
    "--mute-audio",
]  # fmt: skip
LAB_SETTINGS = {
    # Every cell in the DOM (no windowing), so cells far down a chapter can be clicked.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # No news and no update check (and no toast asking about them).
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}  # fmt: skip
VIEWPORT = {"width": 1280, "height": 1000}
CELL_VIEWPORT = {"width": 1000, "height": 2000}  # a tall explorer cell fits
STARTUP_S = 90  # JupyterLab answering
REDRAW_S = 30  # a redraw after a control moved (well under a second on a quiet machine)
RUN_S = 150  # one cell (the Setup cell imports TensorFlow; the machine may be busy)


def browser_unavailable(reason: str) -> None:
    """Skip, or fail under CI=true (where the browser tests must run)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, so the browser test must run: "
                    "run `bash scripts/install_browser.sh` first")  # fmt: skip
    pytest.skip(f"{reason} (install it with `bash scripts/install_browser.sh`)")


def chromium_executable() -> str:
    """Debian's Chromium: /usr/bin/chromium, or `chromium` on PATH."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    browser_unavailable("headless Chromium is missing (no /usr/bin/chromium, no chromium on PATH)")
    raise AssertionError("unreachable")


def explorer_cells(nb) -> tuple[int, int]:
    """(Setup cell, explorer cell): the code cell after the "### Explore" markdown."""
    setup = setup_cell_index(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("### Explore"):
            following = [j for j in range(i + 1, len(nb.cells)) if nb.cells[j].cell_type == "code"]
            assert following, "no code cell after the '### Explore' heading"
            return setup, following[0]
    raise AssertionError("no markdown cell starting with '### Explore' (the explorer of issue 16)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lab:
    """A JupyterLab server on 127.0.0.1 (started by the ``lab`` fixture)."""

    def __init__(self, root: Path, port: int, token: str, process: subprocess.Popen, log: Path):
        self.root, self.port, self.token, self.process, self.log = root, port, token, process, log
        self.url = f"http://127.0.0.1:{port}"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def api(self, method: str, path: str, body: dict | None = None) -> object:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = response.read()
        return json.loads(answer) if answer else None

    def start_kernel(self, name: str) -> None:
        """Start the notebook's kernel now (JupyterLab attaches to it when the notebook
        opens), so the kernels of later chapters start while an earlier one is tested."""
        self.api("POST", "/api/sessions", {"path": name, "name": name, "type": "notebook",
                                           "kernel": {"name": "python3"}})  # fmt: skip

    def stop_kernel(self, name: str) -> None:
        for session in self.api("GET", "/api/sessions"):
            if session["path"] == name:
                self.api("DELETE", f"/api/sessions/{session['id']}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Lab:
    """JupyterLab serving copies of the chapters; always shut down, with its kernels."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "root"
    root.mkdir()
    for chapter in CHAPTERS:
        name = resolve(chapter)[0].name
        shutil.copy2(SOURCE / name, root / name)
    for name, values in LAB_SETTINGS.items():
        file = tmp / "settings" / f"{name}.jupyterlab-settings"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(values))
    env = dict(os.environ)  # KERAS_HOME: conftest prepared an offline cache copy
    # Fresh Jupyter folders: no user settings, and no notebook trusted by an earlier run.
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[name] = str(tmp / name.lower())
    port, token = free_port(), secrets.token_hex(24)
    log = tmp / "jupyterlab.log"
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
        "--ServerApp.terminals_enabled=False", "--ServerApp.allow_root=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        f"--LabApp.user_settings_dir={tmp / 'settings'}",
        f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
        "--LanguageServerManager.autodetect=False",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    server = Lab(root, port, token, process, log)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert process.poll() is None, f"JupyterLab exited:\n{server.log_tail()}"
            try:
                server.api("GET", "/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                alive = time.monotonic() < deadline
                assert alive, f"JupyterLab never answered:\n{server.log_tail()}"
                time.sleep(0.5)
        for chapter in CHAPTERS:
            server.start_kernel(resolve(chapter)[0].name)
        yield server
    finally:
        try:
            server.api("POST", "/api/shutdown")  # kernels too
            process.wait(timeout=20)
        except Exception:  # whatever went wrong: stop the process group
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("Playwright is not installed (pip install -r requirements.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=CHROMIUM_ARGS)  # fmt: skip
        try:
            yield chromium
        finally:
            chromium.close()


# JavaScript run in the page.
IMAGE_BYTES = """async (img) => {
  const response = await fetch(img.src);
  const bytes = new Uint8Array(await response.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  }
  return btoa(text);
}"""
# Records when a cell's prompt goes to [*] (queued/running) and then back to [n].
WATCH_PROMPT = """(prompt) => {
  const state = {started: false, done: false};
  new MutationObserver(() => {
    const text = prompt.textContent;
    if (text.includes("*")) { state.started = true; }
    else if (state.started && /\\[\\d+\\]/.test(text)) { state.done = true; }
  }).observe(prompt, {childList: true, subtree: true, characterData: true});
  prompt.__runState = state;
}"""


class Steps:
    """Screenshots of each step, numbered, in build/browser-screenshots/."""

    def __init__(self, page, name: str):
        self.page, self.name, self.count = page, name, 0
        self.start, self.times = time.monotonic(), {}
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob(f"{name}-*.png"):
            old.unlink()

    def shot(self, step: str, element=None) -> bytes:
        self.count += 1
        path = SCREENSHOTS / f"{self.name}-{self.count}-{step}.png"
        self.times[step] = round(time.monotonic() - self.start, 1)
        print(f"{self.name}: {step} at {self.times[step]} s", flush=True)
        return (element or self.page).screenshot(path=str(path))


# An exception as IPython shows it (its traceback, or its last line for a SyntaxError).
ERROR = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b", re.M)


def no_errors(cell, where: str) -> None:
    """No exception in ``cell``'s outputs and no widget that failed to display."""
    stderr = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    for output in cell.locator(stderr).all():
        text = output.inner_text()
        if ERROR.search(text):
            raise AssertionError(f"{where}: an error:\n{text[-3000:]}")
    text = cell.inner_text()
    if "Error displaying widget" in text:
        raise AssertionError(f"{where}: {text[-1000:]}")


def run_cell(page, cell, where: str) -> None:
    """Select ``cell`` by its prompt (command mode), press Ctrl+Enter, wait until it ran."""
    prompt = cell.locator(".jp-InputArea-prompt").first
    prompt.evaluate(WATCH_PROMPT)
    prompt.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    try:
        page.wait_for_function("(p) => p.__runState.done", arg=prompt.element_handle(),
                               polling=100, timeout=RUN_S * 1000)  # fmt: skip
    except Exception as error:
        raise AssertionError(f"{where} did not finish within {RUN_S} s") from error


def image_bytes(image) -> bytes:
    data = base64.b64decode(image.evaluate(IMAGE_BYTES))
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "the explorer's image is not a PNG"
    return data


def move_a_control(page, cell) -> tuple[str, str]:
    """Move the first slider five steps with the arrow keys (towards the far end); with no
    slider, choose another option of the first drop-down. Returns (before, after)."""
    sliders = cell.locator(".widget-slider")
    if sliders.count():
        slider = sliders.first
        readout = slider.locator(".widget-readout")
        before = readout.inner_text()
        handle = slider.locator(".noUi-handle").first
        now, top = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
        handle.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight" if now < top else "ArrowLeft")
        try:
            page.wait_for_function("([el, text]) => el.textContent.trim() !== text",
                                   arg=[readout.element_handle(), before.strip()],
                                   timeout=5_000)  # fmt: skip
        except Exception:
            pass  # the caller reports that the slider did not move
        return before, readout.inner_text()
    select = cell.locator(".widget-dropdown select").first
    label = "(s) => s.options[s.selectedIndex].textContent"
    before = select.evaluate(label)
    options = [o for o in select.locator("option").all_inner_texts() if o != before]
    assert options, "the explorer has neither a slider nor a drop-down with two options"
    select.select_option(label=options[0])
    return before, select.evaluate(label)


def log_console(page) -> str:
    """JupyterLab's log console (where an exception raised while redrawing is shown)."""
    try:
        page.locator(".jp-LogConsoleStatusItem").click(timeout=5_000)
        panel = page.locator(".jp-LogConsolePanel").first
        panel.wait_for(timeout=5_000)
        page.wait_for_timeout(500)
        return f"\nJupyterLab's log console:\n{panel.inner_text()[-3000:]}"
    except Exception:
        return " (JupyterLab's log console could not be read)"


# True once the image has kept the same source for a second (every redraw arrived).
SETTLED = """(img) => {
  const now = Date.now();
  if (img.__lastSrc !== img.src) { img.__lastSrc = img.src; img.__since = now; return false; }
  return img.complete && img.naturalWidth > 0 && now - img.__since > 1000;
}"""


class Session:
    """One JupyterLab page for all chapters (the application loads once): it opens a
    chapter from the file browser and closes it afterwards. Requests that would leave
    127.0.0.1 are blocked and recorded in ``outside``."""

    def __init__(self, page, lab: Lab):
        self.page, self.lab, self.outside = page, lab, []

    def open(self, name: str):
        """Open notebook ``name``; return its panel (a locator)."""
        files = self.page.locator('.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="filebrowser"]')
        item = self.page.locator(".jp-DirListing-itemText", has_text=name).first
        if not item.is_visible():
            files.click()
        item.dblclick()
        tab = self.page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
        tab.filter(has_text=name).wait_for()
        files.click()  # hide the file browser: more room for the notebook
        panel = self.page.locator(f'[id="{tab.get_attribute("data-id")}"]')
        panel.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for()
        return panel

    def close(self, name: str, panel) -> None:
        """Save the (temporary) copy, close its tab and stop its kernel."""
        try:
            panel.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
            self.page.keyboard.press("Escape")
            self.page.keyboard.press("Control+s")
            tab = self.page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
            tab.locator(".lm-TabBar-tabCloseIcon").click(timeout=10_000)
            dialog = self.page.locator(".jp-Dialog")
            if dialog.count():  # not saved after all: discard
                dialog.get_by_role("button", name=re.compile("Discard|Don't save")).click()
            panel.wait_for(state="detached", timeout=10_000)
        except Exception as error:  # a tab left open does not stop the next chapter
            print(f"{name}: could not close its tab ({error})")
        finally:
            self.lab.stop_kernel(name)


@pytest.fixture(scope="module")
def jupyterlab(browser, lab):
    """JupyterLab open in headless Chromium (a fresh workspace), on 127.0.0.1 only."""
    context = browser.new_context(viewport=VIEWPORT)
    session = None

    def local_only(route):
        url = route.request.url
        if re.match(rf"^(https?|wss?)://127\.0\.0\.1:{lab.port}/", url) or url.startswith(
            ("data:", "blob:")
        ):  # fmt: skip
            route.continue_()
        else:
            session.outside.append(url)
            route.abort()

    context.route("**/*", local_only)
    context.set_default_timeout(RUN_S * 1000)
    page = context.new_page()
    session = Session(page, lab)
    try:
        page.goto(f"{lab.url}/lab?reset&token={lab.token}")
        page.locator(".jp-DirListing-itemText").first.wait_for()
        yield session
    finally:
        context.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_explorer_redraws_its_figure_when_a_control_moves(chapter, jupyterlab):
    (path,) = resolve(chapter)
    setup, explore = explorer_cells(read(SOURCE / path.name))
    page = jupyterlab.page
    steps = Steps(page, path.stem)
    panel = None
    try:
        panel = jupyterlab.open(path.name)
        cells = panel.locator(".jp-Notebook .jp-Cell")
        cell = cells.nth(explore)
        steps.shot("opened")
        # As committed (an untrusted notebook): the static PNG of the default state.
        cell.scroll_into_view_if_needed()
        steps.shot("committed-output")
        try:
            cell.locator(".jp-OutputArea-output img").first.wait_for(timeout=20_000)
        except Exception as error:
            raise AssertionError(f"{path.name}: the committed explorer cell shows no figure "
                                 f"(run python -m tools.execute {chapter})") from error  # fmt: skip
        no_errors(cell, f"{path.name}: committed explorer output")

        run_cell(page, cells.nth(setup), f"{path.name}: the Setup cell")
        no_errors(cells.nth(setup), f"{path.name}: Setup cell")
        steps.shot("setup-ran")

        run_cell(page, cell, f"{path.name}: the explorer cell")
        no_errors(cell, f"{path.name}: explorer cell")
        image = cell.locator(".course-explorer img").first
        image.wait_for()
        page.wait_for_function(SETTLED, arg=image.element_handle(), polling=100)
        cell.scroll_into_view_if_needed()
        steps.shot("explorer-shown")
        no_errors(cell, f"{path.name}: explorer cell")
        before, src = image_bytes(image), image.get_attribute("src")

        moved = move_a_control(page, cell)
        assert moved[0] != moved[1], f"{path.name}: the control did not move ({moved})"
        try:
            page.wait_for_function("([img, src]) => img.src !== src",
                                   arg=[image.element_handle(), src], polling=100,
                                   timeout=REDRAW_S * 1000)  # fmt: skip
        except Exception as error:
            steps.shot("not-redrawn")
            message = f"{path.name}: the figure did not change within {REDRAW_S} s of moving"
            raise AssertionError(f"{message} a control {moved}{log_console(page)}") from error
        page.wait_for_function(SETTLED, arg=image.element_handle(), polling=100)
        steps.shot("control-moved")
        # The cell alone, about 900 px wide (docs/images/explorer.png is chapter 01's).
        page.set_viewport_size(CELL_VIEWPORT)
        page.mouse.click(CELL_VIEWPORT["width"] - 5, CELL_VIEWPORT["height"] - 5)  # no focus ring
        cell.scroll_into_view_if_needed()
        steps.shot("explorer-cell", element=cell)
        page.set_viewport_size(VIEWPORT)
        assert image_bytes(image) != before, f"{path.name}: the figure was not redrawn"
        no_errors(cell, f"{path.name}: explorer cell after moving {moved}")
        assert not jupyterlab.outside, f"requests outside 127.0.0.1: {jupyterlab.outside}"
    except Exception:
        steps.shot("failed")
        raise
    finally:
        if panel is not None:
            jupyterlab.close(path.name, panel)
