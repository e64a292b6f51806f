"""The impact walk: a breadth-first search backwards along dependencies.

Depth counts dependency hops between components. An API sits at the depth
of the component offering it (PROVIDES / PUBLISHES cost nothing: the API
changes with its provider), and its consumers one hop further. So a direct
consumer of a changed component's API is at depth 1, like a direct
``DEPENDS_ON``. Each element is visited once (cycles cannot loop) and keeps
up to :data:`MAX_PARENTS` parents at its minimum depth, enough to list
several shortest explaining paths.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.analysis.projection import COMPONENT, CONSUMES, NO_OWNER, SUBSCRIBES, Projection
from graph.analysis.text import api_operation_aliases, expand_operation, operations_match

MAX_PARENTS = 4


@dataclass(slots=True)
class OperationFilter:
    """Named operations of a change, applied to consumers of the changed APIs.

    A consumer that declared which operations it uses stays affected only if
    one of them is a changed operation; one that declared none stays affected
    (it may use any of them).
    """

    apis: frozenset[int]
    operations: tuple[str, ...]
    _changed: dict[int, set[str]] = field(default_factory=dict)
    _aliases: dict[int, dict[str, set[str]]] = field(default_factory=dict)

    def aliases(self, p: Projection, api: int) -> dict[str, set[str]]:
        api = p.base(api)
        if api not in self._aliases:
            ops = p.props[api].get("operations") or []
            self._aliases[api] = api_operation_aliases(ops if isinstance(ops, list) else [])
        return self._aliases[api]

    def changed(self, p: Projection, api: int) -> set[str]:
        if api not in self._changed:
            aliases = self.aliases(p, api)
            keys: set[str] = set()
            for op in self.operations:
                keys |= expand_operation(op, aliases)
            self._changed[api] = keys
        return self._changed[api]

    def unknown_operations(self, p: Projection) -> list[str]:
        """Named operations no changed API (that lists its operations) defines."""
        listed = sorted({p.base(a) for a in self.apis if self.aliases(p, a)})
        if not listed:
            return []
        return [
            op
            for op in self.operations
            if not any(
                set(self.aliases(p, a)) & expand_operation(op, self.aliases(p, a)) for a in listed
            )
        ]

    def match(self, p: Projection, consumer: int, edge_type: int, api: int) -> list[str] | None:
        """The consumer's declared operations that changed; None when it declared none.

        An empty list means it declared operations and none of them changed.
        """
        edge = p.find_edge(consumer, edge_type, p.base(api))
        props: Mapping[str, Any] = p.edge_properties(edge) if edge is not None else {}
        declared = props.get("operations") if edge_type == CONSUMES else props.get("channels")
        if not declared or not isinstance(declared, list):
            return None
        aliases = self.aliases(p, api)
        changed = self.changed(p, api)
        return [
            op for op in declared if operations_match(expand_operation(str(op), aliases), changed)
        ]


@dataclass(slots=True)
class Walk:
    """What one walk reached, and how."""

    depth: dict[int, int]
    parents: dict[int, list[int]]
    soft_edges: bool = False
    reason: str | None = None
    unexpanded: list[int] = field(default_factory=list)
    beyond: set[int] = field(default_factory=set)
    #: (component, edge type, element, soft): edges by which the walk entered another owner
    crossings: list[tuple[int, int, int, bool]] = field(default_factory=list)
    #: consumer -> api -> declared operations that changed (None: undeclared)
    matched: dict[tuple[int, int], list[str] | None] = field(default_factory=dict)
    excluded: set[int] = field(default_factory=set)
    components: int = 0


def walk(
    p: Projection,
    seeds: Sequence[int],
    *,
    max_depth: int | None = None,
    max_components: int = 1_000_000,
    hard_only: bool = False,
    within: Collection[int] | None = None,
    op_filter: OperationFilter | None = None,
    collect: bool = True,
) -> Walk:
    """Everything affected by a change to *seeds*, breadth first.

    *hard_only* skips soft edges; *within* restricts the walk to those
    elements; *op_filter* drops consumers of the seeds' APIs that use none of
    the changed operations. The walk stops at *max_depth* hops or when it
    would report more than *max_components* components (seeds not counted),
    and says what it did not expand. *collect* records the edges by which it
    enters another owner (:attr:`Walk.crossings`).
    """
    deps, offers, owner = p.dependents, p.offers, p.owner
    depth: dict[int, int] = {}
    parents: dict[int, list[int]] = {}
    result = Walk(depth, parents)
    frontier: list[int] = []
    for s in seeds:
        if s not in depth:
            depth[s] = 0
            frontier.append(s)
    for s in list(frontier):
        for a in offers[s]:
            _reach(depth, parents, frontier, a, s, 0)

    filter_apis = op_filter.apis if op_filter is not None else frozenset()
    crossing = result.crossings.append
    depth_of = depth.get
    components = 0
    d = 0
    stop_at: int | None = None
    nxt: list[int] = []
    soft_seen = False
    while frontier:
        if max_depth is not None and d >= max_depth:
            _cut(p, result, frontier, hard_only, within)
            if result.unexpanded:
                result.reason = "depth"
            break
        nd = d + 1
        nxt = []
        for i, u in enumerate(frontier):
            entries = deps[u]
            if not entries:
                continue
            filtering = op_filter is not None and d == 0 and u in filter_apis
            ou = owner[u]
            for e in entries:
                if e & 1:
                    if hard_only:
                        continue
                    soft_seen = True
                w = e >> 5
                if within is not None and w not in within:
                    continue
                if filtering and op_filter is not None:
                    etype = (e >> 1) & 0xF
                    if etype in (CONSUMES, SUBSCRIBES):
                        ops = op_filter.match(p, w, etype, u)
                        result.matched[(w, u)] = ops
                        if ops is not None and not ops:
                            result.excluded.add(w)
                            continue
                dw = depth_of(w)
                if dw is None:
                    if components >= max_components:
                        stop_at = i
                        break
                    depth[w] = nd
                    parents[w] = [u]
                    nxt.append(w)
                    components += 1
                    for a in offers[w]:
                        _reach(depth, parents, nxt, a, w, nd)
                elif dw == nd:
                    ps = parents[w]
                    if len(ps) < MAX_PARENTS and u not in ps:
                        ps.append(u)
                if collect:
                    ow = owner[w]
                    if ow != NO_OWNER and ow != ou:
                        crossing((w, (e >> 1) & 0xF, u, bool(e & 1)))
            if stop_at is not None:
                break
        if stop_at is not None:
            result.reason = "size"
            _cut(p, result, [*frontier[stop_at:], *nxt], hard_only, within)
            break
        frontier = nxt
        d = nd
    result.components = components
    result.soft_edges = soft_seen
    return result


def _reach(
    depth: dict[int, int],
    parents: dict[int, list[int]],
    queue: list[int],
    api: int,
    provider: int,
    d: int,
) -> None:
    """Mark an offered API as reached at its provider's depth."""
    da = depth.get(api)
    if da is None:
        depth[api] = d
        parents[api] = [provider]
        queue.append(api)
    elif da == d and api in parents:
        ps = parents[api]
        if len(ps) < MAX_PARENTS and provider not in ps:
            ps.append(provider)


