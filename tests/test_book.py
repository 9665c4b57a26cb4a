"""The HTML book (python -m tools.book) builds offline and reads well in a real browser.

The book is built into a temporary folder and served on 127.0.0.1; headless Chromium
(Debian's `chromium`, installed by `bash scripts/install_browser.sh`) opens a
small test page that loads book pages in frames and reports what a reader sees: the
chapter's title, its formulas typeset by the book's own MathJax, its figures decoded,
the table of contents, and search results. The browser has no network, so anything
the book fetched from outside would be missing. Without Chromium the browser tests
are skipped (they fail instead under CI=true).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tools.notebooks import ROOT, all_notebook_paths, chapter_paths, headings, read

CHAPTER = ROOT / "notebooks" / "00_getting_started.ipynb"
SEARCH_TERM = "GradientTape"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--window-size=1280,2400",
]  # fmt: skip

# Loads each page in a frame (same origin, so its DOM can be read), waits for MathJax
# to finish typesetting and for search results, then writes a JSON report into #report.
HARNESS = """<!doctype html>
<html><head><meta charset="utf-8"><title>book check</title></head><body>
<pre id="report">pending</pre>
<iframe id="chapter" src="notebooks/CHAPTER.html" style="width:1200px;height:2000px"></iframe>
<iframe id="search" src="search.html?q=TERM" style="width:1200px;height:800px"></iframe>
<script>
const report = {};
function done() {
  if ("chapter" in report && "search" in report) {
    document.getElementById("report").textContent = JSON.stringify(report);
  }
}
function guard(name, fn) {
  try { fn(); } catch (error) { report[name] = {error: String(error)}; done(); }
}
function checkChapter(win) {
  const doc = win.document;
  const math = Array.from(doc.querySelectorAll("article .math.notranslate"));
  const shown = el => el.querySelector(".MathJax, .MathJax_Display");
  const rendered = math.filter(shown);
  const visible = rendered.filter(el => {
    const box = shown(el).getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  });
  const images = Array.from(doc.querySelectorAll("article .cell_output img"));
  report.chapter = {
    title: (doc.querySelector("article h1") || {}).textContent || "",
    math: math.length,
    rendered: rendered.length,
    visible: visible.length,
    errors: doc.querySelectorAll(".MathJax_Error, merror").length,
    jax: win.MathJax.Hub.getAllJax().length,
    images: images.length,
    decoded: images.filter(img => img.complete && img.naturalWidth > 100).length,
    toc: Array.from(doc.querySelectorAll(".bd-sidebar-primary nav a"))
      .map(a => a.textContent.trim()),
  };
  done();
}
let idle = 0, tries = 0;
const poll = setInterval(() => guard("poll", () => {
  tries += 1;
  const chapter = document.getElementById("chapter").contentWindow;
  const mathjax = chapter.MathJax;
  const typeset = chapter.document.readyState === "complete" && mathjax && mathjax.isReady
    && mathjax.Hub.queue.pending === 0 && !mathjax.Hub.queue.running;
  idle = typeset ? idle + 1 : 0;
  if (idle === 3 && !("chapter" in report)) { checkChapter(chapter); }
  const search = document.getElementById("search").contentDocument;
  const hits = Array.from(search.querySelectorAll("#search-results li a"));
  if (!("search" in report) && (hits.length || tries > 200)) {
    report.search = hits.map(a => a.textContent.trim());
    done();
  }
  if (tries > 200 && !("chapter" in report)) {
    report.chapter = {error: "MathJax never finished (or never loaded)"};
    done();
  }
  if ("chapter" in report && "search" in report) { clearInterval(poll); }
}), 100);
</script></body></html>
"""


def plain(text: str) -> str:
    """Text as a reader sees it: Markdown's emphasis and code marks removed."""
    return re.sub(r"\s+", " ", re.sub(r"[`*]", "", text)).strip()


