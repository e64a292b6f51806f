"""Risks on the planted-problem sample: hubs, single points of failure, cycles, deprecations."""

from __future__ import annotations

from graph.analysis import Projection, find_risks
from graph.storage import GraphStore
from tests.analysis.conftest import load


def test_the_pipeline_everyone_reports_from_is_the_most_depended_upon(sample: Projection) -> None:
    top = find_risks(sample).most_depended_upon[0]
    assert top.component == "component:pipeline"
    assert top.dependent_products == ["product:finance", "product:ops", "product:sales"]
    # sales and finance subscribe to its events (an outage delays them: soft); ops depends hard
    assert (top.products, top.hard_products, top.tier1_products) == (3, 1, 1)


def test_single_points_of_failure(sample: Projection) -> None:
    spofs = {s.component: s for s in find_risks(sample).single_points_of_failure}
    # sales (tier 1) hard-depends on finance-core, which declares no capability
    assert spofs["component:finance-core"].hard_products == ["product:sales"]
    assert spofs["component:finance-core"].tier1_products == 1
    # two products hard-depend on orders-service
    assert spofs["component:orders-service"].hard_products == ["product:finance", "product:ops"]
    # the pipeline has an alternative: the platform ETL offers its capability
    assert "component:pipeline" not in spofs
    # sales-core is depended upon only softly
    assert "component:sales-core" not in spofs


def test_cycles_crossing_products(sample: Projection) -> None:
    (cycle,) = find_risks(sample).cycles
    assert cycle.components == ["component:finance-core", "component:sales-core"]
    assert cycle.products == ["product:finance", "product:sales"]
    assert cycle.example[0] == cycle.example[-1]
    assert set(cycle.example) == set(cycle.components)


def test_a_cycle_inside_one_product_is_not_a_cross_product_risk(any_store: GraphStore) -> None:
    p = load(
        any_store,
        {"product:a": {}, "component:x": {"product": "a"}, "component:y": {"product": "a"}},
        [
            ("component:x", "DEPENDS_ON", "component:y"),
            ("component:y", "DEPENDS_ON", "component:x"),
        ],
    )
    assert find_risks(p).cycles == []


def test_cycle_through_an_api_reads_in_the_depends_on_direction(any_store: GraphStore) -> None:
    p = load(
        any_store,
        {
            "product:a": {},
            "product:b": {},
            "component:x": {"product": "a"},
            "component:y": {"product": "b"},
            "api:y-api": {},
        },
        [
            ("component:y", "PROVIDES", "api:y-api"),
            ("component:x", "CONSUMES", "api:y-api"),
            ("component:y", "DEPENDS_ON", "component:x"),
        ],
    )
    (cycle,) = find_risks(p).cycles
    assert cycle.example == ["component:x", "api:y-api", "component:y", "component:x"]


def test_deprecated_elements_still_in_use(sample: Projection) -> None:
    found = {d.element: d for d in find_risks(sample).deprecated_in_use}
    legacy = found["api:legacy-orders"]
    assert legacy.consumers == ["component:ops-client"] and legacy.products == ["product:ops"]
    assert legacy.sunset_date == "2025-12-31"
    orders = found["api:orders"]
    assert orders.lifecycle == "active"
    assert orders.deprecated_operations == ["GET /orders"]
    assert orders.consumers == ["component:finance-core"]  # sales-core uses getOrder only


def test_ties_are_broken_by_tier1_products_and_hard_dependents(any_store: GraphStore) -> None:
    """Equal product counts: the tier-1 reach, then what goes down, decide; never the name."""
    nodes = {
        "product:t1": {"tier": 1},
        "product:t3": {"tier": 3},
        "product:t3b": {"tier": 3},
        "component:a-hub": {"platform": True},
        "component:z-hub": {"platform": True},
        "component:m-hub": {"platform": True},
        "component:u1": {"product": "t3"},
        "component:u2": {"product": "t3"},
        "component:v1": {"product": "t1"},
        "component:w1": {"product": "t3b"},
    }
    edges = [
        # a-hub: one tier-3 product; z-hub: one tier-1 product; m-hub: tier 3, two components
        ("component:u1", "DEPENDS_ON", "component:a-hub"),
        ("component:v1", "DEPENDS_ON", "component:z-hub"),
        ("component:w1", "DEPENDS_ON", "component:m-hub"),
        ("component:u2", "DEPENDS_ON", "component:m-hub"),
    ]
    p = load(any_store, nodes, edges)
    ranked = [(d.component, d.hard_dependents) for d in find_risks(p).most_depended_upon]
    assert ranked == [
        ("component:m-hub", 2),  # two products
        ("component:z-hub", 1),  # one product, tier 1
        ("component:a-hub", 1),
    ]
