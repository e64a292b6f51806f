"""/readyz follows Neo4j going away and coming back, with no restart of the service."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

import pytest

from app.settings import Settings
from app.stores import describe_store
from graph.storage.neo4j_store import Neo4jStore
from tests.api.conftest import EDITOR, READER, assert_error, make_client
from tests.tcp_proxy import TcpProxy

pytestmark = [
    pytest.mark.neo4j,
    # Cutting the proxy breaks the driver's open connections on purpose; the
    # driver may leave such a dead socket to the garbage collector.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def test_readyz_recovers_when_neo4j_returns(neo4j_uri: str) -> None:
    target = urlparse(neo4j_uri)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 7687)
    store = Neo4jStore(f"bolt://127.0.0.1:{proxy.port}", connection_timeout=2.0)
    try:
        client = make_client(store).as_key(None)
        # Neo4j "down" at start: the service still starts and says why it is not ready.
        body = assert_error(client.get("/readyz"), 503, "store_unavailable")
        assert body["status"] == "unavailable"

        proxy.up = True
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["backend"] == "neo4j"

        proxy.cut()
        assert_error(client.get("/readyz"), 503, "store_unavailable")

        proxy.up = True
        assert client.get("/readyz").status_code == 200
    finally:
        store.close()
        proxy.close()


def test_requests_answer_503_while_neo4j_is_down_and_recover(neo4j_uri: str) -> None:
    """Reads and writes answer 503 (not 500, not a hang) while Neo4j is away, then work again."""
    target = urlparse(neo4j_uri)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 7687)
    proxy.up = True
    store = Neo4jStore(f"bolt://127.0.0.1:{proxy.port}")
    try:
        store.clear()
        client = make_client(store)
        editor = client.as_key(EDITOR)
        assert editor.put("/api/v1/teams/core", json={"name": "Core"}).status_code in (200, 201)

        proxy.cut()
        assert_error(client.get("/api/v1/teams/core"), 503, "store_unavailable")
        assert_error(
            editor.put("/api/v1/teams/web", json={"name": "Web"}),
            503,
            "store_unavailable",
        )
        assert client.as_key(None).get("/healthz").status_code == 200

        proxy.up = True
        assert client.get("/api/v1/teams/core").json()["name"] == "Core"
        assert editor.put("/api/v1/teams/web", json={"name": "Web"}).status_code in (
            200,
            201,
        )
    finally:
        store.clear()
        store.close()
        proxy.close()


def test_credentials_in_the_uri_are_used_and_never_shown() -> None:
    store = Neo4jStore("bolt://archgraph:s3cret-pw@127.0.0.1:1")
    try:
        assert store.uri == "bolt://127.0.0.1:1"
        client = make_client(store).as_key(None)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert "s3cret-pw" not in response.text
    finally:
        store.close()
    settings = Settings(neo4j_uri="neo4j://archgraph:s3cret-pw@db.example:7687")
    assert describe_store(settings) == "Neo4j at neo4j://db.example:7687"


def test_credentials_in_the_uri_never_reach_logs_or_error_bodies(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the driver's included
    store = Neo4jStore("neo4j://archgraph:s3cret-pw@127.0.0.1:1")
    try:
        client = make_client(store)
        for response in (
            client.as_key(None).get("/readyz"),
            client.as_key(READER).get("/api/v1/teams/core"),
        ):
            assert response.status_code == 503
            assert "s3cret-pw" not in response.text
        assert "127.0.0.1" in caplog.text  # the driver did log its attempts
        assert "s3cret-pw" not in caplog.text
    finally:
        store.close()
