"""Keep-alive under write load: one client connection, kept across idle gaps
longer than uvicorn's default 5 s while another client writes every ~0.5 s,
answers every impact request (issue 10 saw 7-9 resets a minute), on both stores.

The server is a live uvicorn configured as ``archgraph serve`` configures it
(``tests/api/live_server.py`` passes ``ARCHGRAPH_KEEP_ALIVE_SECONDS``).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx

from app.main import EXAMPLE_PORTFOLIO
from app.scan_service import load_scan
from app.settings import Settings
from graph.storage import GraphStore
from scanners import scan_directory
from tests.api.conftest import EDITOR, KEYS, READER
from tests.api.live_server import live_server

TARGET = "component:identity-service"
# (requests in a row, then seconds idle); the idle gaps pass uvicorn's default 5 s
ROUNDS = ((6, 6.0), (6, 0.0))


class Writer(threading.Thread):
    """PATCHes one product every ~0.5 s on its own connection until stopped."""

    def __init__(self, url: str, product: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.product = product
        self.stop = threading.Event()
        self.statuses: list[int] = []
        self.errors: list[str] = []

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {EDITOR}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=30) as client:
            weight = 1
            while not self.stop.wait(0.5):
                weight = weight % 999 + 1
                try:
                    response = client.patch(
                        f"/api/v1/products/{self.product}", json={"business_weight": weight}
                    )
                    self.statuses.append(response.status_code)
                except httpx.TransportError as exc:
                    self.errors.append(repr(exc))


def _local_port(response: httpx.Response) -> int:
    """The client-side port of the connection that carried *response*."""
    stream: Any = response.extensions["network_stream"]
    port: int = stream.get_extra_info("socket").getsockname()[1]
    return port


def test_one_keep_alive_connection_answers_every_impact_under_writes(
    store: GraphStore, tmp_path: Path
) -> None:
    assert not load_scan(store, scan_directory(EXAMPLE_PORTFOLIO)).failed
    settings = Settings(api_keys=KEYS, data_dir=tmp_path / "data")
    body = {"targets": [TARGET], "change_type": "outage"}
    answered: list[int] = []
    errors: list[str] = []
    versions: list[int] = []
    ports: set[int] = set()
    # one connection, kept idle far longer than the 6 s gaps (httpx's default is 5 s)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=60)
    headers = {"Authorization": f"Bearer {READER}"}
    with (
        live_server(store, settings) as url,
        httpx.Client(base_url=url, headers=headers, limits=limits, timeout=30) as client,
    ):
        first = client.post("/api/v1/impact", json=body)
        assert first.status_code == 200, first.text
        ports.add(_local_port(first))
        versions.append(first.json()["graph_version"])
        product = first.json()["affected_products"][0]["ref"].split(":", 1)[1]
        writer = Writer(url, product)
        writer.start()
        try:
            for count, idle in ROUNDS:
                for _ in range(count):
                    try:
                        response = client.post("/api/v1/impact", json=body)
                    except httpx.TransportError as exc:  # a reset or a closed connection
                        errors.append(repr(exc))
                        continue
                    answered.append(response.status_code)
                    ports.add(_local_port(response))
                    if response.status_code == 200:
                        versions.append(response.json()["graph_version"])
                    time.sleep(0.25)
                time.sleep(idle)
        finally:
            writer.stop.set()
            writer.join(timeout=30)
        last = client.post("/api/v1/impact", json=body)
        ports.add(_local_port(last))
    requests = sum(count for count, _ in ROUNDS)
    assert errors == [], f"{len(errors)} of {requests} requests failed: {errors[:3]}"
    assert answered == [200] * requests
    assert len(ports) == 1, f"the client reconnected: {len(ports)} connections"
    # the writes happened, and the answers saw them
    assert writer.errors == [] and len(writer.statuses) >= 10
    assert set(writer.statuses) == {200}
    assert versions == sorted(versions) and versions[-1] > versions[0]
    assert last.status_code == 200 and last.json()["graph_version"] == store.version()
