"""Scan sessions: a tree uploaded in chunks, scanned and loaded as one scan.

``archgraph scan PATH --server URL`` sends trees of any size a local scan
reads (up to ``DEFAULT_MAX_FILES`` files, ``DEFAULT_MAX_TOTAL_BYTES`` bytes)
as chunks of files into a session held in the server's memory; the commit
scans every file of the session and loads the result with one
:func:`app.scan_service.load_scan` call, so one transaction as for a plain
upload. Until the commit nothing is written: a refused chunk, a session
abandoned or expired, leaves the graph as it was.

Limits (docs/architecture.md, "Scanning"), checked before a chunk is kept:

- a session holds at most ``DEFAULT_MAX_FILES`` files and
  ``DEFAULT_MAX_TOTAL_BYTES`` bytes of file text (UTF-8), the local scan's
  bounds; each file at most ``max_scan_file_bytes`` (the scan reports a larger
  one as a per-file error, as a local scan does);
- all open sessions together hold at most ``max_scan_sessions_bytes`` and
  number at most ``max_scan_sessions``;
- a session not touched for ``scan_session_ttl_seconds`` expires and is
  dropped; only the key that opened a session may use it (others get 404).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from scanners import DEFAULT_MAX_FILES, DEFAULT_MAX_TOTAL_BYTES
from schemas.errors import ConflictError, InvalidInputError, NotFoundError, PayloadTooLargeError

__all__ = ["ScanSession", "ScanSessions"]


@dataclass
class ScanSession:
    """One open session: who opened it, its files so far and when it was last used."""

    id: str
    owner: str
    touched: float
    files: dict[str, bytes | str] = field(default_factory=dict)
    size: int = 0


class ScanSessions:
    """The open sessions of one server process (thread-safe)."""

    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_total_bytes: int,
        max_sessions: int,
        max_files: int = DEFAULT_MAX_FILES,
        max_session_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_total_bytes = max_total_bytes
        self.max_sessions = max_sessions
        self.max_files = max_files
        self.max_session_bytes = max_session_bytes
        self._sessions: dict[str, ScanSession] = {}
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for sid in [s.id for s in self._sessions.values() if now - s.touched > self.ttl_seconds]:
            del self._sessions[sid]

    def open(self, owner: str) -> ScanSession:
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            if len(self._sessions) >= self.max_sessions:
                raise ConflictError(
                    f"{self.max_sessions} scan sessions are open, the most the server holds; "
                    "commit or delete one, or wait for one to expire",
                    code="too_many_sessions",
                )
            session = ScanSession(secrets.token_urlsafe(18), owner, now)
            self._sessions[session.id] = session
            return session

    def _get(self, sid: str, owner: str, now: float) -> ScanSession:
        self._expire(now)
        session = self._sessions.get(sid)
        if session is None or not secrets.compare_digest(session.owner, owner):
            raise NotFoundError(
                f"scan session {sid} does not exist (or has expired)",
                location=["path", "session_id"],
            )
        return session

    def add(self, sid: str, owner: str, files: list[tuple[str, bytes | str]]) -> ScanSession:
        """Add one chunk, all of it or (on any refusal) none of it."""
        now = time.monotonic()
        with self._lock:
            session = self._get(sid, owner, now)
            names: set[str] = set()
            size = 0
            for index, (name, content) in enumerate(files):
                if name in session.files or name in names:
                    raise InvalidInputError(
                        f"{name} was already sent in this session",
                        location=f"body.files[{index}].name",
                        code="duplicate_file",
                    )
                names.add(name)
                raw = content if isinstance(content, bytes) else content.encode("utf-8", "replace")
                size += len(raw)
            if len(session.files) + len(files) > self.max_files:
                raise PayloadTooLargeError(
                    f"a scan session holds at most {self.max_files:,} files",
                    location="body.files",
                )
            if session.size + size > self.max_session_bytes:
                raise PayloadTooLargeError(
                    f"a scan session holds at most {self.max_session_bytes:,} bytes of files",
                    location="body.files",
                )
            held = sum(s.size for s in self._sessions.values())
            if held + size > self.max_total_bytes:
                raise PayloadTooLargeError(
                    f"open scan sessions hold at most {self.max_total_bytes:,} bytes together "
                    "(ARCHGRAPH_MAX_SCAN_SESSIONS_BYTES); try again later",
                    location="body.files",
                )
            session.files.update(files)
            session.size += size
            session.touched = now
            return session

    def take(self, sid: str, owner: str) -> ScanSession:
        """Remove the session and hand it over (to commit it)."""
        with self._lock:
            session = self._get(sid, owner, time.monotonic())
            del self._sessions[sid]
            return session

    def held_bytes(self) -> int:
        with self._lock:
            return sum(s.size for s in self._sessions.values())
