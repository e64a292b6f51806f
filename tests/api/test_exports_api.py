"""GET /api/v1/exports/graph and /exports/data on both stores, with bad input."""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from app.scan_service import load_scan
from graph.storage import GraphStore, change_time
from scanners import scan_directory
from tests.api.conftest import ADMIN, READER, ApiClient, assert_error, make_client

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portfolio"
GRAPH = "/api/v1/exports/graph"
DATA = "/api/v1/exports/data"


@pytest.fixture
def reader(store: GraphStore) -> ApiClient:
    load_scan(store, scan_directory(EXAMPLE))
    return make_client(store).as_key(READER)


def test_portfolio_svg_and_headers(reader: ApiClient) -> None:
    r = reader.get(GRAPH, params={"view": "portfolio", "format": "svg"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/svg+xml"
    assert r.headers["x-archgraph-collapsed"] == "false"
    root = ET.fromstring(r.content)
    ids = {g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert {"cluster:platform", "cluster:product:kestrel-pay", "component:identity-service"} <= ids


def test_every_format_and_view(reader: ApiClient) -> None:
    for fmt in ("dot", "mermaid", "structurizr", "png"):
        r = reader.get(GRAPH, params={"format": fmt})
        assert r.status_code == 200, (fmt, r.text)
        assert r.content
    r = reader.get(
        GRAPH,
        params={
            "view": "focus",
            "focus": "component:identity-service",
            "depth": 2,
            "format": "mermaid",
        },
    )
    assert r.status_code == 200 and r.text.startswith("---\ntitle:")
    r = reader.get(
        GRAPH,
        params={
            "view": "impact",
            "focus": "component:identity-service",
            "change": "outage",
            "format": "dot",
        },
    )
    assert r.status_code == 200 and "(affected)" in r.text and "target" in r.text


def test_diagram_bad_input(reader: ApiClient) -> None:
    assert_error(
        reader.get(GRAPH, params={"view": "focus", "focus": "component:nope"}),
        404,
        "unknown_element",
    )
    assert_error(
        reader.get(GRAPH, params={"view": "impact", "focus": "component:nope"}),
        404,
        "unknown_element",
    )
    assert_error(
        reader.get(
            GRAPH, params={"view": "focus", "focus": "component:identity-service", "depth": 9}
        ),
        422,
        "depth_out_of_range",
    )
    assert_error(
        reader.get(
            GRAPH, params={"view": "impact", "focus": "component:identity-service", "depth": 11}
        ),
        422,
        "depth_out_of_range",
    )
    assert_error(reader.get(GRAPH, params={"view": "focus", "depth": -1}), 422, "validation_error")
    assert_error(reader.get(GRAPH, params={"view": "focus"}), 422, "focus_required")
    assert_error(reader.get(GRAPH, params={"format": "pdf"}), 422, "validation_error")
    assert_error(reader.get(GRAPH, params={"view": "galaxy"}), 422, "validation_error")
    assert_error(
        reader.get(GRAPH, params={"view": "impact", "focus": "x", "change": "boom"}),
        422,
        "validation_error",
    )
    assert_error(reader.as_key(None).get(GRAPH), 401, "unauthorized")


def test_data_exports(reader: ApiClient) -> None:
    r = reader.get(DATA, params={"format": "graphml"})
    assert r.status_code == 200
    g = nx.read_graphml(io.BytesIO(r.content))
    everything = reader.get(DATA).json()
    assert g.number_of_nodes() == len(everything["nodes"])
    assert g.number_of_edges() == len(everything["edges"])
    r = reader.get(
        DATA, params={"format": "csv", "product": "kestrel-pay", "kind": "component,api"}
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    part = reader.get(DATA, params={"product": "kestrel-pay", "kind": ["component", "api"]}).json()
    assert part["nodes"] and {n["kind"] for n in part["nodes"]} <= {"component", "api"}
    assert all(n["product"] == "product:kestrel-pay" for n in part["nodes"])


def test_data_bad_input(reader: ApiClient) -> None:
    assert_error(reader.get(DATA, params={"product": "nope"}), 404, "unknown_element")
    assert_error(reader.get(DATA, params={"kind": "widget"}), 422, "unknown_kind")
    assert_error(reader.get(DATA, params={"format": "xlsx"}), 422, "validation_error")


def _without_as_of(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "filters": {k: v for k, v in doc["filters"].items() if k != "as_of"}}


def test_data_and_diagrams_as_of_a_point(store: GraphStore) -> None:
    api = make_client(store)
    reader = api.as_key(READER)
    assert api.post("/api/v1/products", json={"slug": "shop", "name": "Shop"}).status_code == 201
    for slug in ("orders", "billing"):
        body = {"slug": slug, "product": "shop"}
        assert api.post("/api/v1/components", json=body).status_code == 201
    time.sleep(0.002)  # the next instant is after every write above
    instant = change_time()
    before = reader.get(DATA).json()
    before_version = before["graph_version"]
    before_mermaid = reader.get(GRAPH, params={"format": "mermaid"}).text
    time.sleep(0.002)
    assert api.post("/api/v1/products", json={"slug": "crm", "name": "CRM"}).status_code == 201
    assert (
        api.post("/api/v1/components", json={"slug": "leads", "product": "crm"}).status_code == 201
    )
    assert api.as_key(ADMIN).delete("/api/v1/components/billing").status_code == 204
    now = reader.get(DATA).json()
    assert {n["ref"] for n in now["nodes"]} == {
        "product:shop",
        "product:crm",
        "component:orders",
        "component:leads",
    }
    for point in (instant, str(before_version)):
        then = reader.get(DATA, params={"as_of": point})
        assert then.status_code == 200, then.text
        doc = then.json()
        assert doc["filters"]["as_of"] == point
        assert _without_as_of(doc) == _without_as_of(before)
        part = reader.get(DATA, params={"as_of": point, "kind": "component"}).json()
        assert {n["ref"] for n in part["nodes"]} == {"component:orders", "component:billing"}
        csv_then = reader.get(DATA, params={"as_of": point, "format": "csv"})
        nodes_csv = zipfile.ZipFile(io.BytesIO(csv_then.content)).read("nodes.csv").decode()
        assert "component:billing" in nodes_csv and "component:leads" not in nodes_csv
        mermaid = reader.get(GRAPH, params={"format": "mermaid", "as_of": point})
        assert mermaid.status_code == 200 and mermaid.text == before_mermaid
    future = str(now["graph_version"] + 5)
    assert_error(reader.get(DATA, params={"as_of": future}), 422, "unknown_version")
    assert_error(reader.get(GRAPH, params={"as_of": "yesterday"}), 422, "validation_error")
