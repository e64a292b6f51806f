"""Impact on small, hand-built portfolios: every rule of docs/impact.md by example."""

from __future__ import annotations

from typing import Any

import pytest

from graph.analysis import Projection
from graph.analysis.effort import estimate_effort
from graph.analysis.impact import impact
from graph.storage import GraphStore
from schemas.analysis import ChangeType, ImpactRequest, IntegrationPoint
from schemas.errors import InvalidInputError, NotFoundError
from tests.analysis.conftest import SMALL_EDGES, SMALL_NODES, load


def req(*targets: str, **kw: object) -> ImpactRequest:
    return ImpactRequest.model_validate({"targets": list(targets), **kw})


def by_ref(result: object) -> dict[str, object]:
    return {a.ref: a for a in result.affected_products}  # type: ignore[attr-defined]


def test_impact_flows_through_the_api_a_changed_component_provides(small: Projection) -> None:
    result = impact(small, req("component:pipeline"))
    assert [o.ref for o in result.owners] == ["product:data"]
    (reporting,) = result.affected_products
    assert reporting.ref == "product:reporting" and reporting.tier == 1
    assert reporting.paths == [
        ["product:reporting", "component:report-gen", "api:events-v1", "component:pipeline"]
    ]
    assert reporting.min_depth == 1 and reporting.strength == "hard"
    # a breaking change goes no further than its direct consumers: beyond, possible cascade
    (insights,) = result.possible_cascade.products
    assert insights.ref == "product:insights"
    assert insights.path == [
        "product:insights",
        "component:dashboard",
        "component:report-gen",
        "api:events-v1",
        "component:pipeline",
    ]
    assert result.possible_cascade.components == ["component:dashboard"]
    # an outage of the pipeline takes report-gen down, and dashboard with it
    outage = impact(small, req("component:pipeline", change_type="outage"))
    assert [a.ref for a in outage.affected_products] == ["product:reporting", "product:insights"]
    assert by_ref(outage)["product:insights"].min_depth == 2  # type: ignore[attr-defined]
    assert outage.possible_cascade.products == []
    assert result.graph_version == small.version
    assert not result.truncated


def test_owner_products_are_listed_apart(small: Projection) -> None:
    result = impact(small, req("component:report-gen"))
    assert [o.ref for o in result.owners] == ["product:reporting"]
    assert "product:reporting" not in by_ref(result)
    assert list(by_ref(result)) == ["product:insights"]


def test_an_api_target_affects_its_consumers_and_its_providers_own_it(small: Projection) -> None:
    result = impact(small, req("api:events-v1"))
    assert [o.ref for o in result.owners] == ["product:data"]
    assert set(by_ref(result)) == {"product:reporting"}
    assert [c.ref for c in result.possible_cascade.products] == ["product:insights"]


def test_soft_dependencies_are_reported_but_weigh_less(small: Projection) -> None:
    result = impact(small, req("component:auth", change_type="outage"))
    assert result.owned_by_platform and result.owners == []
    products = by_ref(result)
    assert products["product:insights"].strength == "soft"  # type: ignore[attr-defined]
    assert products["product:shop"].strength == "hard"  # type: ignore[attr-defined]
    terms = {t.product: t for t in result.blast_radius.parts.product_terms}
    assert terms["product:insights"].strength_weight < terms["product:shop"].strength_weight
    groups = {g.depth: g for g in result.components_by_depth}
    assert groups[1].soft == ["component:dashboard"]
    assert groups[1].hard == ["component:checkout-api"]
    assert result.blast_radius.soft_products == 1 and result.blast_radius.hard_products == 1


def test_a_soft_landing_stops_the_change(any_store: GraphStore) -> None:
    p = load(
        any_store,
        {
            "product:a": {},
            "product:b": {},
            "component:x": {},
            "component:y": {"product": "b"},
            "component:z": {"product": "a"},
        },
        [
            ("component:y", "DEPENDS_ON", "component:x", {"strength": "soft"}),
            ("component:z", "DEPENDS_ON", "component:y", {"strength": "hard"}),
        ],
    )
    (b,) = impact(p, req("component:x", change_type="outage")).affected_products
    assert b.ref == "product:b" and b.strength == "soft" and b.min_depth == 1


def test_the_hard_chain_is_preferred_over_a_shorter_soft_one(any_store: GraphStore) -> None:
    p = load(
        any_store,
        ["product:a", "component:t", "component:m", "component:c"],
        [
            ("component:c", "PART_OF", "product:a"),
            ("component:c", "DEPENDS_ON", "component:t", {"strength": "soft"}),
            ("component:c", "DEPENDS_ON", "component:m"),
            ("component:m", "DEPENDS_ON", "component:t"),
        ],
    )
    (a,) = impact(p, req("component:t", change_type="outage")).affected_products
    assert a.min_depth == 1
    assert a.strength == "hard"
    assert a.paths == [["product:a", "component:c", "component:m", "component:t"]]


