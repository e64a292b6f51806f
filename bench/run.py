"""The impact benchmark: ``make bench`` (``python -m bench.run``).

In one run, on the seeded synthetic portfolio of :mod:`bench.generate`
(200 products, 20,000 components, 5,000 APIs, 200,000 edges):

1. projection build time from SQLite, and from Neo4j when one is available
   (``ARCHGRAPH_NEO4J_URI``, else the test launcher in ``tests/neo4j``);
2. warm impact latency in process and over HTTP (a uvicorn server in a child
   process, the client here), p50 / p95 / p99 over ``--queries`` random targets;
3. memory: the projection's retained size and the build's peak, each measured
   in a fresh child process; and the same for a 1,000,000-edge portfolio;
4. on Neo4j, the affected sets of a hand-written Cypher variable-length query
   for the same targets: equal or not, and how much slower;
5. the engine against its floor (:mod:`bench.engine`): the walk and
   ``impact()`` + JSON against a scipy breadth-first search over the same
   relation, per target, on ``--engine-targets`` uniform targets and the 20
   top platform components, with the answers compared to the reference walk;
6. freshness (:mod:`bench.freshness`): the first impact answer after a
   single-element and a 100-source write, beside a full rebuild, on SQLite
   and on Neo4j (with Neo4j's cold start).

Results print as they come and, with ``--write``, go to ``docs/benchmarks.md``.
Timings are wall-clock; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import rebuild
from bench.engine import engine_part
from bench.freshness import freshness
from bench.freshness import neo4j_part as freshness_neo4j_part
from bench.freshness import report_lines as freshness_lines
from bench.generate import Spec, generate
from bench.measure import (
    REPO,
    Results,
    format_builds,
    log,
    machine,
    peak_rss_mb,
    percentiles,
    rss_mb,
    run_child,
)
from bench.report import write_report
from bench.rescan import rescan_part
from bench.scan import scan_lines, scan_part
from bench.serve import serve_part
from bench.storecost import storecost_part
from graph.analysis import Projection, build_projection, impact, walk_change
from graph.storage import GraphStore, SQLiteStore
from schemas.analysis import ImpactRequest


def targets_for(g_components: list[str], g_apis: list[str], n: int, seed: int) -> list[str]:
    """*n* random targets, uniform over components and APIs."""
    rnd = random.Random(seed)  # noqa: S311 (seeded, reproducible targets)
    pool = g_components + g_apis
    return [rnd.choice(pool) for _ in range(n)]


# ----------------------------------------------------------------- children


def child_main(argv: list[str]) -> None:
    """Child modes: measured in a fresh process, so memory figures are the projection's own
    and a scan runs in a process holding nothing else, as ``archgraph scan`` does."""
    mode = argv[0]
    if mode == "build-sqlite":
        store: GraphStore = SQLiteStore(argv[1])
        floor = rows_floor(argv[1])
        out = _measure_build(store, traced="--traced" in argv)
        out.update(floor)
        print(json.dumps(out))
    elif mode == "build-only":  # peak RSS of the build alone (no floor read in the process)
        print(json.dumps(_measure_build(SQLiteStore(argv[1]))))
    elif mode == "build-neo4j":
        from graph.storage.neo4j_store import Neo4jStore

        store = Neo4jStore(argv[1])
        print(json.dumps(_measure_build(store)))
        store.close()
    elif mode == "load-sqlite":
        scale = float(argv[2])
        g = generate(Spec().scaled(scale))
        started = time.perf_counter()
        sqlite = SQLiteStore(argv[1])
        sqlite.import_records(list(g.node_records()), list(g.edge_records()))
        print(json.dumps({"seconds": time.perf_counter() - started, "edges": len(g.edges)}))
    elif mode == "serve":
        _serve(argv[1], int(argv[2]))
    elif mode == "scan":  # as `archgraph scan` runs: in a process holding nothing else
        print(json.dumps(scan_part(lambda _line: None)))
    else:
        raise SystemExit(f"unknown child mode {mode}")


def rows_floor(db: str) -> Results:
    """The floor of a rebuild: the same rows the projection reads, fetched into lists
    (element ref, kind and properties text; edge ends, type and properties text),
    nothing decoded. CPU seconds, like the build's ``cpu_seconds``."""
    conn = sqlite3.connect(db)
    started = time.process_time()
    nodes = conn.execute("SELECT ref, kind, props FROM nodes ORDER BY ref").fetchall()
    edges = conn.execute(
        "SELECT from_ref, type, to_ref, props FROM edges ORDER BY from_ref, type, to_ref"
    ).fetchall()
    seconds = time.process_time() - started
    conn.close()
    return {"rows_cpu_seconds": seconds, "rows": len(nodes) + len(edges)}


