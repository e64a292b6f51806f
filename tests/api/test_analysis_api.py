"""The impact assessment over HTTP and the CLI, on the example portfolio, on both stores.

Expected answers are computed independently here, from the store's own edge
list, never copied from the engine's output.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest

from app.cli import main
from app.main import EXAMPLE_PORTFOLIO
from app.scan_service import load_scan
from graph.storage import GraphStore
from scanners import scan_directory
from tests.api.conftest import ApiClient, assert_error


def _owner_products(store: GraphStore) -> dict[str, str]:
    return {
        e.from_ref: e.to_ref
        for e in store.iter_edges()
        if e.type == "PART_OF" and e.to_ref.startswith("product:")
    }


def _products_depending_on(store: GraphStore, target: str) -> set[str]:
    """Brute force: components reaching *target* backwards through dependency edges."""
    dependents: dict[str, set[str]] = {}
    providers: dict[str, set[str]] = {}
    for e in store.iter_edges():
        if e.type in ("DEPENDS_ON", "CONSUMES", "SUBSCRIBES"):
            dependents.setdefault(e.to_ref, set()).add(e.from_ref)
        elif e.type in ("PROVIDES", "PUBLISHES"):
            providers.setdefault(e.from_ref, set()).add(e.to_ref)
    seen = {target}
    queue = deque([target])
    while queue:
        node = queue.popleft()
        nexts = set(dependents.get(node, set()))
        for api in providers.get(node, set()):
            nexts |= dependents.get(api, set())
        for n in nexts - seen:
            seen.add(n)
            queue.append(n)
    owners = _owner_products(store)
    return {owners[c] for c in seen if c in owners and c != target}


@pytest.fixture
def portfolio(store: GraphStore) -> GraphStore:
    report = load_scan(store, scan_directory(EXAMPLE_PORTFOLIO))
    assert not report.failed
    return store


def test_impact_of_the_platform_identity_service(api: ApiClient, portfolio: GraphStore) -> None:
    target = "component:identity-service"
    response = api.post("/api/v1/impact", json={"targets": [target], "change_type": "outage"})
    assert response.status_code == 200, response.text
    result = response.json()
    affected = {p["ref"] for p in result["affected_products"]}
    assert affected == _products_depending_on(portfolio, target)
    assert result["graph_version"] == portfolio.version()
    for product in result["affected_products"]:
        for path in product["paths"]:
            assert path[0] == product["ref"] and path[-1] == target
    assert result["blast_radius"]["products"] == len(affected)


def test_impact_errors(api: ApiClient, portfolio: GraphStore) -> None:
    assert_error(
        api.post("/api/v1/impact", json={"targets": ["component:nope"]}), 404, "unknown_element"
    )
    body = assert_error(
        api.post("/api/v1/impact", json={"targets": ["component:x"], "change_type": "explode"}),
        422,
        "validation_error",
    )
    assert body["location"] == "body.change_type"
    assert_error(api.post("/api/v1/impact", json={"targets": []}), 422, "validation_error")


def test_compare_duplicates_adoption_risks_and_diligence(
    api: ApiClient, portfolio: GraphStore
) -> None:
    compared = api.post(
        "/api/v1/impact/compare",
        json={
            "candidates": [
                {"targets": ["component:identity-service"], "change_type": "remove"},
                {"targets": ["component:driver-auth"], "change_type": "remove"},
            ]
        },
    ).json()
    ranks = {tuple(c["targets"]): c["rank"] for c in compared["candidates"]}
    assert ranks[("component:driver-auth",)] < ranks[("component:identity-service",)]

    groups = api.get("/api/v1/duplicates").json()["groups"]
    auth = next(g for g in groups if g["capability"] == "capability:authentication")
    assert {"product:fleet", "product:loyalty"} <= set(auth["products"])
    gaps = {g["platform_component"]: set(g["products_not_using"]) for g in auth["adoption_gaps"]}
    assert gaps["component:identity-service"] >= {"product:fleet", "product:loyalty"}

    adoption = api.get("/api/v1/platform/adoption")
    assert adoption.status_code == 200
    risks = api.get("/api/v1/risks").json()
    owners = _owner_products(portfolio)
    ranked = risks["most_depended_upon"]
    assert [r["products"] for r in ranked] == sorted((r["products"] for r in ranked), reverse=True)
    for row in ranked[:5]:
        expected = _products_depending_on(portfolio, row["component"])
        expected.discard(owners.get(row["component"], ""))
        assert set(row["dependent_products"]) == expected, row["component"]
    deprecated = {d["element"]: set(d["products"]) for d in risks["deprecated_in_use"]}
    assert deprecated["api:billing-api-v1"] >= {"product:marketplace-connect", "product:loyalty"}

    assert (
        api.get("/api/v1/diligence/sunset", params={"product": "product:kestrel-pay"}).status_code
        == 200
    )
    assert (
        api.get("/api/v1/diligence/spin-off", params={"product": "product:fleet"}).status_code
        == 200
    )
    assert (
        api.get("/api/v1/diligence/acquisition", params={"product": "product:fleet"}).status_code
        == 200
    )
    assert_error(
        api.get("/api/v1/diligence/sunset", params={"product": "product:nope"}),
        404,
        "unknown_element",
    )


def test_answers_follow_writes(api: ApiClient, portfolio: GraphStore) -> None:
    target = "component:identity-service"
    before = api.post("/api/v1/impact", json={"targets": [target]}).json()
    api.post("/api/v1/products", json={"slug": "newco", "tier": 1})
    api.post("/api/v1/components", json={"slug": "newco-app", "product": "newco"})
    api.post(
        "/api/v1/edges", json={"from": "component:newco-app", "type": "DEPENDS_ON", "to": target}
    )
    after = api.post("/api/v1/impact", json={"targets": [target]}).json()
    assert after["graph_version"] > before["graph_version"]
    assert "product:newco" in {p["ref"] for p in after["affected_products"]}
    assert "product:newco" not in {p["ref"] for p in before["affected_products"]}


def test_cli_impact_and_duplicates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "scan", str(EXAMPLE_PORTFOLIO)]) == 0
    capsys.readouterr()
    assert main([*data, "impact", "component:identity-service", "--change", "outage"]) == 0
    text = capsys.readouterr().out
    assert "Blast radius: " in text and "/100;" in text and "product:kestrel-pay" in text
    assert main([*data, "duplicates"]) == 0
    text = capsys.readouterr().out
    assert "component:driver-auth" in text and "component:member-auth" in text
    assert main([*data, "impact", "component:nope"]) == 2
    assert "unknown_element" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("component:identity-service", "component:identity-service"),
        ("Component:Identity-Service", "component:identity-service"),
        ("component:default/identity-service", "component:identity-service"),
        ("identity-service", "component:identity-service"),
        ("identity-api", "api:identity-api"),
    ],
)
def test_resolve_reads_references_as_the_cli_does(
    api: ApiClient, portfolio: GraphStore, raw: str, expected: str
) -> None:
    response = api.get("/api/v1/resolve", params={"ref": raw})
    assert response.status_code == 200, response.text
    assert response.json() == {"input": raw, "ref": expected}
    assert portfolio.get_node(expected) is not None


def test_resolve_refuses_unknown_and_ambiguous_names(api: ApiClient, portfolio: GraphStore) -> None:
    body = assert_error(
        api.get("/api/v1/resolve", params={"ref": "identity-servce"}), 404, "unknown_element"
    )
    assert body["details"]["closest"][0] == "component:identity-service"
    assert "component:identity-service" in body["message"]
    # loyalty is both a product and a capability of the example: nothing is guessed
    body = assert_error(
        api.get("/api/v1/resolve", params={"ref": "loyalty"}), 422, "ambiguous_reference"
    )
    changeable = {"component", "api", "product", "capability", "technology"}
    holders = sorted(n.ref for n in portfolio.iter_nodes() if n.slug == "loyalty")
    holders = [h for h in holders if h.partition(":")[0] in changeable]
    assert len(holders) == 2 and body["details"]["candidates"] == holders
    assert_error(api.get("/api/v1/resolve", params={"ref": "x" * 501}), 422, "validation_error")


def test_impact_refuses_an_operation_no_changed_api_defines(
    api: ApiClient, portfolio: GraphStore
) -> None:
    request = {"targets": ["api:identity-api"], "operations": ["GET /user/{id}"]}
    body = assert_error(api.post("/api/v1/impact", json=request), 422, "unknown_operation")
    node = portfolio.get_node("api:identity-api")
    assert node is not None
    paths = {f"{op['method'].upper()} {op['path']}" for op in node.properties["operations"]}
    [item] = body["details"]
    assert item["operation"] == "GET /user/{id}"
    assert "GET /users/{userId}" in item["closest"] and set(item["closest"]) <= paths | {
        op.get("operation_id") for op in node.properties["operations"]
    }
    request["operations"] = ["GET /users/{userId}"]
    assert api.post("/api/v1/impact", json=request).status_code == 200
