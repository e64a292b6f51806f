"""Limits before work: a pure ASGI middleware in front of every route.

For each HTTP request, before the route reads a byte of the body:

1. the route is found and the role it needs is read from its key
   dependency (:func:`app.deps.required_role`); a request without a valid
   key (or, for reads, without one while anonymous reads are off) is refused
   with 401, a key whose role is too low with 403. So an anonymous 120 MB
   body is refused without being read, and malformed JSON without a key is
   401, not 422;
2. the body limit of the route applies: ``max_upload_bytes`` (32 MiB by
   default) for ``/scans``, a scan session's ``PUT .../files``, ``/import``
   and ``/adrs/import``,
   ``max_body_bytes`` (1 MiB) for every other route. A ``Content-Length``
   over the limit is refused at once with 413; otherwise the body is counted
   as it streams in, and the request is cut off with 413 at the first byte
   over the limit.

Every refusal is the usual JSON error body ``{code, message, location}``.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import KeyRing, Role
from app.deps import required_role, secret_from_headers
from schemas.errors import ArchgraphError

__all__ = ["LARGE_BODY_PATHS", "LimitsMiddleware", "RouteRole", "route_roles"]

LARGE_BODY_PATHS = frozenset({"/api/v1/scans", "/api/v1/import", "/api/v1/adrs/import"})
"""Routes whose body may reach ``max_upload_bytes``; all others get ``max_body_bytes``."""

LARGE_BODY_PATTERN = re.compile(r"/api/v1/scans/sessions/[^/]+/files")
"""Chunks of a scan session (``PUT .../files``) may reach ``max_upload_bytes`` too."""


class _BodyTooLarge(Exception):
    pass


class LimitsMiddleware:
    """Authenticate, then bound the body, before the application sees the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        application = scope["app"]
        settings = application.state.settings
        path: str = scope["path"]
        limit: int = (
            settings.max_upload_bytes
            if path.rstrip("/") in LARGE_BODY_PATHS
            or LARGE_BODY_PATTERN.fullmatch(path.rstrip("/"))
            else settings.max_body_bytes
        )
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            _authorize(application, scope, headers)
        except ArchgraphError as exc:
            await _send_error(send, exc.status, exc.code, exc.message, exc.location)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit, f"the body is {int(declared):,} bytes")
            return

        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the application's own answer to a cut body; ours goes out below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if exceeded and not started:
            await _too_large(send, limit, "the body")


def _authorize(application: Any, scope: Scope, headers: dict[str, str]) -> None:
    """Raise 401/403 unless the caller's key may use the route (no body is read)."""
    needed = _route_role(application, scope)
    if needed is None:
        return
    keys: KeyRing = application.state.keys
    secret = secret_from_headers(headers.get("authorization"), headers.get("x-api-key"))
    keys.authorize(secret, needed)


@dataclass(frozen=True)
class RouteRole:
    """A route's path pattern and methods, and the role its key dependency needs."""

    pattern: re.Pattern[str]
    methods: frozenset[str]
    role: Role


def route_roles(prefix: str, routers: Iterable[APIRouter]) -> list[RouteRole]:
    """The role each route of *routers* (included under *prefix*) needs, read from its deps."""
    table: list[RouteRole] = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            role = next(
                (
                    found
                    for dependency in route.dependant.dependencies
                    if (found := required_role(dependency.call)) is not None
                ),
                None,
            )
            if role is not None:
                pattern, _, _ = compile_path(prefix + route.path)
                table.append(RouteRole(pattern, frozenset(route.methods or ()), role))
    return table


def _route_role(application: Any, scope: Scope) -> Role | None:
    table: list[RouteRole] = getattr(application.state, "route_roles", [])
    path: str = scope["path"]
    method: str = scope["method"]
    for entry in table:
        if method in entry.methods and entry.pattern.match(path):
            return entry.role
    return None


async def _too_large(send: Send, limit: int, what: str) -> None:
    await _send_error(
        send,
        413,
        "payload_too_large",
        f"{what} exceeds this route's limit of {limit:,} bytes "
        "(ARCHGRAPH_MAX_UPLOAD_BYTES for /scans, scan session files, /import and /adrs/import; "
        "ARCHGRAPH_MAX_BODY_BYTES otherwise)",
        "body",
    )


async def _send_error(send: Send, status: int, code: str, message: str, location: Any) -> None:
    if location is not None and not isinstance(location, str):
        location = ".".join(str(part) for part in location)
    body = json.dumps({"code": code, "message": message, "location": location}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    if status == 413:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
