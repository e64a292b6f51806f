"""Storage: the graph as a system of record.

:class:`GraphStore` is the contract (every decision about *what* to write);
:class:`SQLiteStore` and :class:`Neo4jStore` supply reads and a small
write transaction each. What a store holds comes back as
:class:`NodeRecord` / :class:`EdgeRecord` with their per-source
:class:`Assertion`\\ s; :func:`export_document` / :func:`import_document`
move a whole graph as one JSON document.
"""

from __future__ import annotations

from graph.storage.document import export_chunks, export_document, import_document
from graph.storage.neo4j_cypher import split_credentials
from graph.storage.neo4j_store import Neo4jStore
from graph.storage.records import (
    Assertion,
    EdgeRecord,
    Neighbor,
    NodePage,
    NodeRecord,
    WriteSummary,
    utc_now,
)
from graph.storage.sqlite_store import SQLiteStore
from graph.storage.store import Direction, FilterValue, GraphSnapshot, GraphStore, WriteTx

__all__ = [
    "Assertion",
    "Direction",
    "EdgeRecord",
    "FilterValue",
    "GraphSnapshot",
    "GraphStore",
    "Neighbor",
    "Neo4jStore",
    "NodePage",
    "NodeRecord",
    "SQLiteStore",
    "WriteSummary",
    "WriteTx",
    "export_chunks",
    "export_document",
    "import_document",
    "split_credentials",
    "utc_now",
]
