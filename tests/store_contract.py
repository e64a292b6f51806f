"""The behaviour every GraphStore backend must show, written once.

Each backend's test module subclasses :class:`GraphStoreContract` and only
says how to make an empty store (a ``store`` fixture). Assertions compare
sets of tuples, so they say exactly what the graph holds.
"""

from __future__ import annotations

import json
import threading

import pytest

from graph.storage import EdgeRecord, GraphStore, NodeRecord
from schemas.errors import InvalidInputError, NotFoundError
from schemas.facts import EdgeData, NodeData


def edges_of(store: GraphStore) -> set[tuple[str, str, str]]:
    return {e.key for e in store.iter_edges()}


def refs_of(store: GraphStore) -> set[str]:
    return {n.ref for n in store.iter_nodes()}


def seed(store: GraphStore, source: str = "seed") -> None:
    store.replace_source(
        source,
        [
            NodeData("product:checkout", {"name": "Checkout", "tier": 1}),
            NodeData("product:reporting", {"name": "Reporting", "tier": 3}),
            NodeData("component:cart", {"name": "Cart", "product": "checkout"}),
            NodeData("component:auth", {"name": "Auth", "platform": True, "tags": ["iam", "core"]}),
            NodeData(
                "api:auth-v1",
                {"name": "Auth API", "operations": [{"method": "get", "path": "/me"}]},
            ),
        ],
        [
            EdgeData("component:cart", "PART_OF", "product:checkout"),
            EdgeData("component:cart", "DEPENDS_ON", "component:auth", {"strength": "hard"}),
            EdgeData("component:auth", "PROVIDES", "api:auth-v1"),
            EdgeData("component:cart", "CONSUMES", "api:auth-v1", {"operations": ["GET /me"]}),
        ],
    )


