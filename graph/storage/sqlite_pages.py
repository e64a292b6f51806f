"""The SQLite store's whole-graph reads: nodes and edges a page at a time, and its snapshot.

Each function takes a ``query`` callable, so the same reads run on the
store's reader connection and inside a snapshot's read transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from graph.storage.records import EdgeRecord, NodeRecord
from graph.storage.sqlite_rows import EDGE_COLS, NODE_COLS, edge_from_row, node_from_row
from graph.storage.store import FACT_PAGE, EdgeFact, EdgeFactText, GraphSnapshot, NodeFact

PAGE = 5_000  # rows per read when iterating the whole graph

Query = Callable[[str, Sequence[Any]], list[Any]]


_NODES_AFTER = "WHERE ref > ? ORDER BY ref LIMIT ?"
_EDGES_AFTER = "WHERE (from_ref, type, to_ref) > (?, ?, ?) ORDER BY from_ref, type, to_ref LIMIT ?"


def _keyset_pages(
    query: Query, select: str, after: tuple[str, ...], size: int
) -> Iterator[list[Any]]:
    """Pages of *select* (ending in a keyset clause) of *size* rows, each after the
    last one's key (its first ``len(after)`` columns), until a short page."""
    while True:
        rows = query(select, (*after, size))
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = tuple(rows[-1][: len(after)])


def page_nodes(query: Query) -> Iterator[NodeRecord]:
    for rows in _keyset_pages(query, f"SELECT {NODE_COLS} FROM nodes {_NODES_AFTER}", ("",), PAGE):
        yield from (node_from_row(row) for row in rows)


def page_edges(query: Query) -> Iterator[EdgeRecord]:
    select = f"SELECT {EDGE_COLS} FROM edges {_EDGES_AFTER}"
    for rows in _keyset_pages(query, select, ("", "", ""), PAGE):
        yield from (edge_from_row(row) for row in rows)


def page_node_facts(query: Query) -> Iterator[NodeFact]:
    """Nodes without their assertions: the ``assertions`` column is never read."""
    select = f"SELECT ref, kind, props FROM nodes {_NODES_AFTER}"
    for rows in _keyset_pages(query, select, ("",), PAGE):
        yield from ((ref, kind, json.loads(props)) for ref, kind, props in rows)


def page_edge_facts(query: Query) -> Iterator[EdgeFact]:
    """Edges without their assertions; empty properties (most edges) are not decoded."""
    for rows in edge_fact_pages(query, PAGE):
        for a, t, b, props in rows:
            yield a, t, b, {} if props == "{}" else json.loads(props)


def edge_fact_pages(query: Query, size: int = FACT_PAGE) -> Iterator[list[EdgeFactText]]:
    """Edges as stored, properties undecoded, in pages of *size* rows."""
    select = f"SELECT from_ref, type, to_ref, props FROM edges {_EDGES_AFTER}"
    return _keyset_pages(query, select, ("", "", ""), size)


class SQLiteSnapshot(GraphSnapshot):
    def __init__(self, query: Query, version: int) -> None:
        self._q = query
        self.version = version

    def iter_nodes(self) -> Iterator[NodeRecord]:
        return page_nodes(self._q)

    def iter_edges(self) -> Iterator[EdgeRecord]:
        return page_edges(self._q)

    def iter_node_facts(self) -> Iterator[NodeFact]:
        return page_node_facts(self._q)

    def iter_edge_fact_pages(self) -> Iterator[list[EdgeFactText]]:
        return edge_fact_pages(self._q)
