"""``/docs`` offline: Swagger UI from a loopback uvicorn in headless Chromium, no other host.

Chromium resolves no host but 127.0.0.1 (``--host-resolver-rules``), so a
page that needed a CDN would render nothing; the DOM it built must hold the
operations and the Authorize button, and every script and stylesheet must
come from the service itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.settings import Settings
from graph.storage import SQLiteStore
from tests.api.live_server import live_server
from tests.review.test_review_chromium import _chromium, _run

from .conftest import KEYS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    store = SQLiteStore(tmp_path / "archgraph.db")
    try:
        with live_server(store, Settings(api_keys=KEYS)) as url:
            yield url
    finally:
        store.close()


def test_docs_render_offline_with_authorize(server: str, tmp_path: Path) -> None:
    binary = _chromium()
    dom = _run(
        binary,
        tmp_path / "profile",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--virtual-time-budget=15000",
        "--dump-dom",
        f"{server}/docs",
    ).stdout
    assert "/api/v1/products/{slug}" in dom, "Swagger UI did not render the operations"
    assert "opblock" in dom
    assert re.search(r'class="[^"]*\bauthorize\b', dom), "no Authorize button"
    sources = re.findall(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"', dom)
    assert sources, "the page loads its assets from somewhere"
    outside = [s for s in sources if not (s.startswith("/") or s.startswith(server))]
    outside = [s for s in outside if not s.startswith("data:")]
    assert outside == [], f"assets from elsewhere: {outside}"
