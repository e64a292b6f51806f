"""The HTML review of the example portfolio as a person sees it: headless Chromium.

Chromium (Debian's ``chromium``, installed by ``make chromium``) loads the
one file, dumps the DOM it built, prints it to PDF and takes a screenshot;
the PNG and PDF are kept in ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.main import EXAMPLE_PORTFOLIO
from app.review_render import SECTIONS, to_html
from app.review_service import build_review
from app.scan_service import load_scan
from app.settings import Settings
from graph.storage import SQLiteStore
from scanners import scan_directory

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class _Sections(HTMLParser):
    """Text inside each <section id=...>, and every element that could load something."""

    def __init__(self) -> None:
        super().__init__()
        self.text: dict[str, str] = {}
        self.current: str | None = None
        self.depth = 0
        self.svgs: set[str] = set()
        self.loaders: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "link", "img", "iframe", "object", "embed"):
            self.loaders.append((tag, str(values)))
        for name in ("src", "href"):
            value = values.get(name) or values.get(f"xlink:{name}")
            if value and not value.startswith("#"):
                self.loaders.append((tag, value))
        if tag == "section" and values.get("id"):
            self.current, self.depth = values["id"], 0
            self.text[self.current or ""] = ""
        elif self.current is not None:
            self.depth += 1
            if tag == "svg":
                self.svgs.add(self.current)

    def handle_endtag(self, tag: str) -> None:
        if self.current is None:
            return
        if tag == "section" and self.depth == 0:
            self.current = None
        else:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.text[self.current] += data


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        message = "headless Chromium is not on PATH: run `make chromium` (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _run(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)


def test_the_review_renders_every_section_in_chromium(tmp_path: Path) -> None:
    binary = _chromium()
    store = SQLiteStore(tmp_path / "archgraph.db")
    try:
        load_scan(store, scan_directory(EXAMPLE_PORTFOLIO), actor="scanner-ci")
        review = build_review(store, Settings(), f"{dt.datetime.now(dt.UTC):%Y-%m}")
    finally:
        store.close()
    page = tmp_path / "review.html"
    page.write_text(to_html(review), encoding="utf-8")
    url = page.as_uri()
    dom = _run(binary, tmp_path / "profile-dom", "--dump-dom", url).stdout
    parsed = _Sections()
    parsed.feed(dom)
    for key, heading in SECTIONS:
        body = parsed.text.get(key, "").replace(heading, "", 1).strip()
        assert body, f"section {key} is missing or empty in Chromium's DOM"
    assert "diagram" in parsed.svgs
    assert parsed.loaders == [], "the review must load nothing from elsewhere"
    ARTIFACTS.mkdir(exist_ok=True)
    png, pdf = ARTIFACTS / "review.png", ARTIFACTS / "review.pdf"
    png.unlink(missing_ok=True)
    pdf.unlink(missing_ok=True)
    _run(binary, tmp_path / "profile-png", f"--screenshot={png}", "--window-size=1280,2400", url)
    _run(binary, tmp_path / "profile-pdf", f"--print-to-pdf={pdf}", "--no-pdf-header-footer", url)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    document = pdf.read_bytes()
    assert document.startswith(b"%PDF")
    pages = document.count(b"/Type /Page") - document.count(b"/Type /Pages")
    assert pages >= len(SECTIONS), "each section starts on a new printed page"
