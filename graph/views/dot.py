"""Graphviz: a :class:`Diagram` as DOT source (the ``graphviz`` package), SVG or PNG (``dot``).

Drawing rules: each product is a cluster, the platform layer a shaded
cluster of its own; cross-product edges are thick and red; soft edges are
dashed; deprecated elements are grey with a dashed border and
"(deprecated)" in the label; the focus element and the impact targets have a
double border; impact depth shades nodes from dark (depth 1) to light; an
affected product's cluster is outlined thick red.
"""

from __future__ import annotations

from typing import Literal

import graphviz

from graph.views.model import Diagram, DiagramEdge, DiagramNode, RendererUnavailableError

ImageFormat = Literal["svg", "png"]

#: Fill colours of impact depths 0 (targets), 1, 2, 3 and deeper.
DEPTH_COLOURS = ("#d7301f", "#fc8d59", "#fdbb84", "#fdd49e", "#fef0d9")
CROSS_PRODUCT_COLOUR = "#c0392b"
PLATFORM_FILL = "#eaf2f8"
DEPRECATED_FILL = "#dddddd"
_SHAPES = {
    "product": "folder",
    "platform": "folder",
    "component": "box",
    "api": "component",
    "team": "house",
    "capability": "hexagon",
    "technology": "cylinder",
    "adr": "note",
}


def _text(*lines: str) -> str:
    """A label: each line taken literally (no escapes, no HTML), joined by DOT line breaks."""
    text: str = graphviz.nohtml("\\n".join(graphviz.escape(line) for line in lines))
    return text


def _node_attrs(diagram: Diagram, n: DiagramNode) -> dict[str, str]:
    label = [n.label]
    if n.members > 1 or n.role != "element":
        label.append(f"({n.members} elements)")
    styles = ["filled", "rounded"] if n.kind == "component" else ["filled"]
    fill = "#ffffff"
    if n.deprecated:
        label.append("(deprecated)")
        styles.append("dashed")
        fill = DEPRECATED_FILL
    if n.depth is not None:
        fill = DEPTH_COLOURS[min(n.depth, len(DEPTH_COLOURS) - 1)]
        label.append("target" if n.depth == 0 else f"depth {n.depth}" + (" soft" if n.soft else ""))
        if n.soft:
            styles.append("dashed")
    elif n.role == "platform":
        fill = PLATFORM_FILL
    attrs = {
        "label": _text(*label),
        "shape": _SHAPES.get(n.kind, "ellipse"),
        "style": ",".join(dict.fromkeys(styles)),
        "fillcolor": fill,
        "tooltip": _text(n.id),
        "id": _text(n.id),
    }
    if n.focus:
        attrs["peripheries"] = "2"
        attrs["penwidth"] = "2"
    group = diagram.group(n.id) if n.role != "element" else None
    if group is not None and group.affected:
        attrs["color"] = CROSS_PRODUCT_COLOUR
        attrs["penwidth"] = "3"
    return attrs


def _edge_attrs(e: DiagramEdge) -> dict[str, str]:
    label = e.type if e.count == 1 else f"{e.type} x{e.count}"
    if e.deprecated:
        label += " (deprecated API)"
    attrs = {"label": _text(label), "tooltip": _text(f"{e.src} {e.type} {e.dst}")}
    styles = []
    if e.soft:
        styles.append("dashed")
    if e.deprecated:
        styles.append("dotted")
    if styles:
        attrs["style"] = ",".join(styles)
    if e.cross_product:
        attrs["color"] = CROSS_PRODUCT_COLOUR
        attrs["penwidth"] = "2.5"
        attrs["fontcolor"] = CROSS_PRODUCT_COLOUR
    return attrs


def to_graphviz(diagram: Diagram) -> graphviz.Digraph:
    """The diagram as a ``graphviz.Digraph`` (clusters per product and for the platform)."""
    g = graphviz.Digraph(name=diagram.view, comment=diagram.title)
    g.attr(
        rankdir="LR",
        label=_text(diagram.title, *diagram.notes),
        labelloc="t",
        fontname="Helvetica",
        compound="true",
        # Without newrank, dot's cluster ranking fails ("trouble in init_rank") on some
        # portfolios whose edges cross clusters both ways (the example portfolio's).
        newrank="true",
    )
    g.attr("node", fontname="Helvetica", fontsize="10")
    g.attr("edge", fontname="Helvetica", fontsize="8")
    # DOT ids are n0, n1 ...: the python package would read the colon of a ref as a port.
    ids = {n.id: f"n{i}" for i, n in enumerate(diagram.nodes)}
    for n in diagram.nodes:
        if n.group is None:
            g.node(ids[n.id], **_node_attrs(diagram, n))
    for i, group in enumerate(diagram.drawn_groups()):
        with g.subgraph(name=f"cluster_{i}") as c:
            label = group.label + (" (deprecated)" if group.deprecated else "")
            if group.affected:
                label += " (affected)"
            c.attr(label=_text(label), id=_text(f"cluster:{group.id}"), style="rounded")
            if group.platform:
                c.attr(style="filled,rounded", fillcolor=PLATFORM_FILL)
            if group.affected:
                c.attr(color=CROSS_PRODUCT_COLOUR, penwidth="3")
            for n in diagram.nodes:
                if n.group == group.id:
                    c.node(ids[n.id], **_node_attrs(diagram, n))
    for e in diagram.edges:
        g.edge(ids[e.src], ids[e.dst], **_edge_attrs(e))
    return g


def to_dot(diagram: Diagram) -> str:
    """DOT source text."""
    return str(to_graphviz(diagram).source)


def render_image(diagram: Diagram, image_format: ImageFormat) -> bytes:
    """SVG or PNG bytes drawn by Graphviz's ``dot``."""
    try:
        data: bytes = to_graphviz(diagram).pipe(format=image_format, engine="dot")
    except graphviz.ExecutableNotFound:
        raise RendererUnavailableError(
            "Graphviz's dot is not installed on the server: install the graphviz package "
            "(apt-get install graphviz) or ask for format=dot, mermaid or structurizr",
            location="format",
        ) from None
    return data
