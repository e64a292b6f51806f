"""The change log: ``GET /changes`` (newest first) and ``GET /diff`` between two points.

``GET /export?as_of=`` (in ``system.py``) rebuilds the graph at a point.
Rules: docs/architecture.md, "History".
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.deps import ReaderKey, StoreDep
from app.history_service import (
    CURSOR_SCHEMA,
    INSTANT_SCHEMA,
    MAX_PAGE,
    POINT_SCHEMA,
    diff_between,
    list_changes,
)
from schemas.refs import REF_PATTERN

router = APIRouter(tags=["history"])


@router.get("/changes", summary="Change records, newest first (paginated)")
def read_changes(
    store: StoreDep,
    _key: ReaderKey,
    since: Annotated[
        str | None,
        Query(description="after this ISO-8601 instant", json_schema_extra=INSTANT_SCHEMA),
    ] = None,
    until: Annotated[
        str | None, Query(description="at or before this instant", json_schema_extra=INSTANT_SCHEMA)
    ] = None,
    element: Annotated[
        str | None, Query(pattern=REF_PATTERN, description="kind:slug; its edges too")
    ] = None,
    actor: Annotated[str | None, Query(description="API key name, OS user, ...")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[
        str | None,
        Query(description="next_cursor of the previous page", json_schema_extra=CURSOR_SCHEMA),
    ] = None,
) -> dict[str, Any]:
    return list_changes(
        store,
        since=since,
        until=until,
        element=element,
        actor=actor,
        limit=limit,
        cursor=cursor,
    )


@router.get("/diff", summary="What was added, removed and changed between two points")
def read_diff(
    request: Request,
    store: StoreDep,
    _key: ReaderKey,
    from_: Annotated[
        str,
        Query(
            alias="from",
            description="an instant or a graph version",
            json_schema_extra=POINT_SCHEMA,
        ),
    ],
    to: Annotated[
        str | None,
        Query(description="an instant or a graph version; now", json_schema_extra=POINT_SCHEMA),
    ] = None,
) -> dict[str, Any]:
    return diff_between(store, request.app.state.settings, from_, to)
