"""Uploads skip files unchanged since the last upload of the tree, on both stores.

The rule is docs/scanners.md, "Re-scans". Parses are counted by wrapping
the real ``load_documents`` (it still parses); every outcome is compared
with a full upload of the same files into an empty store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.scan_service import load_scan
from app.settings import Settings
from graph.storage import GraphStore, SQLiteStore, export_document
from scanners import rescan_directory
from tests.scanners.conftest import dedent
from tests.scanners.test_rescan import TREE, spec

from .conftest import EDITOR, KEYS, ApiClient, make_client
from .live_server import live_server

FILES: dict[str, str] = {name: dedent(text) for name, text in TREE.items()}
PARSED = 8  # files archgraph parses (README.txt is sniffed, not parsed)


def upload(
    api: ApiClient,
    files: dict[str, str],
    *,
    full: bool = False,
    complete: bool = True,
    multipart: bool = False,
) -> dict[str, Any]:
    params = {"prefix": "repo", "complete": str(complete).lower(), "full": str(full).lower()}
    if multipart:
        parts = [("files", (name, text.encode(), "text/plain")) for name, text in files.items()]
        response = api.post("/api/v1/scans", params=params, files=parts)
    else:
        body = {"files": [{"name": n, "content": t} for n, t in files.items()]}
        response = api.post("/api/v1/scans", params=params, json=body)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def by_session(api: ApiClient, files: dict[str, str], *, full: bool = False) -> dict[str, Any]:
    """The CLI's ``scan --server`` path: a session in two chunks, then the commit."""
    sid = api.post("/api/v1/scans/sessions").json()["id"]
    base = f"/api/v1/scans/sessions/{sid}"
    items = [{"name": n, "content": t} for n, t in files.items()]
    for chunk in (items[:4], items[4:]):
        assert api.put(f"{base}/files", json={"files": chunk}).status_code == 200
    params = {"prefix": "repo", "complete": "true", "full": str(full).lower()}
    response = api.post(f"{base}/commit", params=params)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def export(store: GraphStore) -> dict[str, Any]:
    """The exported graph: nodes and edges with every assertion, less when each was made."""
    doc = export_document(store)
    for item in [*doc["nodes"], *doc["edges"]]:
        for assertion in item.get("assertions", []):
            assertion.pop("asserted_at", None)
    return {"nodes": doc["nodes"], "edges": doc["edges"]}


