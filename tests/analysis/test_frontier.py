"""The array walk (graph/analysis/frontier.py) against the reference walk (walk.py).

Both must give the same answer to the letter: the same states at the same
depths, the same parents in the same order (so the same explaining paths),
the same crossings and possible-cascade starts, and the same ``impact()``
result, on random small portfolios (channels, sub-components, soft edges,
cycles) and on many random targets of the benchmark's generated portfolio.
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
from graph.analysis.projection import Projection
from graph.analysis.walk import SOFT_STOP, Walk, paths_to, state_of, walk
from schemas.analysis import ChangeType, ImpactRequest, ImpactResult

IMPACT_MODULE = sys.modules["graph.analysis.impact"]

Edge = tuple[str, str, str, dict[str, Any] | None]


def same_walk(p: Projection, seeds: list[int], change: ChangeType) -> None:
    ref = walk(p, seeds, change)
    arr = frontier_walk(p, seeds, change)
    assert isinstance(arr, ArrayWalk)
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
            else:
                edges[(a, kind, api)] = draw(strength) if kind == "CONSUMES" else None
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


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=portfolios(), change=st.sampled_from(list(ChangeType)))
def test_impact_is_unchanged_on_random_portfolios(
    case: tuple[Projection, list[str]], change: ChangeType, monkeypatch: pytest.MonkeyPatch
) -> None:
    p, targets = case
    request = ImpactRequest(targets=targets, change_type=change)
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


def test_limits_and_operation_filters_are_answered_by_the_reference_walk(
    bench_projection: Projection,
) -> None:
    p = bench_projection
    top = max(range(p.node_count), key=lambda n: len(p.dependents[n]))
    cut = frontier_walk(p, [top], ChangeType.OUTAGE, max_components=5)
    assert isinstance(cut, Walk) and cut.reason == "size"
    deep = frontier_walk(p, [top], ChangeType.OUTAGE, max_depth=1)
    assert isinstance(deep, Walk) and deep.reason == "depth"
    whole = frontier_walk(p, [top], ChangeType.OUTAGE)
    assert isinstance(whole, ArrayWalk) and whole.reason is None
    assert state_of(top, 0) != state_of(top, SOFT_STOP)


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
