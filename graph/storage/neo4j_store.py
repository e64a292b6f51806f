"""The Neo4j store: the system of record in production.

Nodes are ``(:Element:<Kind> {ref, kind, ...})``; relationships carry their
edge type. Each holds its effective properties twice: as a JSON string
(``_props``, exact, including nested values such as API operations) and, for
scalar and list-of-scalar values, as plain Neo4j properties so the graph is
pleasant to query in Cypher (``MATCH (p:Product {tier: 1})``). The per-source
assertions are a JSON string (``_assertions``) and a list of source ids
(``_sources``).

Every query is parameterized. Labels and relationship types are never taken
from input: they come from the :class:`~schemas.refs.Kind` and
:class:`~schemas.edges.EdgeType` allow-lists through ``_LABELS`` / ``_TYPES``.
Writes are ``UNWIND`` batches inside managed write transactions.

Writers take turns: the first statement of every write transaction sets a
property on the graph's version node (``(:ArchgraphMeta {id: 'graph'})``),
which takes its write lock until commit, so write transactions on one
database run one after another, as SQLite's ``BEGIN IMMEDIATE`` makes them.
Every read-modify-write of assertions happens after that lock inside the
same transaction. Deadlocks and other transient errors are retried (by the
driver, then by :meth:`Neo4jStore._write`), and end as a 503 if they persist.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import GraphDatabase, ManagedTransaction, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ConnectionPoolError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph.storage.changes import ChangeQuery, ChangeRecord
from graph.storage.checks import check_import_records
from graph.storage.neo4j_cypher import (
    CONSTRAINTS,
    EDGE_RETURN,
    NODE_RETURN,
    RESERVED,
    cypher,
    edge_record,
    label_of,
    lock_graph,
    node_record,
    split_credentials,
)
from graph.storage.neo4j_import import ABANDONED_AFTER, import_staged
from graph.storage.neo4j_import_log import STAGED_CHANGE_INDEXES, StagedLog
from graph.storage.neo4j_snapshot import (
    EDGES_QUERY,
    NODES_QUERY,
    VERSION_QUERY,
    Neo4jSnapshot,
    edge_fact_pages,
    edges_of,
    locked_version,
    node_facts,
    nodes_of,
    read_optimistic,
)
from graph.storage.neo4j_sources import SOURCE_INDEXES, build_source_index
from graph.storage.neo4j_tx import Neo4jTx
from graph.storage.records import (
    EdgeRecord,
    Neighbor,
    NodePage,
    NodeRecord,
    as_field_filter,
)
from graph.storage.store import (
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
from schemas.errors import InvalidInputError, StoreUnavailableError

T = TypeVar("T")
_TRANSIENT_ATTEMPTS = 5
_UNAVAILABLE = (ServiceUnavailable, SessionExpired, AuthError, ConnectionPoolError, OSError)


class Neo4jStore(GraphStore):
    """A Neo4j 5 database (single server, cluster or Aura) through the official driver."""

    backend = "neo4j"
    max_int_bits = 64

    def __init__(
        self,
        uri: str,
        *,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        connection_timeout: float = 1.0,
        retry_time: float = 0.5,
        abandoned_stage_seconds: float = ABANDONED_AFTER,
        version_poll_seconds: float = 0.25,
        notice_path: str | None = None,
    ) -> None:
        self.version_poll_seconds = version_poll_seconds
        # Processes on one host (serve's workers, CLI scans) share a change
        # notice beside their data: each bumps it after a commit, so the others
        # see the write at once; other hosts' writes are seen within one poll.
        if notice_path is not None:
            with contextlib.suppress(OSError):
                Path(notice_path).parent.mkdir(parents=True, exist_ok=True)
                self._notice = NoticeFile(notice_path)
        # Credentials written into the URI are used, never kept in it (or printed).
        self.uri, uri_user, uri_password = split_credentials(uri)
        self.database = database
        user = user or uri_user
        password = password if password is not None else uri_password
        auth = (user, password or "") if user else None
        # Small timeouts: with Neo4j down a request answers 503 within about
        # two seconds (connect timeout plus retry time); the driver connects
        # afresh on the next request, so the service recovers without restart.
        # Waiting for a pooled connection is not Neo4j being down: that wait
        # (a busy pool, a slow handshake) gets its own, longer bound.
        self._driver = GraphDatabase.driver(
            self.uri,
            auth=auth,
            connection_timeout=connection_timeout,
            connection_acquisition_timeout=max(connection_timeout + retry_time, 10.0),
            max_transaction_retry_time=retry_time,
        )
        # One bookmark manager for every session and query of this store: on a
        # cluster (neo4j://) each transaction waits for the ones before it, so a
        # read in a new session sees the writes this process made before it.
        self._bookmarks = GraphDatabase.bookmark_manager()
        self._constraints_ready = False
        # The projection build's optimistic read (read_consistent): tries before
        # it reads under the graph lock, and how often each path was taken.
        self.optimistic_tries = 2
        self.optimistic_retries = 0
        self.locked_reads = 0
        # An import's stage untouched this long is deleted by the next import.
        self.abandoned_stage_seconds = abandoned_stage_seconds
        # Start even when Neo4j is down: /readyz reports the reason, and the
        # store recovers (constraints included) as soon as Neo4j answers.
        with contextlib.suppress(StoreUnavailableError):
            self._ensure_constraints()

    # ----------------------------------------------------------- plumbing

    def _ensure_constraints(self) -> None:
        if self._constraints_ready:
            return

        def create() -> None:
            for statement in (*CONSTRAINTS, *SOURCE_INDEXES, *STAGED_CHANGE_INDEXES):
                self._query(statement)
            # The version node exists before the first writer locks it.
            self._query("MERGE (m:ArchgraphMeta {id: 'graph'}) ON CREATE SET m.version = 0")

        self._guard(create)
        # A database written before the source index existed is indexed once.
        build_source_index(self._run_write)
        self._constraints_ready = True

    @staticmethod
    def _guard(call: Callable[[], T]) -> T:
        try:
            return call()
        except (ServiceUnavailable, SessionExpired, AuthError, ConnectionPoolError) as exc:
            raise StoreUnavailableError(f"Neo4j unavailable: {exc}") from exc
        except OSError as exc:
            raise StoreUnavailableError(f"Neo4j unreachable: {exc}") from exc

    def _read(self, query: LiteralString, **params: Any) -> list[neo4j.Record]:
        self._ensure_constraints()
        return self._guard(lambda: self._query(query, params, routing=RoutingControl.READ))

    def _query(
        self,
        query: LiteralString,
        params: dict[str, Any] | None = None,
        routing: RoutingControl = RoutingControl.WRITE,
    ) -> list[neo4j.Record]:
        """One query in its own transaction, causally after every earlier one of this store."""
        result = self._driver.execute_query(
            query,
            params,
            database_=self.database,
            routing_=routing,
            bookmark_manager_=self._bookmarks,
        )
        return list(result.records)

    def _session(self, access_mode: str = neo4j.WRITE_ACCESS) -> neo4j.Session:
        """A session chained (by bookmarks) after every earlier transaction of this store."""
        return self._driver.session(
            database=self.database,
            default_access_mode=access_mode,
            bookmark_manager=self._bookmarks,
        )

    def _write(self, work: Callable[[WriteTx], T]) -> T:
        self._ensure_constraints()

        def unit(tx: ManagedTransaction) -> T:
            lock_graph(tx)
            return work(Neo4jTx(tx))

        def run() -> T:
            with self._session() as session:
                return session.execute_write(unit)

        result = self._retrying(run)
        self._wrote()
        return result

    def _new_version_watch(self) -> VersionWatch:
        # This process's write is seen at once, another process's on this host
        # through the notice (when one is given), any other within one poll.
        notice = self._notice.read if self._notice is not None else None
        return VersionWatch(self.version, notice=notice, poll_seconds=self.version_poll_seconds)

    def _retrying(self, run: Callable[[], T]) -> T:
        """Run a write; retry transient errors (deadlocks) the driver gave up on; never 500."""
        for attempt in range(_TRANSIENT_ATTEMPTS):
            try:
                return self._guard(run)
            except TransientError as exc:
                if attempt + 1 == _TRANSIENT_ATTEMPTS:
                    raise StoreUnavailableError(f"Neo4j stayed busy: {exc.message}") from exc
                time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def ping(self) -> None:
        self._guard(self._driver.verify_connectivity)
        self._ensure_constraints()

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
        self._driver.close()
        if self._notice is not None:
            self._notice.close()

    # ----------------------------------------------------------- reads

    def version(self) -> int:
        recs = self._read("MATCH (m:ArchgraphMeta {id: 'graph'}) RETURN m.version AS v")
        return int(recs[0]["v"]) if recs else 0

    def get_node(self, ref: str) -> NodeRecord | None:
        recs = self._read(cypher(f"MATCH (n:Element {{ref: $ref}}) RETURN {NODE_RETURN}"), ref=ref)
        if not recs:
            return None
        rec = recs[0]
        return node_record(rec["ref"], rec["kind"], rec["props"], rec["assertions"])

    def get_edge(self, from_ref: str, edge_type: str, to_ref: str) -> EdgeRecord | None:
        recs = self._read(
            cypher(
                "MATCH (a:Element {ref: $from})-[r]->(b:Element {ref: $to}) "
                f"WHERE type(r) = $type RETURN {EDGE_RETURN}"
            ),
            **{"from": from_ref, "to": to_ref, "type": edge_type},
        )
        if not recs:
            return None
        rec = recs[0]
        return edge_record((from_ref, edge_type, to_ref), rec["props"], rec["assertions"])

    def list_nodes(
        self,
        kind: str,
        *,
        filters: Mapping[str, FilterValue] | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> NodePage:
        label = label_of(kind)
        where: list[str] = []
        params: dict[str, Any] = {}
        for i, (field, value) in enumerate((filters or {}).items()):
            if not field.isidentifier() or field in RESERVED:
                raise InvalidInputError(f"cannot filter on {field!r}", location=field)
            wanted = as_field_filter(value)
            params[f"f{i}"] = field
            params[f"v{i}"] = wanted.value
            # Equality on a scalar property, or membership in a list property
            # (or, for a default value, no such property at all).
            absent = f" OR n[$f{i}] IS NULL" if wanted.or_absent else ""
            where.append(
                f"(n[$f{i}] = $v{i} OR (valueType(n[$f{i}]) STARTS WITH 'LIST' "
                f"AND any(x IN coalesce(CASE WHEN valueType(n[$f{i}]) STARTS WITH 'LIST' "
                f"THEN n[$f{i}] END, []) WHERE x = $v{i})){absent})"
            )
        match = f"MATCH (n:{label}:Element)" + (f" WHERE {' AND '.join(where)}" if where else "")
        total = int(self._read(cypher(f"{match} RETURN count(n) AS c"), **params)[0]["c"])
        page_where = " AND n.ref > $cursor" if cursor is not None else ""
        if page_where and not where:
            page_where = " WHERE n.ref > $cursor"
        recs = self._read(
            cypher(f"{match}{page_where} RETURN {NODE_RETURN} ORDER BY n.ref LIMIT $limit"),
            **params,
            cursor=cursor,
            limit=limit + 1,
        )
        items = [
            node_record(r["ref"], r["kind"], r["props"], r["assertions"]) for r in recs[:limit]
        ]
        next_cursor = items[-1].ref if len(recs) > limit and items else None
        return NodePage(items, next_cursor, total)

    def neighbors(
        self,
        ref: str,
        *,
        direction: Direction = "both",
        types: Sequence[str] | None = None,
    ) -> list[Neighbor]:
        found: list[Neighbor] = []
        node_cols = "m.ref AS nref, m.kind AS nkind, m._props AS nprops, m._assertions AS nass"
        patterns: list[tuple[str, LiteralString]] = []
        if direction in ("out", "both"):
            patterns.append(("out", "(a:Element {ref: $ref})-[r]->(b:Element)"))
        if direction in ("in", "both"):
            patterns.append(("in", "(a:Element)-[r]->(b:Element {ref: $ref})"))
        for side, pattern in patterns:
            other = "b" if side == "out" else "a"
            recs = self._read(
                cypher(
                    f"MATCH {pattern} WHERE $types IS NULL OR type(r) IN $types "
                    f"WITH a, r, b, {other} AS m "
                    f"RETURN {EDGE_RETURN}, {node_cols} ORDER BY type, m.ref"
                ),
                ref=ref,
                types=list(types) if types else None,
            )
            for rec in recs:
                edge = edge_record(
                    (rec["from_ref"], rec["type"], rec["to_ref"]), rec["props"], rec["assertions"]
                )
                node = node_record(rec["nref"], rec["nkind"], rec["nprops"], rec["nass"])
                found.append(Neighbor(edge, node, side))
        return found

    def _stream(
        self, query: LiteralString, params: dict[str, Any] | None = None
    ) -> Iterator[neo4j.Record]:
        self._ensure_constraints()
        try:
            with self._session(neo4j.READ_ACCESS) as session:
                yield from session.run(query, params)
        except (ServiceUnavailable, SessionExpired, ConnectionPoolError) as exc:
            raise StoreUnavailableError(f"Neo4j unavailable: {exc}") from exc

    def iter_nodes(self) -> Iterator[NodeRecord]:
        return nodes_of(self._stream(NODES_QUERY))

    def iter_edges(self) -> Iterator[EdgeRecord]:
        return edges_of(self._stream(EDGES_QUERY))

    def iter_node_facts(self) -> Iterator[NodeFact]:
        return node_facts(self._stream)

    def iter_edge_facts(self) -> Iterator[EdgeFact]:
        for page in edge_fact_pages(self._stream):
            for a, t, b, props in page:
                yield a, t, b, json.loads(props) if props != "{}" else {}

    def iter_edge_fact_pages(self) -> Iterator[list[EdgeFactText]]:
        return edge_fact_pages(self._stream)

    @contextmanager
    def snapshot(self) -> Iterator[GraphSnapshot]:
        """One transaction holding the graph lock: no writer commits while it reads.

        Neo4j reads are read-committed, so consistency comes from the lock
        every writer takes first; writers wait while an export runs.
        """
        self._ensure_constraints()
        try:
            with self._session() as session:
                tx = session.begin_transaction()
                try:
                    lock_graph(tx)
                    rec = tx.run(VERSION_QUERY).single(strict=True)
                    yield Neo4jSnapshot(tx, int(rec["v"]))
                finally:
                    with contextlib.suppress(Exception):
                        tx.rollback()
        except _UNAVAILABLE as exc:
            raise StoreUnavailableError(f"Neo4j unavailable: {exc}") from exc

    def read_consistent(self, read: Callable[[GraphSnapshot], T]) -> T:
        """Optimistic: version (locked), nodes and edges (unlocked), version (locked) again.

        Equal versions: the read is the graph at that version
        (``docs/architecture.md``, "The build reads one snapshot"). Else it
        is tried again, and after :attr:`optimistic_tries` tries *read* runs
        over :meth:`snapshot`, which holds the graph lock while it reads.
        """
        self._ensure_constraints()
        for _ in range(self.optimistic_tries):
            consistent, result = read_optimistic(
                read, version=self._locked_version, in_read_tx=self._in_read_tx
            )
            if consistent:
                return result
            self.optimistic_retries += 1
        self.locked_reads += 1
        with self.snapshot() as snap:
            return read(snap)

    def _locked_version(self) -> int:
        def run() -> int:
            with self._session() as session:
                return session.execute_write(locked_version)

        return self._retrying(run)

    def _in_read_tx(self, work: Callable[[neo4j.Transaction], T]) -> T:
        try:
            with self._session(neo4j.READ_ACCESS) as session, session.begin_transaction() as tx:
                return work(tx)
        except _UNAVAILABLE as exc:
            raise StoreUnavailableError(f"Neo4j unavailable: {exc}") from exc

    def scan_states(self) -> dict[str, str]:
        recs = self._read("MATCH (s:ArchgraphScanState) RETURN s.key AS k, s.value AS v")
        return {str(rec["k"]): str(rec["v"]) for rec in recs}

    def source_ids(self) -> set[str]:
        nodes = self._read("MATCH (n:Element) UNWIND n._sources AS s RETURN DISTINCT s")
        edges = self._read(
            "MATCH (:Element)-[r]->(:Element) UNWIND r._sources AS s RETURN DISTINCT s"
        )
        return {rec["s"] for rec in (*nodes, *edges)}

    def read_changes(self, query: ChangeQuery) -> list[ChangeRecord]:
        where: list[str] = []
        params: dict[str, Any] = {}
        for name, clause, value in (
            ("since", "c.at > $since", query.since),
            ("until", "c.at <= $until", query.until),
            ("above", "c.version > $above", query.above_version),
            ("upto", "c.version <= $upto", query.up_to_version),
            ("actor", "c.actor = $actor", query.actor),
            ("before", "c.seq < $before", query.before_seq),
            ("element", "(c.ref = $element OR c.to_ref = $element)", query.element),
        ):
            if value is not None:
                where.append(clause)
                params[name] = value
        text = "MATCH (c:Change)" + (f" WHERE {' AND '.join(where)}" if where else "")
        text += f" RETURN c ORDER BY c.seq {'ASC' if query.oldest_first else 'DESC'}"
        if query.limit is not None:
            text += " LIMIT $limit"
            params["limit"] = query.limit
        found = []
        for rec in self._read(cypher(text), **params):
            node = dict(rec["c"])
            found.append(ChangeRecord.from_stored(node, json.loads(node["data"])))
        return found

    def prune_changes(self, older_than: str) -> int:
        def work(tx: WriteTx) -> int:
            assert isinstance(tx, Neo4jTx)
            recs = tx.run(
                "MATCH (c:Change) WHERE c.at < $at DETACH DELETE c RETURN count(*) AS n",
                at=older_than,
            )
            return int(recs[0]["n"])

        return self._write(work)

    def counts(self) -> tuple[int, int]:
        nodes = self._read("MATCH (n:Element) RETURN count(n) AS c")[0]["c"]
        edges = self._read("MATCH (:Element)-[r]->(:Element) RETURN count(r) AS c")[0]["c"]
        return int(nodes), int(edges)

    # ----------------------------------------------------------- bulk import

    def _run_write(self, unit: Callable[[ManagedTransaction], T]) -> T:
        def run() -> T:
            with self._session() as session:
                return session.execute_write(unit)

        result = self._retrying(run)
        self._wrote()
        return result

    def import_records(
        self,
        nodes: Sequence[NodeRecord],
        edges: Sequence[EdgeRecord],
        *,
        actor: str | None = None,
    ) -> int:
        """Replace the graph: checked completely first, then staged and swapped in at once.

        See :mod:`graph.storage.neo4j_import`: a failure at any point leaves
        the old graph and version whole; readers never see a half import.
        The change records (the graph the import replaces against the new
        one) are staged in batches and go live in the swap, with the version
        it bumps (:mod:`graph.storage.neo4j_import_log`).
        """
        check_import_records(nodes, edges, max_int_bits=self.max_int_bits)
        self._ensure_constraints()
        with self.snapshot() as base:
            old: dict[Any, NodeRecord | EdgeRecord] = {n.ref: n for n in base.iter_nodes()}
            old.update((e.key, e) for e in base.iter_edges())
            base_version = base.version
        new: dict[Any, NodeRecord | EdgeRecord] = {n.ref: n for n in nodes}
        new.update((e.key, e) for e in edges)

        def log(stage: str) -> StagedLog:
            return StagedLog(
                stage, actor or SYSTEM_ACTOR, IMPORT_SOURCE, base_version, old=old, new=new
            )

        return import_staged(
            self._run_write,
            nodes,
            edges,
            log=log,
            abandoned_after=self.abandoned_stage_seconds,
        )
