"""What the OpenAPI and AsyncAPI scanners share.

* :class:`SpecContext`: the builder, the ``$ref`` follower and the place of
  the spec inside its file (a spec can be inline in a Backstage entity).
* API identity: ``x-archgraph-api`` when present, otherwise the slug of the
  title, with ``-v<major>`` added for major versions 2 and up
  (``Payments API`` 2.3.0 → ``payments-api-v2``).
* The provider: ``x-archgraph-component`` / ``x-archgraph-product`` (at the
  top level or in ``info``).
* :class:`SpecSummary`: what a manifest needs to know about a spec it
  ``provides`` (the api ref, the channels it sends and receives).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from scanners.documents import LineIndex, RefList, join_pointer, refs_of
from scanners.resolve import REF_SEVERITY, RefFollower, Resolver
from scanners.result import (
    ReadFile,
    ResultBuilder,
    ScanResult,
    Severity,
    validation_message,
)
from schemas.edges import EdgeType
from schemas.elements import Api, ApiLifecycle
from schemas.refs import Kind, RefError, is_slug, parse_ref, slugify

__all__ = [
    "SpecContext",
    "SpecFormat",
    "SpecSummary",
    "api_slug_for",
    "extension",
    "link_provider",
    "make_api",
    "summarize_api",
    "text_of",
]

SHORT = 512
LONG = 20_000


def text_of(value: Any, limit: int = SHORT) -> str | None:
    """A string field as stored: stripped, cut to *limit*, None when empty or not text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value:
        return None
    text: str = value
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def tag_names(tags: Any) -> list[str]:
    """Tag names from ``["a", {"name": "b"}]`` forms, in order, without repeats."""
    names: list[str] = []
    for tag in tags if isinstance(tags, list) else []:
        name = text_of(tag.get("name") if isinstance(tag, dict) else tag)
        if name and name not in names:
            names.append(name)
    return names[:100]


@dataclass
class SpecContext:
    """One spec being scanned: where its issues go and how its refs are followed."""

    builder: ResultBuilder
    follower: RefFollower
    file: str
    pointer: str = ""
    """Where the spec document sits in *file* (``/spec/definition`` for inline specs)."""

    @classmethod
    def create(
        cls,
        builder: ResultBuilder,
        doc: Any,
        *,
        file: str,
        resolver: Resolver | None,
        pointer: str = "",
        lines: LineIndex | None = None,
        document: int = 0,
        refs: RefList | None = None,
    ) -> SpecContext:
        """*refs*: the ``$ref``s of *doc* found by the one YAML pass (else *doc* is walked)."""

        def report(code: str, message: str, where: str, ptr: str | None) -> None:
            severity = Severity(REF_SEVERITY.get(code, "warning"))
            full = pointer + (ptr or "") if where == file else ptr
            line = lines.line(full, document=document) if lines and where == file else None
            builder.issue(severity, code, message, pointer=full, file=where, line=line)

        follower = RefFollower(doc, file, resolver=resolver, report=report, refs=refs)
        return cls(builder, follower, file, pointer)

    def at(self, *tokens: str | int) -> str:
        """A pointer into the file for a place in the spec."""
        return join_pointer(self.pointer, *tokens)


def extension(doc: Mapping[str, Any], name: str) -> tuple[Any, str] | None:
    """The value of an ``x-`` extension at the top level or in ``info``, with its pointer."""
    if name in doc:
        return doc[name], "/" + name
    info = doc.get("info")
    if isinstance(info, dict) and name in info:
        return info[name], "/info/" + name
    return None


def _major(version: str | None) -> int | None:
    match = re.match(r"^v?(\d+)(?:\.|$)", version or "")
    return int(match.group(1)) if match else None


def api_slug_for(
    ctx: SpecContext, doc: Mapping[str, Any], title: str | None, version: str | None
) -> str:
    """The slug of the API a spec describes (see the module docstring)."""
    found = extension(doc, "x-archgraph-api")
    if found is not None:
        value, where = found
        slug = _slug_or_ref(value, Kind.API)
        if slug is not None:
            return slug
        ctx.builder.error(
            "spec.extension",
            f"x-archgraph-api must be a slug or api:slug, got {value!r}",
            pointer=ctx.pointer + where,
        )
    if title:
        slug = _tidy(slugify(title))
        major = _major(version)
        if major is not None and major >= 2 and not re.search(rf"(^|-)v{major}$", slug):
            slug = slugify(f"{slug}-v{major}")
        return slug
    fallback = slugify(re.sub(r"\.(ya?ml|json)$", "", ctx.file).replace("/", "-"))
    ctx.builder.warning(
        "spec.no-title",
        f"the spec has no info.title; its API is named {fallback}",
        pointer=ctx.at("info"),
    )
    return fallback


