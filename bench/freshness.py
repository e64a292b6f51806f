"""Freshness: the first impact answer after a write, delta against a full rebuild.

On the seeded 200,000-edge portfolio of :mod:`bench.generate`, in SQLite and
in Neo4j: after a single-element write (one component's name changed) and
after a 100-source write (``replace_sources`` of 100 sources, each a new
component part of a product, depending on one component and consuming one
API), the time from the write's return to the answer of one impact
question, p50 / p95 over ``--rounds``; side by side with a full rebuild
(build, settle, the same question). Ratios are the rebuild's time over the
delta path's; targets (issue 8): 50 ms p95 after a single-element write, 500
ms after a 100-source write. On Neo4j also the **cold start**: in a fresh
process, the time from ``create_app`` over the loaded database to the answer
of the first ``POST /api/v1/impact`` (target 5 s), and that process's whole
life (imports included). Run alone: ``python -m bench.freshness [--db PATH]
[--store sqlite|neo4j|both]`` (Neo4j from ``ARCHGRAPH_NEO4J_URI``, else the
test launcher in ``tests/neo4j``); ``make bench`` runs it on its SQLite
database and on Neo4j (:mod:`bench.run`).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.generate import Portfolio, Spec, generate
from bench.measure import REPO, Results, log, machine, percentiles
from bench.rescan import load_bulk, neo4j_uri, open_neo4j
from graph.analysis import ProjectionCache, build_projection, impact
from graph.analysis.cache import settle
from graph.storage import GraphStore, SQLiteStore
from schemas.analysis import ImpactRequest
from schemas.facts import EdgeData, NodeData


def _ask(cache: ProjectionCache, target: str) -> float:
    started = time.perf_counter()
    impact(cache.get(), ImpactRequest(targets=[target], change_type="outage"))
    return time.perf_counter() - started


#: p95 targets of issue 8, ms: the first answer after a single-element / 100-source write
TARGETS_MS = {"single": 50.0, "batch100": 500.0}


def freshness(db: str, rounds: int = 20, seed: int = 7, g: Portfolio | None = None) -> Results:
    """The figures on the SQLite file *db* (loaded with *g*, or generated, when empty)."""
    g = g or generate(Spec())
    if not Path(db).exists() or SQLiteStore(db).counts()[1] == 0:
        SQLiteStore(db).import_records(list(g.node_records()), list(g.edge_records()))
    store = SQLiteStore(db)
    try:
        return measure(store, g, rounds, seed)
    finally:
        store.close()


def measure(store: GraphStore, g: Portfolio, rounds: int, seed: int = 7) -> Results:
    """Writes and first answers on *store*, which holds *g*."""
    rnd = random.Random(seed)  # noqa: S311 (seeded, reproducible)
    products = sorted(r for r in g.nodes if r.startswith("product:"))
    cache = ProjectionCache(store)
    _ask(cache, g.components[0])
    single: list[float] = []
    for i in range(rounds):
        ref = rnd.choice(g.components)
        store.upsert_node(NodeData(ref, {"name": f"renamed {i}"}), source="bench")
        single.append(_ask(cache, rnd.choice(g.components)))
    batch: list[float] = []
    for i in range(max(3, rounds // 4)):
        sources = {}
        for k in range(100):
            ref = f"component:fresh-{seed}-{i}-{k}"
            sources[f"bench:{seed}-{i}/{k}"] = (
                [NodeData(ref, {"name": f"fresh {k}"})],
                [
                    EdgeData(ref, "PART_OF", rnd.choice(products)),
                    EdgeData(ref, "DEPENDS_ON", rnd.choice(g.components)),
                    EdgeData(ref, "CONSUMES", rnd.choice(g.apis)),
                ],
            )
        store.replace_sources(sources)
        batch.append(_ask(cache, rnd.choice(g.components)))
    rebuild: list[float] = []
    for _ in range(3):
        started = time.perf_counter()
        p = build_projection(store)
        settle(p)
        impact(p, ImpactRequest(targets=[rnd.choice(g.components)], change_type="outage"))
        rebuild.append(time.perf_counter() - started)
    return {
        "fresh_single_ms": percentiles(single),
        "fresh_batch100_ms": percentiles(batch),
        "fresh_rebuild_ms": percentiles(rebuild),
        "fresh_deltas": cache.deltas,
        "fresh_builds": cache.builds,
        "fresh_targets_ms": TARGETS_MS,
    }


#: issue 8: a cold start on Neo4j gives its first answer within this many seconds
COLD_START_TARGET_S = 5.0


def freshness_neo4j(
    uri: str, rounds: int = 20, seed: int = 7, g: Portfolio | None = None, cold_starts: int = 2
) -> Results:
    """The same figures on the Neo4j at *uri* (loaded with *g* when empty), and its cold start."""
    g = g or generate(Spec())
    store = open_neo4j(uri)
    try:
        if store.counts()[1] == 0:
            started = time.perf_counter()
            try:
                store.import_records(list(g.node_records()), list(g.edge_records()))
            except Exception as exc:  # the server's transaction memory: load in chunks
                log(f"freshness: Neo4j import failed ({exc}); loading in chunks")
                load_bulk(store, g)
            log(f"freshness: Neo4j loaded in {time.perf_counter() - started:.0f}s")
        cold = [cold_start(uri, g.components[k]) for k in range(cold_starts)]
        out = measure(store, g, rounds, seed)
        out["fresh_cold_start"] = cold
        out["fresh_cold_target_s"] = COLD_START_TARGET_S
        out["fresh_edges"] = store.counts()[1]
        return out
    finally:
        store.close()


def cold_start(uri: str, target: str) -> Results:
    """A fresh process: ``create_app`` over Neo4j at *uri*, then the first impact answer."""
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-m", "bench.freshness", "--cold-child", uri, target],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    out: Results = json.loads(child.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - started
    return out


def _cold_child(uri: str, target: str) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    with tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=Path(data), neo4j_uri=uri, anonymous_read=True)
        started = time.perf_counter()
        app = create_app(settings)
        with TestClient(app) as client:
            response = client.post("/api/v1/impact", json={"targets": [target]})
            answer_s = time.perf_counter() - started
            response.raise_for_status()
            builds = app.state.projections.builds
    print(json.dumps({"first_answer_s": answer_s, "builds": builds}))


def main() -> None:
    if sys.argv[1:2] == ["--cold-child"]:
        logging.getLogger("neo4j").setLevel(logging.ERROR)
        _cold_child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an SQLite file to reuse (made when missing)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--store", choices=("sqlite", "neo4j", "both"), default="both")
    args = parser.parse_args()
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    log(f"machine: {machine()}")
    g = generate(Spec())
    results: Results = {}
    if args.store in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results["freshness"] = freshness(
                args.db or str(Path(tmp) / "fresh.db"), args.rounds, g=g
            )
        print("\n".join(report_lines(results["freshness"])))
    if args.store in ("neo4j", "both"):
        results["freshness_neo4j"] = neo4j_part(g, args.rounds, log)
        print("\n".join(neo4j_report_lines(results)))
    print(json.dumps(results, indent=1))


def neo4j_part(g: Portfolio, rounds: int, say: Callable[[str], None]) -> Results:
    """:func:`freshness_neo4j` on ``ARCHGRAPH_NEO4J_URI`` or the test launcher's Neo4j."""
    try:
        with neo4j_uri(say) as uri:
            return freshness_neo4j(uri, rounds, g=g)
    except Exception as exc:  # no Java, no jars: say so and go on
        say(f"freshness: Neo4j skipped: {exc}")
        return {"error": str(exc)}


