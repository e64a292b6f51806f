"""The impact walk over arrays: one vectorised breadth-first step per depth.

Same rule, same answer as :func:`graph.analysis.walk.walk` (the reference
walk, kept as the oracle the tests compare against), computed with numpy over
array adjacency built once per projection (:func:`walk_arrays`):

* the dependents of every element as CSR rows (who, along which edge class),
  with the entries the reference walk would skip (a provider among its own
  API's consumers) left out;
* the propagation table as two small lookup arrays, ``landed[code, class]``
  (the state a dependent lands in, -1 when the change does not land) and
  ``cascades[code, class]``;
* the APIs each component offers, as CSR rows, and the reverse of both, so
  the parents of a state are found only when a path is asked for.

A *state* is ``node << 3 | code`` as in :mod:`graph.analysis.walk`. Each
depth expands the whole frontier at once: gather the CSR rows of the
frontier, look up where each entry lands, keep the first occurrence of each
new state (that is the order the reference walk discovers them in, which
fixes the parents and so the explaining paths), then add the APIs the newly
reached components offer, right after their provider. Per query it allocates
a few arrays over the states and the nodes (depth, rank, scratch) and the
per-depth slices; nothing outlives the answer.

Only the walks the reference walk would cut short (``max_depth`` or
``max_components`` reached with something beyond) and walks under an
operation filter are handed to the reference walk, which reports what the
cut left out; :attr:`ArrayWalk.reason` is then never set here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain

import numpy as np
import numpy.typing as npt

from graph.analysis.projection import COMPONENT, Projection
from graph.analysis.walk import (
    CHANGES,
    HARD_STOP,
    MAX_PARENTS,
    SOFT_STOP,
    OperationFilter,
    Walk,
    landing_table,
    offered_code,
    walk,
)
from schemas.analysis import ChangeType

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_SHIFT = 3
_STATES = 8
_CLASSES = 32
_EXPANDED = HARD_STOP  # codes below carry the change on


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


class NodeDepths(Mapping[int, int]):
    """Read-only ``node -> minimum depth`` over the nodes a walk reached.

    Backed by one array over every node (-1: not reached); the Python lists
    are made only when a caller reads it item by item.
    """

    __slots__ = ("_array", "_depth", "_nodes")

    def __init__(self, array: I64) -> None:
        self._array = array
        self._depth: list[int] | None = None
        self._nodes: list[int] | None = None

    @property
    def array(self) -> I64:
        return self._array

    def _list(self) -> list[int]:
        if self._depth is None:
            self._depth = self._array.tolist()
        return self._depth

    def __getitem__(self, node: int) -> int:
        depth = self._list()
        d = depth[node] if 0 <= node < len(depth) else -1
        if d < 0:
            raise KeyError(node)
        return d

    def __contains__(self, node: object) -> bool:
        depth = self._list()
        return isinstance(node, int) and 0 <= node < len(depth) and depth[node] >= 0

    def nodes(self) -> list[int]:
        if self._nodes is None:
            self._nodes = np.flatnonzero(self._array >= 0).tolist()
        return self._nodes

    def __iter__(self) -> Iterator[int]:
        return iter(self.nodes())

    def __len__(self) -> int:
        return len(self.nodes())


@dataclass(slots=True)
class ArrayWalk:
    """What one array walk reached: the same questions as :class:`Walk` answers."""

    arrays: WalkArrays
    state_depths: I32
    rank: I32
    depth: NodeDepths
    hard_depth: NodeDepths
    #: per edge entering another owner, (component, edge type, element, soft) packed in one int
    crossing_keys: I64
    cascade_nodes: I64
    components: int
    reason: str | None = None
    unexpanded: list[int] = field(default_factory=list)
    beyond: set[int] = field(default_factory=set)
    matched: dict[tuple[int, int], list[str] | None] = field(default_factory=dict)
    excluded: set[int] = field(default_factory=set)

    @property
    def crossings(self) -> list[tuple[int, int, int, bool]]:
        """(component, edge type, element, soft) for each edge entering another owner."""
        return [
            unpack_crossing(k, self.arrays.total) for k in np.unique(self.crossing_keys).tolist()
        ]

    @property
    def cascade(self) -> set[int]:
        """Elements a change landed on whose own dependents see it only as possible cascade."""
        return set(self.cascade_nodes.tolist())

    def state_depth(self, state: int) -> int | None:
        if state >= len(self.state_depths):
            return None
        d = int(self.state_depths[state])
        return d if d >= 0 else None

    def parents_of(self, state: int) -> list[int]:
        """The first :data:`MAX_PARENTS` parent states at the state's depth, in walk order."""
        d = self.state_depth(state)
        if d is None:
            return []
        a = self.arrays
        node, code = state >> _SHIFT, state & 7
        found: list[tuple[int, int]] = []
        sd, rank = self.state_depths, self.rank
        # an API (or channel) reached with its provider, at the provider's depth
        for k in range(int(a.offered_by_ptr[node]), int(a.offered_by_ptr[node + 1])):
            prov = int(a.offered_by[k])
            for c in range(_EXPANDED):
                if a.offered_code[c] == code:
                    ps = (prov << _SHIFT) | c
                    if sd[ps] == d and rank[ps] >= 0:
                        found.append((int(rank[ps]), ps))
        if d > 0:
            for k in range(int(a.up_ptr[node]), int(a.up_ptr[node + 1])):
                u, cls = int(a.up_node[k]), int(a.up_class[k])
                for c in range(_EXPANDED):
                    if a.landed[c, cls] == code:
                        ps = (u << _SHIFT) | c
                        if sd[ps] == d - 1 and rank[ps] >= 0:
                            found.append((int(rank[ps]), ps))
        found.sort()
        out: list[int] = []
        for _, ps in found:
            if ps not in out:
                out.append(ps)
                if len(out) == MAX_PARENTS:
                    break
        return out


