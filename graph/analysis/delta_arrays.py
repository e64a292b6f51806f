"""Array helpers of the projection delta (:mod:`graph.analysis.delta`).

Renumbering the nodes when refs are added or removed, and merging the few
added edges into the kept ones (already in order) instead of sorting every
edge again: each is equal to what the full computation gives, with numpy
operations over the graph and Python only over what changed.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from graph.analysis.projection import KIND_CODE, EdgeProps, Projection
from schemas.refs import Kind

__all__ = ["in_order_of", "merge_order", "moved_props", "renumbered", "to_array"]

I64 = npt.NDArray[np.int64]
_ADR = KIND_CODE[Kind.ADR]
_EMPTY: Mapping[str, Any] = {}


def to_array(values: npt.NDArray[Any]) -> array[int]:
    out = array("i")
    out.frombytes(values.astype(np.int32).tobytes())
    return out


def merge_order(key: I64, sorted_head: int) -> I64:
    """``np.argsort(key, kind="stable")`` when ``key[:sorted_head]`` is already
    sorted (the kept edges, renumbered in order): the few keys after it are
    sorted and merged in, no sort of the whole."""
    head, tail = key[:sorted_head], key[sorted_head:]
    if len(head) > 1 and not bool(np.all(head[1:] >= head[:-1])):
        return np.argsort(key, kind="stable")
    tail_order = np.argsort(tail, kind="stable")
    at = np.searchsorted(head, tail[tail_order], side="right")
    at += np.arange(len(tail), dtype=np.int64)
    order = np.empty(len(key), dtype=np.int64)
    from_tail = np.zeros(len(key), dtype=np.bool_)
    from_tail[at] = True
    order[at] = sorted_head + tail_order
    order[~from_tail] = np.arange(sorted_head, dtype=np.int64)
    return order


def in_order_of(p: Projection, dst: I64, keep: I64, order: I64) -> I64:
    """``np.argsort(dst, kind="stable")`` of the new edges, from *p*'s in-order.

    The kept edges keep their relative order and their ends' order, so *p*'s
    in-order restricted to them is already sorted by ``(dst, edge id)``;
    only the added edges are merged in. *keep* are the kept old edges,
    *order* the merge order (new edge -> kept edges, then added ones).
    """
    m = len(order)
    new_id = np.empty(m, dtype=np.int64)
    new_id[order] = np.arange(m, dtype=np.int64)
    to_kept = np.full(p.edge_count, -1, dtype=np.int64)
    to_kept[keep] = np.arange(len(keep), dtype=np.int64)
    seq = to_kept[np.frombuffer(p.in_order, dtype=np.int32)]
    ids = np.concatenate([new_id[seq[seq >= 0]], new_id[len(keep) :]])
    key = dst[ids] * max(m, 1) + ids
    return ids[merge_order(key, len(keep))]


def moved_props(
    old: EdgeProps, keep: I64, added: Sequence[Mapping[str, Any] | None], order: I64
) -> EdgeProps:
    """The edge properties after a delta: *old*'s held entries of the kept edges
    and the *added* ones, at their new positions (*keep*, *order* as in
    :func:`in_order_of`). Only edges holding more than a strength are touched;
    text not decoded yet stays text."""
    m = len(order)
    new_id = np.empty(m, dtype=np.int64)
    new_id[order] = np.arange(m, dtype=np.int64)
    held_old = old.held()
    edges = np.fromiter(held_old, np.int64, len(held_old))
    at = np.searchsorted(keep, edges)
    kept = at < len(keep)
    kept[kept] = keep[at[kept]] == edges[kept]
    held: dict[int, str | Mapping[str, Any]] = dict(
        zip(new_id[at[kept]].tolist(), (held_old[e] for e in edges[kept].tolist()), strict=True)
    )
    for j, props in enumerate(added):
        if props:
            held[int(new_id[len(keep) + j])] = props
    return EdgeProps(m, held)


def renumbered(
    p: Projection, old_refs: list[str], gone: set[str], new: set[str]
) -> tuple[list[str], dict[str, int], I64, bytearray, list[Mapping[str, Any]]]:
    """The sorted refs without *gone* and with *new*, their index, the old id
    -> new id map (-1: gone), kinds and properties, with array operations:
    old refs keep their order, so each new id is the old one shifted by
    the new refs sorted before it less the gone ones."""
    n_old = len(old_refs)
    dropped = np.zeros(n_old, dtype=np.bool_)
    dropped[np.fromiter((p.index[r] for r in gone), np.int64, len(gone))] = True
    added = sorted(new)
    below = np.fromiter((bisect_left(old_refs, r) for r in added), np.int64, len(added))
    gone_below = np.zeros(n_old + 1, dtype=np.int64)
    np.cumsum(dropped, out=gone_below[1:])
    inserted = np.cumsum(np.bincount(below, minlength=n_old + 1))[:n_old]
    node_map = np.arange(n_old, dtype=np.int64) + inserted - gone_below[:n_old]
    node_map[dropped] = -1
    n = n_old - len(gone) + len(added)
    at_new = below - gone_below[below] + np.arange(len(added), dtype=np.int64)
    kept = np.flatnonzero(~dropped)
    target = node_map[kept]
    ref_arr = np.empty(n, dtype=object)
    ref_arr[target] = np.fromiter(old_refs, dtype=object, count=n_old)[kept]
    ref_arr[at_new] = np.fromiter(added, dtype=object, count=len(added))
    refs: list[str] = ref_arr.tolist()
    kind_arr = np.zeros(n, dtype=np.uint8)
    kind_arr[target] = np.frombuffer(p.kinds, dtype=np.uint8)[:n_old][kept]
    kind_arr[at_new] = [KIND_CODE.get(r.partition(":")[0], _ADR) for r in added]
    prop_arr = np.empty(n, dtype=object)
    prop_arr[target] = np.fromiter(p.props[:n_old], dtype=object, count=n_old)[kept]
    prop_arr[at_new] = _EMPTY
    index = dict(zip(refs, range(n), strict=True))
    return refs, index, node_map, bytearray(kind_arr.tobytes()), prop_arr.tolist()
