"""Cortex catalog descriptors (``cortex.yaml``) to a component, its owners and dependencies.

A Cortex entity is written as an OpenAPI 3 document whose ``info`` holds
``x-cortex-*`` keys (https://docs.cortex.io/); it describes a service, not
an API, so it is not read as an OpenAPI spec with no operations:

* ``x-cortex-tag`` (else ``info.title``) → ``component:<slug>``; ``title`` →
  name, ``description``; ``x-cortex-type`` service → service, resource →
  datastore, others → other;
* ``x-cortex-owners`` of type ``group`` → ``team:<slug of name>`` that
  ``OWNS`` the component (the first is the ``owner`` property); owners of
  other types (SLACK, EMAIL, user) are noted, not represented;
* ``x-cortex-dependency`` entries (``{tag, method?, path?}``) → ``DEPENDS_ON``
  (hard) the component of that tag;
* ``x-cortex-groups`` (a list, or a deprecated ``x-cortex-service-groups``
  scalar) → tags;
* a document with ``paths`` is also the component's API: it is described as
  OpenAPI and the component ``PROVIDES`` it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanners.documents import LineIndex
from scanners.openapi import describe_openapi
from scanners.resolve import Resolver
from scanners.result import ReadFile, ScanResult, parser
from scanners.specs import SpecContext, text_of
from schemas.edges import EdgeType
from schemas.refs import Kind, slugify

__all__ = ["SCANNER", "is_cortex", "parse", "scan_documents"]

SCANNER = "cortex"

_TYPES = {"service": "service", "resource": "datastore"}


def is_cortex(doc: Any) -> bool:
    """Whether a parsed document is a Cortex entity (``x-cortex-*`` keys in ``info``)."""
    if not isinstance(doc, dict):
        return False
    info = doc.get("info")
    return isinstance(info, dict) and any(str(k).startswith("x-cortex-") for k in info)


def _tags(info: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for key in ("x-cortex-groups", "x-cortex-service-groups"):
        value = info.get(key)
        for item in value if isinstance(value, list) else [value]:
            text = text_of(item)
            if text and text not in found:
                found.append(text)
    return found[:100]


def scan_documents(file: ReadFile, *, resolver: Resolver | None = None) -> ScanResult:
    """Scan one Cortex descriptor that has already been read."""
    b = file.builder(SCANNER)
    lines = LineIndex(file.text, file.docs)
    b.set_line_lookup(lines.lookup())
    if len(file.docs) != 1 or not is_cortex(file.docs[0]):
        b.error("cortex.not-cortex", "expected one Cortex entity (x-cortex-* keys in info)")
        return b.build()
    doc = file.docs[0]
    info: dict[str, Any] = doc["info"]
    tag = text_of(info.get("x-cortex-tag")) or text_of(info.get("title"))
    if tag is None:
        b.error("cortex.no-tag", "the entity has no x-cortex-tag and no title", pointer="/info")
        return b.build()
    slug = slugify(tag)
    kind = text_of(info.get("x-cortex-type")) or "service"
    fields: dict[str, Any] = {"type": _TYPES.get(kind.lower(), "other")}
    for key, value in (
        ("name", text_of(info.get("title"))),
        ("description", text_of(info.get("description"), 20_000)),
    ):
        if value:
            fields[key] = value
    tags = _tags(info)
    if tags:
        fields["tags"] = tags
    owners = info.get("x-cortex-owners")
    teams: list[str] = []
    for i, owner in enumerate(owners if isinstance(owners, list) else []):
        pointer = f"/info/x-cortex-owners/{i}"
        kind_of = str(owner.get("type", "")).lower() if isinstance(owner, dict) else ""
        name = text_of(owner.get("name")) if isinstance(owner, dict) else None
        if kind_of == "group" and name:
            teams.append(slugify(name))
        else:
            b.info(
                "cortex.owner",
                f"owner #{i + 1} of type {kind_of or '?'} is not a team; not represented",
                pointer=pointer,
            )
    if teams:
        fields["owner"] = teams[0]
    ref = b.element(Kind.COMPONENT, slug, fields, pointer="/info")
    if ref is None:
        return b.build()
    for team in dict.fromkeys(teams):
        b.edge(f"team:{team}", EdgeType.OWNS, ref, pointer="/info/x-cortex-owners")
    deps = info.get("x-cortex-dependency")
    for i, dep in enumerate(deps if isinstance(deps, list) else []):
        target = text_of(dep.get("tag")) if isinstance(dep, dict) else text_of(dep)
        pointer = f"/info/x-cortex-dependency/{i}"
        if target is None:
            b.warning("cortex.dependency", "a dependency without a tag; ignored", pointer=pointer)
            continue
        other = f"component:{slugify(target)}"
        if other == ref:
            b.warning("cortex.dependency", "the entity depends on itself; ignored", pointer=pointer)
            continue
        b.edge(ref, EdgeType.DEPENDS_ON, other, {"strength": "hard"}, pointer=pointer)
        b.count("dependencies")
    if isinstance(doc.get("paths"), dict) and doc["paths"]:
        ctx = SpecContext.create(b, doc, file=file.origin, resolver=resolver, lines=lines)
        api = describe_openapi(ctx, doc)
        if api is not None:
            b.add(api)
            b.edge(ref, EdgeType.PROVIDES, api.ref)
    return b.build()


parse = parser(SCANNER, scan_documents)
