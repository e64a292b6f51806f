"""Shared fixtures: the stores every backend-agnostic test runs against.

``store`` is parametrized over both backends, so a test that takes it runs
once on the embedded SQLite store and once on a real Neo4j 5 server. The
Neo4j server is started once per test session from the jars ``make test``
fetched from Maven Central (``tests/neo4j/server.py``), unless
``ARCHGRAPH_TEST_NEO4J_URI`` points at one you run yourself.

When Neo4j cannot be had, its tests fail with the reason when ``CI=true`` or
``ARCHGRAPH_REQUIRE_NEO4J=1`` (as ``make test`` sets), and are skipped with
the reason otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.storage import GraphStore, SQLiteStore
from graph.storage.neo4j_store import Neo4jStore
from scanners import directory

REPO = Path(__file__).resolve().parent.parent


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def neo4j_required() -> bool:
    return _truthy("CI") or _truthy("ARCHGRAPH_REQUIRE_NEO4J")


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    """A Bolt URI of a running Neo4j 5: given, or launched for this session."""
    given = os.environ.get("ARCHGRAPH_TEST_NEO4J_URI")
    if given:
        yield given
        return
    from tests.neo4j.server import Neo4jLaunchError, Neo4jServer

    server = Neo4jServer()
    try:
        uri = server.start()
    except Neo4jLaunchError as exc:
        server.stop()
        reason = f"Neo4j could not be started: {exc}"
        if neo4j_required():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    try:
        yield uri
    finally:
        server.stop()


def _open_neo4j(uri: str) -> Neo4jStore:
    store = Neo4jStore(
        uri,
        user=os.environ.get("ARCHGRAPH_TEST_NEO4J_USER"),
        password=os.environ.get("ARCHGRAPH_TEST_NEO4J_PASSWORD"),
    )
    store.clear()
    # Each test starts with an empty change log too (the log outlives clear()).
    store._driver.execute_query("MATCH (c:Change) DETACH DELETE c")
    # ... and no import's stage or retired graph is left over.
    store._driver.execute_query(
        "MATCH (n) WHERE n:ArchgraphStaged OR n:ArchgraphStage OR n:ArchgraphRetired "
        "DETACH DELETE n"
    )
    return store


@pytest.fixture
def neo4j_store(neo4j_uri: str) -> Iterator[Neo4jStore]:
    """An empty Neo4jStore (the database is wiped before each test)."""
    store = _open_neo4j(neo4j_uri)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "archgraph.db")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each backend in turn."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_store")
    else:
        yield request.getfixturevalue("neo4j_store")


def corpus_dir() -> Path:
    return Path(os.environ.get("ARCHGRAPH_CORPUS_DIR", REPO.parent / "shared" / "corpus"))


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text a directory scan or an upload parses (the real parser still runs)."""
    seen: list[str] = []
    real = directory.load_documents

    def counting(text: str, **kwargs: Any) -> list[Any]:
        seen.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(directory, "load_documents", counting)
    return seen
