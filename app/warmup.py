"""Start-up: the projection is built before the service says it is ready.

Each server process (each ``--workers`` worker) builds its projection in a
background thread started by the app's lifespan, so ``/healthz`` answers at
once while ``/readyz`` answers 503 ``projection_building`` until the first
impact question can be answered at steady speed (the projection built and
settled, its walk arrays made: :func:`graph.analysis.settle`). If the store
cannot be reached, the build is tried again every second.
"""

from __future__ import annotations

import logging
import threading

from graph.analysis import ProjectionCache

__all__ = ["Warmup"]

log = logging.getLogger("archgraph")


class Warmup:
    """Builds the projection of the store's current version once, in a background thread."""

    def __init__(self, projections: ProjectionCache, *, retry_seconds: float = 1.0) -> None:
        self._projections = projections
        self._retry = retry_seconds
        self._stop = threading.Event()
        self.done = threading.Event()
        self.error: str | None = None
        """Why the last attempt failed (while not done), for ``/readyz``."""
        self._thread = threading.Thread(target=self._run, name="archgraph-warmup", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                projection = self._projections.get()
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                log.warning("archgraph: building the projection failed: %s", self.error)
                self._stop.wait(self._retry)
                continue
            self.error = None
            self.done.set()
            log.info(
                "archgraph: projection of graph version %d ready (%d nodes)",
                projection.version,
                len(projection),
            )
            return
