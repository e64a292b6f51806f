"""The array walk (graph/analysis/frontier.py) against the reference walk (walk.py).

Both must give the same answer to the letter: the same states at the same
depths, the same parents in the same order (so the same explaining paths),
the same crossings and possible-cascade starts, and the same ``impact()``
result, on random small portfolios (channels, sub-components, soft edges,
cycles, declared operations) and on many random targets of the benchmark's
generated portfolio; also under ``max_depth``, ``max_components`` and an
operation filter, where what the cut left out (reason, unexpanded elements,
what lies beyond) and what the filter decided (matched operations, excluded
consumers) must be the reference walk's too.
"""

from __future__ import annotations

import random
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.engine import floor_graph, floor_reach, same_answers, top_platform
from bench.generate import Spec, generate
from graph.analysis import impact
from graph.analysis.build import projection_from_records
from graph.analysis.frontier import ArrayWalk, frontier_walk
from graph.analysis.projection import API, Projection
from graph.analysis.walk import OperationFilter, paths_to, walk
from schemas.analysis import ChangeType, ImpactRequest, ImpactResult

IMPACT_MODULE = sys.modules["graph.analysis.impact"]

Edge = tuple[str, str, str, dict[str, Any] | None]


OPS = ("GET /a", "POST /a", "GET /b/{id}", "DELETE /b/{id}", "getA")


def operation_filter(p: Projection, seeds: list[int], ops: list[str]) -> OperationFilter | None:
    """The filter ``impact()`` builds for *ops* on these seeds (None without operations)."""
    if not ops:
        return None
    apis = {s for s in seeds if p.kinds[s] == API} | {a for s in seeds for a in p.offers[s]}
    return OperationFilter(frozenset(apis), tuple(ops))


def same_walk(
    p: Projection,
    seeds: list[int],
    change: ChangeType,
    *,
    max_depth: int | None = None,
    max_components: int = 1_000_000,
    ops: list[str] | None = None,
) -> ArrayWalk:
    limits: dict[str, Any] = {"max_depth": max_depth, "max_components": max_components}
    ref = walk(p, seeds, change, op_filter=operation_filter(p, seeds, ops or []), **limits)
    arr = frontier_walk(p, seeds, change, op_filter=operation_filter(p, seeds, ops or []), **limits)
    assert isinstance(arr, ArrayWalk)
    assert (arr.reason, arr.unexpanded, arr.beyond) == (ref.reason, ref.unexpanded, ref.beyond)
    assert list(arr.matched.items()) == list(ref.matched.items())
    assert arr.excluded == ref.excluded
    assert dict(arr.depth) == ref.depth
    assert dict(arr.hard_depth) == ref.hard_depth
    assert set(arr.crossings) == set(ref.crossings)
    assert arr.cascade == ref.cascade
    assert arr.components == ref.components
    for state, d in ref.states.items():
        assert arr.state_depth(state) == d
        assert arr.parents_of(state) == ref.parents[state], state
    reached = int((arr.state_depths >= 0).sum())
    assert reached == len(ref.states)
    for node in ref.depth:
        for hard in (False, True):
            assert paths_to(p, arr, node, 3, hard=hard) == paths_to(p, ref, node, 3, hard=hard)
    return arr


def reference_impact(
    p: Projection, request: ImpactRequest, monkeypatch: pytest.MonkeyPatch
) -> ImpactResult:
    with monkeypatch.context() as m:
        m.setattr(IMPACT_MODULE, "frontier_walk", walk)
        return impact(p, request)