def fresh(files: dict[str, str], *, complete: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """The export and the report a full upload of *files* gives in an empty store."""
    other = SQLiteStore(":memory:")
    try:
        report = upload(make_client(other), files, complete=complete, full=True)
        return export(other), report
    finally:
        other.close()


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {s["source"]: s["status"] for s in report["sources"]}


def changed(files: dict[str, str], path: str, old: str, new: str) -> dict[str, str]:
    assert old in files[path]
    return {**files, path: files[path].replace(old, new, 1)}


@pytest.mark.parametrize("multipart", [False, True])
def test_an_unchanged_upload_parses_nothing_and_reports_every_source_unchanged(
    store: GraphStore, api: ApiClient, parses: list[str], multipart: bool
) -> None:
    first = upload(api, FILES, multipart=multipart)
    assert len(parses) == PARSED and first["totals"]["parsed"] == PARSED
    before, version = export_document(store), store.version()
    before.pop("exported_at")
    parses.clear()
    again = upload(api, FILES, multipart=multipart)
    assert parses == [] and again["totals"]["parsed"] == 0
    assert again["totals"]["unchanged_files"] == len(first["sources"])
    assert statuses(again) == {s: "unchanged" for s in statuses(first)}
    assert {**export_document(store), "exported_at": None} == {**before, "exported_at": None}
    assert store.version() == version
    # what a full upload of the same files reports: every source unchanged
    parses.clear()
    forced = upload(api, FILES, multipart=multipart, full=True)
    assert len(parses) == PARSED and forced["totals"]["unchanged_files"] == 0
    assert statuses(forced) == statuses(again)
    assert {**export_document(store), "exported_at": None} == {**before, "exported_at": None}
    assert store.version() == version


def test_a_session_commit_skips_unchanged_files_unless_full(
    store: GraphStore, api: ApiClient, parses: list[str]
) -> None:
    by_session(api, FILES)
    parses.clear()
    again = by_session(api, FILES)
    assert parses == [] and set(statuses(again).values()) == {"unchanged"}
    forced = by_session(api, FILES, full=True)
    assert len(parses) == PARSED and forced["totals"]["parsed"] == PARSED


def test_one_changed_byte_in_a_spec_is_noticed_and_only_that_file_parsed(
    store: GraphStore, api: ApiClient, parses: list[str]
) -> None:
    upload(api, FILES)
    files = changed(FILES, "specs/b.yaml", "first", "firsT")
    parses.clear()
    report = upload(api, files)
    assert len(parses) == 1 and "firsT" in parses[0]
    assert {s: st for s, st in statuses(report).items() if st != "unchanged"} == {
        "openapi:repo/specs/b.yaml": "loaded"
    }
    after, full_report = fresh(files)
    assert export(store) == after
    assert set(statuses(report)) == set(statuses(full_report))
    parses.clear()
    assert upload(api, files)["totals"]["parsed"] == 0 and parses == []


def test_a_changed_json_upload_byte_is_noticed(
    store: GraphStore, api: ApiClient, parses: list[str]
) -> None:
    upload(api, FILES, multipart=True)
    files = changed(FILES, "specs/c.json", '"paths": {}', '"paths": {} ')
    parses.clear()
    upload(api, files, multipart=True)
    assert len(parses) == 1
    assert export(store) == fresh(files)[0]


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        ("svc/archgraph.yaml", "orders-team", "orders-teal"),  # a manifest feeds its specs
        ("svc/orders.yaml", "listOrders", "listOrderz"),  # a provided spec
        ("specs/b.yaml", "Beta", "Alpha"),  # two specs now claim one API
        ("events/billing.yaml", "invoice/created", "invoice/createD"),  # channels joined
        ("catalog-info.yaml", "team-a", "team-b"),  # the catalog indexes every entity
        ("README.txt", "ours", "ourz"),  # no source, yet part of the tree
    ],
)
def test_a_changed_shared_file_re_parses_the_whole_upload(
    store: GraphStore, api: ApiClient, parses: list[str], path: str, old: str, new: str
) -> None:
    upload(api, FILES)
    files = changed(FILES, path, old, new)
    parses.clear()
    report = upload(api, files)
    assert report["totals"]["unchanged_files"] == 0
    assert len(parses) >= PARSED  # every file (a changed spec may be read once alone first)
    after, full_report = fresh(files)
    assert export(store) == after
    assert set(statuses(report)) == set(statuses(full_report))


def test_added_and_removed_files_re_parse_and_prune(
    store: GraphStore, api: ApiClient, parses: list[str]
) -> None:
    upload(api, FILES)
    files = {n: t for n, t in FILES.items() if n != "specs/a.yaml"}
    files["specs/d.yaml"] = dedent(spec("Delta"))
    parses.clear()
    report = upload(api, files)
    assert len(parses) == PARSED
    assert statuses(report)["openapi:repo/specs/a.yaml"] == "pruned"
    assert export(store) == fresh(files)[0]
    assert "openapi:repo/specs/a.yaml" not in store.scan_states()


def test_a_plain_upload_of_fewer_files_reports_only_what_it_read(
    store: GraphStore, api: ApiClient, parses: list[str]
) -> None:
    upload(api, {n: t for n, t in FILES.items() if n != "README.txt"}, complete=False)
    some = {n: FILES[n] for n in ("specs/a.yaml", "specs/b.yaml")}
    parses.clear()
    first = upload(api, some, complete=False)
    assert len(parses) == 2  # another tree: parsed in full, nothing pruned
    parses.clear()
    again = upload(api, some, complete=False)
    assert parses == []
    assert statuses(again) == dict.fromkeys(statuses(first), "unchanged")
    assert set(statuses(again)) == {"openapi:repo/specs/a.yaml", "openapi:repo/specs/b.yaml"}


