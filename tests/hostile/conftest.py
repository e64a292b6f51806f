"""Hostile-input fixtures: a graph to compare before and after each attack."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from graph.storage import GraphStore
from tests.api.conftest import ApiClient, make_client


def snapshot(store: GraphStore) -> tuple[int, list[Any], list[Any]]:
    """The graph version and every node and edge, to compare before and after."""
    nodes = sorted((n.ref, repr(n)) for n in store.iter_nodes())
    edges = sorted(repr(e) for e in store.iter_edges())
    return store.version(), nodes, edges


@pytest.fixture
def seeded(store: GraphStore) -> Iterator[ApiClient]:
    """The API over a store holding one element, with the editor key."""
    api = make_client(store)
    response = api.put("/api/v1/products/shop", json={"name": "Shop"})
    assert response.status_code in (200, 201), response.text
    yield api


def assert_unharmed(api: ApiClient, store: GraphStore, before: Any) -> None:
    """The server still answers and the graph, version included, is what it was."""
    assert api.get("/healthz").status_code == 200
    assert api.get("/api/v1/products/shop").status_code == 200
    assert snapshot(store) == before
