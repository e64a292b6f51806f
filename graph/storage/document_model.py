"""The shape of a graph document, as one pydantic model: it checks an import's
document before anything else does, and gives the OpenAPI document its schema.

Types are strict (a ``version`` is an integer, never ``"3"`` or ``true``).
What a shape cannot say (each node's properties valid for its kind, edges
joining nodes the document lists with kinds their type allows, no node twice)
is checked by :func:`graph.storage.document.import_document` and the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from schemas.edges import EdgeType
from schemas.refs import REF_PATTERN, Kind

FORMAT = "archgraph-graph"
FORMAT_VERSION = 1

_KINDS: list[JsonValue] = [k.value for k in Kind]
_EDGE_TYPES: list[JsonValue] = [t.value for t in EdgeType]


class AssertionIn(BaseModel):
    """One assertion as a document carries it: which source said it, when, what."""

    model_config = ConfigDict(extra="forbid", strict=True)

    source: str = Field(min_length=1, max_length=2048)
    asserted_at: str = Field(json_schema_extra={"format": "date-time"})
    properties: dict[str, Any] = Field(default_factory=dict)
    actor: str | None = None

    @field_validator("asserted_at")
    @classmethod
    def _instant(cls, value: str) -> str:
        try:
            datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("asserted_at is an ISO-8601 instant") from None
        return value


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    properties: dict[str, Any] = Field(default_factory=dict)
    assertions: list[AssertionIn] = Field(
        default_factory=list,
        description="who asserted it, when, with which properties; "
        "empty: one assertion by the source import, now, of the properties",
    )


class NodeIn(_Fact):
    ref: str = Field(pattern=REF_PATTERN)
    kind: str | None = Field(default=None, json_schema_extra={"enum": _KINDS})

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        if value is not None and value not in Kind.__members__.values():
            raise ValueError(f"unknown kind {value!r}")
        return value


class EdgeItemIn(_Fact):
    from_ref: str = Field(alias="from", pattern=REF_PATTERN)
    type: str = Field(json_schema_extra={"enum": _EDGE_TYPES})
    to_ref: str = Field(alias="to", pattern=REF_PATTERN)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in _EDGE_TYPES:
            raise ValueError(f"unknown edge type {value!r}")
        return value


class GraphDocumentIn(BaseModel):
    """The whole graph, as ``GET /api/v1/export`` writes it. Besides this shape, each
    node's properties must be valid for its kind, each edge must join nodes the
    document lists with kinds its type allows, and no node may be listed twice."""

    model_config = ConfigDict(extra="allow", strict=True, title="GraphDocument")

    format: Literal["archgraph-graph"]
    format_version: Literal[1]
    exported_at: str | None = None
    backend: str | None = None
    version: int | None = None
    nodes: list[NodeIn] = Field(default_factory=list)
    edges: list[EdgeItemIn] = Field(default_factory=list)


DOCUMENT_SCHEMA: dict[str, Any] = GraphDocumentIn.model_json_schema(by_alias=True)
"""The JSON Schema of a graph document (``$defs`` are hoisted by app/openapi.py)."""
