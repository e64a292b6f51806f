"""Structural risks of the portfolio: what too much depends on, and what is tangled.

:func:`find_risks` answers ``GET /api/v1/risks`` with four lists:

* **most depended upon**: components ranked by how many *other* products
  their outage reaches, then by tier-1 products reached, products taken
  down, and components it takes down directly (the reference only last);
* **single points of failure**: components that at least ``min_products``
  other products, or one tier-1 product, depend on through hard edges only,
  and for which no alternative exists: no other active component declares
  any capability they declare (a component declaring none has no known
  alternative);
* **cycles crossing products**: strongly connected sets of the impact graph
  whose components belong to two or more owners (products, or the platform),
  each with one example cycle;
* **deprecated in use**: deprecated or retired APIs and components that
  something still consumes or depends on, and active APIs whose deprecated
  operations consumers declare they use.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from graph.analysis.capabilities import declared
from graph.analysis.projection import (
    API,
    CHANNEL,
    COMPONENT,
    CONSUMES,
    DEPENDS_ON,
    NO_OWNER,
    SUBSCRIBES,
    Projection,
)
from graph.analysis.reach import (
    impact_successors,
    outage_arcs,
    reach,
    strongly_connected,
    tier_mask,
)
from graph.analysis.text import api_operation_aliases, expand_operation, operations_match
from schemas.analysis import (
    CrossProductCycle,
    DependedUpon,
    DeprecatedInUse,
    RisksResult,
    SinglePointOfFailure,
)

RETIRING = frozenset({"deprecated", "retired"})


def find_risks(p: Projection, *, limit: int = 20, min_products: int = 2) -> RisksResult:
    """The portfolio's structural risks (see the module docstring); lists cut at *limit*."""
    return RisksResult(
        graph_version=p.version,
        most_depended_upon=most_depended_upon(p, limit=limit),
        single_points_of_failure=single_points_of_failure(p, min_products=min_products)[:limit],
        cycles=cross_product_cycles(p)[:limit],
        deprecated_in_use=deprecated_in_use(p)[:limit],
    )


def _popcount(bits: int) -> int:
    return bin(bits).count("1")


def most_depended_upon(p: Projection, *, limit: int = 20) -> list[DependedUpon]:
    """Components ranked by the number of other products depending on them."""
    every, hard = reach(p), reach(p, hard_only=True)
    tier1 = tier_mask(p, every, 1)
    carried, _ = outage_arcs(p)
    ranked: list[tuple[tuple[int, int, int, int, str], int, int]] = []
    for c in p.nodes_of("component"):
        others = every.others(p, c)
        if not others:
            continue
        n, n_hard = _popcount(others), _popcount(hard.others(p, c))
        n_tier1 = _popcount(others & tier1)
        ranked.append(((-n, -n_tier1, -n_hard, -_direct_hard(p, c, carried), p.refs[c]), c, others))
    ranked.sort()
    return [
        DependedUpon(
            component=p.refs[c],
            name=p.name(c),
            product=p.owner_ref(c),
            platform=p.is_platform(c),
            products=-key[0],
            hard_products=-key[2],
            tier1_products=-key[1],
            hard_dependents=-key[3],
            dependent_products=every.refs(p, others),
        )
        for key, c, others in ranked[:limit]
    ]


def _direct_hard(p: Projection, c: int, carried: Callable[[int], list[int]]) -> int:
    """Components an outage of *c* takes down directly (through its own APIs too)."""
    down = {w for w in carried(c) if p.kinds[w] == COMPONENT}
    for api in p.offers[c]:
        down.update(w for w in carried(api) if p.kinds[w] == COMPONENT)
    down.discard(c)
    return len(down)


def single_points_of_failure(p: Projection, *, min_products: int = 2) -> list[SinglePointOfFailure]:
    """Hard dependencies of several products (or one tier-1 product) with no alternative."""
    hard = reach(p, hard_only=True)
    tier1 = tier_mask(p, hard, 1)
    carried, _ = outage_arcs(p)
    caps = declared(p)
    providers: dict[str, set[int]] = {}
    for c, found in caps.items():
        if str(p.props[c].get("lifecycle", "active")) not in RETIRING:
            for ref, confidence in found.items():
                if confidence >= 0.5:
                    providers.setdefault(ref, set()).add(c)
    out: list[tuple[tuple[int, int, int, str], SinglePointOfFailure]] = []
    for c in p.nodes_of("component"):
        others = hard.others(p, c)
        n, n_tier1 = _popcount(others), _popcount(others & tier1)
        if n < min_products and not n_tier1:
            continue
        own_caps = sorted(caps.get(c, {}))
        if any(y != c for ref in own_caps for y in providers.get(ref, ())):
            continue
        why = f"hard dependency of {n} other product(s), {n_tier1} of them tier 1; " + (
            f"no other active component provides {', '.join(own_caps)}"
            if own_caps
            else "it declares no capability, so no alternative is known"
        )
        spof = SinglePointOfFailure(
            component=p.refs[c],
            product=p.owner_ref(c),
            platform=p.is_platform(c),
            hard_products=hard.refs(p, others),
            tier1_products=n_tier1,
            capabilities=own_caps,
            reason=why,
        )
        out.append(((-n_tier1, -n, -_direct_hard(p, c, carried), p.refs[c]), spof))
    out.sort(key=lambda item: item[0])
    return [spof for _, spof in out]


def _owner_label(p: Projection, c: int) -> str | None:
    if p.platform[c]:
        return "platform"
    return p.refs[p.owner[c]] if p.owner[c] != NO_OWNER else None


