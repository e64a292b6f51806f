"""The array adjacency the impact walk runs over (:mod:`graph.analysis.frontier`).

Built once per projection (:func:`walk_arrays` memoises it with the
projection, :func:`carry_walk_arrays` hands it to the next projection when a
write changed no relation):

* the dependents of every element as CSR rows (who, along which edge class),
  with the entries the reference walk would skip (a provider among its own
  API's consumers) left out, and their reverse;
* the propagation table as two small lookup arrays, ``landed[code, class]``
  (the state a dependent lands in, -1 when the change does not land) and
  ``cascades[code, class]``;
* the APIs each component offers, as CSR rows, and their reverse.

Also the two array steps every walk over them uses: :func:`gather` (the
entries of several CSR rows, in row order) and :func:`first_occurrences`.
A *state* is ``node << 3 | code`` as in :mod:`graph.analysis.walk`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import chain

import numpy as np
import numpy.typing as npt

from graph.analysis.projection import COMPONENT, Projection
from graph.analysis.walk import CHANGES, HARD_STOP, landing_table, offered_code

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

SHIFT = 3
_STATES = 8
_CLASSES = 32
EXPANDED = HARD_STOP  # codes below carry the change on


@dataclass(frozen=True, slots=True)
class WalkArrays:
    """Array adjacency of one projection for the walk (built once, memoised)."""

    dep_ptr: I64
    dep_node: I32
    dep_class: npt.NDArray[np.int8]
    #: the reverse of the dependents: per element, what it depends on (node, class)
    up_ptr: I64
    up_node: I32
    up_class: npt.NDArray[np.int8]
    offer_ptr: I64
    offer_api: I32
    #: per API (or channel facet), the components offering it
    offered_by_ptr: I64
    offered_by: I32
    owner: I32
    landed: npt.NDArray[np.int8]
    cascades: Bools
    offered_code: npt.NDArray[np.int8]
    total: int


def _csr(rows: Sequence[Sequence[int]]) -> tuple[I64, I64]:
    """Row pointer and flat entries of a list of rows (no per-entry Python loop)."""
    lens = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(ptr[-1]))
    return ptr, flat


def _reverse(ptr: I64, targets: I32, total: int) -> tuple[I64, I64, I64]:
    """Row pointer, sources and entry order of the transpose of a CSR relation (stable)."""
    sources = np.repeat(np.arange(total, dtype=np.int32), np.diff(ptr))
    order = np.argsort(targets, kind="stable")
    rptr = np.zeros(total + 1, dtype=np.int64)
    np.cumsum(np.bincount(targets, minlength=total), out=rptr[1:])
    return rptr, sources[order].astype(np.int64), order


def _rows_of(ptr: I64) -> I64:
    return np.repeat(np.arange(len(ptr) - 1, dtype=np.int64), np.diff(ptr))


def _offered_pairs(p: Projection, offer_ptr: I64, offer_flat: I64) -> tuple[I64, I64, I64]:
    """``component * total + api`` for what each component offers, and the same
    with each offered channel facet replaced by its API (both sorted), and
    every node's base element (:meth:`Projection.base`)."""
    total = len(offer_ptr) - 1
    base = np.arange(total, dtype=np.int64)
    base[p.node_count :] = np.asarray(p.facet_api, dtype=np.int64)
    comp = _rows_of(offer_ptr)
    direct = np.unique(comp * total + offer_flat)
    by_base = np.unique(comp * total + base[offer_flat])
    return direct, np.union1d(direct, by_base), base


def build_walk_arrays(p: Projection) -> WalkArrays:
    """The walk's arrays for *p* (use :func:`walk_arrays`, which memoises them).

    All array operations: the dependents and offers are flattened once, and
    the entries the reference walk skips (a component among the dependents of
    an API or channel it offers, :func:`graph.analysis.walk.offers_it`) are
    found by looking ``(component, api)`` pairs up in the sorted offer pairs.
    """
    total = len(p.dependents)
    raw_ptr, packed = _csr(p.dependents)
    offer_ptr, offer_flat = _csr(p.offers)
    direct, either, base = _offered_pairs(p, offer_ptr, offer_flat)
    rows = _rows_of(raw_ptr)
    who = packed >> 5
    kinds = np.frombuffer(p.kinds, dtype=np.uint8)
    at_api = np.flatnonzero(kinds[rows] != COMPONENT)
    w_at, u_at = who[at_api], rows[at_api]
    # offers_it(w, u): u offered, or u's API offered (u a facet), or a facet of u offered
    skip = np.isin(w_at * total + u_at, either) | np.isin(w_at * total + base[u_at], direct)
    keep = np.ones(len(packed), dtype=np.bool_)
    keep[at_api[skip]] = False
    packed, rows = packed[keep], rows[keep]
    dep_ptr = np.zeros(total + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=total), out=dep_ptr[1:])
    dep_node = (packed >> 5).astype(np.int32)
    dep_class = (packed & 0x1F).astype(np.int8)
    up_ptr, order_src, order = _reverse(dep_ptr, dep_node, total)
    up_node = order_src.astype(np.int32)
    up_class = dep_class[order]
    offer_api = offer_flat.astype(np.int32)
    offered_by_ptr, offered_by, _ = _reverse(offer_ptr, offer_api, total)
    landed, cascades, offered = _tables()
    owner = np.asarray(p.owner, dtype=np.int32)  # channel facets carry their API's owner
    for a in (dep_ptr, dep_node, dep_class, up_ptr, up_node, up_class, offer_ptr, offer_api):
        a.flags.writeable = False
    return WalkArrays(
        dep_ptr,
        dep_node,
        dep_class,
        up_ptr,
        up_node,
        up_class,
        offer_ptr,
        offer_api,
        offered_by_ptr,
        offered_by.astype(np.int32),
        owner,
        landed,
        cascades,
        offered,
        total,
    )


