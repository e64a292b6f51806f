"""Keys and roles, health and readiness, export and import over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.auth import KeyConfigError, parse_keys
from graph.storage import GraphStore, SQLiteStore
from graph.storage.neo4j_store import Neo4jStore
from tests.api.conftest import ADMIN, EDITOR, READER, ApiClient, assert_error, make_client


def test_writes_need_an_editor_key(api: ApiClient, store: GraphStore) -> None:
    body = {"slug": "p"}
    response = api.as_key(None).post("/api/v1/products", json=body)
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error(
        api.as_key("wrong-secret").post("/api/v1/products", json=body), 401, "unauthorized"
    )
    forbidden = assert_error(
        api.as_key(READER).post("/api/v1/products", json=body), 403, "forbidden"
    )
    assert READER not in forbidden["message"]
    assert store.counts() == (0, 0)
    assert api.as_key(ADMIN).post("/api/v1/products", json=body).status_code == 201


def test_x_api_key_header_works(api: ApiClient) -> None:
    response = api.as_key(None).post(
        "/api/v1/teams", json={"slug": "t"}, headers={"X-API-Key": EDITOR}
    )
    assert response.status_code == 201


def test_reads_need_a_reader_key_unless_anonymous_read(store: GraphStore) -> None:
    closed = make_client(store).as_key(None)
    assert_error(closed.get("/api/v1/products"), 401, "unauthorized")
    assert closed.as_key(READER).get("/api/v1/products").status_code == 200
    opened = make_client(store, anonymous_read=True).as_key(None)
    assert opened.get("/api/v1/products").status_code == 200
    assert_error(opened.post("/api/v1/products", json={"slug": "p"}), 401, "unauthorized")


def test_import_needs_admin(api: ApiClient) -> None:
    doc = api.get("/api/v1/export").json()
    assert_error(api.post("/api/v1/import", json=doc), 403, "forbidden")
    assert api.as_key(ADMIN).post("/api/v1/import", json=doc).status_code == 200


def test_key_parsing_rejects_bad_entries_without_echoing_secrets() -> None:
    keys = parse_keys("a:admin:s1, b:reader:s2\n# comment\nc:editor:s3")
    assert [(k.name, k.role.name) for k in keys] == [
        ("a", "ADMIN"),
        ("b", "READER"),
        ("c", "EDITOR"),
    ]
    assert "s1" not in repr(keys)
    with pytest.raises(KeyConfigError) as err:
        parse_keys("a:root:topsecret")
    assert "topsecret" not in str(err.value)
    with pytest.raises(KeyConfigError):
        parse_keys("just-a-secret")


def test_keys_file(tmp_path: Path, store: GraphStore) -> None:
    path = tmp_path / "keys"
    path.write_text("# team keys\nops:editor:file-secret-123\n")
    client = make_client(store, api_keys_file=path)
    response = client.as_key("file-secret-123").post("/api/v1/teams", json={"slug": "ops"})
    assert response.status_code == 201


def test_health_and_readiness(api: ApiClient, store: GraphStore) -> None:
    assert api.as_key(None).get("/healthz").json() == {"status": "ok"}
    ready = api.as_key(None).get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["backend"] == store.backend


def test_readiness_is_503_with_a_reason_when_neo4j_is_down() -> None:
    down = Neo4jStore("bolt://127.0.0.1:1", connection_timeout=1.0)
    try:
        client = make_client(down).as_key(None)
        assert client.get("/healthz").status_code == 200
        body = assert_error(client.get("/readyz"), 503, "store_unavailable")
        assert "Neo4j" in body["message"]
    finally:
        down.close()


def test_unknown_route_and_method_are_json(api: ApiClient) -> None:
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(api.request("PATCH", "/api/v1/products"), 405, "method_not_allowed")


def test_openapi_docs_are_served(api: ApiClient) -> None:
    schema = api.get("/openapi.json").json()
    assert "/api/v1/products/{slug}" in schema["paths"]
    assert "/api/v1/edges" in schema["paths"]
    assert api.get("/docs").status_code == 200


def test_export_from_one_store_import_into_another(
    api: ApiClient, store: GraphStore, tmp_path: Path
) -> None:
    api.post("/api/v1/products", json={"slug": "checkout", "tier": 1})
    api.post("/api/v1/components", json={"slug": "cart", "product": "checkout"})
    doc = api.get("/api/v1/export").json()
    assert doc["format"] == "archgraph-graph"
    target = SQLiteStore(tmp_path / "copy.db")
    try:
        other = make_client(target).as_key(ADMIN)
        result = other.post("/api/v1/import", json=doc).json()
        assert (result["nodes"], result["edges"]) == (2, 1)
        assert list(target.iter_nodes()) == list(store.iter_nodes())
        assert list(target.iter_edges()) == list(store.iter_edges())
        bad = assert_error(
            other.post("/api/v1/import", json={"format": "nope"}), 422, "validation_error"
        )
        assert bad["location"] == "format"
        assert target.counts() == (2, 1)
    finally:
        target.close()
