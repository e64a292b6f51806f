"""The embedded store: one SQLite file, WAL mode, every write in one transaction.

Tables: ``nodes`` and ``edges`` hold the effective properties and the
per-source assertions as JSON; ``node_sources`` / ``edge_sources`` index
which source asserts what (for ``replace_source``); ``meta`` holds the graph
version.

Writers take turns: every write is one ``BEGIN IMMEDIATE`` transaction on the
writer connection (one per store, serialised by a lock inside the process),
and a writer in another process waits up to ``busy_timeout`` seconds for the
file's write lock instead of failing with "database is locked". Readers use
their own connections (one per thread) and, thanks to WAL, read the last
committed state without queuing behind a writer.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from graph.storage.changes import ChangeQuery, ChangeRecord
from graph.storage.records import (
    EdgeRecord,
    Neighbor,
    NodePage,
    NodeRecord,
    as_field_filter,
)
from graph.storage.sqlite_pages import (
    SQLiteSnapshot,
    edge_fact_pages,
    page_edge_facts,
    page_edges,
    page_node_facts,
    page_nodes,
)
from graph.storage.sqlite_rows import (
    EDGE_COLS,
    NODE_COLS,
    NODE_COLS_N,
    edge_from_row,
    node_from_row,
)
from graph.storage.sqlite_tx import SQLiteTx
from graph.storage.store import (
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
from schemas.errors import InvalidInputError, StoreUnavailableError

T = TypeVar("T")
SCHEMA_VERSION = 1
"""``PRAGMA user_version`` of a file holding the current schema (0: none yet)."""

PAGE_SIZE = 16384
"""The page size of a new file (SQLite's default is 4096; an existing file keeps its own).

A node's or an API's row holds its properties and its assertions, often
1-2 kB of JSON: on 4 KiB pages such a row does not fit in a key-ordered
(``WITHOUT ROWID``) page and spills onto an overflow page of its own. On
larger pages it fits. The first scan of 2,000 small specs makes a 17.4 MB
file on 4 KiB pages and 11 MB on 8 or 16 KiB pages. On 16 KiB pages its
load, with the checkpoint that copies the write-ahead log into the file
when the store closes, is the quickest of the three: half as many pages to
split and log as on 8 KiB, 0.23 s against 0.24 s on 8 KiB and 0.27 s on
4 KiB. (Without the close it looks quicker still, 0.20 s, but only because
its 700 pages stay under SQLite's automatic checkpoint, 1,000 pages, so the
copy moves to the close.) A write of one node logs larger pages: 0.16 ms
instead of 0.13 ms on 8 KiB."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    ref TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    props TEXT NOT NULL,
    assertions TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nodes_by_kind ON nodes(kind, ref);
CREATE TABLE IF NOT EXISTS edges (
    from_ref TEXT NOT NULL,
    type TEXT NOT NULL,
    to_ref TEXT NOT NULL,
    props TEXT NOT NULL,
    assertions TEXT NOT NULL,
    PRIMARY KEY (from_ref, type, to_ref)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_by_target ON edges(to_ref, type, from_ref);
CREATE TABLE IF NOT EXISTS node_sources (
    source TEXT NOT NULL,
    ref TEXT NOT NULL,
    PRIMARY KEY (source, ref)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS node_sources_by_ref ON node_sources(ref);
CREATE TABLE IF NOT EXISTS edge_sources (
    source TEXT NOT NULL,
    from_ref TEXT NOT NULL,
    type TEXT NOT NULL,
    to_ref TEXT NOT NULL,
    PRIMARY KEY (source, from_ref, type, to_ref)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edge_sources_by_edge ON edge_sources(from_ref, type, to_ref);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scan_states (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta(key, value) VALUES ('version', '0');
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT,
    version INTEGER NOT NULL,
    op TEXT NOT NULL,
    ref TEXT NOT NULL,
    type TEXT,
    to_ref TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_by_at ON changes(at);
CREATE INDEX IF NOT EXISTS changes_by_ref ON changes(ref);
CREATE INDEX IF NOT EXISTS changes_by_to_ref ON changes(to_ref);
CREATE INDEX IF NOT EXISTS changes_by_actor ON changes(actor);
CREATE INDEX IF NOT EXISTS changes_by_version ON changes(version);
"""


def _connect(path: str, busy_timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, timeout=busy_timeout, check_same_thread=False, isolation_level=None
    )
    # The busy timeout first: even switching to WAL may wait for another process.
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    return conn


class SQLiteStore(GraphStore):
    """The embedded default store: a single SQLite file (or ``":memory:"``)."""

    backend = "sqlite"

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = 60.0,
        version_recheck_seconds: float = 1.0,
    ) -> None:
        self.path = str(path)
        self.busy_timeout = busy_timeout
        self.version_recheck_seconds = version_recheck_seconds
        self._memory = self.path == ":memory:"
        if not self._memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._readers = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        try:
            self._conn = _connect(self.path, busy_timeout)
            if self._schema_version() != SCHEMA_VERSION:  # a WAL file stays WAL
                # Before the first table and before WAL; ignored by a file with tables.
                self._conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._ensure_schema()
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"cannot open SQLite store at {self.path}: {exc}") from exc
        if not self._memory:
            # Every process writing this file bumps the notice after each commit.
            with contextlib.suppress(OSError):
                self._notice = NoticeFile(self.path + "-version")

    def _schema_version(self) -> int:
        """The file's schema version, read without any write lock (WAL: a plain read)."""
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _ensure_schema(self) -> None:
        """Create the schema if the file lacks it; take the write lock only then.

        Opening a store whose schema is current is a read, so it never waits
        for a write in progress. Otherwise the check is repeated under the
        write lock (another process may have created the schema meanwhile).
        """
        if self._schema_version() == SCHEMA_VERSION:
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            if self._schema_version() != SCHEMA_VERSION:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # ----------------------------------------------------------- plumbing

    def _write(self, work: Callable[[WriteTx], T]) -> T:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailableError(
                    f"the SQLite store stayed locked by another writer for "
                    f"{self.busy_timeout:g} s: {exc}"
                ) from exc
            try:
                result = work(SQLiteTx(self._conn))
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        self._wrote()
        return result

    def _new_version_watch(self) -> VersionWatch:
        if self._memory:  # only this process can write it: its own writes are the notice
            return VersionWatch(self.version)
        if self._notice is None:  # the notice file cannot be made: read every time
            return VersionWatch(self.version, recheck_seconds=0.0)
        return VersionWatch(
            self.version, notice=self._notice.read, recheck_seconds=self.version_recheck_seconds
        )

    def _reader(self) -> sqlite3.Connection:
        """This thread's read connection (WAL: it never waits for a writer)."""
        conn: sqlite3.Connection | None = getattr(self._readers, "conn", None)
        if conn is None:
            conn = _connect(self.path, self.busy_timeout)
            conn.execute("PRAGMA query_only=ON")
            self._readers.conn = conn
            with self._readers_lock:
                self._reader_conns.append(conn)
        return conn

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        if self._memory:  # an in-memory database exists on one connection only
            with self._lock:
                return self._conn.execute(sql, tuple(params)).fetchall()
        return self._reader().execute(sql, tuple(params)).fetchall()

    def ping(self) -> None:
        try:
            self._query("SELECT 1")
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"SQLite store unavailable: {exc}") from exc

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
        with self._lock:
            self._conn.close()
            if self._notice is not None:
                self._notice.close()
        with self._readers_lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()

    # ----------------------------------------------------------- reads

    def version(self) -> int:
        return int(self._query("SELECT value FROM meta WHERE key = 'version'")[0][0])

    def get_node(self, ref: str) -> NodeRecord | None:
        rows = self._query(f"SELECT {NODE_COLS} FROM nodes WHERE ref = ?", (ref,))
        return node_from_row(rows[0]) if rows else None

    def get_edge(self, from_ref: str, edge_type: str, to_ref: str) -> EdgeRecord | None:
        rows = self._query(
            f"SELECT {EDGE_COLS} FROM edges WHERE from_ref = ? AND type = ? AND to_ref = ?",
            (from_ref, edge_type, to_ref),
        )
        return edge_from_row(rows[0]) if rows else None

    def list_nodes(
        self,
        kind: str,
        *,
        filters: Mapping[str, FilterValue] | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> NodePage:
        where = ["kind = ?"]
        params: list[Any] = [kind]
        for field, value in (filters or {}).items():
            if not field.isidentifier():
                raise InvalidInputError(f"cannot filter on {field!r}", location=field)
            # Equality on a scalar property, or membership in a list property
            # (or, for a default value, no such property at all).
            wanted = as_field_filter(value)
            path = f"$.{field}"
            absent = " OR json_type(props, ?) IS NULL" if wanted.or_absent else ""
            where.append(
                "(json_extract(props, ?) = ? OR EXISTS (SELECT 1 FROM json_each(props, ?) "
                f"WHERE json_each.value = ?){absent})"
            )
            stored: Any = int(wanted.value) if isinstance(wanted.value, bool) else wanted.value
            params += [path, stored, path, stored] + ([path] if wanted.or_absent else [])
        total = int(
            self._query(f"SELECT COUNT(*) FROM nodes WHERE {' AND '.join(where)}", params)[0][0]
        )
        if cursor is not None:
            where.append("ref > ?")
            params.append(cursor)
        rows = self._query(
            f"SELECT {NODE_COLS} FROM nodes WHERE {' AND '.join(where)} ORDER BY ref LIMIT ?",
            [*params, limit + 1],
        )
        items = [node_from_row(r) for r in rows[:limit]]
        next_cursor = items[-1].ref if len(rows) > limit and items else None
        return NodePage(items, next_cursor, total)

    def neighbors(
        self,
        ref: str,
        *,
        direction: Direction = "both",
        types: Sequence[str] | None = None,
    ) -> list[Neighbor]:
        result: list[Neighbor] = []
        type_clause = ""
        type_params: list[str] = []
        if types:
            type_clause = f" AND e.type IN ({','.join('?' * len(types))})"
            type_params = list(types)
        cols = f"e.from_ref, e.type, e.to_ref, e.props, e.assertions, {NODE_COLS_N}"
        if direction in ("out", "both"):
            rows = self._query(
                f"SELECT {cols} FROM edges e JOIN nodes n ON n.ref = e.to_ref "
                f"WHERE e.from_ref = ?{type_clause} ORDER BY e.type, e.to_ref",
                [ref, *type_params],
            )
            result += [Neighbor(edge_from_row(r[:5]), node_from_row(r[5:]), "out") for r in rows]
        if direction in ("in", "both"):
            rows = self._query(
                f"SELECT {cols} FROM edges e JOIN nodes n ON n.ref = e.from_ref "
                f"WHERE e.to_ref = ?{type_clause} ORDER BY e.type, e.from_ref",
                [ref, *type_params],
            )
            result += [Neighbor(edge_from_row(r[:5]), node_from_row(r[5:]), "in") for r in rows]
        return result

    def iter_nodes(self) -> Iterator[NodeRecord]:
        """Every node in ref order, read in pages so a large graph is never all in memory."""
        return page_nodes(self._query)

    def iter_edges(self) -> Iterator[EdgeRecord]:
        """Every edge in (from, type, to) order, read in pages."""
        return page_edges(self._query)

    def iter_node_facts(self) -> Iterator[NodeFact]:
        """Nodes without their assertions: the ``assertions`` column is never read."""
        return page_node_facts(self._query)

    def iter_edge_facts(self) -> Iterator[EdgeFact]:
        """Edges without their assertions; empty properties (most edges) are not decoded."""
        return page_edge_facts(self._query)

    def iter_edge_fact_pages(self) -> Iterator[list[EdgeFactText]]:
        """Edges as stored, properties undecoded, in pages of :data:`FACT_PAGE` rows."""
        return edge_fact_pages(self._query)

    @contextmanager
    def snapshot(self) -> Iterator[GraphSnapshot]:
        """One read transaction on its own connection: WAL keeps its view fixed."""
        if self._memory:  # one connection only: consistent while nobody writes (tests)
            yield SQLiteSnapshot(self._query, self.version())
            return
        conn = _connect(self.path, self.busy_timeout)
        try:
            conn.execute("BEGIN")
            version = int(
                conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0]
            )

            def query(sql: str, params: Sequence[Any] = ()) -> list[Any]:
                return conn.execute(sql, tuple(params)).fetchall()

            yield SQLiteSnapshot(query, version)
        finally:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            conn.close()

    def scan_states(self) -> dict[str, str]:
        return {row[0]: row[1] for row in self._query("SELECT key, value FROM scan_states")}

    def source_ids(self) -> set[str]:
        rows = self._query(
            "SELECT DISTINCT source FROM node_sources "
            "UNION SELECT DISTINCT source FROM edge_sources"
        )
        return {row[0] for row in rows}

    def read_changes(self, query: ChangeQuery) -> list[ChangeRecord]:
        where, params = _change_filters(query)
        order = "ASC" if query.oldest_first else "DESC"
        sql = f"SELECT {_CHANGE_COLS} FROM changes"
        if where:
            sql += f" WHERE {' AND '.join(where)}"
        sql += f" ORDER BY seq {order}"
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
        return [_change(row) for row in self._query(sql, params)]

    def prune_changes(self, older_than: str) -> int:
        def work(_tx: WriteTx) -> int:
            return self._conn.execute("DELETE FROM changes WHERE at < ?", (older_than,)).rowcount

        return self._write(work)

    def counts(self) -> tuple[int, int]:
        nodes = int(self._query("SELECT COUNT(*) FROM nodes")[0][0])
        edges = int(self._query("SELECT COUNT(*) FROM edges")[0][0])
        return nodes, edges


_CHANGE_COLS = "seq, at, actor, source, version, op, ref, type, to_ref, data"


def _change(row: sqlite3.Row | tuple[Any, ...]) -> ChangeRecord:
    names = _CHANGE_COLS.split(", ")
    values = dict(zip(names, row, strict=True))
    return ChangeRecord.from_stored(values, json.loads(values["data"]))


def _change_filters(query: ChangeQuery) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for clause, value in (
        ("at > ?", query.since),
        ("at <= ?", query.until),
        ("version > ?", query.above_version),
        ("version <= ?", query.up_to_version),
        ("actor = ?", query.actor),
        ("seq < ?", query.before_seq),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    if query.element is not None:
        where.append("(ref = ? OR to_ref = ?)")
        params += [query.element, query.element]
    return where, params
