"""The monthly review: the facts of one month, assembled from the store (docs/review.md).

:func:`build_review` returns a JSON-able dict; ``app/review_render.py``
writes it as Markdown or HTML. Nothing here is guessed: every number and
list comes from the change log, the ADR registry or an analysis of the
graph rebuilt at the month's start or end.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from app.adr_impact import conflicts, impact_view
from app.adr_service import iter_adrs
from app.history_service import point
from app.review_changes import month_changes
from app.settings import Settings
from graph.analysis import (
    Projection,
    find_duplicates,
    find_risks,
    platform_adoption,
    projection_from_records,
)
from graph.storage import GraphStore, Point, change_time, graph_as_of
from graph.views import portfolio_view, render_diagram
from schemas.edges import EdgeType
from schemas.errors import InvalidInputError, NotFoundError

MONTH_PATTERN = r"^([1-9][0-9]{3})-(0[1-9]|1[0-2])$"
"""A month, ``YYYY-MM`` (ASCII digits; year 1000 on)."""
MONTH = re.compile(MONTH_PATTERN)
SUNSET_WINDOW_DAYS = 90
TOP_HOTSPOTS = 10
_EDGE_TYPES = frozenset(t.value for t in EdgeType)
_USE = frozenset({EdgeType.CONSUMES.value, EdgeType.SUBSCRIBES.value})
_OFFER = frozenset({EdgeType.PROVIDES.value, EdgeType.PUBLISHES.value})
_EVENT_STATUSES = ("accepted", "rejected", "superseded")


def parse_month(text: str, today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``YYYY-MM`` -> (first instant, first instant of the next month), UTC; 422 if it is not
    a month, 404 if it is still to come."""
    match = MONTH.match(text.strip())
    if match is None:
        raise InvalidInputError(
            f"{text!r} is not a month: write it as YYYY-MM (2024-05)",
            location="path.month",
            code="invalid_month",
        )
    year, month = int(match[1]), int(match[2])
    if (year, month) > (today.year, today.month):  # no review of a month to come: 404
        raise NotFoundError(
            f"{text} is in the future (this month is {today:%Y-%m})",
            location="path.month",
            code="month_in_future",
        )
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


