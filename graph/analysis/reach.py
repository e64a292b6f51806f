"""Whole-graph reachability: strongly connected components and dependent-product sets.

Where :mod:`graph.analysis.walk` answers "what does a change to X touch" for
one X, this module answers it for every element at once, which the risk
ranking, the platform adoption matrix and the due-diligence reports need.

"Depends on" here means: is hurt by its **outage**, by the propagation table
(:mod:`graph.analysis.propagation`). The outage graph has an arc ``u -> w``
when an outage of ``u`` takes ``w`` down too (``w`` depends hard on, is part
of, or consumes hard an API of ``u``; an API goes down with the component
offering it), and ``w`` *lands* on ``u`` when an outage of ``u`` only degrades
it (soft dependencies, event subscriptions). The outage graph's strongly
connected components, condensed, form a DAG; walking that DAG from its sinks
up, each element's set of dependent products is the union over its
successors and landings, kept as a bit set (a Python int, one bit per
product). Products are numbered by :func:`product_bits` in reference order.

:func:`impact_successors` is the structural graph (every dependency, events
included), which the cycle report uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graph.analysis.projection import API, CHANNEL, COMPONENT, NO_OWNER, PRODUCT, Projection
from graph.analysis.walk import CHANGES, offers_it, outage_table
from schemas.analysis import ChangeType


def strongly_connected(
    nodes: Iterable[int], successors: Callable[[int], Iterable[int]]
) -> list[list[int]]:
    """Tarjan's algorithm without recursion; components come out sinks first.

    A component is listed after every component reachable from it, so
    processing the list in order sees successors before predecessors.
    """
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors(root)))]
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(successors(w))))
                    advanced = True
                    break
                if w in on_stack and index[w] < low[v]:
                    low[v] = index[w]
            if advanced:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == index[v]:
                members: list[int] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    members.append(w)
                    if w == v:
                        break
                out.append(sorted(members))
    return out


def impact_successors(p: Projection, hard_only: bool = False) -> Callable[[int], list[int]]:
    """Arcs of the impact graph from one element: what a change to it affects next."""
    deps, offers = p.dependents, p.offers

    def successors(u: int) -> list[int]:
        out = [e >> 5 for e in deps[u] if not (hard_only and e & 1)]
        out.extend(offers[u])
        return out

    return successors


def outage_arcs(
    p: Projection,
) -> tuple[Callable[[int], list[int]], Callable[[int], list[int]]]:
    """``(carried, landed)``: what an outage of an element takes down, and what it degrades."""
    deps, offers, kinds = p.dependents, p.offers, p.kinds
    table = outage_table()
    outage = CHANGES.index(ChangeType.OUTAGE)

    def split(u: int) -> tuple[list[int], list[int]]:
        carried: list[int] = list(offers[u])
        landed: list[int] = []
        is_api = kinds[u] != COMPONENT
        for e in deps[u]:
            hit = table.get(e & 0x1F)
            if hit is None or (is_api and offers_it(p, e >> 5, u)):
                continue
            (carried if hit[0] == outage else landed).append(e >> 5)
        return carried, landed

    def carried(u: int) -> list[int]:
        return split(u)[0]

    def landed(u: int) -> list[int]:
        return split(u)[1]

    return carried, landed


@dataclass(frozen=True, slots=True)
class Reach:
    """Per element, the products that depend on it, as bit sets over :attr:`products`."""

    products: list[int]
    bit: dict[int, int]
    dependents: list[int]
    sccs: list[list[int]]

    def refs(self, p: Projection, bits: int) -> list[str]:
        """The product references in a bit set, in reference order."""
        return [p.refs[prod] for i, prod in enumerate(self.products) if bits >> i & 1]

    def own_bit(self, p: Projection, node: int) -> int:
        owner = p.owner[node]
        return 1 << self.bit[owner] if owner != NO_OWNER else 0

    def others(self, p: Projection, node: int) -> int:
        """Products depending on *node*, its own owner left out."""
        return self.dependents[node] & ~self.own_bit(p, node)


def product_bits(p: Projection) -> tuple[list[int], dict[int, int]]:
    products = p.nodes_of("product")
    return products, {prod: i for i, prod in enumerate(products)}


def compute_reach(p: Projection, hard_only: bool = False) -> Reach:
    """Products hurt by the outage of every component and API (see the module docstring).

    With *hard_only*, only the products it takes down (soft landings left out).
    """
    products, bit = product_bits(p)
    own = [0] * len(p)
    for node, kind in enumerate(p.kinds):
        if kind == COMPONENT and p.owner[node] != NO_OWNER:
            own[node] = 1 << bit[p.owner[node]]
    successors, landed = outage_arcs(p)
    nodes = [i for i, k in enumerate(p.kinds) if k in (COMPONENT, API, CHANNEL)]
    sccs = strongly_connected(nodes, successors)
    dependents = [0] * len(p)
    for members in sccs:
        group = set(members)
        bits = 0
        cyclic = len(members) > 1
        for v in members:
            for w in successors(v):
                if w in group:
                    cyclic = True
                else:
                    bits |= own[w] | dependents[w]
            if not hard_only:
                for w in landed(v):
                    bits |= own[w]
        if cyclic:
            for v in members:
                bits |= own[v]
        for v in members:
            dependents[v] = bits
    return Reach(products, bit, dependents, sccs)


def reach(p: Projection, hard_only: bool = False) -> Reach:
    """:func:`compute_reach`, computed once per projection."""
    if hard_only:
        return p.memo("reach:hard", lambda q: compute_reach(q, hard_only=True))
    return p.memo("reach:all", compute_reach)


def tier_mask(p: Projection, r: Reach, tier: int) -> int:
    """The bit set of the products of one tier."""
    mask = 0
    for i, prod in enumerate(r.products):
        if p.kinds[prod] == PRODUCT and p.product_tier(prod) == tier:
            mask |= 1 << i
    return mask


__all__ = [
    "Reach",
    "compute_reach",
    "impact_successors",
    "outage_arcs",
    "product_bits",
    "reach",
    "strongly_connected",
    "tier_mask",
]
