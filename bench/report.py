"""Turn the benchmark's results into ``docs/benchmarks.md``."""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path
from typing import Any

from bench.freshness import neo4j_report_lines as freshness_neo4j_lines
from bench.freshness import report_lines as freshness_lines
from bench.rebuild import report_lines as rebuild_lines
from bench.rescan import BENCH_NEO4J_HEAP
from bench.rescan import report_lines as rescan_lines
from bench.storecost import report_lines as storecost_lines

TARGETS = {"p50": 20.0, "p95": 100.0}


def _ms(block: dict[str, Any]) -> str:
    return (
        f"{block['p50']:.1f} / {block['p95']:.1f} / {block['p99']:.1f} "
        f"(max {block['max']:.0f}, n = {block['n']})"
    )


def _ok(block: dict[str, Any]) -> str:
    good = all(block[k] <= v for k, v in TARGETS.items())
    return "meets p50 <= 20 ms, p95 <= 100 ms" if good else "misses the target"


def _builds(builds: list[dict[str, Any]]) -> str:
    secs = statistics.median(b["seconds"] for b in builds)
    traced = [b for b in builds if "projection_mb" in b]
    kept = f"the projection keeps {traced[-1]['projection_mb']:.0f} MB; " if traced else ""
    last = builds[-1]
    return (
        f"{secs:.2f} s (median of {len(builds)}); {kept}process RSS grows "
        f"{last['retained_mb']:.0f} MB, peak RSS {last['peak_rss_mb']:.0f} MB"
    )


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    spec = results["spec"]
    lines = [
        "# Benchmarks",
        "",
        "Produced by `make bench` (`python -m bench.run --write`) on "
        f"{dt.date.today().isoformat()}; re-run it to refresh this page. What is measured "
        "and how is described in `bench/run.py`; the formulas being exercised are in "
        "[impact.md](impact.md).",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores",
        f"- memory: {m['memory']}",
        f"- {m['os']}, Python {m['python']}, SQLite {m['sqlite']}",
    ]
    neo = results.get("neo4j") or {}
    if neo.get("server"):
        lines.append(
            f"- {neo['server']} (JVM heap {BENCH_NEO4J_HEAP}, launched by "
            "`tests/neo4j/server.py`; the tests run it with 1 GB)"
        )
    lines += [
        "",
        "## Portfolio",
        "",
        f"Seeded synthetic portfolio (`bench/generate.py`, seed {spec['seed']}): "
        f"{spec['products']} products, {spec['components']:,} components "
        f"({spec['platform_share']:.0%} platform, Zipf popularity), {spec['apis']:,} APIs, "
        f"{spec['edges']:,} edges. Latency targets: {results['queries']:,} random targets, "
        "uniform over components and APIs, one per request.",
        "",
        "## Results",
        "",
        "| measure | result |",
        "| --- | --- |",
    ]
    ip = results["in_process"]
    lines.append(
        f"| warm impact, in process, `impact()` + JSON, ms p50 / p95 / p99 | "
        f"{_ms(ip['impact_and_json_ms'])} |"
    )
    lines.append(f"| of which the walk alone | {_ms(ip['walk_only_ms'])} |")
    lines.append(
        f"| affected components per query, p50 / max | "
        f"{ip['affected_components']['p50']} / {ip['affected_components']['max']:,} |"
    )
    http = results.get("http") or {}
    if "latency_ms" in http:
        lines.append(
            f"| warm impact over HTTP (`{http['route']}`, {http.get('route_kind', 'real')}), "
            "ms p50 / p95 / p99 | "
            f"{_ms(http['latency_ms'])}: {_ok(http['latency_ms'])} |"
        )
        lines.append(
            f"| response size p50 / max | {http['response_kb']['p50']:.1f} kB / "
            f"{http['response_kb']['max']:.0f} kB |"
        )
    elif http:
        lines.append(f"| impact over HTTP | not measured: {http.get('error')} |")
    lines.append(f"| load into SQLite (`import_records`) | {results['sqlite_load_s']:.1f} s |")
    lines.append(f"| projection build from SQLite | {_builds(results['sqlite_build'])} |")
    floors = [b for b in results["sqlite_build"] if "rows_cpu_seconds" in b]
    if floors:
        cpu = statistics.median(b["cpu_seconds"] for b in floors)
        rows = statistics.median(b["rows_cpu_seconds"] for b in floors)
        lines.append(
            f"| projection build vs reading the same rows into lists (CPU, median of "
            f"{len(floors)}) | {cpu:.2f} s vs {rows:.2f} s: {cpu / rows:.1f}x the floor |"
        )
    if neo.get("build"):
        lines.append(f"| load into Neo4j (`import_records`) | {neo['load_s']:.0f} s |")
        lines.append(f"| projection build from Neo4j | {_builds(neo['build'])} |")
    cy = neo.get("cypher")
    if cy:
        lines.append(
            f"| hand-written Cypher (one query per BFS level, median {cy['levels_median']:.0f} "
            f"levels), ms p50 / p95 / p99 | {_ms(cy['cypher_ms'])} |"
        )
        lines.append(f"| engine on the same targets | {_ms(cy['engine_impact_ms'])} |")
        lines.append(
            f"| engine vs Cypher | {cy['identical_sets']}/{cy['targets']} identical affected "
            f"sets; {cy['median_ratio']:.0f}x faster at the median, "
            f"{cy['total_ratio']:.0f}x in total time |"
        )
    elif neo.get("error"):
        lines.append(f"| Neo4j | not measured: {neo['error']} |")
    mil = results.get("million")
    if mil:
        b = mil["sqlite_build"]
        lines.append(
            f"| {mil['edges']:,}-edge projection (scale 5: {b['nodes']:,} elements) | "
            f"built from SQLite in {_builds([b])}; target 1.5 GB |"
        )
    lines += rebuild_lines(results.get("rebuild"))
    lines += _engine(results.get("engine"))
    lines += _scan(results.get("scan"))
    lines += _serve(results.get("serve"))
    lines += _freshness(results.get("freshness"))
    lines += freshness_neo4j_lines(results)
    if cy:
        lines += ["", "The Cypher query:", "", "```cypher", cy["query"], "```"]
        if cy["mismatches"]:
            lines += ["", "Differing sets: " + "; ".join(cy["mismatches"])]
    lines += rescan_lines(results) + storecost_lines(results)
    lines.append("")
    return "\n".join(lines)