class GraphStoreContract:
    # ------------------------------------------------------------ basics

    def test_empty_store(self, store: GraphStore) -> None:
        assert store.counts() == (0, 0)
        assert store.get_node("product:none") is None
        assert store.list_nodes("product").items == []
        store.ping()

    def test_upsert_and_get_node_keeps_nested_properties(self, store: GraphStore) -> None:
        ops = [{"method": "get", "path": "/users/{id}", "deprecated": True}]
        store.upsert_node(NodeData("api:users", {"name": "Users", "operations": ops}), source="t")
        node = store.get_node("api:users")
        assert node is not None
        assert (node.ref, node.kind, node.properties) == (
            "api:users",
            "api",
            {"name": "Users", "operations": ops},
        )
        assert [a.source for a in node.assertions] == ["t"]
        assert node.assertions[0].asserted_at.endswith("Z")

    def test_every_changing_write_increases_version_and_no_op_does_not(
        self, store: GraphStore
    ) -> None:
        v0 = store.version()
        seed(store)
        v1 = store.version()
        assert v1 > v0
        seed(store)  # same facts again
        assert store.version() == v1
        store.upsert_node(NodeData("product:checkout", {"name": "Checkout 2"}), source="other")
        assert store.version() > v1

    def test_edges_round_trip_with_properties(self, store: GraphStore) -> None:
        seed(store)
        assert edges_of(store) == {
            ("component:cart", "PART_OF", "product:checkout"),
            ("component:cart", "DEPENDS_ON", "component:auth"),
            ("component:auth", "PROVIDES", "api:auth-v1"),
            ("component:cart", "CONSUMES", "api:auth-v1"),
        }
        edge = store.get_edge("component:cart", "CONSUMES", "api:auth-v1")
        assert edge is not None
        assert edge.properties == {"operations": ["GET /me"]}
        assert store.get_edge("component:auth", "CONSUMES", "api:auth-v1") is None

    def test_edge_to_missing_node_is_rejected_and_writes_nothing(self, store: GraphStore) -> None:
        seed(store)
        before = (refs_of(store), edges_of(store), store.version())
        with pytest.raises(NotFoundError) as err:
            store.upsert_edges(
                [
                    EdgeData("component:cart", "DEPENDS_ON", "component:auth"),
                    EdgeData("component:cart", "DEPENDS_ON", "component:ghost"),
                ],
                source="t",
            )
        assert "component:ghost" in err.value.message
        assert (refs_of(store), edges_of(store), store.version()) == before

    def test_edge_between_wrong_kinds_is_rejected(self, store: GraphStore) -> None:
        seed(store)
        with pytest.raises(InvalidInputError):
            store.upsert_edge(
                EdgeData("product:checkout", "DEPENDS_ON", "component:auth"), source="t"
            )
        with pytest.raises(InvalidInputError):
            store.upsert_edge(EdgeData("component:cart", "LIKES", "component:auth"), source="t")
        assert ("product:checkout", "DEPENDS_ON", "component:auth") not in edges_of(store)

    def test_delete_node_removes_its_edges(self, store: GraphStore) -> None:
        seed(store)
        assert store.delete_node("component:auth") is True
        assert "component:auth" not in refs_of(store)
        assert edges_of(store) == {
            ("component:cart", "PART_OF", "product:checkout"),
            ("component:cart", "CONSUMES", "api:auth-v1"),
        }
        assert store.delete_node("component:auth") is False

    def test_delete_edge(self, store: GraphStore) -> None:
        seed(store)
        assert store.delete_edge("component:cart", "DEPENDS_ON", "component:auth") is True
        assert store.delete_edge("component:cart", "DEPENDS_ON", "component:auth") is False
        assert ("component:cart", "DEPENDS_ON", "component:auth") not in edges_of(store)
        assert "component:auth" in refs_of(store)

    def test_bulk_upsert_and_delete(self, store: GraphStore) -> None:
        nodes = [NodeData(f"component:c{i:04d}", {"name": f"C{i}"}) for i in range(1200)]
        edges = [
            EdgeData(f"component:c{i:04d}", "DEPENDS_ON", f"component:c{i + 1:04d}")
            for i in range(1199)
        ]
        summary = store.upsert_nodes(nodes, source="bulk")
        assert summary.nodes_created == 1200
        assert store.upsert_edges(edges, source="bulk").edges_created == 1199
        assert store.counts() == (1200, 1199)
        removed = store.delete_nodes([f"component:c{i:04d}" for i in range(0, 1200, 2)])
        assert removed.nodes_removed == 600
        assert removed.edges_removed == 1199  # every edge touches an even-numbered node
        assert store.counts() == (600, 0)

    # ------------------------------------------------------ listing, neighbours

    def test_list_nodes_paginates_by_cursor_in_ref_order(self, store: GraphStore) -> None:
        store.upsert_nodes([NodeData(f"team:t{i:02d}") for i in range(25)], source="t")
        seen: list[str] = []
        cursor = None
        while True:
            page = store.list_nodes("team", limit=10, cursor=cursor)
            assert page.total == 25
            seen += [n.ref for n in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [f"team:t{i:02d}" for i in range(25)]

    def test_list_nodes_filters_scalars_and_list_membership(self, store: GraphStore) -> None:
        seed(store)
        assert [n.ref for n in store.list_nodes("product", filters={"tier": 1}).items] == [
            "product:checkout"
        ]
        assert [n.ref for n in store.list_nodes("component", filters={"platform": True}).items] == [
            "component:auth"
        ]
        assert [n.ref for n in store.list_nodes("component", filters={"tags": "core"}).items] == [
            "component:auth"
        ]
        assert store.list_nodes("component", filters={"tags": "nope"}).total == 0

    def test_neighbors_by_direction_and_type(self, store: GraphStore) -> None:
        seed(store)
        out = store.neighbors("component:cart", direction="out")
        assert {(n.edge.type, n.node.ref, n.direction) for n in out} == {
            ("PART_OF", "product:checkout", "out"),
            ("DEPENDS_ON", "component:auth", "out"),
            ("CONSUMES", "api:auth-v1", "out"),
        }
        incoming = store.neighbors("api:auth-v1", direction="in", types=["PROVIDES"])
        assert [(n.node.ref, n.direction) for n in incoming] == [("component:auth", "in")]
        both = store.neighbors("component:auth")
        assert {(n.edge.type, n.node.ref) for n in both} == {
            ("DEPENDS_ON", "component:cart"),
            ("PROVIDES", "api:auth-v1"),
        }

    # ------------------------------------------------------ provenance

    def test_replace_source_removes_what_the_source_no_longer_asserts(
        self, store: GraphStore
    ) -> None:
        seed(store)
        store.replace_source(
            "seed",
            [NodeData("component:cart"), NodeData("component:auth"), NodeData("product:checkout")],
            [EdgeData("component:cart", "PART_OF", "product:checkout")],
        )
        assert refs_of(store) == {"component:cart", "component:auth", "product:checkout"}
        assert edges_of(store) == {("component:cart", "PART_OF", "product:checkout")}

    def test_fact_asserted_by_two_sources_stays_until_both_drop_it(self, store: GraphStore) -> None:
        nodes = [NodeData("component:a"), NodeData("component:b")]
        edge = EdgeData("component:a", "DEPENDS_ON", "component:b", {"strength": "soft"})
        store.replace_source("one", nodes, [edge])
        store.replace_source("two", nodes, [edge])
        store.replace_source("one", [], [])
        record = store.get_edge(*edge.key)
        assert record is not None and record.sources == ["two"]
        assert refs_of(store) == {"component:a", "component:b"}
        store.replace_source("two", [], [])
        assert store.counts() == (0, 0)

    def test_properties_merge_across_sources_and_unmerge_when_one_leaves(
        self, store: GraphStore
    ) -> None:
        store.replace_source(
            "scan", [NodeData("product:p", {"name": "P", "tier": 2})], [], at="2026-01-01T00:00:00Z"
        )
        store.replace_source(
            "api", [NodeData("product:p", {"tier": 1})], [], at="2026-02-01T00:00:00Z"
        )
        node = store.get_node("product:p")
        assert node is not None and node.properties == {"name": "P", "tier": 1}
        store.replace_source("api", [], [])
        node = store.get_node("product:p")
        assert node is not None and node.properties == {"name": "P", "tier": 2}
        assert node.assertions[0].asserted_at == "2026-01-01T00:00:00Z"

    def test_replace_source_is_idempotent(self, store: GraphStore) -> None:
        seed(store)
        snapshot = (list(store.iter_nodes()), list(store.iter_edges()), store.version())
        summary = store.replace_source(
            "seed",
            [NodeData(n.ref, n.properties) for n in snapshot[0]],
            [EdgeData(*e.key, e.properties) for e in snapshot[1]],
        )
        assert not summary.changed
        assert (list(store.iter_nodes()), list(store.iter_edges()), store.version()) == snapshot

    def test_failed_replace_source_changes_nothing(self, store: GraphStore) -> None:
        seed(store)
        before = (list(store.iter_nodes()), list(store.iter_edges()), store.version())
        with pytest.raises(NotFoundError):
            store.replace_source(
                "seed",
                [NodeData("component:new")],
                [EdgeData("component:new", "DEPENDS_ON", "component:missing")],
            )
        assert (list(store.iter_nodes()), list(store.iter_edges()), store.version()) == before

    def test_removing_a_node_nobody_asserts_takes_other_sources_edges_along(
        self, store: GraphStore
    ) -> None:
        store.replace_source("scan", [NodeData("component:a"), NodeData("component:b")], [])
        store.upsert_edge(EdgeData("component:a", "DEPENDS_ON", "component:b"), source="api")
        summary = store.replace_source("scan", [NodeData("component:a")], [])
        assert summary.nodes_removed == 1 and summary.edges_removed == 1
        assert edges_of(store) == set()

    def test_replace_sources_is_one_transaction(self, store: GraphStore) -> None:
        seed(store)
        before = (list(store.iter_nodes()), list(store.iter_edges()), store.version())
        with pytest.raises(NotFoundError):
            store.replace_sources(
                {
                    "good": ([NodeData("team:t")], []),
                    "seed": ([], []),  # would retract everything seeded
                    "bad": (
                        [NodeData("component:x")],
                        [EdgeData("component:x", "USES", "technology:none")],
                    ),
                }
            )
        assert (list(store.iter_nodes()), list(store.iter_edges()), store.version()) == before
        summaries = store.replace_sources({"good": ([NodeData("team:t")], []), "seed": ([], [])})
        assert summaries["good"].nodes_created == 1
        assert summaries["seed"].nodes_removed == 5
        assert summaries["good"].version == summaries["seed"].version == store.version()
        assert store.version() == before[2] + 1
        assert refs_of(store) == {"team:t"}

    def test_source_ids(self, store: GraphStore) -> None:
        seed(store)
        store.upsert_edge(EdgeData("component:auth", "DEPENDS_ON", "component:cart"), source="e")
        assert store.source_ids() == {"seed", "e"}

    def test_source_lookup_returns_exactly_what_each_source_asserts(
        self, store: GraphStore
    ) -> None:
        """The source index follows upserts, replaces, deletes, retracts, imports and clear."""
        checked: set[str] = set()

        def check() -> None:
            expected: dict[str, tuple[set[str], set[tuple[str, str, str]]]] = {}
            for node in store.iter_nodes():
                for a in node.assertions:
                    expected.setdefault(a.source, (set(), set()))[0].add(node.ref)
            for edge in store.iter_edges():
                for a in edge.assertions:
                    expected.setdefault(a.source, (set(), set()))[1].add(edge.key)
            checked.update(expected)
            for source in checked:
                assert store.asserted_by(source) == expected.get(source, (set(), set())), source
            # The same answers for many sources in one call (a scan's lookup).
            asked = [*sorted(checked), "never-a-source"]
            batched = store._write(lambda tx: tx.source_assertions(asked))
            assert batched == {s: expected.get(s, (set(), set())) for s in asked}

        seed(store, "s1")
        store.upsert_nodes([NodeData("component:cart"), NodeData("team:t")], source="s2")
        store.upsert_edge(EdgeData("component:cart", "DEPENDS_ON", "component:auth"), source="s2")
        check()
        assert store.asserted_by("s2") == (
            {"component:cart", "team:t"},
            {("component:cart", "DEPENDS_ON", "component:auth")},
        )
        store.replace_source(
            "s1",
            [NodeData("component:cart", {"name": "Cart"}), NodeData("component:auth")],
            [EdgeData("component:cart", "DEPENDS_ON", "component:auth")],
        )
        check()
        store.replace_sources(
            {
                "s3": ([NodeData("team:t"), NodeData("team:u")], []),
                "s2": ([NodeData("component:cart")], []),
            }
        )
        check()
        store.delete_edge("component:cart", "DEPENDS_ON", "component:auth")
        store.delete_node("team:t")
        check()
        assert store.asserted_by("s3") == ({"team:u"}, set())
        nodes, edges = list(store.iter_nodes()), list(store.iter_edges())
        seed(store, "s4")
        store.import_records(nodes, edges)
        check()
        assert store.asserted_by("s4") == (set(), set())
        store.upsert_node(NodeData("product:p"), source="s5")
        store.upsert_edge(EdgeData("component:cart", "PART_OF", "product:p"), source="s5")
        store.delete_node("component:auth")
        store.retract_source("s1")
        check()
        store.clear()
        check()
        assert all(store.asserted_by(s) == (set(), set()) for s in checked)

    # ------------------------------------------------------ export / import

    def test_import_records_replaces_everything_and_keeps_provenance(
        self, store: GraphStore
    ) -> None:
        seed(store)
        nodes = list(store.iter_nodes())
        edges = list(store.iter_edges())
        store.upsert_node(NodeData("team:extra"), source="t")
        version = store.import_records(nodes, edges)
        assert version == store.version()
        assert list(store.iter_nodes()) == nodes
        assert list(store.iter_edges()) == edges

    def test_facts_are_the_records_without_their_assertions(self, store: GraphStore) -> None:
        seed(store)
        store.replace_source(
            "other",
            [
                NodeData("component:a", {"description": "from other", "tags": ["x", "y"]}),
                NodeData("component:b", {}),
            ],
            [EdgeData("component:a", "DEPENDS_ON", "component:b", {"strength": "soft"})],
        )
        nodes = [(n.ref, n.kind, n.properties) for n in store.iter_nodes()]
        edges = [(e.from_ref, e.type, e.to_ref, e.properties) for e in store.iter_edges()]
        assert list(store.iter_node_facts()) == nodes
        assert list(store.iter_edge_facts()) == edges
        assert ("component:a", "DEPENDS_ON", "component:b", {"strength": "soft"}) in edges
        pages = list(store.iter_edge_fact_pages())
        texts = [(a, t, b, json.loads(props)) for page in pages for a, t, b, props in page]
        assert texts == edges and all(pages)

    def test_edge_fact_pages_split_a_large_graph(
        self, store: GraphStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seed(store)
        edges = [(e.from_ref, e.type, e.to_ref, e.properties) for e in store.iter_edges()]
        assert len(edges) >= 3
        for pager in ("sqlite_pages", "neo4j_snapshot"):  # where each backend pages
            monkeypatch.setattr(f"graph.storage.{pager}.FACT_PAGE", 2)
        monkeypatch.setattr("graph.storage.neo4j_snapshot.NODE_CHUNK", 2)
        nodes = [(n.ref, n.kind, n.properties) for n in store.iter_nodes()]
        assert len(nodes) >= 3 and list(store.iter_node_facts()) == nodes
        assert [(a, t, b, p) for a, t, b, p in store.iter_edge_facts()] == edges
        with store.snapshot() as snap:
            in_snapshot = list(snap.iter_edge_fact_pages())
        for pages in (list(store.iter_edge_fact_pages()), in_snapshot):
            assert [len(page) for page in pages[:-1]] == [2] * (len(pages) - 1)
            assert [(a, t, b, json.loads(p)) for page in pages for a, t, b, p in page] == edges

    def test_import_rejects_dangling_edges_without_writing(self, store: GraphStore) -> None:
        seed(store)
        before = refs_of(store)
        bad_edge = EdgeRecord("component:x", "DEPENDS_ON", "component:y", {}, ())
        with pytest.raises(InvalidInputError):
            store.import_records([NodeRecord("component:x", "component", {}, ())], [bad_edge])
        assert refs_of(store) == before

    # ------------------------------------------------------ concurrency

    def test_concurrent_writers_lose_nothing(self, store: GraphStore) -> None:
        errors: list[BaseException] = []

        def writer(worker: int) -> None:
            try:
                for i in range(10):
                    store.upsert_node(NodeData(f"team:w{worker}-{i}"), source=f"w{worker}")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert store.counts() == (40, 0)
        assert store.version() >= 40