def test_cycles_never_loop(any_store: GraphStore) -> None:
    comps = [f"component:c{i}" for i in range(5)]
    edges = [(comps[i], "DEPENDS_ON", comps[(i + 1) % 5]) for i in range(5)]
    edges.append(("component:c0", "PART_OF", "product:p"))
    p = load(any_store, ["product:p", *comps], edges)
    result = impact(p, req("component:c2", change_type="outage"))
    depths = {r: g.depth for g in result.components_by_depth for r in g.hard}
    assert depths == {"component:c1": 1, "component:c0": 2, "component:c4": 3, "component:c3": 4}


def test_named_operations_keep_only_consumers_that_use_them(any_store: GraphStore) -> None:
    nodes = {
        "product:p": {},
        "product:q": {},
        "product:r": {},
        "component:provider": {},
        "component:uses-get": {"product": "p"},
        "component:uses-post": {"product": "q"},
        "component:undeclared": {"product": "r"},
        "api:orders": {
            "operations": [
                {"method": "get", "path": "/v2/orders/{orderId}", "operation_id": "getOrder"},
                {"method": "post", "path": "/v2/orders", "operation_id": "createOrder"},
            ]
        },
    }
    edges = [
        ("component:provider", "PROVIDES", "api:orders"),
        ("component:uses-get", "CONSUMES", "api:orders", {"operations": ["getOrder"]}),
        ("component:uses-post", "CONSUMES", "api:orders", {"operations": ["POST /orders"]}),
        ("component:undeclared", "CONSUMES", "api:orders"),
    ]
    p = load(any_store, nodes, edges)
    result = impact(p, req("api:orders", operations=["GET /v2/orders/{id}"]))
    assert set(by_ref(result)) == {"product:p", "product:r"}
    assert result.unaffected_consumers == ["component:uses-post"]
    point = by_ref(result)["product:p"].integration_points[0]  # type: ignore[attr-defined]
    assert point.operations == ["getOrder"] and point.depth == 0
    undeclared = by_ref(result)["product:r"].integration_points[0]  # type: ignore[attr-defined]
    assert undeclared.operations is None
    # by operationId, and through the changed component rather than the API
    result = impact(p, req("component:provider", operations=["createOrder"]))
    assert set(by_ref(result)) == {"product:q", "product:r"}
    result = impact(p, req("api:orders", operations=["deleteEverything"]))
    assert result.warnings == ["operation 'deleteEverything' is not defined by any changed API"]


def test_a_product_target_stands_for_its_components(small: Projection) -> None:
    result = impact(small, req("product:data", change_type="outage"))
    assert [t.ref for t in result.targets] == ["component:pipeline"]
    assert result.targets[0].expanded_from == "product:data"
    assert [o.ref for o in result.owners] == ["product:data"]
    assert set(by_ref(result)) == {"product:reporting", "product:insights"}


def test_capability_and_technology_targets(any_store: GraphStore) -> None:
    p = load(
        any_store,
        {
            "product:p": {},
            "capability:search": {},
            "technology:elastic": {},
            "component:finder": {"product": "p", "technologies": ["elastic"]},
            "component:indexer": {"capabilities": ["search"], "product": "p"},
            "component:ui": {},
        },
        [
            ("component:finder", "HAS_CAPABILITY", "capability:search"),
            ("component:ui", "DEPENDS_ON", "component:finder"),
        ],
    )
    caps = impact(p, req("capability:search"))
    assert [t.ref for t in caps.targets] == ["component:finder", "component:indexer"]
    tech = impact(p, req("technology:elastic"))
    assert [t.ref for t in tech.targets] == ["component:finder"]
    assert tech.blast_radius.components == 1  # component:ui, owned by nobody
    assert tech.affected_products == []


def test_unknown_and_unsupported_targets_are_errors(any_store: GraphStore) -> None:
    p = load(any_store, {**SMALL_NODES, "team:core": {}}, SMALL_EDGES)
    with pytest.raises(NotFoundError) as err:
        impact(p, req("component:nope"))
    assert err.value.code == "unknown_element" and err.value.location == "component:nope"
    with pytest.raises(InvalidInputError) as invalid:
        impact(p, req("team:core"))
    assert invalid.value.location == "team:core"


def test_depth_limit_truncates_and_says_what_was_cut(small: Projection) -> None:
    result = impact(small, req("component:pipeline", max_depth=1, change_type="outage"))
    assert set(by_ref(result)) == {"product:reporting"}
    assert result.truncated and result.truncation is not None
    assert result.truncation.reason == "depth"
    assert result.truncation.unexpanded == ["component:report-gen"]
    assert result.truncation.beyond_count == 1


def test_size_limit_truncates(any_store: GraphStore) -> None:
    leaves = [f"component:l{i}" for i in range(10)]
    p = load(
        any_store, ["component:hub", *leaves], [(c, "DEPENDS_ON", "component:hub") for c in leaves]
    )
    result = impact(p, req("component:hub", max_components=4))
    assert result.blast_radius.components == 4
    assert result.truncation is not None and result.truncation.reason == "size"
    assert result.truncation.unexpanded == ["component:hub"]


