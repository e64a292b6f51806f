"""Reading the whole Neo4j graph: the paged reads, the snapshot, and the optimistic read.

:class:`Neo4jSnapshot` reads inside one transaction: export's, which holds
the graph lock, or the read transaction of the projection build's optimistic
read (:func:`read_optimistic`; ``docs/architecture.md``, "The build reads
one snapshot", says why it is consistent under read-committed isolation).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import ManagedTransaction

from graph.storage.neo4j_cypher import (
    EDGE_RETURN,
    NODE_RETURN,
    cypher,
    edge_record,
    lock_graph,
    node_record,
)
from graph.storage.records import EdgeRecord, NodeRecord
from graph.storage.store import FACT_PAGE, EdgeFactText, GraphSnapshot, NodeFact

T = TypeVar("T")

NODES_QUERY = cypher(f"MATCH (n:Element) RETURN {NODE_RETURN} ORDER BY n.ref")
EDGES_QUERY = cypher(
    f"MATCH (a:Element)-[r]->(b:Element) RETURN {EDGE_RETURN} ORDER BY from_ref, type, to_ref"
)
# What analysis reads: no assertions sent over Bolt or decoded, and few large
# records (each a chunk of parallel lists), since the driver's cost per record
# dominates a read of many small ones.
# Rows are collected as lists, not as parallel lists: collect() drops nulls, and a
# node or edge a committed write deletes while this reads shows null properties
# (read committed). Such rows are skipped; the deleting write moved the version,
# so the read that saw them is not kept (``read_optimistic``).
NODE_FACTS_QUERY = cypher(
    "MATCH (n:Element) WITH n.ref AS ref, n.kind AS kind, coalesce(n._props, '{}') AS props "
    "ORDER BY ref WITH collect([ref, kind, props]) AS rows "
    "UNWIND range(0, size(rows) - 1, $chunk) AS i "
    "RETURN rows[i..i + $chunk] AS rows"
)
EDGE_FACTS_QUERY = cypher(
    "MATCH (a:Element)-[r]->(b:Element) WITH a.ref AS f, type(r) AS t, b.ref AS b, "
    "coalesce(r._props, '{}') AS p ORDER BY f, t, b "
    "WITH collect([f, t, b, p]) AS rows "
    "UNWIND range(0, size(rows) - 1, $chunk) AS i "
    "RETURN rows[i..i + $chunk] AS rows"
)
#: Nodes per record of :data:`NODE_FACTS_QUERY` (edges: :data:`FACT_PAGE`, a page a record).
NODE_CHUNK = 10_000
VERSION_QUERY = cypher("MATCH (m:ArchgraphMeta {id: 'graph'}) RETURN m.version AS v")

Run = Callable[[LiteralString, dict[str, Any]], Iterable[neo4j.Record]]


def nodes_of(records: Iterable[neo4j.Record]) -> Iterator[NodeRecord]:
    for rec in records:
        yield node_record(rec["ref"], rec["kind"], rec["props"], rec["assertions"])


def edges_of(records: Iterable[neo4j.Record]) -> Iterator[EdgeRecord]:
    for rec in records:
        key = (rec["from_ref"], rec["type"], rec["to_ref"])
        yield edge_record(key, rec["props"], rec["assertions"])


def node_facts_of(records: Iterable[neo4j.Record]) -> Iterator[NodeFact]:
    """Nodes from the chunks of :data:`NODE_FACTS_QUERY`."""
    loads = json.loads
    for rec in records:
        for ref, kind, props in rec["rows"]:
            if ref is not None and kind is not None:  # else deleted while read
                yield ref, kind, loads(props)


def edge_fact_pages_of(records: Iterable[neo4j.Record]) -> Iterator[list[EdgeFactText]]:
    """Pages of edges from the chunks of :data:`EDGE_FACTS_QUERY`, one a record."""
    for rec in records:
        yield [(f, t, b, p) for f, t, b, p in rec["rows"] if f is not None and b is not None]


def node_facts(run: Run) -> Iterator[NodeFact]:
    return node_facts_of(run(NODE_FACTS_QUERY, {"chunk": NODE_CHUNK}))


def edge_fact_pages(run: Run) -> Iterator[list[EdgeFactText]]:
    return edge_fact_pages_of(run(EDGE_FACTS_QUERY, {"chunk": FACT_PAGE}))


class Neo4jSnapshot(GraphSnapshot):
    """The graph as one transaction *tx* reads it, stamped *version*."""

    def __init__(self, tx: neo4j.Transaction, version: int) -> None:
        self._tx = tx
        self.version = version

    def iter_nodes(self) -> Iterator[NodeRecord]:
        return nodes_of(self._tx.run(NODES_QUERY))

    def iter_edges(self) -> Iterator[EdgeRecord]:
        return edges_of(self._tx.run(EDGES_QUERY))

    def iter_node_facts(self) -> Iterator[NodeFact]:
        return node_facts(self._tx.run)

    def iter_edge_fact_pages(self) -> Iterator[list[EdgeFactText]]:
        return edge_fact_pages(self._tx.run)


def locked_version(tx: ManagedTransaction) -> int:
    """The graph version, read holding the graph lock: no writer is half way through."""
    lock_graph(tx)
    rec = tx.run(VERSION_QUERY).single(strict=True)
    return int(rec["v"])


def read_optimistic(
    read: Callable[[GraphSnapshot], T],
    *,
    version: Callable[[], int],
    in_read_tx: Callable[[Callable[[neo4j.Transaction], T]], T],
) -> tuple[bool, T]:
    """One try of the optimistic read: ``(consistent, what read returned)``.

    *version* reads the version under the graph lock (:func:`locked_version`
    in a write transaction of its own); *in_read_tx* runs a function in one
    read transaction. Consistent when the version read before and after
    *read* agree.
    """
    before = version()
    result = in_read_tx(lambda tx: read(Neo4jSnapshot(tx, before)))
    return version() == before, result
