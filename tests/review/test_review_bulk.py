"""A month with a bulk load: the review's "what changed" stays a summary (docs/review.md).

Last month a small product and one component are written through the API.
This month the whole example portfolio is scanned in one write (hundreds of
changes), then a few edits follow through the API: the small product's tier
changes, its component is deleted, and a scanned component is patched. The
review's counts are checked against the graph at the month's start and end
(rebuilt and read independently of the review's netting), its writes
against the raw change records, and every format must keep the bound.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

import pytest

import graph.storage.neo4j_import_log as neo4j_import_log_module
import graph.storage.store as store_module
from app.main import EXAMPLE_PORTFOLIO
from app.review_changes import ITEMS_PER_PRODUCT
from app.scan_service import load_scan
from graph.storage import ChangeQuery, GraphStore, Point, graph_as_of
from scanners import scan_directory
from tests.api.conftest import READER, ApiClient, make_client

NOW = dt.datetime.now(dt.UTC)
THIS_MONTH = f"{NOW:%Y-%m}"
MONTH_START = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
LAST = (MONTH_START - dt.timedelta(days=1)).replace(day=15)
BUCKETS = ("added", "removed", "changed")


@pytest.fixture
def bulk_month(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> ApiClient:
    api = make_client(store)
    stamp = LAST.strftime("%Y-%m-%dT10:00:00.000000Z")
    with monkeypatch.context() as m:
        m.setattr(store_module, "change_time", lambda: stamp)
        m.setattr(neo4j_import_log_module, "change_time", lambda: stamp)
        r = api.post("/api/v1/products", json={"slug": "kestrel-labs", "tier": 3})
        assert r.status_code == 201, r.text
        r = api.post("/api/v1/components", json={"slug": "labs-probe", "product": "kestrel-labs"})
        assert r.status_code == 201, r.text
    load_scan(store, scan_directory(EXAMPLE_PORTFOLIO), actor="scanner-ci")
    assert api.patch("/api/v1/products/kestrel-labs", json={"tier": 2}).status_code == 200
    assert api.delete("/api/v1/components/labs-probe").status_code == 204
    r = api.patch("/api/v1/components/dispatch-service", json={"lifecycle": "deprecated"})
    assert r.status_code == 200, r.text
    return api.as_key(READER)


def _kind(key: str | tuple[str, str, str]) -> str:
    return key[1] if isinstance(key, tuple) else key.split(":", 1)[0]


def _expected_counts(store: GraphStore) -> dict[str, Counter[str]]:
    """Added / removed / changed by kind: the graph at the month's start against the graph now."""
    start = graph_as_of(store, Point(at=MONTH_START.strftime("%Y-%m-%dT%H:%M:%S.%fZ")))
    before: dict[Any, Any] = {n.ref: n.properties for n in start.nodes}
    before |= {e.key: e.properties for e in start.edges}
    after: dict[Any, Any] = {n.ref: n.properties for n in store.iter_nodes()}
    after |= {e.key: e.properties for e in store.iter_edges()}
    counts: dict[str, Counter[str]] = {b: Counter() for b in BUCKETS}
    for key in before.keys() | after.keys():
        if key not in before:
            counts["added"][_kind(key)] += 1
        elif key not in after:
            counts["removed"][_kind(key)] += 1
        elif before[key] != after[key]:
            counts["changed"][_kind(key)] += 1
    return counts


def test_a_bulk_month_is_summarised_and_bounded(bulk_month: ApiClient, store: GraphStore) -> None:
    r = bulk_month.get(f"/api/v1/reviews/{THIS_MONTH}", params={"format": "json"})
    assert r.status_code == 200, r.text
    groups = r.json()["changes"]

    # counts: the sum over products is the graph now against the graph at the start
    expected = _expected_counts(store)
    assert sum(expected["added"].values()) > 300, "the scan is a bulk load"
    for bucket in BUCKETS:
        found: Counter[str] = Counter()
        for g in groups:
            found.update(g["counts"][bucket])
            assert g["totals"][bucket] == sum(g["counts"][bucket].values())
        assert found == expected[bucket], bucket

    # the bound: at most ITEMS_PER_PRODUCT listed, the rest counted
    for g in groups:
        total = sum(g["totals"].values())
        assert len(g["changes"]) == min(ITEMS_PER_PRODUCT, total)
        assert g["more"] == total - len(g["changes"])
    assert any(g["more"] > 0 for g in groups)

    # writes: per write version, the products' created/updated/removed add up to the change log
    records = store.read_changes(ChangeQuery(since=MONTH_START.strftime("%Y-%m-%dT%H:%M:%S.%fZ")))
    by_write: Counter[tuple[int, str]] = Counter((c.version, c.op) for c in records)
    listed: Counter[tuple[int, str]] = Counter()
    for g in groups:
        assert g["more_writes"] == 0
        for w in g["writes"]:
            for op in ("created", "updated", "removed"):
                listed[(w["version"], op)] += w[op]
    assert +listed == by_write
    scan_version = min(c.version for c in records)
    scan = {c.actor for c in records if c.version == scan_version}
    assert scan == {"scanner-ci"}
    fleet = next(g for g in groups if g["product"] == "product:fleet")
    fleet_scan = next(w for w in fleet["writes"] if w["version"] == scan_version)
    assert fleet_scan["by"] == "scanner-ci" and fleet_scan["sources"] > 1
    assert fleet_scan["under"] == "portfolio/products/fleet"
    fleet_components = {
        e.from_ref
        for e in store.iter_edges()
        if e.type == "PART_OF" and e.to_ref == "product:fleet"
    }
    assert fleet["counts"]["added"]["component"] == len(fleet_components)
    patch = [w for w in fleet["writes"] if w["version"] != scan_version]
    assert [(w["by"], w["updated"], w["source"]) for w in patch] == [("eddie", 1, "api")]

    # the small product: a changed tier, a deleted component and its PART_OF edge
    labs = next(g for g in groups if g["product"] == "product:kestrel-labs")
    assert [(c["what"], c["subject"]) for c in labs["changes"]] == [
        ("changed", "product:kestrel-labs"),
        ("removed", "component:labs-probe"),
        ("removed", "component:labs-probe -PART_OF-> product:kestrel-labs"),
    ]
    assert labs["changes"][0]["fields"] == ["tier"] and labs["more"] == 0

    # Markdown and HTML list exactly the items the JSON lists and count the rest
    md = bulk_month.get(f"/api/v1/reviews/{THIS_MONTH}", params={"format": "md"}).text
    html = bulk_month.get(f"/api/v1/reviews/{THIS_MONTH}", params={"format": "html"}).text
    item_rows = sum(len(g["changes"]) for g in groups)
    assert len(re.findall(r"^\| (added|removed|changed) \| ", md, re.M)) == item_rows
    assert len(re.findall(r"<tr><td>(added|removed|changed)</td>", html)) == item_rows
    for g in groups:
        if g["more"]:
            assert f"and {g['more']} more" in md and f"and {g['more']} more" in html
    assert f"{fleet_scan['sources']} sources under portfolio/products/fleet/" in md
