"""``archgraph scan PATH --server URL``: send a tree to a server in chunks, as one scan.

The files go into a scan session (``app/scan_sessions.py``) in chunks of at
most ``CHUNK_FILES`` files and about ``CHUNK_BYTES`` bytes of JSON, each
under the server's body limit; the commit scans and loads them in one
transaction. When a chunk is refused the session is deleted, so nothing is
written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from schemas.errors import ArchgraphError

CHUNK_FILES = 1_000
CHUNK_BYTES = 8 * 1024 * 1024  # well under the default 32 MiB max_upload_bytes


def chunks(files: list[tuple[str, str]], max_bytes: int = CHUNK_BYTES) -> Iterator[list[Any]]:
    """Groups of ``{"name", "content"}`` items; a file larger than *max_bytes* goes alone."""
    chunk: list[Any] = []
    size = 0
    for name, content in files:
        item = {"name": name, "content": content}
        item_size = len(json.dumps(item))
        if chunk and (len(chunk) >= CHUNK_FILES or size + item_size > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += item_size
    if chunk:
        yield chunk


def _answer(response: httpx.Response) -> dict[str, Any]:
    data: dict[str, Any] = response.json() if response.content else {}
    if "report" in data:
        report: dict[str, Any] = data["report"]
        return report
    if response.status_code >= 400:
        raise ArchgraphError(
            f"the server answered {response.status_code}: {data.get('message', response.text)}",
            code=str(data.get("code", "server_error")),
        )
    return data


def upload_scan(
    server: str,
    key: str | None,
    prefix: str,
    files: list[tuple[str, str]],
    *,
    full: bool = False,
) -> dict[str, Any]:
    """Send *files* in chunks to a scan session and commit it; the scan report.

    The server skips files unchanged since the last upload of the tree unless *full*.
    """
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    base = server.rstrip("/") + "/api/v1/scans/sessions"
    with httpx.Client(headers=headers, timeout=300) as client:
        try:
            session_id = str(_answer(client.post(base))["id"])
            try:
                for chunk in chunks(files):
                    _answer(client.put(f"{base}/{session_id}/files", json={"files": chunk}))
            except BaseException:
                client.delete(f"{base}/{session_id}")
                raise
            return _answer(
                client.post(
                    f"{base}/{session_id}/commit",
                    params={
                        "prefix": prefix,
                        "complete": "true",
                        "full": "true" if full else "false",
                    },
                )
            )
        except httpx.HTTPError as exc:
            raise ArchgraphError(
                f"cannot reach {server}: {exc}", code="server_unreachable"
            ) from None
