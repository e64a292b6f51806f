"""The impact walk over arrays: one vectorised breadth-first step per depth.

Same rule, same answer as :func:`graph.analysis.walk.walk` (the reference
walk, kept as the oracle the tests compare against), computed with numpy over
the array adjacency of :mod:`graph.analysis.frontier_arrays` (built once per
projection: the dependents of every element as CSR rows, the propagation
table as lookup arrays, the APIs each component offers, and the reverse of
both, so the parents of a state are found only when a path is asked for).

A *state* is ``node << 3 | code`` as in :mod:`graph.analysis.walk`. Each
depth expands the whole frontier at once: gather the CSR rows of the
frontier, look up where each entry lands, keep the first occurrence of each
new state (that is the order the reference walk discovers them in, which
fixes the parents and so the explaining paths), then add the APIs the newly
reached components offer, right after their provider. Per query it allocates
a few arrays over the states and the nodes (depth, rank, scratch) and the
per-depth slices; nothing outlives the answer.

Every walk runs here, limited or filtered ones too
(:mod:`graph.analysis.frontier_cut`): at depth 0 an operation filter masks
the consumer entries of the changed APIs it leaves out; ``max_depth`` stops
the walk before the depth past the limit; ``max_components`` stops it at the
entry that would add one component too many, in the middle of a depth, as the
reference walk does (the rest of that depth is not taken, which
:meth:`ArrayWalk.parents_of` respects). What a cut left out is then reported
as the reference walk reports it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from graph.analysis.frontier_arrays import (
    EXPANDED,
    I32,
    I64,
    SHIFT,
    WalkArrays,
    build_walk_arrays,
    carry_walk_arrays,
    first_occurrences,
    gather,
    pack_crossing,
    unpack_crossing,
    walk_arrays,
)
from graph.analysis.frontier_cut import FirstHop, cut_report, first_hop
from graph.analysis.projection import Projection
from graph.analysis.walk import CHANGES, MAX_PARENTS, SOFT_STOP, OperationFilter
from schemas.analysis import ChangeType


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
    #: (API, consumer, edge class) of each first-hop entry the operation filter left out
    dropped: set[tuple[int, int, int]] = field(default_factory=set)
    #: where the size limit stopped: the depth, the rank of the state being expanded
    #: and the dependents entry it stopped at (-1: the walk took every depth whole)
    stop_depth: int = -1
    stop_rank: int = -1
    stop_entry: int = -1

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
        node, code = state >> SHIFT, state & 7
        found: list[tuple[int, int]] = []
        sd, rank = self.state_depths, self.rank
        # an API (or channel) reached with its provider, at the provider's depth
        for k in range(int(a.offered_by_ptr[node]), int(a.offered_by_ptr[node + 1])):
            prov = int(a.offered_by[k])
            for c in range(EXPANDED):
                if a.offered_code[c] == code:
                    ps = (prov << SHIFT) | c
                    if sd[ps] == d and rank[ps] >= 0:
                        found.append((int(rank[ps]), ps))
        if d > 0:
            for k in range(int(a.up_ptr[node]), int(a.up_ptr[node + 1])):
                u, cls = int(a.up_node[k]), int(a.up_class[k])
                for c in range(EXPANDED):
                    if a.landed[c, cls] == code:
                        ps = (u << SHIFT) | c
                        if sd[ps] == d - 1 and rank[ps] >= 0 and self._took(ps, node, cls):
                            found.append((int(rank[ps]), ps))
        found.sort()
        out: list[int] = []
        for _, ps in found:
            if ps not in out:
                out.append(ps)
                if len(out) == MAX_PARENTS:
                    break
        return out

    def _took(self, parent: int, node: int, cls: int) -> bool:
        """Whether the walk took the entry from state *parent* to *node* along *cls*
        (not left out by the operation filter, not past where the size limit stopped)."""
        u = parent >> SHIFT
        pd = int(self.state_depths[parent])
        if pd == 0 and (u, node, cls) in self.dropped:
            return False
        if pd != self.stop_depth:
            return True
        r = int(self.rank[parent])
        if r != self.stop_rank:
            return r < self.stop_rank
        a = self.arrays
        for k in range(int(a.dep_ptr[u]), self.stop_entry):
            if a.dep_node[k] == node and a.dep_class[k] == cls:
                return True
        return False


def frontier_walk(
    p: Projection,
    seeds: Sequence[int],
    change: ChangeType = ChangeType.BREAKING_CHANGE,
    *,
    max_depth: int | None = None,
    max_components: int = 1_000_000,
    op_filter: OperationFilter | None = None,
    collect: bool = True,
) -> ArrayWalk:
    """Everything a *change* to *seeds* reaches: :func:`graph.analysis.walk.walk`'s answer.

    *op_filter* drops consumers of the seeds' APIs that use none of the
    changed operations; the walk stops at *max_depth* hops or when it would
    report more than *max_components* components (seeds not counted), and
    says what it did not expand. *collect* records the edges by which it
    enters another owner (:attr:`ArrayWalk.crossings`).
    """
    a = walk_arrays(p)
    n_states = a.total << SHIFT
    sd = np.full(n_states, -1, dtype=np.int32)
    rank = np.full(n_states, -1, dtype=np.int32)
    scratch = np.empty(n_states, dtype=np.int64)
    node_depth = np.full(a.total, -1, dtype=np.int64)
    hard_depth = np.full(a.total, -1, dtype=np.int64)
    start = CHANGES.index(change)
    seed_states = np.asarray([(s << SHIFT) | start for s in seeds], dtype=np.int64)
    seed_states = seed_states[first_occurrences(seed_states, scratch)]
    sd[seed_states] = 0
    offered, _ = _offered(a, seed_states, sd, 0, scratch)
    for noted in (seed_states, offered):
        _note_nodes(noted, 0, node_depth, hard_depth)
    frontier = np.concatenate([seed_states, offered[(offered & 7) < EXPANDED]])
    counter = len(frontier)
    rank[frontier] = np.arange(counter, dtype=np.int32)
    empty = np.zeros(0, dtype=np.int64)
    out = ArrayWalk(a, sd, rank, NodeDepths(node_depth), NodeDepths(hard_depth), empty, empty, 0)
    crossings: list[I64] = []
    cascade: list[I64] = []
    cut: I64 | None = None
    d = 0
    while len(frontier):
        if max_depth is not None and d >= max_depth:
            cut = frontier
            break
        nodes = frontier >> SHIFT
        pos, idx = gather(a.dep_ptr, nodes)
        w = a.dep_node[idx].astype(np.int64)
        cls = a.dep_class[idx].astype(np.int64)
        taken = np.flatnonzero(a.landed[frontier[pos] & 7, cls] >= 0)
        hop: FirstHop | None = None
        if d == 0 and op_filter is not None:
            hop = first_hop(p, op_filter, nodes[pos[taken]], w[taken], cls[taken])
            taken = taken[hop.kept]
        pos, idx, w, cls = pos[taken], idx[taken], w[taken], cls[taken]
        codes = frontier[pos] & 7
        landed = a.landed[codes, cls].astype(np.int64)
        nd = d + 1
        states = (w << SHIFT) | landed
        cand_at = np.flatnonzero(sd[states] < 0)
        firsts = cand_at[first_occurrences(states[cand_at], scratch)]
        fresh = firsts[node_depth[w[firsts]] < 0]
        new_at = fresh[first_occurrences(w[fresh], scratch)]
        stop, stop_pos = len(w), len(frontier)
        if out.components + len(new_at) > max_components:
            stop = int(new_at[max_components - out.components])
            stop_pos = int(pos[stop])
            out.stop_depth, out.stop_rank = d, int(rank[frontier[stop_pos]])
            out.stop_entry, out.reason = int(idx[stop]), "size"
            firsts = firsts[firsts < stop]
            w, cls, landed = w[:stop], cls[:stop], landed[:stop]
            pos, codes = pos[:stop], codes[:stop]
        out.components += len(new_at[new_at < stop])
        if hop is not None:
            kept_at = np.flatnonzero(hop.kept)
            upto = int(kept_at[stop]) if stop < len(kept_at) else len(hop.kept)
            hop.record(upto, out.matched, out.excluded, out.dropped)
        new_states = states[firsts]
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
        expanded = new_states[(new_states & 7) < EXPANDED]
        apis, provider = _offered(a, expanded, sd, nd, scratch)
        _note_nodes(apis, nd, node_depth, hard_depth)
        following = _interleave(expanded, apis, provider)
        rank[following] = np.arange(counter, counter + len(following), dtype=np.int32)
        counter += len(following)
        if out.reason == "size":
            cut = np.concatenate([frontier[stop_pos:], following])
            break
        frontier = following
        d = nd
    if cut is not None:
        out.unexpanded, out.beyond = cut_report(a, cut, sd, node_depth)
        if out.unexpanded and out.reason is None:
            out.reason = "depth"
    if crossings:
        out.crossing_keys = np.concatenate(crossings)
    if cascade:
        out.cascade_nodes = np.concatenate(cascade)
    return out


def _note_nodes(states: I64, d: int, node_depth: I64, hard_depth: I64) -> None:
    """Record depth *d* for the nodes of *states* not reached before (depths only grow)."""
    nodes = states >> SHIFT
    node_depth[nodes[node_depth[nodes] < 0]] = d
    hard = nodes[(states & 7) != SOFT_STOP]
    hard_depth[hard[hard_depth[hard] < 0]] = d


def _offered(a: WalkArrays, providers: I64, sd: I32, d: int, scratch: I64) -> tuple[I64, I64]:
    """New states of the APIs *providers* offer, noted at depth *d*, in provider order,
    with the position of the provider each came with first."""
    pos, idx = gather(a.offer_ptr, providers >> SHIFT)
    if len(idx) == 0:
        return pos, idx
    codes = a.offered_code[providers[pos] & 7].astype(np.int64)
    states = (a.offer_api[idx].astype(np.int64) << SHIFT) | codes
    fresh = np.flatnonzero(sd[states] < 0)
    firsts = fresh[first_occurrences(states[fresh], scratch)]
    out = states[firsts]
    sd[out] = d
    return out, pos[firsts]


def _interleave(expanded: I64, apis: I64, provider: I64) -> I64:
    """The next frontier in the reference walk's order: each component, then its new APIs."""
    keep = (apis & 7) < EXPANDED
    if not keep.any():
        return expanded
    groups = np.concatenate([np.arange(len(expanded), dtype=np.int64), provider[keep]])
    merged = np.concatenate([expanded, apis[keep]])
    return merged[np.argsort(groups, kind="stable")]


__all__ = [
    "ArrayWalk",
    "WalkArrays",
    "build_walk_arrays",
    "carry_walk_arrays",
    "frontier_walk",
    "unpack_crossing",
    "walk_arrays",
]
