"""The example portfolio (examples/portfolio) scanned into each store: its planted problems
are found by name (see examples/portfolio/README.md, "Problems planted")."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.scan_service import load_scan
from graph.analysis import Projection, build_projection, find_duplicates, find_risks, impact
from graph.storage import GraphStore
from scanners import DirectoryScan, scan_directory
from schemas.analysis import ImpactRequest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portfolio"


@pytest.fixture(scope="module")
def scanned() -> DirectoryScan:
    scan = scan_directory(EXAMPLE)
    assert not scan.failed
    return scan


@pytest.fixture
def portfolio(any_store: GraphStore, scanned: DirectoryScan) -> Projection:
    load_scan(any_store, scanned)
    return build_projection(any_store)


def test_two_products_run_their_own_authentication(portfolio: Projection) -> None:
    (auth,) = [
        g for g in find_duplicates(portfolio).groups if g.capability == "capability:authentication"
    ]
    members = {m.component: m.product for m in auth.members if not m.platform}
    assert members == {
        "component:driver-auth": "product:fleet",
        "component:member-auth": "product:loyalty",
    }
    assert auth.platform_providers == ["component:identity-service"]
    (gap,) = auth.adoption_gaps
    assert gap.platform_component == "component:identity-service"
    assert gap.products_not_using == ["product:fleet", "product:loyalty"]


def test_a_deprecated_api_is_still_consumed(portfolio: Projection) -> None:
    found = {d.element: d for d in find_risks(portfolio, limit=100).deprecated_in_use}
    v1 = found["api:billing-api-v1"]
    assert v1.lifecycle == "deprecated" and v1.sunset_date == "2025-12-31"
    assert v1.consumers == ["component:connector-billing-sync", "component:loyalty-service"]
    assert v1.products == ["product:loyalty", "product:marketplace-connect"]
    # removing the adapter that serves it breaks those two products
    result = impact(
        portfolio,
        ImpactRequest(targets=["component:billing-legacy-adapter"], change_type="remove"),
    )
    assert {a.ref for a in result.affected_products} >= {
        "product:loyalty",
        "product:marketplace-connect",
    }
    # the smaller one: listing-sync still calls a deprecated operation of the catalog API
    catalog = found["api:catalog-api"]
    assert catalog.consumers == ["component:listing-sync"] and catalog.deprecated_operations


def test_the_analytics_pipeline_that_reporting_depends_on(portfolio: Projection) -> None:
    result = impact(
        portfolio, ImpactRequest(targets=["component:analytics-pipeline"], change_type="outage")
    )
    products = {a.ref: a for a in result.affected_products}
    assert set(products) == {
        "product:storefront",
        "product:kestrel-pay",
        "product:fleet",
        "product:merchant-insights",
        "product:loyalty",
    }
    assert result.blast_radius.tier1_products == 2
    assert result.owned_by_platform and result.owners == []
    reporting = {
        "product:storefront": "component:storefront-reports",
        "product:kestrel-pay": "component:settlement-reports",
        "product:fleet": "component:delivery-reports",
        "product:merchant-insights": "component:report-builder",
        "product:loyalty": "component:loyalty-reports",
    }
    for product, component in reporting.items():
        assert component in products[product].components
        assert products[product].paths[0][-1] == "component:analytics-pipeline"
    ranked = {d.component: d for d in find_risks(portfolio, limit=100).most_depended_upon}
    assert ranked["component:analytics-pipeline"].products == 5
