"""The ADR registry over HTTP, on both stores (rules in docs/adr.md)."""

from __future__ import annotations

from typing import Any

import pytest

from graph.storage import GraphStore
from tests.api.conftest import READER, ApiClient, assert_error


@pytest.fixture
def graph(api: ApiClient) -> ApiClient:
    """Two products; shop-web depends on auth, which depends on db; billing-app on db."""
    for slug in ("shop", "billing"):
        assert api.post("/api/v1/products", json={"slug": slug, "tier": 1}).status_code == 201
    for slug, product in (("auth", None), ("db", None), ("shop-web", "shop"), ("bill", "billing")):
        body: dict[str, Any] = {"slug": slug}
        if product:
            body["product"] = product
        assert api.post("/api/v1/components", json=body).status_code == 201
    for a, b in (("shop-web", "auth"), ("auth", "db")):
        edge = {"from": f"component:{a}", "type": "DEPENDS_ON", "to": f"component:{b}"}
        assert api.post("/api/v1/edges", json=edge).status_code in (200, 201)
    return api


def _new(api: ApiClient, **body: Any) -> dict[str, Any]:
    response = api.post("/api/v1/adrs", json={"title": "T", **body})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_register_numbers_who_when_edges_and_impact(graph: ApiClient, store: GraphStore) -> None:
    first = _new(
        graph,
        title="Move auth to Keycloak",
        context="c",
        alternatives=[{"name": "Keycloak", "pros": ["open"], "cons": ["java"]}],
        deciders=["Ann"],
        tags=["security"],
        affects=[{"ref": "component:auth", "change_type": "migrate"}],
    )
    assert (first["number"], first["id"], first["status"]) == (1, "ADR-0001", "proposed")
    assert first["created_by"] == "eddie" and first["created_at"]
    assert first["history"][0]["action"] == "created" and first["history"][0]["by"] == "eddie"
    assert store.get_edge("adr:adr-0001", "AFFECTS", "component:auth") is not None
    assert first["impact"]["affected_products"] == ["product:shop"]
    assert first["impact"]["graph_version"] >= 1
    second = _new(graph, title="Second")
    assert second["number"] == 2
    assert graph.get("/api/v1/adrs/ADR-0001").json()["title"] == "Move auth to Keycloak"
    assert graph.get("/api/v1/adrs/1").json()["number"] == 1


def test_numbers_are_never_reused_after_a_delete(graph: ApiClient) -> None:
    _new(graph)
    _new(graph)
    assert graph.delete("/api/v1/adrs/2").status_code == 204
    assert_error(graph.get("/api/v1/adrs/2"), 404, "adr_not_found")
    assert _new(graph)["number"] == 3


def test_unknown_references_listed_and_nothing_written(graph: ApiClient, store: GraphStore) -> None:
    before = store.counts()
    body = graph.post(
        "/api/v1/adrs",
        json={
            "title": "x",
            "affects": [{"ref": "component:nope"}, {"ref": "component:auth"}, {"ref": "api:gone"}],
            "supersedes": [42],
        },
    )
    error = assert_error(body, 422, "unknown_reference")
    assert error["details"]["unknown"] == [
        "affects[0]: component:nope",
        "affects[2]: api:gone",
        "supersedes[0]: ADR-0042",
    ]
    assert store.counts() == before
    assert _new(graph)["number"] == 1


def test_roles_and_bad_input(graph: ApiClient) -> None:
    assert_error(graph.as_key(READER).post("/api/v1/adrs", json={"title": "x"}), 403, "forbidden")
    assert_error(
        graph.post("/api/v1/adrs", json={"title": "x", "status": "superseded"}),
        422,
        "validation_error",
    )
    assert_error(graph.get("/api/v1/adrs/99"), 404, "adr_not_found")
    assert_error(graph.get("/api/v1/adrs/banana"), 404, "adr_not_found")


def test_patch_keeps_each_edit_in_history(graph: ApiClient) -> None:
    _new(graph, context="old")
    edited = graph.patch("/api/v1/adrs/1", json={"context": "new", "tags": ["x"]}).json()
    assert edited["context"] == "new" and edited["tags"] == ["x"]
    entry = edited["history"][-1]
    assert entry["action"] == "edited" and entry["by"] == "eddie"
    assert entry["fields"] == ["context", "tags"] and entry["before"]["context"] == "old"
    assert_error(
        graph.patch("/api/v1/adrs/1", json={"status": "accepted"}), 422, "validation_error"
    )


