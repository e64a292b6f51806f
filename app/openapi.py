"""The OpenAPI document, finished in one place so it is the contract the service keeps.

FastAPI generates the document from the routes; :func:`install_openapi`
replaces ``app.openapi`` with a function that generates it once and then:

* declares the API-key security scheme (``Authorization: Bearer <key>`` or
  ``X-API-Key: <key>``, read by :func:`app.deps.secret_from_headers`) and
  applies it to each operation whose route needs a role
  (``app.state.route_roles``, the table the limits middleware checks keys with),
  saying in the description which role;
* documents the statuses each operation can answer with the error body
  ``{code, message, location, details?}`` (schema ``Error``): 401 and 403 where
  a key is needed, 400 and 413 where a body is read, 422 where anything is
  validated, 404 where the path, a query parameter (:data:`_NAMING_PARAMETERS`)
  or the body (:data:`_NAMING_BODIES`) names something, 409 for writes, 503
  wherever the store is asked; routes add their own with ``responses=``;
* gives every operation a summary and a description, and every parameter a
  description (from :data:`PARAMETER_DESCRIPTIONS` when the route has none);
* marks every optional query parameter ``allowEmptyValue``: an empty value is
  the parameter left out (:mod:`app.query`);
* moves any ``$defs`` left inside a schema into ``components/schemas`` so every
  ``$ref`` resolves (:func:`broken_refs` lists any that do not).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.auth import Role
from app.limits import RouteRole

__all__ = ["ERROR_SCHEMA", "PARAMETER_DESCRIPTIONS", "broken_refs", "install_openapi"]

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "Every failure: a stable code, a human message and where the problem is.",
    "properties": {
        "code": {"type": "string", "description": "stable machine-readable code"},
        "message": {"type": "string", "description": "what went wrong, for people"},
        "location": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "where: body.field, query.name, header.authorization, a file ...",
        },
        "details": {"description": "more about the failure (validation errors, a scan report)"},
    },
    "required": ["code", "message", "location"],
}

_ERROR_REF = {"$ref": "#/components/schemas/Error"}

_STATUS_TEXT = {
    "400": "The body is malformed: not UTF-8 JSON, or a broken multipart body",
    "401": "No API key, or one that is not valid",
    "403": "The API key's role is too low for this operation",
    "404": "What the request names does not exist",
    "409": "It already exists, or a concurrent change got there first",
    "413": "The body is over this route's limit in bytes, or a multipart body in parts",
    "422": "The request is well-formed but its content is not acceptable",
    "503": "The graph store cannot be reached",
}

SECURITY_SCHEMES: dict[str, Any] = {
    "bearerKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key sent as 'Authorization: Bearer <key>'",
    },
    "apiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An API key sent as 'X-API-Key: <key>'",
    },
}

PARAMETER_DESCRIPTIONS: dict[str, str] = {
    "limit": "at most this many items in the answer",
    "offset": "skip this many items first",
    "cursor": "next_cursor of the previous page",
    "number": "the ADR's number (e.g. 7 or ADR-0007)",
    "month": "the month, YYYY-MM",
    "format": "the answer's format",
    "direction": "follow edges out of the element, into it, or both",
    "depth": "how many hops to walk",
    "from": "the edge's start, kind:slug",
    "to": "the edge's end, kind:slug",
    "type": "the edge type",
    "status": "only ADRs in these statuses (repeat the parameter)",
    "element": "only what affects this element, kind:slug",
    "product": "a product, kind:slug (product:checkout)",
    "tag": "only ADRs with this tag",
    "since": "on or after this date or instant",
    "until": "on or before this date or instant",
    "min_confidence": "only matches at least this confident (0 to 1)",
    "min_products": "only components used by at least this many products",
    "as_of": "the graph as it was at this instant or graph version",
    "view": "which diagram: the portfolio map, one element's focus, or a change's impact",
    "change": "the kind of change, for the impact view",
}

_WRITE_METHODS = {"post", "put", "patch", "delete"}
_READ_ONLY_POSTS = {"/api/v1/impact", "/api/v1/impact/compare"}
_NO_STORE_PATHS = {"/healthz"}
_NAMING_PARAMETERS = {"product", "focus", "element", "from", "to"}
"""Query parameters that name elements: an unknown one answers 404."""
_NAMING_BODIES = {"/api/v1/impact", "/api/v1/impact/compare", "/api/v1/edges"}
"""Operations whose body names elements or an edge: an unknown one answers 404."""


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the finished document (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            finish(document, app)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def finish(document: dict[str, Any], app: FastAPI) -> None:
    """Add security, error statuses, descriptions; hoist ``$defs``. Changes *document*."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    _hoist_defs(document, schemas)
    schemas["Error"] = ERROR_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = SECURITY_SCHEMES
    anonymous_read = bool(getattr(app.state, "keys", None) and app.state.keys.anonymous_read)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            role = _role(app, path, method.upper())
            _summarise(operation)
            _finish_operation(path, method, operation, role, anonymous_read=anonymous_read)


