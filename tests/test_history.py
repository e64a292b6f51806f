"""The change log on both stores: what every write records, and reading it back.

Snapshots taken with ``export_document`` during a run of writes are the
independent truth that ``graph_as_of`` and ``diff`` are compared with.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from graph.storage import (
    ChangeQuery,
    ChangeRecord,
    GraphStore,
    Point,
    change_time,
    diff,
    document_as_of,
    export_document,
    import_document,
)
from schemas.errors import InvalidInputError, NotFoundError
from schemas.facts import EdgeData, NodeData


def log(store: GraphStore, **query: Any) -> list[ChangeRecord]:
    return store.read_changes(ChangeQuery(oldest_first=True, **query))


def ops(records: list[ChangeRecord]) -> set[tuple[str, str, str | None]]:
    """(op, subject, actor) of each record, an edge as 'from TYPE to'."""
    return {(r.op, " ".join(r.edge_key) if r.is_edge else r.ref, r.actor) for r in records}


def graph_of(doc: dict[str, Any]) -> tuple[int, list[Any], list[Any]]:
    return doc["version"], doc["nodes"], doc["edges"]


def test_upsert_records_created_then_updated_with_before_and_after(store: GraphStore) -> None:
    store.upsert_node(NodeData("product:shop", {"name": "Shop"}), source="api", actor="eddie")
    store.upsert_node(
        NodeData("product:shop", {"name": "Shop", "tier": 1}), source="api", actor="ada"
    )
    first, second = log(store)
    assert (first.op, first.ref, first.actor, first.source) == (
        "created",
        "product:shop",
        "eddie",
        "api",
    )
    assert (first.before, first.after, first.version) == (
        None,
        {"name": "Shop"},
        second.version - 1,
    )
    assert (second.op, second.actor, second.before, second.after) == (
        "updated",
        "ada",
        {"name": "Shop"},
        {"name": "Shop", "tier": 1},
    )
    assert second.version == store.version() and second.seq > first.seq
    assert first.at < second.at
    node = store.get_node("product:shop")
    assert node is not None and [a.actor for a in node.assertions] == ["ada"]


def test_no_op_write_records_nothing(store: GraphStore) -> None:
    store.upsert_node(NodeData("team:core", {"name": "Core"}), source="s", actor="a")
    before = log(store)
    store.upsert_node(NodeData("team:core", {"name": "Core"}), source="s", actor="b")
    assert log(store) == before


def test_scan_records_per_source_and_retraction_records_removals(store: GraphStore) -> None:
    store.replace_sources(
        {
            "manifest:x/a.yaml": (
                [NodeData("component:a", {"name": "A"}), NodeData("product:p", {})],
                [EdgeData("component:a", "PART_OF", "product:p")],
            ),
            "openapi:x/b.yaml": ([NodeData("api:b", {"name": "B"})], []),
        },
        actor="eddie",
    )
    records = log(store)
    assert {(r.ref, r.source) for r in records} == {
        ("component:a", "manifest:x/a.yaml"),
        ("product:p", "manifest:x/a.yaml"),
        ("api:b", "openapi:x/b.yaml"),
    }
    assert {r.version for r in records} == {store.version()}
    store.retract_source("manifest:x/a.yaml", actor="cli")
    later = log(store, above_version=records[0].version)
    assert ops(later) == {
        ("removed", "component:a", "cli"),
        ("removed", "product:p", "cli"),
        ("removed", "component:a PART_OF product:p", "cli"),
    }
    assert all(r.after is None and r.before is not None for r in later)


def test_delete_records_the_node_and_every_edge_it_took(store: GraphStore) -> None:
    store.upsert_nodes(
        [NodeData("component:a", {}), NodeData("component:b", {}), NodeData("product:p", {})],
        source="s",
    )
    store.upsert_edges(
        [
            EdgeData("component:a", "DEPENDS_ON", "component:b", {"strength": "hard"}),
            EdgeData("component:b", "PART_OF", "product:p"),
        ],
        source="s",
    )
    version = store.version()
    assert store.delete_node("component:b", actor="ada")
    assert ops(log(store, above_version=version)) == {
        ("removed", "component:b", "ada"),
        ("removed", "component:a DEPENDS_ON component:b", "ada"),
        ("removed", "component:b PART_OF product:p", "ada"),
    }
    edge = next(r for r in log(store, element="component:a") if r.op == "removed")
    assert edge.before == {"strength": "hard"} and edge.after is None


def test_import_and_clear_record_what_they_replaced(store: GraphStore) -> None:
    store.upsert_nodes(
        [NodeData("team:old", {"name": "Old"}), NodeData("team:kept", {})], source="s"
    )
    doc = export_document(store)
    doc["nodes"] = [n for n in doc["nodes"] if n["ref"] != "team:old"]
    doc["nodes"].append(
        {"ref": "team:new", "kind": "team", "properties": {"name": "New"}, "assertions": []}
    )
    version = store.version()
    import_document(store, doc, actor="ada")
    imported = log(store, above_version=version)
    assert ops(imported) == {("removed", "team:old", "ada"), ("created", "team:new", "ada")}
    assert {r.source for r in imported} == {"import"}
    version = store.version()
    store.clear(actor="ada")
    assert ops(log(store, above_version=version)) == {
        ("removed", "team:kept", "ada"),
        ("removed", "team:new", "ada"),
    }


def test_failed_writes_record_nothing(store: GraphStore) -> None:
    store.upsert_node(NodeData("component:a", {}), source="s")
    before, version = log(store), store.version()
    with pytest.raises(NotFoundError):  # the edge's far end does not exist
        store.apply(
            source="api",
            nodes=[NodeData("component:b", {"name": "B"})],
            edges=[EdgeData("component:b", "DEPENDS_ON", "component:ghost")],
            actor="eddie",
        )
    with pytest.raises(InvalidInputError):  # an edge kind that is not allowed
        store.replace_sources(
            {"s2": ([NodeData("team:t", {})], [EdgeData("team:t", "USES", "component:a")])}
        )
    assert log(store) == before and store.version() == version
    assert store.get_node("component:b") is None


def test_the_log_is_append_only(store: GraphStore) -> None:
    store.upsert_node(NodeData("product:p", {"name": "P"}), source="s", actor="a")
    store.upsert_node(NodeData("component:c", {}), source="s", actor="a")
    early = log(store)
    store.upsert_node(NodeData("product:p", {"name": "P2"}), source="s", actor="b")
    store.delete_node("component:c", actor="b")
    store.clear(actor="c")
    everything = log(store)
    assert everything[: len(early)] == early
    seqs = [r.seq for r in everything]
    assert seqs == sorted(set(seqs)) and len(everything) == len(early) + 3


def test_filters_and_newest_first(store: GraphStore) -> None:
    store.upsert_node(NodeData("component:a", {}), source="s", actor="eddie")
    store.upsert_node(NodeData("component:b", {}), source="s", actor="ada")
    middle = change_time()
    store.upsert_edge(EdgeData("component:a", "DEPENDS_ON", "component:b"), source="s", actor="ada")
    newest = store.read_changes(ChangeQuery())
    assert [r.seq for r in newest] == sorted((r.seq for r in newest), reverse=True)
    assert ops(store.read_changes(ChangeQuery(actor="eddie"))) == {
        ("created", "component:a", "eddie")
    }
    assert ops(store.read_changes(ChangeQuery(element="component:b"))) == {
        ("created", "component:b", "ada"),
        ("created", "component:a DEPENDS_ON component:b", "ada"),
    }
    assert ops(store.read_changes(ChangeQuery(since=middle))) == {
        ("created", "component:a DEPENDS_ON component:b", "ada")
    }
    assert len(store.read_changes(ChangeQuery(until=middle))) == 2
    page = store.read_changes(ChangeQuery(limit=2))
    rest = store.read_changes(ChangeQuery(before_seq=page[-1].seq))
    assert [r.seq for r in page + rest] == [r.seq for r in newest]


def test_prune_drops_only_older_records(store: GraphStore) -> None:
    store.upsert_node(NodeData("team:a", {}), source="s")
    cut = change_time()
    store.upsert_node(NodeData("team:b", {}), source="s")
    assert store.prune_changes(cut) == 1
    assert ops(log(store)) == {("created", "team:b", "system")}


def _sequence(store: GraphStore) -> list[tuple[str, int, dict[str, Any]]]:
    """A run of API-like writes and scans; after each, (instant, version, export)."""
    steps = [
        lambda: store.upsert_node(
            NodeData("product:shop", {"name": "Shop"}), source="api", actor="ada"
        ),
        lambda: store.replace_sources(
            {
                "manifest:t/orders.yaml": (
                    [
                        NodeData("component:orders", {"name": "Orders"}),
                        NodeData("product:shop", {}),
                    ],
                    [EdgeData("component:orders", "PART_OF", "product:shop")],
                ),
                "openapi:t/orders.yaml": (
                    [NodeData("api:orders", {"name": "Orders API"})],
                    [EdgeData("component:orders", "PROVIDES", "api:orders")],
                ),
            },
            actor="eddie",
        ),
        lambda: store.apply(
            source="api",
            nodes=[NodeData("product:shop", {"name": "Shop", "tier": 1})],
            actor="ada",
        ),
        lambda: store.upsert_node(NodeData("team:tmp", {}), source="api", actor="ada"),
        lambda: store.replace_source(
            "manifest:t/orders.yaml",
            [NodeData("component:orders", {"name": "Orders v2"}), NodeData("product:shop", {})],
            [EdgeData("component:orders", "PART_OF", "product:shop")],
            actor="eddie",
        ),
        lambda: store.delete_node("team:tmp", actor="ada"),
        lambda: store.retract_source("openapi:t/orders.yaml", actor="eddie"),
    ]
    taken = [(change_time(), store.version(), export_document(store))]
    for step in steps:
        step()
        time.sleep(0.002)  # instants are microseconds apart; keep each step's distinct
        taken.append((change_time(), store.version(), export_document(store)))
    return taken


def test_as_of_equals_the_export_taken_then(store: GraphStore) -> None:
    store.upsert_node(NodeData("team:before", {}), source="s")
    snapshots = _sequence(store)
    for at, version, doc in snapshots:
        for point in (Point(at=at), Point(version=version)):
            rebuilt = document_as_of(store, point)
            assert graph_of(rebuilt) == graph_of(doc), (point, version)


def test_diff_matches_the_snapshots(store: GraphStore) -> None:
    snapshots = _sequence(store)
    for i, j in ((0, len(snapshots) - 1), (1, 4), (2, 3), (3, 6)):
        start, end = snapshots[i], snapshots[j]
        result = diff(store, Point(at=start[0]), Point(version=end[1]))
        got = {
            bucket: {
                item.get("element") or tuple(item["edge"].values())
                for group in result["products"]
                for item in group[bucket]
            }
            for bucket in ("added", "removed", "changed")
        }
        old, new = _facts(start[2]), _facts(end[2])
        assert got == {
            "added": new.keys() - old.keys(),
            "removed": old.keys() - new.keys(),
            "changed": {k for k in old.keys() & new.keys() if old[k] != new[k]},
        }, (i, j)


def test_diff_groups_by_product_and_says_who(store: GraphStore) -> None:
    snapshots = _sequence(store)
    result = diff(store, Point(version=snapshots[0][1]), Point(version=snapshots[2][1]))
    groups = {g["product"]: g for g in result["products"]}
    assert set(groups) == {"product:shop"}
    shop = groups["product:shop"]
    added = {item.get("element") or tuple(item["edge"].values()): item for item in shop["added"]}
    assert set(added) == {
        "product:shop",
        "component:orders",
        "api:orders",
        ("component:orders", "PART_OF", "product:shop"),
        ("component:orders", "PROVIDES", "api:orders"),
    }
    assert {c["actor"] for c in added["component:orders"]["changes"]} == {"eddie"}
    assert [c["actor"] for c in added["product:shop"]["changes"]] == ["ada", "eddie"]


def _facts(doc: dict[str, Any]) -> dict[Any, Any]:
    facts: dict[Any, Any] = {n["ref"]: (n["properties"], n["assertions"]) for n in doc["nodes"]}
    facts.update(
        {(e["from"], e["type"], e["to"]): (e["properties"], e["assertions"]) for e in doc["edges"]}
    )
    return facts
