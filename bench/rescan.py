"""A 100-file re-scan on SQLite and on Neo4j: what the source index buys.

The graph: about 20,000 elements (``bench.generate`` at 160 products, 16,000
components, 4,000 APIs, 40,000 edges) loaded as one bulk source, plus 100
*files*: sources that each assert a few elements of their own (a component
and its API) and re-assert two bulk components, with five edges into the
bulk graph. Then, on each store, the same ``replace_sources`` call a scan of
those 100 files makes:

* **unchanged**: the files as they are (finds what each source asserted,
  compares, writes nothing);
* **changed**: every file edits a property and swaps one dependency
  (finds, compares, writes, appends change records).

Each is timed ``--rounds`` times (median), after one untimed round of
each. On Neo4j the time the lookup of the 100 sources took before the index
(``$source IN n._sources``, and the same over every relationship) is
measured on the same graph, for reference.
The figure that matters is the ratio Neo4j / SQLite of each re-scan.

Run alone: ``python -m bench.rescan`` (Neo4j from ``ARCHGRAPH_NEO4J_URI``,
else the test launcher in ``tests/neo4j``, as ``bench/cypher.py`` does).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.generate import Portfolio, Spec, generate
from bench.measure import Results, log, machine
from graph.storage import GraphStore, SQLiteStore
from graph.storage.neo4j_store import Neo4jStore
from schemas.facts import EdgeData, NodeData

FILES = 100
SPEC = Spec(products=160, components=16_000, apis=4_000, edges=40_000)
Scan = dict[str, tuple[Sequence[NodeData], Sequence[EdgeData]]]


def file_scan(g: Portfolio, revision: int) -> Scan:
    """What scanning the 100 files yields; *revision* edits every file a little."""
    bulk = g.components
    scan: Scan = {}
    for i in range(FILES):
        own, api = f"component:file-svc-{i:03d}", f"api:file-svc-{i:03d}"
        shared = [bulk[(i * 37) % len(bulk)], bulk[(i * 91 + 5) % len(bulk)]]
        deps = [bulk[(i * 13 + k + revision) % len(bulk)] for k in range(3)]
        nodes = [
            NodeData(own, {"name": f"File svc {i}", "description": f"revision {revision}"}),
            NodeData(api, {"name": f"File svc {i} API"}),
            *(NodeData(ref, {"lifecycle": "active"}) for ref in shared),
        ]
        edges = [
            EdgeData(own, "PROVIDES", api),
            EdgeData(own, "DEPENDS_ON", shared[0]),
            *(EdgeData(own, "DEPENDS_ON", ref) for ref in deps),
        ]
        scan[f"files/svc-{i:03d}.yaml"] = (nodes, edges)
    return scan


def _timed(store: GraphStore, scan: Scan) -> float:
    started = time.perf_counter()
    store.replace_sources(scan)
    return time.perf_counter() - started


def load_bulk(store: GraphStore, g: Portfolio, chunk: int = 2_000) -> None:
    """The bulk graph as one source, written in chunks (a whole-graph import of it
    appends one change record per fact in one transaction, more than the 1 GB
    test server's transaction memory holds)."""
    nodes = [NodeData(ref, props) for ref, props in g.nodes.items()]
    edges = [EdgeData(a, t, b, props) for (a, t, b), props in g.edges.items()]
    for start in range(0, len(nodes), chunk):
        store.upsert_nodes(nodes[start : start + chunk], source="bulk")
    for start in range(0, len(edges), chunk):
        store.upsert_edges(edges[start : start + chunk], source="bulk")


def measure_store(store: GraphStore, g: Portfolio, rounds: int) -> Results:
    started = time.perf_counter()
    load_bulk(store, g)
    load_s = time.perf_counter() - started
    log(f"rescan: {store.backend}: bulk graph loaded in {load_s:.0f}s")
    store.replace_sources(file_scan(g, 0))
    # One untimed round of each first, on both stores: a freshly started Neo4j
    # plans each query shape and warms its JIT on first use, which a running
    # server has long done.
    store.replace_sources(file_scan(g, 0))
    store.replace_sources(file_scan(g, 1))
    nodes, edges = store.counts()
    unchanged, changed = [], []
    for r in range(1, rounds + 1):
        unchanged.append(_timed(store, file_scan(g, r)))
        changed.append(_timed(store, file_scan(g, r + 1)))
    return {
        "load_s": load_s,
        "nodes": nodes,
        "edges": edges,
        "unchanged_s": statistics.median(unchanged),
        "changed_s": statistics.median(changed),
    }


def full_scan_lookup_s(store: Neo4jStore) -> float:
    """The lookup of the 100 sources as it was before the index: a scan per source."""
    started = time.perf_counter()
    for i in range(FILES):
        source = f"files/svc-{i:03d}.yaml"
        store._read("MATCH (n:Element) WHERE $source IN n._sources RETURN n.ref", source=source)
        store._read(
            "MATCH (a:Element)-[r]->(b:Element) WHERE $source IN r._sources "
            "RETURN a.ref, type(r), b.ref",
            source=source,
        )
    return time.perf_counter() - started


BENCH_NEO4J_HEAP = "4g"
"""The bench's Neo4j heap (the tests run with 1 GB)."""


@contextmanager
def neo4j_uri(say: Callable[[str], None]) -> Iterator[str]:
    """``ARCHGRAPH_NEO4J_URI``, else a Neo4j started by the test launcher for this run."""
    given = os.environ.get("ARCHGRAPH_NEO4J_URI")
    if given:
        yield given
        return
    from tests.neo4j.server import Neo4jServer

    # A whole-graph import swaps in one transaction: the 200,000-edge portfolio needs
    # more than the 1 GB test server's 717 MiB of transaction memory.
    server = Neo4jServer(heap=BENCH_NEO4J_HEAP)
    say(f"rescan: starting the Neo4j test server (tests/neo4j, heap {BENCH_NEO4J_HEAP}) ...")
    try:
        yield server.start()
    finally:
        server.stop()


def open_neo4j(uri: str) -> Neo4jStore:
    return Neo4jStore(
        uri,
        user=os.environ.get("ARCHGRAPH_NEO4J_USER"),
        password=os.environ.get("ARCHGRAPH_NEO4J_PASSWORD"),
    )


def rescan_part(say: Callable[[str], None], rounds: int = 3, with_neo4j: bool = True) -> Results:
    g = generate(SPEC)
    out: Results = {"files": FILES, "rounds": rounds}
    with tempfile.TemporaryDirectory(prefix="archgraph-rescan-") as tmp:
        sqlite = SQLiteStore(Path(tmp) / "rescan.db")
        out["sqlite"] = measure_store(sqlite, g, rounds)
        sqlite.close()
    s = out["sqlite"]
    say(
        f"rescan: SQLite {s['nodes']} nodes / {s['edges']} edges: 100-file re-scan "
        f"unchanged {s['unchanged_s'] * 1000:.0f} ms, changed {s['changed_s'] * 1000:.0f} ms"
    )
    if not with_neo4j:
        return out
    try:
        with neo4j_uri(say) as uri:
            neo = open_neo4j(uri)
            try:
                out["neo4j"] = n = measure_store(neo, g, rounds)
                n["full_scan_lookup_s"] = full_scan_lookup_s(neo)
            finally:
                neo.close()
    except Exception as exc:  # no Java, no jars: say so and go on
        say(f"rescan: Neo4j skipped: {exc}")
        out["neo4j"] = {"error": str(exc)}
        return out
    out["ratio_unchanged"] = n["unchanged_s"] / s["unchanged_s"]
    out["ratio_changed"] = n["changed_s"] / s["changed_s"]
    say(
        f"rescan: Neo4j: unchanged {n['unchanged_s'] * 1000:.0f} ms "
        f"({out['ratio_unchanged']:.1f}x SQLite), changed {n['changed_s'] * 1000:.0f} ms "
        f"({out['ratio_changed']:.1f}x SQLite); the 100 lookups without the index "
        f"took {n['full_scan_lookup_s'] * 1000:.0f} ms"
    )
    return out


def report_lines(results: dict[str, Any]) -> list[str]:
    """The section of ``docs/benchmarks.md`` (``bench/report.py``)."""
    r = results.get("rescan")
    if not r:
        return []
    s = r["sqlite"]
    lines = [
        "",
        "## Re-scan of 100 files (source index)",
        "",
        f"{s['nodes']:,} nodes, {s['edges']:,} edges; 100 sources each asserting a few "
        "elements (`bench/rescan.py`); median of "
        f"{r['rounds']} `replace_sources` calls of all 100 files.",
        "",
        "| store | unchanged re-scan | changed re-scan |",
        "|---|---|---|",
        f"| SQLite | {s['unchanged_s'] * 1000:.0f} ms | {s['changed_s'] * 1000:.0f} ms |",
    ]
    n = r.get("neo4j") or {}
    if "unchanged_s" in n:
        lines += [
            f"| Neo4j | {n['unchanged_s'] * 1000:.0f} ms ({r['ratio_unchanged']:.1f}x) "
            f"| {n['changed_s'] * 1000:.0f} ms ({r['ratio_changed']:.1f}x) |",
            "",
            "Without the index, finding what the 100 sources asserted took "
            f"{n['full_scan_lookup_s'] * 1000:.0f} ms on Neo4j on the same graph.",
        ]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="100-file re-scan, SQLite and Neo4j")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-neo4j", action="store_true")
    args = parser.parse_args(argv)
    log(f"machine: {machine()}")
    print(json.dumps(rescan_part(log, args.rounds, not args.skip_neo4j), indent=2))


if __name__ == "__main__":
    main()
