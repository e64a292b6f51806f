"""``archgraph serve --workers 2``: two processes over one store answer alike.

A live server started as a user starts it (the ``archgraph`` command, in a
child process); every worker builds its projection before ``/readyz`` says
ready, each connection is served by one worker (``/readyz`` names its pid),
and a write through one worker is seen by an impact question the other
answers: at once on SQLite (the notice file), within a poll on Neo4j.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import EDITOR, KEYS
from tests.api.live_server import serve_command


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store_args(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    """Command-line options naming an empty store of each backend."""
    if request.param == "sqlite":
        return ["--data-dir", str(tmp_path)]
    uri: str = request.getfixturevalue("neo4j_uri")
    request.getfixturevalue("neo4j_store")  # wipes the database for this test
    return ["--neo4j-uri", uri]


@pytest.fixture
def two_workers(store_args: list[str], tmp_path: Path) -> Iterator[str]:
    env = {"ARCHGRAPH_API_KEYS": KEYS}
    with serve_command(store_args, ["--workers", "2"], env, tmp_path / "serve.log") as port:
        yield f"http://127.0.0.1:{port}"


def _eventually(check: Callable[[], Any], seconds: float = 120.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = check()
        except httpx.TransportError:
            result = None
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def _ready_pid(client: httpx.Client) -> int | None:
    response = client.get("/readyz")
    return int(response.json()["pid"]) if response.status_code == 200 else None


def _client_on(url: str, pid: int | None, *, other_than: int | None = None) -> httpx.Client:
    """A keep-alive client whose one connection is served by worker *pid* (or any other)."""
    for _ in range(400):
        client = httpx.Client(
            base_url=url,
            headers={"Authorization": f"Bearer {EDITOR}"},
            limits=httpx.Limits(max_connections=1, keepalive_expiry=600.0),
            timeout=60.0,
        )
        got = _eventually(lambda c=client: _ready_pid(c), 5.0)
        if got is not None and (got == pid if pid is not None else got != other_than):
            return client
        client.close()
    raise AssertionError(f"no connection reached worker {pid or f'other than {other_than}'}")


def _affected(client: httpx.Client, target: str) -> tuple[int, set[str]]:
    response = client.post("/api/v1/impact", json={"targets": [target]})
    assert response.status_code == 200, response.text
    body = response.json()
    return body["graph_version"], {p["ref"] for p in body["affected_products"]}


def _affected_once_known(client: httpx.Client, target: str) -> tuple[int, set[str]] | None:
    """:func:`_affected`, or None while the worker answers from a projection older than
    *target* (404 ``unknown_element``: it has not caught up with another worker's write)."""
    response = client.post("/api/v1/impact", json={"targets": [target]})
    if response.status_code == 404 and response.json()["code"] == "unknown_element":
        return None
    assert response.status_code == 200, response.text
    body = response.json()
    return body["graph_version"], {p["ref"] for p in body["affected_products"]}


def _write(client: httpx.Client, method: str, path: str, body: dict[str, Any]) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code in (200, 201), response.text


def test_two_workers_serve_one_graph(two_workers: str) -> None:
    url = two_workers
    first = _client_on(url, None, other_than=-1)
    pid_a = _ready_pid(first)
    assert pid_a is not None
    a = first
    b = _client_on(url, None, other_than=pid_a)
    pid_b = _ready_pid(b)
    assert pid_b is not None and pid_b != pid_a
    assert os.getpid() not in (pid_a, pid_b)
    try:
        _write(a, "POST", "/api/v1/products", {"slug": "shop", "tier": 1})
        _write(a, "POST", "/api/v1/components", {"slug": "core", "platform": True})
        _write(a, "POST", "/api/v1/components", {"slug": "cart", "product": "shop"})
        edge = {"from": "component:cart", "type": "DEPENDS_ON", "to": "component:core"}
        _write(a, "POST", "/api/v1/edges", edge)

        version, products = _eventually(
            lambda: (
                (r := _affected_once_known(b, "component:core")) and r[1] == {"product:shop"} and r
            ),
            30.0,
        )
        assert products == {"product:shop"}

        _write(a, "POST", "/api/v1/products", {"slug": "newco", "tier": 1})
        _write(a, "POST", "/api/v1/components", {"slug": "newco-app", "product": "newco"})
        edge = {"from": "component:newco-app", "type": "DEPENDS_ON", "to": "component:core"}
        _write(a, "POST", "/api/v1/edges", edge)
        # Worker b answers from a projection of the version a's last write made
        # (a sees its own writes at once; b may pass through the versions between).
        written, _ = _affected(a, "component:core")
        assert written > version
        after = _eventually(lambda: (r := _affected(b, "component:core"))[0] >= written and r, 30.0)
        assert after, "worker b never saw worker a's writes"
        assert after[1] == {"product:shop", "product:newco"}
        assert _ready_pid(b) == pid_b and _ready_pid(a) == pid_a  # each answered itself
    finally:
        a.close()
        b.close()