def cross_product_cycles(p: Projection) -> list[CrossProductCycle]:
    """Dependency cycles whose components belong to two or more owners.

    Each is a strongly connected set of the impact graph over every edge;
    it is ``hard`` when hard edges alone still close a cycle across owners
    inside it. The example is a closed walk from its first component to the
    nearest component of another owner and back, shortest legs first (over hard
    edges only when the cycle is hard).
    """
    successors = impact_successors(p)
    hard_successors = impact_successors(p, hard_only=True)
    nodes = [i for i, k in enumerate(p.kinds) if k in (COMPONENT, API, CHANNEL)]
    hard_groups = [
        set(m) for m in strongly_connected(nodes, hard_successors) if len(_owners_of(p, m)) >= 2
    ]
    out: list[CrossProductCycle] = []
    for members in strongly_connected(nodes, successors):
        if len(members) < 2:
            continue
        comps = [c for c in members if p.kinds[c] == COMPONENT]
        owners = _owners_of(p, comps)
        if len(owners) < 2:
            continue
        group = set(members)
        inner = [h for h in hard_groups if h <= group]
        if inner:
            hard = min(inner, key=lambda h: min(h))
            start = min(c for c in hard if p.kinds[c] == COMPONENT)
            example = _crossing_cycle(p, start, hard, hard_successors)
        else:
            example = _crossing_cycle(p, comps[0], group, successors)
        out.append(
            CrossProductCycle(
                components=[p.refs[c] for c in comps],
                products=sorted(owners),
                strength="hard" if inner else "soft",
                example=[p.refs[n] for n in example],
            )
        )
    out.sort(key=lambda cyc: (cyc.strength != "hard", -len(cyc.products), cyc.components))
    return out


def _owners_of(p: Projection, nodes: list[int]) -> set[str]:
    return {
        label
        for c in nodes
        if p.kinds[c] == COMPONENT and (label := _owner_label(p, c)) is not None
    }


def _path(
    start: int,
    group: set[int],
    successors: Callable[[int], list[int]],
    goal: Callable[[int], bool],
) -> list[int]:
    """Shortest path of impact arcs inside *group* from *start* to a node meeting *goal*."""
    prev: dict[int, int] = {start: start}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        for w in successors(u):
            if w not in group or w in prev:
                continue
            prev[w] = u
            if goal(w):
                path = [w]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return path[::-1]
            queue.append(w)
    return [start]


def _crossing_cycle(
    p: Projection, start: int, group: set[int], successors: Callable[[int], list[int]]
) -> list[int]:
    """A closed walk from *start* through another owner's component and back, read in
    the depends-on direction (each element depends on the next)."""
    home = _owner_label(p, start)

    def elsewhere(n: int) -> bool:
        return p.kinds[n] == COMPONENT and _owner_label(p, n) not in (home, None)

    out_leg = _path(start, group, successors, elsewhere)
    back_leg = _path(out_leg[-1], group, successors, lambda n: n == start)
    walk = [*out_leg, *back_leg[1:]]
    # impact arcs run from what changes to what is affected: reversed, each depends on the next
    return walk[::-1]


def deprecated_in_use(p: Projection) -> list[DeprecatedInUse]:
    """Deprecated or retired elements, and deprecated operations, still in use."""
    out: list[DeprecatedInUse] = []
    for x in [*p.nodes_of("api"), *p.nodes_of("component")]:
        props = p.props[x]
        lifecycle = str(props.get("lifecycle") or "active")
        is_api = p.kinds[x] == API
        wanted = (CONSUMES, SUBSCRIBES) if is_api else (DEPENDS_ON,)
        users = sorted({e >> 5 for e in p.dependents[x] if (e >> 1) & 0xF in wanted})
        if not users:
            continue
        deprecated_ops: set[str] = set()
        if lifecycle not in RETIRING:
            if not is_api:
                continue
            users, deprecated_ops = _users_of_deprecated_operations(p, x, users)
            if not users:
                continue
        sunset = props.get("sunset_date")
        out.append(
            DeprecatedInUse(
                element=p.refs[x],
                lifecycle=lifecycle,
                sunset_date=str(sunset) if sunset else None,
                deprecated_operations=sorted(deprecated_ops),
                consumers=[p.refs[u] for u in users],
                products=sorted({p.refs[p.owner[u]] for u in users if p.owner[u] != NO_OWNER}),
            )
        )
    out.sort(key=lambda d: (-len(d.products), -len(d.consumers), d.element))
    return out


def _users_of_deprecated_operations(
    p: Projection, api: int, consumers: list[int]
) -> tuple[list[int], set[str]]:
    ops = [o for o in p.props[api].get("operations") or [] if isinstance(o, dict)]
    aliases = api_operation_aliases(ops)
    deprecated = [o for o in ops if o.get("deprecated")]
    if not deprecated:
        return [], set()
    dep_keys = set().union(*(api_operation_aliases([o]).keys() for o in deprecated))
    users: list[int] = []
    named: set[str] = set()
    for c in consumers:
        edge = p.find_edge(c, CONSUMES, api)
        declared_ops = p.edge_properties(edge).get("operations") if edge is not None else None
        if not isinstance(declared_ops, list):
            continue
        hits = [
            str(o)
            for o in declared_ops
            if operations_match(expand_operation(str(o), aliases), dep_keys)
        ]
        if hits:
            users.append(c)
            named.update(hits)
    return users, named


__all__ = [
    "cross_product_cycles",
    "deprecated_in_use",
    "find_risks",
    "most_depended_upon",
    "single_points_of_failure",
]
