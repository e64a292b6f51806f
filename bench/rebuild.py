"""The projection rebuild against its floor, and its peak memory as the graph grows.

``python -m bench.rebuild`` (alone) or from :mod:`bench.run`:

1. **ratio**: on a SQLite store of the seeded portfolio, the CPU seconds of
   :func:`graph.analysis.build_projection` against the CPU seconds of
   fetching the same rows it reads (element ref, kind, properties text;
   edge ends, type, properties text) into lists, nothing decoded
   (:func:`bench.run.rows_floor`); each build in a fresh child process, the
   floor measured in that same process just before it;
2. **memory curve**: the peak RSS of a child process that builds the
   projection of the 1,000,000-edge (scale 5) and 2,000,000-edge (scale 10)
   portfolios (the build alone in that process: no floor read there), with
   the straight line through those two points and its value at 5,000,000
   edges. Loading 1M edges into SQLite takes minutes, so
   ``--keep DIR`` keeps the databases for the next run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.measure import Results, log, machine, run_child

BUILDS = 3
TARGET_RATIO = 3.0
TARGET_1M_MB = 1000.0
TARGET_5M_MB = 4000.0


def ratio(db: str, say: Callable[[str], None] = log, builds: int = BUILDS) -> Results:
    """Median build CPU over median floor CPU, each build in its own child process."""
    runs = [run_child(["build-sqlite", db]) for _ in range(builds)]
    cpu = statistics.median(r["cpu_seconds"] for r in runs)
    rows = statistics.median(r["rows_cpu_seconds"] for r in runs)
    out: Results = {
        "builds": runs,
        "edges": runs[0]["edges"],
        "build_cpu_s": cpu,
        "rows_cpu_s": rows,
        "ratio": cpu / rows,
        "target_ratio": TARGET_RATIO,
    }
    say(
        f"rebuild: {out['edges']:,} edges, build {cpu:.2f} s CPU vs reading the same rows "
        f"{rows:.2f} s: {out['ratio']:.2f}x the floor (target <= {TARGET_RATIO:.0f}x, "
        f"median of {builds})"
    )
    return out


def database(folder: Path, scale: float, say: Callable[[str], None] = log) -> tuple[Path, Results]:
    """The SQLite store of the portfolio at *scale* in *folder* (loaded once, then reused)
    and what loading it measured (``edges``, ``seconds``)."""
    db = folder / f"bench-scale-{scale:g}.db"
    done = db.with_suffix(".loaded.json")
    if not done.exists():
        db.unlink(missing_ok=True)
        load = run_child(["load-sqlite", str(db), str(scale)])
        say(f"rebuild: loaded {load['edges']:,} edges into SQLite in {load['seconds']:.0f} s")
        done.write_text(json.dumps(load))
    loaded: Results = json.loads(done.read_text())
    return db, loaded


def peak(db: Path) -> Results:
    """Peak RSS of a fresh process building the projection of *db* (MB)."""
    out = run_child(["build-only", str(db)])
    return {k: out[k] for k in ("edges", "nodes", "peak_rss_mb", "rss_before_mb", "cpu_seconds")}


def memory_curve(
    folder: Path, scales: Sequence[float] = (5, 10), say: Callable[[str], None] = log
) -> Results:
    """Peak RSS at each scale, the line through the first and last, and its 5M value."""
    points = [peak(database(folder, s, say)[0]) for s in scales]
    for p in points:
        say(
            f"rebuild: {p['edges']:,} edges ({p['nodes']:,} elements): peak RSS "
            f"{p['peak_rss_mb']:.0f} MB (process before the build {p['rss_before_mb']:.0f} MB)"
        )
    out: Results = {"points": points, "target_1m_mb": TARGET_1M_MB, "target_5m_mb": TARGET_5M_MB}
    if len(points) >= 2:
        a, b = points[0], points[-1]
        per_edge = (b["peak_rss_mb"] - a["peak_rss_mb"]) / (b["edges"] - a["edges"])
        base = a["peak_rss_mb"] - per_edge * a["edges"]
        out.update(
            mb_per_million_edges=per_edge * 1e6,
            intercept_mb=base,
            extrapolated_5m_mb=base + per_edge * 5e6,
        )
        say(
            f"rebuild: peak RSS = {base:.0f} MB + {per_edge * 1e6:.0f} MB per million edges; "
            f"5,000,000 edges: {out['extrapolated_5m_mb']:.0f} MB (target <= {TARGET_5M_MB:.0f})"
        )
    return out


def report_lines(results: Results | None) -> list[str]:
    """The rebuild rows of ``docs/benchmarks.md``'s table (none when not measured)."""
    if not results:
        return []
    lines = []
    r = results.get("ratio")
    if r:
        lines.append(
            f"| projection rebuild vs reading the same rows (CPU, {r['edges']:,} edges, median "
            f"of {len(r['builds'])} fresh processes) | {r['build_cpu_s']:.2f} s vs "
            f"{r['rows_cpu_s']:.2f} s: {r['ratio']:.2f}x the floor (target <= 3x) |"
        )
    curve = results.get("curve")
    if curve:
        for p in curve["points"]:
            lines.append(
                f"| projection build peak RSS, {p['edges']:,} edges ({p['nodes']:,} elements) | "
                f"{p['peak_rss_mb']:.0f} MB (target at 1M: <= 1,000 MB) |"
            )
        if "extrapolated_5m_mb" in curve:
            lines.append(
                f"| peak RSS at 5,000,000 edges (line through the points: "
                f"{curve['intercept_mb']:.0f} MB + {curve['mb_per_million_edges']:.0f} MB per "
                f"million edges) | {curve['extrapolated_5m_mb']:.0f} MB (target <= 4,000 MB) |"
            )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="projection rebuild vs its floor; peak memory")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the SQLite stores here")
    parser.add_argument("--builds", type=int, default=BUILDS)
    parser.add_argument(
        "--scales", default="5,10", help="scales of the memory curve (5 = 1M edges); '' skips"
    )
    args = parser.parse_args(argv)
    log(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="archgraph-rebuild-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        ratio(str(database(folder, 1)[0]), builds=args.builds)
        scales = [float(s) for s in args.scales.split(",") if s]
        if scales:
            memory_curve(folder, scales)


if __name__ == "__main__":
    main()
