"""The impact walk: a breadth-first search backwards along dependencies.

What a change does to each dependent is the propagation table
(:mod:`graph.analysis.propagation`): the walk expands only the elements that
carry the change on. Depth counts dependency hops between components. An API
sits at the depth of the component offering it (PROVIDES / PUBLISHES cost
nothing: the API changes with its provider), and its consumers one hop
further. So a direct consumer of a changed component's API is at depth 1,
like a direct ``DEPENDS_ON``. Each state of an element (carrying a change
on, landed hard, landed soft) is visited once, so cycles cannot loop, and
keeps up to :data:`MAX_PARENTS` parents at its minimum depth, enough to list
several shortest explaining paths.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from graph.analysis.projection import (
    COMPONENT,
    CONSUMES,
    IMPACT_TYPES,
    NO_OWNER,
    SUBSCRIBES,
    Projection,
)
from graph.analysis.propagation import PROPAGATION, EdgeKind, cell_for
from graph.analysis.text import api_operation_aliases, expand_operation, operations_match
from schemas.analysis import ChangeType

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
    #: (API, declared operation) -> whether it is a changed one (consumers repeat them)
    _uses: dict[tuple[int, str], bool] = field(default_factory=dict)

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
        base = p.base(api)
        uses = self._uses
        out: list[str] = []
        for op in declared:
            key = (base, str(op))
            hit = uses.get(key)
            if hit is None:
                hit = operations_match(
                    expand_operation(key[1], self.aliases(p, api)), self.changed(p, api)
                )
                uses[key] = hit
            if hit:
                out.append(op)
        return out


#: State codes: 0-4 carry a change on (index in :data:`CHANGES`), 5 landed hard, 6 landed soft.
CHANGES: tuple[ChangeType, ...] = tuple(ChangeType)
HARD_STOP = 5
SOFT_STOP = 6
_SHIFT = 3


def state_of(node: int, code: int) -> int:
    """One state of the walk: an element, and what it does with the change (see CHANGES)."""
    return (node << _SHIFT) | code


@cache
def landing_table(code: int) -> dict[int, tuple[int, bool]]:
    """Per ``(edge type << 1 | soft)``: the state a dependent lands in, and whether it cascades."""
    change = CHANGES[code]
    out: dict[int, tuple[int, bool]] = {}
    for etype in IMPACT_TYPES:
        for soft in (False, True):
            cell = cell_for(change, etype, soft)
            if cell is None or cell.lands is None:
                continue
            if cell.onward is not None:
                landed = CHANGES.index(cell.onward)
            else:
                landed = HARD_STOP if cell.lands == "hard" else SOFT_STOP
            out[(etype << 1) | int(soft)] = (landed, cell.cascade)
    return out


def outage_table() -> dict[int, tuple[int, bool]]:
    """The outage row of the table as the walk reads it (see :func:`landing_table`)."""
    return landing_table(CHANGES.index(ChangeType.OUTAGE))


@cache
def offered_code(code: int) -> int:
    """The state of an API offered by a component carrying change *code*."""
    onward = PROPAGATION[CHANGES[code]][EdgeKind.OFFERS].onward
    return CHANGES.index(onward) if onward is not None else HARD_STOP


def offers_it(p: Projection, component: int, api: int) -> bool:
    """Whether *component* provides or publishes *api* (an API, or one channel of one)."""
    offered = p.offers[component]
    if not offered:
        return False
    if api in offered:
        return True
    base = p.base(api)
    if base != api:
        return base in offered
    return any(p.base(a) == api for a in offered)


class Reached(Protocol):
    """What a walk reached, whichever engine ran it (:class:`Walk` or the array walk)."""

    @property
    def depth(self) -> Mapping[int, int]: ...
    @property
    def hard_depth(self) -> Mapping[int, int]: ...
    @property
    def crossings(self) -> list[tuple[int, int, int, bool]]: ...
    @property
    def matched(self) -> dict[tuple[int, int], list[str] | None]: ...
    @property
    def excluded(self) -> set[int]: ...
    @property
    def cascade(self) -> set[int]: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def unexpanded(self) -> list[int]: ...
    @property
    def beyond(self) -> set[int]: ...

    def state_depth(self, state: int) -> int | None:
        """The minimum depth of *state*, None when the walk never reached it."""
        ...

    def parents_of(self, state: int) -> list[int]:
        """Up to :data:`MAX_PARENTS` parent states at the state's minimum depth, in walk order."""
        ...


