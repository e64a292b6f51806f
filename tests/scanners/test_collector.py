"""The cyclic garbage collector is paused while a scan parses and loads, and restored after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.scan_service import load_scan, scan_and_load
from graph.storage import SQLiteStore
from scanners import ScanProgress, collector_paused, rescan_directory, scan_directory

PORTFOLIO = Path(__file__).resolve().parents[2] / "examples" / "portfolio"


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every cyclic collection that starts while the test runs."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    # Start from empty generations: which generation the first automatic collection
    # takes depends on the counts left by whatever ran (or was imported) before.
    gc.collect()
    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)


@pytest.mark.parametrize("enabled", [True, False])
def test_pause_restores_the_previous_state(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with collector_paused():
            assert not gc.isenabled()
            with collector_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), collector_paused():
            raise RuntimeError("boom")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_scan_and_load_run_with_the_collector_paused(collections: list[int]) -> None:
    assert gc.isenabled()
    store = SQLiteStore(":memory:")
    try:
        paused: list[tuple[str, bool]] = []

        def note(step: ScanProgress) -> None:
            paused.append((step.stage, not gc.isenabled()))

        scan = scan_directory(PORTFOLIO, progress=note)
        during_scan = len(collections)
        report = load_scan(store, scan, progress=note)
        assert {phase for phase, _ in paused} >= {"load"} and len(paused) > 2
        assert all(was_paused for _, was_paused in paused)
        assert not report.failed and report.totals()["created"] > 0
        assert store.version() > 0
    finally:
        store.close()
    assert gc.isenabled()
    # At most the one collection that runs as the collector is enabled again.
    assert during_scan <= 1
    collections.clear()
    unpaused = scan_directory.__wrapped__(PORTFOLIO)  # type: ignore[attr-defined]
    assert unpaused.results == scan.results
    assert len(collections) > 1, "the portfolio is too small to show the pause"


def test_scan_and_load_pauses_once_and_frees_the_parse_before_the_collector_runs(
    collections: list[int], tmp_path: Path
) -> None:
    """``archgraph scan``'s one pause: no collection between the parse and the load, and
    the parsed files' objects are freed when it ends, so at most one young collection
    runs after, over what the report holds."""
    assert gc.isenabled()
    store = SQLiteStore(str(tmp_path / "one.db"))
    paused: list[tuple[str, bool]] = []
    try:
        report = scan_and_load(
            store,
            PORTFOLIO,
            progress=lambda step: paused.append((step.stage, not gc.isenabled())),
        )
        assert gc.isenabled()
        assert collections in ([], [0])
        assert {stage for stage, _ in paused} >= {"load"} and all(p for _, p in paused)
        assert not report.failed and report.totals()["created"] > 0
    finally:
        store.close()
    other = SQLiteStore(str(tmp_path / "two.db"))
    try:
        found = rescan_directory(PORTFOLIO, previous=other.scan_states())
        expected = load_scan(other, found, at=report.at)
    finally:
        other.close()
    assert expected.to_json() == report.to_json()
