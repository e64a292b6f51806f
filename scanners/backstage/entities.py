"""Backstage catalog descriptors (``catalog-info.yaml``, several entities per file).

By default (see :class:`~scanners.backstage.catalog.BackstageMapping`):

=================  ==================================================
Backstage          archgraph
=================  ==================================================
System             product (``domain`` property from ``spec.domain``)
Component          component (``spec.type`` and ``spec.lifecycle`` mapped)
Resource           component (``database`` → datastore, ...)
API                api, its definition scanned as OpenAPI or AsyncAPI
Group              team (``profile.displayName``, ``profile.email``)
Domain             no node: the ``domain`` property of its systems
User, Location     no node (noted, never an error)
=================  ==================================================

Relations: ``owner`` → OWNS (from the team), ``system`` → PART_OF,
``subcomponentOf`` → PART_OF (component → component), ``dependsOn`` /
``dependencyOf`` → DEPENDS_ON, ``providesApis`` → PROVIDES, ``consumesApis``
→ CONSUMES. Every relation is accounted for in the result's ``stats``
(``relations``, and ``relations.edge|property|unmapped|invalid``); the ones
that cannot become an edge come back as notes or warnings. A reference to
an entity that is not part of the scan is a warning; the edge still points
at a stub, so the graph fills in when that entity is scanned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanners import asyncapi, openapi
from scanners.backstage.catalog import (
    DEFAULT_MAPPING,
    KNOWN_KINDS,
    BackstageMapping,
    CatalogIndex,
    entity_slug,
    index_catalog,
    is_backstage,
    parse_entity_ref,
    read_entity_ref,
)
from scanners.backstage.definitions import definition_spec, definition_text, reserve_api_refs
from scanners.documents import DocumentError, LineIndex, load_documents
from scanners.resolve import Resolver
from scanners.result import ReadFile, ResultBuilder, ScanResult, parser
from scanners.specs import LONG, SpecContext, channels_by_action, tag_names, text_of
from schemas.edges import EdgeType, edge_kinds_allowed
from schemas.refs import Kind

__all__ = ["SCANNER", "is_backstage", "parse", "scan_documents"]

SCANNER = "backstage"

# spec field -> (default target kind, Backstage kinds it may point at, edge, reversed?)
# field -> (default kind, None where Backstage requires the kind; kinds allowed; edge; reversed)
_RELATIONS: dict[str, tuple[str | None, frozenset[str], EdgeType | None, bool]] = {
    "owner": ("group", frozenset({"group", "user"}), EdgeType.OWNS, True),
    "system": ("system", frozenset({"system"}), EdgeType.PART_OF, False),
    "domain": ("domain", frozenset({"domain"}), EdgeType.PART_OF, False),
    "subdomainOf": ("domain", frozenset({"domain"}), EdgeType.PART_OF, False),
    "subcomponentOf": ("component", frozenset({"component"}), EdgeType.PART_OF, False),
    "dependsOn": (None, frozenset({"component", "resource"}), EdgeType.DEPENDS_ON, False),
    "dependencyOf": (None, frozenset({"component", "resource"}), EdgeType.DEPENDS_ON, True),
    "providesApis": ("api", frozenset({"api"}), EdgeType.PROVIDES, False),
    "consumesApis": ("api", frozenset({"api"}), EdgeType.CONSUMES, False),
    "memberOf": ("group", frozenset({"group"}), None, False),
    "parent": ("group", frozenset({"group"}), None, False),
    "children": ("group", frozenset({"group"}), None, False),
    "members": ("user", frozenset({"user"}), None, False),
}
# relation names Backstage computes itself; written in a spec they mean nothing
_COMPUTED = frozenset(
    {
        "apiConsumedBy",
        "apiProvidedBy",
        "ownedBy",
        "ownerOf",
        "partOf",
        "hasPart",
        "hasMember",
        "childOf",
        "parentOf",
        "hasSubcomponent",
    }
)


def scan_documents(
    file: ReadFile,
    *,
    resolver: Resolver | None = None,
    catalog: CatalogIndex | None = None,
    mapping: BackstageMapping = DEFAULT_MAPPING,
) -> ScanResult:
    """Scan one file that has already been read into documents."""
    docs, origin = file.docs, file.origin
    builder = file.builder(SCANNER)
    lines = LineIndex(file.text, file.docs)
    index = catalog
    if index is None:
        index = index_catalog([(origin, docs)])
        reserve_api_refs(index, resolver=resolver, mapping=mapping)
    for number, doc in enumerate(docs):
        builder.set_line_lookup(lines.lookup(number))
        _Entity(builder, doc, number, origin, resolver, index, mapping, lines).scan()
    return builder.build()


class _Entity:
    """One catalog document being turned into an element and edges."""

    def __init__(
        self,
        builder: ResultBuilder,
        doc: Any,
        number: int,
        origin: str,
        resolver: Resolver | None,
        index: CatalogIndex,
        mapping: BackstageMapping,
        lines: LineIndex,
    ) -> None:
        self.b = builder
        self.doc = doc
        self.number = number
        self.origin = origin
        self.resolver = resolver
        self.index = index
        self.mapping = mapping
        self.lines = lines
        self.label = f"document {number + 1}"

    def scan(self) -> None:
        b, doc = self.b, self.doc
        if not is_backstage(doc):
            b.warning(
                "backstage.not-entity",
                f"{self.label} is not a Backstage entity (apiVersion backstage.io/*, kind)",
            )
            return
        metadata = doc.get("metadata")
        spec = doc.get("spec", {})
        if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
            b.error(
                "backstage.no-name",
                f"{self.label}: metadata.name is required",
                pointer="/metadata",
                field="metadata.name",
            )
            return
        if not isinstance(spec, dict):
            b.error(
                "backstage.spec",
                f"{self.label}: spec must be a mapping",
                pointer="/spec",
                field="spec",
            )
            return
        namespace = str(metadata.get("namespace") or "default")
        key = parse_entity_ref(
            metadata["name"], default_kind=str(doc["kind"]), default_namespace=namespace
        )
        if key is None:
            b.error(
                "backstage.name",
                f"{self.label}: invalid name {metadata['name']!r}",
                pointer="/metadata/name",
                field="metadata.name",
            )
            return
        self.key, self.metadata, self.spec = key, metadata, spec
        b.count("entities")
        b.count(f"entities.{key.kind}")
        target = self.mapping.kind_of(key.kind)
        if key.kind not in KNOWN_KINDS:
            b.warning(
                "backstage.unknown-kind",
                f"{key}: kind {doc['kind']!r} is not a Backstage kind archgraph knows; skipped",
                pointer="/kind",
                field="kind",
            )
        elif target is None and key.kind == "location":
            b.info(
                "backstage.location",
                f"{key}: Location targets are not followed; the directory scan finds "
                "catalog files itself",
                pointer="/spec/targets",
            )
        self.ref = f"{target.value}:{entity_slug(key)}" if target else None
        if target is Kind.API and self.ref is not None:
            self.ref = self._api_ref(self.ref)
        props: dict[str, Any] = {}
        for field_name in _RELATIONS:
            if field_name in spec:
                self.relation(field_name, spec[field_name], props)
        for field_name in sorted(set(spec) & _COMPUTED):
            count = len(spec[field_name]) if isinstance(spec[field_name], list) else 1
            b.count("relations", count)
            b.count("relations.invalid", count)
            b.warning(
                "backstage.computed-relation",
                f"{key}: spec.{field_name} is a relation Backstage computes, not a spec "
                "field; ignored",
                pointer=f"/spec/{field_name}",
                field=f"spec.{field_name}",
            )
        if target is not None and self.ref is not None:
            self.element(target, props)

    # ------------------------------------------------------------ relations

    def relation(self, name: str, value: Any, props: dict[str, Any]) -> None:
        default_kind, allowed, edge_type, reverse = _RELATIONS[name]
        values = value if isinstance(value, list) else [value]
        for position, item in enumerate(values):
            pointer = f"/spec/{name}" + (f"/{position}" if isinstance(value, list) else "")
            self.b.count("relations")
            outcome = self._relation(
                name, item, default_kind, allowed, edge_type, reverse, props, pointer
            )
            self.b.count(f"relations.{outcome}")

    def _relation(
        self,
        name: str,
        item: Any,
        default_kind: str | None,
        allowed: frozenset[str],
        edge_type: EdgeType | None,
        reverse: bool,
        props: dict[str, Any],
        pointer: str,
    ) -> str:
        b, key = self.b, self.key
        field = pointer[1:].replace("/", ".")
        target = read_entity_ref(item, default_kind=default_kind, default_namespace=key.namespace)
        if isinstance(target, str):
            b.warning(
                "backstage.bad-ref",
                f"{key}: spec.{name} {item!r} is not an entity reference: {target}; ignored",
                pointer=pointer,
                field=field,
            )
            return "invalid"
        if target.kind not in allowed:
            b.warning(
                "backstage.ref-kind",
                f"{key}: spec.{name} must point at {' or '.join(sorted(allowed))}, not {target}",
                pointer=pointer,
                field=field,
            )
            return "invalid"
        target_kind = self.mapping.kind_of(target.kind)
        target_ref = f"{target_kind.value}:{entity_slug(target)}" if target_kind else None
        if not self.index.knows(target, target_ref):
            b.warning(
                "backstage.dangling",
                f"{key}: spec.{name} refers to {target}, which is not in this scan",
                pointer=pointer,
                field=field,
            )
        source_kind = self.mapping.kind_of(key.kind)
        # Domain (unmapped by default) survives as its systems' grouping property.
        if name == "domain" and target_kind is None and source_kind is Kind.PRODUCT:
            props["domain"] = target.name
            return "property"
        if name == "system" and target_kind is Kind.PRODUCT and source_kind is Kind.COMPONENT:
            props["product"] = entity_slug(target)
        if (
            name == "owner"
            and target_kind is Kind.TEAM
            and source_kind in (Kind.COMPONENT, Kind.PRODUCT)
        ):
            props["owner"] = entity_slug(target)
        ends = (target_ref, self.ref) if reverse else (self.ref, target_ref)
        if (
            edge_type is None
            or ends[0] is None
            or ends[1] is None
            or not edge_kinds_allowed(edge_type, ends[0], ends[1])
        ):
            if edge_type is None:
                why = "archgraph has no such relationship"
            elif None in ends:
                unmapped = target if target_ref is None else key
                why = f"{unmapped.kind} entities are not mapped to a graph element"
            else:
                why = f"{edge_type.value} cannot join {ends[0]} -> {ends[1]}"
            b.info(
                "backstage.unmapped-relation",
                f"{key}: spec.{name} {target} is not represented: {why}",
                pointer=pointer,
                field=field,
            )
            return "unmapped"
        b.edge(ends[0], edge_type, ends[1], pointer=pointer, field=field)
        return "edge"

    # ------------------------------------------------------------- elements

    def element(self, kind: Kind, props: dict[str, Any]) -> None:
        meta, spec = self.metadata, self.spec
        fields: dict[str, Any] = {}
        title = text_of(meta.get("title"))
        description = text_of(meta.get("description"), LONG)
        tags = tag_names(meta.get("tags"))
        if kind is Kind.COMPONENT:
            fields.update(self._component_fields(props))
        elif kind is Kind.PRODUCT:
            fields.update({k: props[k] for k in ("owner", "domain") if k in props})
            tier = self._annotation("archgraph.dev/tier")
            if tier is not None:
                fields["tier"] = tier
        elif kind is Kind.TEAM:
            raw_profile = spec.get("profile")
            profile: dict[str, Any] = raw_profile if isinstance(raw_profile, dict) else {}
            title = title or text_of(profile.get("displayName"))
            contact = text_of(profile.get("email"))
            if contact:
                fields["contact"] = contact
        elif kind is Kind.API:
            fields.update(self._api_fields())
            title = title or fields.pop("name", None)
            description = description or fields.pop("description", None)
        for name, value in (("name", title), ("description", description), ("tags", tags)):
            if value:
                fields[name] = value
        slug = self.ref.partition(":")[2] if self.ref else ""
        if self.b.element(kind, slug, fields, pointer="/metadata") is None:
            return
        self._capabilities_and_technologies(kind)

    def _annotation(self, name: str) -> str | None:
        annotations = self.metadata.get("annotations")
        if isinstance(annotations, dict) and annotations.get(name) is not None:
            return str(annotations[name]).strip()
        return None

    def _component_fields(self, props: dict[str, Any]) -> dict[str, Any]:
        spec = self.spec
        fields: dict[str, Any] = {k: props[k] for k in ("product", "owner") if k in props}
        raw_type = str(spec.get("type", "")).lower()
        fields["type"] = self.mapping.component_types.get(raw_type, "other")
        raw_life = str(spec.get("lifecycle", "")).lower()
        if raw_life:
            life = self.mapping.lifecycles.get(raw_life)
            if life is None:
                self.b.info(
                    "backstage.lifecycle",
                    f"{self.key}: lifecycle {raw_life!r} is read as active",
                    pointer="/spec/lifecycle",
                )
            fields["lifecycle"] = life or "active"
        if (self._annotation("archgraph.dev/platform") or "").lower() == "true":
            fields["platform"] = True
        return fields

    def _capabilities_and_technologies(self, kind: Kind) -> None:
        if self.ref is None or kind not in (Kind.COMPONENT, Kind.PRODUCT):
            return
        for annotation, edge_type, target in (
            ("archgraph.dev/capabilities", EdgeType.HAS_CAPABILITY, Kind.CAPABILITY),
            ("archgraph.dev/technologies", EdgeType.USES, Kind.TECHNOLOGY),
        ):
            for item in (self._annotation(annotation) or "").split(","):
                slug = item.strip().lower()
                if not slug:
                    continue
                props = {"declared": True} if edge_type is EdgeType.HAS_CAPABILITY else {}
                if edge_kinds_allowed(edge_type, self.ref, f"{target.value}:{slug}"):
                    self.b.edge(
                        self.ref,
                        edge_type,
                        f"{target.value}:{slug}",
                        props,
                        pointer="/metadata/annotations",
                    )

    # ------------------------------------------------------------------ APIs

    def _api_ref(self, ref: str) -> str:
        """*ref*, or another one when an earlier entity of the same name holds
        it and this one's definition differs in format or version."""
        first = self.index.apis.get(self.key)
        if first is None or first[:2] == (self.origin, self.number):
            return ref
        spec = definition_spec(
            self.spec.get("definition"), origin=self.origin, key=self.key, resolver=self.resolver
        )
        new, note = self.index.versions.claim_ref(ref, spec, by_path=False)
        if note is not None:
            self.b.warning(note.code, note.message, pointer="/metadata/name")
        return new

    def _api_fields(self) -> dict[str, Any]:
        spec = self.spec
        raw_type = str(spec.get("type", "")).lower()
        fields: dict[str, Any] = {"type": self.mapping.api_types.get(raw_type, "other")}
        raw_life = str(spec.get("lifecycle", "")).lower()
        if raw_life:
            fields["lifecycle"] = self.mapping.api_lifecycles.get(raw_life, "active")
        if fields["type"] not in ("openapi", "asyncapi"):
            if "definition" in spec:
                self.b.info(
                    "backstage.definition",
                    f"{self.key}: {raw_type or 'untyped'} definitions are not parsed",
                    pointer="/spec/definition",
                )
            return fields
        loaded = definition_text(
            spec.get("definition"),
            origin=self.origin,
            key=str(self.key),
            builder=self.b,
            resolver=self.resolver,
        )
        if loaded is None:
            return fields
        text, file, pointer = loaded
        try:
            docs = load_documents(text)
        except DocumentError as exc:
            self.b.error(
                "backstage.definition",
                f"{self.key}: definition is not readable: {exc.message}",
                pointer=pointer,
                file=file,
            )
            return fields
        doc = docs[0] if len(docs) == 1 else None
        describe = (
            openapi.describe_openapi
            if openapi.is_openapi(doc)
            else (asyncapi.describe_asyncapi if asyncapi.is_asyncapi(doc) else None)
        )
        if describe is None or not isinstance(doc, dict):
            self.b.warning(
                "backstage.definition",
                f"{self.key}: definition is not an OpenAPI or AsyncAPI document",
                pointer=pointer,
                file=file,
            )
            return fields
        inline = file == self.origin
        ctx = SpecContext.create(
            self.b,
            doc,
            file=file,
            resolver=self.resolver,
            pointer=pointer if inline else "",
            lines=self.lines if inline else None,
            document=self.number,
        )
        api = describe(ctx, doc, api_slug=entity_slug(self.key))
        if api is None:
            return fields
        described = api.properties()
        described.pop("lifecycle", None)
        described.pop("type", None)
        self._event_edges(described.get("operations", []))
        return {**described, **fields}

    def _event_edges(self, operations: list[Mapping[str, Any]]) -> None:
        """PUBLISHES from each component that provides this event API (what it
        receives is joined to other documents' senders by :mod:`scanners.events`)."""
        sends, _ = channels_by_action(list(operations))
        if self.ref is None or not sends:
            return
        for provider in self.index.providers.get(self.key, []):
            kind = self.mapping.kind_of(provider.kind)
            if kind is not Kind.COMPONENT:
                continue
            component = f"component:{entity_slug(provider)}"
            self.b.edge(component, EdgeType.PUBLISHES, self.ref, {"channels": sends})


parse = parser(SCANNER, scan_documents)