def _tidy(slug: str) -> str:
    """Collapse runs of separators that ``slugify`` leaves (``a---b`` → ``a-b``)."""
    return re.sub(r"[-._]*-[-._]*", "-", slug)


def _slug_or_ref(value: Any, kind: Kind) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    if ":" in value:
        try:
            found_kind, slug = parse_ref(value)
        except RefError:
            return None
        return slug if found_kind is kind else None
    return value if is_slug(value) else None


def lifecycle_of(ctx: SpecContext, doc: Mapping[str, Any]) -> dict[str, Any]:
    """``lifecycle`` and ``sunset_date`` from ``x-archgraph-lifecycle`` / ``-sunset``."""
    fields: dict[str, Any] = {}
    found = extension(doc, "x-archgraph-lifecycle")
    if found is not None:
        value, where = found
        if isinstance(value, str) and value in {lc.value for lc in ApiLifecycle}:
            fields["lifecycle"] = value
        else:
            allowed = ", ".join(lc.value for lc in ApiLifecycle)
            ctx.builder.error(
                "spec.extension",
                f"x-archgraph-lifecycle must be one of {allowed}, got {value!r}",
                pointer=ctx.pointer + where,
            )
    sunset = extension(doc, "x-archgraph-sunset")
    if sunset is not None:
        fields["sunset_date"] = str(sunset[0])
    return fields


def link_provider(
    ctx: SpecContext,
    doc: Mapping[str, Any],
    api_ref: str,
    *,
    provided: bool,
    sends: list[str] | None = None,
    application: str | None = None,
) -> None:
    """Add PROVIDES (and PART_OF, PUBLISHES) from the ``x-archgraph-*`` extensions.

    Without a component, when *provided* says a manifest of the same scan
    provides the spec, the manifest links it. Otherwise an event API
    (*application* is the title of the application it describes) gets that
    application as its component, ``component:<slug of the title>``, with a
    note; any other API stays on its own, with a warning.
    """
    builder = ctx.builder
    found = extension(doc, "x-archgraph-component")
    product = extension(doc, "x-archgraph-product")
    if found is None:
        if product is not None:
            builder.warning(
                "spec.no-component",
                "x-archgraph-product is ignored without x-archgraph-component",
                pointer=ctx.pointer + product[1],
            )
        if not provided and application:
            app_slug = _tidy(slugify(application))
            component = builder.element(Kind.COMPONENT, app_slug, {"name": application})
            if component is None:
                return
            builder.info(
                "spec.application",
                f"the application this document describes is {component} (from info.title); "
                "set x-archgraph-component or list the spec under 'provides' in a manifest "
                "to name another component",
                pointer=ctx.at("info"),
            )
            builder.edge(component, EdgeType.PROVIDES, api_ref)
            if sends:
                builder.edge(component, EdgeType.PUBLISHES, api_ref, {"channels": sends})
        elif not provided:
            builder.warning(
                "spec.no-provider",
                f"no component provides {api_ref}: add x-archgraph-component to the spec or "
                "list the spec under 'provides' in the component's archgraph.yaml",
                pointer=ctx.at("info"),
            )
        return
    value, where = found
    slug = _slug_or_ref(value, Kind.COMPONENT)
    if slug is None:
        builder.error(
            "spec.extension",
            f"x-archgraph-component must be a slug or component:slug, got {value!r}",
            pointer=ctx.pointer + where,
        )
        return
    component = f"component:{slug}"
    builder.edge(component, EdgeType.PROVIDES, api_ref, pointer=ctx.pointer + where)
    if sends:
        builder.edge(component, EdgeType.PUBLISHES, api_ref, {"channels": sends})
    if product is not None:
        product_slug = _slug_or_ref(product[0], Kind.PRODUCT)
        if product_slug is None:
            builder.error(
                "spec.extension",
                f"x-archgraph-product must be a slug or product:slug, got {product[0]!r}",
                pointer=ctx.pointer + product[1],
            )
        else:
            builder.edge(component, EdgeType.PART_OF, f"product:{product_slug}")