def chromium() -> str:
    """Debian's Chromium (/usr/bin/chromium, or `chromium` on PATH). Without it the browser
    tests are skipped, except under CI=true, where they fail: CI must run them. Tests never
    install anything: `bash scripts/install_browser.sh` is an explicit step."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    reason = "headless Chromium is missing (no /usr/bin/chromium, no chromium on PATH)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, so the book's browser test must run: "
                    "run `bash scripts/install_browser.sh` first")  # fmt: skip
    pytest.skip(f"{reason} (install it with `bash scripts/install_browser.sh`)")


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """The book built by the README's command, into a temporary folder."""
    folder = tmp_path_factory.mktemp("book") / "html"
    result = subprocess.run(
        [sys.executable, "-m", "tools.book", "--output", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


@pytest.fixture(scope="module")
def server(book):
    """The book served on 127.0.0.1, as on any web host (and so that the test page may
    read the frames it opens: they are then of the same origin)."""
    handler = functools.partial(QuietHandler, directory=str(book))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_book_has_every_notebook_a_toc_search_and_local_mathjax(book):
    for path in all_notebook_paths():
        assert (book / "notebooks" / f"{path.stem}.html").is_file(), f"{path.name} missing"
    assert (book / "search.html").is_file() and (book / "searchindex.js").is_file()
    assert (book / "_static" / "mathjax" / "MathJax.js").is_file()
    page = (book / "notebooks" / f"{CHAPTER.stem}.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page)
    assert any("_static/mathjax/MathJax.js" in s for s in scripts), scripts
    assert not [s for s in scripts if "://" in s], f"scripts from the network: {scripts}"
    index = (book / "search.html").read_text(encoding="utf-8")
    for path in chapter_paths():
        assert f"notebooks/{path.stem}.html" in index, f"{path.name} not in the table of contents"
    assert "notebooks/glossary.html" in index


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_explorers_show_their_default_figure_not_an_empty_widget(book):
    """An explorer's output (course_utils.widgets) holds a widget view and a PNG of the
    default state: the static book shows the PNG (book/_config.yml drops the widget view)
    and loads no ipywidgets JavaScript from a CDN."""
    explorers = 0
    for path in all_notebook_paths():
        page = (book / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert WIDGET_VIEW not in page, f"{path.name}: an empty widget placeholder in the book"
        scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page)
        assert not [s for s in scripts if "://" in s], f"{path.name}: scripts from the network"
        for cell in read(path).cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if WIDGET_VIEW not in data:
                    continue
                explorers += 1
                assert "image/png" in data, f"{path.name}: a widget output without a PNG"
                png = base64.b64decode(data["image/png"])
                name = hashlib.sha256(png).hexdigest() + ".png"  # how myst-nb names it
                assert f"_images/{name}" in page, f"{path.name}: the explorer's PNG is missing"
                assert (book / "_images" / name).is_file(), name
    assert explorers >= 3, f"only {explorers} explorer outputs in the executed chapters"


def test_chapter_page_in_a_browser_shows_title_formulas_figures_and_search(book, server, tmp_path):
    harness = HARNESS.replace("CHAPTER", CHAPTER.stem).replace("TERM", SEARCH_TERM)
    (book / "_check.html").write_text(harness, encoding="utf-8")
    result = run_chromium(tmp_path, "--virtual-time-budget=30000", "--dump-dom",
                          f"{server}/_check.html")  # fmt: skip
    match = re.search(r'<pre id="report">(.*?)</pre>', result.stdout, re.S)
    assert match, f"no report from Chromium:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    assert match.group(1) != "pending", "the page never finished: MathJax or search hung"
    report = json.loads(html.unescape(match.group(1)))
    chapter = report["chapter"]
    assert "error" not in chapter and "poll" not in report, report

    title = next(text for level, text in headings(read(CHAPTER)) if level == 1)
    assert plain(chapter["title"]).rstrip("#¶ ") == plain(title)
    # Every formula typeset by MathJax, visible, without a TeX error.
    assert chapter["math"] >= 3, chapter
    assert chapter["rendered"] == chapter["math"] == chapter["jax"], chapter
    assert chapter["visible"] == chapter["math"] and chapter["errors"] == 0, chapter
    # Every figure (PNG outputs of the executed notebook) loaded and decoded.
    assert chapter["images"] >= 3 and chapter["decoded"] == chapter["images"], chapter
    # The sidebar lists every chapter and the glossary.
    toc = plain(" | ".join(chapter["toc"]))
    for path in chapter_paths():
        heading = next(text for level, text in headings(read(path)) if level == 1)
        assert plain(heading) in toc, f"{heading!r} not in the sidebar: {toc}"
    assert "Glossary" in toc
    # Full-text search finds the chapter that introduces the term.
    assert any(title in hit for hit in report["search"]), report["search"]


def test_chapter_page_screenshot_is_not_blank(book, tmp_path):
    shot = tmp_path / "chapter.png"
    page = (book / "notebooks" / f"{CHAPTER.stem}.html").as_uri()
    result = run_chromium(tmp_path, "--virtual-time-budget=15000", f"--screenshot={shot}", page)
    assert shot.is_file(), result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2400)
    assert len(data) > 50_000, "a nearly empty screenshot: the page did not render"
