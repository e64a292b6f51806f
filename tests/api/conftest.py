"""API test fixtures: the app over each store, and a small synchronous client.

Requests go through ``httpx.AsyncClient(transport=ASGITransport(app))``, the
real ASGI stack with no network, so status codes, headers and bodies are what
a client would see.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from graph.storage import GraphStore

ADMIN = "admin-secret-0123456789"
EDITOR = "editor-secret-0123456789"
READER = "reader-secret-0123456789"
KEYS = f"ada:admin:{ADMIN},eddie:editor:{EDITOR},rita:reader:{READER}"


class ApiClient:
    """Synchronous façade over httpx's ASGI transport; ``key`` is sent as a Bearer token."""

    def __init__(self, app: Any, key: str | None = EDITOR) -> None:
        self.app = app
        self.key = key

    def as_key(self, key: str | None) -> ApiClient:
        return ApiClient(self.app, key)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.key is not None:
            headers.setdefault("Authorization", f"Bearer {self.key}")

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.request(method, url, headers=headers, **kwargs)

        return asyncio.run(send())

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", url, **kw)

    def patch(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", url, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, **kw)


def make_client(store: GraphStore, **settings: Any) -> ApiClient:
    app = create_app(Settings(api_keys=KEYS, **settings), store=store)
    return ApiClient(app)


@pytest.fixture
def api(store: GraphStore) -> Iterator[ApiClient]:
    """The API over each backend, called with the editor key."""
    yield make_client(store)


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert "location" in body
    return body