def test_score_parts_add_up(small: Projection) -> None:
    for change in ChangeType:
        result = impact(small, req("component:auth", change_type=change))
        parts = result.blast_radius.parts
        assert parts.change_type == change
        total = parts.change_weight * (parts.products_sum + parts.components_term)
        assert parts.raw_score == pytest.approx(total, abs=1e-3)
        # worst case: 4 products (tiers 2, 1, 2, 1: 2+4+2+4) hard at depth 1, 5 components
        assert parts.worst_case == pytest.approx(12 + 0.1 * 5)
        assert result.blast_radius.score == pytest.approx(100 * total / 12.5, abs=0.01)
        assert 0 <= result.blast_radius.score <= 100
        for t in parts.product_terms:
            expected = t.tier_weight * t.strength_weight * t.depth_weight * t.business_weight
            assert t.term == pytest.approx(expected, abs=1e-3)
    outage = impact(small, req("component:auth", change_type="outage")).blast_radius.score
    deprecate = impact(small, req("component:auth", change_type="deprecate")).blast_radius.score
    assert outage > deprecate > 0


def test_tier_and_business_weight_raise_the_score(any_store: GraphStore) -> None:
    def score(props: dict[str, object]) -> float:
        p = load(
            any_store,
            {"product:p": props, "component:a": {"product": "p"}, "component:t": {}},
            [("component:a", "DEPENDS_ON", "component:t")],
        )
        return impact(p, req("component:t")).blast_radius.score

    assert score({"tier": 1}) > score({"tier": 2}) > score({"tier": 3})
    assert score({"tier": 3, "business_weight": 10}) > score({"tier": 3})


def test_effort_buckets() -> None:
    def point(
        depth: int, ops: list[str] | None = None, kind: str = "DEPENDS_ON"
    ) -> IntegrationPoint:
        return IntegrationPoint(
            component="component:a",
            type=kind,
            element="component:b",
            depth=depth,
            strength="hard",
            operations=ops,
        )

    assert estimate_effort([point(1)]).size == "S"
    assert estimate_effort([point(0, ["a", "b", "c", "d"], "CONSUMES")]).size == "M"
    assert estimate_effort([point(0)] * 5).size == "L"
    assert estimate_effort([point(0, ["x"] * 8, "CONSUMES")] * 6).size == "XL"
    assert estimate_effort([]).size == "S"


def test_integration_points_are_the_edges_into_other_owners(small: Projection) -> None:
    result = impact(small, req("component:pipeline", change_type="outage"))
    insights: Any = by_ref(result)["product:insights"]
    points = [(ip.component, ip.type, ip.element, ip.depth) for ip in insights.integration_points]
    assert points == [("component:dashboard", "DEPENDS_ON", "component:report-gen", 1)]


def test_same_answer_from_the_same_graph_twice(any_store: GraphStore) -> None:
    first = impact(load(any_store, SMALL_NODES, SMALL_EDGES), req("component:auth"))
    second = impact(load(any_store, SMALL_NODES, SMALL_EDGES), req("component:auth"))
    assert first == second


def test_a_publisher_reaches_only_the_subscribers_of_its_channels(any_store: GraphStore) -> None:
    nodes = {f"product:{x}": {} for x in ("orders", "mail", "ship", "audit", "pay")}
    nodes |= {
        "component:checkout": {"product": "orders"},
        "component:payments": {"product": "pay"},
        "component:mailer": {"product": "mail"},
        "component:shipper": {"product": "ship"},
        "component:auditor": {"product": "audit"},
        "api:order-events": {"type": "asyncapi"},
    }
    edges: list[Any] = [
        ("component:checkout", "PUBLISHES", "api:order-events", {"channels": ["orders.placed"]}),
        ("component:payments", "PUBLISHES", "api:order-events", {"channels": ["paid"]}),
        ("component:mailer", "SUBSCRIBES", "api:order-events", {"channels": ["orders.placed"]}),
        ("component:shipper", "SUBSCRIBES", "api:order-events", {"channels": ["paid"]}),
        ("component:auditor", "SUBSCRIBES", "api:order-events"),  # every channel
    ]
    p = load(any_store, nodes, edges)
    from_checkout = impact(p, req("component:checkout"))
    assert set(by_ref(from_checkout)) == {"product:mail", "product:audit"}
    mail: Any = by_ref(from_checkout)["product:mail"]
    assert mail.paths == [
        ["product:mail", "component:mailer", "api:order-events", "component:checkout"]
    ]
    assert mail.integration_points[0].operations == ["orders.placed"]
    assert from_checkout.components_by_depth[0].apis == ["api:order-events"]
    whole_api = impact(p, req("api:order-events"))
    assert set(by_ref(whole_api)) == {"product:mail", "product:ship", "product:audit"}
    assert {o.ref for o in whole_api.owners} == {"product:orders", "product:pay"}
    one_channel = impact(p, req("api:order-events", operations=["paid"]))
    assert set(by_ref(one_channel)) == {"product:ship", "product:audit"}
