"""Element create/read/update/delete through the API, and the edges their fields imply.

Everything written through the API is asserted by the source ``api``, and
each assertion and change record names the actor: the API key's name. Some
element fields name other elements; writing the element asserts the matching
edge in the same transaction, and stops asserting it when the field changes:

=====================  ======================================
field                  edge
=====================  ======================================
component.product      component PART_OF product
component.owner        team OWNS component
product.owner          team OWNS product
component.technologies component USES technology
component.capabilities component HAS_CAPABILITY capability
=====================  ======================================
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

from graph.storage import Assertion, GraphStore, NodeRecord
from schemas.elements import ELEMENT_MODELS, Element
from schemas.errors import ConflictError, InvalidInputError, NotFoundError
from schemas.facts import EdgeData, EdgeKey, NodeData
from schemas.refs import Kind, make_ref

API_SOURCE = "api"

# (kind, field) -> (edge type, kind of the other end, whether the element is the edge's start)
_IMPLIED: dict[tuple[Kind, str], tuple[str, Kind, bool]] = {
    (Kind.COMPONENT, "product"): ("PART_OF", Kind.PRODUCT, True),
    (Kind.COMPONENT, "owner"): ("OWNS", Kind.TEAM, False),
    (Kind.PRODUCT, "owner"): ("OWNS", Kind.TEAM, False),
    (Kind.COMPONENT, "technologies"): ("USES", Kind.TECHNOLOGY, True),
    (Kind.COMPONENT, "capabilities"): ("HAS_CAPABILITY", Kind.CAPABILITY, True),
}


class ProvenanceEntry(BaseModel):
    source: str
    asserted_at: str
    actor: str | None = None


def read_model(kind: Kind) -> type[BaseModel]:
    """The response model of one kind: its fields plus ref, kind and provenance."""
    base = ELEMENT_MODELS[kind]
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in base.model_fields.items()
    }
    return create_model(
        f"{base.__name__}Read",
        __doc__=base.__doc__,
        **fields,
        ref=(str, ...),
        kind=(str, ...),
        provenance=(list[ProvenanceEntry], ...),
    )


def update_model(kind: Kind) -> type[BaseModel]:
    """The PATCH body of one kind: every field optional, each with its constraints
    (so the OpenAPI document says what is accepted), checked again when merged."""
    base = ELEMENT_MODELS[kind]
    fields: dict[str, Any] = {}
    for name, info in base.model_fields.items():
        if name == "slug":
            continue
        optional = copy.copy(info)
        optional.default, optional.default_factory = None, None
        fields[name] = (info.annotation | None, optional)  # type: ignore[operator]
    return create_model(f"{base.__name__}Update", __config__={"extra": "forbid"}, **fields)


def replace_model(kind: Kind) -> type[BaseModel]:
    """The PUT body of one kind: every field but the slug, which the path names."""
    base = ELEMENT_MODELS[kind]
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in base.model_fields.items() if name != "slug"
    }
    return create_model(f"{base.__name__}Replace", __config__={"extra": "forbid"}, **fields)


def element_view(record: NodeRecord) -> dict[str, Any]:
    """What the API returns for a node: the validated fields, ref, kind and provenance."""
    kind = Kind(record.kind)
    model = ELEMENT_MODELS[kind]
    try:
        fields = model.model_validate({"slug": record.slug, **record.properties}).model_dump(
            mode="json"
        )
    except ValidationError:
        fields = {"slug": record.slug, **record.properties}
    return {
        **fields,
        "ref": record.ref,
        "kind": kind.value,
        "provenance": [
            provenance_entry(a) for a in sorted(record.assertions, key=lambda a: a.asserted_at)
        ],
    }


def provenance_entry(assertion: Assertion) -> dict[str, Any]:
    """One assertion as the API shows it: source, time and (when known) actor."""
    return {
        "source": assertion.source,
        "asserted_at": assertion.asserted_at,
        "actor": assertion.actor,
    }


def _implied_edges(
    kind: Kind, slug: str, props: dict[str, Any]
) -> dict[EdgeKey, tuple[EdgeData, str]]:
    own_ref = make_ref(kind, slug)
    edges: dict[EdgeKey, tuple[EdgeData, str]] = {}
    for (edge_kind, field), (edge_type, other_kind, starts) in _IMPLIED.items():
        if edge_kind != kind or not props.get(field):
            continue
        value = props[field]
        for other in value if isinstance(value, list) else [value]:
            other_ref = make_ref(other_kind, other)
            ends = (own_ref, other_ref) if starts else (other_ref, own_ref)
            edge = EdgeData(ends[0], edge_type, ends[1])
            edges[edge.key] = (edge, field)
    return edges


def _api_assertion(record: NodeRecord | None) -> dict[str, Any]:
    if record is None:
        return {}
    for assertion in record.assertions:
        if assertion.source == API_SOURCE:
            return dict(assertion.properties)
    return {}


def _write(
    store: GraphStore,
    kind: Kind,
    slug: str,
    props: dict[str, Any],
    old_props: dict[str, Any],
    actor: str | None,
) -> NodeRecord:
    new_edges = _implied_edges(kind, slug, props)
    old_edges = _implied_edges(kind, slug, old_props)
    targets = {
        e.to_ref if e.from_ref == make_ref(kind, slug) else e.from_ref: field
        for e, field in new_edges.values()
    }
    for target, field in targets.items():
        if store.get_node(target) is None:
            raise InvalidInputError(
                f"{field} names {target}, which does not exist; create it first",
                location=["body", field],
                code="unknown_reference",
            )
    ref = make_ref(kind, slug)
    store.apply(
        source=API_SOURCE,
        nodes=[NodeData(ref, props)],
        edges=[edge for edge, _ in new_edges.values()],
        retract_edges=[key for key in old_edges if key not in new_edges],
        actor=actor,
    )
    record = store.get_node(ref)
    assert record is not None
    return record


def get_element(store: GraphStore, ref: str) -> NodeRecord:
    record = store.get_node(ref)
    if record is None:
        raise NotFoundError(f"{ref} does not exist", location=ref)
    return record


def create_element(store: GraphStore, *, element: Element, actor: str | None = None) -> NodeRecord:
    if store.get_node(element.ref) is not None:
        raise ConflictError(
            f"{element.ref} already exists; use PUT or PATCH to change it",
            location=["body", "slug"],
            code="already_exists",
        )
    return _write(store, element.kind, element.slug, element.properties(), {}, actor)


def replace_element(
    store: GraphStore, *, element: Element, actor: str | None = None
) -> tuple[NodeRecord, bool]:
    """Make the API's assertion of the element exactly *element*; say whether it is new."""
    existing = store.get_node(element.ref)
    record = _write(
        store, element.kind, element.slug, element.properties(), _api_assertion(existing), actor
    )
    return record, existing is None


def patch_element(
    store: GraphStore,
    *,
    kind: Kind,
    slug: str,
    changes: dict[str, Any],
    actor: str | None = None,
) -> NodeRecord:
    """Change the named fields (``null`` removes the API's value of a field)."""
    ref = make_ref(kind, slug)
    existing = get_element(store, ref)
    old = _api_assertion(existing)
    props = {**old, **{k: v for k, v in changes.items() if v is not None}}
    for field, value in changes.items():
        if value is None:
            props.pop(field, None)
    model = ELEMENT_MODELS[kind]
    try:
        checked = model.model_validate({**existing.properties, **props, "slug": slug})
    except ValidationError as exc:
        first = exc.errors()[0]
        field_path = ["body", *[str(p) for p in first["loc"]]]
        raise InvalidInputError(
            f"{'.'.join(field_path)}: {first['msg']}", location=field_path
        ) from None
    props = {k: v for k, v in checked.properties().items() if k in props}
    return _write(store, kind, slug, props, old, actor)


def delete_element(store: GraphStore, *, ref: str, actor: str | None = None) -> None:
    if not store.delete_node(ref, actor=actor):
        raise NotFoundError(f"{ref} does not exist", location=ref)
