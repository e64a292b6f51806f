"""A whole-graph import killed with SIGKILL half way leaves the old graph whole (both stores).

The import runs in its own process (:mod:`tests.killed_import_child`) with
the real store code, against a store holding an old graph, and is killed
once it is half way (2,000 nodes): on SQLite inside its one transaction, on Neo4j with
every new node and half the edges staged and committed. Then the store,
opened afresh, must hold the old graph (export equal, version equal, no
change record of the import), and a fresh import must land whole. On
Neo4j the killed import's staged nodes stay behind: this proves reads
ignore them, the next import keeps them while they are not abandoned (they
could be another import's stage in use), and an import deletes them once
they are.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.storage import (
    ChangeQuery,
    GraphStore,
    Neo4jStore,
    SQLiteStore,
    export_document,
    import_document,
    neo4j_import,
)
from tests.conftest import REPO
from tests.killed_import_child import MIDWAY
from tests.store_contract import seed
from tests.store_import import new_graph

SIZE = 1_000  # 2,000 nodes, 1,000 + 999 edges


def _without_time(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "exported_at"}


def _new_document(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    scratch = SQLiteStore(tmp_path / "scratch.db")
    try:
        scratch.import_records(*new_graph(SIZE))
        doc = export_document(scratch)
    finally:
        scratch.close()
    path = tmp_path / "new.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path, doc


def _staged(store: Neo4jStore) -> int:
    records, _, _ = store._driver.execute_query(
        f"MATCH (n:{neo4j_import.STAGED}) RETURN count(n) AS c"
    )
    return int(records[0]["c"])


def _wait_for_midway(child: subprocess.Popen[str], timeout: float = 600) -> None:
    """Block until the child prints MIDWAY (fail if it ends or says anything else first)."""
    seen: list[str] = []

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            seen.append(line.strip())
            if line.strip() == MIDWAY:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if MIDWAY not in seen:
        child.kill()
        _, err = child.communicate()
        pytest.fail(f"the import never reached half way: stdout {seen}, stderr {err[-2000:]}")


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(backend, where): an empty store's path or URI (the store is opened by each side)."""
    if request.param == "sqlite":
        yield "sqlite", str(tmp_path / "archgraph.db")
        return
    uri = request.getfixturevalue("neo4j_uri")
    request.getfixturevalue("neo4j_store")  # wipes the database first
    yield "neo4j", uri


def _open(backend: str, where: str) -> GraphStore:
    if backend == "sqlite":
        return SQLiteStore(where)
    return Neo4jStore(
        where,
        user=os.environ.get("ARCHGRAPH_TEST_NEO4J_USER"),
        password=os.environ.get("ARCHGRAPH_TEST_NEO4J_PASSWORD"),
    )


def test_an_import_killed_half_way_leaves_the_old_graph_whole(
    target: tuple[str, str], tmp_path: Path
) -> None:
    backend, where = target
    doc_path, new_doc = _new_document(tmp_path)
    store = _open(backend, where)
    try:
        seed(store)
        old = _without_time(export_document(store))
        changes_before = len(store.read_changes(ChangeQuery()))
    finally:
        store.close()

    child = subprocess.Popen(
        [sys.executable, "-m", "tests.killed_import_child", backend, where, str(doc_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_midway(child)
        reader = _open(backend, where)  # opening waits for no writer (SQLite: a read)
        try:
            # half way, a reader sees the old graph whole
            assert _without_time(export_document(reader)) == old
            if isinstance(reader, Neo4jStore):
                assert _staged(reader) == 2 * SIZE  # every new node is staged and committed
        finally:
            reader.close()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL

    store = _open(backend, where)  # opened afresh after the kill
    try:
        assert _without_time(export_document(store)) == old
        assert store.counts() == (len(old["nodes"]), len(old["edges"]))
        assert len(store.read_changes(ChangeQuery())) == changes_before
        if isinstance(store, Neo4jStore):
            # the killed import's staged nodes are still there, and no read sees them
            assert _staged(store) == 2 * SIZE
        else:
            assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

        nodes, edges, version = import_document(store, new_doc, actor="again")
        assert (nodes, edges) == (len(new_doc["nodes"]), len(new_doc["edges"]))
        assert version == old["version"] + 1
        landed = _without_time(export_document(store))
        assert landed["nodes"] == new_doc["nodes"] and landed["edges"] == new_doc["edges"]
    finally:
        store.close()
    if backend == "neo4j":
        _abandoned_stage_is_deleted(where, new_doc)


def _abandoned_stage_is_deleted(uri: str, doc: dict[str, Any]) -> None:
    """The killed import's stage is not yet abandoned (it might be another import's
    in use): the next import keeps it; once abandoned, an import deletes it."""
    store = _open("neo4j", uri)
    assert isinstance(store, Neo4jStore)
    try:
        assert _staged(store) == 2 * SIZE
    finally:
        store.close()
    store = Neo4jStore(
        uri,
        user=os.environ.get("ARCHGRAPH_TEST_NEO4J_USER"),
        password=os.environ.get("ARCHGRAPH_TEST_NEO4J_PASSWORD"),
        abandoned_stage_seconds=0,
    )
    try:
        import_document(store, doc, actor="later")
        assert _staged(store) == 0
    finally:
        store.close()
