"""Integration points and effort of the listed products, counted with numpy.

The effort of a product counts every integration point it has (thousands on
a top platform component); only the listed ones (``max_points_per_product``)
need to exist as objects. :func:`listed_points` sums the effort of every
point with numpy (the same formula as :func:`graph.analysis.effort.estimate_effort`:
every term is a multiple of 1/4, so the float sum is exact in any order) and
selects the first points in the order of :class:`~graph.analysis.effort.PointData`
(depth, component, type, element, strength) before building them. Where an
operation filter looked at a point (:attr:`ArrayWalk.matched`), the point
lists and counts the matched operations, as
:func:`graph.analysis.effort.point_data` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from graph.analysis.effort import PointData, effort_of
from graph.analysis.frontier import ArrayWalk
from graph.analysis.projection import CONSUMES, EDGE_TYPES, SUBSCRIBES, Projection
from graph.analysis.reached import node_arrays
from schemas.analysis import Effort

I64 = npt.NDArray[np.int64]
_TYPES = 16
#: edge type code -> its rank among the type names (points sort by name)
_TYPE_RANK = np.asarray(
    [sorted(t.value for t in EDGE_TYPES).index(t.value) for t in EDGE_TYPES], dtype=np.int64
)


@dataclass(frozen=True, slots=True)
class EdgeLookup:
    """Every edge as one sorted int64 key, and what its properties declare."""

    keys: I64
    #: operations (CONSUMES) or channels (SUBSCRIBES) the edge lists; -1: none listed
    declared: npt.NDArray[np.int32]


def edge_lookup(p: Projection) -> EdgeLookup:
    def build(q: Projection) -> EdgeLookup:
        total = len(q.kinds)
        src = np.asarray(q.edge_src, dtype=np.int64)
        etype = np.frombuffer(q.edge_type, dtype=np.uint8).astype(np.int64)
        dst = np.asarray(q.edge_dst, dtype=np.int64)
        keys = (src * _TYPES + etype) * total + dst
        declared = np.full(len(keys), -1, dtype=np.int32)
        for e in np.flatnonzero((etype == CONSUMES) | (etype == SUBSCRIBES)).tolist():
            props = q.edge_props[e] or {}
            listed = props.get("operations" if q.edge_type[e] == CONSUMES else "channels")
            if isinstance(listed, list) and listed:
                declared[e] = len(listed)
        order = np.argsort(keys, kind="stable")
        return EdgeLookup(keys[order], declared[order])

    return p.memo("report:edge-lookup", build)


def carry_edge_lookup(old: Projection, new: Projection) -> bool:
    """Give *new* the edge lookup of *old* when the edges and node count are the same.

    A write that changed node properties only (a rename) leaves every edge,
    its properties and the node numbering as they were, so the lookup (a
    function of those alone) is reused. Returns whether it was carried.
    """
    lookup = old.memo_peek("report:edge-lookup")
    if not isinstance(lookup, EdgeLookup):
        return False
    if not (
        len(old.kinds) == len(new.kinds)
        and old.edge_src == new.edge_src
        and old.edge_type == new.edge_type
        and old.edge_dst == new.edge_dst
        and (old.edge_props is new.edge_props or old.edge_props == new.edge_props)
    ):
        return False
    new.memo("report:edge-lookup", lambda _: lookup)
    return True


def listed_points(
    p: Projection, w: ArrayWalk, products: Sequence[int], limit: int
) -> dict[int, tuple[Effort, list[PointData]]]:
    """Per product: the effort of all its integration points and the first *limit* of them."""
    out: dict[int, tuple[Effort, list[PointData]]] = {}
    if not products:
        return out
    na = node_arrays(p)
    total = w.arrays.total
    wanted = np.sort(np.asarray(products, dtype=np.int64))
    keys = w.crossing_keys
    keys = np.unique(keys[np.isin(na.owner[keys // (2 * total * _TYPES)], wanted)])
    soft = keys % 2
    rest = keys // 2
    u = rest % total
    rest //= total
    etype = rest % _TYPES
    comp = rest // _TYPES
    which = np.searchsorted(wanted, na.owner[comp])
    depth = w.depth.array[u]
    element = na.base[u]
    lookup = edge_lookup(p)
    edge_keys = (comp * _TYPES + etype) * total + element
    at = np.minimum(np.searchsorted(lookup.keys, edge_keys), max(len(lookup.keys) - 1, 0))
    api_use = (etype == CONSUMES) | (etype == SUBSCRIBES)
    found = api_use & (lookup.keys[at] == edge_keys) if len(lookup.keys) else api_use & False
    ops = np.where(found, lookup.declared[at], -1).astype(np.int64)
    if w.matched:
        _matched_counts(w.matched, comp * total + u, total, ops)
    weight = np.where(depth == 0, 2.0, 1.0) * np.where(soft == 1, 0.5, 1.0)
    weight += np.where(ops >= 0, 0.25 * np.minimum(ops, 20), np.where(api_use, 0.5, 0.0))
    n = len(wanted)
    sums = np.bincount(which, weights=weight, minlength=n)
    counts = np.bincount(which, minlength=n)
    operations = np.bincount(which, weights=np.maximum(ops, 0), minlength=n)
    order = np.lexsort((soft, element, _TYPE_RANK[etype], comp, depth, which))
    starts = np.searchsorted(which[order], np.arange(n), side="left")
    for i, prod in enumerate(wanted.tolist()):
        picked = order[starts[i] : starts[i] + min(limit, int(counts[i]))]
        listed = [
            _point(p, w.matched, int(k), comp, etype, u, soft, depth) for k in picked.tolist()
        ]
        effort = effort_of(float(sums[i]), int(counts[i]), int(operations[i]))
        out[prod] = (effort, sorted(listed, key=_order))
    return out


def _matched_counts(
    matched: dict[tuple[int, int], list[str] | None], pairs: I64, total: int, ops: I64
) -> None:
    """Count, at the points an operation filter looked at, the operations it matched
    (-1: none declared) in place of every operation declared there."""
    keys = np.fromiter((c * total + e for c, e in matched), dtype=np.int64, count=len(matched))
    counts = np.fromiter(
        (-1 if m is None else len(m) for m in matched.values()), dtype=np.int64, count=len(matched)
    )
    order = np.argsort(keys)
    keys, counts = keys[order], counts[order]
    at = np.minimum(np.searchsorted(keys, pairs), len(keys) - 1)
    hit = keys[at] == pairs
    ops[hit] = counts[at[hit]]


def _order(pt: PointData) -> tuple[object, ...]:
    return (*pt[:5], pt.operations or [])


def _point(
    p: Projection,
    matched: dict[tuple[int, int], list[str] | None],
    k: int,
    comp: I64,
    etype: I64,
    u: I64,
    soft: I64,
    depth: I64,
) -> PointData:
    component, t, element = int(comp[k]), int(etype[k]), int(u[k])
    ops: list[str] | None = None
    if (component, element) in matched:
        ops = matched[(component, element)]
    elif t in (CONSUMES, SUBSCRIBES):
        edge = p.find_edge(component, t, p.base(element))
        props = p.edge_props[edge] if edge is not None else None
        declared = (props or {}).get("operations" if t == CONSUMES else "channels")
        ops = [str(o) for o in declared] if isinstance(declared, list) and declared else None
    return PointData(
        int(depth[k]),
        p.refs[component],
        EDGE_TYPES[t].value,
        p.refs[element],
        "soft" if soft[k] else "hard",
        ops,
    )


__all__ = ["EdgeLookup", "carry_edge_lookup", "edge_lookup", "listed_points"]
