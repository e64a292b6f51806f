"""The engine against its floor, side by side in one process (``make bench``, part 5).

The floor is a plain breadth-first search with ``scipy.sparse.csgraph`` over
the same relation the impact walk follows (:func:`floor_graph`: the walk's
states, an arc wherever the propagation table lets the change go), from the
same target: it reaches exactly the elements the walk reaches (checked per
target), so it is the least any answer by the same rule can cost. For each target, in turn and in
the same process, this times the BFS floor, the walk alone
(:func:`graph.analysis.frontier.frontier_walk`), the reference Python walk
and ``impact()`` with its JSON, so a busy shared machine slows all of them
alike; figures are reported as ratios to the floor.

Targets: ``--engine-targets`` uniform components and APIs (1,000 by default)
and the 20 platform components whose outage reaches the most elements.
Before timing, the walk is compared with the reference walk, and ``impact()``
with ``impact()`` on the reference walk, target by target. Walks cut by
``max_depth`` or ``max_components`` and walks under an operation filter are
compared and timed beside the reference walk by :mod:`bench.walks`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from bench.measure import Results, percentiles
from bench.walks import limited_walks, top_platform
from bench.walks import summary as limited_summary
from graph.analysis import Projection, impact
from graph.analysis.frontier import ArrayWalk, frontier_walk, walk_arrays
from graph.analysis.walk import CHANGES, HARD_STOP, walk
from schemas.analysis import ChangeType, ImpactRequest


def floor_graph(p: Projection, change: ChangeType = ChangeType.BREAKING_CHANGE) -> csr_matrix:
    """The relation the walk of *change* follows, as a sparse matrix over walk states.

    A state is ``node << 3 | code`` (:mod:`graph.analysis.walk`): an arc for every
    dependents entry the table lets a state take (to the state the dependent lands
    in) and from a component's state to the state of each API it offers. A BFS
    from the target's state reaches exactly the elements the walk reaches.
    """
    a = walk_arrays(p)
    n = a.total
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(a.dep_ptr))
    cls = a.dep_class.astype(np.int64)
    off_src = np.repeat(np.arange(n, dtype=np.int64), np.diff(a.offer_ptr))
    rows, cols = [], []
    for code in range(HARD_STOP):
        landed = a.landed[code, cls].astype(np.int64)
        ok = landed >= 0
        rows.append((src[ok] << 3) | code)
        cols.append((a.dep_node[ok].astype(np.int64) << 3) | landed[ok])
        rows.append((off_src << 3) | code)
        cols.append((a.offer_api.astype(np.int64) << 3) | int(a.offered_code[code]))
    r, c = np.concatenate(rows), np.concatenate(cols)
    return csr_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n << 3, n << 3))


def floor_reach(g: csr_matrix, target: int, change: ChangeType) -> npt.NDArray[np.int32]:
    """The floor: a scipy BFS from the target's state; the states it reaches."""
    start = (target << 3) | CHANGES.index(change)
    reached: npt.NDArray[np.int32] = breadth_first_order(g, start, return_predecessors=False)
    return reached


@contextmanager
def reference_engine() -> Iterator[None]:
    """``impact()`` computed on the reference walk, for the answer comparison."""
    module = sys.modules["graph.analysis.impact"]
    saved = module.frontier_walk
    module.frontier_walk = walk  # type: ignore[attr-defined]
    try:
        yield
    finally:
        module.frontier_walk = saved  # type: ignore[attr-defined]


