"""``archgraph data --as-of`` and ``archgraph diagram --as-of`` on the local store."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app.cli import main
from graph.storage import change_time

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portfolio"


def test_cli_data_and_diagram_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--data-dir", str(tmp_path / "data")]
    assert main([*base, "scan", str(EXAMPLE), "--json"]) == 0
    time.sleep(0.002)  # the instant below is after every write of the scan
    instant = change_time()
    capsys.readouterr()
    assert main([*base, "data"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main([*base, "diagram", "--format", "structurizr"]) == 0
    before_dsl = capsys.readouterr().out
    time.sleep(0.002)
    assert main([*base, "adr", "new", "Use Kafka", "--affects", "product:kestrel-pay"]) == 0
    capsys.readouterr()
    assert main([*base, "data"]) == 0
    now = json.loads(capsys.readouterr().out)
    assert now["graph_version"] > before["graph_version"]
    assert "adr:adr-0001" in {n["ref"] for n in now["nodes"]}

    for point in (instant, str(before["graph_version"])):
        assert main([*base, "data", "--as-of", point]) == 0
        then = json.loads(capsys.readouterr().out)
        assert then["filters"].pop("as_of") == point
        before["filters"].pop("as_of", None)
        assert then == before
        assert main([*base, "diagram", "--format", "structurizr", "--as-of", point]) == 0
        assert capsys.readouterr().out == before_dsl
    assert main([*base, "data", "--as-of", "not-a-date"]) == 2
    assert "archgraph: validation_error:" in capsys.readouterr().err
