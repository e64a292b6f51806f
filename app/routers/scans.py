"""``POST /api/v1/scans``: scan uploaded files into the graph and report per source.

Two ways to send files:

* ``multipart/form-data`` with one or more ``files`` parts; each part's
  filename is its path (``-F "files=@svc/openapi.yaml;filename=svc/openapi.yaml"``),
  so relative ``$ref``s and manifest ``provides`` paths resolve among the
  uploaded files;
* JSON ``{"files": [{"name": "svc/openapi.yaml", "content": "..."}]}``.

Query ``prefix`` sets the source-id prefix (the CLI sends the scanned
directory's name, so uploads and local scans replace the same sources);
``complete=true`` says the upload is a whole tree, so sources under the
prefix whose files are gone are retracted. Files unchanged since the last
upload of the same tree are not parsed (docs/scanners.md, "Re-scans");
``full=true`` parses every file.

The whole scan is written in one transaction. When any file fails, the
answer is 422 ``scan_failed`` with the full report; the failed files wrote
nothing and kept what they asserted before. When no file held anything
archgraph reads, the answer is 422 ``scan_empty`` with the report, and
nothing was written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.auth import actor_name
from app.deps import EditorKey, StoreDep
from app.errors import error_body
from app.multipart_limits import MAX_FORM_FIELDS
from app.scan_service import load_scan
from app.settings import Settings
from graph.storage import GraphStore
from scanners import DocumentError, load_json, scan_uploads
from schemas.errors import InvalidInputError, PayloadTooLargeError
from schemas.refs import RefError, check_upload_name

router = APIRouter(tags=["scans"])

SCAN_MAX_FILES = 1_000
"""Files one ``POST /scans`` scans (a scan session takes more, in chunks)."""

_FILENAME_RE = re.compile(r'filename="((?:[^"\\]|\\.)*)"|filename=([^;]*)', re.IGNORECASE)


class UploadedFile(BaseModel):
    name: str = Field(min_length=1, max_length=1024, examples=["payments/openapi.yaml"])
    content: str


class ScanRequest(BaseModel):
    files: list[UploadedFile] = Field(min_length=1, max_length=20_000)


UPLOAD_REQUEST_BODY = {
    "content": {
        "application/json": {"schema": ScanRequest.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "files": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "minItems": 1,
                    }
                },
                "required": ["files"],
            }
        },
    },
    "required": True,
}


async def read_files(request: Request, limit: int, max_files: int) -> list[tuple[str, bytes | str]]:
    """The uploaded files; a multipart body of more than *max_files* file parts
    or ``MAX_FORM_FIELDS`` other fields is refused (413) before the parts are built."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(
            f"the upload is {int(declared)} bytes; the limit is {limit} "
            "(ARCHGRAPH_MAX_UPLOAD_BYTES)",
            location="body",
        )
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        files: list[tuple[str, bytes | str]] = []
        total = 0
        async with request.form(  # closes the spooled files
            max_files=max_files, max_fields=MAX_FORM_FIELDS
        ) as form:
            for part in form.getlist("files"):
                if not isinstance(part, UploadFile) or not part.filename:
                    raise InvalidInputError(
                        "each 'files' part must be a file with a filename", location="body.files"
                    )
                _check_name(_raw_filename(part), f"body.files[{len(files)}]")
                data = await part.read()
                total += len(data)
                if total > limit:
                    raise PayloadTooLargeError(f"the upload exceeds {limit} bytes", location="body")
                files.append((part.filename, data))
        if not files:
            raise InvalidInputError("send at least one 'files' part", location="body.files")
        return files
    body = await request.body()
    if len(body) > limit:
        raise PayloadTooLargeError(f"the upload exceeds {limit} bytes", location="body")
    try:
        parsed = ScanRequest.model_validate(load_json(body or b"null"))
    except DocumentError as exc:
        raise InvalidInputError(
            f"the JSON body: {exc.message}",
            location="body" if exc.line is None else f"body:{exc.line}",
        ) from None
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            where = ".".join(["body", *(str(p) for p in first["loc"])])
            raise InvalidInputError(f"{where}: {first['msg']}", location=where) from None
        raise InvalidInputError(
            'send multipart/form-data files or JSON {"files": [{"name", "content"}]}',
            location="body",
        ) from None
    for index, item in enumerate(parsed.files):
        _check_name(item.name, f"body.files[{index}].name")
    return [(f.name, f.content) for f in parsed.files]


