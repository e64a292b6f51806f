"""The transaction that records what a write did, as change records in that same write."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from graph.storage.changes import ChangeRecord, State, change_for
from graph.storage.records import EdgeRecord, NodeRecord
from graph.storage.write_tx import Asserted, WriteTx
from schemas.facts import EdgeKey


class RecordingTx(WriteTx):
    """A transaction that notes each fact's state before its first and after its last change.

    :meth:`log_changes` turns the differences into change records
    (:func:`change_records`) and appends them in the same transaction, so
    every write logs exactly what it did.
    """

    def __init__(self, inner: WriteTx) -> None:
        self.inner = inner
        self.before: dict[str | EdgeKey, State | None] = {}
        self.after: dict[str | EdgeKey, State | None] = {}
        self.version: int | None = None

    def _note_nodes(self, refs: Sequence[str], found: Mapping[str, NodeRecord]) -> None:
        for ref in refs:
            self.before.setdefault(ref, found.get(ref))

    def _note_edges(self, keys: Sequence[EdgeKey], found: Mapping[EdgeKey, EdgeRecord]) -> None:
        for key in keys:
            self.before.setdefault(key, found.get(key))

    def _remember_nodes(self, refs: Sequence[str]) -> None:
        unknown = [r for r in refs if r not in self.before]
        if unknown:
            self.get_nodes(unknown)

    def _remember_edges(self, keys: Sequence[EdgeKey]) -> None:
        unknown = [k for k in keys if k not in self.before]
        if unknown:
            self.get_edges(unknown)

    def get_nodes(self, refs: Sequence[str]) -> dict[str, NodeRecord]:
        found = self.inner.get_nodes(refs)
        self._note_nodes(refs, found)
        return found

    def get_edges(self, keys: Sequence[EdgeKey]) -> dict[EdgeKey, EdgeRecord]:
        found = self.inner.get_edges(keys)
        self._note_edges(keys, found)
        return found

    def put_nodes(self, records: Sequence[NodeRecord]) -> None:
        self._remember_nodes([r.ref for r in records])
        self.inner.put_nodes(records)
        self.after.update((r.ref, r) for r in records)

    def put_edges(self, records: Sequence[EdgeRecord]) -> None:
        self._remember_edges([r.key for r in records])
        self.inner.put_edges(records)
        self.after.update((r.key, r) for r in records)

    def remove_nodes(self, refs: Sequence[str]) -> None:
        self._remember_nodes(refs)
        self.inner.remove_nodes(refs)
        self.after.update((ref, None) for ref in refs)

    def remove_edges(self, keys: Sequence[EdgeKey]) -> None:
        self._remember_edges(keys)
        self.inner.remove_edges(keys)
        self.after.update((key, None) for key in keys)

    def source_node_refs(self, source: str) -> set[str]:
        return self.inner.source_node_refs(source)

    def source_edge_keys(self, source: str) -> set[EdgeKey]:
        return self.inner.source_edge_keys(source)

    def source_assertions(self, sources: Sequence[str]) -> dict[str, Asserted]:
        return self.inner.source_assertions(sources)

    def edge_keys_touching(self, refs: Sequence[str]) -> set[EdgeKey]:
        return self.inner.edge_keys_touching(refs)

    def clear(self) -> None:
        refs, keys = self.inner.all_keys()
        self._remember_nodes(refs)
        self._remember_edges(keys)
        self.inner.clear()
        self.after.update((ref, None) for ref in refs)
        self.after.update((key, None) for key in keys)

    def bump_version(self) -> int:
        self.version = self.inner.bump_version()
        return self.version

    def read_version(self) -> int:
        return self.inner.read_version()

    def append_changes(self, records: Sequence[ChangeRecord]) -> None:
        self.inner.append_changes(records)

    def all_keys(self) -> tuple[list[str], list[EdgeKey]]:
        return self.inner.all_keys()

    def read_scan_state(self, key: str) -> str | None:
        return self.inner.read_scan_state(key)

    def put_scan_states(self, states: Mapping[str, str | None]) -> None:
        self.inner.put_scan_states(states)

    def clear_scan_states(self) -> None:
        self.inner.clear_scan_states()

    def log_changes(self, *, at: str, actor: str, source: str | None) -> None:
        """Append one change record per fact whose state differs from before the write."""
        records = change_records(
            self.before, self.after, at=at, actor=actor, source=source, version=self._version
        )
        if records:
            self.inner.append_changes(records)

    def _version(self) -> int:
        return self.version if self.version is not None else self.inner.read_version()


def change_records(
    before: Mapping[str | EdgeKey, State | None],
    after: Mapping[str | EdgeKey, State | None],
    *,
    at: str,
    actor: str,
    source: str | None,
    version: Callable[[], int],
) -> list[ChangeRecord]:
    """One change record per fact of *after* (final states, in the order first written)
    whose state differs from *before* (its state before the transaction).

    *version* gives the graph version the write leaves; it is asked only when
    something changed. Without a *source*, each record names the sources whose
    assertions differ.
    """
    changed = [(old, new) for target, new in after.items() if (old := before.get(target)) != new]
    if not changed:
        return []
    number = version()
    records = []
    for old, new in changed:
        record = change_for(
            old,
            new,
            at=at,
            actor=actor,
            source=source or _changed_source(old, new),
            version=number,
        )
        if record is not None:
            records.append(record)
    return records


def _changed_source(before: State | None, after: State | None) -> str | None:
    """The source(s) whose assertion differs between two states of a fact."""
    old = before.assertions if before else ()
    new = after.assertions if after else ()
    # Assertions compare as their JSON does: source, time, properties and actor.
    sources = sorted(
        {a.source for a in old if a not in new} | {a.source for a in new if a not in old}
    )
    return ",".join(sources) or None
