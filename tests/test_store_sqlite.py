"""The store contract on the embedded SQLite backend, plus SQLite specifics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.storage import SQLiteStore
from schemas.facts import EdgeData, NodeData
from tests.store_contract import GraphStoreContract


class TestSQLiteStore(GraphStoreContract):
    @pytest.fixture
    def store(self, sqlite_store: SQLiteStore) -> Iterator[SQLiteStore]:
        yield sqlite_store


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


def test_whole_graph_reads_page_through_every_row(
    sqlite_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graph.storage.sqlite_store as module

    monkeypatch.setattr(module, "_PAGE", 7)
    refs = [f"component:c{i:03d}" for i in range(50)]
    sqlite_store.upsert_nodes([NodeData(r) for r in refs], source="t")
    edges = [EdgeData(refs[i], "DEPENDS_ON", refs[j]) for i in range(0, 50, 3) for j in (1, 2)]
    sqlite_store.upsert_edges(edges, source="t")
    assert [n.ref for n in sqlite_store.iter_nodes()] == refs
    assert [e.key for e in sqlite_store.iter_edges()] == sorted(e.key for e in edges)
