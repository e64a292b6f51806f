"""Spreading keep-alive connections over ``archgraph serve --workers N``.

The workers share one listening socket and whichever waits in ``accept``
takes the next connection, so a few long-lived keep-alive connections can
all land on one worker. :class:`ConnectionTable` is one slot per worker in a
memory-mapped file (the worker's pid and how many connections it holds open;
each slot is written only by its own worker). :class:`BalancedHttpProtocol`
(uvicorn's httptools protocol) keeps its worker's count and, when a request
arrives while its worker holds more than its fair share of all open
connections (more than ``ceil(total / workers)``), answers that request with
``Connection: close``: the client reconnects for its next request and an
idle worker, the one waiting in ``accept``, usually takes it. The rule in
full: ``docs/architecture.md``, "Spreading connections over the workers".
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import mmap
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["TABLE_ENV", "BalancedHttpProtocol", "ConnectionTable"]

TABLE_ENV = "ARCHGRAPH_CONNECTION_TABLE"
"""The environment variable naming the table file ``serve`` made for its workers."""

_SLOT = struct.Struct("<qq")  # pid, open connections
_PENDING = struct.Struct("<q")  # the header: connections closed for balance, not yet back
_HEADER = _SLOT.size  # the pending count, then 8 bytes unused


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ConnectionTable:
    """Open connections per worker, shared by the workers through a mapped file.

    :meth:`create` (the ``serve`` command, before the workers start) makes the
    file: a header holding the *pending* count (connections closed to move
    them, whose client has not connected again yet) and one empty slot per
    worker; each worker opens it and :meth:`join` claims a slot. A slot's count
    is written only by its worker and read without a lock (a read racing a
    write can move one decision by one connection, which the next request
    corrects); the pending count is changed under an exclusive ``flock``.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._fd = os.open(self.path, os.O_RDWR)
        try:
            size = os.fstat(self._fd).st_size
            if size < _HEADER + _SLOT.size or (size - _HEADER) % _SLOT.size:
                raise ValueError(f"{self.path} is not a connection table ({size} bytes)")
            self._map = mmap.mmap(self._fd, size)
        except BaseException:
            os.close(self._fd)
            raise
        self.workers = (size - _HEADER) // _SLOT.size
        self._slot = -1
        self._open = 0

    @classmethod
    def create(cls, path: str | Path, workers: int) -> None:
        """Write an empty table for *workers* workers at *path*."""
        if workers < 1:
            raise ValueError("a connection table needs at least one worker")
        Path(path).write_bytes(bytes(_HEADER + _SLOT.size * workers))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _read(self, slot: int) -> tuple[int, int]:
        pid, count = _SLOT.unpack_from(self._map, _HEADER + slot * _SLOT.size)
        return int(pid), int(count)

    def join(self, pid: int | None = None) -> bool:
        """Claim a slot for *pid* (this process): its own, a free one, or one of a pid
        that no longer runs, taken over at zero. False if every slot is taken."""
        pid = os.getpid() if pid is None else pid
        with self._locked():
            slots = [self._read(i) for i in range(self.workers)]
            mine = [i for i, (p, _) in enumerate(slots) if p == pid]
            free = [i for i, (p, _) in enumerate(slots) if p == 0 or not _running(p)]
            if not mine and not free:
                return False
            self._slot = (mine or free)[0]
            self._open = 0
            _SLOT.pack_into(self._map, _HEADER + self._slot * _SLOT.size, pid, 0)
        return True

    @property
    def mine(self) -> int:
        """The connections this worker holds open and keeps (as counted)."""
        return self._open

    def counts(self) -> list[int]:
        """Open connections of every slot."""
        return [self._read(i)[1] for i in range(self.workers)]

    @property
    def pending(self) -> int:
        """Connections closed to move them whose client has not connected again yet."""
        return int(_PENDING.unpack_from(self._map, 0)[0])

    def _add_pending(self, delta: int) -> None:
        with self._locked():
            _PENDING.pack_into(self._map, 0, max(0, self.pending + delta))

    def _store(self, count: int) -> None:
        self._open = count
        _PENDING.pack_into(self._map, _HEADER + self._slot * _SLOT.size + 8, count)

    def opened(self) -> None:
        """A connection was accepted (it may be one closed to move it, coming back)."""
        if self._slot >= 0:
            self._store(self._open + 1)
            if self.pending > 0:
                self._add_pending(-1)

    def closed(self) -> None:
        """A connection this worker kept was lost."""
        if self._slot >= 0:
            self._store(max(0, self._open - 1))

    def surplus(self) -> bool:
        """True when this worker keeps more than ``ceil(total / workers)`` connections,
        where the total counts the pending ones (their clients come back)."""
        if self._slot < 0 or self.workers < 2 or self._open < 2:
            return False
        total = sum(self.counts()) + self.pending
        return self._open > -(-total // self.workers)

    def move_one(self) -> None:
        """One of this worker's connections closes after its response to move it."""
        if self._slot >= 0:
            self._store(max(0, self._open - 1))
            self._add_pending(1)

    def keep_one(self) -> None:
        """Undo :meth:`move_one` (the connection stays after all)."""
        if self._slot >= 0:
            self._store(self._open + 1)
            self._add_pending(-1)

    def close(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            self._map.close()
        with contextlib.suppress(OSError):
            os.close(self._fd)


@functools.cache
def worker_table() -> ConnectionTable | None:
    """This worker's table (named by ``ARCHGRAPH_CONNECTION_TABLE``), its slot claimed;
    None when there is none (one worker) or no slot was free."""
    path = os.environ.get(TABLE_ENV)
    if not path:
        return None
    table = ConnectionTable(path)
    return table if table.join() else None


class BalancedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that counts its connection in the worker's table
    and closes it after a response when its worker holds more than its share."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._table = worker_table()
        self._counted = False
        self._leaving = False  # the current request's response closes the connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self._table is not None:
            self._table.opened()
            self._counted = True

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._uncount()

    def _uncount(self) -> None:
        if self._counted and self._table is not None:
            self._table.closed()
        self._counted = False

    def on_headers_complete(self) -> None:
        before = self.cycle
        super().on_headers_complete()
        if self.cycle is before or self._table is None:
            return  # an upgrade, not a request
        if self.pipeline:  # pipelined behind a request still being answered
            if self._leaving and not before.response_started:
                before.keep_alive = True  # undo: close after the last request, not between
                self._leaving = False
                self._table.keep_one()
                self._counted = True
            return
        self._leaving = False
        if self._counted and self.cycle.keep_alive and self._table.surplus():
            self.cycle.keep_alive = False  # uvicorn adds "connection: close", then closes
            self._leaving = True
            self._table.move_one()
            self._counted = False
