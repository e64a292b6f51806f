"""Property tests: the impact walk against a brute-force reverse reachability.

Random small portfolios (cycles, soft edges, sub-components, APIs with and
without declared operations) are loaded into each store backend and
projected; the affected components, their depths, the hard/soft split and
the affected products must equal what a naive fixpoint over the edge list
and the propagation table computes, for every change type. The naive
versions below read the table (the rule) and share no code with the walk.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.analysis import impact
from graph.analysis.propagation import PROPAGATION, EdgeKind
from graph.storage import GraphStore
from schemas.analysis import ChangeType, ImpactRequest, ImpactResult
from tests.analysis.conftest import load

OPS = ("GET /a", "POST /a", "GET /b/{id}", "DELETE /b/{id}")
CHANNELS = ("c1", "c2", "c3")


@dataclass
class Portfolio:
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    apis: list[str] = field(default_factory=list)


@st.composite
def portfolios(draw: st.DrawFn) -> Portfolio:
    g = Portfolio()
    products = [f"product:p{i}" for i in range(draw(st.integers(1, 4)))]
    for p in products:
        g.nodes[p] = {"tier": draw(st.integers(1, 3))}
    g.components = [f"component:c{i:02d}" for i in range(draw(st.integers(1, 14)))]
    g.apis = [f"api:a{i}" for i in range(draw(st.integers(0, 5)))]
    for c in g.components:
        how = draw(st.sampled_from(["edge", "field", "platform", "none", "sub"]))
        props: dict[str, Any] = {}
        if how == "edge":
            g.edges.append((c, "PART_OF", draw(st.sampled_from(products)), {}))
        elif how == "field":
            props["product"] = draw(st.sampled_from(products)).partition(":")[2]
        elif how == "platform":
            props["platform"] = True
        elif how == "sub":
            g.edges.append((c, "PART_OF", draw(st.sampled_from(g.components)), {}))
        g.nodes[c] = props
    for a in g.apis:
        g.nodes[a] = {}
    comp, api = st.sampled_from(g.components), st.sampled_from(g.apis) if g.apis else None
    strength = st.sampled_from([{}, {"strength": "hard"}, {"strength": "soft"}])
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(
            st.sampled_from(["DEPENDS_ON", "PROVIDES", "CONSUMES", "PUBLISHES", "SUBSCRIBES"])
        )
        if kind == "DEPENDS_ON":
            g.edges.append((draw(comp), kind, draw(comp), draw(strength)))
        elif api is not None:
            props = {}
            if kind == "CONSUMES":  # CONSUMES has no strength (schemas/edges.py)
                ops = draw(st.lists(st.sampled_from(OPS), unique=True, max_size=2))
                if ops:
                    props["operations"] = ops
            elif kind in ("PUBLISHES", "SUBSCRIBES"):
                channels = draw(st.lists(st.sampled_from(CHANNELS), unique=True, max_size=2))
                if channels:
                    props["channels"] = channels
            g.edges.append((draw(comp), kind, draw(api), props))
    unique: dict[tuple[str, str, str], dict[str, Any]] = {}
    for a, t, b, props in g.edges:
        if not (t == "PART_OF" and a == b):
            unique[(a, t, b)] = props
    g.edges = [(*k, v) for k, v in unique.items()]
    return g


# ----------------------------------------------------------------- the naive side


def naive_arcs(g: Portfolio) -> list[tuple[str, str, int, str, dict[str, Any]]]:
    """``(from, to, cost, edge type, props)``: a change to *from* affects *to*.

    An event API with named channels also has one node per channel,
    ``"api:x#c1"``: a publisher naming channels changes only those, and a
    subscriber hears the channels it names (all of them when it names none).
    """
    channels: dict[str, set[str]] = {}
    for _, t, b, props in g.edges:
        if t in ("PUBLISHES", "SUBSCRIBES"):
            channels.setdefault(b, set()).update(props.get("channels", []))
    arcs: list[tuple[str, str, int, str, dict[str, Any]]] = []
    for a, t, b, props in g.edges:
        if t == "PROVIDES":
            arcs.append((a, b, 0, t, props))
        elif t == "PUBLISHES":
            named = props.get("channels")
            arcs += (
                [(a, f"{b}#{c}", 0, t, props) for c in named] if named else [(a, b, 0, t, props)]
            )
        elif t in ("DEPENDS_ON", "CONSUMES") or (t == "PART_OF" and b.startswith("component:")):
            arcs.append((b, a, 1, t, props))
        elif t == "SUBSCRIBES":
            arcs.append((b, a, 1, t, props))
            for c in props.get("channels") or channels.get(b, ()):
                arcs.append((f"{b}#{c}", a, 1, t, props))
    return arcs


def naive_offers(g: Portfolio, component: str, api: str) -> bool:
    """Whether *component* provides or publishes *api* (``"api:x"`` or one channel ``"api:x#c"``)."""
    base, _, channel = api.partition("#")
    for a, t, b, props in g.edges:
        if a != component or b != base or t not in ("PROVIDES", "PUBLISHES"):
            continue
        named = props.get("channels") if t == "PUBLISHES" else None
        if not channel or not named or channel in named:
            return True
    return False


def naive_column(t: str, props: dict[str, Any]) -> tuple[EdgeKind, bool]:
    soft = props.get("strength") == "soft"
    if t == "DEPENDS_ON":
        return (EdgeKind.DEPENDS_ON_SOFT if soft else EdgeKind.DEPENDS_ON_HARD), soft
    if t == "CONSUMES":
        return (EdgeKind.CONSUMES_SOFT if soft else EdgeKind.CONSUMES_HARD), soft
    return (EdgeKind.PART_OF if t == "PART_OF" else EdgeKind.SUBSCRIBES), soft


def naive_states(
    g: Portfolio, targets: Sequence[str], ops: Sequence[str], change: ChangeType
) -> dict[tuple[str, str], int]:
    """Minimum depth of every (element, what it does with the change): a fixpoint over
    the raw edges and the propagation table. The state is the change the element
    passes on, or "hard" / "soft" when the change stops there."""
    arcs = naive_arcs(g)
    dist: dict[tuple[str, str], int] = {(t, change.value): 0 for t in targets}
    moved = True
    while moved:
        moved = False
        for src, dst, cost, t, props in arcs:
            for mode in [c.value for c in ChangeType]:
                here = dist.get((src, mode))
                if here is None:
                    continue
                row = PROPAGATION[ChangeType(mode)]
                if cost == 0:
                    onward = row[EdgeKind.OFFERS].onward
                    state = onward.value if onward is not None else "hard"
                else:
                    if src.startswith("api:") and naive_offers(g, dst, src):
                        continue
                    column, soft = naive_column(t, props)
                    cell = row[column]
                    if cell.lands is None:
                        continue
                    declared = props.get("operations" if t == "CONSUMES" else "channels") or []
                    first_hop = here == 0 and src.startswith("api:")
                    used = set(declared) & set(ops)
                    if (
                        ops
                        and first_hop
                        and t in ("CONSUMES", "SUBSCRIBES")
                        and declared
                        and not used
                    ):
                        continue
                    if soft or cell.onward is None:
                        state = "soft" if soft or cell.lands == "soft" else "hard"
                    else:
                        state = cell.onward.value
                if here + cost < dist.get((dst, state), 1 << 30):
                    dist[(dst, state)] = here + cost
                    moved = True
    return dist


def naive_depths(
    g: Portfolio,
    targets: Sequence[str],
    ops: Sequence[str],
    hard_only: bool,
    change: ChangeType = ChangeType.BREAKING_CHANGE,
) -> dict[str, int]:
    """Minimum depth of every affected element (with *hard_only*: landed hard)."""
    out: dict[str, int] = {}
    for (node, state), d in naive_states(g, targets, ops, change).items():
        if hard_only and state == "soft":
            continue
        out[node] = min(d, out.get(node, d))
    return out


def naive_owner(g: Portfolio, ref: str) -> str | None:
    seen = {ref}
    node = ref
    while True:
        if g.nodes[node].get("platform"):
            return None
        ups = sorted(b for a, t, b, _ in g.edges if a == node and t == "PART_OF")
        if not ups or ups[0] in seen:
            slug = g.nodes[node].get("product")
            return f"product:{slug}" if slug else None
        if ups[0].startswith("product:"):
            return ups[0]
        seen.add(ups[0])
        node = ups[0]


def naive_target_owners(g: Portfolio, targets: Sequence[str]) -> set[str]:
    owners: set[str | None] = set()
    for t in targets:
        if t.startswith("api:"):
            providers = [a for a, k, b, _ in g.edges if b == t and k in ("PROVIDES", "PUBLISHES")]
            owners |= {naive_owner(g, c) for c in providers}
        else:
            owners.add(naive_owner(g, t))
    return {o for o in owners if o}


# ------------------------------------------------------------------ the properties


def run(
    store: GraphStore, check: Callable[[Portfolio, Any], None], extra: st.SearchStrategy[Any]
) -> None:
    examples = int(os.environ.get("ARCHGRAPH_PROPERTY_EXAMPLES", "0")) or (
        120 if store.backend == "sqlite" else 25
    )

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def prop(data: st.DataObject) -> None:
        g = data.draw(portfolios())
        check(g, data.draw(extra(g)))  # type: ignore[operator]

    prop()


def _targets(g: Portfolio) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(g.components + g.apis), min_size=1, max_size=3, unique=True)


def comps(groups: ImpactResult, which: str = "all") -> dict[str, int]:
    out: dict[str, int] = {}
    for grp in groups.components_by_depth:
        refs = grp.hard + grp.soft if which == "all" else grp.hard
        out.update({r: grp.depth for r in refs})
    return out


def test_affected_sets_equal_brute_force(any_store: GraphStore) -> None:
    def extra(g: Portfolio) -> st.SearchStrategy[Any]:
        return st.tuples(
            _targets(g),
            st.lists(st.sampled_from(OPS), max_size=2, unique=True),
            st.sampled_from(list(ChangeType)),
        )

    def check(g: Portfolio, drawn: tuple[list[str], list[str], ChangeType]) -> None:
        targets, ops, change = drawn
        p = load(any_store, g.nodes, g.edges)
        result = impact(p, ImpactRequest(targets=targets, operations=ops, change_type=change))
        dist = naive_depths(g, targets, ops, hard_only=False, change=change)
        hard = naive_depths(g, targets, ops, hard_only=True, change=change)
        expected = {
            r: d for r, d in dist.items() if r.startswith("component:") and r not in targets
        }
        assert comps(result) == expected
        assert set(comps(result, "hard")) == {r for r in expected if r in hard}
        owners = naive_target_owners(g, targets)
        assert {o.ref for o in result.owners} == owners
        products = {naive_owner(g, c) for c in expected} - owners - {None}
        assert {a.ref for a in result.affected_products} == products
        for a in result.affected_products:
            mine = [c for c in expected if naive_owner(g, c) == a.ref]
            assert a.min_depth == min(expected[c] for c in mine)
            assert a.strength == ("hard" if any(c in hard for c in mine) else "soft")
            for path in a.paths:
                assert path[0] == a.ref and path[-1] in targets
                assert len(path) - 1 >= a.min_depth
        assert not result.truncated

    run(any_store, check, extra)


def test_depth_limit_keeps_exactly_the_near_part(any_store: GraphStore) -> None:
    """Under an operation filter too, for every change type."""

    def extra(g: Portfolio) -> st.SearchStrategy[Any]:
        return st.tuples(
            _targets(g),
            st.integers(1, 4),
            st.lists(st.sampled_from(OPS), max_size=2, unique=True),
            st.sampled_from(list(ChangeType)),
        )

    def check(g: Portfolio, drawn: tuple[list[str], int, list[str], ChangeType]) -> None:
        targets, limit, ops, change = drawn
        p = load(any_store, g.nodes, g.edges)
        request = ImpactRequest(
            targets=targets, max_depth=limit, operations=ops, change_type=change
        )
        result = impact(p, request)
        dist = naive_depths(g, targets, ops, hard_only=False, change=change)
        hard = naive_depths(g, targets, ops, hard_only=True, change=change)
        every = {r: d for r, d in dist.items() if r.startswith("component:") and r not in targets}
        assert comps(result) == {r: d for r, d in every.items() if d <= limit}
        assert set(comps(result, "hard")) == {
            r for r, d in every.items() if r in hard and hard[r] <= limit
        }
        assert result.truncated == any(d > limit for d in dist.values())
        if result.truncation:
            assert result.truncation.reason == "depth"
            assert result.truncation.beyond_count >= 1

    run(any_store, check, extra)


def test_size_limit_reports_a_bfs_prefix(any_store: GraphStore) -> None:
    """Under an operation filter too."""

    def extra(g: Portfolio) -> st.SearchStrategy[Any]:
        return st.tuples(
            _targets(g), st.integers(1, 6), st.lists(st.sampled_from(OPS), max_size=2, unique=True)
        )

    def check(g: Portfolio, drawn: tuple[list[str], int, list[str]]) -> None:
        targets, limit, ops = drawn
        p = load(any_store, g.nodes, g.edges)
        request = ImpactRequest(
            targets=targets, max_components=limit, operations=ops, change_type="remove"
        )
        result = impact(p, request)
        dist = naive_depths(g, targets, ops, hard_only=False, change=ChangeType.REMOVE)
        every = {r: d for r, d in dist.items() if r.startswith("component:") and r not in targets}
        got = comps(result)
        assert len(got) == min(limit, len(every))
        assert all(every[r] == d for r, d in got.items())
        # breadth first: nothing reported lies deeper than something left out
        left_out = [d for r, d in every.items() if r not in got]
        if left_out and got:
            assert max(got.values()) <= min(left_out)
        assert result.truncated == (len(every) > limit)

    run(any_store, check, extra)


def test_several_targets_never_score_below_the_largest_single_one(any_store: GraphStore) -> None:
    def extra(g: Portfolio) -> st.SearchStrategy[Any]:
        return st.tuples(_targets(g), st.sampled_from(list(ChangeType)))

    def check(g: Portfolio, drawn: tuple[list[str], ChangeType]) -> None:
        targets, change = drawn
        p = load(any_store, g.nodes, g.edges)
        together = impact(p, ImpactRequest(targets=targets, change_type=change))
        assert 0 <= together.blast_radius.score <= 100
        for t in targets:
            alone = impact(p, ImpactRequest(targets=[t], change_type=change))
            assert together.blast_radius.score >= alone.blast_radius.score

    run(any_store, check, extra)
