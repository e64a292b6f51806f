"""What a walk reached, as arrays: the input of the lazily built impact report.

:func:`reached_arrays` turns either walk (:class:`graph.analysis.frontier.ArrayWalk`
or the reference :class:`graph.analysis.walk.Walk`) into per-node depth
arrays and the affected components, so the report counts and groups with
numpy and builds Python objects only for what it lists.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from graph.analysis.frontier import ArrayWalk, unpack_crossing, walk_arrays
from graph.analysis.projection import API, CHANNEL, COMPONENT, Projection
from graph.analysis.walk import Reached

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class NodeArrays:
    """Per-node arrays of a projection the report reads (built once, memoised)."""

    kinds: npt.NDArray[np.uint8]
    owner: npt.NDArray[np.int32]
    platform: npt.NDArray[np.bool_]
    #: the element a node stands for (a channel facet's API, else itself)
    base: I64
    is_api: npt.NDArray[np.bool_]


def node_arrays(p: Projection) -> NodeArrays:
    def build(q: Projection) -> NodeArrays:
        kinds = np.frombuffer(q.kinds, dtype=np.uint8)
        base = np.arange(len(q.kinds), dtype=np.int64)
        base[q.node_count :] = np.asarray(q.facet_api, dtype=np.int64)
        return NodeArrays(
            kinds=kinds,
            owner=walk_arrays(q).owner,
            platform=np.frombuffer(q.platform, dtype=np.uint8).astype(np.bool_),
            base=base,
            is_api=(kinds == API) | (kinds == CHANNEL),
        )

    return p.memo("report:node-arrays", build)


@dataclass(frozen=True, slots=True)
class ReachedArrays:
    """Depth of every node (-1: not reached) and the affected components (seeds excluded)."""

    depth: I64
    hard_depth: I64
    #: affected components in id (reference) order, with their depth and whether hard
    components: I64
    component_depth: I64
    component_hard: npt.NDArray[np.bool_]


def reached_arrays(p: Projection, w: Reached, seeds: Collection[int]) -> ReachedArrays:
    na = node_arrays(p)
    if isinstance(w, ArrayWalk):
        depth, hard = w.depth.array, w.hard_depth.array
    else:
        total = len(na.kinds)
        depth = np.full(total, -1, dtype=np.int64)
        hard = np.full(total, -1, dtype=np.int64)
        if w.depth:
            depth[np.fromiter(w.depth.keys(), np.int64)] = np.fromiter(w.depth.values(), np.int64)
        if w.hard_depth:
            keys = np.fromiter(w.hard_depth.keys(), np.int64)
            hard[keys] = np.fromiter(w.hard_depth.values(), np.int64)
    mask = (depth >= 0) & (na.kinds == COMPONENT)
    if seeds:
        mask[np.fromiter(seeds, np.int64)] = False
    comps = np.flatnonzero(mask).astype(np.int64)
    return ReachedArrays(depth, hard, comps, depth[comps], hard[comps] >= 0)


Crossing = tuple[int, int, int, bool]


def crossings_into(
    p: Projection, w: Reached, products: Collection[int]
) -> dict[int, list[Crossing]]:
    """The crossings of *w* (edges entering another owner) whose component *products* own."""
    owner = node_arrays(p).owner
    out: dict[int, list[Crossing]] = {prod: [] for prod in products}
    if not out:
        return out
    if isinstance(w, ArrayWalk):
        keys = np.unique(w.crossing_keys)
        total = w.arrays.total
        nodes = keys // (2 * total * 16)
        wanted = np.isin(owner[nodes], np.fromiter(out, np.int64))
        for key in keys[wanted].tolist():
            crossing = unpack_crossing(key, total)
            out[int(owner[crossing[0]])].append(crossing)
        return out
    for crossing in w.crossings:
        listed = out.get(int(owner[crossing[0]]))
        if listed is not None:
            listed.append(crossing)
    return out


__all__ = ["NodeArrays", "ReachedArrays", "crossings_into", "node_arrays", "reached_arrays"]
