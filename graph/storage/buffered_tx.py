"""A write transaction that gathers node and edge writes into few backend calls.

A batch of many sources (a directory scan: one source per file) reads and
writes a few facts per source. :class:`BufferedTx` sits in front of the
backend's transaction for such a batch:

* reads of nodes and edges are answered from what this transaction has
  already read or written, and only the rest is asked of the backend (so
  reading a whole batch's facts first reads them in one go);
* ``put_*`` and ``remove_*`` of nodes and edges are kept as each fact's
  final state (its last record, or removed) and written at :meth:`flush`,
  before any other operation reaches the backend: removed edges, removed
  nodes, then the nodes and the edges put (so every edge's ends exist and a
  node is removed only after its edges), one backend call each. So the
  backend never sees an operation out of order with the writes before it;
* ``source_node_refs`` / ``source_edge_keys`` / ``source_assertions`` are
  the exception: the backend's answer for a source (asked once per
  transaction, for many sources at once by ``source_assertions``) is
  corrected by the final say of every fact this transaction wrote, so a
  batch of sources needs no flush between them and no lookup per source.

What the transaction writes, and what every read inside it sees, is the
same as without it; only the number of backend calls changes.

It also records, as :class:`~graph.storage.recording.RecordingTx` does for
unbuffered writes: each fact's state when first seen (read from the backend
before this transaction changed it) and its final state, and
:meth:`BufferedTx.log_changes` appends the change records of the difference
(:func:`~graph.storage.recording.change_records`), so a batch needs no
second layer in front of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from graph.storage.changes import ChangeRecord, State
from graph.storage.recording import change_records
from graph.storage.records import EdgeRecord, NodeRecord
from graph.storage.write_tx import Asserted, WriteTx
from schemas.facts import EdgeKey

T = TypeVar("T", str, EdgeKey)


def edge_ends(keys: Iterable[EdgeKey]) -> list[str]:
    """The refs at both ends of these edges."""
    return [ref for key in keys for ref in (key[0], key[2])]


class BufferedTx(WriteTx):
    """Node and edge reads served from what is known, writes gathered until :meth:`flush`."""

    def __init__(self, inner: WriteTx) -> None:
        self.inner = inner
        self._nodes: dict[str, NodeRecord | None] = {}
        self._edges: dict[EdgeKey, EdgeRecord | None] = {}
        self._pending_nodes: dict[str, NodeRecord | None] = {}
        self._pending_edges: dict[EdgeKey, EdgeRecord | None] = {}
        """Final states not yet written: the record to put, or None to remove."""
        self._node_asserters: dict[str, set[str]] = {}
        """Every node this transaction wrote: the sources asserting it now (and,
        below, the reverse). Kept after a flush: the backend then agrees."""
        self._nodes_by_source: dict[str, set[str]] = {}
        self._edge_asserters: dict[EdgeKey, set[str]] = {}
        self._edges_by_source: dict[str, set[EdgeKey]] = {}
        self._stored_refs: dict[str, set[str]] = {}
        """The backend's answers for sources, as asked: each is true for every
        fact this transaction has not written (and the asserters say the rest)."""
        self._stored_keys: dict[str, set[EdgeKey]] = {}
        self._before: dict[str | EdgeKey, State | None] = {}
        """Each fact's state in the backend when this transaction first saw it."""
        self._after: dict[str | EdgeKey, State | None] = {}
        """Each written fact's final state (None: removed), in the order first written."""
        self._version: int | None = None

    def flush(self) -> None:
        """Write the final states: removed edges, removed nodes, put nodes, put edges."""
        nodes, edges = self._pending_nodes, self._pending_edges
        if not nodes and not edges:
            return
        self._pending_nodes, self._pending_edges = {}, {}
        gone_edges = [key for key, record in edges.items() if record is None]
        gone_nodes = [ref for ref, record in nodes.items() if record is None]
        if gone_edges:
            self.inner.remove_edges(gone_edges)
        if gone_nodes:
            self.inner.remove_nodes(gone_nodes)
        if put_nodes := [record for record in nodes.values() if record is not None]:
            self.inner.put_nodes(put_nodes)
        if put_edges := [record for record in edges.values() if record is not None]:
            self.inner.put_edges(put_edges)

    # ------------------------------------------------------------- facts

    def get_nodes(self, refs: Sequence[str]) -> dict[str, NodeRecord]:
        known = self._nodes
        unknown = [ref for ref in refs if ref not in known]
        if unknown:
            found = self.inner.get_nodes(unknown)
            before = self._before
            for ref in unknown:
                node = known[ref] = found.get(ref)
                before.setdefault(ref, node)
        return {ref: node for ref in refs if (node := known[ref]) is not None}

    def get_edges(self, keys: Sequence[EdgeKey]) -> dict[EdgeKey, EdgeRecord]:
        known = self._edges
        unknown = [key for key in keys if key not in known]
        if unknown:
            found = self.inner.get_edges(unknown)
            before = self._before
            for key in unknown:
                edge = known[key] = found.get(key)
                before.setdefault(key, edge)
        return {key: edge for key in keys if (edge := known[key]) is not None}

    def put_nodes(self, records: Sequence[NodeRecord]) -> None:
        known, pending, after = self._nodes, self._pending_nodes, self._after
        if unseen := [r.ref for r in records if r.ref not in known]:
            self.get_nodes(unseen)  # their state before this transaction, for the record
        for record in records:
            ref = record.ref
            known[ref] = pending[ref] = after[ref] = record
            _index(
                ref,
                {a.source for a in record.assertions},
                self._node_asserters,
                self._nodes_by_source,
            )

    def put_edges(self, records: Sequence[EdgeRecord]) -> None:
        known, pending, after = self._edges, self._pending_edges, self._after
        if unseen := [r.key for r in records if r.key not in known]:
            self.get_edges(unseen)
        for record in records:
            key = record.key
            known[key] = pending[key] = after[key] = record
            _index(
                key,
                {a.source for a in record.assertions},
                self._edge_asserters,
                self._edges_by_source,
            )

    def remove_nodes(self, refs: Sequence[str]) -> None:
        self.get_nodes(refs)
        for ref in refs:
            self._nodes[ref] = self._pending_nodes[ref] = self._after[ref] = None
            _index(ref, set(), self._node_asserters, self._nodes_by_source)

    def remove_edges(self, keys: Sequence[EdgeKey]) -> None:
        self.get_edges(keys)
        for key in keys:
            self._edges[key] = self._pending_edges[key] = self._after[key] = None
            _index(key, set(), self._edge_asserters, self._edges_by_source)

    def clear(self) -> None:
        refs, keys = self.all_keys()
        self.get_nodes(refs)  # what is about to go, for the record
        self.get_edges(keys)
        self.flush()
        self.inner.clear()
        self._after.update(dict.fromkeys(refs))
        self._after.update(dict.fromkeys(keys))
        self._nodes, self._edges = {}, {}
        self._node_asserters, self._nodes_by_source = {}, {}
        self._edge_asserters, self._edges_by_source = {}, {}
        self._stored_refs, self._stored_keys = {}, {}

    def source_node_refs(self, source: str) -> set[str]:
        if source not in self._stored_refs:
            self._stored_refs[source] = self.inner.source_node_refs(source)
        return _asserted(
            self._stored_refs[source], source, self._node_asserters, self._nodes_by_source
        )

    def source_edge_keys(self, source: str) -> set[EdgeKey]:
        if source not in self._stored_keys:
            self._stored_keys[source] = self.inner.source_edge_keys(source)
        return _asserted(
            self._stored_keys[source], source, self._edge_asserters, self._edges_by_source
        )

    def source_assertions(self, sources: Sequence[str]) -> dict[str, Asserted]:
        unknown = [s for s in dict.fromkeys(sources) if s not in self._stored_refs]
        if unknown:
            for source, (refs, keys) in self.inner.source_assertions(unknown).items():
                self._stored_refs[source] = refs
                self._stored_keys[source] = keys
        return {s: Asserted(self.source_node_refs(s), self.source_edge_keys(s)) for s in sources}

    # ------------------------------------------- everything else: flush first

    def edge_keys_touching(self, refs: Sequence[str]) -> set[EdgeKey]:
        self.flush()
        return self.inner.edge_keys_touching(refs)

    def read_scan_state(self, key: str) -> str | None:
        self.flush()
        return self.inner.read_scan_state(key)

    def put_scan_states(self, states: Mapping[str, str | None]) -> None:
        self.flush()
        self.inner.put_scan_states(states)

    def clear_scan_states(self) -> None:
        self.flush()
        self.inner.clear_scan_states()

    def bump_version(self) -> int:
        self.flush()
        self._version = self.inner.bump_version()
        return self._version

    def read_version(self) -> int:
        self.flush()
        return self.inner.read_version()

    def append_changes(self, records: Sequence[ChangeRecord]) -> None:
        self.flush()
        self.inner.append_changes(records)

    def all_keys(self) -> tuple[list[str], list[EdgeKey]]:
        self.flush()
        return self.inner.all_keys()

    # ------------------------------------------------------------ history

    def log_changes(self, *, at: str, actor: str, source: str | None) -> None:
        """Append the change records of what this transaction did (writing what is
        gathered first), as ``RecordingTx.log_changes`` does."""
        records = change_records(
            self._before, self._after, at=at, actor=actor, source=source, version=self._number
        )
        if records:
            self.append_changes(records)
        self.flush()

    def _number(self) -> int:
        return self._version if self._version is not None else self.read_version()


def _index(
    fact: T, sources: set[str], asserters: dict[T, set[str]], by_source: dict[str, set[T]]
) -> None:
    """Note that *fact*, as this transaction leaves it, is asserted by *sources* only."""
    before = asserters.get(fact)
    if before:
        for source in before - sources:
            by_source[source].discard(fact)
    for source in sources:
        facts = by_source.get(source)
        if facts is None:
            by_source[source] = {fact}
        else:
            facts.add(fact)
    asserters[fact] = sources


def _asserted(
    stored: set[T], source: str, asserters: dict[T, set[str]], by_source: dict[str, set[T]]
) -> set[T]:
    """What *source* asserts: the backend's answer, with the written facts' final say."""
    kept = {fact for fact in stored if fact not in asserters or source in asserters[fact]}
    return kept | by_source.get(source, set())
