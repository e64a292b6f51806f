"""Answers sized for people: pages of products, listed components counted (docs/impact.md)."""

from __future__ import annotations

import gc
from typing import Any

from graph.analysis import Projection, ProjectionCache
from graph.analysis.impact import impact
from graph.storage import GraphStore
from schemas.analysis import EVERYTHING, ChangeType, ImpactRequest, ImpactResult
from tests.analysis.conftest import load

PRODUCTS = 7


def portfolio(store: GraphStore) -> Projection:
    """A platform component (core, offering api:core) used by seven products' components.

    Each product p<i> has i+1 components: the first consumes api:core (hard or soft
    by product), the rest depend on the first, so depths 1 and 2 and both strengths
    occur, and a subscriber of an event API makes a possible cascade.
    """
    nodes: dict[str, dict[str, Any]] = {"component:core": {"platform": True}}
    nodes["api:core"] = {}
    nodes["api:events"] = {}
    edges: list[tuple[str, str, str, dict[str, Any]]] = [
        ("component:core", "PROVIDES", "api:core", {}),
        ("component:core", "PUBLISHES", "api:events", {}),
    ]
    for i in range(PRODUCTS):
        nodes[f"product:p{i}"] = {"tier": 1 + i % 3}
        strength = {"strength": "soft"} if i % 2 else {}
        for j in range(i + 1):
            c = f"component:p{i}-c{j}"
            nodes[c] = {}
            edges.append((c, "PART_OF", f"product:p{i}", {}))
            if j == 0:
                edges.append((c, "CONSUMES", "api:core", strength))
                edges.append((c, "SUBSCRIBES", "api:events", {}))
            else:
                edges.append((c, "DEPENDS_ON", f"component:p{i}-c0", {}))
    return load(store, nodes, edges)


def whole(p: Projection, change: ChangeType, target: str = "component:core") -> ImpactResult:
    request = ImpactRequest(
        targets=[target],
        change_type=change,
        max_products=EVERYTHING,
        max_listed=EVERYTHING,
    )
    return impact(p, request)


def test_pages_of_products_put_together_are_the_whole_list(any_store: GraphStore) -> None:
    p = portfolio(any_store)
    full = whole(p, ChangeType.BREAKING_CHANGE)
    assert len(full.affected_products) == PRODUCTS and full.next_products_offset is None
    seen: list[str] = []
    offset: int | None = 0
    pages = 0
    while offset is not None:
        page = impact(
            p, ImpactRequest(targets=["component:core"], max_products=3, products_offset=offset)
        )
        assert page.blast_radius == full.blast_radius
        assert len(page.affected_products) <= 3
        seen += [a.ref for a in page.affected_products]
        offset = page.next_products_offset
        pages += 1
    assert pages == 3
    assert seen == [a.ref for a in full.affected_products]


def test_an_offset_past_the_end_lists_nothing_and_counts_everything(
    any_store: GraphStore,
) -> None:
    p = portfolio(any_store)
    page = impact(p, ImpactRequest(targets=["component:core"], products_offset=PRODUCTS))
    assert page.affected_products == [] and page.next_products_offset is None
    assert page.blast_radius.products == PRODUCTS


def test_listed_components_are_the_first_ones_and_the_rest_are_counted(
    any_store: GraphStore,
) -> None:
    p = portfolio(any_store)
    for change in (ChangeType.OUTAGE, ChangeType.BREAKING_CHANGE):
        full = whole(p, change)
        cut = impact(
            p,
            ImpactRequest(targets=["component:core"], change_type=change, max_listed=2),
        )
        assert cut.blast_radius == full.blast_radius
        assert [a.ref for a in cut.affected_products] == [a.ref for a in full.affected_products]
        for a, b in zip(cut.affected_products, full.affected_products, strict=True):
            assert a.components == b.components[:2]
            assert a.component_count == b.component_count == len(b.components)
            assert a.paths == b.paths and a.effort == b.effort
        assert len(cut.components_by_depth) == len(full.components_by_depth)
        for g, h in zip(cut.components_by_depth, full.components_by_depth, strict=True):
            assert (g.hard, g.soft, g.apis) == (h.hard[:2], h.soft[:2], h.apis[:2])
            assert (g.hard_count, g.soft_count, g.api_count) == (
                len(h.hard),
                len(h.soft),
                len(h.apis),
            )
        assert sum(g.hard_count + g.soft_count for g in cut.components_by_depth) == (
            cut.blast_radius.components
        )


def test_the_possible_cascade_lists_a_page_and_counts_all(any_store: GraphStore) -> None:
    p = load(
        any_store,
        {
            "product:a": {},
            "product:b": {},
            "component:t": {},
            "component:s": {"product": "a"},
            **{f"component:b{i}": {"product": "b"} for i in range(4)},
        },
        [("component:s", "DEPENDS_ON", "component:t")]
        + [(f"component:b{i}", "DEPENDS_ON", "component:s") for i in range(4)],
    )
    full = whole(p, ChangeType.BREAKING_CHANGE, "component:t").possible_cascade
    assert full.component_count == 4 and len(full.components) == 4
    cut = impact(p, ImpactRequest(targets=["component:t"], max_listed=3)).possible_cascade
    assert cut.components == full.components[:3] and cut.component_count == 4
    (prod,) = cut.products
    assert prod.components == full.products[0].components[:3] and prod.component_count == 4


def test_listed_integration_points_are_the_first_of_all(any_store: GraphStore) -> None:
    p = portfolio(any_store)
    full = whole(p, ChangeType.BREAKING_CHANGE)
    one = impact(
        p,
        ImpactRequest(
            targets=["component:core"], max_products=EVERYTHING, max_points_per_product=1
        ),
    )
    for a, b in zip(one.affected_products, full.affected_products, strict=True):
        assert a.integration_points == sorted(b.integration_points, key=_key)[:1]
        assert a.effort == b.effort and a.effort.integration_points == len(b.integration_points)


def _key(ip: Any) -> tuple[Any, ...]:
    return (ip.depth, ip.component, ip.type, ip.element, ip.strength, ip.operations or [])


def test_the_cached_projection_is_frozen_out_of_the_collectors_way(
    any_store: GraphStore,
) -> None:
    portfolio(any_store)
    cache = ProjectionCache(any_store)
    p = cache.get()
    assert gc.get_freeze_count() > 0
    assert not any(o is p.refs for o in gc.get_objects())  # in no generation: frozen
    gc.unfreeze()
    assert any(o is p.refs for o in gc.get_objects())
