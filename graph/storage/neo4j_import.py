"""Whole-graph import into Neo4j: stage the new graph, then swap it in at once.

A large graph does not fit one Neo4j transaction, so the new graph is
written in batches as *staged* nodes (label ``ArchgraphStaged`` and a stage
id instead of ``Element``) that no read matches. One transaction then swaps:
it takes the graph's write lock, turns every live ``Element`` into
``ArchgraphRetired``, turns the staged nodes into ``Element`` and bumps the
version. Retired nodes are deleted afterwards, in batches.

So a failure at any point before the swap (a bad batch, the process or Neo4j
dying) leaves the old graph and its version whole, and readers never see a
half-imported graph. Staged or retired leftovers of a failed import are
invisible to reads and deleted by the next import.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.storage.neo4j_cypher import (
    batches,
    cypher,
    label_of,
    lock_graph,
    rel_type_of,
    stored_props,
)
from graph.storage.neo4j_sources import (
    STAGED_EDGE_SOURCE,
    STAGED_NODE_SOURCE,
    stage_edge_sources,
    stage_node_sources,
    swap_index,
)
from graph.storage.records import EdgeRecord, NodeRecord

STAGED = "ArchgraphStaged"
RETIRED = "ArchgraphRetired"
_DELETE_BATCH = 1_000

RunWrite = Callable[[Callable[[ManagedTransaction], Any]], Any]
"""Runs a function in one managed write transaction (retries and 503s included)."""


def _locked(query: LiteralString, **params: Any) -> Callable[[ManagedTransaction], Any]:
    def unit(tx: ManagedTransaction) -> Any:
        lock_graph(tx)
        return tx.run(query, params).consume()

    return unit


def delete_leftovers(run_write: RunWrite) -> None:
    """Delete staged and retired nodes (and their edges) a previous import left behind."""
    for label in (STAGED, STAGED_NODE_SOURCE, STAGED_EDGE_SOURCE, RETIRED):
        while True:
            query = cypher(
                f"MATCH (n:{label}) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS c"
            )

            def unit(tx: ManagedTransaction, query: LiteralString = query) -> int:
                lock_graph(tx)
                return int(tx.run(query, limit=_DELETE_BATCH).single(strict=True)["c"])

            if not run_write(unit):
                break


def stage_nodes(run_write: RunWrite, stage: str, nodes: Sequence[NodeRecord]) -> None:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in nodes:
        props = {**stored_props(r.properties, r.assertions), "ref": r.ref, "kind": r.kind}
        by_kind[r.kind].append({**props, "_stage": stage})
    for kind, rows in by_kind.items():
        query = cypher(f"UNWIND $rows AS row CREATE (n:{STAGED}:{label_of(kind)}) SET n = row")
        for batch in batches(rows):
            run_write(_locked(query, rows=batch))
    _stage_sources(run_write, stage_node_sources, stage, nodes)


def stage_edges(run_write: RunWrite, stage: str, edges: Sequence[EdgeRecord]) -> None:
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in edges:
        by_type[r.type].append(
            {"from": r.from_ref, "to": r.to_ref, "props": stored_props(r.properties, r.assertions)}
        )
    for etype, rows in by_type.items():
        query = cypher(
            "UNWIND $rows AS row "
            f"MATCH (a:{STAGED} {{_stage: $stage, ref: row.from}}) "
            f"MATCH (b:{STAGED} {{_stage: $stage, ref: row.to}}) "
            f"CREATE (a)-[r:{rel_type_of(etype)}]->(b) SET r = row.props"
        )
        for batch in batches(rows):
            run_write(_locked(query, rows=batch, stage=stage))
    _stage_sources(run_write, stage_edge_sources, stage, edges)


def _stage_sources(run_write: RunWrite, stage_fn: Any, stage: str, records: Sequence[Any]) -> None:
    """Stage the source index of *records*, one transaction per batch of records."""
    for batch in batches(records):

        def unit(tx: ManagedTransaction, batch: list[Any] = batch) -> None:
            lock_graph(tx)
            stage_fn(lambda q, **p: tx.run(q, p).consume(), stage, batch)

        run_write(unit)


OnSwap = Callable[[ManagedTransaction, int], None]
"""Runs inside the swap transaction with the new version (the change log's hook)."""


def swap_in(run_write: RunWrite, stage: str, on_swap: OnSwap | None = None) -> int:
    """One transaction: retire the live graph, make the staged one live, bump the version."""

    def unit(tx: ManagedTransaction) -> int:
        lock_graph(tx)
        tx.run(cypher(f"MATCH (n:Element) SET n:{RETIRED} REMOVE n:Element")).consume()
        tx.run(
            cypher(
                f"MATCH (n:{STAGED} {{_stage: $stage}}) SET n:Element REMOVE n:{STAGED}, n._stage"
            ),
            stage=stage,
        ).consume()
        swap_index(tx, stage, RETIRED)
        record = tx.run(
            "MATCH (m:ArchgraphMeta {id: 'graph'}) SET m.version = m.version + 1 "
            "RETURN m.version AS v"
        ).single(strict=True)
        version = int(record["v"])
        if on_swap is not None:
            on_swap(tx, version)
        return version

    return int(run_write(unit))


def import_staged(
    run_write: RunWrite,
    nodes: Sequence[NodeRecord],
    edges: Sequence[EdgeRecord],
    *,
    on_swap: OnSwap | None = None,
) -> int:
    """Replace the live graph with *nodes* and *edges* (already checked); return the version."""
    delete_leftovers(run_write)
    stage = uuid.uuid4().hex
    stage_nodes(run_write, stage, nodes)
    stage_edges(run_write, stage, edges)
    version = swap_in(run_write, stage, on_swap)
    delete_leftovers(run_write)
    return version
