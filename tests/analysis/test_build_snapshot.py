"""A projection build racing writers reads one consistent snapshot.

Writer threads keep adding a node and then an edge to it, and deleting older
nodes (which takes their edges along), while the test builds projections.
Every projection must be exactly the graph at the version it is stamped
with: equal to ``projection_as_of(store, that version)``, which is rebuilt
from the change log, and with no stub an edge made up for a node the build
did not read (this graph names no products, so a build of a consistent
snapshot has no stubs at all). A build that reads the version, the nodes
and the edges as separate reads fails this as soon as a write lands between
them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import fields

import pytest

from graph.analysis import Projection, build_projection, projection_as_of
from graph.storage import GraphSnapshot, GraphStore, Point, graph_as_of
from graph.storage.neo4j_store import Neo4jStore
from schemas.facts import EdgeData, NodeData

BASE = 1_500  # nodes (and as many edges) already there: makes each read take a while
WRITERS = 2


def _same(got: Projection, want: Projection) -> list[str]:
    """Names of the fields where the two projections differ."""
    return [
        f.name
        for f in fields(Projection)
        if not f.name.startswith("_") and getattr(got, f.name) != getattr(want, f.name)
    ]


def _seed(store: GraphStore) -> None:
    refs = [f"component:base-{i:05d}" for i in range(BASE)]
    store.upsert_nodes([NodeData(ref, {"name": ref}) for ref in refs], source="seed")
    store.upsert_edges(
        [EdgeData(refs[i], "DEPENDS_ON", refs[(i * 7 + 1) % BASE]) for i in range(BASE)],
        source="seed",
    )


def _write(store: GraphStore, writer: int, stop: threading.Event) -> None:
    """Add node X, then edge X-1 -> X; now and then delete an older node."""
    i = 0
    previous = f"component:base-{writer:05d}"
    while not stop.is_set():
        ref = f"component:w{writer}-{i:05d}"
        store.upsert_node(NodeData(ref, {"name": f"writer {writer} #{i}"}), source=f"w{writer}")
        store.upsert_edge(EdgeData(previous, "DEPENDS_ON", ref), source=f"w{writer}")
        if i >= 3 and i % 2 == 0:
            store.delete_node(f"component:w{writer}-{i - 3:05d}")
        previous = ref
        i += 1


def test_a_build_racing_writers_is_the_graph_at_its_version(store: GraphStore) -> None:
    _seed(store)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            _write(store, n, stop)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    built: list[Projection] = []
    try:
        for _ in range(25 if store.backend == "sqlite" else 12):
            built.append(build_projection(store))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    versions = {p.version for p in built}
    assert len(versions) > len(built) // 2, "the writers did not race the builds"
    for p in built:
        assert not p.stubs, f"version {p.version}: edges at nodes the build lacks: {p.stubs}"
        want = projection_as_of(store, Point(version=p.version))
        assert _same(p, want) == [], f"version {p.version} differs from the graph then"


Read = tuple[int, set[str], set[tuple[str, str, str]]]


def _reader(store: GraphStore, write_on_calls: int) -> tuple[list[int], Callable[..., Read]]:
    """A read that writes a node and an edge to it during its first *write_on_calls* runs."""
    calls = [0]

    def read(snap: GraphSnapshot) -> Read:
        calls[0] += 1
        refs = {ref for ref, _, _ in snap.iter_node_facts()}  # read before the write
        if calls[0] <= write_on_calls:
            ref = f"component:during-{calls[0]}"
            store.upsert_node(NodeData(ref, {}), source="during")
            store.upsert_edge(EdgeData("component:base-00000", "DEPENDS_ON", ref), source="during")
        edges = {(a, t, b) for page in snap.iter_edge_fact_pages() for a, t, b, _ in page}
        return snap.version, refs, edges

    return calls, read


def _graph_then(store: GraphStore, version: int) -> tuple[set[str], set[tuple[str, str, str]]]:
    graph = graph_as_of(store, Point(version=version))
    return {n.ref for n in graph.nodes}, {(e.from_ref, e.type, e.to_ref) for e in graph.edges}


def test_a_write_during_a_consistent_read_is_wholly_in_it_or_not(store: GraphStore) -> None:
    _seed(store)
    calls, read = _reader(store, write_on_calls=1)
    version, refs, edges = store.read_consistent(read)
    assert (refs, edges) == _graph_then(store, version)
    if isinstance(store, Neo4jStore):  # the first try saw the version move: read again
        assert (calls[0], store.optimistic_retries, store.locked_reads) == (2, 1, 0)
        assert version == store.version() and "component:during-1" in refs
    else:  # the read transaction's view stays at the version it began with
        assert calls[0] == 1 and version == store.version() - 2
        assert "component:during-1" not in refs


@pytest.mark.neo4j
def test_neo4j_reads_under_the_graph_lock_after_two_failed_tries(neo4j_store: Neo4jStore) -> None:
    _seed(neo4j_store)
    calls, read = _reader(neo4j_store, write_on_calls=2)
    version, refs, edges = neo4j_store.read_consistent(read)
    assert (calls[0], neo4j_store.optimistic_retries, neo4j_store.locked_reads) == (3, 2, 1)
    assert version == neo4j_store.version() and {"component:during-2"} <= refs
    assert (refs, edges) == _graph_then(neo4j_store, version)


@pytest.mark.neo4j
def test_a_neo4j_build_without_writers_reads_once(neo4j_store: Neo4jStore) -> None:
    _seed(neo4j_store)
    p = build_projection(neo4j_store)
    assert (neo4j_store.optimistic_retries, neo4j_store.locked_reads) == (0, 0)
    assert p.version == neo4j_store.version() and p.edge_count == BASE


def test_a_snapshot_hands_over_the_stored_edge_text(store: GraphStore) -> None:
    """The build reads edge pages as stored: the snapshot's own read, not the default
    that decodes every edge with its assertions and encodes its properties again."""
    with store.snapshot() as snap:
        assert type(snap).iter_edge_fact_pages is not GraphSnapshot.iter_edge_fact_pages
        assert type(snap).iter_node_facts is not GraphSnapshot.iter_node_facts