def test_uploads_and_local_scans_of_one_prefix_never_reuse_each_others_states(
    store: GraphStore, api: ApiClient, parses: list[str], tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)

    def local() -> int:
        found = rescan_directory(root, previous=store.scan_states())
        assert not load_scan(store, found, actor="eddie").failed
        return found.parsed

    assert local() == PARSED and local() == 0
    # an upload changes one of the local tree's sources behind its back
    files = changed(FILES, "specs/b.yaml", "first", "upload")
    parses.clear()
    upload(api, files)
    assert len(parses) == PARSED  # a local scan's state is not an upload's
    # the next local scan must notice: the tree on disk is not what the graph holds
    assert local() == PARSED
    disk = fresh(FILES)[0]
    assert export(store) == disk
    parses.clear()
    upload(api, FILES)
    assert len(parses) == PARSED and export(store) == disk


def test_a_scan_of_a_sub_tree_makes_the_enclosing_upload_parse_again(
    store: GraphStore, api: ApiClient, parses: list[str]
) -> None:
    upload(api, FILES)
    sub = {"b.yaml": changed(FILES, "specs/b.yaml", "first", "inner")["specs/b.yaml"]}
    response = api.post(
        "/api/v1/scans",
        params={"prefix": "repo/specs"},
        json={"files": [{"name": n, "content": t} for n, t in sub.items()]},
    )
    assert response.status_code == 200, response.text
    assert "tree:repo" not in store.scan_states()
    parses.clear()
    upload(api, FILES)
    assert len(parses) == PARSED
    assert export(store) == fresh(FILES)[0]


def test_scan_server_skips_unchanged_files_and_full_parses_them(
    store: GraphStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    settings = Settings(api_keys=KEYS, data_dir=tmp_path / "data")

    def send(*extra: str) -> dict[str, Any]:
        capsys.readouterr()
        code = main(["scan", str(root), "--server", url, "--key", EDITOR, "--json", *extra])
        out = capsys.readouterr().out
        assert code == 0, out
        report: dict[str, Any] = json.loads(out)
        return report

    with live_server(store, settings) as url:
        first = send()
        again = send()
        (root / "specs/b.yaml").write_text(FILES["specs/b.yaml"].replace("first", "firsT"))
        one = send()
        forced = send("--full")
    assert first["totals"]["parsed"] == PARSED
    assert again["totals"]["parsed"] == 0
    assert set(statuses(again).values()) == {"unchanged"}
    assert again["totals"]["unchanged_files"] == len(first["sources"])
    assert one["totals"]["parsed"] == 1
    assert [s for s, st in statuses(one).items() if st != "unchanged"] == [
        "openapi:repo/specs/b.yaml"
    ]
    assert forced["totals"]["parsed"] == PARSED and forced["totals"]["unchanged_files"] == 0
    assert (
        export(store)
        == fresh({**FILES, "specs/b.yaml": FILES["specs/b.yaml"].replace("first", "firsT")})[0]
    )


def test_an_uploaded_sender_that_fails_keeps_its_part_in_the_event_joins(
    store: GraphStore, api: ApiClient
) -> None:
    """As for a local scan: a failed sender of a re-scanned upload still sends in the join."""
    upload(api, FILES)
    before = export(store)
    broken = {**FILES, "events/billing.yaml": FILES["events/billing.yaml"] + "\n  broken: [\n"}
    body = {"files": [{"name": n, "content": t} for n, t in broken.items()]}
    for _ in range(2):
        response = api.post("/api/v1/scans", params={"prefix": "repo"}, json=body)
        assert response.status_code == 422 and response.json()["code"] == "scan_failed"
        report = response.json()["report"]
        assert statuses(report)["asyncapi:repo/events/billing.yaml"] == "failed"
        assert statuses(report)["asyncapi:repo/events/mailer.yaml"] == "unchanged"
        assert export(store) == before
    upload(api, FILES)
    assert export(store) == before == fresh(FILES)[0]
