"""Opening a SQLite store is a read: it never waits for a write in progress.

Another process holds a long write transaction on the file (it has changed
the version and waits); this process opens the store and reads at once.
Opening used to take the write lock to create the schema, so it queued
behind the writer for the busy timeout and then failed with "database is
locked". The wait here is bounded by the thread join, not asserted on.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from graph.storage import SQLiteStore
from graph.storage.sqlite_store import SCHEMA_VERSION
from schemas.facts import NodeData

_HOLD_WRITE = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
conn.execute("DELETE FROM nodes")
print("WRITING", flush=True)
time.sleep(600)
"""


def test_a_store_opens_and_reads_while_another_process_writes(tmp_path: Path) -> None:
    path = tmp_path / "archgraph.db"
    store = SQLiteStore(path)
    store.upsert_node(NodeData("team:core", {"name": "Core"}), source="seed")
    version = store.version()
    store.close()

    writer = subprocess.Popen(
        [sys.executable, "-c", _HOLD_WRITE, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "WRITING"
        seen: list[object] = []

        def open_and_read() -> None:
            try:
                # busy timeout far beyond the join below: a wait for the lock fails the test
                reader = SQLiteStore(path, busy_timeout=600)
                try:
                    seen.append((reader.version(), reader.counts()))
                finally:
                    reader.close()
            except BaseException as exc:
                seen.append(exc)

        opener = threading.Thread(target=open_and_read, daemon=True)
        opener.start()
        opener.join(timeout=60)
        assert not opener.is_alive(), "opening the store waited for the writer"
        assert seen == [(version, (1, 0))]  # the last committed state, not the write's
        assert writer.poll() is None  # the writer still holds its transaction
    finally:
        writer.kill()
        writer.communicate()


def test_a_file_without_the_schema_version_is_brought_up_to_it(tmp_path: Path) -> None:
    path = tmp_path / "archgraph.db"
    store = SQLiteStore(path)
    store.upsert_node(NodeData("team:core", {"name": "Core"}), source="seed")
    store.close()
    with sqlite3.connect(path) as raw:  # as written before schema versions existed
        raw.execute("PRAGMA user_version=0")
    raw.close()

    store = SQLiteStore(path)
    try:
        assert store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.counts() == (1, 0)
    finally:
        store.close()
