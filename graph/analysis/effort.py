"""Integration points of an affected product, and the effort to adapt them (docs/impact.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from graph.analysis.projection import CONSUMES, EDGE_TYPES, SUBSCRIBES, Projection
from graph.analysis.walk import Reached
from schemas.analysis import Effort, EffortSize, Strength
from schemas.edges import EdgeType

__all__ = ["EFFORT_BUCKETS", "PointData", "effort_of", "estimate_effort", "point_data"]

EFFORT_BUCKETS: tuple[tuple[float, EffortSize], ...] = ((2.0, "S"), (5.0, "M"), (12.0, "L"))


class PointData(NamedTuple):
    """An integration point before it becomes a response model (cheap to sort and count)."""

    depth: int
    component: str
    type: str
    element: str
    strength: Strength
    operations: list[str] | None


class _PointLike(Protocol):
    @property
    def depth(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def strength(self) -> Strength: ...
    @property
    def operations(self) -> list[str] | None: ...


def point_data(p: Projection, full: Reached, crossing: tuple[int, int, int, bool]) -> PointData:
    component, etype, element, soft = crossing
    ops: list[str] | None = None
    if (component, element) in full.matched:
        ops = full.matched[(component, element)]
    elif etype in (CONSUMES, SUBSCRIBES):
        edge = p.find_edge(component, etype, p.base(element))
        props: Mapping[str, Any] = p.edge_properties(edge) if edge is not None else {}
        declared = props.get("operations" if etype == CONSUMES else "channels")
        ops = [str(o) for o in declared] if isinstance(declared, list) and declared else None
    return PointData(
        full.depth[element],
        p.refs[component],
        EDGE_TYPES[etype].value,
        p.refs[element],
        "soft" if soft else "hard",
        ops,
    )


_API_USES = frozenset({EdgeType.CONSUMES.value, EdgeType.SUBSCRIBES.value})


def estimate_effort(points: Sequence[_PointLike]) -> Effort:
    """T-shirt size of the work to adapt these integration points (see docs/impact.md).

    Each point weighs 2 when it touches a changed element directly, else 1,
    halved when soft; each operation used there adds 0.25 (at most 20 per
    point), an API use with undeclared operations adds 0.5.
    """
    total = 0.0
    operations = 0
    for ip in points:
        base = 2.0 if ip.depth == 0 else 1.0
        total += base * (0.5 if ip.strength == "soft" else 1.0)
        if ip.operations is not None:
            total += 0.25 * min(len(ip.operations), 20)
            operations += len(ip.operations)
        elif ip.type in _API_USES:
            total += 0.5
    return effort_of(total, len(points), operations)


def effort_of(total: float, points: int, operations: int) -> Effort:
    """The effort of *points* integration points weighing *total* (see :func:`estimate_effort`)."""
    size: EffortSize = "XL"
    for bound, bucket in EFFORT_BUCKETS:
        if total <= bound:
            size = bucket
            break
    return Effort(
        size=size, points=round(total, 2), integration_points=points, operations=operations
    )
