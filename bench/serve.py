"""Every core: ``archgraph serve --workers 1`` against ``--workers 2`` under load.

``python -m bench.serve`` (alone: builds the 200k-edge portfolio first, or
reuses a SQLite file given with ``--db``) or :func:`serve_part` from
``bench/run.py``. For each worker count, a real ``archgraph serve --workers
N`` (child process) over a copy of the SQLite file, ready once every
worker's ``/readyz`` is 200 (each worker built its projection); then 1, 4
and 16 clients, each its own process, post ``POST /api/v1/impact`` on seeded
random targets for a fixed time.

The clients share the machine's cores with the server, so they are made as
light as the standard library allows: one keep-alive ``http.client``
connection each and request bodies encoded before the clock starts (an httpx
client cost about as much CPU per request as the server's answer). What they
still cost is measured, not guessed: each run reports the CPU share (of all
cores, over the run) of the clients, of the server's processes and of
everything else on the machine (``/proc/stat`` minus the first two), the
server's CPU milliseconds per request, and how the clients' connections fell
on the workers (each client asks ``/readyz``, which names the worker's pid,
on its connection first, and again after the clock stops) and how often
the server closed a connection to move it to another worker (``reconnects``:
responses with ``Connection: close``, after which ``http.client`` opens a new
connection by itself; ``app/balance.py``).

Reported: throughput (requests/s), latency p50/p95/p99, the resident memory
of each worker, and the figure the issue asks for: throughput at 4 clients
over throughput at 1 client with 2 workers (its floor is the 1-client run of
the same server, same run).
"""

from __future__ import annotations

import argparse
import http.client
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
from collections import Counter
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
PATH = "/api/v1/impact"
HEADERS = {"Content-Type": "application/json"}
TICK = os.sysconf("SC_CLK_TCK")


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


def _process_cpu_s(pid: int) -> float:
    """User + system CPU seconds process *pid* has used (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _machine_busy_s() -> float:
    """CPU seconds every core of the machine has spent busy (``/proc/stat``)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICK  # guest time is already in user


def _bodies(targets: list[str]) -> list[bytes]:
    return [json.dumps({"targets": [t]}).encode() for t in targets]


def _client(port: int, bodies: list[bytes], ready: Any, go: Any, stop_at: Any, out: Any) -> None:
    """One client process: one keep-alive connection, requests back to back."""
    samples: list[float] = []
    errors = reconnects = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120.0)
    conn.request("GET", "/readyz")  # connected before the clock starts
    worker = json.loads(conn.getresponse().read())["pid"]
    ready.put(worker)
    go.wait()
    cpu_started = time.process_time()
    i = 0
    while time.time() < stop_at.value:
        body = bodies[i % len(bodies)]
        i += 1
        started = time.perf_counter()
        conn.request("POST", PATH, body=body, headers=HEADERS)
        response = conn.getresponse()
        response.read()
        samples.append(time.perf_counter() - started)
        errors += response.status != 200
        reconnects += response.will_close  # the server moves it: the next request reconnects
    cpu = time.process_time() - cpu_started
    conn.request("GET", "/readyz")  # where the connection sits at the end
    worker_at_end = json.loads(conn.getresponse().read())["pid"]
    conn.close()
    out.put((samples, errors, cpu, reconnects, worker_at_end))