def pack_crossing(w: I64, edge_type: I64, u: I64, soft: Bools, total: int) -> I64:
    """One int64 per crossing ``(w, edge type, u, soft)``; ordered as the tuples are."""
    return ((w * 16 + edge_type) * total + u) * 2 + soft


def unpack_crossing(key: int, total: int) -> tuple[int, int, int, bool]:
    rest, soft = divmod(key, 2)
    rest, u = divmod(rest, total)
    w, edge_type = divmod(rest, 16)
    return w, edge_type, u, bool(soft)


def frontier_walk(
    p: Projection,
    seeds: Sequence[int],
    change: ChangeType = ChangeType.BREAKING_CHANGE,
    *,
    max_depth: int | None = None,
    max_components: int = 1_000_000,
    op_filter: OperationFilter | None = None,
    collect: bool = True,
) -> ArrayWalk | Walk:
    """Everything a *change* to *seeds* reaches: :func:`graph.analysis.walk.walk`'s answer.

    Computed over arrays; a walk that an operation filter shapes or a limit
    cuts is answered by the reference walk, which says what it left out.
    """
    if op_filter is not None:
        return _reference(p, seeds, change, max_depth, max_components, op_filter, collect)
    done = _array_walk(p, seeds, change, max_depth, max_components, collect)
    if done is None:
        return _reference(p, seeds, change, max_depth, max_components, op_filter, collect)
    return done


def _reference(
    p: Projection,
    seeds: Sequence[int],
    change: ChangeType,
    max_depth: int | None,
    max_components: int,
    op_filter: OperationFilter | None,
    collect: bool,
) -> Walk:
    return walk(
        p,
        seeds,
        change,
        max_depth=max_depth,
        max_components=max_components,
        op_filter=op_filter,
        collect=collect,
    )


