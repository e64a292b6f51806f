"""A whole-graph import's change records describe exactly what it replaced, on both stores.

Another write landing while an import runs (on Neo4j between staging and
the swap; on SQLite it waits for the import's transaction) must not make
the log lie: replaying it gives the graph before the import at the version
before, the graph with the other write at that write's version, and the
imported graph at the import's version.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from graph.storage import (
    ChangeQuery,
    EdgeRecord,
    GraphStore,
    Neo4jStore,
    NodeRecord,
    Point,
    SQLiteStore,
    graph_as_of,
    neo4j_import,
)
from graph.storage.sqlite_tx import SQLiteTx
from graph.storage.write_tx import WriteTx
from schemas.facts import EdgeData, NodeData
from tests.store_contract import seed
from tests.store_import import new_graph

Graph = tuple[dict[str, NodeRecord], dict[tuple[str, str, str], EdgeRecord]]


def _now(store: GraphStore) -> Graph:
    return {n.ref: n for n in store.iter_nodes()}, {e.key: e for e in store.iter_edges()}


def _at(store: GraphStore, version: int) -> Graph:
    then = graph_as_of(store, Point(version=version))
    assert then.version == version
    return {n.ref: n for n in then.nodes}, {e.key: e for e in then.edges}


def _race(store: GraphStore) -> tuple[int, Graph]:
    """Another writer: a new node and edge, and a new name for a node the import removes."""
    store.replace_source(
        "racer",
        [NodeData("component:racer", {"name": "Racer"}), NodeData("component:racer-db", {})],
        [EdgeData("component:racer", "DEPENDS_ON", "component:racer-db")],
    )
    # (the seed's own source: another source's assertion of the same second may sort first)
    store.upsert_node(NodeData("product:checkout", {"name": "Raced"}), source="seed")
    with store.snapshot() as snap:
        return snap.version, (
            {n.ref: n for n in snap.iter_nodes()},
            {e.key: e for e in snap.iter_edges()},
        )


def _race_during_import(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch, raced: list[tuple[int, Graph]]
) -> threading.Thread | None:
    """Make the racing write land in the middle of the next import."""
    if isinstance(store, Neo4jStore):
        real_swap = neo4j_import.swap_in

        def swap_in(*args: object, **kwargs: object) -> int:
            raced.append(_race(store))  # staged, not yet swapped: the write lands now
            return real_swap(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(neo4j_import, "swap_in", swap_in)
        return None
    assert isinstance(store, SQLiteStore)
    real_put = SQLiteTx.put_edges
    writer = threading.Thread(target=lambda: raced.append(_race(store)))

    def put_edges(tx: WriteTx, records: Sequence[EdgeRecord]) -> None:
        if not writer.is_alive() and not raced:
            writer.start()  # it waits for the import's write lock ...
            time.sleep(0.3)  # ... while the import goes on holding it
        real_put(tx, records)  # type: ignore[arg-type]

    monkeypatch.setattr(SQLiteTx, "put_edges", put_edges)
    return writer


def test_an_import_racing_a_write_logs_what_it_replaced(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(store)
    before_version, before = store.version(), _now(store)
    nodes, edges = new_graph()
    raced: list[tuple[int, Graph]] = []
    writer = _race_during_import(store, monkeypatch, raced)

    version = store.import_records(nodes, edges, actor="importer")
    if writer is not None:
        writer.join(timeout=60)
    monkeypatch.undo()

    assert len(raced) == 1
    raced_version, raced_graph = raced[0]
    imported: Graph = {n.ref: n for n in nodes}, {e.key: e for e in edges}
    assert _at(store, before_version) == before
    assert _at(store, raced_version) == raced_graph
    assert _at(store, version) == imported
    assert "component:racer" in raced_graph[0]
    # The import's records: one per fact it changed, each before-state the state it replaced.
    replaced = _at(store, version - 1)
    records = store.read_changes(ChangeQuery(above_version=version - 1, up_to_version=version))
    old_facts: dict[object, object] = {**replaced[0], **replaced[1]}
    new_facts: dict[object, object] = {**imported[0], **imported[1]}
    changed = {t for t in {*old_facts, *new_facts} if old_facts.get(t) != new_facts.get(t)}
    assert len(records) == len(changed)
    assert {r.target for r in records} == changed
    for r in records:
        assert r.actor == "importer" and r.source == "import"
        old = replaced[1].get(r.edge_key) if r.is_edge else replaced[0].get(r.ref)
        assert r.before_state() == old
    if raced_version > version:
        return  # SQLite: the other write waited for the import and landed after it
    checkout = next(r for r in records if r.target == "product:checkout")
    assert checkout.op == "removed" and checkout.before is not None
    assert checkout.before["name"] == "Raced"
