"""BufferedTx: any sequence of operations reads, writes and records what the backend would.

The same random operations run in one transaction on two SQLite stores, one
through :class:`BufferedTx` and one through a :class:`RecordingTx` straight
on the backend's transaction; every answer on the way and the tables at the
end, change records included, must be equal. The store contract
(tests/store_contract.py) covers the batches that use it, on both stores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.storage import SQLiteStore
from graph.storage.buffered_tx import BufferedTx
from graph.storage.recording import RecordingTx
from graph.storage.records import Assertion, EdgeRecord, NodeRecord
from graph.storage.write_tx import WriteTx

REFS = ["component:a", "component:b", "component:c", "api:x"]
SOURCES = ["s1", "s2", "s3"]
EDGES = [("component:a", "PROVIDES", "api:x"), ("component:b", "DEPENDS_ON", "component:a")]


def _first(item: tuple[Any, Any]) -> Any:
    return item[0]  # a backend call never lists one fact twice (the store merges repeats)


assertions = st.lists(st.sampled_from(SOURCES), min_size=1, max_size=3, unique=True).map(
    lambda sources: tuple(Assertion(s, "2025-01-01T00:00:00Z", {"n": s}) for s in sources)
)
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("put_nodes"),
            st.lists(st.tuples(st.sampled_from(REFS), assertions), unique_by=_first),
        ),
        st.tuples(
            st.just("put_edges"),
            st.lists(st.tuples(st.sampled_from(EDGES), assertions), unique_by=_first),
        ),
        st.tuples(st.just("remove_nodes"), st.lists(st.sampled_from(REFS), unique=True)),
        st.tuples(st.just("remove_edges"), st.lists(st.sampled_from(EDGES), unique=True)),
        st.tuples(st.just("get_nodes"), st.lists(st.sampled_from(REFS))),
        st.tuples(st.just("get_edges"), st.lists(st.sampled_from(EDGES))),
        st.tuples(st.just("source_node_refs"), st.sampled_from(SOURCES)),
        st.tuples(st.just("source_edge_keys"), st.sampled_from(SOURCES)),
        st.tuples(
            st.just("source_assertions"), st.lists(st.sampled_from([*SOURCES, "s4"]), unique=True)
        ),
        st.tuples(st.just("edge_keys_touching"), st.lists(st.sampled_from(REFS))),
        st.tuples(st.just("prefetch"), st.lists(st.sampled_from(REFS))),
        st.tuples(st.just("clear"), st.none()),
    ),
    max_size=25,
)


def _run(tx: WriteTx, ops: list[tuple[str, Any]]) -> list[Any]:
    answers: list[Any] = []
    for name, arg in ops:
        if name == "put_nodes":
            tx.put_nodes([NodeRecord(ref, ref.partition(":")[0], {"r": ref}, a) for ref, a in arg])
        elif name == "put_edges":
            # an edge needs its ends: put them first, as the store does
            ends = {ref for key, _ in arg for ref in (key[0], key[2])}
            tx.put_nodes([NodeRecord(r, r.partition(":")[0], {}, arg[0][1]) for r in sorted(ends)])
            tx.put_edges([EdgeRecord(*key, {"k": 1}, a) for key, a in arg])
        elif name == "remove_nodes":
            tx.remove_edges(sorted(tx.edge_keys_touching(arg)))
            tx.remove_nodes(arg)
        elif name == "clear":
            tx.clear()
        elif name == "prefetch":
            if isinstance(tx, BufferedTx):
                tx.get_nodes(arg)
                tx.get_edges(EDGES)
        else:
            answers.append((name, getattr(tx, name)(arg)))
    if isinstance(tx, BufferedTx):
        tx.flush()
    return answers


def _recorded(tx: BufferedTx | RecordingTx, ops: list[tuple[str, Any]]) -> list[Any]:
    answers = _run(tx, ops)
    tx.log_changes(at="2025-02-01T00:00:00.000000Z", actor="tester", source=None)
    return answers


def _tables(store: SQLiteStore) -> dict[str, list[Any]]:
    conn = store._conn
    return {
        table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall())
        for table in ("nodes", "edges", "node_sources", "edge_sources", "changes")
    }


@settings(max_examples=80, deadline=None)
@given(operations, operations)
def test_buffered_reads_and_writes_are_the_backends(
    tmp_path_factory: Any, first: list[tuple[str, Any]], ops: list[tuple[str, Any]]
) -> None:
    folder = Path(tmp_path_factory.mktemp("buffered"))
    plain, buffered = SQLiteStore(str(folder / "a.db")), SQLiteStore(str(folder / "b.db"))
    try:
        for store in (plain, buffered):  # what is already stored
            store._write(lambda tx: _run(tx, first))
        expected = plain._write(lambda tx: _recorded(RecordingTx(tx), ops))
        answers = buffered._write(lambda tx: _recorded(BufferedTx(tx), ops))
        assert answers == expected
        assert _tables(buffered) == _tables(plain)
    finally:
        plain.close()
        buffered.close()
