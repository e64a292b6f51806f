"""Derived arrays carried from one projection to its delta equal a fresh build.

After each random batch of writes (the sequences of ``test_delta``), the
projection the delta produced gets the walk arrays and the edge lookup of
the previous one where :func:`carry_walk_arrays` / :func:`carry_edge_lookup`
allow it; whether carried or built, they must equal, array by array, what
:func:`build_walk_arrays` / the edge lookup of a fresh build of the store
give. The vectorised :func:`build_walk_arrays` itself is checked against the
per-entry rule of the reference walk (:func:`offers_it`).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import fields
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings

from graph.analysis import Projection, build_projection
from graph.analysis.delta import refresh
from graph.analysis.frontier import (
    WalkArrays,
    build_walk_arrays,
    carry_walk_arrays,
    walk_arrays,
)
from graph.analysis.points import EdgeLookup, carry_edge_lookup, edge_lookup
from graph.analysis.projection import COMPONENT
from graph.analysis.walk import offers_it
from graph.storage import SQLiteStore
from schemas.facts import EdgeData, NodeData
from tests.analysis.test_delta import SEQUENCES, Write, _apply


def assert_same_arrays(got: WalkArrays | EdgeLookup, want: WalkArrays | EdgeLookup) -> None:
    for f in fields(want):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, np.ndarray):
            assert np.array_equal(a, b), f.name
        else:
            assert a == b, f.name


def reference_dependents(p: Projection) -> list[list[int]]:
    """The dependents the walk expands, by the reference walk's per-entry rule."""
    return [
        [e for e in entries if p.kinds[u] == COMPONENT or not offers_it(p, e >> 5, u)]
        for u, entries in enumerate(p.dependents)
    ]


def check_carry(store: SQLiteStore, start: list[Write], batches: list[list[Write]]) -> int:
    for write in start:
        _apply(store, write)
    current = build_projection(store)
    carried = 0
    for batch in batches:
        walk_arrays(current)
        edge_lookup(current)
        for write in batch:
            _apply(store, write)
        fresh = refresh(current, store, store.version())
        if fresh is None:
            continue
        carried += carry_walk_arrays(current, fresh)
        carry_edge_lookup(current, fresh)
        want = build_projection(store)
        assert_same_arrays(walk_arrays(fresh), build_walk_arrays(want))
        assert_same_arrays(edge_lookup(fresh), edge_lookup(want))
        a = walk_arrays(fresh)
        kept = [
            [(int(a.dep_node[k]) << 5) | int(a.dep_class[k]) for k in range(lo, hi)]
            for lo, hi in zip(a.dep_ptr[:-1].tolist(), a.dep_ptr[1:].tolist(), strict=True)
        ]
        assert kept == reference_dependents(want)
        current = fresh
    return carried


@settings(
    max_examples=int(os.environ.get("ARCHGRAPH_DELTA_EXAMPLES", "120")) // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(SEQUENCES)
def test_carried_arrays_equal_a_fresh_build(
    sequence: tuple[list[Write], list[list[Write]]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "g.db")
        try:
            check_carry(store, *sequence)
        finally:
            store.close()


def test_a_rename_carries_and_a_new_edge_does_not(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "g.db")
    try:
        store.upsert_node(NodeData("component:a", {"name": "A"}), source="s")
        store.upsert_node(NodeData("component:b", {"name": "B"}), source="s")
        store.upsert_node(NodeData("api:x", {"name": "X"}), source="s")
        store.upsert_edge(EdgeData("component:a", "PROVIDES", "api:x"), source="s")
        old = build_projection(store)
        walk_arrays(old)
        edge_lookup(old)
        store.upsert_node(NodeData("component:a", {"name": "A renamed"}), source="s")
        renamed = refresh(old, store, store.version())
        assert renamed is not None
        assert carry_walk_arrays(old, renamed)
        assert carry_edge_lookup(old, renamed)
        assert walk_arrays(renamed) is walk_arrays(old)
        store.upsert_edge(EdgeData("component:b", "CONSUMES", "api:x"), source="s")
        linked = refresh(renamed, store, store.version())
        assert linked is not None
        assert not carry_walk_arrays(renamed, linked)
        assert not carry_edge_lookup(renamed, linked)
        assert_same_arrays(walk_arrays(linked), build_walk_arrays(build_projection(store)))
        assert int(np.diff(walk_arrays(linked).dep_ptr).sum()) == 1  # b depends on x
    finally:
        store.close()
