"""The Neo4j store's source index: which source asserts which node and edge.

A list property (``_sources``) cannot be looked up through an index, so each
assertion also has a small node of its own: ``(:SourceAssertion {source,
ref})`` per node a source asserts and ``(:SourceEdgeAssertion {source,
from_ref, type, to_ref})`` per edge, with range indexes on ``source`` (the
lookup) and on ``ref`` / the edge key (their upkeep). Finding what a source
asserted then costs time proportional to what it asserted, as SQLite's
``node_sources`` / ``edge_sources`` tables make it.

Every write keeps the index in its own transaction (:class:`Neo4jTx` calls
the ``index_*`` / ``unindex_*`` functions here); a staged import stages the
index nodes with the graph (``stage_*_sources``). A database written before
the index existed is indexed once, on open (:func:`build_source_index`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.storage.neo4j_cypher import batches, cypher, lock_graph
from graph.storage.records import EdgeRecord, NodeRecord
from schemas.facts import EdgeKey

NODE_SOURCE = "SourceAssertion"
EDGE_SOURCE = "SourceEdgeAssertion"
STAGED_NODE_SOURCE = "ArchgraphStagedSource"
STAGED_EDGE_SOURCE = "ArchgraphStagedEdgeSource"
INDEX_FORMAT = 1  # the version node's ``source_index`` once the index is complete
_BUILD_BATCH = 1_000  # nodes (with their outgoing edges) per migration transaction

SOURCE_INDEXES: tuple[LiteralString, ...] = (
    "CREATE INDEX archgraph_source_node IF NOT EXISTS FOR (s:SourceAssertion) ON (s.source)",
    "CREATE INDEX archgraph_source_node_ref IF NOT EXISTS FOR (s:SourceAssertion) ON (s.ref)",
    "CREATE INDEX archgraph_source_edge IF NOT EXISTS FOR (s:SourceEdgeAssertion) ON (s.source)",
    "CREATE INDEX archgraph_source_edge_key IF NOT EXISTS "
    "FOR (s:SourceEdgeAssertion) ON (s.from_ref, s.type, s.to_ref)",
    "CREATE INDEX archgraph_source_edge_from IF NOT EXISTS "
    "FOR (s:SourceEdgeAssertion) ON (s.from_ref)",
    "CREATE INDEX archgraph_staged_source IF NOT EXISTS "
    "FOR (s:ArchgraphStagedSource) ON (s._stage)",
    "CREATE INDEX archgraph_staged_edge_source IF NOT EXISTS "
    "FOR (s:ArchgraphStagedEdgeSource) ON (s._stage)",
)

Run = Callable[..., Any]
"""Runs one Cypher statement with keyword parameters in the current transaction."""


def _edge_rows(keys: Sequence[EdgeKey]) -> list[dict[str, str]]:
    return [{"from": k[0], "type": k[1], "to": k[2]} for k in keys]


def unindex_nodes(run: Run, refs: Sequence[str]) -> None:
    for batch in batches(refs):
        run("UNWIND $refs AS ref MATCH (s:SourceAssertion {ref: ref}) DELETE s", refs=batch)


def unindex_edges(run: Run, keys: Sequence[EdgeKey]) -> None:
    for batch in batches(keys):
        run(
            "UNWIND $rows AS row MATCH (s:SourceEdgeAssertion "
            "{from_ref: row.from, type: row.type, to_ref: row.to}) DELETE s",
            rows=_edge_rows(batch),
        )


def index_nodes(run: Run, records: Sequence[NodeRecord]) -> None:
    """Make the index hold exactly *records*' sources for these nodes."""
    unindex_nodes(run, [r.ref for r in records])
    rows = [{"source": s, "ref": r.ref} for r in records for s in _sources(r)]
    for batch in batches(rows):
        run("UNWIND $rows AS row CREATE (s:SourceAssertion) SET s = row", rows=batch)


def index_edges(run: Run, records: Sequence[EdgeRecord]) -> None:
    """Make the index hold exactly *records*' sources for these edges."""
    unindex_edges(run, [r.key for r in records])
    rows = [
        {"source": s, "from_ref": r.from_ref, "type": r.type, "to_ref": r.to_ref}
        for r in records
        for s in _sources(r)
    ]
    for batch in batches(rows):
        run("UNWIND $rows AS row CREATE (s:SourceEdgeAssertion) SET s = row", rows=batch)


def clear_index(run: Run) -> None:
    run("MATCH (s:SourceAssertion) DELETE s")
    run("MATCH (s:SourceEdgeAssertion) DELETE s")


def node_refs_of(run: Run, source: str) -> set[str]:
    recs = run("MATCH (s:SourceAssertion {source: $source}) RETURN s.ref AS ref", source=source)
    return {rec["ref"] for rec in recs}


def edge_keys_of(run: Run, source: str) -> set[EdgeKey]:
    recs = run(
        "MATCH (s:SourceEdgeAssertion {source: $source}) "
        "RETURN s.from_ref AS f, s.type AS t, s.to_ref AS to",
        source=source,
    )
    return {(rec["f"], rec["t"], rec["to"]) for rec in recs}


