"""Loading scans into a real (in-memory SQLite) store: idempotence, replacement, safety."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.scan_service import load_results, load_scan
from graph.storage import SQLiteStore
from scanners import scan_directory, scan_uploads
from scanners.result import ResultBuilder
from schemas.edges import EdgeType
from schemas.facts import NodeData

from .conftest import WriteTree, dedent

SERVICE = """
    apiVersion: archgraph/v1
    kind: Component
    name: order-service
    product: shop
    owner: orders-team
    depends_on:
      - payment-service
      - component: email-service
        strength: soft
    provides: [openapi.yaml]
"""
SPEC = """
    openapi: 3.0.0
    info: {title: Orders, version: 1.0.0}
    paths:
      /orders: {get: {operationId: listOrders}}
"""
PAYMENTS = """
    apiVersion: archgraph/v1
    kind: Component
    name: payment-service
    product: shop
    depends_on: [email-service]
"""


@pytest.fixture
def store() -> Iterator[SQLiteStore]:
    s = SQLiteStore(":memory:")
    yield s
    s.close()


def snapshot(store: SQLiteStore) -> tuple[Any, Any]:
    nodes = [
        (n.ref, n.properties, [(a.source, a.asserted_at) for a in n.assertions])
        for n in store.iter_nodes()
    ]
    edges = [
        (e.key, e.properties, [(a.source, a.asserted_at) for a in e.assertions])
        for e in store.iter_edges()
    ]
    return nodes, edges


def edge_keys(store: SQLiteStore) -> set[tuple[str, str, str]]:
    return {e.key for e in store.iter_edges()}


def test_load_then_reload_changes_nothing(store: SQLiteStore, write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "orders/archgraph.yaml": SERVICE,
            "orders/openapi.yaml": SPEC,
            "payments/archgraph.yaml": PAYMENTS,
        }
    )
    report = load_scan(store, scan_directory(root), at="2025-01-01T00:00:00Z")
    assert not report.failed
    assert {s.status for s in report.sources} == {"loaded"}
    assert ("component:order-service", "PROVIDES", "api:orders") in edge_keys(store)
    node = store.get_node("component:order-service")
    assert node is not None and node.sources == ["manifest:repo/orders/archgraph.yaml"]
    assert node.assertions[0].asserted_at == "2025-01-01T00:00:00Z"
    before, version = snapshot(store), store.version()

    again = load_scan(store, scan_directory(root), at="2025-02-01T00:00:00Z")
    assert {s.status for s in again.sources} == {"unchanged"}
    assert all(not s.summary.changed for s in again.sources)
    assert store.version() == version and snapshot(store) == before
    assert again.totals()["created"] == again.totals()["updated"] == 0


def test_edge_removed_from_a_manifest_disappears(store: SQLiteStore, write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "orders/archgraph.yaml": SERVICE,
            "orders/openapi.yaml": SPEC,
            "payments/archgraph.yaml": PAYMENTS,
        }
    )
    load_scan(store, scan_directory(root))
    assert ("component:order-service", "DEPENDS_ON", "component:email-service") in edge_keys(store)

    edited = SERVICE.replace("      - component: email-service\n        strength: soft\n", "")
    write_tree({"orders/archgraph.yaml": edited})
    report = load_scan(store, scan_directory(root))
    changed = {s.source: s for s in report.sources if s.status != "unchanged"}
    assert list(changed) == ["manifest:repo/orders/archgraph.yaml"]
    assert changed["manifest:repo/orders/archgraph.yaml"].summary.edges_removed == 1
    assert ("component:order-service", "DEPENDS_ON", "component:email-service") not in (
        edge_keys(store)
    )
    # email-service is still asserted (as a stub) by payments, so it stays
    email = store.get_node("component:email-service")
    assert email is not None and email.sources == ["manifest:repo/payments/archgraph.yaml"]
    assert ("component:payment-service", "DEPENDS_ON", "component:email-service") in (
        edge_keys(store)
    )


def test_a_fact_from_two_sources_stays_until_both_drop_it(
    store: SQLiteStore, write_tree: WriteTree
) -> None:
    root = write_tree(
        {
            "a/archgraph.yaml": "apiVersion: archgraph/v1\nkind: Component\nname: a\n"
            "depends_on: [shared]\n",
            "b/archgraph.yaml": "apiVersion: archgraph/v1\nkind: Component\nname: b\n"
            "depends_on: [shared]\n",
        }
    )
    load_scan(store, scan_directory(root))
    write_tree({"a/archgraph.yaml": "apiVersion: archgraph/v1\nkind: Component\nname: a\n"})
    load_scan(store, scan_directory(root))
    assert store.get_node("component:shared") is not None
    write_tree({"b/archgraph.yaml": "apiVersion: archgraph/v1\nkind: Component\nname: b\n"})
    load_scan(store, scan_directory(root))
    assert store.get_node("component:shared") is None
    assert edge_keys(store) == set()


def test_a_failing_source_changes_nothing(store: SQLiteStore, write_tree: WriteTree) -> None:
    root = write_tree({"orders/archgraph.yaml": SERVICE, "orders/openapi.yaml": SPEC})
    load_scan(store, scan_directory(root))
    before, version = snapshot(store), store.version()
    write_tree({"orders/archgraph.yaml": SERVICE.replace("strength: soft", "strength: very")})
    report = load_scan(store, scan_directory(root))
    failed = [s for s in report.sources if s.failed]
    assert [s.file for s in failed] == ["orders/archgraph.yaml"]
    assert failed[0].issues[0].field == "depends_on[1].strength"
    assert report.failed
    assert snapshot(store) == before and store.version() == version


def test_deleted_files_are_pruned_but_failed_ones_are_kept(
    store: SQLiteStore, write_tree: WriteTree
) -> None:
    root = write_tree(
        {
            "orders/archgraph.yaml": SERVICE,
            "orders/openapi.yaml": SPEC,
            "payments/archgraph.yaml": PAYMENTS,
        }
    )
    load_scan(store, scan_directory(root))
    store.replace_source("manual:someone", [NodeData("team:unrelated", {})], [])
    (root / "orders/openapi.yaml").unlink()
    write_tree({"payments/archgraph.yaml": "apiVersion: [broken\n"})
    report = load_scan(store, scan_directory(root))
    statuses = {s.source: s.status for s in report.sources}
    assert statuses["openapi:repo/orders/openapi.yaml"] == "pruned"
    assert statuses["manifest:repo/payments/archgraph.yaml"] == "failed"
    assert store.get_node("api:orders") is None
    assert store.get_node("component:payment-service") is not None  # old facts kept
    assert store.get_node("team:unrelated") is not None  # other sources untouched
    # uploads never prune
    report = load_scan(store, scan_uploads([("x/archgraph.yaml", PAYMENTS)]))
    assert all(s.status != "pruned" for s in report.sources)


def test_hostile_tree_leaves_the_graph_unchanged(
    store: SQLiteStore, write_tree: WriteTree, tmp_path: Path
) -> None:
    root = write_tree({"orders/archgraph.yaml": SERVICE, "orders/openapi.yaml": SPEC})
    load_scan(store, scan_directory(root))
    before, version = snapshot(store), store.version()
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "openapi.yaml").write_text("openapi: 3.0.0\ninfo: {title: Secret, version: '1'}\n")
    bomb = dedent("""
        a: &a ["x","x","x","x","x","x","x","x","x","x"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
    """)
    # every file now changes for the worse
    write_tree(
        {
            "orders/archgraph.yaml": SERVICE + "    platform: [true]\n",
            "orders/openapi.yaml": "openapi: 3.0.0\ninfo: {title: Orders, version: 1.0.0}\n"
            "paths:\n  /orders: {$ref: '../../../etc/passwd'}\n",
            "bomb/openapi.yaml": "openapi: 3.0.0\ninfo: {title: Bomb, version: '1'}\n" + bomb,
            "deep/asyncapi.yaml": "asyncapi: 2.6.0\ninfo: " + "[" * 60_000 + "\n",
            "remote/openapi.yaml": "openapi: 3.0.0\ninfo: {title: Remote, version: '1', "
            "x-archgraph-component: 7}\n"
            "paths: {/a: {$ref: 'http://example.com/x.yaml'}}\n",
            "big/openapi.yaml": "openapi: 3.0.0\n" + "#" * 70_000 + "\n",
            "types/archgraph.yaml": "apiVersion: archgraph/v1\nkind: Component\nname: 42\n",
        }
    )
    (root / "escape.yaml").symlink_to(secret / "openapi.yaml")
    scan = scan_directory(root, max_file_bytes=65_536)
    report = load_scan(store, scan)
    assert report.failed
    failed = {s.file for s in report.sources if s.failed}
    assert failed == {
        "orders/archgraph.yaml",
        "orders/openapi.yaml",
        "bomb/openapi.yaml",
        "deep/asyncapi.yaml",
        "remote/openapi.yaml",
        "big/openapi.yaml",
        "types/archgraph.yaml",
    }
    codes = {
        s.file: [i.code for i in s.issues if i.severity == "error"]
        for s in report.sources
        if s.failed
    }
    assert codes["orders/openapi.yaml"] == ["ref.escape"]
    assert codes["bomb/openapi.yaml"] == ["document.alias-bomb"]
    assert codes["deep/asyncapi.yaml"] == ["document.too-deep"]
    assert codes["big/openapi.yaml"] == ["file.too-large"]
    assert codes["remote/openapi.yaml"] == ["spec.extension"]
    assert [s.code for s in report.skipped] == ["skip.symlink-outside"]
    assert snapshot(store) == before and store.version() == version
    text = report.to_text()
    assert "orders/openapi.yaml" in text and "escape.yaml" in text


def test_a_refused_scan_writes_nothing_and_every_source_says_why() -> None:
    store = SQLiteStore(":memory:")
    good = ResultBuilder("manifest", "good.yaml")
    bad = ResultBuilder("manifest", "deep/" * 250 + "bad.yaml")  # a source id over 1024 chars
    for b in (good, bad):
        b.edge("component:x", EdgeType.DEPENDS_ON, "component:y")
    reports = load_results(store, [bad.build(), good.build()])
    assert [r.status for r in reports] == ["failed", "failed"]
    assert {r.issues[-1].code for r in reports} == {"store.rejected"}
    assert store.counts() == (0, 0) and store.version() == 0
    reports = load_results(store, [good.build()])
    assert [(r.file, r.status, r.created) for r in reports] == [("good.yaml", "loaded", 3)]


def test_report_json_shape(store: SQLiteStore, write_tree: WriteTree) -> None:
    root = write_tree({"orders/archgraph.yaml": SERVICE, "orders/openapi.yaml": SPEC})
    progress: list[str] = []
    report = load_scan(store, scan_directory(root), progress=lambda p: progress.append(p.stage))
    data = report.to_json()
    assert set(data) == {
        "root",
        "prefix",
        "at",
        "version",
        "failed",
        "empty",
        "files",
        "totals",
        "sources",
        "skipped",
    }
    source = data["sources"][0]
    assert set(source) == {
        "source",
        "scanner",
        "file",
        "status",
        "created",
        "updated",
        "removed",
        "nodes",
        "edges",
        "errors",
        "warnings",
        "notes",
    }
    assert progress == ["load", "load"]
    assert data["totals"]["sources"] == 2 and not data["failed"]


def test_copying_a_tree_elsewhere_keeps_source_ids(
    store: SQLiteStore, write_tree: WriteTree, tmp_path: Path
) -> None:
    root = write_tree({"orders/archgraph.yaml": SERVICE, "orders/openapi.yaml": SPEC})
    load_scan(store, scan_directory(root))
    copy = tmp_path / "ci-checkout" / "repo"
    shutil.copytree(root, copy)
    report = load_scan(store, scan_directory(copy))
    assert {s.status for s in report.sources} == {"unchanged"}


def test_an_empty_prefix_does_not_prune_other_trees(
    store: SQLiteStore, write_tree: WriteTree, tmp_path: Path
) -> None:
    root = write_tree({"a/archgraph.yaml": "apiVersion: archgraph/v1\nkind: Team\nname: a\n"})
    other = tmp_path / "other"
    (other / "b").mkdir(parents=True)
    (other / "b/archgraph.yaml").write_text("apiVersion: archgraph/v1\nkind: Team\nname: b\n")
    load_scan(store, scan_directory(root, source_prefix=""))
    report = load_scan(store, scan_directory(other, source_prefix=""))
    assert all(s.status != "pruned" for s in report.sources)
    assert store.get_node("team:a") is not None
    report = load_scan(store, scan_directory(other, source_prefix=""), prune=True)
    assert [s.source for s in report.sources if s.status == "pruned"] == [
        "manifest:a/archgraph.yaml"
    ]
