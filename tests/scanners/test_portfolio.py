"""The example portfolio scans cleanly, reproducibly, and holds the planted problems."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from app.scan_service import load_scan
from graph.storage import SQLiteStore
from scanners import scan_directory

PORTFOLIO = Path(__file__).resolve().parents[2] / "examples" / "portfolio"


@pytest.fixture(scope="module")
def store() -> SQLiteStore:
    s = SQLiteStore(":memory:")
    report = load_scan(s, scan_directory(PORTFOLIO))
    assert not report.failed, report.to_text()
    return s


def test_scan_is_clean() -> None:
    scan = scan_directory(PORTFOLIO)
    assert not scan.failed
    problems = [str(i) for r in scan.results for i in r.issues if i.severity != "info"]
    assert problems == []
    assert {r.scanner for r in scan.results} == {"manifest", "openapi", "asyncapi", "backstage"}
    assert all(r.source_id.startswith(f"{r.scanner}:portfolio/") for r in scan.results)


def test_size_and_shape(store: SQLiteStore) -> None:
    kinds = Counter(n.kind for n in store.iter_nodes())
    assert kinds["product"] >= 6 and kinds["component"] >= 40 and kinds["api"] >= 15
    tiers = {n.slug: n.properties.get("tier") for n in store.iter_nodes() if n.kind == "product"}
    assert set(tiers.values()) == {1, 2, 3}
    assert all(n.properties for n in store.iter_nodes()), "every element is described"
    platform = {
        n.slug for n in store.iter_nodes() if n.kind == "component" and n.properties.get("platform")
    }
    for needed in (
        "identity-service",
        "notification-service",
        "billing-service",
        "analytics-pipeline",
        "search-service",
    ):
        assert needed in platform
    api_types = Counter(n.properties["type"] for n in store.iter_nodes() if n.kind == "api")
    assert api_types["openapi"] >= 8 and api_types["asyncapi"] >= 4
    loyalty = store.get_node("product:loyalty")
    assert loyalty is not None and loyalty.sources[0].startswith("backstage:")


def test_two_products_run_their_own_authentication(store: SQLiteStore) -> None:
    owners = {
        e.from_ref
        for e in store.iter_edges()
        if e.type == "HAS_CAPABILITY" and e.to_ref == "capability:authentication"
    }
    assert owners == {
        "component:identity-service",
        "component:driver-auth",
        "component:member-auth",
    }
    products = {store.get_node(ref).properties.get("product") for ref in owners}  # type: ignore[union-attr]
    assert products == {None, "fleet", "loyalty"}

    def password_ops(api: str) -> list[str]:
        node = store.get_node(api)
        assert node is not None
        return [
            f"{o['method'].upper()} {o['path']}"
            for o in node.properties["operations"]
            if o["path"].endswith("/password")
        ]

    assert password_ops("api:identity-api") == ["PUT /users/{userId}/password"]
    assert password_ops("api:driver-auth-api") == ["PUT /v1/users/{id}/password"]
    assert password_ops("api:member-auth-api") == ["PUT /v1/users/{id}/password"]


def test_a_deprecated_api_is_still_consumed(store: SQLiteStore) -> None:
    api = store.get_node("api:billing-api-v1")
    assert api is not None and api.properties["lifecycle"] == "deprecated"
    assert all(op["deprecated"] for op in api.properties["operations"])
    consumers = {
        n.edge.from_ref
        for n in store.neighbors("api:billing-api-v1", direction="in", types=["CONSUMES"])
    }
    products = {store.get_node(c).properties.get("product") for c in consumers}  # type: ignore[union-attr]
    assert products == {"marketplace-connect", "loyalty"}


def test_reporting_of_several_products_depends_on_one_pipeline(store: SQLiteStore) -> None:
    dependants = {
        n.edge.from_ref
        for n in store.neighbors(
            "component:analytics-pipeline", direction="in", types=["DEPENDS_ON"]
        )
    }
    products = {store.get_node(ref).properties.get("product") for ref in dependants}  # type: ignore[union-attr]
    assert {"storefront", "kestrel-pay", "fleet", "merchant-insights", "loyalty"} <= products


def test_rescanning_the_portfolio_changes_nothing(store: SQLiteStore) -> None:
    version = store.version()
    report = load_scan(store, scan_directory(PORTFOLIO))
    assert {s.status for s in report.sources} == {"unchanged"}
    assert store.version() == version
