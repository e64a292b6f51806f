"""Every cell of the propagation table (graph/analysis/propagation.py, docs/impact.md),
pinned on a tiny hand-built graph.

For each change type and each kind of edge: the target ``x`` (owned by product
``home``), a dependent ``w`` (product ``near``) linked to it by that edge, and
``far`` (product ``far``) depending hard on ``w`` (a part, ``w PART_OF x``, belongs
to ``home``, so it is checked among the components). The answer must say whether
``w`` is reached, hard or soft, and whether ``far`` is reached (the change
travels on), only as possible cascade, or not at all.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.analysis import impact
from graph.analysis.propagation import PROPAGATION, Cell, EdgeKind, check_table
from graph.storage import GraphStore
from schemas.analysis import ChangeType, ImpactRequest
from tests.analysis.conftest import Edge, load

NODES: dict[str, dict[str, Any]] = {
    "product:home": {"tier": 2},
    "product:near": {"tier": 2},
    "product:far": {"tier": 2},
    "component:x": {"product": "home"},
    "component:w": {"product": "near"},
    "component:far": {"product": "far"},
    "api:x-api": {},
}


def edges_for(kind: EdgeKind) -> tuple[str, list[Edge]]:
    """The target and the edges linking ``w`` to it by *kind*; ``far`` depends hard on ``w``."""
    onward: Edge = ("component:far", "DEPENDS_ON", "component:w", {"strength": "hard"})
    soft: dict[str, Any] = {"strength": "soft"}
    linking: dict[EdgeKind, list[Edge]] = {
        EdgeKind.DEPENDS_ON_HARD: [("component:w", "DEPENDS_ON", "component:x")],
        EdgeKind.DEPENDS_ON_SOFT: [("component:w", "DEPENDS_ON", "component:x", soft)],
        EdgeKind.PART_OF: [("component:w", "PART_OF", "component:x")],
        EdgeKind.CONSUMES_HARD: [
            ("component:x", "PROVIDES", "api:x-api"),
            ("component:w", "CONSUMES", "api:x-api"),
        ],
        EdgeKind.CONSUMES_SOFT: [
            ("component:x", "PROVIDES", "api:x-api"),
            ("component:w", "CONSUMES", "api:x-api", soft),
        ],
        EdgeKind.SUBSCRIBES: [
            ("component:x", "PUBLISHES", "api:x-api"),
            ("component:w", "SUBSCRIBES", "api:x-api"),
        ],
    }
    return "component:x", [*linking[kind], onward]


CELLS = [
    (change, kind, cell)
    for change, row in PROPAGATION.items()
    for kind, cell in row.items()
    if kind != EdgeKind.OFFERS
]


def test_the_table_is_complete_and_soft_never_travels() -> None:
    assert check_table() == []
    assert set(PROPAGATION) == set(ChangeType)


@pytest.mark.parametrize(
    ("change", "kind", "cell"), CELLS, ids=[f"{c.value}-{k.value}" for c, k, _ in CELLS]
)
def test_cell(any_store: GraphStore, change: ChangeType, kind: EdgeKind, cell: Cell) -> None:
    target, edges = edges_for(kind)
    p = load(any_store, NODES, edges)
    result = impact(p, ImpactRequest(targets=[target], change_type=change))
    products = {a.ref: a for a in result.affected_products}
    cascade = {c.ref for c in result.possible_cascade.products}
    if cell.lands is None:
        assert products == {} and cascade == set()
        return
    groups = {g.depth: g for g in result.components_by_depth}
    assert "component:w" in (groups[1].hard if cell.lands == "hard" else groups[1].soft)
    if kind != EdgeKind.PART_OF:  # a part belongs to its whole's owner, not to near
        assert products["product:near"].strength == cell.lands
        assert products["product:near"].min_depth == 1
    if cell.onward is not None:
        # w passes the change on: far is down / changed too, hard, one hop further
        assert products["product:far"].strength == "hard"
        assert products["product:far"].min_depth == 2
        assert products["product:far"].paths[0] == [
            "product:far",
            "component:far",
            "component:w",
            *(["api:x-api"] if kind in (EdgeKind.CONSUMES_HARD, EdgeKind.SUBSCRIBES) else []),
            "component:x",
        ]
        assert cascade == set()
    elif cell.cascade:
        assert "product:far" not in products
        assert cascade == {"product:far"}
        assert result.blast_radius.hard_products == 1  # far never counts as hard
        assert "component:far" not in {r for g in groups.values() for r in (*g.hard, *g.soft)}
    else:
        assert "product:far" not in products and cascade == set()


@pytest.mark.parametrize("change", list(ChangeType))
def test_an_api_changes_with_its_provider(any_store: GraphStore, change: ChangeType) -> None:
    """The PROVIDES/PUBLISHES column: the API carries the provider's change; the provider
    is never affected by its own API, even when it subscribes to what it publishes."""
    edges: list[Edge] = [
        ("component:x", "PUBLISHES", "api:x-api"),
        ("component:x", "SUBSCRIBES", "api:x-api"),
        ("component:w", "SUBSCRIBES", "api:x-api"),
    ]
    p = load(any_store, NODES, edges)
    assert PROPAGATION[change][EdgeKind.OFFERS].onward == change
    for target in ("api:x-api", "component:x"):
        result = impact(p, ImpactRequest(targets=[target], change_type=change))
        assert [a.ref for a in result.affected_products] == ["product:near"]
        groups = [ref for g in result.components_by_depth for ref in (*g.hard, *g.soft)]
        assert "component:x" not in groups
