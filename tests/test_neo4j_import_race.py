"""Concurrent whole-graph imports on Neo4j never go live with a partial graph.

Two imports racing (threads, small batches so their staging interleaves) end
with the graph exactly one of the two documents, whole. An import whose
stage was deleted under it (as abandoned, by another import) fails with 409
``import_conflict`` at its swap and changes nothing.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from graph.storage import (
    Assertion,
    EdgeRecord,
    Neo4jStore,
    NodeRecord,
    export_document,
    neo4j_cypher,
    neo4j_import,
)
from schemas.errors import ConflictError
from tests.store_import import STAMP

pytestmark = pytest.mark.neo4j


def _graph(name: str, size: int) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """*size* components of product *name*, each depending on the previous one."""
    a = (Assertion("import", STAMP, {}),)
    nodes = [NodeRecord(f"product:{name}", "product", {}, a)]
    edges = []
    for i in range(size):
        nodes.append(NodeRecord(f"component:{name}-{i}", "component", {}, a))
        edges.append(EdgeRecord(f"component:{name}-{i}", "PART_OF", f"product:{name}", {}, a))
        if i:
            edges.append(
                EdgeRecord(
                    f"component:{name}-{i}", "DEPENDS_ON", f"component:{name}-{i - 1}", {}, a
                )
            )
    return nodes, edges


def _shape(store: Neo4jStore) -> tuple[set[str], set[tuple[str, str, str]]]:
    doc = export_document(store)
    return {n["ref"] for n in doc["nodes"]}, {(e["from"], e["type"], e["to"]) for e in doc["edges"]}


def _of(graph: tuple[list[NodeRecord], list[EdgeRecord]]) -> tuple[set[str], set[Any]]:
    return {n.ref for n in graph[0]}, {e.key for e in graph[1]}


def _leftovers(store: Neo4jStore) -> int:
    records, _, _ = store._driver.execute_query(
        "MATCH (n) WHERE n:ArchgraphStaged OR n:ArchgraphStage RETURN count(n) AS c"
    )
    return int(records[0]["c"])


def test_two_racing_imports_leave_exactly_one_document_whole(
    neo4j_store: Neo4jStore, neo4j_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(neo4j_cypher, "BATCH", 20)  # many batches each: staging interleaves
    graphs = {"left": _graph("left", 150), "right": _graph("right", 150)}
    version = neo4j_store.version()
    stores = {
        name: Neo4jStore(
            neo4j_uri,
            user=os.environ.get("ARCHGRAPH_TEST_NEO4J_USER"),
            password=os.environ.get("ARCHGRAPH_TEST_NEO4J_PASSWORD"),
        )
        for name in graphs
    }
    barrier = threading.Barrier(len(graphs))
    outcome: dict[str, object] = {}

    def run(name: str) -> None:
        barrier.wait()
        try:
            outcome[name] = stores[name].import_records(*graphs[name], actor=name)
        except BaseException as exc:
            outcome[name] = exc

    threads = [threading.Thread(target=run, args=(name,)) for name in graphs]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
    finally:
        for s in stores.values():
            s.close()

    # Each import either went live or failed cleanly as a conflict; at least one went live.
    assert all(isinstance(o, int | ConflictError) for o in outcome.values()), outcome
    landed = sorted(v for v in outcome.values() if isinstance(v, int))
    assert landed and neo4j_store.version() == version + len(landed)
    assert _shape(neo4j_store) in [_of(g) for g in graphs.values()]
    assert neo4j_store.counts() in [(len(g[0]), len(g[1])) for g in graphs.values()]
    assert _leftovers(neo4j_store) == 0


def test_an_import_whose_stage_was_deleted_under_it_changes_nothing(
    neo4j_store: Neo4jStore, neo4j_uri: str
) -> None:
    run_write = neo4j_store._run_write
    neo4j_store.import_records(*_graph("old", 5))

    # An import stages its graph ...
    staged = _graph("new", 30)
    stage = neo4j_import.open_stage(run_write)
    neo4j_import.stage_nodes(run_write, stage, staged[0])
    neo4j_import.stage_edges(run_write, stage, staged[1])
    # ... another import runs meanwhile: the stage in use stays ...
    neo4j_store.import_records(*_graph("other", 5))
    assert _leftovers(neo4j_store) == 1 + len(staged[0])
    # ... until an import takes it for abandoned (here: at once) and deletes it.
    hasty = Neo4jStore(
        neo4j_uri,
        user=os.environ.get("ARCHGRAPH_TEST_NEO4J_USER"),
        password=os.environ.get("ARCHGRAPH_TEST_NEO4J_PASSWORD"),
        abandoned_stage_seconds=0,
    )
    try:
        hasty.import_records(*_graph("other", 5))
    finally:
        hasty.close()
    assert _leftovers(neo4j_store) == 0
    before, version = _shape(neo4j_store), neo4j_store.version()

    with pytest.raises(ConflictError) as failed:
        neo4j_import.swap_in(run_write, stage, (len(staged[0]), len(staged[1])))
    assert failed.value.code == "import_conflict"
    with pytest.raises(ConflictError):  # and it cannot stage any further either
        neo4j_import.stage_nodes(run_write, stage, staged[0][:1])
    assert _shape(neo4j_store) == before and neo4j_store.version() == version


def test_a_stage_short_of_what_was_staged_is_not_swapped_in(neo4j_store: Neo4jStore) -> None:
    run_write = neo4j_store._run_write
    neo4j_store.import_records(*_graph("old", 5))
    before, version = _shape(neo4j_store), neo4j_store.version()
    staged = _graph("new", 30)
    stage = neo4j_import.open_stage(run_write)
    neo4j_import.stage_nodes(run_write, stage, staged[0])
    neo4j_import.stage_edges(run_write, stage, staged[1])
    # part of the stage disappears (as when an earlier import deleted all stages)
    neo4j_store._driver.execute_query(
        "MATCH (n:ArchgraphStaged {_stage: $stage}) WITH n LIMIT 3 DETACH DELETE n", stage=stage
    )
    with pytest.raises(ConflictError):
        neo4j_import.swap_in(run_write, stage, (len(staged[0]), len(staged[1])))
    assert _shape(neo4j_store) == before and neo4j_store.version() == version
    neo4j_import.drop_stage(run_write, stage)
    assert _leftovers(neo4j_store) == 0
