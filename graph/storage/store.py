"""The storage contract every backend fulfils, and the write logic they share.

A backend implements two small things:

* reads (:meth:`GraphStore.get_node`, :meth:`GraphStore.list_nodes`, ...), and
* :class:`~graph.storage.write_tx.WriteTx`, a handful of primitive operations
  inside one transaction, plus :meth:`GraphStore._write`, which runs a function
  in such a transaction.

Everything that decides *what* to write (validation, merging assertions from
several sources, ``replace_source`` diffing, version bumps) lives once, here,
so both backends behave the same by construction; the contract tests in
``tests/store_contract.py`` check that they do.

**Writers take turns.** Every write transaction of a backend serialises with
every other write transaction on the same database, from any thread or
process: SQLite by ``BEGIN IMMEDIATE`` (a second process waits up to a busy
timeout for the lock), Neo4j by locking the graph's version node as the
first statement of every write transaction. All reads that decide a write
(the current assertions of a node or edge, what a source asserted) happen
inside that transaction, after the lock, so concurrent writers of the same
node or edge under different sources lose nothing, and concurrent
``replace_sources`` calls end as if run one after another. A backend retries
deadlocks and transient errors; one that persists is a
``StoreUnavailableError`` (503), never an unexpected error. Readers never
take the write lock.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, TypeVar

from graph.storage.buffered_tx import BufferedTx, edge_ends
from graph.storage.changes import ChangeQuery, ChangeRecord, change_time
from graph.storage.checks import check_import_records, prepare_batch
from graph.storage.fact_writes import finish, retract_in_tx, upsert_in_tx
from graph.storage.planned import Plan, TxReader
from graph.storage.recording import RecordingTx
from graph.storage.records import (
    EdgeRecord,
    FieldFilter,
    Neighbor,
    NodePage,
    NodeRecord,
    WriteSummary,
    utc_now,
)
from graph.storage.version_watch import NoticeFile, VersionWatch
from graph.storage.write_tx import WriteTx
from schemas.facts import EdgeData, EdgeKey, NodeData

T = TypeVar("T")
SYSTEM_ACTOR = "system"  # the actor of writes no caller named
IMPORT_SOURCE = "import"  # the source of change records a whole-graph import makes
Direction = Literal["in", "out", "both"]
NodeFact = tuple[str, str, dict[str, Any]]
EdgeFact = tuple[str, str, str, dict[str, Any]]
#: An edge as the projection build reads it: ``(from, type, to, properties as JSON object text)``.
EdgeFactText = tuple[str, str, str, str]
#: Rows per page of :meth:`GraphStore.iter_edge_fact_pages`.
FACT_PAGE = 50_000
FilterValue = str | int | float | bool | FieldFilter


def fact_pages(edges: Iterable[EdgeFact]) -> Iterator[list[EdgeFactText]]:
    """*edges* with their properties encoded as JSON text, :data:`FACT_PAGE` at a time."""
    page: list[EdgeFactText] = []
    for a, t, b, props in edges:
        page.append((a, t, b, json.dumps(props, separators=(",", ":"), sort_keys=True)))
        if len(page) == FACT_PAGE:
            yield page
            page = []
    if page:
        yield page


class GraphSnapshot(ABC):
    """The whole graph as of one instant: nodes, edges and version agree."""

    version: int

    @abstractmethod
    def iter_nodes(self) -> Iterator[NodeRecord]: ...

    @abstractmethod
    def iter_edges(self) -> Iterator[EdgeRecord]: ...

    def iter_node_facts(self) -> Iterator[NodeFact]:
        """Every node as :data:`NodeFact` in ref order (what the projection build reads)."""
        for rec in self.iter_nodes():
            yield rec.ref, rec.kind, rec.properties

    def iter_edge_fact_pages(self) -> Iterator[list[EdgeFactText]]:
        """Every edge as :data:`EdgeFactText` in ``(from, type, to)`` order, a page at a time."""
        return fact_pages((e.from_ref, e.type, e.to_ref, e.properties) for e in self.iter_edges())


class GraphStore(ABC):
    """The graph of the portfolio, as one backend keeps it."""

    backend: str = "abstract"
    max_int_bits: int | None = None
    """The widest signed integer the store holds (None: any)."""

    # ----------------------------------------------------------------- reads

    @abstractmethod
    def ping(self) -> None:
        """Raise ``StoreUnavailableError`` when the store cannot be reached."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def version(self) -> int:
        """The graph version: every write that changes something increases it."""

    _watch: VersionWatch | None = None
    _watch_lock = threading.Lock()
    _notice: NoticeFile | None = None
    """The change counter other processes on this host read (backends that share one)."""

    def version_watch(self) -> VersionWatch:
        """This store's one :class:`VersionWatch`: the version without a read per request.

        It sees every write this process commits at once and other
        processes' writes through the backend's notice or poll (see
        :mod:`graph.storage.version_watch`).
        """
        with GraphStore._watch_lock:
            if self._watch is None:
                self._watch = self._new_version_watch()
            return self._watch

    def _new_version_watch(self) -> VersionWatch:
        """A watch that reads the version every time (backends do better)."""
        return VersionWatch(self.version, recheck_seconds=0.0)

    def _wrote(self) -> None:
        """Backends call this after every committed write transaction.

        It bumps the shared notice (after the commit: a process seeing the bump
        can read the write) and tells this process's watch.
        """
        if self._notice is not None:
            self._notice.bump()
        if self._watch is not None:
            self._watch.wrote()

    @abstractmethod
    def get_node(self, ref: str) -> NodeRecord | None: ...

    @abstractmethod
    def get_edge(self, from_ref: str, edge_type: str, to_ref: str) -> EdgeRecord | None: ...

    @abstractmethod
    def list_nodes(
        self,
        kind: str,
        *,
        filters: Mapping[str, FilterValue] | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> NodePage:
        """Nodes of one kind ordered by ref, after *cursor* (a ref), matching *filters*.

        A filter compares one top-level property for equality; for a list
        property it matches when the list contains the value. A
        :class:`FieldFilter` with ``or_absent`` also matches nodes without it.
        """

    @abstractmethod
    def neighbors(
        self,
        ref: str,
        *,
        direction: Direction = "both",
        types: Sequence[str] | None = None,
    ) -> list[Neighbor]:
        """Edges at *ref* (of *types*, all when None) with the node at their other end."""

    @abstractmethod
    def iter_nodes(self) -> Iterator[NodeRecord]: ...

    @abstractmethod
    def iter_edges(self) -> Iterator[EdgeRecord]: ...

    def iter_node_facts(self) -> Iterator[NodeFact]:
        """Every node as ``(ref, kind, effective properties)`` in ref order, no assertions.

        What analysis reads; backends override it to skip reading and decoding
        the assertions :meth:`iter_nodes` carries.
        """
        for rec in self.iter_nodes():
            yield rec.ref, rec.kind, rec.properties

    def iter_edge_facts(self) -> Iterator[EdgeFact]:
        """Every edge as ``(from, type, to, effective properties)``, no assertions."""
        for rec in self.iter_edges():
            yield rec.from_ref, rec.type, rec.to_ref, rec.properties

    def iter_edge_fact_pages(self) -> Iterator[list[EdgeFactText]]:
        """Every edge as :data:`EdgeFactText` in ``(from, type, to)`` order, a page at a time.

        What the projection build reads: the properties stay JSON text, so the
        build decodes only the few it needs. Backends override it to hand over
        the stored text as it is; this default encodes :meth:`iter_edge_facts`.
        """
        return fact_pages(self.iter_edge_facts())

    @abstractmethod
    def snapshot(self) -> AbstractContextManager[GraphSnapshot]:
        """One consistent view of the whole graph, read in batches (export reads through it).

        Every edge it yields joins two nodes it yields, even while others write.
        """

    def read_consistent(self, read: Callable[[GraphSnapshot], T]) -> T:
        """Run *read* over one consistent snapshot and return what it returns.

        What the projection build reads through: the snapshot's version, nodes
        and edges agree. *read* may run more than once (Neo4j's optimistic read
        tries again when a write landed meanwhile), so it must only read. This
        default reads through :meth:`snapshot`.
        """
        with self.snapshot() as snap:
            return read(snap)

    @abstractmethod
    def counts(self) -> tuple[int, int]:
        """Number of nodes and of edges."""

    @abstractmethod
    def scan_states(self) -> dict[str, str]:
        """Every stored scan state (key -> JSON text; ``docs/scanners.md``, "Re-scans")."""

    @abstractmethod
    def source_ids(self) -> set[str]:
        """Every source id that asserts at least one node or edge."""

    def asserted_by(self, source: str) -> tuple[set[str], set[EdgeKey]]:
        """The refs and edge keys *source* asserts, read through the source index.

        The same lookup ``replace_source`` diffs against, inside a write
        transaction (so after every earlier write); its cost follows what
        *source* asserted, not the size of the graph.
        """
        return self._write(lambda tx: (tx.source_node_refs(source), tx.source_edge_keys(source)))

    @abstractmethod
    def read_changes(self, query: ChangeQuery) -> list[ChangeRecord]:
        """Change records matching *query*, newest first (oldest first when asked)."""

    def changes_since(self, version: int, *, up_to: int, limit: int) -> list[ChangeRecord]:
        """The change records that made versions ``version + 1`` .. *up_to*, oldest first.

        At most *limit* records (ask one more than you accept to tell "too many").
        """
        return self.read_changes(
            ChangeQuery(above_version=version, up_to_version=up_to, limit=limit, oldest_first=True)
        )

    @abstractmethod
    def prune_changes(self, older_than: str) -> int:
        """Drop change records made before *older_than* (retention); return how many."""

    # ----------------------------------------------------------- transactions

    @abstractmethod
    def _write(self, work: Callable[[WriteTx], T]) -> T:
        """Run *work* in one write transaction: all of it lands, or none of it.

        The transaction holds the graph's write lock from its start (see the
        module docstring: writers take turns).
        """

    def _logged_write(
        self,
        work: Callable[[WriteTx], T],
        *,
        actor: str | None,
        source: str | None = None,
        buffered: bool = False,
    ) -> T:
        """``_write`` that appends the change records of what *work* did, in its transaction.

        *buffered*: the backend's transaction is behind a ``BufferedTx``
        (graph/storage/buffered_tx.py), for batches of many sources, which
        records the changes itself; else behind a ``RecordingTx``.
        """

        def logged(tx: WriteTx) -> T:
            recorder = BufferedTx(tx) if buffered else RecordingTx(tx)
            result = work(recorder)
            recorder.log_changes(at=change_time(), actor=actor or SYSTEM_ACTOR, source=source)
            return result

        return self._write(logged)

    # ----------------------------------------------------------------- writes

    def upsert_nodes(
        self,
        nodes: Sequence[NodeData],
        *,
        source: str,
        at: str | None = None,
        actor: str | None = None,
    ) -> WriteSummary:
        """Set *source*'s assertion on each node, creating nodes that do not exist."""
        return self.apply(source=source, nodes=nodes, at=at, actor=actor)

    def upsert_edges(
        self,
        edges: Sequence[EdgeData],
        *,
        source: str,
        at: str | None = None,
        actor: str | None = None,
    ) -> WriteSummary:
        """Set *source*'s assertion on each edge; both ends must exist."""
        return self.apply(source=source, edges=edges, at=at, actor=actor)

    def upsert_node(
        self, node: NodeData, *, source: str, at: str | None = None, actor: str | None = None
    ) -> WriteSummary:
        return self.apply(source=source, nodes=[node], at=at, actor=actor)

    def upsert_edge(
        self, edge: EdgeData, *, source: str, at: str | None = None, actor: str | None = None
    ) -> WriteSummary:
        return self.apply(source=source, edges=[edge], at=at, actor=actor)

    def delete_node(self, ref: str, *, actor: str | None = None) -> bool:
        """Remove a node, every source's assertion of it and every edge touching it."""
        return self.delete(node_refs=[ref], actor=actor).nodes_removed == 1

    def delete_edge(
        self, from_ref: str, edge_type: str, to_ref: str, *, actor: str | None = None
    ) -> bool:
        key = (from_ref, edge_type, to_ref)
        return self.delete(edge_keys=[key], actor=actor).edges_removed == 1

    def delete_nodes(self, refs: Sequence[str], *, actor: str | None = None) -> WriteSummary:
        return self.delete(node_refs=refs, actor=actor)

    def delete_edges(self, keys: Sequence[EdgeKey], *, actor: str | None = None) -> WriteSummary:
        return self.delete(edge_keys=keys, actor=actor)

    def apply(
        self,
        *,
        source: str,
        nodes: Sequence[NodeData] = (),
        edges: Sequence[EdgeData] = (),
        retract_edges: Sequence[EdgeKey] = (),
        at: str | None = None,
        actor: str | None = None,
    ) -> WriteSummary:
        """Upsert nodes and edges as *source* and drop its assertion of *retract_edges*.

        All in one transaction. Used directly by the API, where an element
        and the edges its fields imply (a component's product, say) change
        together. The assertions and change records name *actor*.
        """
        node_map, edge_map = prepare_batch(source, nodes, edges, self.max_int_bits)
        stamp = at or utc_now()

        def work(tx: WriteTx) -> WriteSummary:
            summary = WriteSummary()
            upsert_in_tx(tx, source, node_map, edge_map, stamp, summary, actor)
            retract_in_tx(tx, source, set(), set(retract_edges), summary)
            return finish(tx, summary)

        return self._logged_write(work, actor=actor, source=source)

    def delete(
        self,
        *,
        node_refs: Sequence[str] = (),
        edge_keys: Sequence[EdgeKey] = (),
        actor: str | None = None,
    ) -> WriteSummary:
        """Remove nodes (with their edges) and edges outright, whoever asserted them."""

        def work(tx: WriteTx) -> WriteSummary:
            summary = WriteSummary()
            found_nodes = tx.get_nodes(list(dict.fromkeys(node_refs)))
            doomed_edges = set(tx.get_edges(list(dict.fromkeys(edge_keys))))
            doomed_edges |= tx.edge_keys_touching(list(found_nodes))
            if doomed_edges:
                tx.remove_edges(sorted(doomed_edges))
            if found_nodes:
                tx.remove_nodes(sorted(found_nodes))
            if found_nodes or doomed_edges:
                tx.clear_scan_states()  # a scan must re-assert what was deleted
            summary.edges_removed = len(doomed_edges)
            summary.nodes_removed = len(found_nodes)
            return finish(tx, summary)

        return self._logged_write(work, actor=actor)

    def replace_source(
        self,
        source: str,
        nodes: Sequence[NodeData],
        edges: Sequence[EdgeData],
        *,
        at: str | None = None,
        actor: str | None = None,
    ) -> WriteSummary:
        """Make the store hold exactly what *source* asserts now, atomically.

        Facts *source* asserted before and no longer does lose its assertion,
        and disappear when no other source asserts them. Facts from other
        sources stay. Re-asserting unchanged facts writes nothing.
        """
        return self.replace_sources({source: (nodes, edges)}, at=at, actor=actor)[source]

    def replace_sources(
        self,
        sources: Mapping[str, tuple[Sequence[NodeData], Sequence[EdgeData]]],
        *,
        at: str | None = None,
        actor: str | None = None,
    ) -> dict[str, WriteSummary]:
        """``replace_source`` for several sources in one transaction: all land, or none.

        Sources are applied in the order given; each summary counts what that
        source changed. The version increases once if anything changed.
        """
        return self.replace_then(sources, None, at=at, actor=actor)[0]

    def apply_planned(
        self, plan: Plan, *, at: str | None = None, actor: str | None = None
    ) -> list[WriteSummary]:
        """Run *plan* inside one write transaction and apply the upserts it returns.

        One summary per :class:`Upserts`, in order (see ``graph/storage/planned.py``).
        """
        return self.replace_then({}, plan, at=at, actor=actor)[1]

    def replace_then(
        self,
        sources: Mapping[str, tuple[Sequence[NodeData], Sequence[EdgeData]]],
        then: Plan | None,
        *,
        at: str | None = None,
        actor: str | None = None,
        states: Mapping[str, str | None] | None = None,
        expect_state: tuple[str, str | None] | None = None,
    ) -> tuple[dict[str, WriteSummary], list[WriteSummary]]:
        """``replace_sources``, then *then*'s upserts, all in one transaction.

        *then* runs after the sources are replaced, so it reads what they
        wrote. The version increases once if anything changed. *states*
        (scan states, ``None`` deletes) are written in the same transaction;
        with *expect_state* ``(key, value)``, only if that key still holds
        that value (else that key is deleted instead: another scan of the
        tree came first, and the next scan parses everything).
        """
        prepared = []
        for source, (nodes, edges) in sources.items():
            prepared.append((source, *prepare_batch(source, nodes, edges, self.max_int_bits)))
        stamp = at or utc_now()

        def work(tx: WriteTx) -> tuple[dict[str, WriteSummary], list[WriteSummary]]:
            # What every source asserted, then the whole batch's facts (those
            # asserted now and those asserted before) in one read each; the
            # BufferedTx below keeps the answers for the per-source steps.
            asserted = tx.source_assertions([source for source, _, _ in prepared])
            tx.get_nodes(
                list(
                    dict.fromkeys(
                        ref
                        for source, nodes, edges in prepared
                        for ref in [*nodes, *edge_ends(edges), *asserted[source].nodes]
                    )
                )
            )
            tx.get_edges(
                list(
                    dict.fromkeys(
                        key
                        for source, _, edges in prepared
                        for key in [*edges, *asserted[source].edges]
                    )
                )
            )
            summaries: dict[str, WriteSummary] = {}
            for source, node_map, edge_map in prepared:
                summary = WriteSummary()
                stale_nodes = tx.source_node_refs(source) - node_map.keys()
                stale_edges = tx.source_edge_keys(source) - edge_map.keys()
                upsert_in_tx(tx, source, node_map, edge_map, stamp, summary, actor)
                retract_in_tx(tx, source, stale_nodes, stale_edges, summary)
                summaries[source] = summary
            planned = self._run_plan(tx, then, stamp, actor) if then is not None else []
            if states:
                key, value = expect_state if expect_state is not None else ("", None)
                if expect_state is None or tx.read_scan_state(key) == value:
                    tx.put_scan_states(states)
                else:
                    tx.put_scan_states({key: None})
            everything = [*summaries.values(), *planned]
            changed = any(s.changed for s in everything)
            version = tx.bump_version() if changed else tx.read_version()
            for summary in everything:
                summary.version = version
            return summaries, planned

        return self._logged_write(work, actor=actor, buffered=True)

    def _run_plan(
        self, tx: WriteTx, plan: Plan, stamp: str, actor: str | None
    ) -> list[WriteSummary]:
        results: list[WriteSummary] = []
        for upserts in plan(TxReader(tx)):
            summary = WriteSummary()
            node_map, edge_map = prepare_batch(
                upserts.source, upserts.nodes, upserts.edges, self.max_int_bits
            )
            upsert_in_tx(tx, upserts.source, node_map, edge_map, stamp, summary, actor)
            results.append(summary)
        return results

    def retract_source(self, source: str, *, actor: str | None = None) -> WriteSummary:
        """Drop everything *source* asserts (``replace_source`` with nothing)."""
        return self.replace_source(source, [], [], actor=actor)

    def clear(self, *, actor: str | None = None) -> WriteSummary:
        """Remove every node and edge."""

        def work(tx: WriteTx) -> WriteSummary:
            tx.clear()
            summary = WriteSummary(version=tx.bump_version())
            return summary

        return self._logged_write(work, actor=actor)

    # --------------------------------------------------------- export/import

    def import_records(
        self, nodes: Sequence[NodeRecord], edges: Sequence[EdgeRecord], *, actor: str | None = None
    ) -> int:
        """Replace the whole graph with these records (assertions kept); return the version.

        Checked completely before anything is deleted; one transaction, so a
        failure at any point leaves the old graph whole and readers never see
        a half-imported one.
        """
        check_import_records(nodes, edges, max_int_bits=self.max_int_bits)

        def work(tx: WriteTx) -> int:
            tx.clear()
            if nodes:
                tx.put_nodes(list(nodes))
            if edges:
                tx.put_edges(list(edges))
            return tx.bump_version()

        return self._logged_write(work, actor=actor, source=IMPORT_SOURCE)
