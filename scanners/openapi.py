"""OpenAPI 2.0 (Swagger), 3.0 and 3.1 documents, JSON or YAML, to an API node.

The API node holds the title, version, servers, lifecycle, security schemes
and every operation (method, path, operationId, summary, tags,
``deprecated`` and the security requirements that apply to it). Webhooks
(3.1) become operations whose path is ``webhook:<name>``.

``$ref`` values are followed inside the file and into relative files of the
scanned tree; remote ones are reported and never fetched, and ones leaving
the tree are errors. Which component provides the API comes from the
``x-archgraph-component`` / ``x-archgraph-product`` extensions, or from a
manifest that lists the spec under ``provides`` (then the manifest asserts
the PROVIDES edge).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from scanners.documents import join_pointer
from scanners.result import parser, validation_message
from scanners.specs import (
    LONG,
    SpecContext,
    SpecFormat,
    api_slug_for,
    make_api,
    tag_names,
    text_of,
)
from schemas.elements import Api, ApiKind, Operation, SecurityScheme

__all__ = ["FORMAT", "SCANNER", "describe_openapi", "is_openapi", "parse", "scan_documents"]

SCANNER = "openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def is_openapi(doc: Any) -> bool:
    """Whether a parsed document is an OpenAPI or Swagger description."""
    return isinstance(doc, dict) and ("openapi" in doc or "swagger" in doc)


def describe_openapi(
    ctx: SpecContext, doc: Mapping[str, Any], *, api_slug: str | None = None
) -> Api | None:
    """The API an OpenAPI document describes (issues go to ``ctx.builder``)."""
    builder = ctx.builder
    swagger = str(doc.get("swagger", ""))
    openapi = str(doc.get("openapi", ""))
    if swagger and not swagger.startswith("2."):
        builder.error(
            "openapi.version", f"unsupported swagger version {swagger!r}", pointer=ctx.at("swagger")
        )
        return None
    if not swagger and not openapi.startswith("3."):
        builder.error(
            "openapi.version", f"unsupported openapi version {openapi!r}", pointer=ctx.at("openapi")
        )
        return None
    follow = ctx.follower
    info, _ = follow.mapping(doc.get("info"), ctx.file, ctx.at("info"))
    title = text_of(info.get("title"))
    version = text_of(info.get("version"))
    slug = api_slug or api_slug_for(ctx, doc, title, version)

    global_security = doc.get("security")
    operations: list[Operation] = []
    paths, paths_file = follow.mapping(doc.get("paths"), ctx.file, ctx.at("paths"))
    for path, item in paths.items():
        if isinstance(path, str) and path.startswith("x-"):
            continue
        pointer = ctx.at("paths", str(path))
        if not isinstance(path, str) or not path.startswith("/"):
            builder.warning(
                "openapi.path", f"path {path!r} does not start with '/'", pointer=pointer
            )
        operations += _operations(ctx, item, paths_file, pointer, str(path), global_security)
    webhooks, hooks_file = follow.mapping(doc.get("webhooks"), ctx.file, ctx.at("webhooks"))
    for name, item in webhooks.items():
        pointer = ctx.at("webhooks", str(name))
        operations += _operations(
            ctx, item, hooks_file, pointer, f"webhook:{name}", global_security
        )

    builder.count("operations", len(operations))
    builder.count("deprecated_operations", sum(op.deprecated for op in operations))
    schemes = _security_schemes(ctx, doc, bool(swagger))
    fields: dict[str, Any] = {
        "slug": slug,
        "type": ApiKind.OPENAPI,
        "servers": _servers(ctx, doc, bool(swagger)),
        "operations": operations,
        "security_schemes": schemes,
    }
    return make_api(
        ctx,
        doc,
        scanner=SCANNER,
        fields=fields,
        title=title,
        version=version,
        description=text_of(info.get("description"), LONG),
    )


def _operations(
    ctx: SpecContext,
    item: Any,
    file: str,
    pointer: str,
    path: str,
    global_security: Any,
) -> list[Operation]:
    follow = ctx.follower
    path_item, item_file = follow.mapping(item, file, pointer)
    found: list[Operation] = []
    for method in METHODS:
        if method not in path_item:
            continue
        op_pointer = join_pointer(pointer, method)
        op, _ = follow.mapping(path_item[method], item_file, op_pointer)
        security = op.get("security", global_security)
        fields: dict[str, Any] = {
            "method": method,
            "path": path,
            "deprecated": op.get("deprecated") is True,
        }
        for key, value in (
            ("operation_id", text_of(op.get("operationId"))),
            ("summary", text_of(op.get("summary"))),
            ("tags", tag_names(op.get("tags"))),
            ("security", _requirements(security)),
        ):
            if value:
                fields[key] = value
        try:
            found.append(Operation.model_validate(fields))
        except ValidationError as exc:
            ctx.builder.warning(
                "openapi.operation",
                f"{method.upper()} {path[:80]} skipped: {validation_message(exc)}",
                pointer=op_pointer,
            )
    return found


def _requirements(security: Any) -> list[str]:
    """``[{a: [], b: []}, {c: []}, {}]`` → ``["a+b", "c", "anonymous"]``."""
    names: list[str] = []
    for requirement in security if isinstance(security, list) else []:
        if not isinstance(requirement, dict):
            continue
        name = "+".join(sorted(str(k) for k in requirement)) or "anonymous"
        if name not in names:
            names.append(name[:512])
    return names


def _security_schemes(
    ctx: SpecContext, doc: Mapping[str, Any], swagger: bool
) -> list[SecurityScheme]:
    follow = ctx.follower
    if swagger:
        raw, where = follow.mapping(doc.get("securityDefinitions"), ctx.file)
    else:
        components, where = follow.mapping(doc.get("components"), ctx.file)
        raw, where = follow.mapping(components.get("securitySchemes"), where)
    schemes: list[SecurityScheme] = []
    for name, value in raw.items():
        scheme, _ = follow.mapping(value, where)
        kind = text_of(scheme.get("type")) or "unknown"
        detail = text_of(scheme.get("scheme"))
        if detail is None and kind == "apiKey":
            detail = text_of(f"{scheme.get('in', '?')}:{scheme.get('name', '?')}")
        elif detail is None and kind == "oauth2":
            flows = scheme.get("flows")
            detail = (
                text_of(",".join(sorted(map(str, flows))))
                if isinstance(flows, dict)
                else (text_of(scheme.get("flow")))
            )
        try:
            schemes.append(SecurityScheme(name=str(name)[:512], type=kind, scheme=detail))
        except ValidationError as exc:
            ctx.builder.warning(
                "openapi.security", f"security scheme {name!r} skipped: {validation_message(exc)}"
            )
    return schemes


def _servers(ctx: SpecContext, doc: Mapping[str, Any], swagger: bool) -> list[str]:
    urls: list[str] = []
    if swagger:
        host = text_of(doc.get("host")) or ""
        base = text_of(doc.get("basePath")) or ""
        raw_schemes = doc.get("schemes")
        schemes = raw_schemes if isinstance(raw_schemes, list) else ["https"]
        if host:
            urls = [f"{scheme}://{host}{base}" for scheme in schemes if isinstance(scheme, str)]
        elif base:
            urls = [base]
    else:
        servers = doc.get("servers")
        for server in servers if isinstance(servers, list) else []:
            value, _ = ctx.follower.mapping(server, ctx.file)
            url = text_of(value.get("url"))
            if url:
                urls.append(url)
    return list(dict.fromkeys(u for u in (text_of(u) for u in urls) if u))[:50]


FORMAT = SpecFormat(SCANNER, "OpenAPI", is_openapi, describe_openapi)
scan_documents = FORMAT.scan_documents
parse = parser(SCANNER, scan_documents)
