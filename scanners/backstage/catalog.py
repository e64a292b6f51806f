"""Backstage entity references, the kind mapping, and the index of a whole catalog.

Entity references follow Backstage's rules: ``[kind:][namespace/]name``, the
kind defaulting per relation (``owner`` → Group, ``system`` → System,
``providesApis`` → API ...), the namespace defaulting to the referring
entity's own, and everything compared case-insensitively.

:class:`BackstageMapping` says which archgraph kind each Backstage kind
becomes (``None`` for "not a node") and how types and lifecycles translate.
It is configurable with :meth:`BackstageMapping.from_dict`.

:class:`CatalogIndex` knows every entity of a scan, so that a relation to an
entity in another file is resolved, and one to an entity nowhere in the
scan is reported.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from scanners.resolve import ResolveError, is_remote, join_relative
from scanners.versions import ApiVersions
from schemas.elements import ApiKind, ApiLifecycle, ComponentKind, ComponentLifecycle
from schemas.errors import InvalidInputError
from schemas.refs import Kind, slugify

__all__ = [
    "DEFAULT_MAPPING",
    "BackstageMapping",
    "CatalogIndex",
    "EntityKey",
    "entity_slug",
    "index_catalog",
    "is_backstage",
    "parse_entity_ref",
    "read_entity_ref",
]

KNOWN_KINDS = frozenset(
    {"component", "resource", "system", "domain", "api", "group", "user", "location", "template"}
)
DEFINITION_KEYS = ("$text", "$yaml", "$json")


@dataclass(frozen=True, slots=True, order=True)
class EntityKey:
    """An entity's identity, lower-cased: ``component:default/petstore``."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.namespace}/{self.name}"


def is_backstage(doc: Any) -> bool:
    """Whether a parsed YAML document is a Backstage catalog entity."""
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("apiVersion"), str)
        and doc["apiVersion"].startswith("backstage.io/")
        and "kind" in doc
    )


# Backstage's default entity policies: a kind is a letter then letters and
# digits; a namespace a DNS label; a name up to 63 letters and digits, single
# ``-``, ``_`` or ``.`` between them.
_KIND_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9]*$")
_NAMESPACE_RE = re.compile(r"^[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*$")
_NAME_RE = re.compile(r"^[a-zA-Z0-9]+(?:[-_.][a-zA-Z0-9]+)*$")
_MAX_PART = 63


def read_entity_ref(
    value: Any, *, default_kind: str | None, default_namespace: str
) -> EntityKey | str:
    """Read ``[kind:][namespace/]name`` or a ``{kind, namespace, name}`` mapping.

    Returns the key, or a sentence saying why *value* is not a reference:
    not text or a mapping, a part that breaks Backstage's naming rules (so
    ``resource:cache "populate"`` is refused, not read as a name with a
    space), or no kind where the field has no default kind.
    """
    if isinstance(value, dict):
        kind, namespace, name = value.get("kind"), value.get("namespace"), value.get("name")
        if not all(v is None or isinstance(v, str) for v in (kind, namespace, name)):
            return "the kind, namespace and name of a reference must be text"
    elif isinstance(value, str):
        text = value.strip()
        kind, sep, rest = text.partition(":")
        if not sep:
            kind, rest = None, text
        namespace, sep, name = rest.partition("/")
        if not sep:
            namespace, name = None, rest
    else:
        found = type(value).__name__
        return f"a reference is text or a {{kind, namespace, name}} mapping, not {found}"
    if not name:
        return "it has no name"
    if kind is None or kind == "":
        if default_kind is None:
            return "this field has no default kind, so the reference must name one (kind:name)"
        kind = default_kind
    namespace = namespace or default_namespace
    for part, rule, what in (
        (kind, _KIND_RE, "kind"),
        (namespace, _NAMESPACE_RE, "namespace"),
        (name, _NAME_RE, "name"),
    ):
        if len(part) > _MAX_PART or not rule.match(part):
            return (
                f"{what} {part!r} breaks the Backstage naming rules (letters and digits, "
                "separated by single - _ or ., at most 63 characters)"
            )
    return EntityKey(kind.lower(), namespace.lower(), name.lower())


