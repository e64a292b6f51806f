"""The ADR registry: register, read, edit, move along the lifecycle, impact, Markdown.

Routes stay thin: ``app/adr_service.py``, ``app/adr_impact.py`` and
``app/adr_io.py`` do the work; the rules are in ``docs/adr.md``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from adr import render_madr
from app import adr_impact, adr_io, adr_service
from app.deps import EditorKey, ReaderKey, StoreDep
from app.multipart_limits import MAX_FORM_FIELDS
from graph.analysis import Projection, ProjectionCache
from schemas.adr import (
    AdrCreate,
    AdrPage,
    AdrRead,
    AdrUpdate,
    ConflictPair,
    ImpactView,
    ImportReport,
    StatusChange,
    SupersedeRequest,
)
from schemas.elements import AdrStatus, IsoDate
from schemas.refs import REF_PATTERN

router = APIRouter(prefix="/adrs", tags=["adrs"])

MAX_IMPORT_FILES = 2_000
MAX_IMPORT_BYTES = 1_000_000


def _actor(request: Request) -> str:
    return str(getattr(request.state, "key_name", "anonymous"))


def _projection(request: Request) -> Projection:
    cache: ProjectionCache = request.app.state.projections
    return cache.get()


@router.post("", status_code=201, response_model=AdrRead)
async def create_adr(
    body: AdrCreate, request: Request, store: StoreDep, _key: EditorKey
) -> dict[str, Any]:
    """Register a decision: next number, AFFECTS/SUPERSEDES edges, impact stored."""
    actor = _actor(request)
    created = await run_in_threadpool(adr_service.create_adr, store, body, actor)
    if created.get("affects"):
        p = await run_in_threadpool(_projection, request)
        created = await run_in_threadpool(
            adr_impact.assess_and_store, store, p, created["number"], actor
        )
    return created


@router.get("", response_model=AdrPage)
async def list_adrs(
    request: Request,
    store: StoreDep,
    _key: ReaderKey,
    status: Annotated[list[AdrStatus] | None, Query()] = None,
    element: Annotated[str | None, Query(pattern=REF_PATTERN)] = None,
    product: Annotated[str | None, Query(pattern=REF_PATTERN)] = None,
    tag: str | None = None,
    since: IsoDate | None = None,
    until: IsoDate | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """ADRs by status, affected element (directly or through dependants), product, tag, date."""
    p = await run_in_threadpool(_projection, request) if (element or product) else None
    found = await run_in_threadpool(
        lambda: adr_impact.filter_adrs(
            store,
            p,
            status=[s.value for s in status or []],
            element=element,
            product=product,
            tag=tag,
            since=since,
            until=until,
        )
    )
    page = found[offset : offset + limit]
    return {
        "items": [adr_service.adr_view(a) for a in page],
        "total": len(found),
        "offset": offset,
        "limit": limit,
        "next_offset": offset + limit if offset + limit < len(found) else None,
    }


@router.get("/conflicts", response_model=list[ConflictPair])
async def get_conflicts(request: Request, store: StoreDep, _key: ReaderKey) -> list[dict[str, Any]]:
    """Pairs of open ADRs whose affected elements or reached products overlap."""
    p = await run_in_threadpool(_projection, request)
    return await run_in_threadpool(adr_impact.conflicts, store, p)


@router.post(
    "/import",
    response_model=ImportReport,
    form_limits={"max_files": MAX_IMPORT_FILES, "max_fields": MAX_FORM_FIELDS},
)
async def import_adrs(
    files: Annotated[list[UploadFile], File(min_length=1)],
    request: Request,
    store: StoreDep,
    _key: EditorKey,
) -> dict[str, Any]:
    """Import uploaded ADR Markdown files (one folder); warnings per file, nothing on failure."""
    texts: dict[str, str] = {}
    for upload in files:
        name = (upload.filename or "upload.md").replace("\\", "/").rsplit("/", 1)[-1]
        data = await upload.read(MAX_IMPORT_BYTES + 1)
        texts[name] = "" if len(data) > MAX_IMPORT_BYTES else data.decode("utf-8", "replace")
    return await run_in_threadpool(adr_io.import_files, store, texts, _actor(request))


@router.get("/{number}.md", response_class=Response)
async def get_adr_markdown(number: str, store: StoreDep, _key: ReaderKey) -> Response:
    """The ADR as MADR 4 Markdown."""
    props = await run_in_threadpool(adr_service.get_adr, store, adr_service.parse_number(number))
    text = render_madr(adr_io.to_doc(props))
    return Response(text, media_type="text/markdown; charset=utf-8")


@router.get("/{number}", response_model=AdrRead)
async def get_adr(number: str, store: StoreDep, _key: ReaderKey) -> dict[str, Any]:
    """One ADR with its affected elements, history and stored impact."""
    return await run_in_threadpool(adr_service.get_adr, store, adr_service.parse_number(number))


@router.patch("/{number}", response_model=AdrRead)
async def patch_adr(
    number: str, body: AdrUpdate, request: Request, store: StoreDep, _key: EditorKey
) -> dict[str, Any]:
    """Edit text fields; each edit is kept in the ADR's history with who and when."""
    n = adr_service.parse_number(number)
    return await run_in_threadpool(adr_service.update_adr, store, n, body, _actor(request))


@router.delete("/{number}", status_code=204)
async def delete_adr(number: str, request: Request, store: StoreDep, _key: EditorKey) -> Response:
    """Remove an ADR; its number is never given again."""
    n = adr_service.parse_number(number)
    await run_in_threadpool(adr_service.delete_adr, store, n, _actor(request))
    return Response(status_code=204)


@router.post("/{number}/status", response_model=AdrRead)
async def set_status(
    number: str, body: StatusChange, request: Request, store: StoreDep, _key: EditorKey
) -> dict[str, Any]:
    """Move along the lifecycle; 409 with the allowed statuses otherwise."""
    n = adr_service.parse_number(number)
    return await run_in_threadpool(
        adr_service.change_status, store, n, body.status.value, _actor(request)
    )


@router.post("/{number}/supersede", response_model=AdrRead)
async def supersede(
    number: str, body: SupersedeRequest, request: Request, store: StoreDep, _key: EditorKey
) -> dict[str, Any]:
    """This (newer) ADR supersedes the accepted ADRs listed."""
    n = adr_service.parse_number(number)
    for old in body.supersedes:
        await run_in_threadpool(adr_service.get_adr, store, old)
    return await run_in_threadpool(
        adr_service.supersede, store, n, body.supersedes, _actor(request)
    )


@router.post("/{number}/impact", response_model=AdrRead)
async def assess(number: str, request: Request, store: StoreDep, _key: EditorKey) -> dict[str, Any]:
    """Compute the impact of the ADR's affected elements now and store it on the ADR."""
    n = adr_service.parse_number(number)
    await run_in_threadpool(adr_service.get_adr, store, n)
    p = await run_in_threadpool(_projection, request)
    return await run_in_threadpool(adr_impact.assess_and_store, store, p, n, _actor(request))


@router.get("/{number}/impact", response_model=ImpactView)
async def get_impact(
    number: str, request: Request, store: StoreDep, _key: ReaderKey
) -> dict[str, Any]:
    """The stored assessment, the answer now, and the products newly / no longer affected."""
    n = adr_service.parse_number(number)
    await run_in_threadpool(adr_service.get_adr, store, n)
    p = await run_in_threadpool(_projection, request)
    return await run_in_threadpool(adr_impact.impact_view, store, p, n)
