"""The projection: what it holds, how owners resolve, and when the cache rebuilds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from graph.analysis import ProjectionCache
from graph.analysis.projection import NO_OWNER, decode_dependent, encode_dependent
from graph.storage import ChangeRecord, EdgeFact, GraphStore, NodeFact, VersionWatch
from schemas.facts import NodeData
from tests.analysis.conftest import SMALL_EDGES, SMALL_NODES, load


def test_nodes_and_edges_in_reference_order(any_store: GraphStore) -> None:
    p = load(any_store, SMALL_NODES, SMALL_EDGES)
    assert p.refs == sorted(SMALL_NODES)
    assert p.edge_count == len(SMALL_EDGES)
    keys = [(p.edge_src[e], p.edge_type[e], p.edge_dst[e]) for e in range(p.edge_count)]
    assert keys == sorted(keys)
    report_gen = p.index["component:report-gen"]
    api = p.index["api:events-v1"]
    (edge,) = [e for e in p.out_edges(report_gen) if p.edge_dst[e] == api]
    assert p.edge_properties(edge) == {"operations": ["GET /events/{eventId}"]}
    assert list(p.in_edges(api)) == sorted(p.in_edges(api))
    assert p.version == any_store.version()


def test_owner_platform_and_tier(any_store: GraphStore) -> None:
    p = load(
        any_store,
        {
            "product:a": {"tier": 1},
            "product:b": {},
            "component:by-edge": {"product": "b"},  # the edge wins over the field
            "component:by-field": {"product": "b"},
            "component:sub": {},
            "component:subsub": {},
            "component:plat": {"platform": True},
            "component:plat-by-type": {"type": "platform"},
            "component:in-plat": {},
            "component:orphan": {},
            "component:loop-a": {},
            "component:loop-b": {"product": "a"},
            "api:x": {},
        },
        [
            ("component:by-edge", "PART_OF", "product:a"),
            ("component:sub", "PART_OF", "component:by-edge"),
            ("component:subsub", "PART_OF", "component:sub"),
            ("component:in-plat", "PART_OF", "component:plat"),
            ("component:loop-a", "PART_OF", "component:loop-b"),
            ("component:loop-b", "PART_OF", "component:loop-a"),
            ("component:plat", "PROVIDES", "api:x"),
        ],
    )

    def owner(ref: str) -> str | None:
        return p.owner_ref(p.index[ref])

    assert owner("component:by-edge") == "product:a"
    assert owner("component:by-field") == "product:b"
    assert owner("component:sub") == owner("component:subsub") == "product:a"
    assert owner("component:orphan") is None
    assert owner("component:loop-a") == "product:a"  # cycle: falls back to a field on the way
    for ref in ("component:plat", "component:plat-by-type", "component:in-plat", "api:x"):
        assert owner(ref) is None and p.is_platform(p.index[ref]), ref
    assert p.product_tier(p.index["product:a"]) == 1
    assert p.product_tier(p.index["product:b"]) == 2
    assert p.owner[p.index["product:a"]] == NO_OWNER


def test_a_product_named_only_in_a_field_becomes_a_stub(any_store: GraphStore) -> None:
    p = load(any_store, {"component:c": {"product": "ghost"}})
    assert "product:ghost" in p
    assert p.owner_ref(p.index["component:c"]) == "product:ghost"


def test_dependents_encode_edge_type_and_strength(any_store: GraphStore) -> None:
    p = load(any_store, SMALL_NODES, SMALL_EDGES)
    auth = p.index["component:auth"]
    entries = {(p.refs[n], t, soft) for n, t, soft in map(decode_dependent, p.dependents[auth])}
    from graph.analysis.projection import DEPENDS_ON

    assert entries == {
        ("component:checkout-api", DEPENDS_ON, False),
        ("component:dashboard", DEPENDS_ON, True),
    }
    assert p.offers[auth] == (p.index["api:auth-v1"],)
    assert decode_dependent(encode_dependent(123_456, 9, True)) == (123_456, 9, True)


def test_networkx_view_is_built_once_and_matches(any_store: GraphStore) -> None:
    p = load(any_store, SMALL_NODES, SMALL_EDGES)
    g = p.networkx()
    assert g is p.networkx()
    assert g.number_of_nodes() == len(p) and g.number_of_edges() == p.edge_count
    assert g.nodes["component:auth"]["platform"] is True
    assert g.edges["component:dashboard", "component:auth", "DEPENDS_ON"]["strength"] == "soft"


def test_cache_updates_only_when_the_version_moves(any_store: GraphStore) -> None:
    load(any_store, SMALL_NODES, SMALL_EDGES)
    cache = ProjectionCache(any_store)
    first = cache.get()
    assert cache.get() is first and cache.builds == 1
    any_store.upsert_node(NodeData("component:new", {}), source="other")
    second = cache.get()
    assert second is not first and "component:new" in second
    assert (cache.builds, cache.deltas) == (1, 1), "brought up to date, not rebuilt"
    assert second.version == any_store.version()
    any_store.upsert_node(NodeData("component:new", {}), source="other")  # no change
    assert cache.get() is second
    cache.invalidate()
    assert cache.get().version == second.version and cache.builds == 2


def test_concurrent_readers_share_one_rebuild(any_store: GraphStore) -> None:
    load(any_store, SMALL_NODES, SMALL_EDGES)
    cache = ProjectionCache(any_store)
    cache.get()
    any_store.upsert_node(NodeData("component:new", {}), source="other")
    seen: list[int] = []
    barrier = threading.Barrier(8)

    def read() -> None:
        barrier.wait()
        seen.append(id(cache.get()))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (cache.builds, cache.deltas) == (1, 1) and len(set(seen)) == 1


class _WriteDuringRead:
    """A store whose graph changes while the projection is being read."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.raced = False

    def version(self) -> int:
        return self.store.version()

    def version_watch(self) -> VersionWatch:
        return self.store.version_watch()

    def iter_node_facts(self) -> Iterator[NodeFact]:
        nodes = list(self.store.iter_node_facts())
        if not self.raced:
            self.raced = True
            self.store.upsert_node(NodeData("component:late", {}), source="late")
        yield from nodes

    def iter_edge_facts(self) -> Iterator[EdgeFact]:
        return self.store.iter_edge_facts()

    def changes_since(self, version: int, *, up_to: int, limit: int) -> list[ChangeRecord]:
        return self.store.changes_since(version, up_to=up_to, limit=limit)


def test_version_is_read_before_the_graph(any_store: GraphStore) -> None:
    load(any_store, SMALL_NODES, SMALL_EDGES)
    before = any_store.version()
    racing: Any = _WriteDuringRead(any_store)
    cache = ProjectionCache(racing)
    stale = cache.get()
    assert stale.version == before < any_store.version()
    assert "component:late" not in stale
    fresh = cache.get()  # stamped behind the store: the late write is applied
    assert cache.builds + cache.deltas == 2 and fresh.version == any_store.version()
    assert "component:late" in fresh
