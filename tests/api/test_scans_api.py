"""Scanning through the HTTP API and the CLI, on both stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.main import EXAMPLE_PORTFOLIO, create_app, load_example_if_empty
from app.settings import Settings
from graph.storage import GraphStore, SQLiteStore
from tests.api.conftest import READER, ApiClient, assert_error

MANIFEST = """\
apiVersion: archgraph/v1
kind: Component
name: orders
product: shop
owner: team-orders
depends_on:
  - component: payments
    strength: hard
  - component: search
    strength: soft
"""

SPEC = """\
openapi: 3.0.3
info: {title: Orders API, version: 1.0.0}
x-archgraph-component: orders
paths:
  /orders/{id}:
    get: {operationId: getOrder, responses: {'200': {description: ok}}}
"""


def _edges(store: GraphStore) -> set[tuple[str, str, str]]:
    return {e.key for e in store.iter_edges()}


def test_json_upload_scans_and_reports_per_source(api: ApiClient, store: GraphStore) -> None:
    body = {
        "files": [
            {"name": "orders/archgraph.yaml", "content": MANIFEST},
            {"name": "orders/openapi.yaml", "content": SPEC},
        ]
    }
    response = api.post("/api/v1/scans", json=body)
    assert response.status_code == 200, response.text
    report = response.json()
    assert {s["source"]: s["status"] for s in report["sources"]} == {
        "manifest:orders/archgraph.yaml": "loaded",
        "openapi:orders/openapi.yaml": "loaded",
    }
    assert ("component:orders", "DEPENDS_ON", "component:payments") in _edges(store)
    api_node = store.get_node("api:orders-api")
    assert api_node is not None
    assert [op["operation_id"] for op in api_node.properties["operations"]] == ["getOrder"]
    again = api.post("/api/v1/scans", json=body).json()
    assert {s["status"] for s in again["sources"]} == {"unchanged"}
    assert again["version"] == report["version"]


def test_multipart_upload_and_rescan_after_editing(api: ApiClient, store: GraphStore) -> None:
    files = [("files", ("orders/archgraph.yaml", MANIFEST.encode(), "application/yaml"))]
    assert api.post("/api/v1/scans", files=files).status_code == 200
    assert ("component:orders", "DEPENDS_ON", "component:search") in _edges(store)
    edited = MANIFEST.replace("  - component: search\n    strength: soft\n", "")
    files = [("files", ("orders/archgraph.yaml", edited.encode(), "application/yaml"))]
    report = api.post("/api/v1/scans", files=files).json()
    assert report["sources"][0]["removed"] >= 1
    assert ("component:orders", "DEPENDS_ON", "component:search") not in _edges(store)
    assert ("component:orders", "DEPENDS_ON", "component:payments") in _edges(store)


def test_a_bad_file_is_422_with_the_report_and_writes_nothing(
    api: ApiClient, store: GraphStore
) -> None:
    api.post("/api/v1/scans", json={"files": [{"name": "o/archgraph.yaml", "content": MANIFEST}]})
    before = (_edges(store), store.version())
    bad = {
        "files": [
            {"name": "o/archgraph.yaml", "content": MANIFEST + "  - {component: [\n"},
            {
                "name": "x/archgraph.yaml",
                "content": "apiVersion: archgraph/v1\nkind: Component\nname: x\nplatform: maybe\n",
            },
        ]
    }
    body = assert_error(api.post("/api/v1/scans", json=bad), 422, "scan_failed")
    assert body["report"]["failed"] is True
    errors = {s["file"]: s["errors"] for s in body["report"]["sources"]}
    assert errors["o/archgraph.yaml"][0]["line"] is not None
    assert any(e.get("field") == "platform" for e in errors["x/archgraph.yaml"])
    assert (_edges(store), store.version()) == before


def test_scan_needs_an_editor_and_bounds_the_upload(api: ApiClient, store: GraphStore) -> None:
    body = {"files": [{"name": "a.yaml", "content": MANIFEST}]}
    assert_error(api.as_key(READER).post("/api/v1/scans", json=body), 403, "forbidden")
    assert_error(api.post("/api/v1/scans", json={"files": []}), 422, "validation_error")
    assert_error(
        api.post("/api/v1/scans", content=b"{nope", headers={"Content-Type": "application/json"}),
        422,
        "validation_error",
    )
    small = create_app(Settings(api_keys="e:editor:k" * 1, max_upload_bytes=1024), store=store)
    big = {"files": [{"name": "a.yaml", "content": "#" * 5000}]}
    assert_error(ApiClient(small, "k").post("/api/v1/scans", json=big), 413, "payload_too_large")
    assert store.counts() == (0, 0)


def test_cli_scan_is_idempotent_and_exits_non_zero_on_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "repo"
    (tree / "orders").mkdir(parents=True)
    (tree / "orders" / "archgraph.yaml").write_text(MANIFEST)
    (tree / "orders" / "openapi.yaml").write_text(SPEC)
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "scan", str(tree)]) == 0
    first = capsys.readouterr().out
    assert "2 sources" in first and "0 failed" in first
    assert main([*data, "scan", str(tree), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["created"] == 0 and report["totals"]["updated"] == 0
    (tree / "broken.yaml").write_text("openapi: 3.0.0\ninfo: [unclosed\n")
    assert main([*data, "scan", str(tree)]) == 1
    assert "failed" in capsys.readouterr().out


def test_example_portfolio_is_loaded_into_an_empty_store_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SQLiteStore(tmp_path / "g.db")
    try:
        load_example_if_empty(store)
        assert "example portfolio was loaded" in capsys.readouterr().out
        nodes, edges = store.counts()
        assert nodes > 100 and edges > 200
        products = store.list_nodes("product", limit=100).items
        assert len(products) >= 6
        assert {p.properties.get("tier") for p in products} >= {1, 2, 3}
        version = store.version()
        load_example_if_empty(store)
        assert "not loaded" in capsys.readouterr().out
        assert store.version() == version
        # the CLI scan of the same folder reproduces it: nothing changes
        assert main(["--data-dir", str(tmp_path), "scan", str(EXAMPLE_PORTFOLIO)]) == 0
    finally:
        store.close()


def test_a_tree_that_turns_into_nothing_is_an_empty_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], api: ApiClient, store: GraphStore
) -> None:
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "README.md").write_text("# nothing to read\n")
    (tree / "main.tf").write_text('resource "null_resource" "x" {}\n')
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "scan", str(tree)]) == 1
    out = capsys.readouterr().out
    assert "nothing read" in out and "2 file(s)" in out
    assert "warning   main.tf: looks like Terraform configuration" in out
    assert main([*data, "scan", str(tree), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["empty"] is True and report["failed"] is True and report["files"] == 2
    # an empty directory is not an empty scan: nothing in, nothing out
    (tmp_path / "void").mkdir()
    assert main([*data, "scan", str(tmp_path / "void")]) == 0
    # over HTTP: 422 scan_empty with the report, and nothing written or pruned
    api.post("/api/v1/scans", json={"files": [{"name": "repo/openapi.yaml", "content": SPEC}]})
    before = (store.counts(), store.version())
    body = {"files": [{"name": "repo/README.md", "content": "# nothing\n"}]}
    response = api.post("/api/v1/scans?prefix=repo&complete=true", json=body)
    error = assert_error(response, 422, "scan_empty")
    assert error["report"]["empty"] is True
    assert (store.counts(), store.version()) == before
    # a refused upload stays scan_failed, the more specific answer
    assert_error(api.post("/api/v1/scans", json=body), 422, "scan_failed")
