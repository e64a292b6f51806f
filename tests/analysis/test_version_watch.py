"""The graph version read without a store call per request, yet never missing a write.

Rule (docs/architecture.md, "The graph version"): a process's own write is
seen by its next request; another process's write is seen through the
SQLite notice file at once, or within one poll on Neo4j; when nothing
moved, reading the version asks the store nothing.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph.analysis import ProjectionCache
from graph.storage import GraphStore, Neo4jStore, NoticeFile, SQLiteStore, VersionWatch
from schemas.errors import StoreUnavailableError
from schemas.facts import NodeData
from tests.analysis.conftest import SMALL_EDGES, SMALL_NODES, load

ROOT = Path(__file__).resolve().parents[2]


class CountingSQLiteStore(SQLiteStore):
    """The real SQLite store, counting how often the graph version is read."""

    version_reads = 0

    def version(self) -> int:
        self.version_reads += 1
        return super().version()


class CountingNeo4jStore(Neo4jStore):
    """The real Neo4j store, counting how often the graph version is read."""

    version_reads = 0

    def version(self) -> int:
        self.version_reads += 1
        return super().version()


Opener = Callable[..., GraphStore]


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def open_counting(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Open counting stores of one backend (closed at the end); ``.uri_or_path`` says where."""
    opened: list[GraphStore] = []

    def open_store(*, poll: float = 3600.0, recheck: float = 3600.0) -> GraphStore:
        store: GraphStore
        if request.param == "sqlite":
            store = CountingSQLiteStore(tmp_path / "archgraph.db", version_recheck_seconds=recheck)
        else:
            uri = request.getfixturevalue("neo4j_uri")
            request.getfixturevalue("neo4j_store")  # wipes the database for this test
            store = CountingNeo4jStore(uri, version_poll_seconds=poll)
        opened.append(store)
        return store

    open_store.backend = request.param  # type: ignore[attr-defined]
    try:
        yield open_store
    finally:
        for store in opened:
            store.close()


def _write_elsewhere(store: GraphStore, ref: str) -> None:
    """Upsert *ref* from another Python process, as a CLI scan or another worker would."""
    if isinstance(store, SQLiteStore):
        opener = f"SQLiteStore({store.path!r})"
    else:
        assert isinstance(store, Neo4jStore)
        opener = f"Neo4jStore({store.uri!r})"
    code = (
        "from graph.storage import SQLiteStore, Neo4jStore\n"
        "from schemas.facts import NodeData\n"
        f"s = {opener}\n"
        f"s.upsert_node(NodeData({ref!r}, {{}}), source='elsewhere')\n"
        "s.close()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def _eventually(check: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def test_no_store_call_per_request_when_nothing_moved(open_counting: Opener) -> None:
    store = open_counting()
    load(store, SMALL_NODES, SMALL_EDGES)
    cache = ProjectionCache(store)
    first = cache.get()
    reads = store.version_reads  # type: ignore[attr-defined]
    for _ in range(200):
        assert cache.get() is first
    assert store.version_reads == reads  # type: ignore[attr-defined]


def test_own_write_is_seen_by_the_next_request(open_counting: Opener) -> None:
    store = open_counting()
    load(store, SMALL_NODES, SMALL_EDGES)
    cache = ProjectionCache(store)
    cache.get()
    for i in range(3):
        store.upsert_node(NodeData(f"component:own-{i}", {}), source="own")
        projection = cache.get()  # no waiting: the write itself told the watch
        assert f"component:own-{i}" in projection
        assert projection.version == store.version()


def test_write_in_another_process_is_seen(open_counting: Opener) -> None:
    store = open_counting(poll=0.05)  # SQLite: the notice, not the recheck, must carry it
    load(store, SMALL_NODES, SMALL_EDGES)
    cache = ProjectionCache(store)
    before = cache.get()
    _write_elsewhere(store, "component:from-elsewhere")
    if open_counting.backend == "sqlite":  # type: ignore[attr-defined]
        after = cache.get()  # the other process bumped the notice after its commit
    else:
        assert _eventually(lambda: cache.get().version > before.version)
        after = cache.get()
    assert "component:from-elsewhere" in after
    assert after.version == store.version() > before.version


def test_sqlite_write_without_notice_is_seen_by_the_recheck(tmp_path: Path) -> None:
    """A writer that never bumps the notice (here: plain sqlite3) is caught by the recheck."""
    store = CountingSQLiteStore(tmp_path / "archgraph.db", version_recheck_seconds=0.05)
    try:
        watch = store.version_watch()
        start = watch.current()
        with sqlite3.connect(store.path) as raw:
            raw.execute("UPDATE meta SET value = ? WHERE key = 'version'", (str(start + 7),))
        assert _eventually(lambda: watch.current() == start + 7)
    finally:
        store.close()


def test_notice_file_counts_every_bump_from_every_process(tmp_path: Path) -> None:
    path = tmp_path / "counter"
    notice = NoticeFile(path)
    try:
        code = (
            "from graph.storage import NoticeFile\n"
            f"n = NoticeFile({str(path)!r})\n"
            "for _ in range(500):\n    n.bump()\n"
            "n.close()\n"
        )
        children = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT) for _ in range(3)]
        for _ in range(500):
            notice.bump()
        assert all(child.wait(timeout=120) == 0 for child in children)
        assert notice.read() == 4 * 500
    finally:
        notice.close()


def test_after_a_failed_poll_every_request_asks_the_store_until_it_answers() -> None:
    """A poll that finds the store down stops answers from the remembered version."""
    state = {"version": 7, "down": False}

    def read() -> int:
        if state["down"]:
            raise StoreUnavailableError("store down")
        return state["version"]

    watch = VersionWatch(read, poll_seconds=0.01)
    try:
        assert watch.current() == 7
        state["down"] = True
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # until the poller has seen the outage
            try:
                watch.current()
            except StoreUnavailableError:
                break
            time.sleep(0.01)
        with pytest.raises(StoreUnavailableError):
            watch.current()
        state["down"], state["version"] = False, 9
        assert watch.current() == 9
        reads = watch.reads
        assert watch.current() == 9 and watch.reads == reads  # back to memory reads
    finally:
        watch.close()
