"""The store contract on a real Neo4j 5 server, plus Neo4j specifics."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from graph.storage import EdgeRecord, neo4j_cypher, neo4j_import
from graph.storage.neo4j_store import Neo4jStore
from schemas.errors import StoreUnavailableError
from schemas.facts import NodeData
from tests.store_concurrency import ConcurrencyContract
from tests.store_contract import GraphStoreContract
from tests.store_import import ExportContract, ImportContract

pytestmark = pytest.mark.neo4j


class TestNeo4jStore(GraphStoreContract, ConcurrencyContract, ImportContract, ExportContract):
    @pytest.fixture
    def store(self, neo4j_store: Neo4jStore) -> Iterator[Neo4jStore]:
        yield neo4j_store

    @pytest.fixture
    def break_import_midway(
        self, store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
    ) -> list[set[str]]:
        """The first import fails after its nodes and half its edges are staged (batches of 4)."""
        seen: list[set[str]] = []
        real = neo4j_import.stage_edges
        monkeypatch.setattr(neo4j_cypher, "BATCH", 4)

        def stage_edges(run_write: Any, stage: str, edges: Sequence[EdgeRecord]) -> None:
            if seen:
                real(run_write, stage, edges)
                return
            real(run_write, stage, edges[: len(edges) // 2])
            seen.append({n.ref for n in store.iter_nodes()})
            raise RuntimeError("injected failure at a middle edge batch")

        monkeypatch.setattr(neo4j_import, "stage_edges", stage_edges)
        return seen


def test_nodes_carry_kind_labels_and_plain_properties(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert_node(
        NodeData("product:checkout", {"name": "Checkout", "tier": 1, "tags": ["a"]}), source="t"
    )
    records, _, _ = neo4j_store._driver.execute_query(
        "MATCH (p:Product:Element {tier: 1}) RETURN p.ref AS ref, p.name AS name, p.tags AS tags"
    )
    assert [(r["ref"], r["name"], r["tags"]) for r in records] == [
        ("product:checkout", "Checkout", ["a"])
    ]


def test_uniqueness_constraint_exists(neo4j_store: Neo4jStore) -> None:
    records, _, _ = neo4j_store._driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN name")
    assert "archgraph_element_ref" in {r["name"] for r in records}


def test_unreachable_server_reports_unavailable() -> None:
    store = Neo4jStore("bolt://127.0.0.1:1", connection_timeout=1.0)
    try:
        with pytest.raises(StoreUnavailableError):
            store.ping()
    finally:
        store.close()


def test_routing_scheme_works_against_a_single_server(neo4j_uri: str) -> None:
    """neo4j:// (cluster routing) also serves a single instance, so one URI form fits all."""
    store = Neo4jStore(neo4j_uri.replace("bolt://", "neo4j://"))
    try:
        store.clear()
        store.upsert_node(NodeData("team:routing", {"name": "R"}), source="t")
        node = store.get_node("team:routing")
        assert node is not None and node.properties == {"name": "R"}
    finally:
        store.clear()
        store.close()
