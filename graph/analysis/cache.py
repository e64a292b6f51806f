"""One projection per store, rebuilt when the store's graph version moves."""

from __future__ import annotations

import threading

from graph.analysis.build import build_projection
from graph.analysis.projection import Projection
from graph.storage.store import GraphStore

__all__ = ["ProjectionCache"]


class ProjectionCache:
    """One projection per store, rebuilt when the store's graph version changes.

    :meth:`get` costs one ``store.version()`` call when nothing changed.
    Rebuilds are serialised: while one thread rebuilds, others asking for
    the same new version wait for it rather than building their own.
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._current: Projection | None = None
        self._lock = threading.Lock()
        self.builds = 0

    def get(self) -> Projection:
        """The projection of the store's current graph version."""
        version = self.store.version()
        current = self._current
        if current is not None and current.version == version:
            return current
        with self._lock:
            current = self._current
            if current is not None and current.version >= version:
                return current
            current = build_projection(self.store)
            self._current = current
            self.builds += 1
            return current

    def invalidate(self) -> None:
        """Forget the cached projection; the next :meth:`get` rebuilds."""
        with self._lock:
            self._current = None
