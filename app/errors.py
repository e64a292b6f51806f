"""Every failure leaves as JSON: ``{"code", "message", "location"}`` (plus ``details``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.multipart_limits import too_many_parts
from schemas.errors import ArchgraphError

log = logging.getLogger("archgraph")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    503: "store_unavailable",
}


_FASTAPI_BODY_ERROR = "There was an error parsing the body"


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_TEMPLATE_PARAMETER = re.compile(r"\{[^}/]+\}")


def _template_regex(template: str) -> re.Pattern[str]:
    """``/adrs/{number}.md`` -> a regex matching the paths it names."""
    literals = _TEMPLATE_PARAMETER.split(template)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in literals) + "$")


def _documented_paths(app: FastAPI) -> list[tuple[re.Pattern[str], list[str]]]:
    """The OpenAPI document's path templates, the most specific first (fewer parameters,
    then more literal text: ``/adrs/conflicts`` before ``/adrs/{number}``, as OpenAPI
    matches them), each with the methods it documents."""
    cached: list[tuple[re.Pattern[str], list[str]]] | None = getattr(
        app.state, "documented_paths", None
    )
    if cached is None:
        paths: dict[str, dict[str, Any]] = app.openapi().get("paths", {})

        def specificity(template: str) -> tuple[int, int]:
            return template.count("{"), -len(_TEMPLATE_PARAMETER.sub("", template))

        cached = [
            (_template_regex(t), sorted(m.upper() for m in paths[t]))
            for t in sorted(paths, key=specificity)
        ]
        app.state.documented_paths = cached
    return cached


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """What a 405's ``Allow`` lists: the methods the OpenAPI document gives the path
    template *path* matches (``/adrs/conflicts`` is its own path, not an ADR number);
    for a path the document leaves out, every method some route answers on it."""
    for pattern, methods in _documented_paths(app):
        if pattern.match(path):
            return methods
    allowed = []
    for method in _METHODS:
        scope = {"type": "http", "path": path, "method": method, "root_path": "", "app": app}
        if any(route.matches(scope)[0] == Match.FULL for route in app.routes):
            allowed.append(method)
    return allowed


def error_body(
    code: str, message: str, location: Any = None, details: Any = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "location": location}
    if details is not None:
        body["details"] = details
    return body


def _dotted(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ArchgraphError)
    async def archgraph_error(request: Request, exc: ArchgraphError) -> JSONResponse:
        location = exc.location
        if location is not None and not isinstance(location, str):
            location = _dotted(location)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if exc.status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc.message)
        return JSONResponse(
            error_body(exc.code, exc.message, location, exc.details),
            status_code=exc.status,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        details = [
            {
                "location": _dotted(e.get("loc", ())),
                "message": e.get("msg", ""),
                "type": e.get("type"),
            }
            for e in errors
        ]
        first: dict[str, Any] = details[0] if details else {"location": None, "message": "invalid"}
        message = (
            f"{first['location']}: {first['message']}" if first["location"] else first["message"]
        )
        if len(details) > 1:
            message += f" (and {len(details) - 1} more)"
        return JSONResponse(
            error_body("validation_error", message, first["location"], details), status_code=422
        )

    @app.exception_handler(ValidationError)
    async def model_error(request: Request, exc: ValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = _dotted(first.get("loc", ()))
        return JSONResponse(
            error_body("validation_error", f"{where}: {first.get('msg')}", where), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = str(exc.detail)
        if exc.status_code == 400 and (too_many := too_many_parts(message)) is not None:
            return await archgraph_error(request, too_many)
        location = request.url.path if exc.status_code in (404, 405) else None
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
        if exc.status_code == 400 and message == _FASTAPI_BODY_ERROR:
            code, message, location = "malformed_body", "the body is not UTF-8 JSON", "body"
        return JSONResponse(
            error_body(code, message, location),
            status_code=exc.status_code,
            headers=headers or None,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body(
                "internal_error",
                "an unexpected error happened; see the server log",
                request.url.path,
            ),
            status_code=500,
        )
