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


def page_nodes(query: Query) -> Iterator[NodeRecord]:
    after = ""
    while True:
        rows = query(
            f"SELECT {NODE_COLS} FROM nodes WHERE ref > ? ORDER BY ref LIMIT ?", (after, PAGE)
        )
        yield from (node_from_row(row) for row in rows)
        if len(rows) < PAGE:
            return
        after = rows[-1][0]


def page_edges(query: Query) -> Iterator[EdgeRecord]:
    after = ("", "", "")
    while True:
        rows = query(
            f"SELECT {EDGE_COLS} FROM edges WHERE (from_ref, type, to_ref) > (?, ?, ?) "
            "ORDER BY from_ref, type, to_ref LIMIT ?",
            (*after, PAGE),
        )
        yield from (edge_from_row(row) for row in rows)
        if len(rows) < PAGE:
            return
        after = (rows[-1][0], rows[-1][1], rows[-1][2])


def page_node_facts(query: Query) -> Iterator[NodeFact]:
    """Nodes without their assertions: the ``assertions`` column is never read."""
    after = ""
    while True:
        rows = query(
            "SELECT ref, kind, props FROM nodes WHERE ref > ? ORDER BY ref LIMIT ?",
            (after, PAGE),
        )
        yield from ((ref, kind, json.loads(props)) for ref, kind, props in rows)
        if len(rows) < PAGE:
            return
        after = rows[-1][0]


def page_edge_facts(query: Query) -> Iterator[EdgeFact]:
    """Edges without their assertions; empty properties (most edges) are not decoded."""
    after = ("", "", "")
    while True:
        rows = query(
            "SELECT from_ref, type, to_ref, props FROM edges "
            "WHERE (from_ref, type, to_ref) > (?, ?, ?) "
            "ORDER BY from_ref, type, to_ref LIMIT ?",
            (*after, PAGE),
        )
        for a, t, b, props in rows:
            yield a, t, b, {} if props == "{}" else json.loads(props)
        if len(rows) < PAGE:
            return
        after = (rows[-1][0], rows[-1][1], rows[-1][2])


def edge_fact_pages(query: Query) -> Iterator[list[EdgeFactText]]:
    """Edges as stored, properties undecoded, in pages of :data:`FACT_PAGE` rows."""
    after = ("", "", "")
    while True:
        rows: list[EdgeFactText] = query(
            "SELECT from_ref, type, to_ref, props FROM edges "
            "WHERE (from_ref, type, to_ref) > (?, ?, ?) "
            "ORDER BY from_ref, type, to_ref LIMIT ?",
            (*after, FACT_PAGE),
        )
        if rows:
            yield rows
        if len(rows) < FACT_PAGE:
            return
        after = (rows[-1][0], rows[-1][1], rows[-1][2])


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
