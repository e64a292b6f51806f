"""The projection brought up to date from the change log equals a fresh build.

Random small portfolios are written into a real store, projected, then
changed by random writes (element and edge upserts with random fields,
deletes, whole-source replacements); :func:`refresh` applies the change
records to the old projection, and the result must equal
:func:`build_projection` of the store field by field, and answer impact
questions alike. SQLite runs many examples; Neo4j a few.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.analysis import Projection, build_projection, impact
from graph.analysis.delta import apply_changes, refresh
from graph.storage import GraphStore, SQLiteStore
from schemas.analysis import ImpactRequest
from schemas.errors import NotFoundError
from schemas.facts import EdgeData, NodeData

PRODUCTS = [f"product:p{i}" for i in range(3)]
COMPONENTS = [f"component:c{i}" for i in range(7)]
APIS = [f"api:a{i}" for i in range(4)]
OTHERS = ["capability:cap0", "technology:t0"]
REFS = PRODUCTS + COMPONENTS + APIS + OTHERS
CHANNELS = ["ch1", "ch2", "ch3"]
EDGE_ENDS = {
    "PART_OF": (COMPONENTS, PRODUCTS + COMPONENTS),
    "DEPENDS_ON": (COMPONENTS, COMPONENTS),
    "PROVIDES": (COMPONENTS, APIS),
    "CONSUMES": (COMPONENTS, APIS),
    "PUBLISHES": (COMPONENTS, APIS),
    "SUBSCRIBES": (COMPONENTS, APIS),
    "HAS_CAPABILITY": (COMPONENTS + PRODUCTS, ["capability:cap0"]),
    "USES": (COMPONENTS, ["technology:t0"]),
}
SOURCES = ["s1", "s2", "api"]


@st.composite
def node_facts(draw: st.DrawFn, ref: str | None = None) -> NodeData:
    ref = ref or draw(st.sampled_from(REFS))
    props: dict[str, Any] = {}
    if ref.startswith("component:"):
        if draw(st.booleans()):
            props["product"] = draw(st.sampled_from(["p0", "p1", "p2", "ghost"]))
        if draw(st.integers(0, 4)) == 0:
            props["platform"] = True
    if ref.startswith("product:") and draw(st.booleans()):
        props["tier"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        props["name"] = draw(st.sampled_from(["One", "Two"]))
    return NodeData(ref, props)


@st.composite
def edge_facts(draw: st.DrawFn) -> EdgeData:
    etype = draw(st.sampled_from(sorted(EDGE_ENDS)))
    starts, ends = EDGE_ENDS[etype]
    props: dict[str, Any] = {}
    if etype in ("DEPENDS_ON", "CONSUMES") and draw(st.booleans()):
        props["strength"] = draw(st.sampled_from(["hard", "soft"]))
    if etype in ("PUBLISHES", "SUBSCRIBES") and draw(st.booleans()):
        props["channels"] = draw(st.lists(st.sampled_from(CHANNELS), min_size=1, unique=True))
    return EdgeData(draw(st.sampled_from(starts)), etype, draw(st.sampled_from(ends)), props)


Write = Callable[[GraphStore], object]


@st.composite
def writes(draw: st.DrawFn) -> Write:
    choice = draw(st.integers(0, 5))
    source = draw(st.sampled_from(SOURCES))
    if choice == 0:
        node = draw(node_facts())
        return lambda s: s.upsert_node(node, source=source)
    if choice == 1:
        edge = draw(edge_facts())
        return lambda s: s.upsert_edge(edge, source=source)
    if choice == 2:
        ref = draw(st.sampled_from(REFS))
        return lambda s: s.delete_node(ref)
    if choice == 3:
        edge = draw(edge_facts())
        return lambda s: s.delete_edge(edge.from_ref, edge.type, edge.to_ref)
    nodes = draw(st.lists(node_facts(), max_size=6, unique_by=lambda n: n.ref))
    edges = draw(st.lists(edge_facts(), max_size=8, unique_by=lambda e: e.key))
    return lambda s: s.replace_source(source, nodes, edges)


def _apply(store: GraphStore, write: Write) -> None:
    # an edge at an element the random sequence had not written: nothing lands
    with contextlib.suppress(NotFoundError):
        write(store)


def assert_same(got: Projection, want: Projection) -> None:
    for f in fields(Projection):
        if f.name.startswith("_"):
            continue
        assert getattr(got, f.name) == getattr(want, f.name), f.name


def assert_same_answers(got: Projection, want: Projection) -> None:
    for target in COMPONENTS + APIS:
        if target not in want.index:
            continue
        for change in ("breaking-change", "outage", "remove"):
            request = ImpactRequest(targets=[target], change_type=change)
            assert impact(got, request).model_dump() == impact(want, request).model_dump()


def check_sequence(store: GraphStore, start: list[Write], batches: list[list[Write]]) -> None:
    for write in start:
        _apply(store, write)
    current = build_projection(store)
    for batch in batches:
        for write in batch:
            _apply(store, write)
        version = store.version()
        fresh = refresh(current, store, version)
        want = build_projection(store)
        if version == current.version:
            assert fresh is None
            continue
        assert fresh is not None, "a small delta must be applied, not rebuilt"
        assert_same(fresh, want)
        current = fresh
    assert_same_answers(current, build_projection(store))


SEQUENCES = st.tuples(
    st.lists(writes(), min_size=1, max_size=12),
    st.lists(st.lists(writes(), min_size=1, max_size=4), min_size=1, max_size=5),
)


@settings(
    max_examples=int(os.environ.get("ARCHGRAPH_DELTA_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(SEQUENCES)
def test_delta_equals_rebuild_on_sqlite(sequence: tuple[list[Write], list[list[Write]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "g.db")
        try:
            check_sequence(store, *sequence)
        finally:
            store.close()


@pytest.mark.neo4j
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(sequence=SEQUENCES)
def test_delta_equals_rebuild_on_neo4j(
    neo4j_store: GraphStore, sequence: tuple[list[Write], list[list[Write]]]
) -> None:
    neo4j_store.clear()
    check_sequence(neo4j_store, *sequence)


def test_import_and_pruned_records_rebuild(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "g.db")
    store.upsert_node(NodeData("component:a", {}), source="s")
    p = build_projection(store)
    store.import_records(list(store.iter_nodes()), list(store.iter_edges()))
    assert refresh(p, store, store.version()) is None, "an import is rebuilt"
    p = build_projection(store)
    store.upsert_node(NodeData("component:b", {}), source="s")
    store.prune_changes("9999-01-01T00:00:00.000000Z")
    assert refresh(p, store, store.version()) is None, "missing records are rebuilt"
    store.close()


def test_a_large_delta_is_rebuilt(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "g.db")
    store.upsert_node(NodeData("component:a", {}), source="s")
    p = build_projection(store)
    store.upsert_nodes([NodeData(f"component:n{i}", {}) for i in range(1_500)], source="s")
    assert refresh(p, store, store.version()) is None
    records = store.changes_since(p.version, up_to=store.version(), limit=2_000)
    assert_same(apply_changes(p, records, store.version()) or p, build_projection(store))
    store.close()


def _chain_store(tmp_path: Path) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "g.db")
    store.replace_source(
        "s",
        [NodeData(r, {}) for r in ("product:p0", "product:p1", "api:a0")]
        + [NodeData(f"component:c{i}", {}) for i in range(3)],
        [
            EdgeData("component:c2", "PART_OF", "component:c1"),
            EdgeData("component:c1", "PART_OF", "component:c0"),
            EdgeData("component:c0", "PART_OF", "product:p0"),
            EdgeData("component:c2", "PROVIDES", "api:a0"),
        ],
    )
    return store


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda s: s.replace_source(
                "t", [], [EdgeData("component:c0", "PART_OF", "component:c1")]
            ),
            id="a new first parent up the chain",
        ),
        pytest.param(lambda s: s.delete_node("product:p0"), id="the owning product removed"),
        pytest.param(
            lambda s: s.upsert_node(NodeData("component:c0", {"platform": True}), source="s"),
            id="an ancestor made platform",
        ),
    ],
)
def test_owner_changes_reach_every_descendant(
    tmp_path: Path, write: Callable[[GraphStore], object]
) -> None:
    store = _chain_store(tmp_path)
    p = build_projection(store)
    write(store)
    fresh = refresh(p, store, store.version())
    assert fresh is not None
    want = build_projection(store)
    assert_same(fresh, want)
    chain = [f"component:c{i}" for i in range(3)]
    assert [want.owner_ref(want.index[c]) for c in chain] != [
        p.owner_ref(p.index[c]) for c in chain
    ], "the write moves the chain's owner"
    store.close()


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda s: s.delete_node("component:plat"), id="its provider removed"),
        pytest.param(
            lambda s: s.delete_edge("component:plat", "PROVIDES", "api:a0"),
            id="its PROVIDES edge removed",
        ),
        pytest.param(
            lambda s: s.replace_source(
                "s", [NodeData(r, {}) for r in ("product:p0", "api:a0")], []
            ),
            id="its provider's source replaced without it",
        ),
    ],
)
def test_an_api_that_loses_its_provider_loses_its_owner_and_flag(
    tmp_path: Path, write: Callable[[GraphStore], object]
) -> None:
    store = SQLiteStore(tmp_path / "g.db")
    store.replace_source(
        "s",
        [
            NodeData("product:p0", {}),
            NodeData("api:a0", {}),
            NodeData("component:plat", {"platform": True}),
        ],
        [EdgeData("component:plat", "PROVIDES", "api:a0")],
    )
    p = build_projection(store)
    assert p.platform[p.index["api:a0"]] == 1
    write(store)
    fresh = refresh(p, store, store.version())
    assert fresh is not None
    assert_same(fresh, build_projection(store))
    assert fresh.platform[fresh.index["api:a0"]] == 0
    store.close()
