"""Scanning against its parse floor: ``python -m bench.scan``.

In one run, on 2,000 small generated OpenAPI specs and on the Stripe spec
(``../shared/corpus/openapi/stripe``, when present):

* the floor: ``yaml.load(text, Loader=yaml.CSafeLoader)`` (``json.loads``
  for ``.json``) of the same files, read from disk;
* a first scan into a new SQLite store, as a ratio to the floor. Each
  scan is timed as ``archgraph scan`` runs it: open the store,
  ``scan_and_load``, close the store. Closing counts because SQLite copies
  the write-ahead log into the database file then (its checkpoint), when a
  write left fewer pages in the log than its automatic checkpoint waits
  for: the first scan's 11 MB on 16 KiB pages;
* a re-scan of the unchanged tree, as a ratio to the first scan;
* a re-scan after one changed byte in one spec, as a ratio to the first scan.

``make bench`` runs this in a fresh child process (``bench.run --child
scan``), as ``archgraph scan`` runs: not in its own process, which by then
holds the 200,000-edge portfolio and its projection. Timings are
wall-clock, best of ``--repeat``; the floor and the first scan
are also given in CPU time of this process (best of ``--repeat``), which a
busy shared machine disturbs less. Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from app.scan_service import scan_and_load
from graph.storage import SQLiteStore

__all__ = ["scan_lines", "scan_part"]

Results = dict[str, Any]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "openapi" / "stripe"


def _small_spec(i: int) -> str:
    return (
        "openapi: 3.0.3\n"
        f"info: {{title: Service {i}, version: 1.0.{i % 7}, description: generated spec {i}}}\n"
        f"x-archgraph-component: service-{i}\n"
        "paths:\n"
        + "".join(
            f"  /things{i}/{k}:\n"
            f"    get:\n      operationId: getThing{i}x{k}\n"
            "      parameters:\n        - {name: id, in: query, schema: {type: string}}\n"
            "      responses:\n        '200': {description: ok}\n"
            for k in range(5)
        )
    )


def generate(root: Path, count: int = 2000) -> None:
    for i in range(count):
        folder = root / f"team{i % 40}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"svc{i}.yaml").write_text(_small_spec(i), encoding="utf-8")


def _floor(root: Path) -> float:
    start = time.perf_counter()
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            json.loads(text)
        else:
            list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    return time.perf_counter() - start


def _timed(db: Path, root: Path) -> tuple[float, Any]:
    """One scan of *root* into the store at *db*, opened and closed as the CLI does."""
    start = time.perf_counter()
    store = SQLiteStore(str(db))
    try:
        out = _scan(store, root)
    finally:
        store.close()
    return time.perf_counter() - start, out


def _scan(store: SQLiteStore, root: Path, *, full: bool = False) -> Any:
    return scan_and_load(store, root, full=full, source_prefix="b", actor="bench")


def measure_tree(root: Path, change: Path, repeat: int) -> Results:
    """Floor, first scan, unchanged re-scan and one-byte re-scan of *root* (best of *repeat*)."""
    floors, firsts, agains, ones = [], [], [], []
    floor_cpus, first_cpus = [], []
    parsed: dict[str, int] = {}
    original = change.read_bytes()
    for _ in range(repeat):
        cpu = time.process_time()
        floors.append(_floor(root))
        floor_cpus.append(time.process_time() - cpu)
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.db"
            try:
                cpu = time.process_time()
                first, report = _timed(db, root)
                first_cpus.append(time.process_time() - cpu)
                parsed["first"] = report.parsed
                again, report = _timed(db, root)
                parsed["unchanged"] = report.parsed
                change.write_bytes(original.replace(b"description: ", b"description:  ", 1))
                one, report = _timed(db, root)
                parsed["one_byte"] = report.parsed
            finally:
                change.write_bytes(original)
        firsts.append(first)
        agains.append(again)
        ones.append(one)
    floor, first = min(floors), min(firsts)
    return {
        "floor_s": floor,
        "scan_s": first,
        "scan_vs_floor": first / floor,
        "floor_cpu_s": min(floor_cpus),
        "scan_cpu_s": min(first_cpus),
        "scan_cpu_vs_floor_cpu": min(first_cpus) / min(floor_cpus),
        "unchanged_s": min(agains),
        "unchanged_vs_scan": min(agains) / first,
        "one_byte_s": min(ones),
        "one_byte_vs_scan": min(ones) / first,
        "parsed": parsed,
    }


def scan_part(say: Callable[[str], None], *, repeat: int = 5, count: int = 2000) -> Results:
    out: Results = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.system()}",
        "count": count,
        "repeat": repeat,
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "specs"
        generate(root, count)
        out["small"] = measure_tree(root, root / "team1" / "svc1.yaml", repeat)
        say(_line(out, "small"))
        spec = CORPUS / "spec3.yaml"
        if spec.is_file():
            stripe = Path(tmp) / "stripe"
            stripe.mkdir()
            shutil.copy(spec, stripe / "spec3.yaml")
            (stripe / "spec3.yaml").chmod(0o644)
            out["stripe"] = measure_tree(stripe, stripe / "spec3.yaml", repeat)
            say(_line(out, "stripe"))
    return out


def scan_lines(out: Results) -> list[str]:
    """One line per tree measured by :func:`scan_part`."""
    return [_line(out, tree) for tree in ("small", "stripe") if tree in out]


def _line(out: Results, tree: str) -> str:
    label = f"{out['count']} small specs" if tree == "small" else "Stripe spec"
    return f"scan, {label}: {_summary(out[tree])}"


def _summary(r: Results) -> str:
    return (
        f"floor {r['floor_s']:.2f} s, scan {r['scan_s']:.2f} s = {r['scan_vs_floor']:.2f}x the "
        f"C loader (CPU {r['scan_cpu_vs_floor_cpu']:.2f}x); unchanged re-scan "
        f"{r['unchanged_s']:.3f} s = "
        f"{100 * r['unchanged_vs_scan']:.1f}% of the scan; one changed byte "
        f"{r['one_byte_s']:.3f} s = {100 * r['one_byte_vs_scan']:.1f}%; parsed {r['parsed']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    scan_part(print, repeat=args.repeat, count=args.count)


if __name__ == "__main__":
    main()
