"""Fixtures for the analysis tests: a store of each backend and small graphs to load into it.

``any_store`` is the shared ``store`` fixture (SQLite, and Neo4j when one can be
had), so every analysis test that goes through a store runs on both backends.
Graphs are written as plain dicts and tuples and loaded with :func:`load`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from graph.analysis import Projection, build_projection
from graph.storage import GraphStore
from schemas.facts import EdgeData, NodeData

Edge = tuple[str, str, str] | tuple[str, str, str, Mapping[str, Any]]


@pytest.fixture
def any_store(store: GraphStore) -> GraphStore:
    """An empty store, once per backend."""
    return store


def load(
    store: GraphStore,
    nodes: Mapping[str, Mapping[str, Any]] | Iterable[str],
    edges: Iterable[Edge] = (),
    *,
    source: str = "test",
) -> Projection:
    """Make *store* hold exactly these nodes and edges (as *source*) and project it."""
    node_map = nodes if isinstance(nodes, Mapping) else {ref: {} for ref in nodes}
    store.replace_source(
        source,
        [NodeData(ref, dict(props)) for ref, props in node_map.items()],
        [EdgeData(e[0], e[1], e[2], dict(e[3]) if len(e) == 4 else {}) for e in edges],
    )
    return build_projection(store)


#: A small portfolio with every kind of link the impact walk follows.
#:
#: pipeline (data) --PROVIDES--> api:events-v1 <--CONSUMES-- report-gen (reporting, tier 1)
#: report-gen <--DEPENDS_ON-- dashboard (insights, tier 2)
#: auth (platform) <--DEPENDS_ON(soft)-- dashboard; auth <--DEPENDS_ON-- checkout-api (shop)
SMALL_NODES: dict[str, dict[str, Any]] = {
    "product:data": {"name": "Data", "tier": 2},
    "product:reporting": {"name": "Reporting", "tier": 1},
    "product:insights": {"name": "Insights", "tier": 2},
    "product:shop": {"name": "Shop", "tier": 1},
    "component:pipeline": {"name": "Pipeline", "product": "data"},
    "component:report-gen": {"name": "Report generator", "product": "reporting"},
    "component:dashboard": {"product": "insights"},
    "component:checkout-api": {"product": "shop"},
    "component:auth": {"name": "Auth", "platform": True},
    "api:events-v1": {
        "type": "asyncapi",
        "operations": [
            {"method": "get", "path": "/v1/events/{id}", "operation_id": "getEvent"},
            {"method": "post", "path": "/v1/events", "operation_id": "createEvent"},
        ],
    },
    "api:auth-v1": {},
}
SMALL_EDGES: list[Edge] = [
    ("component:pipeline", "PART_OF", "product:data"),
    ("component:report-gen", "PART_OF", "product:reporting"),
    ("component:dashboard", "PART_OF", "product:insights"),
    ("component:checkout-api", "PART_OF", "product:shop"),
    ("component:pipeline", "PROVIDES", "api:events-v1"),
    (
        "component:report-gen",
        "CONSUMES",
        "api:events-v1",
        {"operations": ["GET /events/{eventId}"]},
    ),
    ("component:dashboard", "DEPENDS_ON", "component:report-gen", {"strength": "hard"}),
    ("component:dashboard", "DEPENDS_ON", "component:auth", {"strength": "soft"}),
    ("component:checkout-api", "DEPENDS_ON", "component:auth"),
    ("component:auth", "PROVIDES", "api:auth-v1"),
]


@pytest.fixture
def small(any_store: GraphStore) -> Projection:
    """:data:`SMALL_NODES` and :data:`SMALL_EDGES` loaded into a store and projected."""
    return load(any_store, SMALL_NODES, SMALL_EDGES)


@pytest.fixture
def sample(any_store: GraphStore) -> Projection:
    """The planted-problem portfolio of ``tests/analysis/sample.py``, projected."""
    from tests.analysis.sample import EDGES, NODES

    return load(any_store, NODES, EDGES)
