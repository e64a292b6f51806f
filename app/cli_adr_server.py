"""``archgraph adr ... --server URL``: the ADR registry of a running archgraph over HTTP.

Every operation goes through the public API (``/api/v1/adrs``) with the key
as a Bearer token and returns what the local store functions return, so
``app/cli_adr.py`` prints the same lines either way. A 4xx/5xx JSON body
``{code, message, location}`` becomes an ``ArchgraphError`` with that code
and message (the CLI prints it and exits non-zero); nothing is retried.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from adr import file_name_for
from app.adr_io import to_doc
from schemas.adr import AdrCreate
from schemas.errors import ArchgraphError

PAGE = 500  # the API's largest page of ADRs


class AdrServer:
    """The ADR registry behind ``{server}/api/v1/adrs``."""

    def __init__(self, server: str, key: str | None, *, timeout: float = 120) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.base = server.rstrip("/") + "/api/v1/adrs"
        self.client = httpx.Client(headers=headers, timeout=timeout)

    def close(self) -> None:
        self.client.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = self.base + path
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise ArchgraphError(f"cannot reach {url}: {exc}", code="server_unreachable") from None
        if response.status_code >= 400:
            raise _server_error(response)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise ArchgraphError(
                f"{method} {self.base + path} answered {response.status_code} without JSON",
                code="server_error",
            ) from None

    # ------------------------------------------------------------ operations

    def create(self, body: AdrCreate) -> dict[str, Any]:
        created: dict[str, Any] = self._json(
            "POST", "", json=body.model_dump(mode="json", exclude_none=True)
        )
        return created

    def list_adrs(self, status: str | None) -> list[dict[str, Any]]:
        """Every ADR (all pages), in number order, optionally of one status."""
        params: dict[str, Any] = {"limit": PAGE, "offset": 0}
        if status:
            params["status"] = status
        found: list[dict[str, Any]] = []
        while True:
            page = self._json("GET", "", params=params)
            found.extend(page["items"])
            if page.get("next_offset") is None:
                return found
            params["offset"] = page["next_offset"]

    def get(self, number: int) -> dict[str, Any]:
        adr: dict[str, Any] = self._json("GET", f"/{number}")
        return adr

    def markdown(self, number: int) -> str:
        return self._send("GET", f"/{number}.md").text

    def change_status(self, number: int, target: str) -> dict[str, Any]:
        changed: dict[str, Any] = self._json("POST", f"/{number}/status", json={"status": target})
        return changed

    def supersede(self, newer: int, olds: Sequence[int]) -> dict[str, Any]:
        result: dict[str, Any] = self._json(
            "POST", f"/{newer}/supersede", json={"supersedes": list(olds)}
        )
        return result

    def import_files(self, files: Mapping[str, str]) -> dict[str, Any]:
        uploads = [
            ("files", (name, text.encode("utf-8"), "text/markdown")) for name, text in files.items()
        ]
        if not uploads:  # the API needs at least one file; an empty folder imports nothing
            return {k: [] for k in ("created", "updated", "unchanged", "skipped_files", "warnings")}
        report: dict[str, Any] = self._json("POST", "/import", files=uploads)
        return report

    def export(self) -> list[tuple[str, str]]:
        """(file name, MADR text) of every ADR, as ``GET /adrs/{n}.md`` renders it."""
        adrs = self.list_adrs(None)
        return [(file_name_for(to_doc(a)), self.markdown(int(a["number"]))) for a in adrs]


def _server_error(response: httpx.Response) -> ArchgraphError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "message" not in body:
        text = response.text.strip()[:200] or response.reason_phrase
        return ArchgraphError(
            f"the server answered {response.status_code}: {text}", code="server_error"
        )
    error = ArchgraphError(
        str(body["message"]),
        code=str(body.get("code") or "server_error"),
        location=body.get("location"),
        details=body.get("details"),
    )
    error.status = response.status_code
    return error
