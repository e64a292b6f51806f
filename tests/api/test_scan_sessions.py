"""Big trees over HTTP: scan sessions in chunks, one transaction per scan, on both stores."""

from __future__ import annotations

import http.client
import time
from pathlib import Path

import httpx
import pytest

from app import scan_sessions
from app.cli import main
from app.scan_sessions import ScanSessions
from app.settings import Settings
from graph.storage import GraphStore
from schemas.errors import NotFoundError, PayloadTooLargeError
from tests.api.conftest import ADMIN, EDITOR, KEYS, READER, ApiClient, assert_error, make_client
from tests.api.live_server import live_server

SPEC = """\
openapi: 3.0.3
info: {{title: Api {n}, version: 1.0.0}}
paths:
  /things/{n}:
    get: {{operationId: get{n}, responses: {{'200': {{description: ok}}}}}}
"""


def _files(count: int, start: int = 0) -> list[dict[str, str]]:
    return [
        {"name": f"tree/s{n}/openapi.yaml", "content": SPEC.format(n=n)}
        for n in range(start, start + count)
    ]


def _apis(store: GraphStore) -> int:
    return store.list_nodes("api", limit=1).total


def test_chunks_then_one_commit_load_the_whole_tree(api: ApiClient, store: GraphStore) -> None:
    opened = api.post("/api/v1/scans/sessions")
    assert opened.status_code == 201, opened.text
    sid = opened.json()["id"]
    base = f"/api/v1/scans/sessions/{sid}"
    for start in (0, 3):
        added = api.put(f"{base}/files", json={"files": _files(3, start)})
        assert added.status_code == 200, added.text
    assert added.json()["files"] == 6
    version = store.version()
    assert _apis(store) == 0  # nothing is written before the commit
    committed = api.post(f"{base}/commit", params={"prefix": "tree"})
    assert committed.status_code == 200, committed.text
    assert len(committed.json()["sources"]) == 6
    assert _apis(store) == 6
    assert store.version() == version + 1  # one transaction
    # a committed session is gone
    assert_error(api.post(f"{base}/commit"), 404, "not_found")


def test_a_refused_chunk_keeps_the_session_as_it_was(api: ApiClient, store: GraphStore) -> None:
    sid = api.post("/api/v1/scans/sessions").json()["id"]
    base = f"/api/v1/scans/sessions/{sid}"
    assert api.put(f"{base}/files", json={"files": _files(2)}).status_code == 200
    # one name again, or a bad name, refuses the whole chunk
    again = _files(1, 5) + _files(1)
    assert_error(api.put(f"{base}/files", json={"files": again}), 422, "duplicate_file")
    bad = [*_files(1, 7), {"name": "../evil.yaml", "content": "x"}]
    assert_error(api.put(f"{base}/files", json={"files": bad}), 422, "bad_file_name")
    assert api.put(f"{base}/files", json={"files": _files(1, 9)}).json()["files"] == 3
    assert _apis(store) == 0


def test_an_abandoned_session_writes_nothing(api: ApiClient, store: GraphStore) -> None:
    version = store.version()
    sid = api.post("/api/v1/scans/sessions").json()["id"]
    base = f"/api/v1/scans/sessions/{sid}"
    assert api.put(f"{base}/files", json={"files": _files(4)}).status_code == 200
    assert api.delete(base).status_code == 204
    assert_error(api.post(f"{base}/commit"), 404, "not_found")
    assert _apis(store) == 0 and store.version() == version


def test_sessions_need_an_editor_and_belong_to_their_key(store: GraphStore) -> None:
    editor = make_client(store)
    assert_error(editor.as_key(READER).post("/api/v1/scans/sessions"), 403, "forbidden")
    assert_error(editor.as_key(None).post("/api/v1/scans/sessions"), 401, "unauthorized")
    sid = editor.post("/api/v1/scans/sessions").json()["id"]
    admin = editor.as_key(ADMIN)
    url = f"/api/v1/scans/sessions/{sid}/files"
    assert_error(admin.put(url, json={"files": _files(1)}), 404, "not_found")
    assert editor.put(url, json={"files": _files(1)}).status_code == 200


