"""Mermaid flowcharts of a :class:`Diagram`, within what GitHub and GitLab render.

Mermaid refuses a diagram past 500 edges (``maxEdges``) or 50,000 characters
(``maxTextSize``). :func:`to_mermaid` first draws the diagram whole; if that
is over either limit and the diagram is not collapsed yet, it collapses
components into their products; if that is still over, it splits the edges
into parts, each a complete flowchart within both limits (every part repeats
the nodes and groups its edges need).

Drawing: groups are ``subgraph`` blocks; soft edges are dotted (``-.->``),
cross-product edges thick (``==>``); node classes mark deprecated elements,
the focus or targets and impact depth; affected products get a red border.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.views.dot import CROSS_PRODUCT_COLOUR, DEPRECATED_FILL, DEPTH_COLOURS, PLATFORM_FILL
from graph.views.model import Diagram, DiagramEdge, DiagramGroup, DiagramNode, collapse

MAX_EDGES = 500
MAX_CHARS = 50_000

_CLASS_DEFS = (
    f"  classDef deprecated fill:{DEPRECATED_FILL},stroke-dasharray:4 3\n"
    "  classDef focus stroke-width:4px\n"
    "  classDef product fill:#f5f5f5,stroke-width:2px\n"
    + "".join(f"  classDef d{i} fill:{c}\n" for i, c in enumerate(DEPTH_COLOURS))
)


@dataclass(slots=True)
class MermaidResult:
    parts: list[str]
    collapsed: bool
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """One part as is; several as Markdown, one fenced block each."""
        if len(self.parts) == 1:
            return self.parts[0]
        blocks = [
            f"Part {i} of {len(self.parts)}\n\n```mermaid\n{part}```\n"
            for i, part in enumerate(self.parts, 1)
        ]
        return "\n".join(blocks)


def _escape(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for what Mermaid would parse."""
    for raw, code in (("#", "#35;"), ("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, code)
    return " ".join(text.split())


class _Lines:
    """Every line of the whole diagram, so a part's size is a sum of known lengths."""

    def __init__(self, diagram: Diagram) -> None:
        self.diagram = diagram
        self.ids = {n.id: f"n{i}" for i, n in enumerate(diagram.nodes)}
        self.gids = {g.id: f"g{i}" for i, g in enumerate(diagram.groups)}
        title = "; ".join([diagram.title, *diagram.notes])
        self.header = f'---\ntitle: "{_escape(title)}"\n---\nflowchart LR\n' + _CLASS_DEFS
        self.node_line = {n.id: self._node(n) for n in diagram.nodes}
        self.group_open = {g.id: self._group_open(g) for g in diagram.groups}
        self.group_close = {g.id: self._group_close(g) for g in diagram.groups}

    def _node(self, n: DiagramNode) -> str:
        label = _escape(n.label)
        if n.role != "element":
            label += f" ({n.members} elements)"
        if n.deprecated:
            label += " (deprecated)"
        if n.depth is not None:
            label += (
                " target" if n.depth == 0 else f" depth {n.depth}" + (" soft" if n.soft else "")
            )
        classes = []
        if n.role != "element":
            classes.append("product")
        if n.deprecated:
            classes.append("deprecated")
        if n.depth is not None:
            classes.append(f"d{min(n.depth, len(DEPTH_COLOURS) - 1)}")
        if n.focus:
            classes.append("focus")
        cls = (":::" + ",".join(classes)) if classes else ""
        indent = "    " if n.group is not None else "  "
        return f'{indent}{self.ids[n.id]}["{label}"]{cls}\n'

    def _group_open(self, g: DiagramGroup) -> str:
        label = _escape(g.label) + (" (deprecated)" if g.deprecated else "")
        return f'  subgraph {self.gids[g.id]}["{label}"]\n'

    def _group_close(self, g: DiagramGroup) -> str:
        line = "  end\n"
        if g.affected:
            line += f"  style {self.gids[g.id]} stroke:{CROSS_PRODUCT_COLOUR},stroke-width:3px\n"
        elif g.platform:
            line += f"  style {self.gids[g.id]} fill:{PLATFORM_FILL}\n"
        return line

    def edge(self, e: DiagramEdge) -> str:
        label = e.type if e.count == 1 else f"{e.type} x{e.count}"
        if e.deprecated:
            label += " deprecated API"
        if e.soft:
            arrow = "-.->"
            if e.cross_product:
                label += " cross-product"
        else:
            arrow = "==>" if e.cross_product else "-->"
        return f'  {self.ids[e.src]} {arrow}|"{label}"| {self.ids[e.dst]}\n'

    def render(self, node_ids: list[str], edges: list[DiagramEdge]) -> str:
        chosen = set(node_ids)
        out = [self.header]
        by_group: dict[str | None, list[str]] = {}
        for n in self.diagram.nodes:
            if n.id in chosen:
                by_group.setdefault(n.group, []).append(self.node_line[n.id])
        out += by_group.get(None, [])
        for g in self.diagram.groups:
            if g.id in by_group:
                out += [self.group_open[g.id], *by_group[g.id], self.group_close[g.id]]
        out += [self.edge(e) for e in edges]
        return "".join(out)


def _split(diagram: Diagram) -> list[str]:
    lines = _Lines(diagram)
    group_of = {n.id: n.group for n in diagram.nodes}
    parts: list[str] = []
    nodes: list[str] = []
    edges: list[DiagramEdge] = []
    size = len(lines.header)
    groups: set[str] = set()

    def cost(new_nodes: list[str]) -> int:
        extra = 0
        new_groups = set()
        for ref in new_nodes:
            extra += len(lines.node_line[ref])
            g = group_of[ref]
            if g is not None and g not in groups and g not in new_groups:
                new_groups.add(g)
                extra += len(lines.group_open[g]) + len(lines.group_close[g])
        return extra

    def flush() -> None:
        nonlocal nodes, edges, size, groups
        if nodes:
            parts.append(lines.render(nodes, edges))
        nodes, edges, size, groups = [], [], len(lines.header), set()

    def add(new_nodes: list[str], edge: DiagramEdge | None) -> None:
        nonlocal size
        fresh = [r for r in dict.fromkeys(new_nodes) if r not in set(nodes)]
        extra = cost(fresh) + (len(lines.edge(edge)) if edge else 0)
        too_many = edge is not None and len(edges) >= MAX_EDGES
        if nodes and (too_many or size + extra > MAX_CHARS):
            flush()
            fresh = list(dict.fromkeys(new_nodes))
            extra = cost(fresh) + (len(lines.edge(edge)) if edge else 0)
        nodes.extend(fresh)
        groups.update(g for r in fresh if (g := group_of[r]) is not None)
        if edge is not None:
            edges.append(edge)
        size += extra

    ordered = sorted(diagram.edges, key=lambda e: (group_of[e.src] or "", e.src, e.dst, e.type))
    linked: set[str] = set()
    for e in ordered:
        add([e.src, e.dst], e)
        linked.update((e.src, e.dst))
    for n in diagram.nodes:
        if n.id not in linked:
            add([n.id], None)
    flush()
    return parts


def _fits(text: str, edges: int) -> bool:
    return edges <= MAX_EDGES and len(text) <= MAX_CHARS


def to_mermaid(diagram: Diagram) -> MermaidResult:
    """The diagram as one Mermaid flowchart, or collapsed, or split into parts that fit."""
    lines = _Lines(diagram)
    whole = lines.render([n.id for n in diagram.nodes], diagram.edges)
    if _fits(whole, len(diagram.edges)):
        return MermaidResult([whole], diagram.collapsed, list(diagram.notes))
    if not diagram.collapsed:
        keep = frozenset(n.id for n in diagram.nodes if n.focus)
        smaller = collapse(diagram, keep=keep, reason="to fit Mermaid's limits")
        return to_mermaid(smaller)
    parts = _split(diagram)
    notes = [
        *diagram.notes,
        f"split into {len(parts)} Mermaid diagrams of at most {MAX_EDGES} edges "
        f"and {MAX_CHARS:,} characters each",
    ]
    return MermaidResult(parts, True, notes)
