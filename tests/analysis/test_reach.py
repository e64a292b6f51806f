"""Whole-graph reachability agrees with networkx and with the impact walk of an outage."""

from __future__ import annotations

from typing import Any

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.analysis import impact, projection_from_records
from graph.analysis.reach import compute_reach, strongly_connected
from schemas.analysis import ImpactRequest
from tests.analysis.test_impact_properties import Portfolio, portfolios


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15)), max_size=60))
def test_strongly_connected_matches_networkx(arcs: list[tuple[int, int]]) -> None:
    succ: dict[int, list[int]] = {n: [] for n in range(16)}
    for a, b in arcs:
        succ[a].append(b)
    ours = strongly_connected(range(16), lambda n: succ[n])
    g = nx.DiGraph()
    g.add_nodes_from(range(16))
    g.add_edges_from(arcs)
    assert sorted(map(sorted, ours)) == sorted(
        sorted(c) for c in nx.strongly_connected_components(g)
    )
    # sinks first: every arc leads to the same or an earlier component
    position = {n: i for i, comp in enumerate(ours) for n in comp}
    assert all(position[b] <= position[a] for a, b in arcs)


def _project(g: Portfolio) -> Any:
    kinds = {ref: ref.partition(":")[0] for ref in g.nodes}
    edges = [(a, t, b, props or None) for a, t, b, props in g.edges]
    return projection_from_records(1, kinds, g.nodes, edges)


@settings(max_examples=150, deadline=None)
@given(portfolios(), st.booleans())
def test_dependent_products_equal_the_walk(g: Portfolio, hard_only: bool) -> None:
    p = _project(g)
    r = compute_reach(p, hard_only=hard_only)
    for ref in g.components:
        c = p.index[ref]
        result = impact(p, ImpactRequest(targets=[ref], change_type="outage"))
        if hard_only:
            expected = {a.ref for a in result.affected_products if a.strength == "hard"}
        else:
            expected = {a.ref for a in result.affected_products}
        assert set(r.refs(p, r.others(p, c))) == expected, ref