def test_total_bytes_and_open_sessions_are_bounded(store: GraphStore) -> None:
    api = make_client(store, max_scan_sessions_bytes=4096, max_scan_sessions=2)
    first = api.post("/api/v1/scans/sessions").json()["id"]
    second = api.post("/api/v1/scans/sessions").json()["id"]
    assert_error(api.post("/api/v1/scans/sessions"), 409, "too_many_sessions")
    files = _files(20)  # about 3 KB
    assert api.put(f"/api/v1/scans/sessions/{first}/files", json={"files": files}).is_success
    refused = api.put(f"/api/v1/scans/sessions/{second}/files", json={"files": _files(20, 50)})
    assert_error(refused, 413, "payload_too_large")
    assert api.delete(f"/api/v1/scans/sessions/{first}").status_code == 204
    assert api.put(
        f"/api/v1/scans/sessions/{second}/files", json={"files": _files(20, 50)}
    ).is_success
    assert _apis(store) == 0


def test_a_chunk_over_the_body_limit_is_413_before_it_is_read(store: GraphStore) -> None:
    api = make_client(store, max_upload_bytes=2048)
    sid = api.post("/api/v1/scans/sessions").json()["id"]
    response = api.put(f"/api/v1/scans/sessions/{sid}/files", json={"files": _files(30)})
    assert_error(response, 413, "payload_too_large")


def test_files_per_session_and_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = ScanSessions(ttl_seconds=60, max_total_bytes=10**6, max_sessions=4, max_files=3)
    session = sessions.open("eddie")
    sessions.add(session.id, "eddie", [("a", "x"), ("b", "y")])
    with pytest.raises(PayloadTooLargeError):
        sessions.add(session.id, "eddie", [("c", "x"), ("d", "y")])
    assert sorted(session.files) == ["a", "b"]
    later = time.monotonic() + 61
    monkeypatch.setattr(scan_sessions.time, "monotonic", lambda: later)
    with pytest.raises(NotFoundError):
        sessions.add(session.id, "eddie", [("c", "x")])
    assert sessions.held_bytes() == 0


def _tree(root: Path, count: int) -> Path:
    tree = root / "tree"
    for n in range(count):
        folder = tree / f"s{n}"
        folder.mkdir(parents=True)
        (folder / "openapi.yaml").write_text(SPEC.format(n=n))
    return tree


def test_cli_sends_a_tree_of_1500_files_as_one_scan(
    store: GraphStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = _tree(tmp_path, 1_500)
    settings = Settings(api_keys=KEYS, data_dir=tmp_path / "data")
    version = store.version()
    with live_server(store, settings) as url:
        code = main(["scan", str(tree), "--server", url, "--key", EDITOR, "--json"])
    assert code == 0, capsys.readouterr().err
    assert _apis(store) == 1_500
    assert store.version() == version + 1  # one transaction for the whole tree


def test_cli_a_refused_chunk_writes_nothing(
    store: GraphStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = _tree(tmp_path, 1_200)
    # room for the first chunk of 1,000 files, not for the second
    room = sum(len(SPEC.format(n=n)) for n in range(1_000)) + 100
    settings = Settings(api_keys=KEYS, data_dir=tmp_path / "data", max_scan_sessions_bytes=room)
    version = store.version()
    with live_server(store, settings) as url:
        code = main(["scan", str(tree), "--server", url, "--key", EDITOR])
        assert "payload_too_large" in capsys.readouterr().err
        # the CLI deleted its session: the room is free again
        with httpx.Client(headers={"Authorization": f"Bearer {EDITOR}"}) as client:
            sid = client.post(f"{url}/api/v1/scans/sessions").json()["id"]
            chunk = {"files": _files(1_000)}
            assert client.put(f"{url}/api/v1/scans/sessions/{sid}/files", json=chunk).is_success
    assert code == 2
    assert _apis(store) == 0 and store.version() == version


def test_serve_keeps_idle_connections_open_past_clients_pool_expiry(
    store: GraphStore, tmp_path: Path
) -> None:
    """httpx keeps idle connections 5 s; a server closing at 5 s races it (resets)."""
    settings = Settings(api_keys=KEYS, data_dir=tmp_path / "data")
    with live_server(store, settings) as url:
        port = int(url.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {EDITOR}"}
        try:
            conn.request("GET", "/api/v1/products", headers=headers)
            first = conn.getresponse()
            assert first.status == 200
            first.read()  # the whole response, so the connection can be reused
            sock = conn.sock
            time.sleep(6.5)  # past uvicorn's default keep-alive of 5 s
            conn.request("GET", "/api/v1/products", headers=headers)
            again = conn.getresponse()
            assert again.status == 200
            again.read()
            assert conn.sock is sock  # the same connection, not a reconnect
        finally:
            conn.close()
