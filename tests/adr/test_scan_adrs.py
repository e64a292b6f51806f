"""A directory scan that meets ADR folders imports them (docs/scanners.md, docs/adr.md)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from app.adr_service import get_adr, iter_adrs, last_number
from app.scan_service import load_scan
from graph.storage import GraphStore, TxReader, Upserts
from scanners import scan_directory, scan_uploads
from schemas.facts import NodeData

NYGARD_1 = """\
# 1. Record architecture decisions

Date: 2024-01-05

## Status

Accepted

## Context

We need to record decisions.

## Decision

We will use ADRs.
"""
NYGARD_2 = """\
# 2. Use Postgres

Date: 2024-02-01

## Status

Superseded by [3. Use MySQL](0003-use-mysql.md)

## Context

A database.

## Decision

Postgres.
"""
NYGARD_3 = """\
# 3. Use MySQL

## Status

Accepted

Supersedes [2. Use Postgres](0002-use-postgres.md)

## Decision

MySQL.
"""
MADR_7 = """\
---
status: proposed
date: 2024-03-05
---
# Use Kafka for events

## Context and Problem Statement

Events.

## Decision Outcome

Chosen option: Kafka.
"""
CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: billing
  annotations:
    backstage.io/adr-location: docs/records
spec:
  type: service
  lifecycle: production
  owner: team-billing
"""
MANIFEST = """\
apiVersion: archgraph/v1
kind: Component
name: orders
product: shop
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def scan(store: GraphStore, root: Path) -> dict[str, Any]:
    return load_scan(store, scan_directory(root), actor="tester").to_json()


def adr_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in report["sources"] if s["scanner"] == "adr"]


def test_conventional_folder_is_imported_with_statuses_and_links(
    store: GraphStore, tmp_path: Path
) -> None:
    root = write(
        tmp_path / "shop",
        {
            "archgraph.yaml": MANIFEST,
            "docs/adr/0001-record-architecture-decisions.md": NYGARD_1,
            "docs/adr/0002-use-postgres.md": NYGARD_2,
            "docs/adr/0003-use-mysql.md": NYGARD_3,
            "docs/adr/README.md": "# Decisions\n\nSee the files.\n",
            "docs/guide.md": "# Not a decision\n",
        },
    )
    report = scan(store, root)
    assert not report["failed"]
    [row] = adr_rows(report)
    assert row["source"] == "adr:shop/docs/adr" and row["status"] == "loaded"
    assert any(w["file"] == "docs/adr/README.md" for w in row["warnings"])
    adrs = {a["number"]: a for a in iter_adrs(store)}
    assert {n: a["status"] for n, a in adrs.items()} == {
        1: "accepted",
        2: "superseded",
        3: "accepted",
    }
    assert adrs[3]["supersedes"] == [2] and adrs[2]["superseded_by"] == [3]
    assert store.get_edge("adr:adr-0003", "SUPERSEDES", "adr:adr-0002") is not None
    assert last_number(store) == 3
    assert get_adr(store, 1)["history"][0]["by"] == "tester"
    # the scanner sources landed in the same scan; other Markdown stays skipped
    assert store.get_node("component:orders") is not None
    assert "docs/guide.md" in {s["file"] for s in report["skipped"]}


def test_rescanning_the_same_tree_changes_nothing(store: GraphStore, tmp_path: Path) -> None:
    root = write(
        tmp_path / "shop",
        {"docs/decisions/0001-x.md": NYGARD_1, "docs/decisions/0007-kafka.md": MADR_7},
    )
    scan(store, root)
    version = store.version()
    before = list(iter_adrs(store))
    again = scan(store, root)
    assert store.version() == version
    assert list(iter_adrs(store)) == before
    assert [r["status"] for r in adr_rows(again)] == ["unchanged"]


def test_folder_with_adr_like_files_under_any_name(store: GraphStore, tmp_path: Path) -> None:
    root = write(
        tmp_path / "shop",
        {"architecture/records/0007-kafka.md": MADR_7, "notes/0001-meeting.md": "# 1. Meeting\n"},
    )
    report = scan(store, root)
    assert [r["file"] for r in adr_rows(report)] == ["architecture/records"]
    assert [a["number"] for a in iter_adrs(store)] == [7]
    assert get_adr(store, 7)["status"] == "proposed"
    assert "notes/0001-meeting.md" in {s["file"] for s in report["skipped"]}


def test_backstage_adr_location_links_the_adrs_to_the_entity(
    store: GraphStore, tmp_path: Path
) -> None:
    root = write(
        tmp_path / "billing",
        {
            "catalog-info.yaml": CATALOG,
            "docs/records/0001-x.md": NYGARD_1,
            "docs/records/0002-pg.md": NYGARD_2,
            "docs/records/0003-mysql.md": NYGARD_3,
        },
    )
    report = scan(store, root)
    assert not report["failed"]
    for number in (1, 2, 3):
        adr = get_adr(store, number)
        assert adr["affects"] == [{"ref": "component:billing", "change_type": "breaking-change"}]
        assert store.get_edge(adr["ref"], "AFFECTS", "component:billing") is not None
    assert scan(store, root)["version"] == report["version"]


def test_adr_location_to_a_missing_folder_is_a_warning(store: GraphStore, tmp_path: Path) -> None:
    root = write(tmp_path / "billing", {"catalog-info.yaml": CATALOG})
    report = scan(store, root)
    [warning] = [s for s in report["skipped"] if s["code"] == "adr.location"]
    assert warning["file"] == "catalog-info.yaml" and warning["severity"] == "warning"
    assert "docs/records" in warning["reason"]
    assert list(iter_adrs(store)) == []


def test_same_number_in_two_folders_keeps_the_first(store: GraphStore, tmp_path: Path) -> None:
    root = write(
        tmp_path / "mono",
        {"a/docs/adr/0001-x.md": NYGARD_1, "b/docs/adr/0001-kafka.md": MADR_7.replace("7", "1")},
    )
    report = scan(store, root)
    rows = {r["file"]: r for r in adr_rows(report)}
    assert get_adr(store, 1)["title"] == "Record architecture decisions"
    assert any("also a/docs/adr/0001-x.md" in w["message"] for w in rows["b/docs/adr"]["warnings"])
    assert scan(store, root)["version"] == report["version"]


def test_an_adr_the_model_refuses_is_a_warning_and_the_rest_lands(
    store: GraphStore, tmp_path: Path
) -> None:
    long_title = NYGARD_2.replace("Use Postgres", "Postgres " * 300)
    root = write(
        tmp_path / "shop", {"docs/adr/0001-x.md": NYGARD_1, "docs/adr/0002-pg.md": long_title}
    )
    report = scan(store, root)
    assert not report["failed"]
    [row] = adr_rows(report)
    assert any(
        w["file"] == "docs/adr/0002-pg.md" and "not imported" in w["message"]
        for w in row["warnings"]
    )
    assert [a["number"] for a in iter_adrs(store)] == [1]


def test_plan_failure_inside_the_transaction_rolls_back_the_scan(
    store: GraphStore, tmp_path: Path
) -> None:
    sources = {"manifest:shop/archgraph.yaml": ([NodeData("component:orders")], [])}
    seen: list[bool] = []

    def plan(reader: TxReader) -> list[Upserts]:
        seen.append(reader.get_node("component:orders") is not None)  # the sources' write
        raise RuntimeError("boom")

    version = store.version()
    with pytest.raises(RuntimeError):
        store.replace_then(sources, plan)
    assert seen and all(seen)
    assert store.version() == version and store.counts() == (0, 0)


def test_uploaded_adr_folder_is_imported(store: GraphStore) -> None:
    scan_result = scan_uploads(
        [("docs/adr/0001-x.md", NYGARD_1), ("docs/adr/0002-pg.md", NYGARD_2)], source_prefix="up"
    )
    report = load_scan(store, scan_result, actor="key").to_json()
    assert not report["failed"]
    assert [r["source"] for r in adr_rows(report)] == ["adr:up/docs/adr"]
    assert [a["number"] for a in iter_adrs(store)] == [1, 2]
