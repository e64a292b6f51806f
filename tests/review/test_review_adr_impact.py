"""The review's ADR impact is the assessment the registry stored, plus what changed since.

An ADR is proposed against the example portfolio (its impact is stored with
the graph version), then the graph changes under it: a new product comes to
depend on the affected component, and a product that was affected loses
all its components. The review must show the stored products with their graph version
and date, and the same "newly / no longer affected" as ``GET /adrs/1/impact``.
"""

from __future__ import annotations

import datetime as dt

from app.main import EXAMPLE_PORTFOLIO
from app.scan_service import load_scan
from graph.storage import GraphStore
from scanners import scan_directory
from tests.api.conftest import READER, make_client

THIS_MONTH = f"{dt.datetime.now(dt.UTC):%Y-%m}"
TARGET = "component:identity-service"


def test_the_review_reads_the_stored_assessment_and_the_delta(store: GraphStore) -> None:
    load_scan(store, scan_directory(EXAMPLE_PORTFOLIO), actor="scanner-ci")
    api = make_client(store)
    r = api.post(
        "/api/v1/adrs",
        json={"title": "Identity on the managed IdP", "affects": [{"ref": TARGET}]},
    )
    assert r.status_code == 201, r.text
    stored = r.json()["impact"]
    gone = stored["affected_products"][0]

    # the graph moves: a new product depends on the target, an affected product loses its
    # components (deleted through the API, so nothing of theirs depends on the target any more)
    assert api.post("/api/v1/products", json={"slug": "kestrel-labs"}).status_code == 201
    r = api.post("/api/v1/components", json={"slug": "labs-probe", "product": "kestrel-labs"})
    assert r.status_code == 201, r.text
    edge = {"from": "component:labs-probe", "type": "DEPENDS_ON", "to": TARGET}
    r = api.post("/api/v1/edges", json={**edge, "properties": {"strength": "hard"}})
    assert r.status_code == 201, r.text
    members = [e.from_ref for e in store.iter_edges() if e.type == "PART_OF" and e.to_ref == gone]
    assert members
    for ref in members:
        assert api.delete(f"/api/v1/components/{ref.split(':', 1)[1]}").status_code == 204

    route = api.get("/api/v1/adrs/1/impact").json()
    assert route["newly_affected_products"] == ["product:kestrel-labs"]
    assert route["no_longer_affected_products"] == [gone]

    reader = api.as_key(READER)
    review = reader.get(f"/api/v1/reviews/{THIS_MONTH}", params={"format": "json"}).json()
    [proposed] = review["adrs"]["proposed"]
    found = proposed["impact"]
    assert found["stored"] is True
    assert found["affected_products"] == stored["affected_products"]
    assert gone in found["affected_products"]
    assert "product:kestrel-labs" not in found["affected_products"]
    assert found["affected_components"] == stored["affected_components"]
    assert found["graph_version"] == stored["graph_version"]
    assert found["computed_at"] == stored["computed_at"]
    assert found["graph_version_now"] == review["graph_version_to"] > stored["graph_version"]
    assert found["newly_affected_products"] == route["newly_affected_products"]
    assert found["no_longer_affected_products"] == route["no_longer_affected_products"]

    markdown = reader.get(f"/api/v1/reviews/{THIS_MONTH}", params={"format": "md"}).text
    html = reader.get(f"/api/v1/reviews/{THIS_MONTH}", params={"format": "html"}).text
    for text in (markdown, html):
        assert f"stored at graph version {stored['graph_version']}, {stored['computed_at']}" in text
        assert (
            f"graph version {stored['graph_version']} to {review['graph_version_to']}: "
            f"newly affected product:kestrel-labs; no longer affected {gone}"
        ) in text


def test_an_adr_without_a_stored_assessment_says_so(store: GraphStore) -> None:
    load_scan(store, scan_directory(EXAMPLE_PORTFOLIO), actor="scanner-ci")
    api = make_client(store)
    assert api.post("/api/v1/adrs", json={"title": "Write things down"}).status_code == 201
    review = api.get(f"/api/v1/reviews/{THIS_MONTH}", params={"format": "json"}).json()
    [proposed] = review["adrs"]["proposed"]
    assert proposed["impact"]["stored"] is False
    assert proposed["impact"]["graph_version"] is None
    markdown = api.get(f"/api/v1/reviews/{THIS_MONTH}", params={"format": "md"}).text
    assert "no assessment stored; computed on the end-of-month graph" in markdown
