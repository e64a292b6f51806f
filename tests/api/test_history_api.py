"""The change log through the HTTP API and the CLI, on both stores."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from graph.storage import GraphStore, SQLiteStore, change_time
from tests.api.conftest import ADMIN, READER, ApiClient, assert_error, make_client

SPEC = """\
openapi: 3.0.3
info: {title: Orders API, version: 1.0.0}
x-archgraph-component: orders
paths:
  /orders/{id}:
    get: {operationId: getOrder, responses: {'200': {description: ok}}}
"""


def _graph(doc: dict[str, Any]) -> tuple[Any, Any, Any]:
    return doc["version"], doc["nodes"], doc["edges"]


def test_api_writes_record_the_key_name(api: ApiClient) -> None:
    assert api.post("/api/v1/teams", json={"slug": "core", "name": "Core"}).status_code == 201
    created = api.post("/api/v1/products", json={"slug": "shop", "name": "Shop", "owner": "core"})
    assert created.status_code == 201, created.text
    assert created.json()["provenance"] == [
        {
            "source": "api",
            "asserted_at": created.json()["provenance"][0]["asserted_at"],
            "actor": "eddie",
        }
    ]
    assert api.as_key(ADMIN).patch("/api/v1/products/shop", json={"tier": 1}).status_code == 200
    page = api.get("/api/v1/changes").json()
    summary = [(c["op"], c.get("element") or c["edge"]["type"], c["actor"]) for c in page["items"]]
    assert summary == [
        ("updated", "product:shop", "ada"),
        ("created", "OWNS", "eddie"),
        ("created", "product:shop", "eddie"),
        ("created", "team:core", "eddie"),
    ] or summary == [
        ("updated", "product:shop", "ada"),
        ("created", "product:shop", "eddie"),
        ("created", "OWNS", "eddie"),
        ("created", "team:core", "eddie"),
    ]
    update = page["items"][0]
    assert (update["before"], update["after"]) == (
        {"name": "Shop", "owner": "core"},
        {"name": "Shop", "owner": "core", "tier": 1},
    )
    edge = api.post(
        "/api/v1/edges", json={"from": "team:core", "type": "OWNS", "to": "product:shop"}
    )
    assert edge.status_code == 409  # a failed request records nothing
    assert api.get("/api/v1/changes").json()["items"] == page["items"]


def test_changes_filters_and_pages(api: ApiClient) -> None:
    for slug in ("a", "b", "c"):
        assert api.post("/api/v1/teams", json={"slug": slug}).status_code == 201
    middle = change_time()
    assert api.as_key(ADMIN).delete("/api/v1/teams/a").status_code == 204
    reader = api.as_key(READER)
    first = reader.get("/api/v1/changes", params={"limit": 2}).json()
    assert [c["element"] for c in first["items"]] == ["team:a", "team:c"]
    rest = reader.get("/api/v1/changes", params={"limit": 2, "cursor": first["next_cursor"]})
    assert [c["element"] for c in rest.json()["items"]] == ["team:b", "team:a"]
    assert rest.json()["next_cursor"] is None
    since = reader.get("/api/v1/changes", params={"since": middle}).json()["items"]
    assert [(c["op"], c["actor"]) for c in since] == [("removed", "ada")]
    by_actor = reader.get("/api/v1/changes", params={"actor": "ada"}).json()["items"]
    assert [c["element"] for c in by_actor] == ["team:a"]
    by_element = reader.get("/api/v1/changes", params={"element": "team:a"}).json()["items"]
    assert [c["op"] for c in by_element] == ["removed", "created"]
    assert_error(reader.get("/api/v1/changes", params={"cursor": "x"}), 422, "validation_error")
    assert_error(reader.get("/api/v1/changes", params={"since": "soon"}), 422, "validation_error")
    assert_error(api.as_key(None).get("/api/v1/changes"), 401, "unauthorized")


def test_scans_record_source_and_key(api: ApiClient) -> None:
    body = {"files": [{"name": "orders/openapi.yaml", "content": SPEC}]}
    assert api.post("/api/v1/scans", json=body, params={"prefix": "t"}).status_code == 200
    items = api.get("/api/v1/changes").json()["items"]
    assert items and {(c["actor"], c["source"]) for c in items} == {
        ("eddie", "openapi:t/orders/openapi.yaml")
    }
    node = api.get("/api/v1/elements/api:orders-api").json()
    assert [(p["source"], p["actor"]) for p in node["provenance"]] == [
        ("openapi:t/orders/openapi.yaml", "eddie")
    ]


def test_export_as_of_and_diff_over_api_writes_and_scans(api: ApiClient) -> None:
    admin = api.as_key(ADMIN)
    steps = [
        lambda: api.post("/api/v1/products", json={"slug": "shop", "name": "Shop"}),
        lambda: api.post("/api/v1/components", json={"slug": "orders", "product": "shop"}),
        lambda: api.post(
            "/api/v1/scans", json={"files": [{"name": "o/openapi.yaml", "content": SPEC}]}
        ),
        lambda: admin.patch("/api/v1/products/shop", json={"tier": 2}),
        lambda: admin.delete("/api/v1/components/orders"),
    ]
    snapshots = [(change_time(), api.get("/api/v1/export").json())]
    for step in steps:
        assert step().status_code < 300
        time.sleep(0.002)
        snapshots.append((change_time(), api.get("/api/v1/export").json()))
    for at, doc in snapshots:
        for point in (at, str(doc["version"])):
            rebuilt = api.get("/api/v1/export", params={"as_of": point})
            assert rebuilt.status_code == 200, rebuilt.text
            assert _graph(rebuilt.json()) == _graph(doc)
    result = api.get(
        "/api/v1/diff", params={"from": snapshots[1][0], "to": str(snapshots[4][1]["version"])}
    ).json()
    shop = next(g for g in result["products"] if g["product"] == "product:shop")
    assert {i.get("element") for i in shop["added"]} >= {"component:orders"}
    assert [i["element"] for i in shop["changed"]] == ["product:shop"]
    assert shop["changed"][0]["changes"][-1]["actor"] == "ada"
    future = api.get("/api/v1/export", params={"as_of": "999999"})
    assert_error(future, 422, "unknown_version")


def test_retention_refuses_points_older_than_it_keeps(store: GraphStore) -> None:
    api = make_client(store, history_retention_days=1)
    response = api.get("/api/v1/diff", params={"from": "2001-01-01T00:00:00Z"})
    assert_error(response, 422, "history_pruned")


def test_cli_changes_diff_and_export_as_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    tree = tmp_path / "tree"
    (tree / "orders").mkdir(parents=True)
    (tree / "orders" / "openapi.yaml").write_text(SPEC)
    before = change_time()
    assert main(["--data-dir", str(data), "export", "-o", str(tmp_path / "empty.json")]) == 0
    time.sleep(0.002)
    assert main(["--data-dir", str(data), "scan", str(tree)]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data), "changes", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    assert items and {c["source"] for c in items} == {"openapi:tree/orders/openapi.yaml"}
    assert main(["--data-dir", str(data), "diff", "--from", before, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    added = {i.get("element") for g in result["products"] for i in g["added"]}
    assert "api:orders-api" in added
    out = tmp_path / "then.json"
    assert main(["--data-dir", str(data), "export", "--as-of", before, "-o", str(out)]) == 0
    then = json.loads(out.read_text())
    assert (then["nodes"], then["edges"]) == ([], [])
    store = SQLiteStore(data / "archgraph.db")
    try:
        assert store.version() > then["version"] == 0
    finally:
        store.close()
