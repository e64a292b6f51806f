"""``archgraph export`` streams the document (``app/cli_export.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.cli_export import write_chunks
from graph.storage import SQLiteStore, export_document
from schemas.facts import NodeData
from tests.store_contract import seed


def _without_time(doc: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in doc.items() if k != "exported_at"}


def test_export_to_stdout_is_the_export_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SQLiteStore(tmp_path / "archgraph.db")
    seed(store)
    expected = _without_time(export_document(store))
    version = store.version()
    store.upsert_node(NodeData("team:later"), source="t")
    store.close()
    capsys.readouterr()
    assert main(["--data-dir", str(tmp_path), "export"]) == 0
    assert _without_time(json.loads(capsys.readouterr().out))["nodes"] != expected["nodes"]
    assert main(["--data-dir", str(tmp_path), "export", "--as-of", str(version)]) == 0
    then = _without_time(json.loads(capsys.readouterr().out))
    assert then.pop("as_of") == {"version": version}
    assert then == expected


def test_pieces_are_written_as_they_come(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[str] = []

    def pieces() -> Iterator[str]:
        yield '{"a":'
        seen.append(capsys.readouterr().out)  # what had reached stdout by now
        yield "1}"

    assert write_chunks(pieces(), None) == len('{"a":1}\n')
    assert seen == ['{"a":']
    assert capsys.readouterr().out == "1}\n"


def test_a_failed_export_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "graph.json"

    def pieces() -> Iterator[str]:
        yield '{"nodes":['
        raise RuntimeError("the store went away mid-export")

    with pytest.raises(RuntimeError):
        write_chunks(pieces(), str(target))
    assert list(tmp_path.iterdir()) == []
    assert write_chunks(iter(["{}"]), str(target)) == 3
    assert json.loads(target.read_text()) == {}