@dataclass(slots=True)
class Walk:
    """What one walk reached, and how.

    Each element can be reached in several *states* (carrying the change on,
    or landed hard, or soft); :attr:`states` keeps the minimum depth of each
    state and :attr:`parents` up to :data:`MAX_PARENTS` parent states there.
    """

    depth: dict[int, int]
    hard_depth: dict[int, int]
    states: dict[int, int]
    parents: dict[int, list[int]]
    reason: str | None = None
    unexpanded: list[int] = field(default_factory=list)
    beyond: set[int] = field(default_factory=set)
    #: (component, edge type, element, soft): edges by which the walk entered another owner
    crossings: list[tuple[int, int, int, bool]] = field(default_factory=list)
    #: consumer -> api -> declared operations that changed (None: undeclared)
    matched: dict[tuple[int, int], list[str] | None] = field(default_factory=dict)
    excluded: set[int] = field(default_factory=set)
    #: elements a change landed on whose own dependents see it only as possible cascade
    cascade: set[int] = field(default_factory=set)
    components: int = 0

    def state_depth(self, state: int) -> int | None:
        return self.states.get(state)

    def parents_of(self, state: int) -> list[int]:
        return self.parents.get(state, [])

    def _note(self, state: int, d: int, parent: int | None) -> bool:
        """Record *state* at depth *d*; True when it is new."""
        known = self.states.get(state)
        if known is None:
            self.states[state] = d
            self.parents[state] = [] if parent is None else [parent]
            node, code = state >> _SHIFT, state & 7
            if d < self.depth.get(node, d + 1):
                self.depth[node] = d
            if code != SOFT_STOP and d < self.hard_depth.get(node, d + 1):
                self.hard_depth[node] = d
            return True
        if known == d and parent is not None:
            ps = self.parents[state]
            if len(ps) < MAX_PARENTS and parent not in ps:
                ps.append(parent)
        return False


def walk(
    p: Projection,
    seeds: Sequence[int],
    change: ChangeType = ChangeType.BREAKING_CHANGE,
    *,
    max_depth: int | None = None,
    max_components: int = 1_000_000,
    op_filter: OperationFilter | None = None,
    collect: bool = True,
) -> Walk:
    """Everything a *change* to *seeds* reaches, breadth first, by the propagation table.

    Only elements carrying the change on are expanded (see
    :mod:`graph.analysis.propagation`); a component is never affected through
    an API it offers itself. *op_filter* drops consumers of the seeds' APIs
    that use none of the changed operations. The walk stops at *max_depth*
    hops or when it would report more than *max_components* components (seeds
    not counted), and says what it did not expand. *collect* records the
    edges by which it enters another owner (:attr:`Walk.crossings`).
    """
    deps, offers, owner, kinds = p.dependents, p.offers, p.owner, p.kinds
    result = Walk({}, {}, {}, {})
    note = result._note
    start = CHANGES.index(change)
    frontier: list[int] = []
    for s in seeds:
        st = state_of(s, start)
        if note(st, 0, None):
            frontier.append(st)
    for st in list(frontier):
        code = offered_code(start)
        for a in offers[st >> _SHIFT]:
            sa = state_of(a, code)
            if note(sa, 0, st) and code < HARD_STOP:
                frontier.append(sa)

    filter_apis = op_filter.apis if op_filter is not None else frozenset()
    crossing = result.crossings.append
    seen_crossings: set[tuple[int, int, int, bool]] = set()
    depth = result.depth
    components = 0
    d = 0
    stop_at: int | None = None
    nxt: list[int] = []
    while frontier:
        if max_depth is not None and d >= max_depth:
            _cut(p, result, frontier)
            if result.unexpanded:
                result.reason = "depth"
            break
        nd = d + 1
        nxt = []
        for i, us in enumerate(frontier):
            u = us >> _SHIFT
            entries = deps[u]
            if not entries:
                continue
            table = landing_table(us & 7)
            is_api = kinds[u] not in (COMPONENT,)
            filtering = op_filter is not None and d == 0 and u in filter_apis
            ou = owner[u]
            for e in entries:
                hit = table.get(e & 0x1F)
                if hit is None:
                    continue
                w = e >> 5
                if is_api and offers_it(p, w, u):
                    continue
                etype = (e >> 1) & 0xF
                if filtering and op_filter is not None and etype in (CONSUMES, SUBSCRIBES):
                    ops = op_filter.match(p, w, etype, u)
                    result.matched[(w, u)] = ops
                    if ops is not None and not ops:
                        result.excluded.add(w)
                        continue
                landed, cascades = hit
                if w not in depth:
                    if components >= max_components:
                        stop_at = i
                        break
                    components += 1
                ws = state_of(w, landed)
                if note(ws, nd, us):
                    if landed < HARD_STOP:
                        nxt.append(ws)
                        code = offered_code(landed)
                        for a in offers[w]:
                            sa = state_of(a, code)
                            if note(sa, nd, ws) and code < HARD_STOP:
                                nxt.append(sa)
                    if cascades:
                        result.cascade.add(w)
                if collect:
                    ow = owner[w]
                    if ow != NO_OWNER and ow != ou:
                        key = (w, etype, u, landed == SOFT_STOP)
                        if key not in seen_crossings:
                            seen_crossings.add(key)
                            crossing(key)
            if stop_at is not None:
                break
        if stop_at is not None:
            result.reason = "size"
            _cut(p, result, [*frontier[stop_at:], *nxt])
            break
        frontier = nxt
        d = nd
    result.components = components
    return result