def _role(app: FastAPI, path: str, method: str) -> Role | None:
    """The role the limits middleware asks of *method* on the path template *path*."""
    table: list[RouteRole] = getattr(app.state, "route_roles", [])
    for entry in table:  # "{slug}" matches the entry's "[^/]+" like a concrete slug would
        if method in entry.methods and entry.pattern.match(path):
            return entry.role
    return None


def _summarise(operation: dict[str, Any]) -> None:
    """Replace a summary FastAPI made from the function's name with the docstring's first line."""
    summary = str(operation.get("summary", ""))
    generated = summary.lower().replace(" ", "_") + "_"
    description = str(operation.get("description", "")).strip()
    if description and str(operation.get("operationId", "")).startswith(generated):
        operation["summary"] = description.splitlines()[0].rstrip(".")


def _finish_operation(
    path: str, method: str, operation: dict[str, Any], role: Role | None, *, anonymous_read: bool
) -> None:
    description = operation.get("description") or operation.get("summary", "")
    if role is not None:
        name = role.name.lower()
        needs = f"Needs an API key with role {name} or higher (Bearer or X-API-Key)."
        if role == Role.READER and anonymous_read:
            needs = "Anonymous reads are on: a key is optional."
        description = f"{description}\n\n{needs}".strip()
        operation["security"] = [{"bearerKey": []}, {"apiKeyHeader": []}]
        if role == Role.READER and anonymous_read:
            operation["security"].append({})
    operation["description"] = description
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and not parameter.get("required"):
            parameter["allowEmptyValue"] = True  # "?name=" is "name" left out (app/query.py)
        if not parameter.get("description"):
            text = PARAMETER_DESCRIPTIONS.get(parameter["name"])
            if text is None:
                raise ValueError(f"{method.upper()} {path}: parameter {parameter['name']!r}")
            parameter["description"] = text
    for status in _statuses(path, method, operation, role):
        responses = operation.setdefault("responses", {})
        entry = responses.setdefault(status, {"description": _STATUS_TEXT[status]})
        if entry.get("description", "").startswith("Validation Error"):
            entry["description"] = _STATUS_TEXT[status]
        entry["content"] = {"application/json": {"schema": _ERROR_REF}}


def _statuses(
    path: str, method: str, operation: dict[str, Any], role: Role | None
) -> Iterator[str]:
    """The error statuses this operation can answer, besides those declared by the route."""
    yield from (status for status in operation.get("responses", {}) if status in _STATUS_TEXT)
    if role is not None:
        yield from ("401", "403")
    body = operation.get("requestBody")
    if body is not None:
        yield from ("400", "413")
    if body is not None or operation.get("parameters"):
        yield "422"
    names = {parameter["name"] for parameter in operation.get("parameters", [])}
    if "{" in path or names & _NAMING_PARAMETERS or (body is not None and path in _NAMING_BODIES):
        yield "404"
    if method in _WRITE_METHODS and path not in _READ_ONLY_POSTS and path.startswith("/api/"):
        yield "409"
    if path not in _NO_STORE_PATHS:
        yield "503"


def _hoist_defs(node: Any, schemas: dict[str, Any]) -> None:
    """Move nested ``$defs`` into ``components/schemas`` and point their ``$ref``s there."""
    if isinstance(node, dict):
        nested = node.pop("$defs", None)
        if isinstance(nested, dict):
            for name, schema in nested.items():
                schemas.setdefault(name, schema)
                _hoist_defs(schema, schemas)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            node["$ref"] = "#/components/schemas/" + ref.removeprefix("#/$defs/")
        for value in node.values():
            _hoist_defs(value, schemas)
    elif isinstance(node, list):
        for item in node:
            _hoist_defs(item, schemas)


def broken_refs(document: dict[str, Any]) -> list[str]:
    """Every ``$ref`` in *document* that does not resolve inside it."""
    broken: list[str] = []

    def resolves(ref: str) -> bool:
        if not ref.startswith("#/"):
            return False
        node: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not resolves(ref):
                broken.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return broken