# ------------------------------------------------------------ random portfolios


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[Projection, list[str]]:
    products = [f"product:p{i}" for i in range(draw(st.integers(1, 3)))]
    comps = [f"component:c{i:02d}" for i in range(draw(st.integers(1, 12)))]
    apis = [f"api:a{i}" for i in range(draw(st.integers(0, 4)))]
    kinds = {r: r.partition(":")[0] for r in [*products, *comps, *apis]}
    props: dict[str, dict[str, Any]] = {r: {} for r in kinds}
    for api in apis:
        if draw(st.booleans()):  # operationIds alias their method and path
            props[api]["operations"] = [
                {"method": "get", "path": "/a", "operation_id": "getA"},
                {"method": "get", "path": "/b/{id}"},
            ]
    edges: dict[tuple[str, str, str], dict[str, Any] | None] = {}
    for c in comps:
        how = draw(st.sampled_from(["edge", "field", "platform", "sub", "none"]))
        if how == "edge":
            edges[(c, "PART_OF", draw(st.sampled_from(products)))] = None
        elif how == "field":
            props[c]["product"] = draw(st.sampled_from(products)).partition(":")[2]
        elif how == "platform":
            props[c]["platform"] = True
        elif how == "sub":
            edges[(c, "PART_OF", draw(st.sampled_from(comps)))] = None
    strength = st.sampled_from([None, {"strength": "soft"}, {"strength": "hard"}])
    channels = st.lists(st.sampled_from(["c1", "c2", "c3"]), max_size=2, unique=True)
    for _ in range(draw(st.integers(0, 30))):
        a = draw(st.sampled_from(comps))
        kind = draw(st.sampled_from(["DEPENDS_ON", "CONSUMES", "PROVIDES", "PUBLISHES", "SUB"]))
        if kind == "DEPENDS_ON":
            edges[(a, kind, draw(st.sampled_from(comps)))] = draw(strength)
        elif apis:
            api = draw(st.sampled_from(apis))
            if kind == "SUB":
                named = draw(channels)
                edges[(a, "SUBSCRIBES", api)] = {"channels": named} if named else None
            elif kind == "PUBLISHES":
                named = draw(channels)
                edges[(a, kind, api)] = {"channels": named} if named else None
            elif kind == "CONSUMES":
                used = draw(st.lists(st.sampled_from(OPS), max_size=2, unique=True))
                declared = {"operations": used} if used else {}
                edges[(a, kind, api)] = {**(draw(strength) or {}), **declared} or None
            else:
                edges[(a, kind, api)] = None
    raw: list[Edge] = [(a, t, b, pr) for (a, t, b), pr in edges.items()]
    p = projection_from_records(1, kinds, props, raw)
    targets = draw(st.lists(st.sampled_from([*comps, *apis]), min_size=1, max_size=3))
    return p, targets


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios(), st.sampled_from(list(ChangeType)))
def test_array_walk_is_the_reference_walk_on_random_portfolios(
    case: tuple[Projection, list[str]], change: ChangeType
) -> None:
    p, targets = case
    same_walk(p, [p.index[t] for t in targets], change)


limits = st.fixed_dictionaries(
    {
        "max_depth": st.one_of(st.none(), st.integers(1, 4)),
        "max_components": st.one_of(st.just(1_000_000), st.integers(1, 8)),
        "ops": st.lists(st.sampled_from(OPS), max_size=2, unique=True),
    }
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios(), st.sampled_from(list(ChangeType)), limits)
def test_cut_and_filtered_array_walks_are_the_reference_walk_on_random_portfolios(
    case: tuple[Projection, list[str]], change: ChangeType, limit: dict[str, Any]
) -> None:
    p, targets = case
    same_walk(p, [p.index[t] for t in targets], change, **limit)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=portfolios(), change=st.sampled_from(list(ChangeType)), limit=limits)
