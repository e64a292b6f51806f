"""One entry point for every diagram format: :func:`render_diagram`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from graph.views.dot import render_image, to_dot
from graph.views.mermaid import to_mermaid
from graph.views.model import Diagram
from graph.views.structurizr import to_structurizr

DiagramFormat = Literal["dot", "svg", "png", "mermaid", "structurizr"]

MEDIA_TYPES: dict[str, str] = {
    "dot": "text/vnd.graphviz; charset=utf-8",
    "svg": "image/svg+xml",
    "png": "image/png",
    "mermaid": "text/plain; charset=utf-8",
    "structurizr": "text/plain; charset=utf-8",
}
SPLIT_MERMAID_MEDIA_TYPE = "text/markdown; charset=utf-8"
"""A Mermaid diagram split in parts: Markdown holding one fenced block per part."""
DIAGRAM_MEDIA_TYPES = frozenset(
    media.split(";")[0] for media in (*MEDIA_TYPES.values(), SPLIT_MERMAID_MEDIA_TYPE)
)
"""Every media type a diagram can be answered in (without parameters)."""
EXTENSIONS: dict[str, str] = {
    "dot": "dot",
    "svg": "svg",
    "png": "png",
    "mermaid": "mmd",
    "structurizr": "dsl",
}


@dataclass(slots=True)
class RenderedDiagram:
    """The bytes of a diagram and what the reader must know about them."""

    content: bytes
    media_type: str
    extension: str
    collapsed: bool
    parts: int = 1
    notes: list[str] = field(default_factory=list)


def render_diagram(diagram: Diagram, fmt: DiagramFormat) -> RenderedDiagram:
    """*diagram* drawn in *fmt* (SVG and PNG need Graphviz's ``dot``)."""
    collapsed, notes, parts = diagram.collapsed, list(diagram.notes), 1
    if fmt == "dot":
        content = to_dot(diagram).encode()
    elif fmt in ("svg", "png"):
        content = render_image(diagram, fmt)
    elif fmt == "mermaid":
        result = to_mermaid(diagram)
        content, collapsed, notes = result.text().encode(), result.collapsed, result.notes
        parts = len(result.parts)
        if parts > 1:
            return RenderedDiagram(content, SPLIT_MERMAID_MEDIA_TYPE, "md", collapsed, parts, notes)
    else:
        content = to_structurizr(diagram).encode()
    return RenderedDiagram(content, MEDIA_TYPES[fmt], EXTENSIONS[fmt], collapsed, parts, notes)