def same_answers(p: Projection, targets: Sequence[int], impacts: int) -> Results:
    """Walks compared with the reference walk on *targets*, impact() on the first *impacts*."""
    walks_equal = 0
    for n, t in enumerate(targets):
        change = list(ChangeType)[n % len(ChangeType)]
        ref, arr = walk(p, [t], change), frontier_walk(p, [t], change)
        assert isinstance(arr, ArrayWalk)
        walks_equal += (
            dict(arr.depth) == ref.depth
            and dict(arr.hard_depth) == ref.hard_depth
            and set(arr.crossings) == set(ref.crossings)
            and arr.cascade == ref.cascade
        )
    impacts_equal = 0
    for n, t in enumerate(targets[:impacts]):
        request = ImpactRequest(targets=[p.refs[t]], change_type=list(ChangeType)[n % 5])
        new = impact(p, request)
        with reference_engine():
            old = impact(p, request)
        impacts_equal += new == old
    return {
        "walks": len(targets),
        "walks_equal": walks_equal,
        "impacts": min(impacts, len(targets)),
        "impacts_equal": impacts_equal,
    }


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def _answer(p: Projection, request: ImpactRequest) -> str:
    return impact(p, request).model_dump_json()


def side_by_side(p: Projection, g: csr_matrix, targets: Sequence[int]) -> Results:
    """Per target: BFS floor, array walk, reference walk, impact() + JSON (seconds)."""
    floor: list[float] = []
    walks: list[float] = []
    refs: list[float] = []
    impacts: list[float] = []
    sizes: list[int] = []
    same = 0
    for t in targets:
        seed, request = [t], ImpactRequest(targets=[p.refs[t]])
        seconds, states = _timed(partial(floor_reach, g, t, ChangeType.BREAKING_CHANGE))
        floor.append(seconds)
        walked = frontier_walk(p, seed)
        same += set((np.asarray(states) >> 3).tolist()) == set(walked.depth)
        walks.append(_timed(partial(frontier_walk, p, seed))[0])
        refs.append(_timed(partial(walk, p, seed))[0])
        seconds, body = _timed(partial(_answer, p, request))
        impacts.append(seconds)
        sizes.append(len(str(body)))
    f = np.asarray(floor)
    w, i = np.asarray(walks) / f, np.asarray(impacts) / f
    return {
        "targets": len(targets),
        "floor_same_sets": same,
        "floor_ms": percentiles(floor),
        "walk_ms": percentiles(walks),
        "reference_walk_ms": percentiles(refs),
        "impact_json_ms": percentiles(impacts),
        "walk_ratio_total": sum(walks) / sum(floor),
        "reference_ratio_total": sum(refs) / sum(floor),
        "impact_ratio_total": sum(impacts) / sum(floor),
        "walk_ratio_range": [float(w.min()), float(w.max())],
        "impact_ratio_range": [float(i.min()), float(i.max())],
        "answer_kb_max": max(sizes) / 1e3,
        "answer_kb_p50": sorted(sizes)[len(sizes) // 2] / 1e3,
    }


def engine_part(
    p: Projection, uniform: Sequence[str], say: Callable[[str], None], compare: int = 200
) -> Results:
    g = floor_graph(p)
    top = top_platform(p)
    targets = [p.index[t] for t in uniform]
    warm = targets[:50] + top
    for t in warm:
        impact(p, ImpactRequest(targets=[p.refs[t]]))
        floor_reach(g, t, ChangeType.BREAKING_CHANGE)
    out: Results = {"top": [p.refs[t] for t in top]}
    out["answers"] = same_answers(p, (top + targets)[:compare], impacts=40)
    say(f"engine: identical answers {out['answers']}")
    out["uniform"] = side_by_side(p, g, targets)
    say(f"engine, {len(targets)} uniform targets: {_summary(out['uniform'])}")
    out["top_platform"] = side_by_side(p, g, top)
    say(f"engine, {len(top)} top platform components: {_summary(out['top_platform'])}")
    out["limited"] = limited_walks(p, (top + targets)[:compare])
    say(f"engine, limited and filtered walks: {limited_summary(out['limited'])}")
    return out


def _summary(r: Results) -> str:
    return (
        f"walk {r['walk_ratio_total']:.1f}x the BFS floor in total, impact()+JSON "
        f"{r['impact_ratio_total']:.1f}x; impact p95 {r['impact_json_ms']['p95']:.1f} ms; "
        f"answer max {r['answer_kb_max']:.0f} kB"
    )


__all__ = [
    "engine_part",
    "floor_graph",
    "floor_reach",
    "same_answers",
    "side_by_side",
    "top_platform",
]
