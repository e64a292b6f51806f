"""``archgraph adr ...`` on the local store, and a real ADR folder through import/export."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from tests.scanners.test_corpus import corpus_dir


def _run(tmp: Path, *argv: str) -> int:
    return main(["--data-dir", str(tmp / "data"), "adr", *argv])


def test_cli_lifecycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, "new", "Use Kafka", "--context", "events") == 0
    assert _run(tmp_path, "accept", "1") == 0
    assert _run(tmp_path, "new", "Use Pulsar") == 0
    assert _run(tmp_path, "supersede", "2", "1") == 0
    assert _run(tmp_path, "accept", "1") == 2  # superseded: forbidden
    assert _run(tmp_path, "new", "x", "--affects", "component:nope") == 2
    capsys.readouterr()
    assert _run(tmp_path, "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["ADR-0001  superseded  Use Kafka", "ADR-0002  proposed    Use Pulsar"]
    assert _run(tmp_path, "show", "ADR-0001") == 0
    assert "superseded-by:\n- ADR-0002" in capsys.readouterr().out
    assert _run(tmp_path, "reject", "2") == 0


@pytest.mark.corpus
def test_cli_import_real_folder_export_and_reimport(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = corpus_dir("adr/alphagov-gsp") / "docs/architecture/adr"
    assert _run(tmp_path, "import", str(folder)) == 0
    assert '"created": [' in capsys.readouterr().out
    assert _run(tmp_path, "list", "--status", "superseded") == 0
    superseded = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert len(superseded) == 12 and "ADR-0030" in superseded
    assert _run(tmp_path, "import", str(folder)) == 0
    out = capsys.readouterr().out
    assert '"created": []' in out and '"updated": []' in out
    assert _run(tmp_path, "export", str(tmp_path / "out")) == 0
    capsys.readouterr()
    exported = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(exported) == 45 and exported[0] == "0001-support-model.md"
    assert _run(tmp_path, "import", str(tmp_path / "out")) == 0
    out = capsys.readouterr().out
    assert '"created": []' in out and '"updated": []' in out
    assert _run(tmp_path, "new", "Next") == 0
    assert capsys.readouterr().out.startswith("ADR-0048 ")
