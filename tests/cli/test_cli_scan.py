"""``archgraph scan`` from the command line: a local re-scan, and what it imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import build_parser, main

SPEC = "openapi: 3.0.0\ninfo: {title: Orders, version: '1'}\nx-archgraph-component: orders\n"

# Run `archgraph scan` in a fresh interpreter and tell which heavy modules it loaded: the
# analysis code, the Neo4j driver (a local scan uses the SQLite store), the HTTP client
# (only `--server` sends files) and the web framework.
_PROBE = """
import json, sys
from app.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("graph.analysis", "scipy", "networkx", "numpy", "app.cli_analysis",
                           "neo4j", "httpx", "fastapi", "uvicorn")
               if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}))
"""


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "openapi.yaml").write_text(SPEC)
    return root


def test_a_rescan_reports_the_unchanged_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tree(tmp_path)
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "scan", str(root), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["totals"]["parsed"] == 1
    assert main([*data, "scan", str(root), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["totals"]["parsed"] == 0 and again["totals"]["unchanged_files"] == 1


def test_a_local_scan_imports_no_analysis_code_no_driver_and_no_http_client(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    args = ["--data-dir", str(tmp_path / "data"), "scan", str(root), "--json"]
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe == {"code": 0, "heavy": []}


def test_the_full_parser_still_has_every_command() -> None:
    full = build_parser().parse_args(["impact", "component:x", "--change", "breaking-change"])
    assert full.command == "impact"
    with pytest.raises(SystemExit):  # the short parser knows only this module's commands
        build_parser(every_command=False).parse_args(["impact", "component:x"])
