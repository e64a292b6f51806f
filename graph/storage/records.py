"""What the stores hold: nodes and edges with their per-source assertions.

Input to a store is :class:`~schemas.facts.NodeData` /
:class:`~schemas.facts.EdgeData` (what one source asserts). What comes back
is :class:`NodeRecord` / :class:`EdgeRecord`: the effective properties (every
source's assertion merged, later over earlier) plus the assertions
themselves, which are the provenance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemas.facts import EdgeKey


def utc_now() -> str:
    """The current time as an ISO-8601 UTC string with seconds precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Assertion:
    """One source's claim about a node or edge, and when it was made."""

    source: str
    asserted_at: str
    properties: Mapping[str, Any]
    actor: str | None = None  # who made the claim: an API key's name, an OS user

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "source": self.source,
            "asserted_at": self.asserted_at,
            "properties": dict(self.properties),
        }
        if self.actor is not None:
            data["actor"] = self.actor
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Assertion:
        actor = data.get("actor")
        return cls(
            data["source"],
            data["asserted_at"],
            dict(data.get("properties") or {}),
            str(actor) if actor is not None else None,
        )


def merge_assertions(assertions: Iterable[Assertion]) -> dict[str, Any]:
    """The effective properties: assertions applied oldest first, ties by source id."""
    if isinstance(assertions, tuple) and len(assertions) == 1:
        return dict(assertions[0].properties)  # one assertion: its properties
    merged: dict[str, Any] = {}
    for assertion in sorted(assertions, key=lambda a: (a.asserted_at, a.source)):
        merged.update(assertion.properties)
    return merged


def with_assertion(
    existing: tuple[Assertion, ...],
    source: str,
    properties: Mapping[str, Any],
    at: str,
    actor: str | None = None,
) -> tuple[tuple[Assertion, ...], bool]:
    """Set *source*'s assertion; return the new assertions and whether anything changed.

    An assertion whose properties are unchanged keeps its original time, so
    re-asserting the same facts writes nothing (scans are idempotent); it
    also keeps the original actor.
    """
    if not existing:
        return (Assertion(source, at, dict(properties), actor),), True
    others = tuple(a for a in existing if a.source != source)
    current = next((a for a in existing if a.source == source), None)
    if current is not None and dict(current.properties) == dict(properties):
        return existing, False
    return (*others, Assertion(source, at, dict(properties), actor)), True


def without_assertion(existing: tuple[Assertion, ...], source: str) -> tuple[Assertion, ...]:
    return tuple(a for a in existing if a.source != source)


@dataclass(frozen=True, slots=True)
class NodeRecord:
    ref: str
    kind: str
    properties: dict[str, Any]
    assertions: tuple[Assertion, ...]

    @property
    def slug(self) -> str:
        return self.ref.partition(":")[2]

    @property
    def sources(self) -> list[str]:
        return sorted(a.source for a in self.assertions)


@dataclass(frozen=True, slots=True)
class EdgeRecord:
    from_ref: str
    type: str
    to_ref: str
    properties: dict[str, Any]
    assertions: tuple[Assertion, ...]

    @property
    def key(self) -> EdgeKey:
        return (self.from_ref, self.type, self.to_ref)

    @property
    def sources(self) -> list[str]:
        return sorted(a.source for a in self.assertions)


@dataclass(slots=True)
class WriteSummary:
    """What a write did, counted in nodes and edges."""

    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_removed: int = 0
    edges_created: int = 0
    edges_updated: int = 0
    edges_removed: int = 0
    version: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.nodes_created,
                self.nodes_updated,
                self.nodes_removed,
                self.edges_created,
                self.edges_updated,
                self.edges_removed,
            )
        )


@dataclass(frozen=True, slots=True)
class NodePage:
    items: list[NodeRecord]
    next_cursor: str | None
    total: int


@dataclass(frozen=True, slots=True)
class Neighbor:
    edge: EdgeRecord
    node: NodeRecord
    direction: str  # "out" (edge starts at the asked node) or "in"
    depth: int = 1


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """Equality on one top-level property (membership for a list property).

    With ``or_absent`` a node that has no value for the property matches too:
    the caller says so when *value* is the field's default, which is what an
    element without the property reads as.
    """

    value: str | int | float | bool
    or_absent: bool = False


def as_field_filter(value: FieldFilter | str | int | float | bool) -> FieldFilter:
    """A plain value is a filter that an absent property does not match."""
    return value if isinstance(value, FieldFilter) else FieldFilter(value)