def _measure_build(store: GraphStore, traced: bool = False) -> Results:
    """Build once and measure time and RSS; with *traced*, build again under tracemalloc
    to get the bytes the projection itself keeps (RSS keeps freed arenas, so it overstates)."""
    gc.collect()
    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    p = build_projection(store)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    gc.collect()
    after = rss_mb()
    out = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rss_before_mb": before,
        "retained_mb": after - before,
        "peak_rss_mb": peak_rss_mb(),
        "nodes": p.node_count,
        "edges": p.edge_count,
        "version": p.version,
    }
    if traced:
        import tracemalloc

        del p
        gc.collect()
        tracemalloc.start()
        p = build_projection(store)
        gc.collect()
        out["projection_mb"] = tracemalloc.get_traced_memory()[0] / 1e6
        out["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return out


# ----------------------------------------------------------------------- HTTP


def _serve(db: str, port: int) -> None:
    """Serve the app over *db* on *port*: the real ``POST /api/v1/impact`` when the app
    has it, else a route of the same shape mounted here (``return impact(projection, request)``).
    """
    import uvicorn
    from fastapi import APIRouter

    from app.main import create_app
    from app.settings import Settings
    from graph.analysis import ProjectionCache
    from schemas.analysis import ImpactResult

    store = SQLiteStore(db)
    with tempfile.TemporaryDirectory() as data:
        app = create_app(Settings(data_dir=Path(data), anonymous_read=True), store=store)
        cache = ProjectionCache(store)
        router = APIRouter()

        @router.post("/bench/impact", response_model=ImpactResult)
        def bench_impact(request: ImpactRequest) -> ImpactResult:
            return impact(cache.get(), request)

        app.include_router(router)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def http_latency(db: str, targets: list[str]) -> Results:
    import httpx

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.run", "--child", "serve", db, str(port)], cwd=REPO
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(600):
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            path = "/api/v1/impact"
            probe = client.post(path, json={"targets": [targets[0]]})
            route = "real"
            if probe.status_code != 200:
                path, route = "/bench/impact", "mounted by the benchmark, same handler"
                probe = client.post(path, json={"targets": [targets[0]]})
                probe.raise_for_status()
            for t in targets[:50]:  # warm up: projection built, code paths hot
                client.post(path, json={"targets": [t]}).raise_for_status()
            samples = []
            sizes = []
            for t in targets:
                started = time.perf_counter()
                response = client.post(path, json={"targets": [t]})
                samples.append(time.perf_counter() - started)
                response.raise_for_status()
                sizes.append(len(response.content))
        return {
            "route": f"POST {path}",
            "route_kind": route,
            "latency_ms": percentiles(samples),
            "response_kb": {
                "p50": sorted(sizes)[len(sizes) // 2] / 1e3,
                "max": max(sizes) / 1e3,
            },
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


# --------------------------------------------------------------------- in process


def in_process_latency(p: Projection, targets: list[str]) -> Results:
    for t in targets[:50]:
        impact(p, ImpactRequest(targets=[t]))
    samples, walks, sizes = [], [], []
    for t in targets:
        request = ImpactRequest(targets=[t])
        started = time.perf_counter()
        walk_change(p, request)
        walks.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = impact(p, request)
        body = result.model_dump_json()
        samples.append(time.perf_counter() - started)
        sizes.append((result.blast_radius.components, result.blast_radius.products, len(body)))
    comps = sorted(s[0] for s in sizes)
    prods = sorted(s[1] for s in sizes)
    return {
        "impact_and_json_ms": percentiles(samples),
        "walk_only_ms": percentiles(walks),
        "affected_components": {"p50": comps[len(comps) // 2], "max": comps[-1]},
        "affected_products": {"p50": prods[len(prods) // 2], "max": prods[-1]},
    }


@contextmanager
def timed(results: Results, key: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    results[key] = time.perf_counter() - started


# -------------------------------------------------------------------------- main


def run(args: argparse.Namespace) -> Results:
    results: Results = {"machine": machine(), "spec": vars(Spec()), "queries": args.queries}
    log(f"machine: {results['machine']}")
    with tempfile.TemporaryDirectory(prefix="archgraph-bench-") as tmp:
        db = str(Path(tmp) / "bench.db")
        with timed(results, "generate_s"):
            g = generate(Spec())
        log(f"generated {len(g.nodes)} nodes, {len(g.edges)} edges in {results['generate_s']:.1f}s")
        nodes, edges = list(g.node_records()), list(g.edge_records())
        store = SQLiteStore(db)
        with timed(results, "sqlite_load_s"):
            store.import_records(nodes, edges)
        log(f"SQLite: loaded in {results['sqlite_load_s']:.1f}s")
        results["sqlite_build"] = [run_child(["build-sqlite", db]) for _ in range(2)]
        results["sqlite_build"].append(run_child(["build-sqlite", db, "--traced"]))
        log(f"SQLite: projection build {format_builds(results['sqlite_build'])}")
        results["rebuild"] = {"ratio": rebuild.ratio(db, log)}
        targets = targets_for(g.components, g.apis, args.queries, seed=7)

        p = build_projection(store)
        results["in_process"] = in_process_latency(p, targets)
        log(f"in process: {json.dumps(results['in_process'])}")
        if args.engine_targets:
            uniform = targets_for(g.components, g.apis, args.engine_targets, seed=11)
            results["engine"] = engine_part(p, uniform, log)
        results["scan"] = run_child(["scan"])
        for line in scan_lines(results["scan"]):
            log(line)
        if not args.skip_http:
            try:
                results["http"] = http_latency(db, targets)
                log(f"HTTP: {json.dumps(results['http'])}")
            except Exception as exc:  # the app may not be importable yet
                results["http"] = {"error": f"{type(exc).__name__}: {exc}"}
                log(f"HTTP: skipped: {results['http']['error']}")
            results["serve"] = serve_part(db, targets, log)  # serve --workers 1 vs 2
        if not args.skip_neo4j:
            from bench.cypher import neo4j_part

            results["neo4j"] = neo4j_part(p, nodes, edges, targets[: args.cypher_queries], log)
        store.close()
        if args.fresh_rounds:
            results["freshness"] = freshness(db, args.fresh_rounds, g=g)
            log("freshness:\n" + "\n".join(freshness_lines(results["freshness"])))
            if not args.skip_neo4j:
                results["freshness_neo4j"] = freshness_neo4j_part(g, args.fresh_rounds, log)
        del p, g, nodes, edges
        gc.collect()
        results["rescan"] = rescan_part(log, with_neo4j=not args.skip_neo4j)
        results["storecost"] = storecost_part(log)
        gc.collect()
        if not args.skip_million:
            results["million"] = million(Path(tmp), log)
            results["rebuild"]["curve"] = rebuild.memory_curve(Path(tmp), (5, 10), log)
    return results


def million(folder: Path, say: Callable[[str], None]) -> Results:
    out: Results = {}
    db, load = rebuild.database(folder, 5, say)  # kept for the rebuild's memory curve
    out["edges"] = load["edges"]
    out["sqlite_load_s"] = load["seconds"]
    say(f"1M: loaded {load['edges']} edges into SQLite in {load['seconds']:.0f}s")
    out["sqlite_build"] = run_child(["build-sqlite", str(db), "--traced"])
    say(f"1M: projection build {format_builds([out['sqlite_build']])}")
    return out


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    logging.getLogger("neo4j").setLevel(logging.ERROR)  # schema notices on an empty database
    if argv and argv[0] == "--child":
        child_main(argv[1:])
        return
    parser = argparse.ArgumentParser(description="archgraph impact benchmark")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--cypher-queries", type=int, default=100)
    parser.add_argument(
        "--engine-targets",
        type=int,
        default=1000,
        help="uniform targets of the floor part (0: skip)",
    )
    parser.add_argument(
        "--fresh-rounds", type=int, default=12, help="writes per freshness figure (0: skip)"
    )
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-neo4j", action="store_true")
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--json", type=Path, help="also save the raw results here")
    args = parser.parse_args(argv)
    results = run(args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if args.write:
        write_report(results, REPO / "docs" / "benchmarks.md")
        log("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
