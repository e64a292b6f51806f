"""Port (port-labs) entities to components, teams and their relations.

A Port entity has an ``identifier``, a ``blueprint`` (its type, defined by
the organisation), a ``title``, ``properties``, ``team`` and ``relations``
(name → target identifier or list of them). Service-like blueprints become
components, team/group blueprints teams; others are noted. Relations are
read by name (``dependsOn*`` → ``DEPENDS_ON`` hard, ``owningGroup`` → owner,
``providesApis``/``consumesApis``, ``subcomponentOf``). Blueprint definitions
and integration mappings describe types, not elements: each is a warning
naming it. The table is in ``docs/scanners.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scanners.documents import LineIndex
from scanners.resolve import Resolver
from scanners.result import ReadFile, ResultBuilder, ScanResult, parser
from scanners.specs import text_of
from schemas.edges import EdgeType
from schemas.refs import Kind, slugify

__all__ = ["SCANNER", "looks_like_port", "parse", "port_shape", "scan_documents"]

SCANNER = "port"

ENTITIES, BLUEPRINTS, MAPPING = "entities", "blueprints", "mapping"

_COMPONENT_BLUEPRINTS = frozenset(
    {"service", "microservice", "component", "app", "application", "workload", "backend"}
)
_FRONTEND_BLUEPRINTS = frozenset({"frontend", "website"})
_TEAM_BLUEPRINTS = frozenset({"team", "group"})
_LIFECYCLES = {
    "experimental": "experimental",
    "alpha": "experimental",
    "beta": "experimental",
    "development": "experimental",
    "production": "active",
    "active": "active",
    "ga": "active",
    "deprecated": "deprecated",
    "retired": "retired",
}
_OWNER_RELATIONS = frozenset({"owninggroup", "owningteam", "owner", "team", "group"})
_DEPENDS_RE = re.compile(r"^(?:depends_?on.*|dependencies)$")
_KEY = r"""(?:^[ \t{\[,-]*|[{\[,][ \t]*)["']?KEY["']?[ \t]*:"""
_IDENTIFIER_RE = re.compile(_KEY.replace("KEY", "identifier"), re.MULTILINE)
_BLUEPRINT_RE = re.compile(_KEY.replace("KEY", "blueprint"), re.MULTILINE)
_SCHEMA_RE = re.compile(_KEY.replace("KEY", "schema"), re.MULTILINE)
_MAPPINGS_RE = re.compile(_KEY.replace("KEY", "mappings"), re.MULTILINE)
_ENTITY_RE = re.compile(_KEY.replace("KEY", "entity"), re.MULTILINE)


def looks_like_port(text: str) -> bool:
    """Whether raw text may hold Port entities, blueprints or an integration mapping."""
    head = text[:65536]
    if _IDENTIFIER_RE.search(head):
        return bool(_BLUEPRINT_RE.search(head) or _SCHEMA_RE.search(head))
    return bool(_ENTITY_RE.search(head) and _MAPPINGS_RE.search(head))


def _items(doc: Any) -> list[Any]:
    return doc if isinstance(doc, list) else [doc]


def _is_blueprint(item: Any) -> bool:
    schema = item.get("schema") if isinstance(item, dict) else None
    return (
        isinstance(item.get("identifier") if isinstance(item, dict) else None, str)
        and isinstance(schema, dict)
        and isinstance(schema.get("properties"), dict)
    )


def port_shape(docs: list[Any]) -> str | None:
    """Which Port file parsed *docs* are (entities, blueprints, mapping), or None."""
    if len(docs) != 1 or not isinstance(docs[0], (dict, list)) or not docs[0]:
        return None
    items = _items(docs[0])
    if all(isinstance(i, dict) and isinstance(i.get("blueprint"), str) for i in items):
        return ENTITIES
    if all(_is_blueprint(i) for i in items):
        return BLUEPRINTS
    resources = docs[0].get("resources") if isinstance(docs[0], dict) else None
    if isinstance(resources, list) and any(
        isinstance(r, dict)
        and isinstance(r.get("port"), dict)
        and isinstance(r["port"].get("entity"), dict)
        for r in resources
    ):
        return MAPPING
    return None


def _targets(value: Any) -> list[str]:
    """Target slugs of a relation value; a ``kind:namespace/`` prefix is dropped."""
    out: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        text = text_of(item)
        if text is None:
            continue
        name = text.rpartition(":")[2].rpartition("/")[2]
        if slugify(name):
            out.append(slugify(name))
    return out


def _fields(b: ResultBuilder, item: Mapping[str, Any], at: str, kind: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    title = text_of(item.get("title"))
    if title:
        fields["name"] = title
    raw = item.get("properties")
    props: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    description = text_of(props.get("description"), 20_000)
    if description:
        fields["description"] = description
    if kind == "team":
        return fields
    fields["type"] = "frontend" if kind == "frontend" else "service"
    lifecycle = text_of(props.get("lifecycle"))
    if lifecycle and lifecycle.lower() in _LIFECYCLES:
        fields["lifecycle"] = _LIFECYCLES[lifecycle.lower()]
    elif lifecycle:
        b.info(
            "port.lifecycle",
            f"lifecycle {lifecycle!r} has no archgraph match",
            pointer=f"{at}/properties/lifecycle",
        )
    tags = [
        f"{name}:{text_of(props.get(name))}"
        for name in ("tier", "domain", "system")
        if text_of(props.get(name))
    ]
    if tags:
        fields["tags"] = tags
    language = text_of(props.get("language"))
    if language and slugify(language):
        fields["technologies"] = [slugify(language)]
    return fields


def _kind_of(blueprint: str) -> str | None:
    name = blueprint.lower()
    if name in _TEAM_BLUEPRINTS:
        return "team"
    if name in _FRONTEND_BLUEPRINTS:
        return "frontend"
    if name in _COMPONENT_BLUEPRINTS or name.endswith("service"):
        return "component"
    return None


def _entity(b: ResultBuilder, item: Mapping[str, Any], at: str) -> None:
    blueprint = str(item["blueprint"])
    ident = text_of(item.get("identifier"))
    if ident is None or not slugify(ident):
        b.warning("port.no-identifier", "an entity without an identifier; skipped", pointer=at)
        return
    kind = _kind_of(blueprint)
    if kind is None:
        b.info(
            "port.blueprint",
            f"entity {ident!r} of blueprint {blueprint!r}: no archgraph kind; not represented",
            pointer=f"{at}/blueprint",
        )
        return
    slug = slugify(ident)
    fields = _fields(b, item, at, kind)
    teams = [t for t in _targets(item.get("team"))]
    relations = item.get("relations") if isinstance(item.get("relations"), dict) else {}
    if kind == "team":
        b.element(Kind.TEAM, slug, fields, pointer=at)
        return
    for name, value in (relations or {}).items():
        if str(name).lower() in _OWNER_RELATIONS:
            teams += _targets(value)
    teams = list(dict.fromkeys(teams))
    if teams:
        fields["owner"] = teams[0]
    ref = b.element(Kind.COMPONENT, slug, fields, pointer=at)
    if ref is None:
        return
    for team in teams:
        b.edge(f"team:{team}", EdgeType.OWNS, ref, pointer=at)
    for tech in fields.get("technologies", []):
        b.edge(ref, EdgeType.USES, f"technology:{tech}", pointer=f"{at}/properties/language")
    for name, value in (relations or {}).items():
        _relation(b, ref, str(name), value, f"{at}/relations/{name}")


def _relation(b: ResultBuilder, ref: str, name: str, value: Any, pointer: str) -> None:
    key = name.lower()
    if key in _OWNER_RELATIONS:
        return
    targets = _targets(value)
    if not targets:
        if value not in (None, [], ""):
            b.info("port.relation", f"relation {name!r} names no identifier", pointer=pointer)
        return
    if _DEPENDS_RE.match(key):
        for target in targets:
            other = f"component:{target}"
            if other != ref:
                b.edge(ref, EdgeType.DEPENDS_ON, other, {"strength": "hard"}, pointer=pointer)
                b.count("dependencies")
    elif key == "providesapis":
        for target in targets:
            b.edge(ref, EdgeType.PROVIDES, f"api:{target}", pointer=pointer)
    elif key == "consumesapis":
        for target in targets:
            b.edge(ref, EdgeType.CONSUMES, f"api:{target}", {"strength": "hard"}, pointer=pointer)
    elif key == "subcomponentof":
        b.edge(ref, EdgeType.PART_OF, f"component:{targets[0]}", pointer=pointer)
    else:
        b.info("port.relation", f"relation {name!r} has no archgraph match", pointer=pointer)


def scan_documents(file: ReadFile, *, resolver: Resolver | None = None) -> ScanResult:
    """Scan one Port file that has already been read."""
    del resolver  # a Port file refers to no other file
    b = file.builder(SCANNER)
    b.set_line_lookup(LineIndex(file.text, file.docs).lookup())
    shape = port_shape(file.docs)
    if shape is None:
        b.error("port.not-port", "expected Port entities, blueprints or an integration mapping")
    elif shape == BLUEPRINTS:
        names = ", ".join(str(i["identifier"]) for i in _items(file.docs[0]))
        b.warning(
            "port.blueprint-file",
            f"Port blueprint: defines entity types, no elements ({names[:300]})",
        )
    elif shape == MAPPING:
        b.warning(
            "port.mapping-file",
            "Port integration mapping: jq expressions evaluated by Port, no elements",
        )
    else:
        doc = file.docs[0]
        for i, item in enumerate(_items(doc)):
            _entity(b, item, f"/{i}" if isinstance(doc, list) else "")
    return b.build()


parse = parser(SCANNER, scan_documents)
