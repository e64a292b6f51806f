"""Diagrams and data exports: ``GET /exports/graph`` and ``GET /exports/data`` (reader role).

Routes parse the query, ask ``graph.views`` for the diagram or the data on
the cached projection (or, with ``as_of``, the projection of the graph at
that point rebuilt from the change log) and send the bytes; rules in
``docs/diagrams.md``.
Response headers say what the reader must know: ``X-Archgraph-Collapsed``
(components collapsed into products), ``X-Archgraph-Parts`` (Mermaid split
into that many diagrams) and ``X-Archgraph-Notes`` (a JSON list of notes).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.deps import ReaderKey, StoreDep
from app.history_service import POINT_SCHEMA, projection_at
from graph.analysis import Projection, ProjectionCache
from graph.views import (
    DIAGRAM_MEDIA_TYPES,
    DataFormat,
    DiagramFormat,
    ViewName,
    build_view,
    export_data,
    render_diagram,
)
from schemas.analysis import ChangeType
from schemas.refs import PRODUCT_OR_SLUG_PATTERN

router = APIRouter(prefix="/exports", tags=["exports"])

AsOf = Annotated[
    str | None,
    Query(
        max_length=100,
        description="the graph as it was at this ISO-8601 instant or version",
        json_schema_extra=POINT_SCHEMA,
    ),
]


def _projection(request: Request, store: StoreDep, as_of: str | None) -> Projection:
    """Today's cached projection, or the graph at *as_of* rebuilt from the change log."""
    if as_of is None:
        cache: ProjectionCache = request.app.state.projections
        return cache.get()
    return projection_at(store, as_of, request.app.state.settings)


DATA_MEDIA_TYPES = {
    "json": ("application/json", "json"),
    "csv": ("application/zip", "zip"),
    "graphml": ("application/graphml+xml", "graphml"),
}


@router.get(
    "/graph",
    summary="A diagram: portfolio map, focus on one element, or the impact of a change",
    response_class=Response,
    responses={200: {"content": {media: {} for media in sorted(DIAGRAM_MEDIA_TYPES)}}},
)
async def get_graph_diagram(
    request: Request,
    store: StoreDep,
    _key: ReaderKey,
    view: ViewName = "portfolio",
    focus: Annotated[
        str | None,
        Query(max_length=10_000, description="focus: one ref; impact: targets, comma-separated"),
    ] = None,
    depth: Annotated[
        int | None, Query(ge=0, le=1000, description="hops (focus, default 1) or levels (impact)")
    ] = None,
    change: ChangeType = ChangeType.BREAKING_CHANGE,
    format: DiagramFormat = "svg",
    as_of: AsOf = None,
) -> Response:
    rendered = await run_in_threadpool(
        lambda: render_diagram(
            build_view(_projection(request, store, as_of), view, focus, depth, change), format
        )
    )
    headers = {
        "X-Archgraph-Collapsed": "true" if rendered.collapsed else "false",
        "X-Archgraph-Parts": str(rendered.parts),
        "X-Archgraph-Notes": json.dumps(rendered.notes),
        "Content-Disposition": f'inline; filename="{view}.{rendered.extension}"',
    }
    return Response(rendered.content, media_type=rendered.media_type, headers=headers)


@router.get(
    "/data",
    summary="The graph, or one product's or some kinds' part of it, as JSON, CSV or GraphML",
    response_class=Response,
    responses={200: {"content": {media: {} for media, _ in DATA_MEDIA_TYPES.values()}}},
)
async def get_graph_data(
    request: Request,
    store: StoreDep,
    _key: ReaderKey,
    format: DataFormat = "json",
    product: Annotated[
        str | None, Query(pattern=PRODUCT_OR_SLUG_PATTERN, description="product ref or slug")
    ] = None,
    kind: Annotated[
        list[str] | None, Query(max_length=20, description="element kinds (repeat or comma-list)")
    ] = None,
    as_of: AsOf = None,
) -> Response:
    content = await run_in_threadpool(
        lambda: export_data(
            _projection(request, store, as_of),
            format,
            product=product,
            kinds=kind or (),
            as_of=as_of,
        )
    )
    media_type, extension = DATA_MEDIA_TYPES[format]
    headers = {"Content-Disposition": f'attachment; filename="archgraph.{extension}"'}
    return Response(content, media_type=media_type, headers=headers)
