"""Diagrams and data exports: ``GET /exports/graph`` and ``GET /exports/data`` (reader role).

Routes parse the query, ask ``graph.views`` for the diagram or the data on
the cached projection and send the bytes; rules in ``docs/diagrams.md``.
Response headers say what the reader must know: ``X-Archgraph-Collapsed``
(components collapsed into products), ``X-Archgraph-Parts`` (Mermaid split
into that many diagrams) and ``X-Archgraph-Notes`` (a JSON list of notes).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.deps import ReaderKey
from graph.analysis import ProjectionCache
from graph.views import (
    DataFormat,
    DiagramFormat,
    ViewName,
    build_view,
    data_csv_zip,
    data_graphml,
    data_json,
    render_diagram,
    select_data,
)
from schemas.analysis import ChangeType

router = APIRouter(prefix="/exports", tags=["exports"])

DATA_MEDIA_TYPES = {
    "json": ("application/json", "json"),
    "csv": ("application/zip", "zip"),
    "graphml": ("application/graphml+xml", "graphml"),
}


@router.get(
    "/graph",
    summary="A diagram: portfolio map, focus on one element, or the impact of a change",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}, "text/plain": {}}}},
)
async def get_graph_diagram(
    request: Request,
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
) -> Response:
    cache: ProjectionCache = request.app.state.projections
    rendered = await run_in_threadpool(
        lambda: render_diagram(build_view(cache.get(), view, focus, depth, change), format)
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
    responses={200: {"content": {"application/zip": {}, "application/graphml+xml": {}}}},
)
async def get_graph_data(
    request: Request,
    _key: ReaderKey,
    format: DataFormat = "json",
    product: Annotated[str | None, Query(max_length=200, description="product ref")] = None,
    kind: Annotated[
        list[str] | None, Query(max_length=20, description="element kinds (repeat or comma-list)")
    ] = None,
) -> Response:
    cache: ProjectionCache = request.app.state.projections
    kinds = [k.strip() for value in kind or [] for k in value.split(",") if k.strip()]
    writer = {"json": data_json, "csv": data_csv_zip, "graphml": data_graphml}[format]
    content = await run_in_threadpool(
        lambda: writer(select_data(cache.get(), product=product, kinds=kinds or None))
    )
    media_type, extension = DATA_MEDIA_TYPES[format]
    headers = {"Content-Disposition": f'attachment; filename="archgraph.{extension}"'}
    return Response(content, media_type=media_type, headers=headers)
