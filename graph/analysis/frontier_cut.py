"""What shapes or cuts an array walk: the operation filter's first hop and the cut.

The array walk (:mod:`graph.analysis.frontier`) answers every impact walk,
including the two kinds the reference walk (:func:`graph.analysis.walk.walk`)
treats specially; both are computed here so the answers stay the reference
walk's to the letter:

* **An operation filter** (:class:`graph.analysis.walk.OperationFilter`) is
  asked only at depth 0, about the ``CONSUMES`` / ``SUBSCRIBES`` entries that
  leave a changed API: :func:`first_hop` asks it about each such entry (in
  walk order) and gives the walk a mask of the entries it keeps. What it
  recorded (the matched operations, the excluded consumers) is written to the
  answer only up to where the walk stopped (:meth:`FirstHop.record`).
* **A cut** (``max_depth`` reached, or ``max_components`` reached in the
  middle of a depth) leaves states reached but not expanded.
  :func:`cut_report` says which of them hide something (``unexpanded``) and
  what lies one step past the cut (``beyond``), as the reference walk's
  ``_cut`` does: from each cut state, follow the table through states the
  walk never recorded, at elements it did reach (an element reached soft may
  carry the change on past the cut); every element not reached that such a
  path meets is *beyond*, and a cut state is *unexpanded* when its paths meet
  one. The union of those paths is one forward sweep over arrays; which cut
  states reach something beyond is one backward breadth-first search
  (``scipy.sparse.csgraph``) over the arcs the sweep found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from graph.analysis.frontier_arrays import EXPANDED, I32, I64, SHIFT, Bools, WalkArrays, gather
from graph.analysis.projection import CONSUMES, SUBSCRIBES, Projection
from graph.analysis.walk import OperationFilter

_FILTERED_TYPES = np.asarray([CONSUMES, SUBSCRIBES], dtype=np.int64)


@dataclass(slots=True)
class FirstHop:
    """The operation filter's verdict on the entries of the first hop, in walk order."""

    #: per entry of the hop, whether the walk keeps it
    kept: Bools
    #: (entry index, consumer, edge class, API, matched operations) per entry asked about
    asked: list[tuple[int, int, int, int, list[str] | None]] = field(default_factory=list)

    def record(
        self,
        upto: int,
        matched: dict[tuple[int, int], list[str] | None],
        excluded: set[int],
        dropped: set[tuple[int, int, int]],
    ) -> None:
        """Write what the filter said about the entries up to index *upto* (inclusive).

        *dropped* gets ``(API, consumer, edge class)`` of each entry left out.
        """
        for at, w, cls, u, ops in self.asked:
            if at > upto:
                break
            matched[(w, u)] = ops
            if ops is not None and not ops:
                excluded.add(w)
                dropped.add((u, w, cls))


def first_hop(p: Projection, op_filter: OperationFilter, u: I64, w: I64, cls: I64) -> FirstHop:
    """Ask *op_filter* about the first-hop entries ``u -> w`` along edge class *cls*.

    Entries leaving a changed API along ``CONSUMES`` or ``SUBSCRIBES`` are
    asked about (:meth:`OperationFilter.match`); a consumer that declared
    operations and uses none of the changed ones is left out.
    """
    kept = np.ones(len(w), dtype=np.bool_)
    hop = FirstHop(kept)
    apis = np.fromiter(op_filter.apis, dtype=np.int64, count=len(op_filter.apis))
    ask = np.isin(u, apis) & np.isin(cls >> 1, _FILTERED_TYPES)
    for at in np.flatnonzero(ask).tolist():
        wi, ci, ui = int(w[at]), int(cls[at]), int(u[at])
        ops = op_filter.match(p, wi, ci >> 1, ui)
        hop.asked.append((at, wi, ci, ui, ops))
        if ops is not None and not ops:
            kept[at] = False
    return hop


def cut_report(a: WalkArrays, cut: I64, sd: I32, node_depth: I64) -> tuple[list[int], set[int]]:
    """The elements of the *cut* states that hide something, in cut order, and what lies past.

    *sd* is the depth of every state the walk recorded (-1: none), *node_depth*
    of every element (-1: not reached); *cut* lists the states reached but not
    expanded, each once, in walk order.
    """
    seen = np.zeros(len(sd), dtype=np.bool_)
    arc_src: list[I64] = []
    arc_dst: list[I64] = []
    sink_src: list[I64] = []
    sink_node: list[I64] = []
    level = cut
    while len(level):
        pos, idx = gather(a.dep_ptr, level >> SHIFT)
        src = level[pos]
        w = a.dep_node[idx].astype(np.int64)
        landed = a.landed[src & 7, a.dep_class[idx]].astype(np.int64)
        hit = landed >= 0
        src, w, landed = src[hit], w[hit], landed[hit]
        past = node_depth[w] < 0
        sink_src.append(src[past])
        sink_node.append(w[past])
        on = np.flatnonzero(~past & (landed < EXPANDED))
        entered = _arcs(src[on], (w[on] << SHIFT) | landed[on], sd, seen, arc_src, arc_dst)
        pos, idx = gather(a.offer_ptr, entered >> SHIFT)
        src = entered[pos]
        api = a.offer_api[idx].astype(np.int64)
        code = a.offered_code[src & 7].astype(np.int64)
        past = node_depth[api] < 0
        sink_src.append(src[past])
        sink_node.append(api[past])
        on = np.flatnonzero(~past & (code < EXPANDED))
        apis = _arcs(src[on], (api[on] << SHIFT) | code[on], sd, seen, arc_src, arc_dst)
        level = np.concatenate([entered, apis])
    sinks = np.concatenate(sink_src)
    if not len(sinks):
        return [], set()
    beyond = set(np.concatenate(sink_node).tolist())
    hiding = _reaching(np.concatenate(arc_src), np.concatenate(arc_dst), sinks)
    return (cut[np.isin(cut, hiding)] >> SHIFT).tolist(), beyond


def _arcs(src: I64, dst: I64, sd: I32, seen: Bools, arc_src: list[I64], arc_dst: list[I64]) -> I64:
    """Keep the arcs into states the walk never recorded; return those not seen before."""
    fresh = sd[dst] < 0
    src, dst = src[fresh], dst[fresh]
    arc_src.append(src)
    arc_dst.append(dst)
    entered: I64 = np.unique(dst[~seen[dst]])
    seen[entered] = True
    return entered


def _reaching(arc_src: I64, arc_dst: I64, sinks: I64) -> I64:
    """The states from which the arcs lead to one of the states in *sinks* (those included)."""
    states, at = np.unique(np.concatenate([arc_src, arc_dst, sinks]), return_inverse=True)
    n = len(states)
    src_at = at[: len(arc_src)]
    dst_at = at[len(arc_src) : len(arc_src) + len(arc_dst)]
    sink_at = np.unique(at[len(arc_src) + len(arc_dst) :])
    rows = np.concatenate([dst_at, np.full(len(sink_at), n, dtype=np.int64)])
    cols = np.concatenate([src_at, sink_at])
    # weights summed over repeated arcs stay positive (an int8 sum could wrap to 0)
    backwards = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1))
    reached = breadth_first_order(backwards, n, directed=True, return_predecessors=False)
    found: I64 = states[reached[reached < n]]
    return found


__all__ = ["FirstHop", "cut_report", "first_hop"]