@dataclass(frozen=True, slots=True)
class SpecSummary:
    """What one spec yields, as other sources (manifests, catalogs) need to know it."""

    path: str
    api_ref: str
    api_type: str
    sends: tuple[str, ...] = ()
    receives: tuple[str, ...] = ()


SEND = "send"
RECEIVE = "receive"


def channels_by_action(operations: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    """Channels an event API's application sends to and receives from, in order."""
    sends: list[str] = []
    receives: list[str] = []
    for op in operations:
        target = (
            sends if op.get("method") == SEND else receives if op.get("method") == RECEIVE else None
        )
        path = op.get("path")
        if target is not None and isinstance(path, str) and path not in target:
            target.append(path)
    return sends, receives


def summarize_api(path: str, api: Api) -> SpecSummary:
    """The :class:`SpecSummary` of a scanned API."""
    ops = [{"method": op.method, "path": op.path} for op in api.operations]
    sends, receives = channels_by_action(ops)
    return SpecSummary(path, api.ref, api.type.value, tuple(sends), tuple(receives))


def make_api(
    ctx: SpecContext,
    doc: Mapping[str, Any],
    *,
    scanner: str,
    fields: dict[str, Any],
    title: str | None,
    version: str | None,
    description: str | None,
) -> Api | None:
    """The API node of a spec: *fields* plus the common ones every format has.

    Adds the spec path and lifecycle, sets name, version and description when
    the spec gives them, and reports a model error as ``<scanner>.invalid``.
    """
    fields = {**fields, "spec_path": text_of(ctx.file), **lifecycle_of(ctx, doc)}
    for key, value in (("name", title), ("version", version), ("description", description)):
        if value is not None:
            fields[key] = value
    try:
        return Api.model_validate(fields)
    except ValidationError as exc:
        slug = fields.get("slug")
        ctx.builder.error(
            f"{scanner}.invalid", f"API {slug}: {validation_message(exc)}", pointer=ctx.at("info")
        )
        return None


@dataclass(frozen=True)
class SpecFormat:
    """One API description format (OpenAPI, AsyncAPI): its scanner name, its
    label for messages, how to recognise a document and how to describe it.

    :meth:`scan_documents` is the format's entry point (its module's ``parse``
    wraps it with :func:`~scanners.result.parser`); both formats share this
    body, so they differ only in *accepts* and *describe*. *provided* says a
    manifest of the same scan provides the spec (so no "no provider" warning).
    """

    scanner: str
    label: str
    accepts: Callable[[Any], bool]
    describe: Callable[[SpecContext, Mapping[str, Any]], Api | None]
    describes_application: bool = False
    """Whether a document describes one application (AsyncAPI), which then
    becomes the API's component when nothing else names one."""

    def scan_documents(
        self,
        file: ReadFile,
        *,
        resolver: Resolver | None = None,
        provided: bool = False,
    ) -> ScanResult:
        """Scan one API spec that has already been read.

        Event APIs (operations ``send``/``receive``) also link their provider
        as publisher of the channels it sends to; what it receives is joined
        across documents by the directory scan (:mod:`scanners.events`).
        """
        scanner = self.scanner
        docs, origin = file.docs, file.origin
        builder = file.builder(scanner)
        lines = LineIndex(file.text, file.docs)
        builder.set_line_lookup(lines.lookup())
        if len(docs) != 1 or not self.accepts(docs[0]):
            builder.error(f"{scanner}.not-{scanner}", f"expected one {self.label} document")
            return builder.build()
        doc = docs[0]
        ctx = SpecContext.create(
            builder, doc, file=origin, resolver=resolver, lines=lines, refs=refs_of(docs)
        )
        api = self.describe(ctx, doc)
        if api is not None:
            builder.add(api)
            ops = [{"method": op.method, "path": op.path} for op in api.operations]
            sends, _ = channels_by_action(ops)
            link_provider(
                ctx,
                doc,
                api.ref,
                provided=provided,
                sends=sends,
                application=(api.name or api.slug) if self.describes_application else None,
            )
        builder.count("refs", ctx.follower.ref_count)
        return builder.build()