def neo4j_report_lines(results: dict[str, Any]) -> list[str]:
    """The Neo4j section of ``docs/benchmarks.md`` (``bench/report.py``)."""
    r = results.get("freshness_neo4j")
    if not r:
        return []
    if "error" in r:
        return ["", "## Fresh answers after a write: Neo4j", "", f"Not measured: {r['error']}"]
    cold = r["fresh_cold_start"]
    worst = max(c["first_answer_s"] for c in cold)
    return [
        "",
        "## Fresh answers after a write: Neo4j",
        "",
        f"The same writes and questions on Neo4j ({r['fresh_edges']:,} edges at the end), "
        "the projection read as one consistent snapshot (optimistic read, "
        "`docs/architecture.md`).",
        "",
        *report_lines(r),
        "",
        "Cold start (a fresh process: `create_app` over the loaded database to the answer "
        "of the first `POST /api/v1/impact`, the projection built once): "
        + ", ".join(f"{c['first_answer_s']:.1f} s (process {c['process_s']:.1f} s)" for c in cold)
        + f"; target {r['fresh_cold_target_s']:.0f} s: "
        + ("met" if worst <= r["fresh_cold_target_s"] else "NOT met")
        + ".",
    ]


def report_lines(r: Results) -> list[str]:
    """The figures as a Markdown table: delta path beside a full rebuild, ratios, targets."""
    rebuild = r["fresh_rebuild_ms"]
    lines = [
        "| first impact answer after | p50 ms | p95 ms | rebuild / delta (p50) "
        "| target p95 | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, label in (("single", "a single-element write"), ("batch100", "a 100-source write")):
        m, target = r[f"fresh_{key}_ms"], r["fresh_targets_ms"][key]
        lines.append(
            f"| {label} ({m['n']} rounds) | {m['p50']:.0f} | {m['p95']:.0f} "
            f"| {rebuild['p50'] / m['p50']:.0f}x | {target:.0f} ms "
            f"| {'yes' if m['p95'] <= target else 'no'} |"
        )
    lines.append(
        f"| a full rebuild ({rebuild['n']} rounds) | {rebuild['p50']:.0f} | {rebuild['p95']:.0f} "
        "| 1x | | |"
    )
    writes = r["fresh_single_ms"]["n"] + r["fresh_batch100_ms"]["n"]
    held = r["fresh_deltas"] == writes and r["fresh_builds"] == 1
    lines.append(
        f"\nDeltas applied: {r['fresh_deltas']} of {writes} writes, full builds: "
        f"{r['fresh_builds']} ("
        + (
            "the first one only"
            if held
            else "NOT the delta path: the figures above are not what they claim"
        )
        + ")."
    )
    return lines


if __name__ == "__main__":
    main()
