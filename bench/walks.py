"""Limited and operation-filtered impact walks: the array walk beside the reference walk.

Part of the engine comparison (:func:`bench.engine.engine_part`), also run
alone: ``python -m bench.walks`` generates the benchmark portfolio
(``make bench``'s seed, 200k edges), projects it and prints the figures.

Per target, three walks the reference walk (:func:`graph.analysis.walk.walk`)
used to answer alone: cut by ``max_depth`` (:data:`DEPTH`), cut by
``max_components`` (:data:`SIZE`) and under an operation filter naming one or
two operations of an API the target is or offers. Each is first checked equal
to the reference walk field by field (reason, unexpanded, beyond, matched,
excluded, depths, hard depths, crossings, cascade), then both are timed in
turn in the same process; the figures are totals, percentiles and the ratio
reference / array.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.generate import Spec, generate
from bench.measure import Results, percentiles
from graph.analysis import Projection, projection_from_records
from graph.analysis.frontier import frontier_walk
from graph.analysis.projection import API
from graph.analysis.walk import OperationFilter, walk
from schemas.analysis import ChangeType

DEPTH = 2
SIZE = 1_000
TOP = 20
Walker = Callable[..., Any]


def top_platform(p: Projection, count: int = TOP) -> list[int]:
    """The platform components whose outage reaches the most elements."""
    platform = [c for c in p.nodes_of("component") if p.platform[c]]
    reach = {
        c: len(frontier_walk(p, [c], ChangeType.OUTAGE, collect=False).depth) for c in platform
    }
    return sorted(platform, key=lambda c: (-reach[c], c))[:count]


def operations_of(p: Projection, target: int, rnd: random.Random) -> OperationFilter | None:
    """A filter naming one or two operations of an API *target* is or offers (None: no API)."""
    offered = [target] if p.kinds[target] == API else list(p.offers[target])
    offered = [a for a in offered if p.props[p.base(a)].get("operations")]
    if not offered:
        return None
    ops = p.props[p.base(rnd.choice(offered))]["operations"]
    named = [f"{o['method'].upper()} {o['path']}" for o in rnd.sample(ops, min(2, len(ops)))]
    apis = {target} if p.kinds[target] == API else set(p.offers[target])
    return OperationFilter(frozenset(apis), tuple(named))


def same(ref: Any, arr: Any) -> bool:
    """The array walk said exactly what the reference walk said."""
    return bool(
        (arr.reason, arr.unexpanded, arr.beyond) == (ref.reason, ref.unexpanded, ref.beyond)
        and list(arr.matched.items()) == list(ref.matched.items())
        and arr.excluded == ref.excluded
        and dict(arr.depth) == ref.depth
        and dict(arr.hard_depth) == ref.hard_depth
        and set(arr.crossings) == set(ref.crossings)
        and arr.cascade == ref.cascade
        and arr.components == ref.components
    )


def _kinds(p: Projection, target: int, rnd: random.Random) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {
        "depth": {"max_depth": DEPTH},
        "size": {"max_components": SIZE},
    }
    op_filter = operations_of(p, target, rnd)
    if op_filter is not None:
        out["filtered"] = {"op_filter": op_filter}
    return out


def _timed(fn: Walker, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - started, value


def limited_walks(p: Projection, targets: Sequence[int], seed: int = 3) -> Results:
    """Per kind of walk: targets, identical answers, array and reference timings."""
    rnd = random.Random(seed)  # noqa: S311 (seeded, reproducible filters)
    seconds: dict[str, dict[str, list[float]]] = {}
    equal: dict[str, int] = {}
    cut: dict[str, int] = {}
    for n, t in enumerate(targets):
        change = list(ChangeType)[n % len(ChangeType)]
        for kind, limits in _kinds(p, t, rnd).items():
            array_s, arr = _timed(frontier_walk, p, [t], change, **limits)
            ref_s, ref = _timed(walk, p, [t], change, **limits)
            timing = seconds.setdefault(kind, {"array": [], "reference": []})
            timing["array"].append(array_s)
            timing["reference"].append(ref_s)
            equal[kind] = equal.get(kind, 0) + same(ref, arr)
            cut[kind] = cut.get(kind, 0) + (ref.reason is not None or bool(ref.excluded))
    out: Results = {}
    for kind, timing in seconds.items():
        array_total, ref_total = sum(timing["array"]), sum(timing["reference"])
        out[kind] = {
            "targets": len(timing["array"]),
            "equal": equal[kind],
            "cut_or_filtered": cut[kind],
            "array_ms": percentiles(timing["array"]),
            "reference_ms": percentiles(timing["reference"]),
            "speedup_total": ref_total / array_total if array_total else 0.0,
        }
    return out


def summary(r: Results) -> str:
    return "; ".join(
        f"{kind}: {v['equal']}/{v['targets']} identical, reference / array "
        f"{v['speedup_total']:.1f}x (array p50 {v['array_ms']['p50']:.2f} ms, "
        f"p95 {v['array_ms']['p95']:.2f} ms)"
        for kind, v in r.items()
    )


def main() -> None:
    g = generate(Spec())
    kinds = {r.ref: r.kind for r in g.node_records()}
    props = {r.ref: r.properties for r in g.node_records()}
    raw = [(e.from_ref, e.type, e.to_ref, e.properties) for e in g.edge_records()]
    p = projection_from_records(1, kinds, props, raw)
    print(f"{p.node_count} nodes, {len(raw)} edges")
    rnd = random.Random(11)  # noqa: S311 (seeded, reproducible targets)
    pool = [n for n in range(p.node_count) if p.kinds[n] == API or p.offers[n]]
    parts = {
        "top_platform": limited_walks(p, top_platform(p)),
        "uniform": limited_walks(p, rnd.sample(pool, 200)),
    }
    for name, r in parts.items():
        print(f"{name}: {summary(r)}")
    print(json.dumps(parts, indent=1))


if __name__ == "__main__":
    main()