def _tables() -> tuple[npt.NDArray[np.int8], Bools, npt.NDArray[np.int8]]:
    """The propagation table as ``landed[code, class]``, ``cascades[code, class]``
    and the state of an API offered by a component in each state."""
    landed = np.full((_STATES, _CLASSES), -1, dtype=np.int8)
    cascades = np.zeros((_STATES, _CLASSES), dtype=np.bool_)
    offered = np.full(_STATES, -1, dtype=np.int8)
    for code in range(len(CHANGES)):
        for cls, (state, cascade) in landing_table(code).items():
            landed[code, cls] = state
            cascades[code, cls] = cascade
        offered[code] = offered_code(code)
    return landed, cascades, offered


def carry_walk_arrays(old: Projection, new: Projection) -> bool:
    """Give *new* the walk arrays of *old* when they would come out the same.

    The walk arrays are a function of the dependents, the offers, the kinds,
    the channel facets and the owners. When the first four are equal (a write
    that changed properties only, such as a rename), *new* reuses *old*'s
    arrays with its own owners; otherwise nothing is carried and the arrays
    are built on first use. Comparing the lists costs one pass in C over
    mostly identical objects. Returns whether the arrays were carried.
    """
    a = old.memo_peek("walk:arrays")
    if not isinstance(a, WalkArrays):
        return False
    if not (
        old.kinds == new.kinds
        and old.node_count == new.node_count
        and old.facet_api == new.facet_api
        and old.offers == new.offers
        and old.dependents == new.dependents
    ):
        return False
    owner = np.asarray(new.owner, dtype=np.int32)
    carried = a if np.array_equal(owner, a.owner) else replace(a, owner=owner)
    new.memo("walk:arrays", lambda _: carried)
    return True


def walk_arrays(p: Projection) -> WalkArrays:
    """The walk's arrays for *p*, built on first use and kept with the projection."""
    return p.memo("walk:arrays", build_walk_arrays)


def gather(ptr: I64, starts_of: I64) -> tuple[I64, I64]:
    """For the CSR rows *starts_of*: (row position of each entry, entry index), in row order."""
    starts = ptr[starts_of]
    lens = ptr[starts_of + 1] - starts
    total = int(lens.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    pos = np.repeat(np.arange(len(starts_of), dtype=np.int64), lens)
    offsets = np.cumsum(lens) - lens
    idx = np.arange(total, dtype=np.int64) - offsets[pos] + starts[pos]
    return pos, idx


def first_occurrences(values: I64, scratch: I64) -> I64:
    """Indexes of the first occurrence of each distinct value, in order of appearance.

    *scratch* is any int64 array longer than the largest value; no sort.
    """
    idx = np.arange(len(values), dtype=np.int64)
    scratch[values] = len(values)
    np.minimum.at(scratch, values, idx)
    firsts: I64 = idx[scratch[values] == idx]
    return firsts


def pack_crossing(w: I64, edge_type: I64, u: I64, soft: Bools, total: int) -> I64:
    """One int64 per crossing ``(w, edge type, u, soft)``; ordered as the tuples are."""
    return ((w * 16 + edge_type) * total + u) * 2 + soft


def unpack_crossing(key: int, total: int) -> tuple[int, int, int, bool]:
    rest, soft = divmod(key, 2)
    rest, u = divmod(rest, total)
    w, edge_type = divmod(rest, 16)
    return w, edge_type, u, bool(soft)


__all__ = [
    "EXPANDED",
    "I32",
    "I64",
    "SHIFT",
    "Bools",
    "WalkArrays",
    "build_walk_arrays",
    "carry_walk_arrays",
    "first_occurrences",
    "gather",
    "pack_crossing",
    "unpack_crossing",
    "walk_arrays",
]
