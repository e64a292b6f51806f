"""Edge types, which kinds each may join, and the properties each carries.

Direction is the "depends on" direction (``component:a DEPENDS_ON
component:b``), so the impact of a change flows backwards along edges.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.elements import Flag, Number, ShortText
from schemas.errors import InvalidInputError
from schemas.refs import REF_PATTERN, Kind, RefError, parse_ref, ref_pattern


class EdgeType(StrEnum):
    PART_OF = "PART_OF"
    DEPENDS_ON = "DEPENDS_ON"
    PROVIDES = "PROVIDES"
    CONSUMES = "CONSUMES"
    PUBLISHES = "PUBLISHES"
    SUBSCRIBES = "SUBSCRIBES"
    HAS_CAPABILITY = "HAS_CAPABILITY"
    USES = "USES"
    OWNS = "OWNS"
    AFFECTS = "AFFECTS"
    SUPERSEDES = "SUPERSEDES"


_ALL_KINDS = frozenset(Kind)

#: edge type -> (kinds allowed at the start, kinds allowed at the end)
ALLOWED_EDGES: dict[EdgeType, tuple[frozenset[Kind], frozenset[Kind]]] = {
    # a component belongs to a product, or is a sub-component of another component
    EdgeType.PART_OF: (frozenset({Kind.COMPONENT}), frozenset({Kind.PRODUCT, Kind.COMPONENT})),
    EdgeType.DEPENDS_ON: (frozenset({Kind.COMPONENT}), frozenset({Kind.COMPONENT})),
    EdgeType.PROVIDES: (frozenset({Kind.COMPONENT}), frozenset({Kind.API})),
    EdgeType.CONSUMES: (frozenset({Kind.COMPONENT}), frozenset({Kind.API})),
    EdgeType.PUBLISHES: (frozenset({Kind.COMPONENT}), frozenset({Kind.API})),
    EdgeType.SUBSCRIBES: (frozenset({Kind.COMPONENT}), frozenset({Kind.API})),
    EdgeType.HAS_CAPABILITY: (
        frozenset({Kind.COMPONENT, Kind.PRODUCT}),
        frozenset({Kind.CAPABILITY}),
    ),
    EdgeType.USES: (frozenset({Kind.COMPONENT}), frozenset({Kind.TECHNOLOGY})),
    EdgeType.OWNS: (frozenset({Kind.TEAM}), frozenset({Kind.PRODUCT, Kind.COMPONENT, Kind.API})),
    EdgeType.AFFECTS: (frozenset({Kind.ADR}), _ALL_KINDS),
    EdgeType.SUPERSEDES: (frozenset({Kind.ADR}), frozenset({Kind.ADR})),
}


class EdgeKindError(ValueError):
    """An edge whose type does not allow the kinds at its ends."""


def edge_kinds_allowed(edge_type: EdgeType | str, from_ref: str, to_ref: str) -> bool:
    """Whether an edge of this type may join these two (valid) references."""
    starts, ends = ALLOWED_EDGES[EdgeType(edge_type)]
    return parse_ref(from_ref)[0] in starts and parse_ref(to_ref)[0] in ends


def check_edge_kinds(from_ref: str, edge_type: EdgeType | str, to_ref: str) -> None:
    """Raise :class:`EdgeKindError` (or ``RefError``) unless the edge joins allowed kinds."""
    etype = EdgeType(edge_type)
    if not edge_kinds_allowed(etype, from_ref, to_ref):
        from_kind, _ = parse_ref(from_ref)
        to_kind, _ = parse_ref(to_ref)
        starts, ends = ALLOWED_EDGES[etype]
        allowed = f"{'|'.join(sorted(starts))} -> {'|'.join(sorted(ends))}"
        raise EdgeKindError(
            f"{etype.value} cannot join {from_kind.value} -> {to_kind.value} (allowed: {allowed})"
        )


class _EdgeProps(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: ShortText | None = None


class DependsOnProps(_EdgeProps):
    strength: str = Field(default="hard", pattern="^(hard|soft)$")


class ConsumesProps(_EdgeProps):
    operations: list[ShortText] = Field(
        default_factory=list,
        max_length=5_000,
        description='Operations used, as "METHOD /path" or operationId; empty means all.',
    )
    strength: str | None = Field(
        default=None,
        pattern="^(hard|soft)$",
        description="soft: the consumer keeps working, degraded, without the API; hard if unset.",
    )


class EventProps(_EdgeProps):
    channels: list[ShortText] = Field(default_factory=list, max_length=5_000)


class CapabilityProps(_EdgeProps):
    declared: Flag = True
    confidence: Number | None = Field(default=None, ge=0, le=1)


_PROPS_MODELS: dict[EdgeType, type[_EdgeProps]] = {
    EdgeType.DEPENDS_ON: DependsOnProps,
    EdgeType.CONSUMES: ConsumesProps,
    EdgeType.PUBLISHES: EventProps,
    EdgeType.SUBSCRIBES: EventProps,
    EdgeType.HAS_CAPABILITY: CapabilityProps,
}


def validate_edge_properties(edge_type: EdgeType, properties: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise an edge's properties (raises ``ValidationError``).

    No properties normalise to none: every field of every properties model
    has a default, and defaults are not dumped (``exclude_unset``).
    """
    if not properties:
        return {}
    model = _PROPS_MODELS.get(edge_type, _EdgeProps)
    return model.model_validate(properties).model_dump(
        mode="json", exclude_none=True, exclude_unset=True
    )


