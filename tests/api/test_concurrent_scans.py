"""Eight concurrent scans of overlapping trees end equal to the same scans run serially.

Through the HTTP API of a live server (both stores, two waves) and through
eight processes running ``archgraph scan`` into one SQLite file (the first wave). Tree *t* of eight
holds the manifests of services t, t+1 and t+2 of a ring of ten, so every
service is described by up to three trees, and every manifest asserts the
shared product, team and capability (the same-node contention). The second
wave removes the odd-numbered services from every tree and scans again,
which retracts them (and their edges) from some trees while others still
assert them. One run: the concurrent waves, an export after each, then the
same waves serially from an empty store, exports compared without
timestamps after each wave.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import httpx

from app.cli import main
from app.settings import Settings
from graph.storage import GraphStore, SQLiteStore, export_document
from tests.api.conftest import EDITOR, KEYS
from tests.api.live_server import live_server
from tests.store_concurrency import run_threads

TREES = 8
RING = TREES + 2
WAVES = (0, 1)  # wave 1 retracts the odd services from every tree


def _manifest(service: int) -> str:
    return (
        "apiVersion: archgraph/v1\nkind: Component\n"
        f"name: svc-{service}\nproduct: shop\nowner: core\ncapabilities: [payments]\n"
        f"tags: [t{service}]\n"
        f"depends_on:\n  - component: svc-{(service + 1) % RING}\n    strength: soft\n"
    )


def _tree(tree: int, wave: int) -> dict[str, str]:
    """The files of tree *tree* in scan wave *wave* (wave 1 drops the odd services)."""
    services = [(tree + offset) % RING for offset in range(3)]
    return {f"svc-{s}/archgraph.yaml": _manifest(s) for s in services if wave == 0 or s % 2 == 0}


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """An export document without its timestamps (and version numbers)."""

    def assertions(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted(
            (a["source"], json.dumps(a["properties"], sort_keys=True), a.get("actor"))
            for a in items
        )

    return {
        "nodes": {
            n["ref"]: (n["kind"], n["properties"], assertions(n["assertions"]))
            for n in doc["nodes"]
        },
        "edges": {
            (e["from"], e["type"], e["to"]): (e["properties"], assertions(e["assertions"]))
            for e in doc["edges"]
        },
    }


def _check_expected_shape(graph: dict[str, Any], wave: int) -> None:
    """What the files say, derived independently of the stores."""
    alive = {s for s in range(RING) if wave == 0 or s % 2 == 0}
    scanned = {
        s for t in range(TREES) for s in range(RING) if s in {(t + o) % RING for o in range(3)}
    }
    described = alive & scanned
    components = {r for r in graph["nodes"] if r.startswith("component:")}
    assert {f"component:svc-{s}" for s in described} <= components
    edges = set(graph["edges"])
    for s in described:
        assert (f"component:svc-{s}", "HAS_CAPABILITY", "capability:payments") in edges
        assert (f"component:svc-{s}", "DEPENDS_ON", f"component:svc-{(s + 1) % RING}") in edges
    if wave:
        for s in range(RING):
            if s % 2:
                assert (f"component:svc-{s}", "HAS_CAPABILITY", "capability:payments") not in edges
    # the capability every manifest asserts is asserted by every live manifest, no more
    sources = {a[0] for a in graph["nodes"]["capability:payments"][2]}
    expected = {
        f"manifest:repo-{t}/svc-{s}/archgraph.yaml"
        for t in range(TREES)
        for s in _services(t, wave)
    }
    assert sources == expected


def _services(tree: int, wave: int) -> list[int]:
    return [int(p.split("/")[0][4:]) for p in _tree(tree, wave)]


def test_eight_concurrent_api_scans_end_as_serial_ones(store: GraphStore) -> None:
    with live_server(store, Settings(api_keys=KEYS)) as url:
        headers = {"X-API-Key": EDITOR}

        def scan(client: httpx.Client, tree: int, wave: int) -> None:
            body = {"files": [{"name": n, "content": c} for n, c in _tree(tree, wave).items()]}
            response = client.post(
                "/api/v1/scans",
                params={"prefix": f"repo-{tree}", "complete": "true"},
                json=body,
            )
            assert response.status_code == 200, response.text

        def export(client: httpx.Client) -> dict[str, Any]:
            response = client.get("/api/v1/export")
            assert response.status_code == 200, response.text
            return comparable(response.json())

        with httpx.Client(base_url=url, headers=headers, timeout=300) as shared:
            together = []
            for wave in WAVES:

                def one(tree: int, wave: int = wave) -> None:
                    with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
                        scan(client, tree, wave)

                assert run_threads(TREES, one) == []
                together.append(export(shared))
            store.clear()
            for wave in WAVES:
                for tree in range(TREES):
                    scan(shared, tree, wave)
                one_by_one = export(shared)
                assert together[wave] == one_by_one
                _check_expected_shape(one_by_one, wave)


def _write_trees(root: Path, wave: int) -> list[Path]:
    trees = []
    for tree in range(TREES):
        path = root / f"repo-{tree}"
        if path.exists():
            for old in path.glob("svc-*/archgraph.yaml"):
                old.unlink()
        for name, text in _tree(tree, wave).items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_text(text, encoding="utf-8")
        trees.append(path)
    return trees


def _cli_process(args: list[str], log: Path) -> None:
    """``archgraph ARGS`` in a forked process (the CLI's own ``main``; nothing re-imported)."""
    with log.open("w", encoding="utf-8") as out, redirect_stdout(out), redirect_stderr(out):
        try:
            code = main(args)
        except BaseException:
            traceback.print_exc()
            code = 99
        out.flush()
    os._exit(code)


def test_eight_cli_scan_processes_into_one_sqlite_file_end_as_serial_ones(tmp_path: Path) -> None:
    """One wave: what the processes add over the API test is eight processes taking
    turns on one file (no "database is locked"); the retracting wave is the API test's.
    The processes are forked from the test so that none pays the start-up imports."""
    concurrent_data, serial_data = tmp_path / "concurrent", tmp_path / "serial"
    trees = _write_trees(tmp_path / "trees", 0)
    fork = multiprocessing.get_context("fork")
    children = [
        fork.Process(
            target=_cli_process,
            args=(["--data-dir", str(concurrent_data), "scan", str(tree)], tmp_path / f"{i}.log"),
        )
        for i, tree in enumerate(trees)
    ]
    for child in children:
        child.start()
    for i, child in enumerate(children):
        child.join(timeout=600)
        output = (tmp_path / f"{i}.log").read_text(encoding="utf-8")
        assert child.exitcode == 0, output
        assert "locked" not in output
    for tree in trees:
        assert main(["--data-dir", str(serial_data), "scan", str(tree)]) == 0
    graphs = []
    for data in (concurrent_data, serial_data):
        store = SQLiteStore(data / "archgraph.db")
        try:
            graphs.append(comparable(export_document(store)))
        finally:
            store.close()
    assert graphs[0] == graphs[1]
    _check_expected_shape(graphs[0], 0)
