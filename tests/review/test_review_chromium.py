"""The HTML review of the example portfolio as a person sees it: headless Chromium.

Chromium (Debian's ``chromium``, installed by ``make chromium``) loads the
one file, dumps the DOM it built and takes a screenshot; it also prints it
to PDF, which pypdf reads back; the PNG and PDF are kept in
``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from pypdf import PageObject, PdfReader

from app.main import EXAMPLE_PORTFOLIO
from app.review_render import SECTIONS, review_period, review_title, to_html
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


def _review_page(tmp_path: Path) -> tuple[dict[str, Any], Path]:
    store = SQLiteStore(tmp_path / "archgraph.db")
    try:
        load_scan(store, scan_directory(EXAMPLE_PORTFOLIO), actor="scanner-ci")
        review = build_review(store, Settings(), f"{dt.datetime.now(dt.UTC):%Y-%m}")
    finally:
        store.close()
    page = tmp_path / "review.html"
    page.write_text(to_html(review), encoding="utf-8")
    return review, page


def test_the_review_renders_every_section_in_chromium(tmp_path: Path) -> None:
    binary = _chromium()
    _, page = _review_page(tmp_path)
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
    png = ARTIFACTS / "review.png"
    png.unlink(missing_ok=True)
    _run(binary, tmp_path / "profile-png", f"--screenshot={png}", "--window-size=1280,2400", url)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _positioned_text(page: PageObject) -> list[tuple[str, float, float]]:
    """Each text run pypdf finds on *page*, with where it is drawn (PDF points, origin bottom left).

    The position is the text matrix's origin mapped through the current
    transformation matrix: the point the run's baseline starts at.
    """
    runs: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((unicodedata.normalize("NFKC", text).strip(), x, y))

    page.extract_text(visitor_text=visit)
    return runs


def test_the_review_prints_to_pdf_section_by_section_with_the_diagram_whole(
    tmp_path: Path,
) -> None:
    """Chromium prints the HTML to PDF (``--print-to-pdf``, its default Letter page); pypdf reads it.

    What is checked, and how:

    * every section heading is in the PDF's text (extracted by pypdf,
      ligatures folded with NFKC);
    * each section starts on a new page: a section's heading is the first
      text drawn on its page (the first section follows the title on page
      one), and the headings' pages run in order with no page shared;
    * the diagram is not cut: every ``<text>`` label of the SVG (graphviz
      draws one per node, cluster and edge label) is drawn on the diagram
      section's page, in the SVG's order, with its starting point inside
      the page's media box, and the next section's heading is on the very
      next page. A diagram split over two pages would put labels on a
      second page (and push the next heading one page further); a diagram
      larger than the page would draw labels outside the media box (PDF
      keeps drawing operations past the page edge; they are clipped only
      when shown). Labels are the only parts of the SVG whose PDF position
      pypdf gives back, so a shape drawn past the page edge with no label
      in it would go unnoticed; graphviz labels every node and cluster.
    """
    binary = _chromium()
    review, page = _review_page(tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "review.pdf"
    pdf.unlink(missing_ok=True)
    _run(
        binary,
        tmp_path / "profile-pdf",
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        page.as_uri(),
    )
    reader = PdfReader(pdf)
    pages = [_positioned_text(p) for p in reader.pages]
    # page one opens with the title and the period line, then the first section
    header = " ".join(f"{review_title(review)} {review_period(review)}".split())
    texts = [[text for text, _, _ in runs] for runs in pages]
    opening = next(i for i in range(len(texts[0]) + 1) if " ".join(texts[0][:i]) == header)
    texts[0] = texts[0][opening:]
    starts: dict[str, int] = {}
    for key, heading in SECTIONS:
        found = [number for number, runs in enumerate(texts) if runs and runs[0] == heading]
        assert len(found) == 1, f"section {heading!r} does not start exactly one page: {found}"
        starts[key] = found[0]
    order = [starts[key] for key, _ in SECTIONS]
    assert order == sorted(order) and len(set(order)) == len(order), order
    assert starts[SECTIONS[0][0]] == 0

    svg = ElementTree.fromstring(review["diagram"]["svg"].encode())
    labels = [
        " ".join((t.text or "").split())
        for t in svg.iter("{http://www.w3.org/2000/svg}text")
        if (t.text or "").strip()
    ]
    assert len(labels) > 20
    diagram_page = starts["diagram"]
    drawn = pages[diagram_page]
    assert [t for t, _, _ in drawn[1:]] == labels, "every label once, in order, on one page"
    box = reader.pages[diagram_page].mediabox
    for text, x, y in drawn:
        assert box.left <= x <= box.right and box.bottom <= y <= box.top, (text, x, y, box)
    following = SECTIONS[[k for k, _ in SECTIONS].index("diagram") + 1][0]
    assert starts[following] == diagram_page + 1, "the diagram fits on its one page"
