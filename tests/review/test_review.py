"""The monthly review (docs/review.md) of the example portfolio on both stores.

The example portfolio is scanned "last month" (the stores' change clock is
set back for that one write), then this month sees a re-scan with an edit,
API writes and ADRs registered, accepted and superseded; the review of each
month must hold exactly what happened in it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

import graph.storage.neo4j_import_log as neo4j_import_log_module
import graph.storage.store as store_module
from app.main import EXAMPLE_PORTFOLIO
from app.review_render import NO_ADRS, NO_CHANGES, SECTIONS, to_html, to_markdown
from app.review_service import build_review
from app.scan_service import load_scan
from app.settings import Settings
from graph.storage import GraphStore
from scanners import scan_directory
from tests.api.conftest import READER, ApiClient, assert_error, make_client

NOW = dt.datetime.now(dt.UTC)
THIS_MONTH = f"{NOW:%Y-%m}"
LAST = (NOW.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
LAST_MONTH = f"{LAST:%Y-%m}"
NEXT = (NOW.replace(day=28) + dt.timedelta(days=7)).replace(day=1)


def _scan(store: GraphStore, root: Path, actor: str) -> None:
    load_scan(store, scan_directory(root), actor=actor)


@pytest.fixture
def month(store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ApiClient:
    root = tmp_path / "portfolio"
    shutil.copytree(EXAMPLE_PORTFOLIO, root)
    stamp = LAST.strftime("%Y-%m-%dT10:00:00.000000Z")
    with monkeypatch.context() as m:
        m.setattr(store_module, "change_time", lambda: stamp)
        m.setattr(neo4j_import_log_module, "change_time", lambda: stamp)
        _scan(store, root, "scanner-ci")
    product = root / "products" / "kestrel-pay" / "product.yaml"
    product.write_text(product.read_text().replace("tier: 1", "tier: 2"))
    _scan(store, root, "scanner-ci")
    api = make_client(store)
    assert api.post("/api/v1/products", json={"slug": "kestrel-labs", "tier": 3}).status_code == 201
    first = api.post(
        "/api/v1/adrs",
        json={
            "title": "Move identity to Keycloak",
            "affects": [{"ref": "component:identity-service", "change_type": "migrate"}],
        },
    )
    assert first.status_code == 201, first.text
    assert api.post("/api/v1/adrs/1/status", json={"status": "accepted"}).status_code == 200
    second = api.post(
        "/api/v1/adrs",
        json={
            "title": "Identity on the managed IdP",
            "affects": [{"ref": "component:identity-service", "change_type": "migrate"}],
        },
    )
    assert second.status_code == 201, second.text
    r = api.post("/api/v1/adrs/2/supersede", json={"supersedes": [1]})
    assert r.status_code == 200, r.text
    return api.as_key(READER)


def _review(api: ApiClient, month: str) -> dict[str, Any]:
    r = api.get(f"/api/v1/reviews/{month}", params={"format": "json"})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _changes(review: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["subject"]: c for g in review["changes"] for c in g["changes"]}


def test_this_month_holds_every_change_and_nothing_else(month: ApiClient) -> None:
    review = _review(month, THIS_MONTH)
    changes = _changes(review)
    tier = changes["product:kestrel-pay"]
    assert (tier["what"], tier["fields"], tier["by"]) == ("changed", ["tier"], ["scanner-ci"])
    assert all(at.startswith(THIS_MONTH) for at in tier["at"])
    labs = changes["product:kestrel-labs"]
    assert (labs["what"], labs["by"]) == ("added", ["eddie"])
    assert set(changes) == {"product:kestrel-pay", "product:kestrel-labs"}
    assert not any(s.startswith("adr:") for s in changes)
    headline = {h["metric"]: h for h in review["headline"]}
    assert headline["products"]["change"] == 1
    assert headline["products"]["value"] == headline["products"]["previous"] + 1
    assert headline["components"]["change"] == 0 and headline["components"]["value"] > 0
    adrs = review["adrs"]
    assert [a["id"] for a in adrs["proposed"]] == ["ADR-0001", "ADR-0002"]
    assert {a["by"] for a in adrs["proposed"]} == {"eddie"}
    assert [a["id"] for a in adrs["accepted"]] == ["ADR-0001"]
    assert [a["id"] for a in adrs["superseded"]] == ["ADR-0001"]
    assert adrs["superseded"][0]["superseded_by"] == [2]
    assert adrs["rejected"] == []
    assert adrs["proposed"][0]["affected_products"], "identity-service has dependants"
    assert review["diagram"]["svg"].lstrip().startswith("<")
    assert review["hotspots"]["most_depended_upon"]
    deprecated = {d["element"]: d for d in review["deprecated_in_use"]}
    assert deprecated and all(d["consumers"] for d in deprecated.values())


def test_last_month_is_the_scan_alone_and_says_it_had_no_adrs(month: ApiClient) -> None:
    review = _review(month, LAST_MONTH)
    changes = _changes(review)
    assert changes and {c["what"] for c in changes.values()} == {"added"}
    assert {b for c in changes.values() for b in c["by"]} == {"scanner-ci"}
    assert "product:kestrel-labs" not in changes
    assert all(not review["adrs"][k] for k in ("proposed", "accepted", "rejected", "superseded"))
    markdown = month.get(f"/api/v1/reviews/{LAST_MONTH}", params={"format": "md"}).text
    assert NO_ADRS in markdown
    headline = {h["metric"]: h for h in review["headline"]}
    assert headline["products"]["previous"] == 0 and headline["products"]["value"] > 0


def test_an_empty_month_says_so(store: GraphStore) -> None:
    load_scan(store, scan_directory(EXAMPLE_PORTFOLIO))
    review = build_review(store, Settings(), f"{NEXT:%Y-%m}", now=NEXT + dt.timedelta(days=3))
    assert review["changes"] == []
    assert all(h["change"] in (0, None) for h in review["headline"])
    text = to_markdown(review)
    assert NO_CHANGES in text and NO_ADRS in text
    html = to_html(review)
    assert all(f'<section id="{key}">' in html for key, _ in SECTIONS)


def test_bad_input(month: ApiClient) -> None:
    for bad in ("2024-5", "2024-13", "24-05", "may", "0000-01", "\u0662\u0660\u0662\u0664-05"):
        assert_error(month.get(f"/api/v1/reviews/{bad}"), 422, "invalid_month")
    assert_error(month.get(f"/api/v1/reviews/{NEXT:%Y-%m}"), 404, "month_in_future")
    assert_error(
        month.get(f"/api/v1/reviews/{THIS_MONTH}", params={"format": "pdf"}),
        422,
        "validation_error",
    )
    assert month.as_key(None).get(f"/api/v1/reviews/{THIS_MONTH}").status_code == 401