def parse_entity_ref(
    value: Any, *, default_kind: str | None, default_namespace: str
) -> EntityKey | None:
    """:func:`read_entity_ref`, with None for a malformed reference."""
    key = read_entity_ref(value, default_kind=default_kind, default_namespace=default_namespace)
    return key if isinstance(key, EntityKey) else None


def entity_slug(key: EntityKey) -> str:
    """The archgraph slug of an entity: its name, prefixed ``namespace.`` outside ``default``."""
    if key.namespace == "default":
        return slugify(key.name)
    return slugify(f"{key.namespace}.{key.name}")


_COMPONENT_TYPES = {
    "service": ComponentKind.SERVICE.value,
    "website": ComponentKind.FRONTEND.value,
    "frontend": ComponentKind.FRONTEND.value,
    "library": ComponentKind.LIBRARY.value,
    "job": ComponentKind.JOB.value,
    "database": ComponentKind.DATASTORE.value,
    "s3-bucket": ComponentKind.DATASTORE.value,
    "storage": ComponentKind.DATASTORE.value,
    "cache": ComponentKind.DATASTORE.value,
    "kafka-topic": ComponentKind.TOPIC.value,
    "topic": ComponentKind.TOPIC.value,
    "queue": ComponentKind.TOPIC.value,
}
_LIFECYCLES = {
    "production": ComponentLifecycle.ACTIVE.value,
    "active": ComponentLifecycle.ACTIVE.value,
    "experimental": ComponentLifecycle.EXPERIMENTAL.value,
    "development": ComponentLifecycle.EXPERIMENTAL.value,
    "deprecated": ComponentLifecycle.DEPRECATED.value,
    "retired": ComponentLifecycle.RETIRED.value,
    "end-of-life": ComponentLifecycle.RETIRED.value,
}
_API_LIFECYCLES = {
    "production": ApiLifecycle.ACTIVE.value,
    "active": ApiLifecycle.ACTIVE.value,
    "experimental": ApiLifecycle.ACTIVE.value,
    "development": ApiLifecycle.ACTIVE.value,
    "deprecated": ApiLifecycle.DEPRECATED.value,
    "retired": ApiLifecycle.RETIRED.value,
    "end-of-life": ApiLifecycle.RETIRED.value,
}
_API_TYPES = {
    "openapi": ApiKind.OPENAPI.value,
    "asyncapi": ApiKind.ASYNCAPI.value,
    "graphql": ApiKind.GRAPHQL.value,
    "grpc": ApiKind.GRPC.value,
}
_KINDS: dict[str, str | None] = {
    "system": Kind.PRODUCT.value,
    "component": Kind.COMPONENT.value,
    "resource": Kind.COMPONENT.value,
    "api": Kind.API.value,
    "group": Kind.TEAM.value,
    "domain": None,
    "user": None,
    "location": None,
    "template": None,
}
_TARGETS = {
    "system": {Kind.PRODUCT.value, Kind.COMPONENT.value, None},
    "component": {Kind.COMPONENT.value, None},
    "resource": {Kind.COMPONENT.value, None},
    "api": {Kind.API.value, None},
    "group": {Kind.TEAM.value, None},
    "user": {Kind.TEAM.value, None},
    "domain": {Kind.PRODUCT.value, None},
    "location": {None},
    "template": {None},
}


