"""Views of the graph for people: diagrams and data exports, pure functions of a projection.

The views (:func:`portfolio_view`, :func:`focus_view`, :func:`impact_view`)
turn a :class:`graph.analysis.Projection` into a neutral :class:`Diagram`;
:func:`render_diagram` draws one as DOT, SVG, PNG, Mermaid or Structurizr
DSL. :func:`select_data` picks the whole graph or a part of it, which
:func:`data_json`, :func:`data_csv_zip` and :func:`data_graphml` write out.
Rules and thresholds: ``docs/diagrams.md``.
"""

from __future__ import annotations

from graph.views.data import (
    DataFormat,
    GraphData,
    data_csv_zip,
    data_graphml,
    data_json,
    export_data,
    select_data,
)
from graph.views.mermaid import MAX_CHARS, MAX_EDGES, to_mermaid
from graph.views.model import (
    MAX_COMPONENTS,
    MAX_FOCUS_DEPTH,
    MAX_IMPACT_DEPTH,
    Diagram,
    RendererUnavailableError,
    ViewName,
)
from graph.views.render import DIAGRAM_MEDIA_TYPES, DiagramFormat, RenderedDiagram, render_diagram
from graph.views.views import build_view, focus_view, impact_view, portfolio_view

__all__ = [
    "DIAGRAM_MEDIA_TYPES",
    "MAX_CHARS",
    "MAX_COMPONENTS",
    "MAX_EDGES",
    "MAX_FOCUS_DEPTH",
    "MAX_IMPACT_DEPTH",
    "DataFormat",
    "Diagram",
    "DiagramFormat",
    "GraphData",
    "RenderedDiagram",
    "RendererUnavailableError",
    "ViewName",
    "build_view",
    "data_csv_zip",
    "data_graphml",
    "data_json",
    "export_data",
    "focus_view",
    "impact_view",
    "portfolio_view",
    "render_diagram",
    "select_data",
    "to_mermaid",
]
