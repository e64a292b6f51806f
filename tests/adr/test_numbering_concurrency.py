"""ADR numbers are assigned inside the store's write transaction: safe across processes.

Several processes on one SQLite file, and several store connections in
threads on one Neo4j, register ADRs at once; the numbers must be exactly
1..N, none twice, none skipped, and a deleted number is never given again.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path

import pytest

from app.adr_service import create_adr, delete_adr, iter_adrs, last_number
from graph.storage import GraphStore, Neo4jStore, SQLiteStore
from schemas.adr import AdrCreate

WORKERS = 4
EACH = 6


def _register(db: str, worker: int) -> list[int]:
    store = SQLiteStore(Path(db))
    try:
        return _register_on(store, worker)
    finally:
        store.close()


def _register_on(store: GraphStore, worker: int) -> list[int]:
    numbers = []
    for i in range(EACH):
        adr = create_adr(store, AdrCreate(title=f"worker {worker} decision {i}"), f"w{worker}")
        numbers.append(int(adr["number"]))
    return numbers


def _check(store: GraphStore, given: list[int]) -> None:
    total = WORKERS * EACH
    assert sorted(given) == list(range(1, total + 1))
    stored = list(iter_adrs(store))
    assert [a["number"] for a in stored] == list(range(1, total + 1))
    titles = {a["title"] for a in stored}
    assert len(titles) == total  # no ADR was merged into another
    assert last_number(store) == total
    delete_adr(store, total, "tester")
    assert create_adr(store, AdrCreate(title="after the delete"), "tester")["number"] == total + 1


def test_processes_on_one_sqlite_file_never_share_a_number(tmp_path: Path) -> None:
    db = tmp_path / "archgraph.db"
    SQLiteStore(db).close()
    context = multiprocessing.get_context("fork")
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(_register, [(str(db), w) for w in range(WORKERS)])
    store = SQLiteStore(db)
    try:
        _check(store, [n for numbers in results for n in numbers])
    finally:
        store.close()


@pytest.mark.neo4j
def test_connections_on_one_neo4j_never_share_a_number(
    neo4j_store: Neo4jStore, neo4j_uri: str
) -> None:
    stores = [
        Neo4jStore(
            neo4j_uri,
            user=os.environ.get("ARCHGRAPH_TEST_NEO4J_USER"),
            password=os.environ.get("ARCHGRAPH_TEST_NEO4J_PASSWORD"),
        )
        for _ in range(WORKERS)
    ]
    results: list[list[int]] = [[] for _ in range(WORKERS)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(WORKERS)

    def run(worker: int) -> None:
        try:
            barrier.wait()
            results[worker] = _register_on(stores[worker], worker)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert errors == []
    _check(neo4j_store, [n for numbers in results for n in numbers])
