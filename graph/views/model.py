"""The neutral diagram every view builds and every renderer draws.

A :class:`Diagram` is a list of nodes (each maybe in a group: its product, or
the platform layer), edges between them and the groups themselves, plus
what the view decided (collapsed or not) and notes for the reader. Views
(``portfolio``, ``focus``, ``impact_view``) make one from a projection;
renderers (``dot``, ``mermaid``, ``structurizr``) turn one into text or an
image, without looking at the graph again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from schemas.errors import ArchgraphError

#: Past this many components a view collapses them into their products.
MAX_COMPONENTS = 150
#: The focus view walks at most this many hops from the focus element.
MAX_FOCUS_DEPTH = 4
#: The impact view walks at most this many dependency levels.
MAX_IMPACT_DEPTH = 10
#: The group of platform components (and of APIs the platform offers).
PLATFORM_GROUP = "platform"

ViewName = Literal["portfolio", "focus", "impact"]
NodeRole = Literal["element", "product", "platform"]


class RendererUnavailableError(ArchgraphError):
    """Graphviz's ``dot`` is not installed, so no SVG or PNG can be drawn."""

    status = 503
    code = "graphviz_missing"


@dataclass(slots=True)
class DiagramNode:
    id: str
    label: str
    kind: str
    group: str | None = None
    role: NodeRole = "element"
    deprecated: bool = False
    focus: bool = False
    #: Impact view: 0 for a target, else the depth it is reached at; None elsewhere.
    depth: int | None = None
    #: Impact view: reached only through a soft edge.
    soft: bool = False
    #: How many elements a collapsed node stands for (1 for an element).
    members: int = 1


@dataclass(slots=True)
class DiagramEdge:
    src: str
    dst: str
    type: str
    soft: bool = False
    cross_product: bool = False
    #: How many graph edges this edge stands for (more than 1 once collapsed).
    count: int = 1
    #: The API a CONSUMES / SUBSCRIBES edge was drawn through (portfolio view).
    via: str | None = None
    #: Drawn through a deprecated API.
    deprecated: bool = False


@dataclass(slots=True)
class DiagramGroup:
    id: str
    label: str
    platform: bool = False
    deprecated: bool = False
    #: Impact view: a product the change affects.
    affected: bool = False


@dataclass(slots=True)
class Diagram:
    view: ViewName
    title: str
    nodes: list[DiagramNode] = field(default_factory=list)
    edges: list[DiagramEdge] = field(default_factory=list)
    groups: list[DiagramGroup] = field(default_factory=list)
    collapsed: bool = False
    notes: list[str] = field(default_factory=list)

    def group(self, group_id: str) -> DiagramGroup | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def drawn_groups(self) -> list[DiagramGroup]:
        """The groups that hold at least one node (the clusters a renderer draws)."""
        used = {n.group for n in self.nodes}
        return [g for g in self.groups if g.id in used]


def merge_edges(edges: list[DiagramEdge]) -> list[DiagramEdge]:
    """One edge per ``(src, type, dst)``: counts add up, hard wins over soft; self-loops go."""
    merged: dict[tuple[str, str, str], DiagramEdge] = {}
    for e in edges:
        if e.src == e.dst:
            continue
        key = (e.src, e.type, e.dst)
        seen = merged.get(key)
        if seen is None:
            merged[key] = replace(e)
        else:
            seen.count += e.count
            seen.soft = seen.soft and e.soft
            seen.cross_product = seen.cross_product or e.cross_product
            seen.deprecated = seen.deprecated or e.deprecated
            if seen.via != e.via:
                seen.via = None
    return sorted(merged.values(), key=lambda e: (e.src, e.type, e.dst))


def collapse(
    diagram: Diagram,
    *,
    keep: frozenset[str] = frozenset(),
    reason: str = f"more than {MAX_COMPONENTS} components",
) -> Diagram:
    """Replace every grouped node (but those in *keep*) by one node for its group.

    The product or platform node carries the group's marks (deprecated,
    affected) and counts its members; edges are re-pointed and merged, and
    edges inside one group disappear.
    """
    members: dict[str, int] = {}
    where: dict[str, str] = {}
    nodes: list[DiagramNode] = []
    for n in diagram.nodes:
        if n.group is None or n.id in keep or n.role != "element":
            nodes.append(n)
            continue
        where[n.id] = n.group
        members[n.group] = members.get(n.group, 0) + 1
    for gid, count in sorted(members.items()):
        g = diagram.group(gid)
        if any(n.id == gid for n in nodes):
            continue
        nodes.append(
            DiagramNode(
                id=gid,
                label=g.label if g else gid,
                kind="product" if not (g and g.platform) else PLATFORM_GROUP,
                role="platform" if g and g.platform else "product",
                deprecated=bool(g and g.deprecated),
                members=count,
            )
        )
    edges = [
        replace(e, src=where.get(e.src, e.src), dst=where.get(e.dst, e.dst)) for e in diagram.edges
    ]
    return Diagram(
        view=diagram.view,
        title=diagram.title,
        nodes=nodes,
        edges=merge_edges(edges),
        groups=list(diagram.groups),
        collapsed=True,
        notes=[
            *diagram.notes,
            f"{sum(members.values())} elements collapsed into "
            f"{len(members.keys() - {PLATFORM_GROUP})} products"
            f"{' and the platform' if PLATFORM_GROUP in members else ''} ({reason})",
        ],
    )


def component_count(diagram: Diagram) -> int:
    return sum(1 for n in diagram.nodes if n.kind == "component" and n.role == "element")
