"""Whole-graph import into Neo4j: stage the new graph, then swap it in at once.

A large graph does not fit one Neo4j transaction, so the new graph is
written in batches as *staged* nodes (label ``ArchgraphStaged`` and a stage
id instead of ``Element``) that no read matches. Each import owns one stage:
a marker node (``ArchgraphStage {id, touched}``) created first and touched by
every batch. One transaction then swaps: it takes the graph's write lock,
checks that its stage holds exactly the nodes and edges it staged (else
nothing changes and the import fails with 409 ``import_conflict``), turns
every live ``Element`` into ``ArchgraphRetired``, turns the staged nodes into
``Element`` and bumps the version. Retired nodes are deleted afterwards, in
batches. The import's change records are staged after the graph and go
live in the same swap, re-based on the graph it replaces
(:mod:`graph.storage.neo4j_import_log`).

The swap itself still relabels the old and the new graph (nodes, source
index nodes, change records) in one transaction, so its size bounds the
largest import: on the test server (1 GB heap) about 20k nodes / 40k edges
into an empty graph.

So a failure at any point before the swap (a bad batch, the process or Neo4j
dying) leaves the old graph and its version whole, and readers never see a
half-imported graph. Concurrent imports never delete each other's stages: an
import deletes its own stage when it fails, retired nodes, and stages that
are abandoned (untouched for ``abandoned_after`` seconds, or staged nodes
without a marker). Should a stage still in use be deleted anyway (an import
stalled past that bound), its swap finds the counts short and changes
nothing.
"""

from __future__ import annotations

import contextlib
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
from graph.storage.neo4j_import_log import (
    STAGED_CHANGE,
    StagedLog,
    go_live,
    reconcile,
    stage_changes,
    staged_count,
)
from graph.storage.neo4j_sources import (
    STAGED_EDGE_SOURCE,
    STAGED_NODE_SOURCE,
    stage_edge_sources,
    stage_node_sources,
    swap_index,
)
from graph.storage.records import EdgeRecord, NodeRecord
from schemas.errors import ConflictError

STAGED = "ArchgraphStaged"
STAGE = "ArchgraphStage"
RETIRED = "ArchgraphRetired"
ABANDONED_AFTER = 600.0
"""Seconds a stage may go untouched before another import may delete it."""
_DELETE_BATCH = 1_000

RunWrite = Callable[[Callable[[ManagedTransaction], Any]], Any]
"""Runs a function in one managed write transaction (retries and 503s included)."""


class StageLostError(ConflictError):
    """The import's stage is not what it wrote (another import deleted it as abandoned)."""

    code = "import_conflict"


def _touch(tx: ManagedTransaction, stage: str) -> None:
    """Lock the graph and mark the stage as in use; fail if it is gone."""
    lock_graph(tx)
    found = tx.run(
        cypher(f"MATCH (s:{STAGE} {{id: $stage}}) SET s.touched = timestamp() RETURN s.id AS id"),
        stage=stage,
    ).single()
    if found is None:
        raise StageLostError(
            "another import deleted this import's staged graph; nothing was changed, try again"
        )


def _staged_unit(query: LiteralString, stage: str, **params: Any) -> Callable[..., Any]:
    def unit(tx: ManagedTransaction) -> Any:
        _touch(tx, stage)
        return tx.run(query, params, stage=stage).consume()

    return unit


def open_stage(run_write: RunWrite) -> str:
    """Create this import's stage marker; return its id."""
    stage = uuid.uuid4().hex

    def unit(tx: ManagedTransaction) -> None:
        lock_graph(tx)
        tx.run(
            cypher(f"CREATE (:{STAGE} {{id: $stage, touched: timestamp()}})"), stage=stage
        ).consume()

    run_write(unit)
    return stage


def _delete_in_batches(run_write: RunWrite, match: LiteralString, **params: Any) -> None:
    query = cypher(f"{match} WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS c")

    def unit(tx: ManagedTransaction) -> int:
        lock_graph(tx)
        return int(tx.run(query, params, limit=_DELETE_BATCH).single(strict=True)["c"])

    while run_write(unit):
        pass


def drop_stage(run_write: RunWrite, stage: str) -> None:
    """Delete one stage: its staged nodes (and edges), then its marker."""
    _delete_in_batches(run_write, cypher(f"MATCH (n:{STAGED} {{_stage: $stage}})"), stage=stage)
    for label in (STAGED_NODE_SOURCE, STAGED_EDGE_SOURCE, STAGED_CHANGE):
        _delete_in_batches(run_write, cypher(f"MATCH (n:{label} {{_stage: $stage}})"), stage=stage)
    _delete_in_batches(run_write, cypher(f"MATCH (n:{STAGE} {{id: $stage}})"), stage=stage)


