"""The primitive operations a backend supplies inside one write transaction.

:class:`~graph.storage.store.GraphStore` decides *what* to write and calls
only these; each backend implements them once (``SQLiteTx``, ``Neo4jTx``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from graph.storage.changes import ChangeRecord
from graph.storage.records import EdgeRecord, NodeRecord
from schemas.facts import EdgeKey


class WriteTx(ABC):
    """Primitive operations inside one write transaction of a backend."""

    @abstractmethod
    def get_nodes(self, refs: Sequence[str]) -> dict[str, NodeRecord]: ...

    @abstractmethod
    def get_edges(self, keys: Sequence[EdgeKey]) -> dict[EdgeKey, EdgeRecord]: ...

    @abstractmethod
    def put_nodes(self, records: Sequence[NodeRecord]) -> None:
        """Insert or fully overwrite these nodes."""

    @abstractmethod
    def put_edges(self, records: Sequence[EdgeRecord]) -> None:
        """Insert or fully overwrite these edges (their end nodes exist)."""

    @abstractmethod
    def remove_nodes(self, refs: Sequence[str]) -> None:
        """Remove these nodes; the caller has already removed their edges."""

    @abstractmethod
    def remove_edges(self, keys: Sequence[EdgeKey]) -> None: ...

    @abstractmethod
    def source_node_refs(self, source: str) -> set[str]:
        """Refs of the nodes *source* asserts."""

    @abstractmethod
    def source_edge_keys(self, source: str) -> set[EdgeKey]:
        """Keys of the edges *source* asserts."""

    def source_assertions(self, sources: Sequence[str]) -> dict[str, tuple[set[str], set[EdgeKey]]]:
        """What each of *sources* asserts: its node refs and edge keys.

        The same answers as :meth:`source_node_refs` / :meth:`source_edge_keys`
        per source; a backend answers for many sources in one go.
        """
        return {s: (self.source_node_refs(s), self.source_edge_keys(s)) for s in sources}

    @abstractmethod
    def edge_keys_touching(self, refs: Sequence[str]) -> set[EdgeKey]:
        """Keys of every edge that starts or ends at one of *refs*."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every node and edge, and every scan state."""

    # ------------------------------------------------------- scan states

    @abstractmethod
    def read_scan_state(self, key: str) -> str | None:
        """The scan state stored under *key* (``docs/scanners.md``, "Re-scans")."""

    @abstractmethod
    def put_scan_states(self, states: Mapping[str, str | None]) -> None:
        """Store these scan states; ``None`` deletes the key."""

    @abstractmethod
    def clear_scan_states(self) -> None:
        """Delete every scan state (the next scan of every tree parses every file)."""

    @abstractmethod
    def bump_version(self) -> int:
        """Increase the graph version by one and return the new value."""

    @abstractmethod
    def read_version(self) -> int: ...

    # ------------------------------------------------------------ history

    @abstractmethod
    def append_changes(self, records: Sequence[ChangeRecord]) -> None:
        """Append these change records to the log (never updated or deleted after)."""

    @abstractmethod
    def all_keys(self) -> tuple[list[str], list[EdgeKey]]:
        """Every node ref and edge key (what a ``clear`` is about to remove)."""