def _edge_variants(schema: dict[str, Any]) -> None:
    """Say in the JSON Schema, for each edge type, which kinds its ends may be and which
    properties it carries (:data:`ALLOWED_EDGES`, the properties models): one ``oneOf``
    branch per type, so the document states the rule :meth:`EdgeIn.checked` enforces."""
    variants = []
    for edge_type, (starts, ends) in ALLOWED_EDGES.items():
        props = _PROPS_MODELS.get(edge_type, _EdgeProps).model_json_schema()
        props.pop("title", None)
        variants.append(
            {
                "title": edge_type.value,
                "properties": {
                    "type": {"const": edge_type.value},
                    "from": {"type": "string", "pattern": ref_pattern(starts)},
                    "to": {"type": "string", "pattern": ref_pattern(ends)},
                    "properties": props,
                },
            }
        )
    schema["oneOf"] = variants


class EdgeIn(BaseModel):
    """An edge as clients write it: ``{"from": ..., "type": ..., "to": ..., "properties": {}}``."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, json_schema_extra=_edge_variants
    )

    from_ref: str = Field(
        alias="from",
        examples=["component:checkout-api"],
        json_schema_extra={"pattern": REF_PATTERN},
    )
    type: EdgeType
    to_ref: str = Field(
        alias="to", examples=["component:auth-service"], json_schema_extra={"pattern": REF_PATTERN}
    )
    properties: dict[str, Any] = Field(default_factory=dict)

    @field_validator("from_ref", "to_ref")
    @classmethod
    def _valid_ref(cls, value: str) -> str:
        try:
            parse_ref(value)
        except RefError as exc:
            raise ValueError(str(exc)) from None
        return value

    def checked(self) -> EdgeIn:
        """Check kinds and properties; raise ``EdgeKindError`` or ``InvalidInputError``."""
        check_edge_kinds(self.from_ref, self.type, self.to_ref)
        try:
            props = validate_edge_properties(self.type, self.properties)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(["body", "properties", *(str(p) for p in first["loc"])])
            raise InvalidInputError(f"{where}: {first['msg']}", location=where) from None
        return self.model_copy(update={"properties": props})


__all__ = [
    "ALLOWED_EDGES",
    "EdgeIn",
    "EdgeKindError",
    "EdgeType",
    "ValidationError",
    "check_edge_kinds",
    "edge_kinds_allowed",
    "validate_edge_properties",
]