def test_lifecycle_transitions_and_forbidden_ones(graph: ApiClient) -> None:
    _new(graph)
    error = assert_error(
        graph.post("/api/v1/adrs/1/status", json={"status": "deprecated"}),
        409,
        "adr_transition_forbidden",
    )
    assert error["details"]["allowed"] == ["accepted", "rejected"]
    accepted = graph.post("/api/v1/adrs/1/status", json={"status": "accepted"}).json()
    assert accepted["status"] == "accepted"
    assert accepted["history"][-1] | {"at": None} == {
        "at": None,
        "by": "eddie",
        "action": "status",
        "from": "proposed",
        "to": "accepted",
    }
    error = assert_error(
        graph.post("/api/v1/adrs/1/status", json={"status": "superseded"}),
        409,
        "adr_transition_forbidden",
    )
    assert error["details"]["allowed"] == ["deprecated"]
    assert graph.post("/api/v1/adrs/1/status", json={"status": "deprecated"}).status_code == 200
    assert_error(
        graph.post("/api/v1/adrs/1/status", json={"status": "accepted"}),
        409,
        "adr_transition_forbidden",
    )
    _new(graph)
    assert graph.post("/api/v1/adrs/2/status", json={"status": "rejected"}).json()["status"] == (
        "rejected"
    )


def test_supersede_links_both_ways(graph: ApiClient, store: GraphStore) -> None:
    _new(graph)
    assert_error(
        graph.post("/api/v1/adrs", json={"title": "n", "supersedes": [1]}),
        409,
        "adr_supersede_forbidden",
    )  # ADR-0001 is only proposed
    graph.post("/api/v1/adrs/1/status", json={"status": "accepted"})
    newer = _new(graph, supersedes=[1])
    assert newer["supersedes"] == [1]
    old = graph.get("/api/v1/adrs/1").json()
    assert old["status"] == "superseded" and old["superseded_by"] == [2]
    assert old["history"][-1]["to"] == "superseded" and old["history"][-1]["by"] == "eddie"
    assert store.get_edge("adr:adr-0002", "SUPERSEDES", "adr:adr-0001") is not None
    _new(graph)
    graph.post("/api/v1/adrs/3/status", json={"status": "accepted"})
    _new(graph)
    assert graph.post("/api/v1/adrs/4/supersede", json={"supersedes": [3]}).status_code == 200
    assert graph.get("/api/v1/adrs/3").json()["status"] == "superseded"
    assert_error(
        graph.post("/api/v1/adrs/2/supersede", json={"supersedes": [4]}),
        409,
        "adr_supersede_forbidden",
    )  # not older


def test_list_filters_and_pagination(graph: ApiClient) -> None:
    _new(graph, tags=["a"], affects=[{"ref": "component:db"}], date="2024-01-10")
    _new(graph, tags=["b"], affects=[{"ref": "component:bill"}], date="2024-06-10")
    _new(graph, tags=["a"], date="2025-01-01")
    graph.post("/api/v1/adrs/3/status", json={"status": "accepted"})

    def numbers(query: str) -> list[int]:
        return [a["number"] for a in graph.get(f"/api/v1/adrs?{query}").json()["items"]]

    assert numbers("status=accepted") == [3]
    assert numbers("status=proposed&status=accepted") == [1, 2, 3]
    assert numbers("tag=a") == [1, 3]
    assert numbers("element=component:db") == [1]
    assert numbers("element=component:shop-web") == [1]  # through its dependencies
    assert numbers("product=product:billing") == [2]
    assert numbers("product=product:shop") == [1]
    assert numbers("since=2024-05-01&until=2024-12-31") == [2]
    page = graph.get("/api/v1/adrs?limit=2&offset=0").json()
    assert [a["number"] for a in page["items"]] == [1, 2] and page["next_offset"] == 2
    assert page["total"] == 3


