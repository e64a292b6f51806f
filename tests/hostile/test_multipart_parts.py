"""Multipart bodies with very many parts, under the byte limit: the number of
file parts and of other fields is bounded before the parts are built (413
``too_many_parts``), on ``/scans``, a scan session's ``PUT .../files`` and
``/adrs/import``; the server still answers and the graph is unchanged."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from app.multipart_limits import MAX_FORM_FIELDS
from app.routers.adrs import MAX_IMPORT_FILES
from app.routers.scans import SCAN_MAX_FILES
from graph.storage import GraphStore
from scanners import DEFAULT_MAX_FILES
from tests.api.conftest import ApiClient, assert_error
from tests.hostile.conftest import assert_unharmed, snapshot

BOUNDARY = "archgraph-hostile-boundary"


def _multipart(file_parts: int, fields: int, file_name: str = "f{n}.yaml") -> bytes:
    """A multipart body of *file_parts* tiny ``files`` parts and *fields* plain fields."""
    out = []
    for n in range(file_parts):
        name = file_name.format(n=n)
        out.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"'
            f"\r\n\r\nx\r\n"
        )
    for n in range(fields):
        out.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\nx\r\n')
    out.append(f"--{BOUNDARY}--\r\n")
    return "".join(out).encode()


def _send(api: ApiClient, url: str, body: bytes) -> httpx.Response:
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    return api.request(
        "PUT" if url.endswith("/files") else "POST", url, content=body, headers=headers
    )


def _scan_url(api: ApiClient) -> str:
    return "/api/v1/scans"


def _session_url(api: ApiClient) -> str:
    response = api.post("/api/v1/scans/sessions")
    assert response.status_code == 201, response.text
    return f"/api/v1/scans/sessions/{response.json()['id']}/files"


def _adr_url(api: ApiClient) -> str:
    return "/api/v1/adrs/import"


ROUTES: dict[str, tuple[Callable[[ApiClient], str], int]] = {
    "scans": (_scan_url, SCAN_MAX_FILES),
    "scan session files": (_session_url, DEFAULT_MAX_FILES),
    "adr import": (_adr_url, MAX_IMPORT_FILES),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_50000_tiny_file_parts_are_refused(
    seeded: ApiClient, store: GraphStore, route: str
) -> None:
    url_of, max_files = ROUTES[route]
    url = url_of(seeded)
    body = _multipart(50_000, 0)
    assert len(body) < 32 * 1024 * 1024  # under the byte limit: only the count refuses it
    before = snapshot(store)
    error = assert_error(_send(seeded, url, body), 413, "too_many_parts")
    assert f"{max_files:,}" in error["message"] and error["location"] == "body.files"
    assert_unharmed(seeded, store, before)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_5000_plain_fields_are_refused(seeded: ApiClient, store: GraphStore, route: str) -> None:
    url = ROUTES[route][0](seeded)
    before = snapshot(store)
    response = _send(seeded, url, _multipart(1, 5_000, "adr-{n}.md"))
    error = assert_error(response, 413, "too_many_parts")
    assert f"{MAX_FORM_FIELDS:,}" in error["message"] and error["location"] == "body"
    assert_unharmed(seeded, store, before)


def test_file_parts_at_the_limit_are_read(seeded: ApiClient) -> None:
    """The bounds refuse only what is over them: a chunk of exactly as many file
    parts as a session takes, with as many fields as allowed, is read whole."""
    url = _session_url(seeded)
    response = _send(seeded, url, _multipart(DEFAULT_MAX_FILES, MAX_FORM_FIELDS))
    assert response.status_code == 200, response.text
    assert response.json()["files"] == DEFAULT_MAX_FILES


def test_scan_parts_at_the_limit_reach_the_scanner(seeded: ApiClient) -> None:
    response = _send(seeded, "/api/v1/scans", _multipart(SCAN_MAX_FILES, MAX_FORM_FIELDS))
    error = assert_error(response, 422, "scan_failed")  # read and scanned: none is a spec
    assert f"{SCAN_MAX_FILES} of {SCAN_MAX_FILES} file(s) failed" in error["message"]
