"""AsyncAPI 2.x and 3.x documents to an API node of type ``asyncapi``.

An AsyncAPI document describes one application. Its operations become the
API's operations, with the channel (its address, or its name when it has
none) as the path and the direction, seen from that application, as the
method:

* ``send``: the application publishes to the channel. In 3.x that is
  ``action: send``; in 2.x it is a channel's ``subscribe`` operation (2.x
  names operations after what *other* applications do).
* ``receive``: the application consumes from the channel: 3.x
  ``action: receive``, 2.x ``publish``.

The component that provides the API (``x-archgraph-component``, a
manifest's ``provides``, else the application named by ``info.title``) gets
PUBLISHES to it with the channels it sends to. What it receives is recorded
as :class:`~scanners.result.ChannelUse` (address and servers) and joined to
the documents that send on the same channel by :mod:`scanners.events`: a
provider never subscribes to its own API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from scanners.documents import split_pointer
from scanners.result import ChannelUse, parser, validation_message
from scanners.specs import (
    LONG,
    RECEIVE,
    SEND,
    SpecContext,
    SpecFormat,
    api_slug_for,
    make_api,
    tag_names,
    text_of,
)
from schemas.elements import Api, ApiKind, Operation, SecurityScheme

__all__ = [
    "FORMAT",
    "SCANNER",
    "describe_asyncapi",
    "is_asyncapi",
    "normalise_server",
    "parse",
    "scan_documents",
]

SCANNER = "asyncapi"

#: 2.x operation keyword -> what the described application does
_V2_ACTIONS = {"subscribe": SEND, "publish": RECEIVE}


def is_asyncapi(doc: Any) -> bool:
    """Whether a parsed document is an AsyncAPI description."""
    return isinstance(doc, dict) and "asyncapi" in doc


def describe_asyncapi(
    ctx: SpecContext, doc: Mapping[str, Any], *, api_slug: str | None = None
) -> Api | None:
    """The API an AsyncAPI document describes (issues go to ``ctx.builder``)."""
    builder = ctx.builder
    version = str(doc.get("asyncapi", ""))
    major = version.split(".", 1)[0]
    if major not in ("2", "3"):
        builder.error(
            "asyncapi.version",
            f"unsupported asyncapi version {version!r}",
            pointer=ctx.at("asyncapi"),
        )
        return None
    follow = ctx.follower
    info, _ = follow.mapping(doc.get("info"), ctx.file, ctx.at("info"))
    title = text_of(info.get("title"))
    api_version = text_of(info.get("version"))
    slug = api_slug or api_slug_for(ctx, doc, title, api_version)

    servers = _server_urls(ctx, doc)
    raw_ops = _operations_v2(ctx, doc) if major == "2" else _operations_v3(ctx, doc)
    operations: list[Operation] = []
    uses: list[tuple[str, str, tuple[str, ...]]] = []
    for pointer, op_fields, channel in raw_ops:
        try:
            operations.append(Operation.model_validate(op_fields))
            on = _channel_servers(ctx, channel, servers)
            uses.append((op_fields["method"], op_fields["path"], on))
        except ValidationError as exc:
            builder.warning(
                "asyncapi.operation",
                f"operation skipped: {validation_message(exc)}",
                pointer=pointer,
            )
    channels = {op.path for op in operations}
    builder.count("operations", len(operations))
    builder.count("channels", len(channels))
    builder.count("channels_declared", len(_mapping(ctx, doc.get("channels"))))

    fields: dict[str, Any] = {
        "slug": slug,
        "type": ApiKind.ASYNCAPI,
        "servers": list(dict.fromkeys(servers.values()))[:50],
        "operations": operations,
        "security_schemes": _security_schemes(ctx, doc),
    }
    api = make_api(
        ctx,
        doc,
        scanner=SCANNER,
        fields=fields,
        title=title,
        version=api_version,
        description=text_of(info.get("description"), LONG),
    )
    if api is not None:
        builder.channels.extend(ChannelUse(api.ref, *use) for use in uses)
    return api


def _mapping(ctx: SpecContext, value: Any) -> dict[Any, Any]:
    return ctx.follower.mapping(value, ctx.file)[0]


def _common(op: Mapping[str, Any], operation_id: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "deprecated": op.get("deprecated") is True or op.get("x-deprecated") is True
    }
    for key, value in (
        ("operation_id", operation_id),
        ("summary", text_of(op.get("summary"))),
        ("tags", tag_names(op.get("tags"))),
    ):
        if value:
            fields[key] = value
    return fields


RawOperation = tuple[str, dict[str, Any], Mapping[str, Any]]
"""(pointer, operation fields, the channel it is on)."""


def _operations_v2(ctx: SpecContext, doc: Mapping[str, Any]) -> list[RawOperation]:
    found: list[RawOperation] = []
    for name, item in _mapping(ctx, doc.get("channels")).items():
        channel, where = ctx.follower.mapping(item, ctx.file, ctx.at("channels", str(name)))
        for keyword, action in _V2_ACTIONS.items():
            if keyword not in channel:
                continue
            pointer = ctx.at("channels", str(name), keyword)
            op, _ = ctx.follower.mapping(channel[keyword], where, pointer)
            fields = {
                "method": action,
                "path": str(name),
                **_common(op, text_of(op.get("operationId"))),
            }
            security = _requirement_names(ctx, op.get("security"))
            if security:
                fields["security"] = security
            found.append((pointer, fields, channel))
    return found


def _operations_v3(ctx: SpecContext, doc: Mapping[str, Any]) -> list[RawOperation]:
    found: list[RawOperation] = []
    for op_id, value in _mapping(ctx, doc.get("operations")).items():
        pointer = ctx.at("operations", str(op_id))
        op, where = ctx.follower.mapping(value, ctx.file, pointer)
        action = op.get("action")
        if action not in (SEND, RECEIVE):
            ctx.builder.warning(
                "asyncapi.action",
                f"operation {op_id!r} has action {action!r}, not send or receive",
                pointer=pointer + "/action",
            )
            continue
        found_channel = _channel_address(ctx, op.get("channel"), where, pointer + "/channel")
        if found_channel is None:
            continue
        address, channel = found_channel
        fields = {"method": action, "path": address, **_common(op, text_of(str(op_id)))}
        security = _requirement_names(ctx, op.get("security"))
        if security:
            fields["security"] = security
        found.append((pointer, fields, channel))
    return found


def _channel_address(
    ctx: SpecContext, value: Any, file: str, pointer: str
) -> tuple[str, Mapping[str, Any]] | None:
    """The address of a 3.x channel (its key in ``channels`` when the address is null),
    and the channel."""
    ref = value.get("$ref") if isinstance(value, dict) else None
    channel, _ = ctx.follower.deref(value, file, pointer)
    if not isinstance(channel, dict):
        ctx.builder.warning(
            "asyncapi.channel", "operation has no resolvable channel", pointer=pointer
        )
        return None
    address = text_of(channel.get("address"), 2048)
    if address:
        return address, channel
    if isinstance(ref, str):
        tokens = split_pointer(ref.partition("#")[2]) if "#" in ref else []
        if tokens:
            return tokens[-1], channel
    return None


def _requirement_names(ctx: SpecContext, security: Any) -> list[str]:
    """Names of the security schemes an operation requires (2.x maps, 3.x scheme refs)."""
    names: list[str] = []
    for item in security if isinstance(security, list) else []:
        if isinstance(item, dict) and isinstance(item.get("$ref"), str):
            name = item["$ref"].rsplit("/", 1)[-1]
        elif isinstance(item, dict) and "type" in item:
            name = str(item.get("type"))
        elif isinstance(item, dict):
            name = "+".join(sorted(str(k) for k in item)) or "anonymous"
        else:
            continue
        if name and name not in names:
            names.append(name[:512])
    return names


def _server_urls(ctx: SpecContext, doc: Mapping[str, Any]) -> dict[str, str]:
    """Each server's name and its URL, ``protocol://host/path`` (sorted by name)."""
    urls: dict[str, str] = {}
    for name, value in sorted(_mapping(ctx, doc.get("servers")).items(), key=lambda kv: str(kv[0])):
        server, _ = ctx.follower.mapping(value, ctx.file)
        protocol = text_of(server.get("protocol"))
        url = text_of(server.get("url")) or text_of(
            f"{server.get('host', '')}{server.get('pathname', '') or ''}"
        )
        if not url:
            continue
        if protocol and "://" not in url:
            url = f"{protocol}://{url}"
        text = text_of(url)
        if text and len(urls) < 200:
            urls[str(name)] = text
    return urls


