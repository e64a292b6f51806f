"""The Neo4j part of the benchmark: load, projection build, and the Cypher comparison.

The comparison asks Neo4j itself for the affected set of each target:
every element reachable from the target by walking ``DEPENDS_ON``,
``PART_OF``, ``CONSUMES`` and ``SUBSCRIBES`` edges backwards and ``PROVIDES`` /
``PUBLISHES`` edges forwards, which is the impact rule of ``docs/impact.md``
(the synthetic portfolio names no event channels, so channel facets play no
part). The components it returns, target excluded, must equal the components
:func:`graph.analysis.impact.impact` reports.

One variable-length statement cannot say that in Neo4j 5.26: the rule mixes
directions by edge type, quantified path patterns have no alternation, and
the one statement that expresses it (:data:`SINGLE_STATEMENT`, an undirected
step whose direction is checked by a predicate) leaves that predicate
un-inlined, so the planner enumerates undirected paths, and each of the four
targets tried ran into the server's two-minute transaction timeout. So the hand-written query is
:data:`LEVEL_QUERY`, one variable-free hop run server-side per breadth-first
level over the whole frontier, the client keeping the visited set: correct,
well planned, and what a service querying Neo4j directly would do.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from neo4j import Driver

from bench.measure import format_builds, percentiles, run_child
from bench.rescan import BENCH_NEO4J_HEAP
from graph.analysis import Projection, impact, walk_change
from graph.storage import EdgeRecord, NodeRecord
from graph.storage.neo4j_store import Neo4jStore
from schemas.analysis import EVERYTHING, ImpactRequest

LEVEL_QUERY = """
UNWIND $frontier AS ref
MATCH (a:Element {ref: ref})
CALL (a) {
  MATCH (a)<-[:DEPENDS_ON|PART_OF|CONSUMES|SUBSCRIBES]-(b:Component) RETURN b
  UNION
  MATCH (a)-[:PROVIDES|PUBLISHES]->(b:Api) RETURN b
}
RETURN DISTINCT b.ref AS ref
"""

SINGLE_STATEMENT = """
MATCH (t:Element {ref: $ref})
MATCH ANY SHORTEST (t)(
    (a)-[r:DEPENDS_ON|PART_OF|CONSUMES|SUBSCRIBES|PROVIDES|PUBLISHES]-(b)
    WHERE (type(r) IN ['PROVIDES', 'PUBLISHES']) = (startNode(r) = a)
)+(x:Component)
WHERE x <> t
RETURN DISTINCT x.ref AS ref
"""


def cypher_affected(driver: Driver, ref: str) -> tuple[set[str], int]:
    """Components affected by a change to *ref*, by :data:`LEVEL_QUERY`; and the levels."""
    seen = {ref}
    frontier = [ref]
    levels = 0
    while frontier:
        records, _, _ = driver.execute_query(LEVEL_QUERY, frontier=frontier)
        frontier = [r["ref"] for r in records if r["ref"] not in seen]
        seen.update(frontier)
        levels += 1
    return {s for s in seen if s.startswith("component:") and s != ref}, levels


def _uri(log: Callable[[str], None]) -> tuple[str, Any]:
    given = os.environ.get("ARCHGRAPH_NEO4J_URI")
    if given:
        return given, None
    from tests.neo4j.server import Neo4jServer

    server = Neo4jServer(heap=BENCH_NEO4J_HEAP)
    log(f"Neo4j: starting the test server (tests/neo4j, heap {BENCH_NEO4J_HEAP}) ...")
    return server.start(), server


def neo4j_part(
    p: Projection,
    nodes: list[NodeRecord],
    edges: list[EdgeRecord],
    targets: list[str],
    log: Callable[[str], None],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        uri, server = _uri(log)
    except Exception as exc:  # no Java, no jars, no network: say so and go on
        log(f"Neo4j: skipped: {exc}")
        return {"error": str(exc)}
    try:
        store = Neo4jStore(
            uri,
            user=os.environ.get("ARCHGRAPH_NEO4J_USER"),
            password=os.environ.get("ARCHGRAPH_NEO4J_PASSWORD"),
        )
        out["server"] = _server_version(store)
        started = time.perf_counter()
        store.import_records(nodes, edges)
        out["load_s"] = time.perf_counter() - started
        log(f"Neo4j {out['server']}: loaded in {out['load_s']:.0f}s")
        out["build"] = [run_child(["build-neo4j", uri]) for _ in range(2)]
        log(f"Neo4j: projection build {format_builds(out['build'])}")
        out["cypher"] = compare_cypher(store, p, targets, log, percentiles)
        store.close()
    finally:
        if server is not None:
            server.stop()
    return out


def _server_version(store: Neo4jStore) -> str:
    records, _, _ = store._driver.execute_query(
        "CALL dbms.components() YIELD name, versions, edition "
        "RETURN name + ' ' + versions[0] + ' ' + edition AS v"
    )
    return str(records[0]["v"])


def compare_cypher(
    store: Neo4jStore,
    p: Projection,
    targets: list[str],
    log: Callable[[str], None],
    percentiles: Callable[[list[float]], dict[str, float]],
) -> dict[str, Any]:
    """Time the Cypher query and the engine on the same targets; count set agreement."""
    driver = store._driver
    for t in targets[:5]:  # warm the page cache and the query plan
        cypher_affected(driver, t)
    cypher_s: list[float] = []
    engine_s: list[float] = []
    walk_s: list[float] = []
    levels: list[int] = []
    same = 0
    mismatches: list[str] = []
    for t in targets:
        started = time.perf_counter()
        cypher_set, depth = cypher_affected(driver, t)
        cypher_s.append(time.perf_counter() - started)
        levels.append(depth)
        # every affected component listed: the sets are compared
        request = ImpactRequest(targets=[t], max_components=1_000_000, max_listed=EVERYTHING)
        started = time.perf_counter()
        walk_change(p, request)
        walk_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = impact(p, request)
        result.model_dump_json()
        engine_s.append(time.perf_counter() - started)
        ours = {ref for g in result.components_by_depth for ref in (*g.hard, *g.soft)}
        if ours == cypher_set:
            same += 1
        elif len(mismatches) < 5:
            mismatches.append(f"{t}: engine {len(ours)}, cypher {len(cypher_set)}")
    ratio = statistics.median(cypher_s) / statistics.median(engine_s)
    cypher_ms = statistics.median(cypher_s) * 1000
    engine_ms = statistics.median(engine_s) * 1000
    log(
        f"Cypher: {same}/{len(targets)} identical sets; median {cypher_ms:.1f} ms "
        f"vs engine {engine_ms:.1f} ms (x{ratio:.1f})"
    )
    return {
        "query": LEVEL_QUERY.strip(),
        "single_statement": SINGLE_STATEMENT.strip(),
        "levels_median": statistics.median(levels),
        "targets": len(targets),
        "identical_sets": same,
        "mismatches": mismatches,
        "cypher_ms": percentiles(cypher_s),
        "engine_impact_ms": percentiles(engine_s),
        "engine_walk_ms": percentiles(walk_s),
        "median_ratio": ratio,
        "total_ratio": sum(cypher_s) / sum(engine_s),
    }
