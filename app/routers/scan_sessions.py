"""Scan sessions over HTTP: a big tree sent in chunks, committed as one scan.

``POST /scans/sessions`` opens a session; ``PUT /scans/sessions/{id}/files``
adds a chunk of files (the bodies of ``POST /scans``: JSON or multipart, each
under ``max_upload_bytes``); ``POST /scans/sessions/{id}/commit`` scans
every file of the session and loads it in one transaction, answering as
``POST /scans`` does; ``DELETE /scans/sessions/{id}`` abandons it. Limits and
expiry: :mod:`app.scan_sessions` and docs/architecture.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from app.auth import actor_name
from app.deps import EditorKey, StoreDep
from app.routers.scans import UPLOAD_REQUEST_BODY, read_files, run_scan
from app.scan_sessions import ScanSessions

router = APIRouter(prefix="/scans/sessions", tags=["scans"])

SessionId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="id from POST /scans/sessions")
]


def _sessions(request: Request) -> ScanSessions:
    sessions: ScanSessions = request.app.state.scan_sessions
    return sessions


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Open a scan session to upload a tree in chunks",
)
def open_session(request: Request, key: EditorKey) -> dict[str, Any]:
    sessions = _sessions(request)
    session = sessions.open(actor_name(key))
    return {
        "id": session.id,
        "expires_after_idle_seconds": sessions.ttl_seconds,
        "max_files": sessions.max_files,
        "max_bytes": sessions.max_session_bytes,
        "max_chunk_bytes": request.app.state.settings.max_upload_bytes,
    }


@router.put(
    "/{session_id}/files",
    summary="Add a chunk of files to a scan session",
    openapi_extra={"requestBody": UPLOAD_REQUEST_BODY},
)
async def add_files(request: Request, key: EditorKey, session_id: SessionId) -> dict[str, Any]:
    sessions = _sessions(request)
    files = await read_files(
        request, request.app.state.settings.max_upload_bytes, sessions.max_files
    )
    session = sessions.add(session_id, actor_name(key), files)
    return {"id": session.id, "files": len(session.files), "bytes": session.size}


@router.post("/{session_id}/commit", summary="Scan every file of the session in one scan")
async def commit_session(
    request: Request,
    store: StoreDep,
    key: EditorKey,
    session_id: SessionId,
    prefix: Annotated[str, Query(max_length=256, description="source-id prefix")] = "",
    complete: Annotated[bool, Query(description="the upload is a whole tree: prune")] = False,
    full: Annotated[bool, Query(description="parse every file, even unchanged ones")] = False,
) -> JSONResponse:
    sessions = _sessions(request)
    session = sessions.take(session_id, actor_name(key))
    return await run_scan(
        store,
        request.app.state.settings,
        list(session.files.items()),
        prefix=prefix,
        complete=complete,
        actor=actor_name(key),
        max_files=sessions.max_files,
        full=full,
    )


@router.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Abandon a scan session (nothing is written)",
)
def delete_session(request: Request, key: EditorKey, session_id: SessionId) -> Response:
    _sessions(request).take(session_id, actor_name(key))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
