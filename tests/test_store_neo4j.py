"""The store contract on a real Neo4j 5 server, plus Neo4j specifics."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import neo4j
import pytest

from graph.storage import EdgeRecord, neo4j_cypher, neo4j_import, neo4j_sources
from graph.storage.neo4j_store import Neo4jStore
from schemas.errors import StoreUnavailableError
from schemas.facts import NodeData
from tests.store_concurrency import ConcurrencyContract
from tests.store_contract import GraphStoreContract, seed
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


def _index_node_count(store: Neo4jStore) -> int:
    records, _, _ = store._driver.execute_query(
        "MATCH (s) WHERE s:SourceAssertion OR s:SourceEdgeAssertion RETURN count(s) AS c"
    )
    return int(records[0]["c"])


def _assertion_count(store: Neo4jStore) -> int:
    return sum(len(n.assertions) for n in store.iter_nodes()) + sum(
        len(e.assertions) for e in store.iter_edges()
    )


def test_source_index_holds_one_node_per_assertion_after_writes_and_import(
    neo4j_store: Neo4jStore,
) -> None:
    seed(neo4j_store, "s1")
    neo4j_store.upsert_nodes([NodeData("component:cart"), NodeData("team:t")], source="s2")
    neo4j_store.delete_node("component:auth")
    assert _index_node_count(neo4j_store) == _assertion_count(neo4j_store) > 0
    nodes, edges = list(neo4j_store.iter_nodes()), list(neo4j_store.iter_edges())
    seed(neo4j_store, "s3")
    neo4j_store.import_records(nodes, edges)
    assert _index_node_count(neo4j_store) == _assertion_count(neo4j_store)
    labels, _, _ = neo4j_store._driver.execute_query(
        "MATCH (s) WHERE s:ArchgraphStagedSource OR s:ArchgraphStagedEdgeSource "
        "OR s:ArchgraphRetired RETURN count(s) AS c"
    )
    assert labels[0]["c"] == 0


def test_a_database_written_before_the_source_index_is_indexed_on_open(
    neo4j_store: Neo4jStore, neo4j_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(neo4j_store, "s1")
    neo4j_store.upsert_nodes([NodeData("component:cart"), NodeData("team:t")], source="s2")
    expected = {s: neo4j_store.asserted_by(s) for s in ("s1", "s2")}
    # What a database written by an archgraph without the index looks like:
    neo4j_store._driver.execute_query(
        "MATCH (s) WHERE s:SourceAssertion OR s:SourceEdgeAssertion DELETE s"
    )
    neo4j_store._driver.execute_query("MATCH (m:ArchgraphMeta {id: 'graph'}) REMOVE m.source_index")
    assert neo4j_store.asserted_by("s1") == (set(), set())
    monkeypatch.setattr(neo4j_sources, "_BUILD_BATCH", 2)  # several migration batches
    reopened = Neo4jStore(
        neo4j_uri,
        user=os.environ.get("ARCHGRAPH_TEST_NEO4J_USER"),
        password=os.environ.get("ARCHGRAPH_TEST_NEO4J_PASSWORD"),
    )
    try:
        assert {s: reopened.asserted_by(s) for s in expected} == expected
        assert _index_node_count(reopened) == _assertion_count(reopened)
        flag, _, _ = reopened._driver.execute_query(
            "MATCH (m:ArchgraphMeta {id: 'graph'}) RETURN m.source_index AS f"
        )
        assert flag[0]["f"] == neo4j_sources.INDEX_FORMAT
        # The retract a re-scan does now finds what s1 asserted.
        reopened.retract_source("s1")
        assert {n.ref for n in reopened.iter_nodes()} == {"component:cart", "team:t"}
    finally:
        reopened.close()


def test_every_session_and_query_carries_the_store_bookmark_manager(
    neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One bookmark manager chains every transaction of the store (reads see writes on a cluster)."""
    driver = neo4j_store._driver
    managers: list[object] = []
    real_session, real_query = driver.session, driver.execute_query

    def session(**config: Any) -> Any:
        managers.append(config.get("bookmark_manager"))
        return real_session(**config)

    def execute_query(*args: Any, **kwargs: Any) -> Any:
        managers.append(kwargs.get("bookmark_manager_"))
        return real_query(*args, **kwargs)

    monkeypatch.setattr(driver, "session", session)
    monkeypatch.setattr(driver, "execute_query", execute_query)
    before = set(neo4j_store._bookmarks.get_bookmarks())
    seed(neo4j_store)  # a write session
    after_write = set(neo4j_store._bookmarks.get_bookmarks())
    assert after_write and after_write != before
    assert neo4j_store.get_node("component:cart") is not None  # execute_query
    assert len(list(neo4j_store.iter_nodes())) == 5  # a streaming read session
    with neo4j_store.snapshot() as snap:  # the export's session
        assert len(list(snap.iter_edges())) == 4
    neo4j_store.import_records(list(neo4j_store.iter_nodes()), [])  # staged import sessions
    assert len(managers) >= 5
    assert all(m is neo4j_store._bookmarks for m in managers)


def test_a_write_is_seen_by_a_read_in_a_new_session(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert_node(NodeData("team:causal", {"name": "C"}), source="t")
    with neo4j_store._session(neo4j.READ_ACCESS) as session:
        record = session.run(
            "MATCH (n:Element {ref: 'team:causal'}) RETURN n.name AS name"
        ).single()
    assert record is not None and record["name"] == "C"
