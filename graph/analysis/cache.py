"""One projection per store, rebuilt when the store's graph version moves."""

from __future__ import annotations

import gc
import threading

from graph.analysis.build import build_projection
from graph.analysis.projection import Projection
from graph.analysis.reached import node_arrays
from graph.storage.store import GraphStore

__all__ = ["ProjectionCache", "settle"]


def settle(p: Projection) -> None:
    """Make *p* ready to answer and take it out of the garbage collector's way.

    Builds the arrays the impact walk and report read (so the first question
    runs at steady speed), collects what the build left behind, then
    :func:`gc.freeze` moves every object alive (the projection's lists,
    dicts and strings among them) to the permanent generation, so the
    collections a query's allocations trigger no longer scan them. What was
    frozen before is unfrozen first, so a replaced projection (even one with
    reference cycles, such as its networkx view) is collected, not kept.
    """
    node_arrays(p)
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class ProjectionCache:
    """One projection per store, rebuilt when the store's graph version changes.

    :meth:`get` reads the version through the store's
    :class:`~graph.storage.version_watch.VersionWatch`: when nothing changed
    that is a memory read, no lock and no query.
    Rebuilds are serialised: while one thread rebuilds, others asking for
    the same new version wait for it rather than building their own.
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._version = store.version_watch()
        self._current: Projection | None = None
        self._lock = threading.Lock()
        self.builds = 0

    def get(self) -> Projection:
        """The projection of the store's current graph version."""
        version = self._version.current()
        current = self._current
        if current is not None and current.version >= version:
            return current
        with self._lock:
            current = self._current
            if current is not None and current.version >= version:
                return current
            current = build_projection(self.store)
            self._current = current
            settle(current)
            self.builds += 1
            return current

    def invalidate(self) -> None:
        """Forget the cached projection; the next :meth:`get` rebuilds."""
        with self._lock:
            self._current = None