def _x(ratio: float) -> str:
    """A ratio to the floor: two significant digits below 10, whole numbers above."""
    return f"{ratio:.2g}x" if ratio < 10 else f"{ratio:.0f}x"


def _scan(scan: dict[str, Any] | None) -> list[str]:
    """Scanning against the C YAML loader (bench/scan.py), as ratios."""
    if not scan:
        return []
    lines = [
        "",
        "## Scanning against its parse floor",
        "",
        "Floor: `yaml.load_all(..., Loader=yaml.CSafeLoader)` of the same files. A first scan "
        "into an empty SQLite store, a re-scan of the unchanged tree and a re-scan after one "
        "changed byte in one spec, all in one fresh process (as `archgraph scan` runs), "
        f"floor and scan side by side, best of {scan.get('repeat', 3)} each "
        f"(machine: {scan['machine']}).",
        "",
        "| tree | floor | scan | scan / floor | unchanged re-scan / scan | one byte / scan |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, label in (("small", "2,000 small specs"), ("stripe", "Stripe spec")):
        r = scan.get(name)
        if r:
            lines.append(
                f"| {label} | {r['floor_s']:.2f} s | {r['scan_s']:.2f} s | "
                f"{r['scan_vs_floor']:.2f}x | {100 * r['unchanged_vs_scan']:.1f}% | "
                f"{100 * r['one_byte_vs_scan']:.1f}% |"
            )
    cpu = [
        f"{label} {scan[name]['scan_cpu_vs_floor_cpu']:.2f}x"
        for name, label in (("small", "2,000 small specs"), ("stripe", "Stripe spec"))
        if scan.get(name) and "scan_cpu_vs_floor_cpu" in scan[name]
    ]
    if cpu:
        lines += ["", "First scan / floor in CPU time of the process: " + ", ".join(cpu) + "."]
    return lines


def _engine(eng: dict[str, Any] | None) -> list[str]:
    """The engine against its floor (bench/engine.py), as ratios."""
    if not eng:
        return []
    a = eng["answers"]
    lines = [
        "",
        "## The engine against its floor",
        "",
        "Side by side in one process, per target: a breadth-first search with "
        "`scipy.sparse.csgraph` over the relation the walk follows, the walk's states with an "
        "arc wherever the propagation table lets the change go (the floor: it reaches exactly "
        "the elements the walk reaches), the array "
        "walk (`graph/analysis/frontier.py`), the reference Python walk (`walk.py`) and "
        "`impact()` with its JSON (default request: breaking change, first 20 products "
        "listed). Ratios are total time over total floor time, then the per-target range. "
        f"Answers: {a['walks_equal']}/{a['walks']} walks identical to the reference walk "
        f"(depths, hard depths, crossings, cascade), {a['impacts_equal']}/{a['impacts']} "
        "`impact()` answers identical to `impact()` on the reference walk; "
        + ", ".join(
            f"{eng[k]['floor_same_sets']}/{eng[k]['targets']} affected sets equal to the floor's"
            for k in ("uniform", "top_platform")
        )
        + ".",
        "",
        "| targets | floor ms p50 / p95 | walk / floor | reference walk / floor "
        "| impact()+JSON / floor | impact()+JSON ms p50 / p95 | answer kB p50 / max |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, label in (("uniform", "uniform"), ("top_platform", "top platform components")):
        r = eng[key]
        lines.append(
            f"| {r['targets']:,} {label} | {r['floor_ms']['p50']:.2f} / {r['floor_ms']['p95']:.2f} "
            f"| {_x(r['walk_ratio_total'])} ({_x(r['walk_ratio_range'][0])} to "
            f"{_x(r['walk_ratio_range'][1])}) | {_x(r['reference_ratio_total'])} "
            f"| {_x(r['impact_ratio_total'])} ({_x(r['impact_ratio_range'][0])} to "
            f"{_x(r['impact_ratio_range'][1])}) "
            f"| {r['impact_json_ms']['p50']:.1f} / {r['impact_json_ms']['p95']:.1f} "
            f"| {r['answer_kb_p50']:.0f} / {r['answer_kb_max']:.0f} |"
        )
    return lines + _limited(eng.get("limited"))


def _limited(lim: dict[str, Any] | None) -> list[str]:
    """Limited and operation-filtered walks beside the reference walk (bench/walks.py)."""
    if not lim:
        return []
    lines = [
        "",
        "Walks cut by `max_depth` (2) or `max_components` (1,000) and walks under an "
        "operation filter (one or two operations of an API the target is or offers), on the "
        "top platform components and the first uniform targets: the array walk beside the "
        "reference walk, each answer compared field by field (reason, unexpanded, beyond, "
        "matched, excluded, depths, crossings, cascade).",
        "",
        "| walk | targets | identical | cut or filtered | array ms p50 / p95 "
        "| reference ms p50 / p95 | reference / array |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, r in lim.items():
        lines.append(
            f"| {kind} | {r['targets']} | {r['equal']} | {r['cut_or_filtered']} "
            f"| {r['array_ms']['p50']:.2f} / {r['array_ms']['p95']:.2f} "
            f"| {r['reference_ms']['p50']:.2f} / {r['reference_ms']['p95']:.2f} "
            f"| {_x(r['speedup_total'])} |"
        )
    return lines


def _freshness(fresh: dict[str, Any] | None) -> list[str]:
    """Fresh answers after a write (bench/freshness.py), beside a full rebuild."""
    if not fresh:
        return []
    return [
        "",
        "## Fresh answers after a write",
        "",
        "On the SQLite database above: the time from a write's return to the answer of one "
        "impact question (outage of a random component), the projection brought up to date "
        "from the change log (`graph/analysis/delta.py`), beside a full rebuild (build, "
        "settle, the same question). Single-element write: one component renamed; 100-source "
        "write: `replace_sources` of 100 sources, each a new component with three edges.",
        "",
        *freshness_lines(fresh),
    ]


def write_report(results: dict[str, Any], path: Path) -> None:
    notes = ""
    if path.exists():
        text = path.read_text()
        marker = "\n## Notes\n"
        if marker in text:
            notes = text[text.index(marker) :]
    path.write_text(render(results) + notes)


def _serve(serve: dict[str, Any] | None) -> list[str]:
    """``serve --workers 1`` against ``--workers 2`` at 1, 4 and 16 clients (bench/serve.py)."""
    if not serve:
        return []
    lines = [
        "",
        "## Every core: `archgraph serve --workers N`",
        "",
        f"`POST /api/v1/impact` on uniform targets, clients in their own processes with one "
        f"keep-alive connection each ({serve.get('client', 'httpx')}, bodies encoded before "
        f"the clock starts), {serve['seconds_per_run']:g} s per row, on "
        f"{serve['cores']} cores shared by the clients and the server. CPU share: of all "
        "cores over the row, used by the server's processes, by the clients, and by everything "
        "else on the machine (`/proc/stat` minus the two); CPU ms: the server's and the "
        "clients' CPU per request; connections: how the clients' connections fell on the "
        "workers (which worker gave each client its first answer, before the clock, and where "
        "reported which gave its last, after it); reconnects: connections the "
        "server closed after a response to move them to another worker.",
        "",
        "| workers | clients | requests/s | p50 ms | p95 ms | p99 ms | errors "
        "| CPU share server / clients / other | CPU ms server / client | connections "
        "| reconnects |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for server in serve["servers"]:
        for run in server["runs"]:
            lat, cpu = run["latency_ms"], run.get("cpu_share")
            shares = (
                f"{cpu['server']:.0%} / {cpu['clients']:.0%} / {cpu['other']:.0%}" if cpu else "-"
            )
            per = (
                f"{run['server_cpu_ms_per_request']:.2f} / {run['client_cpu_ms_per_request']:.2f}"
                if cpu
                else "-"
            )
            placed = f"{run.get('connections_per_worker', '-')}"
            if "connections_per_worker_at_end" in run:
                placed += f" → {run['connections_per_worker_at_end']}"
            lines.append(
                f"| {server['workers']} | {run['clients']} | {run['throughput_rps']:.1f} | "
                f"{lat['p50']:.1f} | {lat['p95']:.1f} | {lat['p99']:.1f} | {run['errors']} | "
                f"{shares} | {per} | {placed} | {run.get('reconnects', '-')} |"
            )
    lines.append("")
    for server in serve["servers"]:
        rss = ", ".join(f"{mb:.0f}" for mb in server["worker_rss_mb"])
        lines.append(
            f"- `--workers {server['workers']}`: ready in {server['ready_s']:.1f} s "
            f"(every worker's projection built); RSS per worker {rss} MB"
        )
    lines.append(
        f"- throughput at 4 clients / 1 client with `--workers 2`: "
        f"{_x(serve['scaling_4_over_1_workers_2'])} (target at least 1.7x)"
    )
    return lines
