"""Re-scans skip unchanged files by content hash, on both stores (docs/scanners.md, "Re-scans").

Parses are counted by wrapping the real ``load_documents`` (it still parses);
every outcome is compared with a fresh full scan of the same tree.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.scan_service import ScanReport, load_scan
from graph.storage import GraphStore, SQLiteStore, export_document, import_document
from scanners import rescan_directory
from scanners.rescan import SourceState

from .conftest import WriteTree

AT = "2024-05-01T00:00:00Z"

MANIFEST = """
    apiVersion: archgraph/v1
    kind: Component
    name: order-service
    product: shop
    owner: orders-team
    provides: [orders.yaml]
"""
ORDERS = """
    openapi: 3.0.0
    info: {title: Orders, version: 1.0.0}
    paths:
      /orders: {get: {operationId: listOrders}}
"""


def spec(title: str, description: str = "first") -> str:
    return f"""
    openapi: 3.0.0
    info: {{title: {title}, version: 1.0.0, description: {description}}}
    paths:
      /things: {{get: {{operationId: list{title.replace(" ", "")}}}}}
    """


SENDER = """
    asyncapi: 2.6.0
    info: {title: Billing Events, version: 1.0.0}
    x-archgraph-component: billing
    channels:
      invoice/created:
        subscribe: {operationId: invoiceCreated, message: {name: Invoice}}
"""
RECEIVER = """
    asyncapi: 2.6.0
    info: {title: Mailer Events, version: 1.0.0}
    x-archgraph-component: mailer
    channels:
      invoice/created:
        publish: {operationId: onInvoice, message: {name: Invoice}}
"""
CATALOG = """
    apiVersion: backstage.io/v1alpha1
    kind: Component
    metadata: {name: search}
    spec: {type: service, lifecycle: production, owner: team-a, providesApis: [search-api]}
