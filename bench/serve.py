"""Every core: ``archgraph serve --workers 1`` against ``--workers 2`` under load.

``python -m bench.serve`` (alone: builds the 200k-edge portfolio first) or
:func:`serve_part` from ``bench/run.py``. For each worker count, a real
``archgraph serve --workers N`` (child process) over a copy of the SQLite
file, ready once every worker's ``/readyz`` is 200 (each worker built its
projection); then 1, 4 and 16 clients, each its own process with one
keep-alive httpx connection, post ``POST /api/v1/impact`` on seeded random
targets for a fixed time. Reported: throughput (requests/s), latency
p50/p95/p99, the resident memory of each worker, and the figure the issue
asks for: throughput at 4 clients over throughput at 1 client with 2
workers (its floor is the 1-client run of the same server, same run).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.generate import Spec, generate
from bench.measure import REPO, Results, log, machine, percentiles
from graph.storage import SQLiteStore

WORKERS = (1, 2)
CLIENTS = (1, 4, 16)
SECONDS = 10.0  # measured time per (workers, clients)


def _targets(components: list[str], apis: list[str], n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)  # noqa: S311 (seeded, reproducible targets)
    pool = components + apis
    return [rnd.choice(pool) for _ in range(n)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _client(url: str, targets: list[str], ready: Any, go: Any, stop_at: Any, out: Any) -> None:
    """One client process: one keep-alive connection, requests back to back."""
    samples: list[float] = []
    errors = 0
    with httpx.Client(base_url=url, timeout=120.0) as client:
        client.get("/readyz")  # connected before the clock starts
        ready.put(os.getpid())
        go.wait()
        i = 0
        while time.time() < stop_at.value:
            target = targets[i % len(targets)]
            i += 1
            started = time.perf_counter()
            response = client.post("/api/v1/impact", json={"targets": [target]})
            samples.append(time.perf_counter() - started)
            errors += response.status_code != 200
    out.put((samples, errors))


def _load(url: str, targets: list[str], clients: int, seconds: float) -> Results:
    """*clients* processes, all connected first, then released together for *seconds*."""
    ctx = multiprocessing.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    stop_at = ctx.Value("d", 0.0)
    procs = [
        ctx.Process(target=_client, args=(url, targets[i::clients], ready, go, stop_at, out))
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=600)
    stop_at.value = time.time() + seconds
    go.set()
    results = [out.get(timeout=seconds + 600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    samples = [s for r in results for s in r[0]]
    return {
        "clients": clients,
        "requests": len(samples),
        "errors": sum(r[1] for r in results),
        "throughput_rps": len(samples) / seconds,
        "latency_ms": percentiles(samples),
    }


def _wait_ready(url: str, workers: int, timeout: float = 900.0) -> set[int]:
    """Until every worker's /readyz is 200 (fresh connections reach different workers)."""
    pids: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(pids) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(pids)} of {workers} workers became ready")
        try:
            response = httpx.get(f"{url}/readyz", timeout=10.0)
            if response.status_code == 200:
                pids.add(int(response.json()["pid"]))
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return pids


def _one_server(
    data_dir: Path, workers: int, targets: list[str], say: Callable[[str], None]
) -> Results:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ARCHGRAPH_ANONYMOUS_READ": "true", "ARCHGRAPH_LOAD_EXAMPLE": "false"}
    command = [sys.executable, "-m", "app.cli", "--data-dir", str(data_dir), "serve"]
    server = subprocess.Popen(
        [*command, "--workers", str(workers), "--port", str(port), "--log-level", "warning"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        started = time.perf_counter()
        pids = _wait_ready(url, workers)
        out: Results = {"workers": workers, "ready_s": time.perf_counter() - started}
        with httpx.Client(base_url=url, timeout=120.0) as client:  # warm the code paths
            for t in targets[:20]:
                client.post("/api/v1/impact", json={"targets": [t]}).raise_for_status()
        out["runs"] = []
        for clients in CLIENTS:
            run = _load(url, targets, clients, SECONDS)
            out["runs"].append(run)
            lat = run["latency_ms"]
            say(
                f"serve --workers {workers}, {clients:>2} clients: "
                f"{run['throughput_rps']:.1f} req/s, p50 {lat['p50']:.1f} ms, "
                f"p95 {lat['p95']:.1f} ms, p99 {lat['p99']:.1f} ms, errors {run['errors']}"
            )
        out["worker_rss_mb"] = sorted(_rss_mb(pid) for pid in pids)
        say(f"serve --workers {workers}: RSS per worker {out['worker_rss_mb']} MB")
        return out
    finally:
        server.terminate()
        server.wait(timeout=60)


def serve_part(db: str | Path, targets: list[str], say: Callable[[str], None]) -> Results:
    """Measure ``serve --workers 1`` and ``--workers 2`` over a copy of the SQLite file *db*."""
    with tempfile.TemporaryDirectory(prefix="archgraph-serve-") as tmp:
        data_dir = Path(tmp)
        with sqlite3.connect(db) as conn:  # everything in the main file before the copy
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(db, data_dir / "archgraph.db")
        servers = [_one_server(data_dir, w, targets, say) for w in WORKERS]
    two = next(s for s in servers if s["workers"] == 2)
    by_clients = {r["clients"]: r["throughput_rps"] for r in two["runs"]}
    ratio = by_clients[4] / by_clients[1]
    say(f"serve --workers 2: throughput at 4 clients / 1 client = {ratio:.2f} (target >= 1.7)")
    return {
        "seconds_per_run": SECONDS,
        "cores": os.cpu_count(),
        "servers": servers,
        "scaling_4_over_1_workers_2": ratio,
    }


def main() -> None:
    results: Results = {"machine": machine()}
    log(f"machine: {results['machine']}")
    with tempfile.TemporaryDirectory(prefix="archgraph-bench-serve-") as tmp:
        g = generate(Spec())
        log(f"generated {len(g.nodes)} nodes, {len(g.edges)} edges")
        db = Path(tmp) / "bench.db"
        store = SQLiteStore(db)
        store.import_records(list(g.node_records()), list(g.edge_records()))
        store.close()
        targets = _targets(g.components, g.apis, 1000, seed=7)
        del g
        results["serve"] = serve_part(db, targets, log)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
