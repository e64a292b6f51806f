"""Limits before work: keys and body sizes are checked before a route reads the body."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.main import create_app
from app.settings import Settings
from graph.storage import GraphStore
from tests.api.conftest import ADMIN, EDITOR, KEYS, READER, ApiClient, assert_error
from tests.hostile.conftest import assert_unharmed, snapshot

WRITE_ROUTES = [
    ("POST", "/api/v1/products"),
    ("PUT", "/api/v1/products/x"),
    ("PATCH", "/api/v1/components/x"),
    ("POST", "/api/v1/edges"),
    ("POST", "/api/v1/scans"),
    ("POST", "/api/v1/import"),
    ("POST", "/api/v1/impact"),
]


class BodyCounter:
    """An ASGI body that counts how many of its chunks the server pulled."""

    def __init__(self, chunks: int, size: int = 64 * 1024) -> None:
        self.chunks = chunks
        self.size = size
        self.pulled = 0

    async def __aiter__(self) -> Any:
        for _ in range(self.chunks):
            self.pulled += 1
            yield b"{" * self.size


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
def test_no_key_is_401_before_the_body_is_read(
    seeded: ApiClient, store: GraphStore, method: str, path: str
) -> None:
    before = snapshot(store)
    anonymous = seeded.as_key(None)
    body = BodyCounter(chunks=200)  # 12.5 MiB of malformed JSON, no Content-Length
    response = anonymous.request(method, path, content=body)
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert body.pulled <= 1
    wrong = seeded.as_key("not-a-key").request(method, path, content=b"{nope")
    assert_error(wrong, 401, "unauthorized")
    assert_unharmed(seeded, store, before)


def test_malformed_json_without_a_key_is_401_not_422(seeded: ApiClient) -> None:
    response = seeded.as_key(None).post(
        "/api/v1/products", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 401, "unauthorized")
    with_key = seeded.post(
        "/api/v1/products", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert with_key.status_code == 422


def test_too_low_a_role_is_403_before_the_body_is_read(seeded: ApiClient) -> None:
    body = BodyCounter(chunks=50)
    response = seeded.as_key(READER).post("/api/v1/import", content=body)
    assert_error(response, 403, "forbidden")
    assert body.pulled <= 1


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
def test_declared_length_over_the_limit_is_413(
    seeded: ApiClient, store: GraphStore, method: str, path: str
) -> None:
    before = snapshot(store)
    big = 33 * 1024 * 1024 if path.endswith(("/scans", "/import")) else 2 * 1024 * 1024
    api = seeded.as_key(ADMIN)
    response = api.request(method, path, content=b"x" * big)
    assert_error(response, 413, "payload_too_large")
    assert_unharmed(seeded, store, before)


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
def test_streamed_body_over_the_limit_is_cut_at_the_limit(
    seeded: ApiClient, store: GraphStore, method: str, path: str
) -> None:
    before = snapshot(store)
    body = BodyCounter(chunks=1000)  # 62.5 MiB, no Content-Length
    response = seeded.as_key(ADMIN).request(
        method, path, content=body, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")
    limit_chunks = (32 if path.endswith(("/scans", "/import")) else 1) * 16
    assert body.pulled <= limit_chunks + 1
    assert_unharmed(seeded, store, before)


def test_import_limit_is_the_documented_32_mib(store: GraphStore) -> None:
    app = create_app(Settings(api_keys=KEYS), store=store)
    assert app.state.settings.max_upload_bytes == 32 * 1024 * 1024
    api = ApiClient(app, ADMIN)
    just_over = b" " * (32 * 1024 * 1024 + 1)
    assert_error(api.post("/api/v1/import", content=just_over), 413, "payload_too_large")


def test_a_body_under_the_limit_still_works(seeded: ApiClient) -> None:
    response = seeded.as_key(EDITOR).post(
        "/api/v1/products", json={"slug": "tea", "name": "Tea", "description": "x" * 15_000}
    )
    assert response.status_code == 201, response.text
    two_mib = {"files": [{"name": "notes.yaml", "content": "# " * 1024 * 1024}]}
    scanned = seeded.post("/api/v1/scans", json=two_mib)  # over 1 MiB, under 32 MiB
    assert_error(scanned, 422, "scan_failed")


def test_health_needs_no_key() -> None:
    app = create_app(Settings(api_keys=KEYS))
    response = asyncio.run(_get(app, "/healthz"))
    assert response == 200


async def _get(app: Any, path: str) -> int:
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return (await client.get(path)).status_code
