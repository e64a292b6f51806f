"""Moving a graph between stores through the export document and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from graph.storage import SQLiteStore, export_document, import_document
from graph.storage.neo4j_store import Neo4jStore
from schemas.errors import InvalidInputError
from tests.store_contract import seed


def test_sqlite_export_imports_into_neo4j_unchanged(
    sqlite_store: SQLiteStore, neo4j_store: Neo4jStore
) -> None:
    seed(sqlite_store)
    sqlite_store.replace_source("second", [], [])  # a no-op source does not show up
    doc = json.loads(json.dumps(export_document(sqlite_store)))  # through real JSON text
    nodes, edges, version = import_document(neo4j_store, doc)
    assert (nodes, edges) == sqlite_store.counts()
    assert version == neo4j_store.version()
    assert list(neo4j_store.iter_nodes()) == list(sqlite_store.iter_nodes())
    assert list(neo4j_store.iter_edges()) == list(sqlite_store.iter_edges())
    back = export_document(neo4j_store)
    assert (back["nodes"], back["edges"]) == (doc["nodes"], doc["edges"])


test_sqlite_export_imports_into_neo4j_unchanged = pytest.mark.neo4j(
    test_sqlite_export_imports_into_neo4j_unchanged
)


@pytest.mark.parametrize(
    ("doc", "location"),
    [
        ({"format": "other"}, "format"),
        ({"format": "archgraph-graph", "format_version": 99}, "format_version"),
        (
            {"format": "archgraph-graph", "format_version": 1, "nodes": [{"ref": "nope"}]},
            "nodes[0].ref",
        ),
        (
            {
                "format": "archgraph-graph",
                "format_version": 1,
                "nodes": [],
                "edges": [{"from": "product:a", "type": "DEPENDS_ON", "to": "product:b"}],
            },
            "edges[0]",
        ),
        (  # a shape the schema forbids: kind an object, assertions not a list
            {
                "format": "archgraph-graph",
                "format_version": 1,
                "nodes": [{"ref": "team:a", "kind": {}}],
            },
            "nodes[0].kind",
        ),
        (
            {
                "format": "archgraph-graph",
                "format_version": 1,
                "nodes": [{"ref": "team:a", "assertions": [{"source": "x", "asserted_at": ""}]}],
            },
            "nodes[0].assertions[0].asserted_at",
        ),
        ({"format": "archgraph-graph", "format_version": 1, "edges": {}}, "edges"),
    ],
)
def test_bad_documents_are_refused_before_any_write(
    sqlite_store: SQLiteStore, doc: dict[str, object], location: str
) -> None:
    seed(sqlite_store)
    before = sqlite_store.counts()
    with pytest.raises(InvalidInputError) as err:
        import_document(sqlite_store, doc)
    assert err.value.location == location
    assert sqlite_store.counts() == before


def test_cli_export_then_import_into_another_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source_dir, target_dir = tmp_path / "a", tmp_path / "b"
    store = SQLiteStore(source_dir / "archgraph.db")
    seed(store)
    expected = (list(store.iter_nodes()), list(store.iter_edges()))
    store.close()
    out = tmp_path / "graph.json"
    assert main(["--data-dir", str(source_dir), "export", "-o", str(out)]) == 0
    assert main(["--data-dir", str(target_dir), "import", str(out)]) == 0
    assert "imported 5 nodes and 4 edges" in capsys.readouterr().out
    copy = SQLiteStore(target_dir / "archgraph.db")
    assert (list(copy.iter_nodes()), list(copy.iter_edges())) == expected
    copy.close()


def test_cli_import_of_a_broken_file_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["--data-dir", str(tmp_path), "import", str(bad)]) == 2
    assert "cannot read" in capsys.readouterr().err