def assertions_of(run: Run, sources: Sequence[str]) -> dict[str, tuple[set[str], set[EdgeKey]]]:
    """What each of *sources* asserts, in two index lookups for all of them.

    Each lookup answers one row holding every pair it found (one Bolt record
    per assertion would cost the driver more than the query costs the server).
    """
    found: dict[str, tuple[set[str], set[EdgeKey]]] = {s: (set(), set()) for s in sources}
    for batch in batches(list(found)):
        nodes = run(
            "UNWIND $sources AS source MATCH (s:SourceAssertion {source: source}) "
            "RETURN collect([s.source, s.ref]) AS rows",
            sources=batch,
        )
        for source, ref in nodes[0]["rows"]:
            found[source][0].add(ref)
        edges = run(
            "UNWIND $sources AS source MATCH (s:SourceEdgeAssertion {source: source}) "
            "RETURN collect([s.source, s.from_ref, s.type, s.to_ref]) AS rows",
            sources=batch,
        )
        for source, from_ref, edge_type, to_ref in edges[0]["rows"]:
            found[source][1].add((from_ref, edge_type, to_ref))
    return found


def _sources(record: NodeRecord | EdgeRecord) -> list[str]:
    return sorted({a.source for a in record.assertions})


# ------------------------------------------------------------ staged import


def stage_node_sources(run: Run, stage: str, records: Sequence[NodeRecord]) -> None:
    rows = [{"source": s, "ref": r.ref, "_stage": stage} for r in records for s in _sources(r)]
    query = cypher(f"UNWIND $rows AS row CREATE (s:{STAGED_NODE_SOURCE}) SET s = row")
    for batch in batches(rows):
        run(query, rows=batch)


def stage_edge_sources(run: Run, stage: str, records: Sequence[EdgeRecord]) -> None:
    rows = [
        {"source": s, "from_ref": r.from_ref, "type": r.type, "to_ref": r.to_ref, "_stage": stage}
        for r in records
        for s in _sources(r)
    ]
    query = cypher(f"UNWIND $rows AS row CREATE (s:{STAGED_EDGE_SOURCE}) SET s = row")
    for batch in batches(rows):
        run(query, rows=batch)


def swap_index(tx: ManagedTransaction, stage: str, retired: str) -> None:
    """Inside the import's swap: retire the live index nodes, promote the staged ones.

    A promoted node keeps its ``_stage`` property (no read looks at it):
    removing it would only add to the swap transaction's memory.
    """
    for live, staged in ((NODE_SOURCE, STAGED_NODE_SOURCE), (EDGE_SOURCE, STAGED_EDGE_SOURCE)):
        tx.run(cypher(f"MATCH (s:{live}) SET s:{retired} REMOVE s:{live}")).consume()
        tx.run(
            cypher(f"MATCH (s:{staged} {{_stage: $stage}}) SET s:{live} REMOVE s:{staged}"),
            stage=stage,
        ).consume()


# ------------------------------------------------------------ migration

_BUILD_STEPS: tuple[LiteralString, ...] = (
    "UNWIND $refs AS ref MATCH (s:SourceAssertion {ref: ref}) DELETE s",
    "UNWIND $refs AS ref MATCH (s:SourceEdgeAssertion {from_ref: ref}) DELETE s",
    "UNWIND $refs AS ref MATCH (n:Element {ref: ref}) UNWIND coalesce(n._sources, []) AS src "
    "CREATE (:SourceAssertion {source: src, ref: ref})",
    "UNWIND $refs AS ref MATCH (:Element {ref: ref})-[r]->(b:Element) "
    "UNWIND coalesce(r._sources, []) AS src "
    "CREATE (:SourceEdgeAssertion {source: src, from_ref: ref, type: type(r), to_ref: b.ref})",
)


def index_is_built(tx: ManagedTransaction) -> bool:
    rec = tx.run("MATCH (m:ArchgraphMeta {id: 'graph'}) RETURN m.source_index AS f").single()
    return rec is not None and rec["f"] == INDEX_FORMAT


def build_source_index(run_write: Callable[[Callable[[ManagedTransaction], Any]], Any]) -> bool:
    """Index a database written before the source index existed; True if it had to.

    Batches of nodes in ref order, each in its own transaction under the
    graph lock: a batch replaces the index nodes of its nodes and of their
    outgoing edges with what their ``_sources`` say, so a writer that ran
    between batches (and kept the index for what it wrote) loses nothing.
    """
    if run_write(index_is_built):
        return False
    after = ""
    while True:

        def batch(tx: ManagedTransaction, after: str = after) -> str | None:
            lock_graph(tx)
            rec = tx.run(
                "MATCH (n:Element) WHERE n.ref > $after WITH n.ref AS ref ORDER BY ref "
                "LIMIT $limit RETURN collect(ref) AS refs",
                after=after,
                limit=_BUILD_BATCH,
            ).single(strict=True)
            refs: list[str] = rec["refs"]
            for step in _BUILD_STEPS:
                tx.run(step, refs=refs).consume()
            return refs[-1] if refs else None

        last = run_write(batch)
        if last is None:
            break
        after = last

    def finish(tx: ManagedTransaction) -> None:
        lock_graph(tx)
        tx.run(
            "MATCH (m:ArchgraphMeta {id: 'graph'}) SET m.source_index = $f", f=INDEX_FORMAT
        ).consume()

    run_write(finish)
    return True
