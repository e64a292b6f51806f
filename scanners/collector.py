"""Pausing Python's cyclic garbage collector while a scan parses and loads.

A scan allocates and drops hundreds of thousands of small objects (YAML
events, dicts and lists of the documents, node and edge records) with
nothing cyclic among them: reference counting frees them all. The cyclic
collector would still run every few hundred allocations and rescan the
objects that pile up, about a tenth of a scan's time. The pause is the one
the projection build takes (``graph/analysis/build.py``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside; the collector's previous state after.

    Only the call that found the collector enabled enables it again, so
    nested or overlapping pauses (two scans in two threads of a server)
    leave it enabled once the first of them ends, and never disabled.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
