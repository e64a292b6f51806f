"""The change log as the API and the CLI read it: changes, diffs, exports as of a point.

``projection_at`` gives diagrams and data exports the graph as it was at a point.

Points in history come from requests as graph versions (digits) or ISO-8601
instants. With ``ARCHGRAPH_HISTORY_RETENTION_DAYS`` set, change records older
than that many days are dropped at start, and a point before the retention
horizon is refused (``history_pruned``): the records needed to rebuild it
may be gone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from app.settings import Settings
from graph.analysis import Projection, projection_as_of
from graph.storage import (
    MAX_VERSION_DIGITS,
    ChangeQuery,
    GraphStore,
    Point,
    as_of_chunks,
    change_time,
    diff,
    document_as_of,
    parse_instant,
)
from schemas.errors import InvalidInputError

MAX_PAGE = 1000

_INSTANTS: list[dict[str, Any]] = [
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "date"},
]
INSTANT_SCHEMA: dict[str, Any] = {"anyOf": _INSTANTS}
"""What a query's instant may be, for the OpenAPI document: an ISO-8601 date-time
(no offset: UTC) or a date (its midnight UTC)."""
POINT_SCHEMA: dict[str, Any] = {
    "anyOf": [*_INSTANTS, {"type": "string", "pattern": f"^[0-9]{{1,{MAX_VERSION_DIGITS}}}$"}]
}
"""An instant, or a graph version (digits)."""
CURSOR_SCHEMA: dict[str, Any] = {"type": "string", "pattern": "^[0-9]{1,18}$"}
"""A change-log cursor: the sequence number a previous page gave as ``next_cursor``."""


def retention_horizon(settings: Settings) -> str | None:
    """The oldest instant the log still covers, when retention is configured."""
    days = settings.history_retention_days
    if days is None:
        return None
    horizon = datetime.now(UTC) - timedelta(days=days)
    return horizon.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def apply_retention(store: GraphStore, settings: Settings) -> int:
    """Drop change records older than the retention horizon; return how many."""
    horizon = retention_horizon(settings)
    return store.prune_changes(horizon) if horizon is not None else 0


def point(text: str, settings: Settings, *, location: str) -> Point:
    """A point from a request, refused when it lies before the retention horizon."""
    parsed = Point.parse(text, location=location)
    horizon = retention_horizon(settings)
    if horizon is not None and parsed.at is not None and parsed.at < horizon:
        raise InvalidInputError(
            f"{text} is older than the change log keeps "
            f"(ARCHGRAPH_HISTORY_RETENTION_DAYS={settings.history_retention_days})",
            location=location,
            code="history_pruned",
        )
    return parsed


def list_changes(
    store: GraphStore,
    *,
    since: str | None = None,
    until: str | None = None,
    element: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    """One page of change records, newest first; ``next_cursor`` continues it."""
    if cursor is not None and not re.fullmatch(CURSOR_SCHEMA["pattern"], cursor):
        raise InvalidInputError(
            "cursor is the next_cursor of a previous page", location="query.cursor"
        )
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(f"limit is 1 to {MAX_PAGE}", location="query.limit")
    query = ChangeQuery(
        since=parse_instant(since, location="query.since") if since else None,
        until=parse_instant(until, location="query.until") if until else None,
        element=element or None,
        actor=actor or None,
        before_seq=int(cursor) if cursor is not None else None,
        limit=limit + 1,
    )
    records = store.read_changes(query)
    page = records[:limit]
    more = len(records) > limit and page
    return {
        "items": [r.to_json() for r in page],
        "next_cursor": str(page[-1].seq) if more else None,
        "limit": limit,
    }


def diff_between(
    store: GraphStore, settings: Settings, start: str, end: str | None = None
) -> dict[str, Any]:
    """What changed from *start* to *end* (default: now), grouped by product."""
    first = point(start, settings, location="query.from")
    last = point(end, settings, location="query.to") if end else Point(at=change_time())
    return diff(store, first, last)


def export_as_of_chunks(store: GraphStore, text: str, settings: Settings) -> Iterator[str]:
    """:func:`export_as_of` as JSON text, piece by piece (the CLI writes it out)."""
    return as_of_chunks(store, point(text, settings, location="query.as_of"))


def export_as_of(store: GraphStore, text: str, settings: Settings) -> dict[str, Any]:
    """The export document of the graph as it was at *text* (an instant or a version)."""
    return document_as_of(store, point(text, settings, location="query.as_of"))


def projection_at(store: GraphStore, text: str, settings: Settings) -> Projection:
    """The analysis projection of the graph as it was at *text* (exports, diagrams)."""
    return projection_as_of(store, point(text, settings, location="query.as_of"))
