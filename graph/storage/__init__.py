"""Storage: the graph as a system of record.

:class:`GraphStore` is the contract (every decision about *what* to write);
:class:`SQLiteStore` and :class:`Neo4jStore` supply reads and a small
write transaction each, and every write appends its change records
(:class:`ChangeRecord`); :func:`graph_as_of` and :func:`diff` read them
back. What a store holds comes back as
:class:`NodeRecord` / :class:`EdgeRecord` with their per-source
:class:`Assertion`\\ s; :func:`export_document` / :func:`import_document`
move a whole graph as one JSON document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph.storage.changes import ChangeQuery, ChangeRecord, change_time, parse_instant
from graph.storage.document import document_chunks, export_chunks, export_document, import_document
from graph.storage.document_model import DOCUMENT_SCHEMA
from graph.storage.history import (
    MAX_VERSION_DIGITS,
    GraphAt,
    Point,
    as_of_chunks,
    diff,
    document_as_of,
    graph_as_of,
)
from graph.storage.neo4j_cypher import split_credentials
from graph.storage.planned import Plan, TxReader, Upserts
from graph.storage.records import (
    Assertion,
    EdgeRecord,
    FieldFilter,
    Neighbor,
    NodePage,
    NodeRecord,
    WriteSummary,
    utc_now,
)
from graph.storage.sqlite_store import SQLiteStore
from graph.storage.store import (
    FACT_PAGE,
    IMPORT_SOURCE,
    SYSTEM_ACTOR,
    Direction,
    EdgeFact,
    EdgeFactText,
    FilterValue,
    GraphSnapshot,
    GraphStore,
    NodeFact,
)
from graph.storage.version_watch import NoticeFile, VersionWatch
from graph.storage.write_tx import WriteTx

__all__ = [
    "DOCUMENT_SCHEMA",
    "FACT_PAGE",
    "IMPORT_SOURCE",
    "MAX_VERSION_DIGITS",
    "SYSTEM_ACTOR",
    "Assertion",
    "ChangeQuery",
    "ChangeRecord",
    "Direction",
    "EdgeFact",
    "EdgeFactText",
    "EdgeRecord",
    "FieldFilter",
    "FilterValue",
    "GraphAt",
    "GraphSnapshot",
    "GraphStore",
    "Neighbor",
    "Neo4jStore",
    "NodeFact",
    "NodePage",
    "NodeRecord",
    "NoticeFile",
    "Plan",
    "Point",
    "SQLiteStore",
    "TxReader",
    "Upserts",
    "VersionWatch",
    "WriteSummary",
    "WriteTx",
    "as_of_chunks",
    "change_time",
    "diff",
    "document_as_of",
    "document_chunks",
    "export_chunks",
    "export_document",
    "graph_as_of",
    "import_document",
    "parse_instant",
    "split_credentials",
    "utc_now",
]

if TYPE_CHECKING:
    from graph.storage.neo4j_store import Neo4jStore


def __getattr__(name: str) -> Any:
    """``Neo4jStore`` is imported on first use: the Neo4j driver takes a few
    tenths of a second to import, and a command on the SQLite store never needs it."""
    if name == "Neo4jStore":
        from graph.storage.neo4j_store import Neo4jStore

        return Neo4jStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
