"""The three views: portfolio map, focus and impact, each a :class:`Diagram` of a projection.

Rules (``docs/diagrams.md``):

* **portfolio**: every component, in its product's group or the platform
  group; component-to-component edges: ``DEPENDS_ON``, and ``CONSUMES`` /
  ``SUBSCRIBES`` of an API drawn to the component that provides or
  publishes it (``via`` the API). An edge between two different products is
  *cross-product*. Deprecated or retired components, sunsetting or retired
  products and edges through a deprecated API are marked deprecated.
* **focus**: the element and everything within *depth* hops of it, edges
  followed in either direction, every edge among them.
* **impact**: the targets and what :func:`graph.analysis.impact` reports
  affected (components and APIs, by depth, hard or soft), the impact edges
  among them, the affected products outlined.

Past :data:`MAX_COMPONENTS` components a view collapses the components (and
APIs) into their products, keeping the focus element or the targets.

Errors::

    NotFoundError      unknown focus element (code unknown_element)
    InvalidInputError  a depth out of range (code depth_out_of_range), no focus given
"""

from __future__ import annotations

from collections import deque

from graph.analysis import Projection, impact
from graph.views.model import (
    MAX_COMPONENTS,
    MAX_FOCUS_DEPTH,
    MAX_IMPACT_DEPTH,
    PLATFORM_GROUP,
    Diagram,
    DiagramEdge,
    DiagramGroup,
    DiagramNode,
    ViewName,
    collapse,
    component_count,
    merge_edges,
)
from schemas.analysis import EVERYTHING, ChangeType, ImpactRequest
from schemas.edges import EdgeType
from schemas.errors import InvalidInputError, NotFoundError
from schemas.refs import Kind

#: The focus view stops adding elements past this many (and says so).
MAX_FOCUS_ELEMENTS = 2_000

_DEPRECATED = frozenset({"deprecated", "retired", "sunsetting"})
_USE_TYPES = (EdgeType.CONSUMES, EdgeType.SUBSCRIBES)
_OFFER_TYPES = (EdgeType.PROVIDES, EdgeType.PUBLISHES)
_IMPACT_EDGE_TYPES = frozenset(
    {
        EdgeType.DEPENDS_ON,
        EdgeType.CONSUMES,
        EdgeType.SUBSCRIBES,
        EdgeType.PART_OF,
        EdgeType.PROVIDES,
        EdgeType.PUBLISHES,
    }
)


def _deprecated(p: Projection, node: int) -> bool:
    props = p.props[node]
    return str(props.get("lifecycle", "")) in _DEPRECATED or props.get("deprecated") is True


def _group_of(p: Projection, node: int) -> str | None:
    owner = p.owner_ref(node)
    if owner is not None:
        return owner
    return PLATFORM_GROUP if p.is_platform(node) else None


def _node(p: Projection, node: int) -> DiagramNode:
    kind = p.kind(node).value
    return DiagramNode(
        id=p.refs[node],
        label=p.name(node),
        kind=kind,
        group=None if kind == Kind.PRODUCT.value else _group_of(p, node),
        deprecated=_deprecated(p, node),
    )


def _groups(p: Projection, nodes: list[DiagramNode]) -> list[DiagramGroup]:
    used = sorted({n.group for n in nodes if n.group is not None})
    out = []
    for gid in used:
        if gid == PLATFORM_GROUP:
            out.append(DiagramGroup(PLATFORM_GROUP, "Platform", platform=True))
            continue
        i = p.index[gid]
        out.append(DiagramGroup(gid, p.name(i), deprecated=_deprecated(p, i)))
    return out


def _cross(p: Projection, a: int, b: int) -> bool:
    oa, ob = p.owner_ref(a), p.owner_ref(b)
    return oa is not None and ob is not None and oa != ob


def _finish(diagram: Diagram, keep: frozenset[str] = frozenset()) -> Diagram:
    diagram.edges = merge_edges(diagram.edges)
    if component_count(diagram) > MAX_COMPONENTS:
        return collapse(diagram, keep=keep)
    return diagram


# ------------------------------------------------------------------ portfolio


def portfolio_view(p: Projection) -> Diagram:
    """Products as groups, the platform apart, component dependencies between them."""
    comps = p.nodes_of(Kind.COMPONENT)
    nodes = [_node(p, c) for c in comps]
    edges: list[DiagramEdge] = []
    for c in comps:
        for e in p.out_edges(c):
            kind = p.edge_kind(e)
            dst = p.edge_dst[e]
            if kind == EdgeType.DEPENDS_ON and p.kind(dst) == Kind.COMPONENT:
                edges.append(
                    DiagramEdge(
                        p.refs[c], p.refs[dst], kind.value, p.edge_is_soft(e), _cross(p, c, dst)
                    )
                )
            elif kind in _USE_TYPES and p.kind(dst) == Kind.API:
                deprecated = _deprecated(p, dst)
                for f in p.in_edges(dst):
                    if p.edge_kind(f) not in _OFFER_TYPES:
                        continue
                    provider = p.edge_src[f]
                    edges.append(
                        DiagramEdge(
                            p.refs[c],
                            p.refs[provider],
                            kind.value,
                            p.edge_is_soft(e),
                            _cross(p, c, provider),
                            via=p.refs[dst],
                            deprecated=deprecated,
                        )
                    )
    diagram = Diagram("portfolio", "Portfolio map", nodes, edges, _groups(p, nodes))
    products = p.nodes_of(Kind.PRODUCT)
    used = {n.group for n in nodes}
    empty = [p.refs[i] for i in products if p.refs[i] not in used]
    for ref in empty:
        i = p.index[ref]
        diagram.nodes.append(
            DiagramNode(
                ref,
                p.name(i),
                Kind.PRODUCT.value,
                role="product",
                deprecated=_deprecated(p, i),
                members=0,
            )
        )
    return _finish(diagram)


