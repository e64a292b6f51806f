"""A whole-graph import in its own process, paused half way so a test can SIGKILL it.

``python -m tests.killed_import_child sqlite PATH DOC`` or ``... neo4j URI DOC``
imports the export document DOC into that store with the real import code.
Half way (SQLite: inside the import transaction, the old graph deleted and
the new nodes and half the new edges written; Neo4j: every new node and
half the edges staged and committed) it prints ``MIDWAY`` and waits, so the
test's kill lands at a known point. Nothing of the store is replaced: the
pause only holds the process still.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from graph.storage import EdgeRecord, GraphStore, SQLiteStore, import_document, neo4j_import
from graph.storage.neo4j_store import Neo4jStore
from graph.storage.sqlite_tx import SQLiteTx

MIDWAY = "MIDWAY"


def _pause() -> None:
    print(MIDWAY, flush=True)
    time.sleep(3600)


def _pause_sqlite() -> None:
    real = SQLiteTx.put_edges

    def put_edges(self: SQLiteTx, records: Sequence[EdgeRecord]) -> None:
        real(self, records[: len(records) // 2])
        _pause()

    SQLiteTx.put_edges = put_edges  # type: ignore[method-assign]


def _pause_neo4j() -> None:
    real = neo4j_import.stage_edges

    def stage_edges(run_write: Callable[..., Any], stage: str, edges: Sequence[EdgeRecord]) -> None:
        real(run_write, stage, edges[: len(edges) // 2])
        _pause()

    neo4j_import.stage_edges = stage_edges  # type: ignore[assignment]


def main(backend: str, target: str, doc_path: str) -> None:
    with open(doc_path, encoding="utf-8") as fh:
        doc = json.load(fh)
    store: GraphStore
    if backend == "sqlite":
        _pause_sqlite()
        store = SQLiteStore(target)
    else:
        _pause_neo4j()
        store = Neo4jStore(
            target,
            user=os.environ.get("ARCHGRAPH_TEST_NEO4J_USER"),
            password=os.environ.get("ARCHGRAPH_TEST_NEO4J_PASSWORD"),
        )
    import_document(store, doc, actor="killed")
    print("DONE", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