def _cut(
    p: Projection,
    result: Walk,
    frontier: Iterable[int],
    hard_only: bool,
    within: Collection[int] | None,
) -> None:
    """Record which reached elements were not expanded and what lies one step past them."""
    depth = result.depth
    for u in dict.fromkeys(frontier):
        past = [
            e >> 5
            for e in p.dependents[u]
            if not (hard_only and e & 1)
            and (e >> 5) not in depth
            and (within is None or (e >> 5) in within)
        ]
        if past:
            result.unexpanded.append(u)
            result.beyond.update(past)


def affected_components(p: Projection, w: Walk, seeds: Collection[int]) -> list[int]:
    """Components the walk reached, seeds excluded, in id (reference) order."""
    return sorted(n for n in w.depth if p.kinds[n] == COMPONENT and n not in seeds)


def paths_to(
    p: Projection,
    w: Walk,
    start: int,
    limit: int,
) -> list[list[int]]:
    """Up to *limit* shortest chains from *start* back to a seed, *start* first."""
    out: list[list[int]] = []
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    while stack and len(out) < limit:
        node, path = stack.pop()
        ps = w.parents.get(node)
        if not ps:
            out.append(path)
            continue
        for parent in reversed(ps):
            if parent not in path:
                stack.append((parent, [*path, parent]))
    return out


__all__ = [
    "MAX_PARENTS",
    "OperationFilter",
    "Walk",
    "affected_components",
    "paths_to",
    "walk",
]
