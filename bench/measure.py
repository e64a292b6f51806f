"""Measuring helpers shared by the benchmark parts: percentiles, memory,
the machine description, and running a part in a fresh child process."""

from __future__ import annotations

import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
Results = dict[str, Any]


def log(message: str) -> None:
    print(message, flush=True)


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 / max of *samples* (seconds) in milliseconds, nearest rank."""
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))] * 1000

    return {
        "n": len(ordered),
        "p50": rank(0.50),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "max": ordered[-1] * 1000,
        "mean": statistics.fmean(ordered) * 1000,
    }


def rss_mb() -> float:
    """Current resident set size in MB (Linux)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB: ``VmHWM`` of ``/proc/self/status``.

    Not ``getrusage``'s ``ru_maxrss``: Linux keeps that across ``execve``, so
    in a child started by a large parent it starts at the parent's resident
    size (a child of a 600 MB process reads 613 MB while its own peak is 14).
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{mem_kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration):
        memory = "unknown"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def run_child(args: list[str], timeout: float = 3600) -> Results:
    """Run ``python -m bench.run --child ...`` and return the JSON it prints last."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--child", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{proc.stderr[-3000:]}")
    result: Results = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def format_builds(builds: list[Results]) -> str:
    secs = [b["seconds"] for b in builds]
    last = builds[-1]
    kept = f", projection {last['projection_mb']:.0f} MB" if "projection_mb" in last else ""
    return (
        f"{statistics.median(secs):.2f}s median of {len(secs)}, RSS growth "
        f"{last['retained_mb']:.0f} MB{kept}, peak RSS {last['peak_rss_mb']:.0f} MB"
    )