def delete_leftovers(run_write: RunWrite, abandoned_after: float = ABANDONED_AFTER) -> None:
    """Delete retired nodes, abandoned stages and staged nodes of no stage.

    A stage is abandoned when no batch touched it for *abandoned_after*
    seconds; stages in use (another import staging right now) stay.
    """
    _delete_in_batches(run_write, cypher(f"MATCH (n:{RETIRED})"))

    def abandoned(tx: ManagedTransaction) -> list[str]:
        lock_graph(tx)
        return [
            str(rec["id"])
            for rec in tx.run(
                cypher(f"MATCH (s:{STAGE}) WHERE s.touched <= timestamp() - $ms RETURN s.id AS id"),
                ms=int(abandoned_after * 1000),
            )
        ]

    for stage in run_write(abandoned):
        drop_stage(run_write, stage)
    for label in (STAGED, STAGED_NODE_SOURCE, STAGED_EDGE_SOURCE, STAGED_CHANGE):
        _delete_in_batches(
            run_write,
            cypher(f"MATCH (n:{label}) WHERE NOT EXISTS {{ MATCH (:{STAGE} {{id: n._stage}}) }}"),
        )


def stage_nodes(run_write: RunWrite, stage: str, nodes: Sequence[NodeRecord]) -> None:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in nodes:
        props = {**stored_props(r.properties, r.assertions), "ref": r.ref, "kind": r.kind}
        by_kind[r.kind].append({**props, "_stage": stage})
    for kind, rows in by_kind.items():
        query = cypher(f"UNWIND $rows AS row CREATE (n:{STAGED}:{label_of(kind)}) SET n = row")
        for batch in batches(rows):
            run_write(_staged_unit(query, stage, rows=batch))
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
            run_write(_staged_unit(query, stage, rows=batch))
    _stage_sources(run_write, stage_edge_sources, stage, edges)


def _stage_sources(run_write: RunWrite, stage_fn: Any, stage: str, records: Sequence[Any]) -> None:
    """Stage the source index of *records*, one transaction per batch of records."""
    for batch in batches(records):

        def unit(tx: ManagedTransaction, batch: list[Any] = batch) -> None:
            _touch(tx, stage)
            stage_fn(lambda q, **p: tx.run(q, p).consume(), stage, batch)

        run_write(unit)


def swap_in(
    run_write: RunWrite,
    stage: str,
    expected: tuple[int, int],
    log: StagedLog | None = None,
) -> int:
    """One transaction: check the stage holds *expected* (nodes, edges) and the
    change records of *log*, re-base those records on the live graph, retire it,
    make the staged graph and records live, drop the marker, bump the version."""

    def unit(tx: ManagedTransaction) -> int:
        _touch(tx, stage)
        nodes = tx.run(
            cypher(f"MATCH (n:{STAGED} {{_stage: $stage}}) RETURN count(n) AS c"), stage=stage
        ).single(strict=True)["c"]
        edges = tx.run(
            cypher(f"MATCH (:{STAGED} {{_stage: $stage}})-[r]->() RETURN count(r) AS c"),
            stage=stage,
        ).single(strict=True)["c"]
        if (nodes, edges) != expected:
            raise StageLostError(
                f"this import's staged graph holds {nodes} nodes and {edges} edges, not the "
                f"{expected[0]} and {expected[1]} it wrote (another import deleted part of it); "
                "nothing was changed, try again"
            )
        if log is not None:
            held = staged_count(tx, stage)
            if held != log.staged:
                raise StageLostError(
                    f"this import's stage holds {held} change records, not the {log.staged} "
                    "it wrote (another import deleted part of it); nothing was changed, try again"
                )
            reconcile(tx, log)
        tx.run(cypher(f"MATCH (n:Element) SET n:{RETIRED} REMOVE n:Element")).consume()
        tx.run("MATCH (s:ArchgraphScanState) DELETE s").consume()  # hashes of the old graph
        tx.run(
            cypher(
                f"MATCH (n:{STAGED} {{_stage: $stage}}) SET n:Element REMOVE n:{STAGED}, n._stage"
            ),
            stage=stage,
        ).consume()
        tx.run(cypher(f"MATCH (s:{STAGE} {{id: $stage}}) DELETE s"), stage=stage).consume()
        swap_index(tx, stage, RETIRED)
        record = tx.run(
            "MATCH (m:ArchgraphMeta {id: 'graph'}) SET m.version = m.version + 1 "
            "RETURN m.version AS v"
        ).single(strict=True)
        version = int(record["v"])
        if log is not None:
            go_live(tx, log, version)
        return version

    return int(run_write(unit))


def import_staged(
    run_write: RunWrite,
    nodes: Sequence[NodeRecord],
    edges: Sequence[EdgeRecord],
    *,
    log: Callable[[str], StagedLog] | None = None,
    abandoned_after: float = ABANDONED_AFTER,
) -> int:
    """Replace the live graph with *nodes* and *edges* (already checked); return the version.

    *log* makes the import's change log for its stage id; its records are
    staged after the graph and go live in the swap.
    """
    delete_leftovers(run_write, abandoned_after)
    stage = open_stage(run_write)
    try:
        stage_nodes(run_write, stage, nodes)
        stage_edges(run_write, stage, edges)
        staged_log = None if log is None else log(stage)
        if staged_log is not None:
            stage_changes(run_write, _touch, staged_log)
        version = swap_in(run_write, stage, (len(nodes), len(edges)), staged_log)
    except BaseException:
        with contextlib.suppress(Exception):  # Neo4j gone: abandoned, deleted later
            drop_stage(run_write, stage)
        raise
    delete_leftovers(run_write, abandoned_after)
    return version
