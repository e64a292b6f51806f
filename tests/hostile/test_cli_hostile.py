"""The CLI reproducers, run in a child process: an exit code, never a signal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.hostile.test_scan_uploads import DEEP, SPEC_HEAD

CLI = "from app.cli import main; raise SystemExit(main())"


def _archgraph(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_scan_of_hostile_tree_exits_with_per_file_errors(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "deep.yaml").write_text(SPEC_HEAD + "x-deep:\n" + "- " * DEEP + "x\n")
    (tree / "bare-deep.yaml").write_text("- " * DEEP + "x\n")
    (tree / "big.yaml").write_text(SPEC_HEAD + "x-n: " + "9" * 5000 + "\n")
    (tree / "dup.json").write_text('{"openapi": "3.0.3",\n"openapi": "3.1.0"}')
    (tree / "ok.yaml").write_text(SPEC_HEAD)
    result = _archgraph(
        "--data-dir", str(tmp_path / "data"), "scan", str(tree), "--json", cwd=tmp_path
    )
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    errors = {e["file"]: e["code"] for s in report["sources"] for e in s["errors"]}
    assert errors["deep.yaml"] == "document.too-deep"
    assert errors["big.yaml"] == "document.number-too-long"
    assert errors["dup.json"] == "document.duplicate-key"
    statuses = {s["file"]: s["status"] for s in report["sources"]}
    assert statuses["ok.yaml"] != "failed"
