"""The store contract on the embedded SQLite backend, plus SQLite specifics."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from graph.storage import EdgeRecord, NodeRecord, SQLiteStore, WriteTx
from graph.storage.sqlite_tx import SQLiteTx
from schemas.facts import EdgeData, NodeData
from tests.store_concurrency import ConcurrencyContract
from tests.store_contract import GraphStoreContract
from tests.store_import import ExportContract, ImportContract


class TestSQLiteStore(GraphStoreContract, ConcurrencyContract, ImportContract, ExportContract):
    @pytest.fixture
    def store(self, sqlite_store: SQLiteStore) -> Iterator[SQLiteStore]:
        yield sqlite_store

    @pytest.fixture
    def break_import_midway(
        self, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
    ) -> list[set[str]]:
        """The first import fails at its edges, after the old graph is cleared and nodes put."""
        seen: list[set[str]] = []
        importing: list[bool] = []
        real_put, real_import = SQLiteTx.put_edges, store.import_records

        def put_edges(tx: WriteTx, records: Sequence[EdgeRecord]) -> None:
            if seen or not importing:
                real_put(tx, records)  # type: ignore[arg-type]
                return
            seen.append({n.ref for n in store.iter_nodes()})
            raise RuntimeError("injected failure at the edge batch")

        def import_records(nodes: Sequence[NodeRecord], edges: Sequence[EdgeRecord]) -> int:
            importing.append(True)
            try:
                return real_import(nodes, edges)
            finally:
                importing.clear()

        monkeypatch.setattr(SQLiteTx, "put_edges", put_edges)
        monkeypatch.setattr(store, "import_records", import_records)
        return seen


def test_store_is_one_wal_file_that_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "data" / "archgraph.db"
    store = SQLiteStore(path)
    store.upsert_node(NodeData("team:core", {"name": "Core"}), source="t")
    mode = store._query("PRAGMA journal_mode")[0][0]
    store.close()
    assert mode == "wal"
    reopened = SQLiteStore(path)
    node = reopened.get_node("team:core")
    assert node is not None and node.properties == {"name": "Core"}
    assert reopened.version() == 1
    reopened.close()


def test_a_new_file_has_8_kib_pages_and_an_old_4_kib_file_keeps_working(
    tmp_path: Path,
) -> None:
    """New files use PAGE_SIZE; a file made before keeps its pages and its data."""
    import sqlite3

    import graph.storage.sqlite_store as module

    store = SQLiteStore(tmp_path / "new.db")
    assert store._query("PRAGMA page_size")[0][0] == module.PAGE_SIZE == 16384
    store.close()

    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA page_size=4096")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    store = SQLiteStore(old)
    store.upsert_node(
        NodeData("team:core", {"name": "Core", "description": "Core" * 600}), source="t"
    )
    assert store._query("PRAGMA page_size")[0][0] == 4096
    store.close()
    reopened = SQLiteStore(old)
    node = reopened.get_node("team:core")
    assert node is not None and node.properties == {"name": "Core", "description": "Core" * 600}
    reopened.close()


def test_whole_graph_reads_page_through_every_row(
    sqlite_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graph.storage.sqlite_pages as module

    monkeypatch.setattr(module, "PAGE", 7)
    refs = [f"component:c{i:03d}" for i in range(50)]
    sqlite_store.upsert_nodes([NodeData(r) for r in refs], source="t")
    edges = [EdgeData(refs[i], "DEPENDS_ON", refs[j]) for i in range(0, 50, 3) for j in (1, 2)]
    sqlite_store.upsert_edges(edges, source="t")
    assert [n.ref for n in sqlite_store.iter_nodes()] == refs
    assert [e.key for e in sqlite_store.iter_edges()] == sorted(e.key for e in edges)
    assert [ref for ref, _, _ in sqlite_store.iter_node_facts()] == refs
    assert [e[:3] for e in sqlite_store.iter_edge_facts()] == sorted(e.key for e in edges)
    with sqlite_store.snapshot() as snap:
        assert [ref for ref, _, _ in snap.iter_node_facts()] == refs
        assert [n.ref for n in snap.iter_nodes()] == refs


def _process_writer(path: str, worker: int) -> None:
    store = SQLiteStore(path)
    try:
        for r in range(5):
            store.upsert_node(
                NodeData("component:a", {"tags": [f"w{worker}", f"r{r}"]}), source=f"w{worker}"
            )
            store.upsert_edge(
                EdgeData("component:a", "DEPENDS_ON", "component:b", {"description": f"{r}"}),
                source=f"w{worker}",
            )
    finally:
        store.close()


def test_processes_writing_one_file_wait_their_turn_and_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    seed = SQLiteStore(path)
    seed.upsert_nodes([NodeData("component:a"), NodeData("component:b")], source="seed")
    seed.close()
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_process_writer, args=(path, w)) for w in range(6)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    assert [p.exitcode for p in workers] == [0] * 6
    store = SQLiteStore(path)
    try:
        node = store.get_node("component:a")
        edge = store.get_edge("component:a", "DEPENDS_ON", "component:b")
        assert node is not None and edge is not None
        assert {a.source: a.properties for a in node.assertions} == {
            "seed": {},
            **{f"w{w}": {"tags": [f"w{w}", "r4"]} for w in range(6)},
        }
        assert {a.source: a.properties for a in edge.assertions} == {
            f"w{w}": {"description": "4"} for w in range(6)
        }
    finally:
        store.close()


def test_readers_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    """A read answers from the last committed state while a write transaction is open."""
    store = SQLiteStore(tmp_path / "a.db")
    try:
        store.upsert_node(NodeData("team:before"), source="t")
        entered, release = threading.Event(), threading.Event()
        seen: list[object] = []

        def slow_write(tx: WriteTx) -> None:
            tx.put_nodes([NodeRecord("team:during", "team", {}, ())])
            entered.set()
            release.wait(10)

        writer = threading.Thread(target=store._write, args=(slow_write,))
        writer.start()
        entered.wait(10)

        def read() -> None:
            seen.append(sorted(n.ref for n in store.iter_nodes()))

        reader = threading.Thread(target=read)
        reader.start()
        reader.join(5)
        finished_while_writer_open = not reader.is_alive()
        release.set()
        writer.join()
        reader.join()
        assert finished_while_writer_open
        assert seen == [["team:before"]]
        assert {n.ref for n in store.iter_nodes()} == {"team:before", "team:during"}
    finally:
        store.close()
