"""Query strings: a parameter given with an empty value (``?cursor=``) is a parameter
left out, on every route.

Forms, scripts and generated clients send ``name=`` for a field nobody filled in;
reading it as "not given" lets the route apply its default instead of refusing an
empty date, reference or cursor. Only the empty pairs are dropped; every other
pair reaches the route exactly as sent.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["EmptyQueryValuesMiddleware", "without_empty_values"]


def without_empty_values(query: bytes) -> bytes:
    """*query* without its ``name=`` (and bare ``name``) pairs, order kept."""
    return b"&".join(pair for pair in query.split(b"&") if pair.partition(b"=")[2])


class EmptyQueryValuesMiddleware:
    """Drop query parameters whose value is empty before any route reads them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            scope = dict(scope)
            scope["query_string"] = without_empty_values(scope["query_string"])
        await self.app(scope, receive, send)