"""


TREE: dict[str, str] = {
    "svc/archgraph.yaml": MANIFEST,
    "svc/orders.yaml": ORDERS,
    "specs/a.yaml": spec("Alpha"),
    "specs/b.yaml": spec("Beta"),
    "specs/c.json": '{"openapi": "3.0.0", "info": {"title": "Gamma", "version": "1"}, "paths": {}}',
    "events/billing.yaml": SENDER,
    "events/mailer.yaml": RECEIVER,
    "catalog-info.yaml": CATALOG,
    "README.txt": "not ours",
}
"""A tree with every cross-file step: a manifest and the spec it provides, solo
specs, an event sender and receiver, a catalog, a file archgraph does not read."""


@pytest.fixture
def tree(write_tree: WriteTree) -> Path:
    return write_tree(TREE)


def scan(store: GraphStore, root: Path, *, full: bool = False) -> ScanReport:
    found = rescan_directory(root, previous=store.scan_states(), full=full, source_prefix="repo")
    report = load_scan(store, found, at=AT, actor="test")
    assert not report.failed, report.to_text()
    assert found.parsed == report.parsed
    return report


def graph(store: GraphStore) -> tuple[Any, Any]:
    doc = export_document(store)
    return doc["nodes"], doc["edges"]


def fresh(root: Path, tmp_path: Path) -> tuple[Any, Any]:
    """The graph a full scan of *root* gives in an empty store (a copy of the tree)."""
    copy = tmp_path / "fresh" / "repo"
    shutil.copytree(root, copy)
    other = SQLiteStore(":memory:")
    try:
        scan(other, copy)
        return graph(other)
    finally:
        other.close()


FILES = 8  # files of the tree that archgraph parses (README.txt is sniffed, not parsed)


def edit(path: Path, change: Callable[[bytes], bytes]) -> None:
    path.write_bytes(change(path.read_bytes()))


def test_unchanged_tree_parses_nothing_and_keeps_the_graph(
    store: GraphStore, tree: Path, parses: list[str]
) -> None:
    first = scan(store, tree)
    assert len(parses) == FILES and first.parsed == FILES and first.unchanged_files == 0
    before, version = graph(store), store.version()
    parses.clear()
    again = scan(store, tree)
    assert parses == [] and again.parsed == 0
    assert again.unchanged_files == len(first.sources)
    assert {s.status for s in again.sources} == {"unchanged"}
    assert graph(store) == before and store.version() == version
    assert "unchanged since the last scan" in again.to_text()


def test_one_changed_byte_in_a_spec_parses_only_that_file(
    store: GraphStore, tree: Path, parses: list[str], tmp_path: Path
) -> None:
    scan(store, tree)
    edit(tree / "specs/b.yaml", lambda b: b.replace(b"first", b"firsT"))
    parses.clear()
    report = scan(store, tree)
    assert len(parses) == 1 and "firsT" in parses[0]
    assert report.unchanged_files == len(report.sources) - 1
    changed = [s for s in report.sources if s.status != "unchanged"]
    assert [(s.source, s.status) for s in changed] == [("openapi:repo/specs/b.yaml", "loaded")]
    assert graph(store) == fresh(tree, tmp_path)
    parses.clear()
    assert scan(store, tree).parsed == 0  # and the new state is stored


def test_a_changed_json_spec_is_noticed(
    store: GraphStore, tree: Path, parses: list[str], tmp_path: Path
) -> None:
    scan(store, tree)
    edit(tree / "specs/c.json", lambda b: b.replace(b'"paths": {}', b'"paths": {} '))
    parses.clear()
    scan(store, tree)
    assert len(parses) == 1
    assert graph(store) == fresh(tree, tmp_path)


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        # a manifest: specs' summaries and "provided" are its inputs
        ("svc/archgraph.yaml", b"orders-team", b"orders-teal"),
        # a provided spec takes the manifest's word: re-read with it
        ("svc/orders.yaml", b"listOrders", b"listOrderz"),
        # a spec whose title collides with another's: versions.py tells them apart
        ("specs/b.yaml", b"Beta", b"Alpha"),
        # AsyncAPI channels are joined across documents
        ("events/billing.yaml", b"invoice/created", b"invoice/createD"),
        ("events/mailer.yaml", b"onInvoice", b"onInvoicE"),
        # a Backstage catalog indexes every entity
        ("catalog-info.yaml", b"team-a", b"team-b"),
        # a file that is no source (it may be a $ref target)
        ("README.txt", b"ours", b"ourz"),
    ],
)
def test_cross_file_changes_re_read_the_whole_tree(
    store: GraphStore,
    tree: Path,
    parses: list[str],
    tmp_path: Path,
    path: str,
    old: bytes,
    new: bytes,
) -> None:
    scan(store, tree)
    edit(tree / path, lambda b: b.replace(old, new))
    parses.clear()
    report = scan(store, tree)
    assert report.unchanged_files == 0
    assert len(parses) >= FILES  # every file (a changed spec may be read once alone first)
    assert graph(store) == fresh(tree, tmp_path)


def test_added_and_removed_files_re_read_the_tree_and_prune(
    store: GraphStore, tree: Path, parses: list[str], tmp_path: Path
) -> None:
    scan(store, tree)
    (tree / "specs/a.yaml").unlink()
    (tree / "specs/d.yaml").write_text(spec("Delta"))
    parses.clear()
    report = scan(store, tree)
    assert len(parses) == FILES
    assert ("openapi:repo/specs/a.yaml", "pruned") in [(s.source, s.status) for s in report.sources]
    assert graph(store) == fresh(tree, tmp_path)
    assert "openapi:repo/specs/a.yaml" not in store.scan_states()
    parses.clear()
    assert scan(store, tree).parsed == 0


def test_full_parses_every_file(store: GraphStore, tree: Path, parses: list[str]) -> None:
    scan(store, tree)
    before = graph(store)
    parses.clear()
    report = scan(store, tree, full=True)
    assert len(parses) == FILES and report.unchanged_files == 0
    assert graph(store) == before


def test_a_deleted_element_comes_back_on_the_next_scan(
    store: GraphStore, tree: Path, parses: list[str], tmp_path: Path
) -> None:
    scan(store, tree)
    store.delete_node("api:beta")
    assert store.scan_states() == {}
    parses.clear()
    scan(store, tree)
    assert len(parses) == FILES
    assert graph(store) == fresh(tree, tmp_path)


def test_a_failed_file_keeps_the_next_scan_full(
    store: GraphStore, tree: Path, parses: list[str]
) -> None:
    scan(store, tree)
    (tree / "specs/b.yaml").write_text("openapi: 3.0.0\ninfo: [unclosed\n")
    found = rescan_directory(tree, previous=store.scan_states(), source_prefix="repo")
    assert load_scan(store, found, at=AT).failed
    assert "tree:repo" not in store.scan_states()
    (tree / "specs/b.yaml").write_text(spec("Beta"))
    parses.clear()
    scan(store, tree)
    assert len(parses) == FILES


def test_clear_and_import_drop_the_states(store: GraphStore, tree: Path) -> None:
    scan(store, tree)
    assert "tree:repo" in store.scan_states()
    doc = export_document(store)
    store.clear()
    assert store.scan_states() == {}
    scan(store, tree)
    import_document(store, doc)
    assert store.scan_states() == {}


def test_stored_states_are_decoded_together_and_bad_rows_left_out() -> None:
    good = {
        f"openapi:t/s{i}.yaml": SourceState(f"s{i}.yaml", f"h{i}", i % 2 == 0, f"c{i}")
        for i in range(3)
    }
    rows = {key: state.to_json() for key, state in good.items()}
    assert SourceState.from_rows(rows) == good
    assert SourceState.from_rows({}) == {}
    broken = {
        **rows,
        "openapi:t/cut.yaml": rows["openapi:t/s0.yaml"][:-1],  # not JSON
        "openapi:t/old.yaml": '{"file": "old.yaml"}',  # JSON, not a state
        "openapi:t/two.yaml": '1, {"file": "x"}',  # two values in one row
    }
    assert SourceState.from_rows(broken) == good


_SENDS = st.lists(st.tuples(st.text(), st.text(), st.lists(st.text()).map(tuple)), max_size=3)


@given(st.text(), st.text(), st.booleans(), st.text(), _SENDS.map(tuple))
def test_a_source_state_is_the_json_it_always_was(
    file: str, digest: str, solo: bool, out: str, sends: tuple[Any, ...]
) -> None:
    """The written-out ``to_json`` is ``json.dumps`` of the same mapping, sorted, byte for byte
    (``sends`` only when there are any)."""
    state = SourceState(file, digest, solo, out, sends)
    data: dict[str, Any] = {"file": file, "hash": digest, "solo": solo, "out": out}
    if sends:
        data["sends"] = [[api, address, list(servers)] for api, address, servers in sends]
    expected = json.dumps(data, sort_keys=True)
    assert state.to_json() == expected
    assert SourceState.from_json(state.to_json()) == state


def test_a_sender_that_fails_keeps_its_part_in_the_event_joins(
    store: GraphStore, tree: Path, tmp_path: Path
) -> None:
    """A failed file keeps what it asserted, and so the channels it sent on still join:
    the receiver's SUBSCRIBES edge to it stays until the sender is fixed or deleted."""
    scan(store, tree)
    before, version = graph(store), store.version()
    assert [(e["from"], e["to"]) for e in before[1] if e["type"] == "SUBSCRIBES"] == [
        ("component:mailer", "api:billing-events")
    ]
    sender = tree / "events" / "billing.yaml"
    good = sender.read_bytes()
    for _ in range(2):  # failing twice in a row keeps it too
        sender.write_bytes(good + b"\n  broken: [\n")
        found = rescan_directory(tree, previous=store.scan_states(), source_prefix="repo")
        report = load_scan(store, found, at=AT, actor="test")
        failed = [s.source for s in report.sources if s.status == "failed"]
        assert failed == ["asyncapi:repo/events/billing.yaml"]
        assert graph(store) == before and store.version() == version
    sender.write_bytes(good)
    scan(store, tree)
    assert graph(store) == before == fresh(tree, tmp_path / "fixed")
    sender.unlink()  # a deleted sender is gone from the joins
    scan(store, tree)
    assert graph(store) == fresh(tree, tmp_path / "deleted")
    assert not [e for e in graph(store)[1] if e["type"] == "SUBSCRIBES"]


def test_a_source_state_keeps_the_channels_it_sends_on() -> None:
    """The sends round-trip through the stored JSON; a state stored before them reads as none."""
    sends = (("api:billing-events", "invoice/created", ("kafka://bus:9092",)),)
    state = SourceState("events/billing.yaml", "h", False, "o", sends)
    assert SourceState.from_json(state.to_json()) == state
    assert [u.address for u in state.channel_uses()] == ["invoice/created"]
    old = '{"file": "a.yaml", "hash": "h", "out": "o", "solo": true}'
    assert SourceState.from_json(old) == SourceState("a.yaml", "h", True, "o")
    assert SourceState.from_json(old.replace("}", ', "sends": [["x"]]}')) is None