def _cut(p: Projection, result: Walk, frontier: Iterable[int]) -> None:
    """Record which reached elements were not expanded and what lies past them.

    An element already listed can be reached again past the cut in a stronger
    state (soft before, carrying the change on after); such states are followed
    on until they reach an element not listed, so what a listed element would
    pass on is never missed. Only listed elements are passed through, so this
    costs at most the states of what the walk already reached.
    """
    depth, states = result.depth, result.states
    for us in dict.fromkeys(frontier):
        past: set[int] = set()
        queue, seen = [us], {us}
        while queue:
            vs = queue.pop()
            v = vs >> _SHIFT
            table = landing_table(vs & 7)
            is_api = p.kinds[v] != COMPONENT
            for e in p.dependents[v]:
                hit = table.get(e & 0x1F)
                w = e >> 5
                if hit is None or (is_api and offers_it(p, w, v)):
                    continue
                if w not in depth:
                    past.add(w)
                    continue
                landed = hit[0]
                ws = state_of(w, landed)
                if landed >= HARD_STOP or ws in states or ws in seen:
                    continue
                seen.add(ws)
                queue.append(ws)
                code = offered_code(landed)
                for api in p.offers[w]:
                    if api not in depth:
                        past.add(api)
                        continue
                    sa = state_of(api, code)
                    if code < HARD_STOP and sa not in states and sa not in seen:
                        seen.add(sa)
                        queue.append(sa)
        if past:
            result.unexpanded.append(us >> _SHIFT)
            result.beyond.update(past)


def affected_components(p: Projection, w: Reached, seeds: Collection[int]) -> list[int]:
    """Components the walk reached, seeds excluded, in id (reference) order."""
    return sorted(n for n in w.depth if p.kinds[n] == COMPONENT and n not in seeds)


def paths_to(
    p: Projection,
    w: Reached,
    start: int,
    limit: int,
    *,
    hard: bool = False,
) -> list[list[int]]:
    """Up to *limit* shortest chains from *start* back to a seed, *start* first.

    With *hard*, only through the states in which the change landed hard.
    """
    found = {
        s: d
        for code in range(SOFT_STOP + 1)
        if not (hard and code == SOFT_STOP)
        and (d := w.state_depth(s := state_of(start, code))) is not None
    }
    if not found:
        return []
    best = min(found.values())
    out: list[list[int]] = []
    stack: list[tuple[int, list[int]]] = [(s, [s]) for s in reversed(found) if found[s] == best]
    while stack and len(out) < limit:
        state, path = stack.pop()
        ps = w.parents_of(state)
        if not ps:
            nodes = [s >> _SHIFT for s in path]
            if nodes not in out:
                out.append(nodes)
            continue
        for parent in reversed(ps):
            if parent not in path:
                stack.append((parent, [*path, parent]))
    return out


__all__ = [
    "CHANGES",
    "HARD_STOP",
    "MAX_PARENTS",
    "SOFT_STOP",
    "OperationFilter",
    "Reached",
    "Walk",
    "affected_components",
    "landing_table",
    "offered_code",
    "offers_it",
    "outage_table",
    "paths_to",
    "state_of",
    "walk",
]