def _instant(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def projection_at(store: GraphStore, at: Point) -> Projection:
    """The analysis projection of the graph as it was at *at*."""
    graph = graph_as_of(store, at)
    kinds = {n.ref: n.kind for n in graph.nodes}
    props = {n.ref: n.properties for n in graph.nodes}
    edges: list[tuple[str, str, str, Mapping[str, Any] | None]] = [
        (e.from_ref, e.type, e.to_ref, e.properties or None)
        for e in graph.edges
        if e.type in _EDGE_TYPES
    ]
    return projection_from_records(graph.version, kinds, props, edges)


# ------------------------------------------------------------------ headline


def cross_product_pairs(p: Projection) -> set[tuple[str, str]]:
    """Component pairs of two different products joined as the portfolio diagram joins them."""
    pairs: set[tuple[str, str]] = set()
    for c in p.nodes_of("component"):
        for e in p.out_edges(c):
            kind, dst = p.edge_kind(e).value, p.edge_dst[e]
            targets: list[int] = []
            if kind == EdgeType.DEPENDS_ON.value and p.kind(dst).value == "component":
                targets = [dst]
            elif kind in _USE and p.kind(dst).value == "api":
                targets = [p.edge_src[f] for f in p.in_edges(dst) if p.edge_kind(f).value in _OFFER]
            for t in targets:
                a, b = p.owner_ref(c), p.owner_ref(t)
                if a is not None and b is not None and a != b:
                    pairs.add((p.refs[c], p.refs[t]))
    return pairs


def headline_numbers(p: Projection) -> dict[str, float | int | None]:
    rows = platform_adoption(p)
    adoption = (
        round(100 * sum(r.adoption for r in rows.products) / len(rows.products), 1)
        if rows.products and rows.platform_components
        else None
    )
    return {
        "products": len(p.nodes_of("product")),
        "components": len(p.nodes_of("component")),
        "apis": len(p.nodes_of("api")),
        "cross_product_dependencies": len(cross_product_pairs(p)),
        "platform_adoption_percent": adoption,
    }


def _headline(before: Projection, after: Projection) -> list[dict[str, Any]]:
    old, new = headline_numbers(before), headline_numbers(after)
    out = []
    for key, value in new.items():
        previous = old[key]
        change = round(value - previous, 1) if value is not None and previous is not None else None
        out.append({"metric": key, "value": value, "previous": previous, "change": change})
    return out


# ------------------------------------------------------------------ ADRs


def _events(adr: Mapping[str, Any], since: str, until: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for h in adr.get("history", []):
        at = str(h.get("at", ""))
        if not since <= at < until:
            continue
        if h.get("action") == "created":
            out.append(("proposed", h))
        elif h.get("action") == "status" and h.get("to") in _EVENT_STATUSES:
            out.append((str(h["to"]), h))
    return out


def adr_impact(store: GraphStore, p: Projection, adr: Mapping[str, Any]) -> dict[str, Any]:
    """The ADR's stored assessment and what changed since, on the graph *p* (``impact_view``)."""
    view = impact_view(store, p, int(adr["number"]))
    stored = view["stored"]
    shown = stored if stored else view["current"]
    return {
        "stored": stored is not None,
        "graph_version": view["graph_version_then"],
        "computed_at": stored.get("computed_at") if stored else None,
        "computed_by": stored.get("computed_by") if stored else None,
        "graph_version_now": view["graph_version_now"],
        "affected_products": shown["affected_products"],
        "affected_components": shown["affected_components"],
        "newly_affected_products": view["newly_affected_products"],
        "no_longer_affected_products": view["no_longer_affected_products"],
    }


def month_adrs(store: GraphStore, p: Projection, since: str, until: str) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {k: [] for k in ("proposed", *_EVENT_STATUSES)}
    for adr in iter_adrs(store):
        events = _events(adr, since, until)
        found = adr_impact(store, p, adr) if events else {}
        for event, entry in events:
            groups[event].append(
                {
                    "id": f"ADR-{int(adr['number']):04d}",
                    "title": str(adr.get("title", "")),
                    "status_now": adr.get("status"),
                    "at": entry.get("at"),
                    "by": entry.get("by"),
                    "superseded_by": adr.get("superseded_by", []),
                    "affected_products": found["affected_products"],
                    "affected_components": found["affected_components"],
                    "impact": found,
                }
            )
    return groups


# ------------------------------------------------------------------ the review


def _sunset_state(date: str | None, ref_day: dt.date) -> str | None:
    if not date:
        return None
    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return None
    if day < ref_day:
        return "passed"
    if day <= ref_day + dt.timedelta(days=SUNSET_WINDOW_DAYS):
        return "due within 90 days"
    return None


def build_review(
    store: GraphStore, settings: Settings, month: str, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Every section of the review of *month* (``YYYY-MM``), as JSON-able data."""
    moment = now or dt.datetime.now(dt.UTC)
    start, end = parse_month(month, moment.date())
    until = min(end, moment)
    first = point(_instant(start), settings, location="path.month")
    last = Point(at=_instant(until)) if until < moment else Point(at=change_time())
    before, after = projection_at(store, first), projection_at(store, last)
    diagram = portfolio_view(after)
    svg = render_diagram(diagram, "svg").content.decode()
    dot = render_diagram(diagram, "dot").content.decode()
    risks = find_risks(after, limit=TOP_HOTSPOTS)
    duplicates = find_duplicates(after)
    ref_day = (until - dt.timedelta(microseconds=1)).date()
    adrs = month_adrs(store, after, _instant(start), _instant(end))
    return {
        "month": f"{start:%Y-%m}",
        "from": _instant(start),
        "to": _instant(until),
        "partial": until < end,
        "graph_version_from": before.version,
        "graph_version_to": after.version,
        "headline": _headline(before, after),
        "diagram": {
            "svg": svg,
            "dot": dot,
            "collapsed": diagram.collapsed,
            "notes": list(diagram.notes),
        },
        "changes": month_changes(store, first, last),
        "adrs": {**adrs, "conflicts_now": conflicts(store, after)},
        "hotspots": {
            "most_depended_upon": [d.model_dump(mode="json") for d in risks.most_depended_upon],
            "single_points_of_failure": [
                s.model_dump(mode="json") for s in risks.single_points_of_failure
            ],
        },
        "duplicates": [
            {
                "capability": g.capability,
                "label": g.label,
                "products": g.products,
                "members": [m.component for m in g.members],
                "platform_providers": g.platform_providers,
                "adoption_gaps": [a.model_dump(mode="json") for a in g.adoption_gaps],
            }
            for g in duplicates.groups
        ],
        "deprecated_in_use": [
            {**d.model_dump(mode="json"), "sunset": _sunset_state(d.sunset_date, ref_day)}
            for d in find_risks(after, limit=10_000).deprecated_in_use
        ],
    }