@dataclass(frozen=True)
class BackstageMapping:
    """How Backstage entities become archgraph elements (see ``docs/scanners.md``).

    ``kinds`` maps a lower-case Backstage kind to an archgraph kind, or to
    None to keep it out of the graph (Domain by default becomes the
    ``domain`` property of its systems' products). The other maps translate
    ``spec.type`` and ``spec.lifecycle`` values; anything unlisted becomes
    ``other`` / ``active``.
    """

    kinds: Mapping[str, str | None] = field(default_factory=lambda: dict(_KINDS))
    component_types: Mapping[str, str] = field(default_factory=lambda: dict(_COMPONENT_TYPES))
    lifecycles: Mapping[str, str] = field(default_factory=lambda: dict(_LIFECYCLES))
    api_lifecycles: Mapping[str, str] = field(default_factory=lambda: dict(_API_LIFECYCLES))
    api_types: Mapping[str, str] = field(default_factory=lambda: dict(_API_TYPES))

    def kind_of(self, backstage_kind: str) -> Kind | None:
        target = self.kinds.get(backstage_kind.lower())
        return Kind(target) if target else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BackstageMapping:
        """The default mapping with the entries of *data* laid over it.

        Raises ``InvalidInputError`` for unknown sections or impossible targets.
        """
        base = cls()
        changes: dict[str, Any] = {}
        allowed = {
            "kinds": None,
            "component_types": {k.value for k in ComponentKind},
            "lifecycles": {lc.value for lc in ComponentLifecycle},
            "api_lifecycles": {lc.value for lc in ApiLifecycle},
            "api_types": {k.value for k in ApiKind},
        }
        for section, values in data.items():
            if section not in allowed or not isinstance(values, Mapping):
                raise InvalidInputError(
                    f"unknown Backstage mapping section {section!r} (one of {', '.join(allowed)})",
                    location=str(section),
                )
            merged = dict(getattr(base, section))
            for key, value in values.items():
                key = str(key).lower()
                if section == "kinds":
                    if key not in _TARGETS or value not in _TARGETS[key]:  # type: ignore[operator]
                        raise InvalidInputError(
                            f"Backstage kind {key!r} cannot become {value!r}",
                            location=f"kinds.{key}",
                        )
                elif value not in (allowed[section] or ()):
                    raise InvalidInputError(
                        f"{section}.{key}: {value!r} is not one of "
                        f"{', '.join(sorted(allowed[section] or ()))}",
                        location=f"{section}.{key}",
                    )
                merged[key] = value
            changes[section] = merged
        return replace(base, **changes)


DEFAULT_MAPPING = BackstageMapping()


@dataclass
class CatalogIndex:
    """Every entity of one scan, and who provides which API.

    A reference to an element a manifest or spec of the same scan describes
    (``elsewhere``) counts as known too, so a catalog can point at platform
    components described by archgraph manifests.

    ``definitions`` maps the root-relative path of each spec file an API
    entity takes its definition from (``$text: ./petstore.yaml``) to that
    entity's file: such a spec is scanned as part of the catalog, not on
    its own.
    """

    entities: dict[EntityKey, str] = field(default_factory=dict)
    providers: dict[EntityKey, list[EntityKey]] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    elsewhere: frozenset[str] = frozenset()
    """Refs that other sources of the scan (manifests, specs) describe."""
    apis: dict[EntityKey, tuple[str, int, Any]] = field(default_factory=dict)
    """The first document of each API entity: file, document number, ``spec.definition``."""
    versions: ApiVersions = field(default_factory=ApiVersions)
    """Which description holds each API ref in this scan (:mod:`scanners.versions`)."""

    def knows(self, key: EntityKey, ref: str | None = None) -> bool:
        """Whether the scan has *key* as an entity, or describes its *ref* another way."""
        return key in self.entities or (ref is not None and ref in self.elsewhere)


def index_catalog(files: Iterable[tuple[str, list[Any]]]) -> CatalogIndex:
    """Index the entities of several catalog files (path, parsed documents)."""
    index = CatalogIndex()
    for path, docs in files:
        for number, doc in enumerate(docs):
            if not is_backstage(doc):
                continue
            metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
            namespace = str(metadata.get("namespace") or "default")
            key = parse_entity_ref(
                metadata.get("name"), default_kind=str(doc["kind"]), default_namespace=namespace
            )
            if key is None:
                continue
            index.entities.setdefault(key, path)
            spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
            provided = spec.get("providesApis")
            for ref in provided if isinstance(provided, list) else []:
                api = parse_entity_ref(ref, default_kind="api", default_namespace=key.namespace)
                if api is not None and key.kind in ("component", "resource"):
                    index.providers.setdefault(api, []).append(key)
            definition = spec.get("definition")
            if key.kind == "api":
                index.apis.setdefault(key, (path, number, definition))
            if key.kind == "api" and isinstance(definition, dict):
                for name in DEFINITION_KEYS:
                    target = definition.get(name)
                    if isinstance(target, str) and not is_remote(target):
                        with contextlib.suppress(ResolveError):
                            index.definitions.setdefault(join_relative(path, target), path)
    for providers in index.providers.values():
        providers.sort()
    return index