def _channel_servers(
    ctx: SpecContext, channel: Mapping[str, Any], servers: Mapping[str, str]
) -> tuple[str, ...]:
    """The normalised URLs of the servers a channel is on: the ones it lists
    (3.x ``$ref: '#/servers/x'``, 2.x names), else every server of the document."""
    listed = channel.get("servers")
    names: list[str] = []
    for item in listed if isinstance(listed, list) else []:
        ref = item.get("$ref") if isinstance(item, dict) else item
        if isinstance(ref, str):
            names.append(ref.rsplit("/", 1)[-1] if ref.startswith("#") else ref)
    urls = [servers[n] for n in names if n in servers] if names else list(servers.values())
    return tuple(sorted({normalise_server(u) for u in urls}))


def normalise_server(url: str) -> str:
    """A server URL as channels are joined on: lower case, no trailing slash."""
    return url.strip().rstrip("/").lower()


def _security_schemes(ctx: SpecContext, doc: Mapping[str, Any]) -> list[SecurityScheme]:
    components = _mapping(ctx, doc.get("components"))
    schemes: list[SecurityScheme] = []
    for name, value in ctx.follower.mapping(components.get("securitySchemes"), ctx.file)[0].items():
        scheme, _ = ctx.follower.mapping(value, ctx.file)
        try:
            schemes.append(
                SecurityScheme(
                    name=str(name)[:512],
                    type=text_of(scheme.get("type")) or "unknown",
                    scheme=text_of(scheme.get("scheme")),
                )
            )
        except ValidationError as exc:
            ctx.builder.warning(
                "asyncapi.security", f"security scheme {name!r} skipped: {validation_message(exc)}"
            )
    return schemes


FORMAT = SpecFormat(SCANNER, "AsyncAPI", is_asyncapi, describe_asyncapi, describes_application=True)
scan_documents = FORMAT.scan_documents
parse = parser(SCANNER, scan_documents)
