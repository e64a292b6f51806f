"""An impact answer asked right after a write reflects that write, on both stores.

The projection is warmed first, so the answer after the write comes from the
cache bringing its projection up to date (the change records applied), not
from a first build.
"""

from __future__ import annotations

from app.main import EXAMPLE_PORTFOLIO
from app.scan_service import load_scan
from graph.storage import GraphStore
from scanners import scan_directory
from tests.api.conftest import ApiClient

TARGET = "component:identity-service"


def _affected(api: ApiClient) -> tuple[set[str], int]:
    response = api.post("/api/v1/impact", json={"targets": [TARGET], "change_type": "outage"})
    assert response.status_code == 200, response.text
    body = response.json()
    products = {p["ref"] for p in body["affected_products"]}
    return products, body["graph_version"]


def test_an_answer_after_a_write_reflects_it(api: ApiClient, store: GraphStore) -> None:
    assert not load_scan(store, scan_directory(EXAMPLE_PORTFOLIO)).failed
    before, version = _affected(api)
    assert "product:newco" not in before
    assert api.put("/api/v1/products/newco", json={"name": "NewCo"}).status_code in (200, 201)
    assert api.put("/api/v1/components/newco-app", json={"product": "newco"}).status_code in (
        200,
        201,
    )
    edge = {"from": "component:newco-app", "type": "DEPENDS_ON", "to": TARGET}
    assert api.post("/api/v1/edges", json=edge).status_code == 201
    after, after_version = _affected(api)
    assert after_version == store.version() > version
    assert after == before | {"product:newco"}
    cache = api.app.state.projections
    assert cache.builds == 1 and cache.deltas >= 1, "brought up to date, not rebuilt"

    assert api.delete("/api/v1/products/newco").status_code == 204
    assert api.delete("/api/v1/components/newco-app").status_code == 204
    gone, _ = _affected(api)
    assert gone == before
