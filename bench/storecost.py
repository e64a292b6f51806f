"""What the streamed export and the change log cost, on the 200k-edge portfolio (SQLite).

1. **Export memory**: in a fresh process holding the loaded store, while the
   export document is streamed (``export_chunks``, the path of ``GET
   /export`` and ``archgraph export``) to a file, against the document's
   size: the peak growth of the process's resident set (``VmHWM`` over the
   resident size before), split into anonymous memory (heap: ``RssAnon``) and
   file pages mapped in (``RssFile``: page cache, sampled every 2 ms), and,
   streamed a second time under ``tracemalloc``, the peak of the Python heap.
   (An earlier version read ``ru_maxrss``, which Linux keeps across
   ``execve``: the child started at its parent's resident size and reported
   464 MB where its own peak grew by about 12.)
2. **Change-log size**: rows and bytes of the ``changes`` table against the
   graph's tables, after loading the portfolio (one import: one change
   record per fact) and after a month of edits (30 days of 200 API edits of
   single elements and a re-scan of 100 files that each change a little).
   Bytes are SQLite's ``dbstat`` page sizes when the SQLite build has it, else
   the summed length of the stored text.
3. **Write cost of the log**: the median time of a single-element API write
   with the change records appended, and with ``append_changes`` made a no-op
   (the recording of before/after states still runs), same store, same edits.

Run alone: ``python -m bench.storecost``.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.measure import Results, log, peak_rss_mb, rss_mb, run_child
from graph.storage import SQLiteStore, export_chunks
from graph.storage.sqlite_tx import SQLiteTx
from schemas.facts import NodeData

DAYS = 30
EDITS_PER_DAY = 200
FILES = 100
GRAPH_TABLES = ("nodes", "edges", "node_sources", "edge_sources")


def _rss_parts_mb() -> dict[str, float]:
    """``RssAnon`` and ``RssFile`` of this process (``/proc/self/status``), in MB."""
    parts = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("RssAnon", "RssFile"):
            parts[name] = int(value.split()[0]) * 1024 / 1e6
    return parts


def _stream(store: SQLiteStore, out: str) -> int:
    size = 0
    with open(out, "w", encoding="utf-8") as f:
        for chunk in export_chunks(store):
            size += f.write(chunk)
    return size


def export_child(db: str, out: str) -> Results:
    """Stream the export of *db* to *out*; what memory it took (fresh process)."""
    store = SQLiteStore(db)
    store.version()
    before, parts_before = rss_mb(), _rss_parts_mb()
    peaks = dict(parts_before)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.002):
            for name, mb in _rss_parts_mb().items():
                peaks[name] = max(peaks[name], mb)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    _stream(store, out)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    peak_growth = peak_rss_mb() - before
    tracemalloc.start()
    _stream(store, out)
    heap_peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    store.close()
    return {
        "document_mb": os.path.getsize(out) / 1e6,
        "rss_before_mb": before,
        "peak_growth_mb": peak_growth,
        "anon_peak_growth_mb": peaks["RssAnon"] - parts_before["RssAnon"],
        "file_peak_growth_mb": peaks["RssFile"] - parts_before["RssFile"],
        "heap_peak_mb": heap_peak,
        "seconds": seconds,
    }


def table_sizes(db: str) -> Results:
    conn = sqlite3.connect(db)
    try:
        rows = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 (constants)
            for t in (*GRAPH_TABLES, "changes")
        }
        try:
            pages = dict(
                conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
            )
            how = "dbstat pages (tables and their indexes)"
            graph = sum(v for k, v in pages.items() if k.startswith(GRAPH_TABLES))
            log_bytes = sum(
                v for k, v in pages.items() if k == "changes" or k.startswith("idx_changes")
            )
            log_bytes += sum(v for k, v in pages.items() if "change" in k and k != "changes")
        except sqlite3.OperationalError:  # this SQLite has no dbstat
            how = "summed text length"
            graph = conn.execute(
                "SELECT (SELECT coalesce(sum(length(ref) + length(props) + length(assertions)), 0)"
                " FROM nodes) + (SELECT coalesce(sum(length(from_ref) + length(type) "
                "+ length(to_ref) + length(props) + length(assertions)), 0) FROM edges)"
            ).fetchone()[0]
            log_bytes = conn.execute(
                "SELECT coalesce(sum(length(data) + length(at) + length(actor) "
                "+ coalesce(length(ref), 0) + coalesce(length(to_ref), 0)), 0) FROM changes"
            ).fetchone()[0]
    finally:
        conn.close()
    return {
        "rows": rows,
        "graph_mb": graph / 1e6,
        "changes_mb": log_bytes / 1e6,
        "ratio": log_bytes / graph if graph else 0.0,
        "bytes_are": how,
        "file_mb": os.path.getsize(db) / 1e6,
    }


def _edit(store: SQLiteStore, ref: str, day: int, i: int) -> None:
    store.upsert_node(
        NodeData(ref, {"description": f"edited on day {day} ({i})"}), source="api", actor="bench"
    )


def month_of_edits(store: SQLiteStore, components: list[str]) -> None:
    for day in range(DAYS):
        for i in range(EDITS_PER_DAY):
            _edit(store, components[(day * EDITS_PER_DAY + i * 7919) % len(components)], day, i)
        store.replace_sources(
            {
                f"files/svc-{k:03d}.yaml": (
                    [NodeData(f"component:file-svc-{k:03d}", {"description": f"day {day}"})],
                    [],
                )
                for k in range(FILES)
            },
            actor="bench",
        )


def write_cost(store: SQLiteStore, components: list[str], n: int = 300) -> Results:
    def timed(label: int) -> float:
        samples = []
        for i in range(n):
            started = time.perf_counter()
            _edit(store, components[(i * 104729) % len(components)], 1000 + label, i)
            samples.append(time.perf_counter() - started)
        return statistics.median(samples) * 1000

    with_log = timed(0)
    real = SQLiteTx.append_changes
    SQLiteTx.append_changes = lambda self, records: None  # type: ignore[method-assign]
    try:
        without = timed(1)
    finally:
        SQLiteTx.append_changes = real  # type: ignore[method-assign]
    return {"with_log_ms": with_log, "without_append_ms": without, "ratio": with_log / without}


def storecost_part(say: Callable[[str], None]) -> Results:
    out: Results = {}
    with tempfile.TemporaryDirectory(prefix="archgraph-storecost-") as tmp:
        db = str(Path(tmp) / "cost.db")
        load = run_child(["load-sqlite", db, "1"])
        out["edges"] = load["edges"]
        say(f"storecost: loaded {load['edges']} edges in {load['seconds']:.0f}s")
        out["export"] = e = _run_self(["export", db, str(Path(tmp) / "export.json")])
        say(f"storecost: streamed export: {_export_line(e)}, {e['seconds']:.1f}s")
        out["log_after_load"] = a = table_sizes(db)
        say(f"storecost: after load: {json.dumps(a)}")
        store = SQLiteStore(db)
        components = [r.ref for r in store.list_nodes("component", limit=20_000).items]
        started = time.perf_counter()
        month_of_edits(store, components)
        out["month_s"] = time.perf_counter() - started
        out["log_after_month"] = m = table_sizes(db)
        say(f"storecost: after a month of edits ({out['month_s']:.0f}s): {json.dumps(m)}")
        out["write_cost"] = w = write_cost(store, components)
        say(f"storecost: single-element write: {json.dumps(w)}")
        store.close()
    return out


def _run_self(args: list[str]) -> Results:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "bench.storecost", "--child", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    result: Results = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _export_line(e: Results) -> str:
    line = f"document {e['document_mb']:.0f} MB, peak RSS growth {e['peak_growth_mb']:.0f} MB"
    if "heap_peak_mb" in e:
        line += (
            f" (anonymous {e['anon_peak_growth_mb']:.0f} MB, file pages "
            f"{e['file_peak_growth_mb']:.0f} MB), Python heap peak {e['heap_peak_mb']:.1f} MB "
            "(tracemalloc)"
        )
    return line


def report_lines(results: dict[str, Any]) -> list[str]:
    """The section of ``docs/benchmarks.md`` (``bench/report.py``)."""
    r = results.get("storecost")
    if not r:
        return []
    e, a, m, w = r["export"], r["log_after_load"], r["log_after_month"], r["write_cost"]
    return [
        "",
        "## Export memory and the change log (SQLite, `bench/storecost.py`)",
        "",
        f"- streamed export of {r['edges']:,} edges (fresh process): {_export_line(e)}",
        f"- change log after the load: {a['rows']['changes']:,} rows, "
        f"{a['changes_mb']:.0f} MB = {a['ratio']:.2f}x the graph ({a['bytes_are']})",
        f"- after a month of edits ({DAYS} days x {EDITS_PER_DAY} API edits + a "
        f"{FILES}-file re-scan): {m['rows']['changes']:,} rows, {m['changes_mb']:.0f} MB = "
        f"{m['ratio']:.2f}x the graph",
        f"- single-element write: {w['with_log_ms']:.2f} ms with the log appended, "
        f"{w['without_append_ms']:.2f} ms without ({w['ratio']:.2f}x)",
    ]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        print(json.dumps(export_child(argv[2], argv[3])))
        return
    argparse.ArgumentParser(description="export memory and change-log cost").parse_args(argv)
    print(json.dumps(storecost_part(log), indent=2))


if __name__ == "__main__":
    main()
