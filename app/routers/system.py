"""Health, readiness, and whole-graph export and import."""

from __future__ import annotations

import itertools
import os
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from app.auth import actor_name
from app.deps import AdminKey, ReaderKey, StoreDep
from app.errors import error_body
from app.history_service import POINT_SCHEMA, export_as_of
from graph.storage import DOCUMENT_SCHEMA, export_chunks, import_document
from schemas.errors import StoreUnavailableError

health = APIRouter(tags=["health"])
router = APIRouter(tags=["export"])


@health.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health.get(
    "/readyz",
    summary="The store is reachable and the projection built (503 with the reason when not)",
)
def readyz(request: Request) -> JSONResponse:
    store = request.app.state.store
    warmup = request.app.state.warmup  # None when no lifespan ran (an app handed a store)
    if warmup is not None and not warmup.done.is_set():
        message = "the projection of the graph is being built"
        if warmup.error:
            message += f"; the last attempt failed: {warmup.error}"
        body = error_body("projection_building", message, "projection")
        return JSONResponse(
            {**body, "status": "starting", "backend": store.backend}, status_code=503
        )
    try:
        store.ping()
        version = store.version()
    except StoreUnavailableError as exc:
        body = error_body(exc.code, exc.message, "store")
        return JSONResponse(
            {**body, "status": "unavailable", "backend": store.backend}, status_code=503
        )
    # pid: which server process answered (one of `archgraph serve --workers N`)
    return JSONResponse(
        {"status": "ready", "backend": store.backend, "version": version, "pid": os.getpid()}
    )


@router.get(
    "/export",
    summary="The whole graph as one JSON document (with provenance), streamed from one snapshot",
    response_class=StreamingResponse,
)
def export_graph(
    request: Request,
    store: StoreDep,
    _key: ReaderKey,
    as_of: Annotated[
        str | None,
        Query(description="the graph as it was then", json_schema_extra=POINT_SCHEMA),
    ] = None,
) -> Response:
    if as_of is not None:  # the graph as it was then, rebuilt from the change log
        return JSONResponse(export_as_of(store, as_of, request.app.state.settings))
    chunks = export_chunks(store)
    first = next(chunks)  # opens the snapshot here, so an unreachable store is a 503
    # Closing the generator ends the snapshot (and on Neo4j frees the graph lock)
    # even when the client goes away mid-stream.
    return StreamingResponse(
        itertools.chain([first], chunks),
        media_type="application/json",
        background=BackgroundTask(chunks.close),
    )


@router.post(
    "/import",
    summary="Replace the whole graph with an exported document (admin)",
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": DOCUMENT_SCHEMA}}}},
)
def import_graph(
    store: StoreDep,
    key: AdminKey,
    document: dict[str, Any] = Body(...),  # noqa: B008
) -> dict[str, Any]:
    nodes, edges, version = import_document(store, document, actor=actor_name(key))
    return {"nodes": nodes, "edges": edges, "version": version}