def _raw_filename(part: UploadFile) -> str:
    """The part's filename as sent: the multipart parser cuts ``C:\\evil.yaml`` to ``evil.yaml``."""
    disposition = part.headers.get("content-disposition", "")
    match = _FILENAME_RE.search(disposition)
    if match is None:
        return part.filename or ""
    raw = match.group(1).replace('\\"', '"') if match.group(1) is not None else match.group(2)
    # header values arrive as latin-1; the name's bytes must be UTF-8 (else U+FFFD: refused)
    return raw.strip().encode("latin-1", "replace").decode("utf-8", "replace")


def _check_name(name: str, where: str) -> None:
    try:
        check_upload_name(name)
    except RefError as exc:
        raise InvalidInputError(str(exc), location=where, code="bad_file_name") from None


@router.post(
    "/scans",
    summary="Scan uploaded specs, manifests and catalogs into the graph",
    openapi_extra={"requestBody": UPLOAD_REQUEST_BODY},
)
async def create_scan(
    request: Request,
    store: StoreDep,
    key: EditorKey,
    prefix: Annotated[str, Query(max_length=256, description="source-id prefix")] = "",
    complete: Annotated[bool, Query(description="the upload is a whole tree: prune")] = False,
    full: Annotated[bool, Query(description="parse every file, even unchanged ones")] = False,
) -> JSONResponse:
    settings = request.app.state.settings
    files = await read_files(request, settings.max_upload_bytes, SCAN_MAX_FILES)
    return await run_scan(
        store,
        settings,
        files,
        prefix=prefix,
        complete=complete,
        actor=actor_name(key),
        full=full,
    )


async def run_scan(
    store: GraphStore,
    settings: Settings,
    files: Sequence[tuple[str, bytes | str]],
    *,
    prefix: str,
    complete: bool,
    actor: str | None,
    max_files: int = SCAN_MAX_FILES,
    full: bool = False,
) -> JSONResponse:
    """Scan *files* and load them in one transaction; 422 ``scan_failed`` when any failed.

    Files unchanged since the last upload of the same tree are not parsed
    unless *full* (the stored scan states decide).
    """

    def run() -> dict[str, Any]:
        scan = scan_uploads(
            files,
            max_file_bytes=settings.max_scan_file_bytes,
            max_files=max_files,
            source_prefix=prefix,
            complete=complete,
            previous=store.scan_states(),
            full=full,
        )
        return load_scan(store, scan, actor=actor).to_json()

    report = await run_in_threadpool(run)
    failing = any(s["status"] == "failed" for s in report["sources"]) or any(
        s["severity"] == "error" for s in report["skipped"]
    )
    if report["empty"] and not failing:
        body = error_body(
            "scan_empty",
            f"none of the {report['files']} file(s) held anything archgraph reads; "
            "nothing was written",
            None,
        )
        return JSONResponse({**body, "report": report}, status_code=422)
    if report["failed"]:
        failed = [s for s in report["sources"] if s["status"] == "failed"]
        refused = [s for s in report["skipped"] if s["severity"] == "error"]
        first = next((item["file"] for item in (*failed, *refused)), None)
        body = error_body(
            "scan_failed",
            f"{len(failed) + len(refused)} of {len(files)} file(s) failed; they wrote nothing",
            first,
        )
        return JSONResponse({**body, "report": report}, status_code=422)
    return JSONResponse(report)
