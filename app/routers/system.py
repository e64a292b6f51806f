"""Health, readiness, and whole-graph export and import."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from app.deps import AdminKey, ReaderKey, StoreDep
from app.errors import error_body
from graph.storage import export_document, import_document
from schemas.errors import StoreUnavailableError

health = APIRouter(tags=["health"])
router = APIRouter(tags=["export"])


@health.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health.get("/readyz", summary="The store is reachable (503 with the reason when not)")
def readyz(request: Request) -> JSONResponse:
    store = request.app.state.store
    try:
        store.ping()
        version = store.version()
    except StoreUnavailableError as exc:
        body = error_body(exc.code, exc.message, "store")
        return JSONResponse(
            {**body, "status": "unavailable", "backend": store.backend}, status_code=503
        )
    return JSONResponse({"status": "ready", "backend": store.backend, "version": version})


@router.get("/export", summary="The whole graph as one JSON document (with provenance)")
def export_graph(store: StoreDep, _key: ReaderKey) -> dict[str, Any]:
    return export_document(store)


@router.post("/import", summary="Replace the whole graph with an exported document (admin)")
def import_graph(
    store: StoreDep,
    _key: AdminKey,
    document: dict[str, Any] = Body(...),  # noqa: B008
) -> dict[str, Any]:
    nodes, edges, version = import_document(store, document)
    return {"nodes": nodes, "edges": edges, "version": version}