def _array_walk(
    p: Projection,
    seeds: Sequence[int],
    change: ChangeType,
    max_depth: int | None,
    max_components: int,
    collect: bool,
) -> ArrayWalk | None:
    a = walk_arrays(p)
    n_states = a.total << _SHIFT
    sd = np.full(n_states, -1, dtype=np.int32)
    rank = np.full(n_states, -1, dtype=np.int32)
    scratch = np.empty(n_states, dtype=np.int64)
    node_depth = np.full(a.total, -1, dtype=np.int64)
    hard_depth = np.full(a.total, -1, dtype=np.int64)
    start = CHANGES.index(change)
    seed_states = np.asarray([(s << _SHIFT) | start for s in seeds], dtype=np.int64)
    seed_states = seed_states[first_occurrences(seed_states, scratch)]
    sd[seed_states] = 0
    offered, _ = _offered(a, seed_states, sd, 0, scratch)
    for noted in (seed_states, offered):
        _note_nodes(noted, 0, node_depth, hard_depth)
    frontier = np.concatenate([seed_states, offered[(offered & 7) < _EXPANDED]])
    counter = len(frontier)
    rank[frontier] = np.arange(counter, dtype=np.int32)
    crossings: list[I64] = []
    cascade: list[I64] = []
    components = 0
    d = 0
    while len(frontier):
        nodes = frontier >> _SHIFT
        pos, idx = gather(a.dep_ptr, nodes)
        if len(idx) == 0:
            break
        if max_depth is not None and d >= max_depth:
            return None  # something lies beyond the depth limit: the reference walk reports it
        w = a.dep_node[idx].astype(np.int64)
        cls = a.dep_class[idx].astype(np.int64)
        codes = frontier[pos] & 7
        landed = a.landed[codes, cls].astype(np.int64)
        hit = landed >= 0
        if not hit.all():
            w, cls, landed, pos, codes = w[hit], cls[hit], landed[hit], pos[hit], codes[hit]
        if len(w) == 0:
            break
        nd = d + 1
        states = (w << _SHIFT) | landed
        cand_at = np.flatnonzero(sd[states] < 0)
        firsts = cand_at[first_occurrences(states[cand_at], scratch)]
        new_states = states[firsts]
        new_nodes = w[firsts]
        new_nodes = new_nodes[node_depth[new_nodes] < 0]
        components += len(first_occurrences(new_nodes, scratch))
        if components > max_components:
            return None  # the size limit cuts this depth: the reference walk reports it
        sd[new_states] = nd
        _note_nodes(new_states, nd, node_depth, hard_depth)
        casc = a.cascades[codes[firsts], cls[firsts]]
        if casc.any():
            cascade.append(w[firsts][casc])
        if collect:
            u = nodes[pos]
            ow = a.owner[w]
            cross = (ow >= 0) & (ow != a.owner[u])
            if cross.any():
                soft = landed[cross] == SOFT_STOP
                crossings.append(pack_crossing(w[cross], cls[cross] >> 1, u[cross], soft, a.total))
        expanded = new_states[(new_states & 7) < _EXPANDED]
        apis, provider = _offered(a, expanded, sd, nd, scratch)
        _note_nodes(apis, nd, node_depth, hard_depth)
        frontier = _interleave(expanded, apis, provider)
        rank[frontier] = np.arange(counter, counter + len(frontier), dtype=np.int32)
        counter += len(frontier)
        d = nd
    empty = np.zeros(0, dtype=np.int64)
    return ArrayWalk(
        arrays=a,
        state_depths=sd,
        rank=rank,
        depth=NodeDepths(node_depth),
        hard_depth=NodeDepths(hard_depth),
        crossing_keys=np.concatenate(crossings) if crossings else empty,
        cascade_nodes=np.concatenate(cascade) if cascade else empty,
        components=components,
    )


def _note_nodes(states: I64, d: int, node_depth: I64, hard_depth: I64) -> None:
    """Record depth *d* for the nodes of *states* not reached before (depths only grow)."""
    nodes = states >> _SHIFT
    node_depth[nodes[node_depth[nodes] < 0]] = d
    hard = nodes[(states & 7) != SOFT_STOP]
    hard_depth[hard[hard_depth[hard] < 0]] = d


def _offered(a: WalkArrays, providers: I64, sd: I32, d: int, scratch: I64) -> tuple[I64, I64]:
    """New states of the APIs *providers* offer, noted at depth *d*, in provider order,
    with the position of the provider each came with first."""
    pos, idx = gather(a.offer_ptr, providers >> _SHIFT)
    if len(idx) == 0:
        return pos, idx
    codes = a.offered_code[providers[pos] & 7].astype(np.int64)
    states = (a.offer_api[idx].astype(np.int64) << _SHIFT) | codes
    fresh = np.flatnonzero(sd[states] < 0)
    firsts = fresh[first_occurrences(states[fresh], scratch)]
    out = states[firsts]
    sd[out] = d
    return out, pos[firsts]


def _interleave(expanded: I64, apis: I64, provider: I64) -> I64:
    """The next frontier in the reference walk's order: each component, then its new APIs."""
    keep = (apis & 7) < _EXPANDED
    if not keep.any():
        return expanded
    groups = np.concatenate([np.arange(len(expanded), dtype=np.int64), provider[keep]])
    merged = np.concatenate([expanded, apis[keep]])
    return merged[np.argsort(groups, kind="stable")]


__all__ = ["ArrayWalk", "WalkArrays", "carry_walk_arrays", "frontier_walk", "walk_arrays"]
