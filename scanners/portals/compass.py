"""Atlassian Compass ``compass.yml`` to a component, its owner and dependencies.

Compass keeps one config-as-code file per component
(https://developer.atlassian.com/cloud/compass/config-as-code/):

* ``name`` → ``component:<slug>`` and its name, ``description``;
* ``typeId`` (or ``type``) SERVICE/APPLICATION → service, LIBRARY → library,
  others → other; the Compass type is kept as tag ``compass-type:<v>``;
* ``ownerId`` (a team ARI) → ``team:<uuid>`` that ``OWNS`` the component;
* ``fields.tier`` → tag ``tier:<n>``; ``fields.lifecycle`` Pre-release /
  Active / Deprecated → experimental / active / deprecated;
* ``labels`` → tags; ``customFields[]`` → tags ``name:value``;
* ``relationships.DEPENDS_ON`` holds component ARIs: each becomes
  ``DEPENDS_ON`` (hard) the component another Compass file of the scan
  declares with that ``id`` (:func:`index_ids`); an ARI nobody declares is
  a ``compass.unresolved`` warning, never an element.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from scanners.documents import LineIndex
from scanners.resolve import Resolver
from scanners.result import ReadFile, ScanResult, parser
from scanners.specs import text_of
from schemas.edges import EdgeType
from schemas.refs import Kind, is_slug, slugify

__all__ = ["SCANNER", "index_ids", "is_compass", "looks_like_compass", "parse", "scan_documents"]

SCANNER = "compass"

_NAME_RE = re.compile(r"(?:^|[-_.])compass\.ya?ml$")
_ARI = "ari:cloud:compass:"
_TYPES = {"service": "service", "application": "service", "library": "library"}
_LIFECYCLES = {"pre-release": "experimental", "active": "active", "deprecated": "deprecated"}
_TEAM_RE = re.compile(r"team/([0-9a-fA-F-]{1,128})$")


def looks_like_compass(name: str) -> bool:
    """Whether a file called *name* may be a Compass file (``compass.yml``, ``x-compass.yaml``)."""
    return _NAME_RE.search(name.rsplit("/", 1)[-1].lower()) is not None


def is_compass(name: str, doc: Any) -> bool:
    """Whether a parsed document from a file called *name* is a Compass component."""
    if not looks_like_compass(name) or not isinstance(doc, dict) or "name" not in doc:
        return False
    ident = doc.get("id")
    return any(k in doc for k in ("configVersion", "typeId", "type")) or (
        isinstance(ident, str) and ident.startswith(_ARI)
    )


def index_ids(files: Iterable[ReadFile]) -> dict[str, str]:
    """Component ARI → component slug, over every Compass file of a scan."""
    found: dict[str, str] = {}
    for file in files:
        for doc in file.docs[:1] if len(file.docs) == 1 else []:
            if not is_compass(file.origin, doc):
                continue
            ident, name = text_of(doc.get("id")), text_of(doc.get("name"))
            if ident and name and slugify(name):
                found.setdefault(ident, slugify(name))
    return found


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _tags(doc: Mapping[str, Any], kind: str) -> list[str]:
    tags: list[str] = []
    if kind.lower() not in ("service", "library"):
        tags.append(f"compass-type:{kind}")
    fields = doc.get("fields") if isinstance(doc.get("fields"), dict) else {}
    tier = text_of(fields.get("tier")) if fields else None
    if tier:
        tags.append(f"tier:{tier}")
    tags += [t for t in (text_of(label) for label in _list(doc.get("labels"))) if t]
    for custom in _list(doc.get("customFields")):
        if not isinstance(custom, dict):
            continue
        name, value = text_of(custom.get("name")), custom.get("value")
        shown = str(value).lower() if isinstance(value, bool) else text_of(value)
        if name and shown:
            tags.append(f"{name}:{shown}")
    return list(dict.fromkeys(tags))[:100]


def scan_documents(
    file: ReadFile, *, resolver: Resolver | None = None, index: Mapping[str, str] | None = None
) -> ScanResult:
    """Scan one Compass file; *index* maps component ARIs of the scan to slugs."""
    del resolver  # a Compass file refers to no other file by path
    b = file.builder(SCANNER)
    b.set_line_lookup(LineIndex(file.text, file.docs).lookup())
    if len(file.docs) != 1 or not is_compass(file.origin, file.docs[0]):
        b.error("compass.not-compass", "expected one Compass component (name, typeId, id)")
        return b.build()
    doc: dict[str, Any] = file.docs[0]
    name = text_of(doc.get("name"))
    if name is None or not slugify(name):
        b.error("compass.no-name", "the component has no name", pointer="/name")
        return b.build()
    slug = slugify(name)
    kind = text_of(doc.get("typeId")) or text_of(doc.get("type")) or "OTHER"
    fields: dict[str, Any] = {"type": _TYPES.get(kind.lower(), "other"), "name": name}
    description = text_of(doc.get("description"), 20_000)
    if description:
        fields["description"] = description
    extra = doc.get("fields") if isinstance(doc.get("fields"), dict) else {}
    lifecycle = text_of(extra.get("lifecycle")) if extra else None
    if lifecycle and lifecycle.lower() in _LIFECYCLES:
        fields["lifecycle"] = _LIFECYCLES[lifecycle.lower()]
    elif lifecycle:
        b.info(
            "compass.lifecycle",
            f"lifecycle {lifecycle!r} has no archgraph match",
            pointer="/fields/lifecycle",
        )
    tags = _tags(doc, kind)
    if tags:
        fields["tags"] = tags
    owner = _TEAM_RE.search(text_of(doc.get("ownerId")) or "")
    if owner and is_slug(owner.group(1).lower()):
        fields["owner"] = owner.group(1).lower()
    elif doc.get("ownerId") is not None:
        b.info("compass.owner", "ownerId is not a team ARI; not represented", pointer="/ownerId")
    ref = b.element(Kind.COMPONENT, slug, fields, pointer="/name")
    if ref is None:
        return b.build()
    if "owner" in fields:
        b.edge(f"team:{fields['owner']}", EdgeType.OWNS, ref, pointer="/ownerId")
    own_id = text_of(doc.get("id"))
    known = dict(index or {})
    if own_id:
        known.setdefault(own_id, slug)
    relationships = doc.get("relationships")
    deps = relationships.get("DEPENDS_ON") if isinstance(relationships, dict) else None
    for i, dep in enumerate(_list(deps)):
        pointer = f"/relationships/DEPENDS_ON/{i}"
        target = text_of(dep)
        if target is None:
            b.warning("compass.dependency", "a dependency that is not an ARI", pointer=pointer)
            continue
        if target not in known:
            b.warning(
                "compass.unresolved",
                f"depends on {target}, which no Compass file of this scan declares; ignored",
                pointer=pointer,
            )
            continue
        other = f"component:{known[target]}"
        if other == ref:
            b.warning("compass.dependency", "the component depends on itself", pointer=pointer)
            continue
        b.edge(ref, EdgeType.DEPENDS_ON, other, {"strength": "hard"}, pointer=pointer)
        b.count("dependencies")
    return b.build()


parse = parser(SCANNER, scan_documents)
