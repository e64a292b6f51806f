"""The streamed export holds a batch, never the graph: its Python heap does not grow
with the graph (docs/architecture.md, "Export and import"), on both stores.

The heap is measured with ``tracemalloc`` (every Python allocation, nothing the
operating system counts besides), its peak while the whole document streams
for a graph of N edges and for one of 4N. N is sized to the store's read
batch, so both graphs span several batches of nodes and of edges and both
peaks include the largest batch the stream holds; had the stream buffered
the document, or the rows, the peak of 4N would exceed that of N by at
least the extra document text.
"""

from __future__ import annotations

import tracemalloc

from graph.storage import Assertion, EdgeRecord, GraphStore, NodeRecord, export_chunks

READ_BATCH = {"sqlite": 5_000, "neo4j": 1_000}  # rows a page / records a driver fetch holds
AT = "2025-01-01T00:00:00Z"


def _graph(edges: int) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """*edges* components in a ring of DEPENDS_ON edges, one from each."""
    n = edges
    nodes = []
    for i in range(n):
        props = {"name": f"Component {i}", "description": f"component number {i} " + "x" * 60}
        nodes.append(
            NodeRecord(f"component:c-{i:06d}", "component", props, (Assertion("t", AT, props),))
        )
    out = []
    for i in range(n):
        props = {"strength": "hard" if i % 2 else "soft"}
        out.append(
            EdgeRecord(
                f"component:c-{i:06d}",
                "DEPENDS_ON",
                f"component:c-{(i + 1) % n:06d}",
                props,
                (Assertion("t", AT, props),),
            )
        )
    return nodes, out


def _export_peak(store: GraphStore, edges: int) -> tuple[int, int]:
    """(peak traced heap while streaming the export, document size) for *edges* edges."""
    nodes, facts = _graph(edges)
    store.import_records(nodes, facts)
    assert store.counts() == (edges, edges)
    del nodes, facts
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        size = 0
        for chunk in export_chunks(store):
            size += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, size


def test_export_heap_does_not_grow_with_the_graph(store: GraphStore) -> None:
    edges = 2 * READ_BATCH[store.backend] + 1_000  # N nodes and N edges: 3 batches of each
    peak_n, size_n = _export_peak(store, edges)
    peak_4n, size_4n = _export_peak(store, 4 * edges)  # the import replaces the graph
    assert size_4n > 3.5 * size_n  # the document did grow with the graph
    grown = peak_4n - peak_n
    assert grown < (size_4n - size_n) / 10, (
        f"export heap peak {peak_n / 1e6:.1f} MB at {edges} edges, "
        f"{peak_4n / 1e6:.1f} MB at {4 * edges} (document {size_n / 1e6:.1f} -> "
        f"{size_4n / 1e6:.1f} MB)"
    )