def test_impact_stored_and_what_changed_since(graph: ApiClient) -> None:
    # An outage travels along hard dependencies: db -> auth -> shop-web (shop).
    _new(graph, affects=[{"ref": "component:db", "change_type": "outage"}])
    view = graph.get("/api/v1/adrs/1/impact").json()
    assert view["stored"]["affected_products"] == ["product:shop"]
    assert view["newly_affected_products"] == [] and view["no_longer_affected_products"] == []
    edge = {"from": "component:bill", "type": "DEPENDS_ON", "to": "component:db"}
    graph.post("/api/v1/edges", json=edge)
    graph.delete("/api/v1/components/shop-web")
    moved = graph.get("/api/v1/adrs/1/impact").json()
    assert moved["newly_affected_products"] == ["product:billing"]
    assert moved["no_longer_affected_products"] == ["product:shop"]
    assert moved["graph_version_now"] > moved["graph_version_then"]
    again = graph.post("/api/v1/adrs/1/impact").json()
    assert again["impact"]["affected_products"] == ["product:billing"]


def test_breaking_change_beyond_direct_dependants_is_kept_apart(graph: ApiClient) -> None:
    # db's direct dependant is auth (platform, no product); shop-web depends on
    # auth, so shop is only possible cascade of a breaking change of db.
    _new(graph, affects=[{"ref": "component:db"}])
    stored = graph.get("/api/v1/adrs/1/impact").json()["stored"]
    assert stored["affected_products"] == []
    assert stored["possible_cascade_products"] == ["product:shop"]
    assert stored["possible_cascade_components"] == ["component:shop-web"]


def test_conflicts_between_open_adrs(graph: ApiClient) -> None:
    _new(graph, affects=[{"ref": "component:auth"}])
    _new(graph, affects=[{"ref": "component:db"}])
    _new(graph, affects=[{"ref": "component:bill"}])
    pairs = graph.get("/api/v1/adrs/conflicts").json()
    assert pairs == [{"a": 1, "b": 2, "shared_elements": [], "shared_products": ["product:shop"]}]
    graph.post("/api/v1/adrs/2/status", json={"status": "rejected"})
    assert graph.get("/api/v1/adrs/conflicts").json() == []


def test_markdown_export_and_import_round_trip(graph: ApiClient) -> None:
    _new(
        graph,
        title="Use Kafka",
        context="ctx",
        decision="dec",
        consequences="cons",
        alternatives=[{"name": "Kafka", "pros": ["fast"], "cons": []}],
        deciders=["Ann"],
        tags=["events"],
        affects=[{"ref": "component:auth", "change_type": "deprecate"}],
    )
    graph.post("/api/v1/adrs/1/status", json={"status": "accepted"})
    _new(graph, title="Use Pulsar", supersedes=[1])
    texts = {}
    for n in (1, 2):
        response = graph.get(f"/api/v1/adrs/{n}.md")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/markdown")
        texts[f"{n:04d}-x.md"] = response.text
    assert "status: superseded" in texts["0001-x.md"]
    assert "superseded-by:\n- ADR-0002" in texts["0001-x.md"]
    report = graph.post(
        "/api/v1/adrs/import", files=[("files", (k, v.encode())) for k, v in texts.items()]
    ).json()
    assert report["unchanged"] == [1, 2] and report["created"] == [] and report["updated"] == []
    assert report["warnings"] == []


def test_import_folder_upload_keeps_numbers_and_warns(graph: ApiClient, store: GraphStore) -> None:
    files = {
        "ADR003-a.md": "# ADR003: A\n\n## Status\n\nSuperceded by [ADR005](ADR005-b.md)\n",
        "ADR005-b.md": "# ADR005: B\n\n## Status\n\nAccepted\n",
        "README.md": "# Index\n",
    }
    upload = [("files", (k, v.encode())) for k, v in files.items()]
    report = graph.post("/api/v1/adrs/import", files=upload).json()
    assert report["created"] == [3, 5] and report["skipped_files"] == ["README.md"]
    assert any("ADR-0004" in w for w in report["warnings"])
    a = graph.get("/api/v1/adrs/3").json()
    assert (a["title"], a["status"], a["superseded_by"]) == ("A", "superseded", [5])
    assert store.get_edge("adr:adr-0005", "SUPERSEDES", "adr:adr-0003") is not None
    version = store.version()
    again = graph.post("/api/v1/adrs/import", files=upload).json()
    assert again["unchanged"] == [3, 5] and store.version() == version
    assert _new(graph)["number"] == 6
