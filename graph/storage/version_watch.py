"""The graph version without asking the store on every request.

A :class:`VersionWatch` keeps the last graph version it read and reads the
store again only when something says the version may have moved:

- **its own process wrote** (:meth:`VersionWatch.wrote`, called by the
  store after every committed write transaction): the next
  :meth:`~VersionWatch.current` reads the version again, so a request that
  wrote then asks sees its write;
- **a change notice moved** (SQLite): :class:`NoticeFile`, an 8-byte counter
  in a memory-mapped file beside the database (``archgraph.db-version``),
  which every committed write from any process (servers, workers, CLI scans)
  increments after its ``COMMIT``; reading it is a memory read, no lock, no
  system call;
- **a poll** (Neo4j): a background thread reads the version every
  ``poll_seconds`` (default 0.25 s), so another process's write is seen
  within one poll;
- **a recheck** (SQLite): at most every ``recheck_seconds`` (default 1 s)
  the version is read anyway, the safety net for a writer that committed
  but died before bumping the notice, or a program writing the file that
  does not know the notice.

The rule that keeps it true: the counters that trigger a read (the notice,
the own-write count) are read *before* the version is read from the store,
and a writer bumps them only *after* its commit. So the version remembered
is always one the store had committed (never newer than what a reader can
read), and a write that bumped a counter before a request is always seen by
that request. Reads of the store are serialised by one lock, so a slow
read never overwrites a newer one; the common case (nothing moved) takes
no lock at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import math
import mmap
import os
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from schemas.errors import StoreUnavailableError

__all__ = ["NoticeFile", "VersionWatch"]

_COUNTER = struct.Struct("<Q")


class NoticeFile:
    """A change counter shared by every process using one SQLite file.

    The counter lives in the first 8 bytes of *path*, mapped into memory
    (``MAP_SHARED``): :meth:`read` is a memory read; :meth:`bump` increments
    it under an exclusive ``flock`` so concurrent writers in other processes
    never lose an increment. A torn read (the bytes read while another
    process writes them) can only look like "changed", which costs one extra
    version read, never a missed write.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            with self._locked():
                if os.fstat(self._fd).st_size < _COUNTER.size:
                    os.ftruncate(self._fd, _COUNTER.size)
            self._map = mmap.mmap(self._fd, _COUNTER.size)
        except BaseException:
            os.close(self._fd)
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def read(self) -> int:
        return int(_COUNTER.unpack_from(self._map)[0])

    def bump(self) -> None:
        """Count one committed write (call it after the commit)."""
        with self._locked():
            _COUNTER.pack_into(self._map, 0, (self.read() + 1) % 2**64)

    def close(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            self._map.close()
        with contextlib.suppress(OSError):
            os.close(self._fd)


class _Seen(NamedTuple):
    own_writes: int
    notice: int
    version: int
    recheck_at: float


class VersionWatch:
    """The store's graph version, read again only when it may have moved.

    *read* reads the version from the store. *notice* (optional) returns a
    counter every committed write increments. *recheck_seconds* bounds how
    long a version is trusted without a read (``math.inf``: until a notice
    or an own write). *poll_seconds* starts a background thread that reads
    the version that often (Neo4j), started by the first :meth:`current`.
    """

    def __init__(
        self,
        read: Callable[[], int],
        *,
        notice: Callable[[], int] | None = None,
        recheck_seconds: float = math.inf,
        poll_seconds: float | None = None,
    ) -> None:
        self._read = read
        self._notice = notice or (lambda: 0)
        self._recheck = recheck_seconds
        self._poll = poll_seconds
        self._writes = itertools.count(1)
        self._own_writes = 0
        self._seen: _Seen | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self._unreachable = False
        self.reads = 0
        """How many times the store was asked (for tests and benchmarks)."""

    def current(self) -> int:
        """The graph version: a memory read unless something may have moved.

        After a poll found the store unreachable, every call reads the store
        again (raising :class:`StoreUnavailableError` while it stays down), so
        no answer comes from a remembered version the store may have moved on
        from; the first successful read clears that.
        """
        seen = self._seen
        if (
            not self._unreachable
            and seen is not None
            and seen.own_writes == self._own_writes
            and seen.notice == self._notice()
            and time.monotonic() < seen.recheck_at
        ):
            return seen.version
        if self._poll is not None and self._poller is None:
            self._start_poller()
        return self.refresh()

    def refresh(self) -> int:
        """Read the version from the store now (and remember it)."""
        with self._lock:
            own_writes, notice = self._own_writes, self._notice()  # before the read
            try:
                version = self._read()
            except StoreUnavailableError:
                self._unreachable = True
                raise
            self._unreachable = False
            self.reads += 1
            self._seen = _Seen(own_writes, notice, version, time.monotonic() + self._recheck)
            return version

    def wrote(self) -> None:
        """This process committed a write: the next :meth:`current` reads again."""
        self._own_writes = next(self._writes)  # atomic, unlike += across threads

    def close(self) -> None:
        """Stop the poller and wait for a read it has under way (before the store closes)."""
        self._stop.set()
        poller = self._poller
        if poller is not None and poller is not threading.current_thread():
            poller.join(timeout=10.0)

    def _start_poller(self) -> None:
        with self._lock:
            if self._poller is not None:
                return
            self._poller = threading.Thread(
                target=self._poll_loop, name="archgraph-version-poll", daemon=True
            )
            self._poller.start()

    def _poll_loop(self) -> None:
        assert self._poll is not None
        while not self._stop.wait(self._poll):
            with contextlib.suppress(StoreUnavailableError):
                self.refresh()
