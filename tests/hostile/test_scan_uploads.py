"""Hostile files sent to ``POST /api/v1/scans``: a per-file error or a 4xx, never a crash."""

from __future__ import annotations

import io
import zipfile

import pytest

from graph.storage import GraphStore
from tests.api.conftest import ApiClient, assert_error
from tests.hostile.conftest import assert_unharmed, snapshot

DEEP = 30_000
SPEC_HEAD = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\n"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("openapi.yaml", SPEC_HEAD)
    return buffer.getvalue()


def _bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    return SPEC_HEAD + "x-bomb:\n" + "".join(f"  {line}\n" for line in lines)


HOSTILE_FILES: dict[str, tuple[str, bytes, str]] = {
    "compact sequences 30,000 deep": (
        "deep.yaml",
        (SPEC_HEAD + "x-deep:\n" + "- " * DEEP + "x\n").encode(),
        "too-deep",
    ),
    "bare compact sequences": ("bare.yaml", ("- " * DEEP + "x\n").encode(), "unrecognised"),
    "block mappings deep": (
        "deep-map.yaml",
        (SPEC_HEAD + "".join(" " * i + "a:\n" for i in range(3000))).encode(),
        "too-deep",
    ),
    "flow sequences deep": (
        "flow.yaml",
        (SPEC_HEAD + "x: " + "[" * DEEP + "]" * DEEP).encode(),
        "too-deep",
    ),
    "json deep": (
        "deep.json",
        ('{"openapi": "3.0.3", "x": ' + "[" * DEEP + "]" * DEEP + "}").encode(),
        "too-deep",
    ),
    "huge integer": (
        "big.yaml",
        (SPEC_HEAD + "x-n: " + "9" * 5000 + "\n").encode(),
        "number-too-long",
    ),
    "huge json integer": (
        "big.json",
        ('{"openapi": "3.0.3", "x-n": ' + "9" * 5000 + "}").encode(),
        "number-too-long",
    ),
    "duplicate yaml keys": ("dup.yaml", (SPEC_HEAD + "paths: {}\n").encode(), "duplicate-key"),
    "duplicate json keys": (
        "dup.json",
        b'{"openapi": "3.0.3",\n"openapi": "3.1.0"}',
        "duplicate-key",
    ),
    "alias bomb": ("bomb.yaml", _bomb().encode(), "alias-bomb"),
    "invalid utf-8": ("bad.yaml", b"openapi: 3.0.3\ninfo: \xff\xfe\n", "encoding"),
    "NUL bytes": ("nul.yaml", b"openapi: 3.0.3\n\x00\x00\x00\n", "binary"),
    "zip archive": ("specs.zip", _zip(), "binary"),
    "zip named yaml": ("archive.yaml", _zip(), "binary"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_hostile_file_is_a_per_file_error(seeded: ApiClient, store: GraphStore, case: str) -> None:
    name, content, code = HOSTILE_FILES[case]
    before = snapshot(store)
    files = [("files", (name, content, "application/octet-stream"))]
    response = seeded.post("/api/v1/scans", files=files)
    body = assert_error(response, 422, "scan_failed")
    report = body["report"]
    codes = [s.get("code", "") for s in report["skipped"]]
    codes += [i.get("code", "") for s in report["sources"] for i in s.get("errors", [])]
    assert any(code in c for c in codes), report
    assert_unharmed(seeded, store, before)


def test_duplicate_key_error_names_file_and_line(seeded: ApiClient, store: GraphStore) -> None:
    text = SPEC_HEAD + "components:\n  schemas: {}\n  schemas: {}\n"
    response = seeded.post("/api/v1/scans", json={"files": [{"name": "s.yaml", "content": text}]})
    report = assert_error(response, 422, "scan_failed")["report"]
    issues = [i for s in report["sources"] for i in s.get("errors", [])]
    issues += report["skipped"]
    found = [i for i in issues if "duplicate-key" in i.get("code", "")]
    assert found, report
    assert found[0].get("line") == 6 or "line 6" in str(found[0]), found


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b'{"files": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        b'{"files": [{"name": "a.yaml", "content": "x"}], "n": ' + b"9" * 5000 + b"}",
        b'{"files": [], "files": [{"name": "a.yaml", "content": "x"}]}',
        b"\xff\xfe{",
    ],
)
def test_hostile_json_bodies_are_4xx(seeded: ApiClient, store: GraphStore, body: bytes) -> None:
    before = snapshot(store)
    response = seeded.post(
        "/api/v1/scans", content=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["code"] == "validation_error"
    assert_unharmed(seeded, store, before)
