"""Ready means ready: /readyz is 200 only once the start-up projection is built.

A live uvicorn runs the app's lifespan, which builds the projection in a
background thread. The store is held at the start of that build (a gate on
the real store's consistent whole-graph read) so the test sees the "building" state for sure:
``/healthz`` answers at once, ``/readyz`` is 503 ``projection_building``;
once the gate opens, ``/readyz`` turns 200 and the first impact question is
answered from that projection, without reading the graph again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from app.main import EXAMPLE_PORTFOLIO
from app.scan_service import load_scan
from app.settings import Settings
from graph.storage import GraphSnapshot, GraphStore
from scanners import scan_directory
from tests.api.conftest import KEYS, READER, assert_error
from tests.api.live_server import live_server

T = TypeVar("T")


def _gate_node_reads(store: GraphStore) -> tuple[threading.Event, list[int]]:
    """Hold every whole-graph read of *store* (what a build reads) until the event is set; count them."""
    gate = threading.Event()
    reads: list[int] = []
    read_consistent = store.read_consistent

    def gated(read: Callable[[GraphSnapshot], T]) -> T:
        reads.append(1)
        gate.wait(timeout=120)
        return read_consistent(read)

    store.read_consistent = gated  # type: ignore[method-assign]
    return gate, reads


def _ready(client: httpx.Client) -> dict[str, Any] | None:
    response = client.get("/readyz")
    return dict(response.json()) if response.status_code == 200 else None


def test_readyz_waits_for_the_start_up_projection(store: GraphStore) -> None:
    load_scan(store, scan_directory(EXAMPLE_PORTFOLIO))
    gate, reads = _gate_node_reads(store)
    with (
        live_server(store, Settings(api_keys=KEYS)) as url,
        httpx.Client(base_url=url, timeout=60.0) as client,
    ):
        assert client.get("/healthz").json() == {"status": "ok"}  # at once, not after the build
        body = assert_error(client.get("/readyz"), 503, "projection_building")
        assert body["status"] == "starting" and body["backend"] == store.backend
        deadline = time.monotonic() + 60
        while not reads and time.monotonic() < deadline:
            time.sleep(0.02)
        assert reads == [1]  # the start-up build is the one waiting
        assert_error(client.get("/readyz"), 503, "projection_building")

        gate.set()
        deadline = time.monotonic() + 120
        while (ready := _ready(client)) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready is not None and ready["version"] == store.version()

        response = client.post(
            "/api/v1/impact",
            json={"targets": ["component:identity-service"]},
            headers={"Authorization": f"Bearer {READER}"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["graph_version"] == store.version()
        assert reads == [1]  # answered from the start-up projection, not a new build