def _load(port: int, bodies: list[bytes], clients: int, seconds: float, pids: list[int]) -> Results:
    """*clients* processes, all connected first, then released together for *seconds*;
    *pids* are the server's processes (with one worker, uvicorn serves in the main one)."""
    ctx = multiprocessing.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    stop_at = ctx.Value("d", 0.0)
    procs = [
        ctx.Process(target=_client, args=(port, bodies[i::clients], ready, go, stop_at, out))
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    workers = Counter(ready.get(timeout=600) for _ in procs)
    server_cpu, busy = sum(_process_cpu_s(p) for p in pids), _machine_busy_s()
    stop_at.value = time.time() + seconds
    go.set()
    results = [out.get(timeout=seconds + 600) for _ in procs]
    server_cpu = sum(_process_cpu_s(p) for p in pids) - server_cpu
    busy = _machine_busy_s() - busy
    for p in procs:
        p.join(timeout=60)
    samples = [s for r in results for s in r[0]]
    client_cpu = sum(r[2] for r in results)
    capacity = seconds * (os.cpu_count() or 1)
    return {
        "clients": clients,
        "requests": len(samples),
        "errors": sum(r[1] for r in results),
        "throughput_rps": len(samples) / seconds,
        "latency_ms": percentiles(samples),
        "connections_per_worker": sorted(workers.values(), reverse=True),
        "connections_per_worker_at_end": sorted(
            Counter(r[4] for r in results).values(), reverse=True
        ),
        "reconnects": sum(r[3] for r in results),
        "server_cpu_ms_per_request": server_cpu * 1000 / max(1, len(samples)),
        "client_cpu_ms_per_request": client_cpu * 1000 / max(1, len(samples)),
        "cpu_share": {  # of all cores over the run
            "server": server_cpu / capacity,
            "clients": client_cpu / capacity,
            "other": max(0.0, busy - server_cpu - client_cpu) / capacity,
        },
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


def _say_run(workers: int, run: Results, say: Callable[[str], None]) -> None:
    lat, cpu = run["latency_ms"], run["cpu_share"]
    say(
        f"serve --workers {workers}, {run['clients']:>2} clients: "
        f"{run['throughput_rps']:.1f} req/s, p50 {lat['p50']:.1f} ms, "
        f"p95 {lat['p95']:.1f} ms, p99 {lat['p99']:.1f} ms, errors {run['errors']}; "
        f"CPU share server {cpu['server']:.0%}, clients {cpu['clients']:.0%}, "
        f"other {cpu['other']:.0%}; server {run['server_cpu_ms_per_request']:.2f} ms CPU/request, "
        f"client {run['client_cpu_ms_per_request']:.2f}; connections per worker "
        f"{run['connections_per_worker']} at the start, "
        f"{run['connections_per_worker_at_end']} at the end, {run['reconnects']} reconnects"
    )


def _one_server(
    data_dir: Path, workers: int, bodies: list[bytes], say: Callable[[str], None]
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
            for body in bodies[:20]:
                client.post(PATH, content=body, headers=HEADERS).raise_for_status()
        out["runs"] = []
        for clients in CLIENTS:
            run = _load(port, bodies, clients, SECONDS, sorted({server.pid, *pids}))
            out["runs"].append(run)
            _say_run(workers, run, say)
        out["worker_rss_mb"] = sorted(_rss_mb(pid) for pid in pids)
        say(f"serve --workers {workers}: RSS per worker {out['worker_rss_mb']} MB")
        return out
    finally:
        server.terminate()
        server.wait(timeout=60)


def serve_part(db: str | Path, targets: list[str], say: Callable[[str], None]) -> Results:
    """Measure ``serve --workers 1`` and ``--workers 2`` over a copy of the SQLite file *db*."""
    bodies = _bodies(targets)
    with tempfile.TemporaryDirectory(prefix="archgraph-serve-") as tmp:
        data_dir = Path(tmp)
        with sqlite3.connect(db) as conn:  # everything in the main file before the copy
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(db, data_dir / "archgraph.db")
        servers = [_one_server(data_dir, w, bodies, say) for w in WORKERS]
    two = next(s for s in servers if s["workers"] == 2)
    by_clients = {r["clients"]: r["throughput_rps"] for r in two["runs"]}
    ratio = by_clients[4] / by_clients[1]
    say(f"serve --workers 2: throughput at 4 clients / 1 client = {ratio:.2f} (target >= 1.7)")
    return {
        "seconds_per_run": SECONDS,
        "cores": os.cpu_count(),
        "client": "http.client",
        "servers": servers,
        "scaling_4_over_1_workers_2": ratio,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="serve --workers 1 and 2 under load")
    parser.add_argument(
        "--db", type=Path, help="an SQLite file holding the benchmark portfolio (built if absent)"
    )
    args = parser.parse_args(argv)
    results: Results = {"machine": machine()}
    log(f"machine: {results['machine']}")
    with tempfile.TemporaryDirectory(prefix="archgraph-bench-serve-") as tmp:
        g = generate(Spec())
        targets = _targets(g.components, g.apis, 1000, seed=7)
        db = args.db or Path(tmp) / "bench.db"
        if not db.exists():
            log(f"generated {len(g.nodes)} nodes, {len(g.edges)} edges")
            store = SQLiteStore(db)
            store.import_records(list(g.node_records()), list(g.edge_records()))
            store.close()
        del g
        results["serve"] = serve_part(db, targets, log)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