# ---------------------------------------------------------------------- focus


def _check_depth(depth: int, limit: int) -> None:
    if not 0 <= depth <= limit:
        raise InvalidInputError(
            f"depth must be between 0 and {limit}, got {depth}",
            code="depth_out_of_range",
            location="depth",
        )


def _resolve(p: Projection, ref: str) -> int:
    node = p.index.get(ref)
    if node is None or node >= p.node_count:
        raise NotFoundError(f"{ref} is not in the graph", code="unknown_element", location="focus")
    return node


def focus_view(p: Projection, focus: str, depth: int = 1) -> Diagram:
    """*focus* and every element within *depth* hops of it (edges in either direction)."""
    _check_depth(depth, MAX_FOCUS_DEPTH)
    start = _resolve(p, focus)
    hops = {start: 0}
    queue = deque([start])
    truncated = False
    while queue:
        node = queue.popleft()
        if hops[node] == depth:
            continue
        neighbours = [p.edge_dst[e] for e in p.out_edges(node)]
        neighbours += [p.edge_src[e] for e in p.in_edges(node)]
        for other in neighbours:
            if other in hops or other >= p.node_count:
                continue
            if len(hops) >= MAX_FOCUS_ELEMENTS:
                truncated = True
                break
            hops[other] = hops[node] + 1
            queue.append(other)
    chosen = sorted(hops)
    nodes = [_node(p, n) for n in chosen]
    nodes[chosen.index(start)].focus = True
    edges = [
        DiagramEdge(
            p.refs[n],
            p.refs[p.edge_dst[e]],
            p.edge_kind(e).value,
            p.edge_is_soft(e),
            _cross(p, n, p.edge_dst[e]),
        )
        for n in chosen
        for e in p.out_edges(n)
        if p.edge_dst[e] in hops
    ]
    title = f"{p.refs[start]} and {depth} hop{'s' if depth != 1 else ''} around it"
    diagram = Diagram("focus", title, nodes, edges, _groups(p, nodes))
    if truncated:
        diagram.notes.append(f"stopped at {MAX_FOCUS_ELEMENTS} elements: lower the depth")
    return _finish(diagram, keep=frozenset({p.refs[start]}))


# --------------------------------------------------------------------- impact


def impact_view(
    p: Projection,
    targets: list[str],
    *,
    change_type: ChangeType = ChangeType.BREAKING_CHANGE,
    depth: int | None = None,
) -> Diagram:
    """What :func:`graph.analysis.impact` reports for the change, drawn by depth."""
    if not targets:
        raise InvalidInputError(
            "the impact view needs at least one target in focus", location="focus"
        )
    if depth is not None:
        _check_depth(depth, MAX_IMPACT_DEPTH)
    for ref in targets:
        _resolve(p, ref)
    result = impact(
        p,
        ImpactRequest(
            targets=targets,
            change_type=change_type,
            max_depth=depth or None,
            max_products=EVERYTHING,
            max_listed=EVERYTHING,
        ),
    )
    reached: dict[str, tuple[int, bool]] = {t.ref: (0, False) for t in result.targets}
    for group in result.components_by_depth:
        for ref in group.hard:
            reached.setdefault(ref, (group.depth, False))
        for ref in group.soft:
            reached.setdefault(ref, (group.depth, True))
        for ref in group.apis:
            reached.setdefault(ref, (group.depth, False))
    ids = sorted(p.index[ref] for ref in reached)
    nodes = []
    for i in ids:
        n = _node(p, i)
        n.depth, n.soft = reached[n.id]
        n.focus = n.depth == 0
        nodes.append(n)
    chosen = set(ids)
    edges = [
        DiagramEdge(
            p.refs[i],
            p.refs[p.edge_dst[e]],
            p.edge_kind(e).value,
            p.edge_is_soft(e),
            _cross(p, i, p.edge_dst[e]),
        )
        for i in ids
        for e in p.out_edges(i)
        if p.edge_dst[e] in chosen and p.edge_kind(e) in _IMPACT_EDGE_TYPES
    ]
    names = ", ".join(t.ref for t in result.targets)
    diagram = Diagram("impact", f"Impact of {change_type.value} on {names}", nodes, edges)
    diagram.groups = _groups(p, nodes)
    affected = {a.ref for a in result.affected_products}
    for g in diagram.groups:
        g.affected = g.id in affected
    for ref in sorted(affected - {g.id for g in diagram.groups}):
        diagram.groups.append(DiagramGroup(ref, p.name(p.index[ref]), affected=True))
    diagram.notes += result.warnings
    if result.truncated:
        diagram.notes.append("the impact walk was truncated: see POST /api/v1/impact")
    return _finish(diagram, keep=frozenset(t.ref for t in result.targets))


def build_view(
    p: Projection,
    view: ViewName,
    focus: str | None = None,
    depth: int | None = None,
    change: ChangeType = ChangeType.BREAKING_CHANGE,
) -> Diagram:
    """The view a caller names: *focus* is one ref (focus) or comma-separated targets (impact)."""
    if view == "portfolio":
        return portfolio_view(p)
    refs = [r.strip() for r in (focus or "").split(",") if r.strip()]
    if not refs:
        raise InvalidInputError(
            f"the {view} view needs focus=<element ref>", code="focus_required", location="focus"
        )
    if view == "focus":
        if len(refs) > 1:
            raise InvalidInputError(
                "the focus view takes one element", code="one_focus", location="focus"
            )
        return focus_view(p, refs[0], 1 if depth is None else depth)
    return impact_view(p, refs, change_type=change, depth=depth)
