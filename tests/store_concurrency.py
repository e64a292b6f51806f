"""The store contract under concurrency: writers take turns and lose nothing.

Subclassed per backend next to :class:`tests.store_contract.GraphStoreContract`.
Every test compares what the store holds with what was written, so a lost
write or a half-applied ``replace_sources`` fails it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from graph.storage import GraphStore
from schemas.facts import EdgeData, NodeData

THREADS = 8
ROUNDS = 5

Facts = tuple[Sequence[NodeData], Sequence[EdgeData]]


def run_threads(count: int, target: Callable[[int], None]) -> list[BaseException]:
    """Run *target(i)* in *count* threads started together; return what they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def body(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def graph_without_times(store: GraphStore) -> dict[str, Any]:
    """The whole graph with provenance, but no timestamps: comparable across runs."""

    def sources(assertions: Sequence[Any]) -> list[tuple[str, str]]:
        return sorted((a.source, repr(sorted(a.properties.items()))) for a in assertions)

    return {
        "nodes": {n.ref: (n.kind, n.properties, sources(n.assertions)) for n in store.iter_nodes()},
        "edges": {e.key: (e.properties, sources(e.assertions)) for e in store.iter_edges()},
    }


class ConcurrencyContract:
    def test_threads_writing_the_same_node_and_edge_lose_nothing(self, store: GraphStore) -> None:
        store.upsert_nodes(
            [NodeData("component:a", {"name": "A"}), NodeData("component:b", {"name": "B"})],
            source="seed",
        )

        def writer(i: int) -> None:
            for r in range(ROUNDS):
                store.upsert_node(
                    NodeData("component:a", {"tags": [f"w{i}", f"r{r}"]}), source=f"w{i}"
                )
                store.upsert_edge(
                    EdgeData(
                        "component:a", "DEPENDS_ON", "component:b", {"description": f"{i}/{r}"}
                    ),
                    source=f"w{i}",
                )

        assert run_threads(THREADS, writer) == []
        node = store.get_node("component:a")
        edge = store.get_edge("component:a", "DEPENDS_ON", "component:b")
        assert node is not None and edge is not None
        expected = {f"w{i}" for i in range(THREADS)}
        node_sources = {a.source: a.properties for a in node.assertions}
        edge_sources = {a.source: a.properties for a in edge.assertions}
        assert set(node_sources) == expected | {"seed"}
        assert set(edge_sources) == expected
        # Each source's assertion is its own last write.
        for i in range(THREADS):
            assert node_sources[f"w{i}"] == {"tags": [f"w{i}", f"r{ROUNDS - 1}"]}
            assert edge_sources[f"w{i}"] == {"description": f"{i}/{ROUNDS - 1}"}

    def test_concurrent_overlapping_scans_end_as_serial_ones(self, store: GraphStore) -> None:
        scans = [overlapping_scan(t) for t in range(THREADS)]
        # Second wave: the odd files are gone from every tree that has them.
        shrunk = [
            {
                src: (([], []) if int(src.rsplit("-", 1)[1]) % 2 else facts)
                for src, facts in scan.items()
            }
            for scan in scans
        ]

        def concurrent(waves: Sequence[Sequence[Mapping[str, Facts]]]) -> dict[str, Any]:
            for wave in waves:

                def scan(i: int, wave: Sequence[Mapping[str, Facts]] = wave) -> None:
                    store.replace_sources(wave[i])

                assert run_threads(len(wave), scan) == []
            return graph_without_times(store)

        def serial(waves: Sequence[Sequence[Mapping[str, Facts]]]) -> dict[str, Any]:
            for wave in waves:
                for scan in wave:
                    store.replace_sources(scan)
            return graph_without_times(store)

        for waves in ([scans], [scans, shrunk]):
            store.clear()
            together = concurrent(waves)
            store.clear()
            one_by_one = serial(waves)
            assert together == one_by_one
            assert together["nodes"], "the scans wrote something"


def overlapping_scan(tree: int) -> dict[str, Facts]:
    """Tree *tree* of eight: three files, shared with the neighbouring trees.

    A file's facts depend only on the file, so the scans give one graph in
    any order. Every file asserts the shared capability and team, so they
    are asserted by many sources at once.
    """
    ring = THREADS + 2
    files: dict[str, Facts] = {}
    for offset in range(3):
        f = (tree + offset) % ring
        me, nxt = f"component:svc-{f}", f"component:svc-{(f + 1) % ring}"
        files[f"manifest:tree/file-{f}"] = (
            [
                NodeData(me, {"name": f"Service {f}", "tags": [f"t{f}"]}),
                NodeData(nxt, {}),
                NodeData("capability:payments", {"name": "Payments"}),
                NodeData("team:core", {"name": "Core"}),
            ],
            [
                EdgeData(me, "HAS_CAPABILITY", "capability:payments"),
                EdgeData(nxt, "HAS_CAPABILITY", "capability:payments"),
                EdgeData("team:core", "OWNS", me),
                EdgeData(me, "DEPENDS_ON", nxt, {"strength": "soft"}),
            ],
        )
    return files