def test_impact_is_unchanged_on_random_portfolios(
    case: tuple[Projection, list[str]],
    change: ChangeType,
    limit: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p, targets = case
    for request in (
        ImpactRequest(targets=targets, change_type=change),
        ImpactRequest(
            targets=targets,
            change_type=change,
            max_depth=limit["max_depth"],
            max_components=limit["max_components"],
            operations=limit["ops"],
        ),
    ):
        assert impact(p, request) == reference_impact(p, request, monkeypatch)


# ------------------------------------------------------- the bench portfolio


@pytest.fixture(scope="module")
def bench_projection() -> Projection:
    g = generate(Spec().scaled(0.1))
    kinds = {r.ref: r.kind for r in g.node_records()}
    props = {r.ref: r.properties for r in g.node_records()}
    raw: list[Edge] = [(e.from_ref, e.type, e.to_ref, e.properties) for e in g.edge_records()]
    return projection_from_records(1, kinds, props, raw)


def test_array_walk_is_the_reference_walk_on_the_bench_portfolio(
    bench_projection: Projection,
) -> None:
    p = bench_projection
    rnd = random.Random(11)
    pool = [i for i in range(p.node_count) if p.refs[i].startswith(("component:", "api:"))]
    most_depended = sorted(pool, key=lambda n: -len(p.dependents[n]))[:10]
    for n, seed in enumerate([*most_depended, *rnd.sample(pool, 120)]):
        same_walk(p, [seed], list(ChangeType)[n % len(ChangeType)])


def test_impact_is_unchanged_on_the_bench_portfolio(
    bench_projection: Projection, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = bench_projection
    rnd = random.Random(5)
    pool = [r for r in p.refs[: p.node_count] if r.startswith(("component:", "api:"))]
    for n, target in enumerate(rnd.sample(pool, 40)):
        request = ImpactRequest(targets=[target], change_type=list(ChangeType)[n % 5])
        assert impact(p, request) == reference_impact(p, request, monkeypatch)


def api_operations(p: Projection, api: int, rnd: random.Random) -> list[str]:
    """One or two operations the API defines, as a method and path or an operationId."""
    ops = p.props[api].get("operations") or []
    picked = rnd.sample(ops, min(len(ops), rnd.randint(1, 2)))
    return [
        o["operation_id"] if rnd.random() < 0.3 else f"{o['method'].upper()} {o['path']}"
        for o in picked
    ]


def test_cut_and_filtered_walks_are_the_reference_walk_on_the_bench_portfolio(
    bench_projection: Projection,
) -> None:
    p = bench_projection
    rnd = random.Random(17)
    top = max(range(p.node_count), key=lambda n: len(p.dependents[n]))
    reasons = {
        same_walk(p, [top], ChangeType.OUTAGE, max_components=5).reason,
        same_walk(p, [top], ChangeType.OUTAGE, max_depth=1).reason,
        same_walk(p, [top], ChangeType.OUTAGE).reason,
    }
    assert reasons == {"size", "depth", None}
    apis = [n for n in range(p.node_count) if p.kinds[n] == API and len(p.dependents[n]) > 3]
    comps = [n for n in range(p.node_count) if p.offers[n]]
    excluded = matched = 0
    for n, seed in enumerate([*rnd.sample(apis, 40), *rnd.sample(comps, 20)]):
        change = list(ChangeType)[n % len(ChangeType)]
        offered = [seed] if p.kinds[seed] == API else list(p.offers[seed])
        ops = api_operations(p, rnd.choice(offered), rnd)
        arr = same_walk(p, [seed], change, ops=ops)
        excluded += len(arr.excluded)
        matched += len(arr.matched)
        same_walk(p, [seed], change, max_depth=rnd.randint(1, 3), ops=ops)
        same_walk(p, [seed], change, max_components=rnd.randint(1, 200))
    assert excluded and matched  # the filter did leave consumers out


def test_the_bench_floor_follows_the_relation_the_walk_follows(
    bench_projection: Projection,
) -> None:
    """The benchmark's BFS floor reaches exactly what the walk reaches (and answers agree)."""
    p = bench_projection
    g = floor_graph(p)
    top = top_platform(p, 5)
    assert all(p.platform[c] for c in top)
    for t in top:
        for change in ChangeType:
            reached = set((floor_reach(g, t, change) >> 3).tolist())
            assert set(frontier_walk(p, [t], change).depth) == reached
        assert set(frontier_walk(p, [t], ChangeType.OUTAGE).depth) != {t}
    answers = same_answers(p, top, impacts=2)
    assert answers == {"walks": 5, "walks_equal": 5, "impacts": 2, "impacts_equal": 2}
