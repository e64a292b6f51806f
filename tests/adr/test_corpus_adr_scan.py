"""Real ADR folders (../shared/corpus/adr/*) met by a directory scan, on both stores."""

from __future__ import annotations

from typing import Any

import pytest

from app.adr_service import iter_adrs, last_number
from app.scan_service import load_scan
from graph.storage import GraphStore
from scanners import scan_directory
from tests.scanners.test_corpus import corpus_dir

pytestmark = pytest.mark.corpus


def _scan(store: GraphStore, name: str) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    report = load_scan(store, scan_directory(corpus_dir(f"adr/{name}")), actor="ci").to_json()
    return report, {int(a["number"]): a for a in iter_adrs(store)}


def test_gsp_scanned_as_a_directory(store: GraphStore) -> None:
    report, by = _scan(store, "alphagov-gsp")
    assert not report["failed"]
    [row] = [s for s in report["sources"] if s["scanner"] == "adr"]
    assert row["file"] == "docs/architecture/adr"
    assert len(by) == 45 and 26 not in by and 27 not in by
    superseded = {n for n, a in by.items() if a["status"] == "superseded"}
    assert superseded == {4, 5, 6, 7, 9, 10, 12, 15, 28, 30, 32, 38}
    assert {n for n, a in by.items() if a["status"] == "proposed"} == {11, 17}
    assert by[30]["superseded_by"] == [31, 34]  # the one superseded by two
    assert by[23]["supersedes"] == [6, 7, 15]
    assert by[28]["supersedes"] == [12] and by[28]["superseded_by"] == [46]
    assert by[12]["superseded_by"] == [28]  # through the broken link, by number
    assert by[36]["amended_by"] == [39] and by[34]["supplements"] == [31]
    for newer, older in ((31, 30), (34, 30), (23, 6), (46, 28)):
        assert store.get_edge(f"adr:adr-{newer:04d}", "SUPERSEDES", f"adr:adr-{older:04d}")
    assert last_number(store) == 47
    warned = {w["file"] for w in row["warnings"]}
    assert "docs/architecture/adr/README.md" in warned
    version = store.version()
    again, _ = _scan(store, "alphagov-gsp")
    assert store.version() == version and not again["failed"]


def test_madr_scanned_as_a_directory(store: GraphStore) -> None:
    report, by = _scan(store, "madr")
    assert not report["failed"]
    assert [s["file"] for s in report["sources"] if s["scanner"] == "adr"] == ["docs/decisions"]
    assert sorted(by) == list(range(0, 19))
    assert by[3]["status"] == "proposed"  # "on hold"
    assert by[2]["title"] == "Do Not Use Numbers in Headings"
    template_files = {s["file"] for s in report["skipped"] if s["file"].startswith("template/")}
    assert template_files  # the template folder is not an ADR folder
