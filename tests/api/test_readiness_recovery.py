"""/readyz follows Neo4j going away and coming back, with no restart of the service."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from graph.storage.neo4j_store import Neo4jStore
from tests.api.conftest import assert_error, make_client
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
