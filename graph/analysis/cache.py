"""One projection per store, brought up to date when the store's graph version moves."""

from __future__ import annotations

import gc
import threading

from graph.analysis.build import build_projection
from graph.analysis.delta import refresh
from graph.analysis.frontier import carry_walk_arrays
from graph.analysis.points import carry_edge_lookup
from graph.analysis.projection import Projection
from graph.analysis.reached import node_arrays
from graph.storage.store import GraphStore

__all__ = ["ProjectionCache", "settle", "settle_delta"]

#: Every this many deltas, the delta path does a full collection (see settle_delta).
FULL_COLLECT_EVERY = 64

_deltas_since_collect = 0


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
    global _deltas_since_collect
    node_arrays(p)
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    _deltas_since_collect = 0


def settle_delta(old: Projection, new: Projection) -> None:
    """Make *new*, the delta of *old*, ready to answer without a full collection.

    The derived arrays *old* had and *new* would rebuild the same are carried
    over (:func:`graph.analysis.frontier.carry_walk_arrays`,
    :func:`graph.analysis.points.carry_edge_lookup`), the rest is built, and
    only the new objects are frozen. A replaced projection that is frozen is
    still freed by reference counting; only objects in reference cycles stay
    until the next full collection. The rule that bounds them: every
    :data:`FULL_COLLECT_EVERY` deltas the delta path does the full
    unfreeze-collect-freeze of :func:`settle`, so at most that many replaced
    projections' cyclic garbage is ever kept.
    """
    global _deltas_since_collect
    carry_walk_arrays(old, new)
    carry_edge_lookup(old, new)
    _deltas_since_collect += 1
    if _deltas_since_collect >= FULL_COLLECT_EVERY:
        settle(new)
        return
    node_arrays(new)
    gc.freeze()


class ProjectionCache:
    """One projection per store, brought up to date when the store's graph version changes.

    :meth:`get` reads the version through the store's
    :class:`~graph.storage.version_watch.VersionWatch`: when nothing changed
    that is a memory read, no lock and no query.
    When the version moved, the change records since the projection's
    version are applied to it (:func:`graph.analysis.delta.refresh`); a full
    rebuild happens only at the start, after :meth:`invalidate`, or when
    the delta is not applicable (too large, records pruned, an import).
    :attr:`builds` and :attr:`deltas` count the two paths.
    Updates are serialised: while one thread updates, others asking for
    the same new version wait for it rather than starting their own.
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._version = store.version_watch()
        self._current: Projection | None = None
        self._lock = threading.Lock()
        self.builds = 0
        self.deltas = 0

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
            fresh = refresh(current, self.store, version) if current is not None else None
            if current is not None and fresh is not None:
                settle_delta(current, fresh)
                self.deltas += 1
            else:
                fresh = build_projection(self.store)
                settle(fresh)
                self.builds += 1
            self._current = fresh
            return fresh

    def invalidate(self) -> None:
        """Forget the cached projection; the next :meth:`get` rebuilds."""
        with self._lock:
            self._current = None
