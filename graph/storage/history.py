"""Reading the change log back: the graph as it was, and what changed between two points.

A *point* in history is an instant (every change made at or before it
counts) or a graph version (every change that produced that version or an
earlier one counts). :func:`graph_as_of` rebuilds the graph at a point by
undoing, newest first, every change made after it; :func:`diff` nets the
changes between two points per node and edge and groups them by product.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from graph.storage.changes import ChangeQuery, ChangeRecord, State, parse_instant
from graph.storage.document import document_chunks
from graph.storage.document_model import FORMAT, FORMAT_VERSION
from graph.storage.records import EdgeRecord, NodeRecord, utc_now
from graph.storage.store import GraphStore
from schemas.errors import ConflictError, InvalidInputError
from schemas.facts import EdgeKey

MAX_VERSION_DIGITS = 18
"""A graph version is at most 18 digits (it fits a signed 64-bit integer)."""
_ATTEMPTS = 5  # rebuilds retried when a write lands while the graph is read
_MAX_PRODUCT_HOPS = 8


@dataclass(frozen=True, slots=True)
class Point:
    """An instant (``at``, change-record format) or a graph version."""

    at: str | None = None
    version: int | None = None

    @classmethod
    def parse(cls, text: str, *, location: str) -> Point:
        """A graph version (digits) or an ISO-8601 instant."""
        text = text.strip()
        if text.isascii() and text.isdigit():
            if len(text) > MAX_VERSION_DIGITS:
                raise InvalidInputError(f"no graph version {text}", location=location)
            return cls(version=int(text))
        return cls(at=parse_instant(text, location=location))

    def after(self) -> ChangeQuery:
        """The query for every change made after this point."""
        if self.version is not None:
            return ChangeQuery(above_version=self.version)
        return ChangeQuery(since=self.at)

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at} if self.version is None else {"version": self.version}


@dataclass(frozen=True, slots=True)
class GraphAt:
    """The graph at a point: its version then, and its nodes and edges in store order."""

    version: int
    nodes: list[NodeRecord]
    edges: list[EdgeRecord]


def graph_as_of(store: GraphStore, point: Point) -> GraphAt:
    """The graph as it was at *point*, rebuilt from today's graph and the change log."""
    for _ in range(_ATTEMPTS):
        version = store.version()
        if point.version is not None and point.version > version:
            raise InvalidInputError(
                f"graph version {point.version} is in the future (now {version})",
                location="query",
                code="unknown_version",
            )
        newer = store.read_changes(point.after())
        nodes: dict[str, NodeRecord] = {n.ref: n for n in store.iter_nodes()}
        edges: dict[EdgeKey, EdgeRecord] = {e.key: e for e in store.iter_edges()}
        if store.version() != version:
            continue  # a write landed while we read: read again
        for change in newer:  # newest first
            _undo(change, nodes, edges)
        then = min(c.version for c in newer) - 1 if newer else version
        return GraphAt(
            then,
            [nodes[ref] for ref in sorted(nodes)],
            [edges[key] for key in sorted(edges)],
        )
    raise ConflictError("the graph kept changing while it was read; try again", code="busy")


def _undo(
    change: ChangeRecord, nodes: dict[str, NodeRecord], edges: dict[EdgeKey, EdgeRecord]
) -> None:
    state = change.before_state()
    if isinstance(state, EdgeRecord) or (state is None and change.is_edge):
        edges.pop(change.edge_key, None)
        if isinstance(state, EdgeRecord):
            edges[state.key] = state
        return
    nodes.pop(change.ref, None)
    if isinstance(state, NodeRecord):
        nodes[state.ref] = state


def as_of_chunks(store: GraphStore, point: Point) -> Iterator[str]:
    """:func:`document_as_of` as JSON text, piece by piece.

    The graph then is rebuilt in memory first (today's graph with the newer
    changes undone), so this saves the document's copies, not the graph's.
    """
    graph = graph_as_of(store, point)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": utc_now(),
        "backend": store.backend,
        "version": graph.version,
        "as_of": point.to_json(),
    }
    return document_chunks(header, graph.nodes, graph.edges)


def document_as_of(store: GraphStore, point: Point) -> dict[str, Any]:
    """An export document (``graph/storage/document.py``) of the graph at *point*."""
    document: dict[str, Any] = json.loads("".join(as_of_chunks(store, point)))
    return document


# ----------------------------------------------------------------------- diff


def _between(start: Point, end: Point) -> ChangeQuery:
    return ChangeQuery(
        since=start.at,
        above_version=start.version,
        until=end.at,
        up_to_version=end.version,
        oldest_first=True,
    )


def diff(store: GraphStore, start: Point, end: Point) -> dict[str, Any]:
    """What was added, removed and changed between two points, grouped by product.

    Each node and edge is compared as it was at *start* with how it was at
    *end*; one created and removed in between is not listed. Every entry
    lists the changes that made it, with who and when.
    """
    records = store.read_changes(_between(start, end))
    by_target: dict[str | EdgeKey, list[ChangeRecord]] = {}
    for record in records:
        by_target.setdefault(record.target, []).append(record)
    links = _Links(store, records)
    groups: dict[str | None, dict[str, list[dict[str, Any]]]] = {}
    for changes in by_target.values():
        before, after = changes[0].before_state(), changes[-1].after_state()
        if before == after:
            continue
        entry = _entry(before, after, changes)
        bucket = "added" if before is None else "removed" if after is None else "changed"
        owner = links.product_of(changes[0].ref)
        group = groups.setdefault(owner, {"added": [], "removed": [], "changed": []})
        group[bucket].append(entry)
    ordered = sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or ""))
    return {
        "from": start.to_json(),
        "to": end.to_json(),
        "products": [{"product": product, **lists} for product, lists in ordered],
        "changes": len(records),
    }


def _entry(
    before: State | None, after: State | None, changes: list[ChangeRecord]
) -> dict[str, Any]:
    first = changes[0]
    subject: dict[str, Any] = (
        {"edge": {"from": first.ref, "type": first.type, "to": first.to_ref}}
        if first.is_edge
        else {"element": first.ref}
    )
    return {
        **subject,
        "before": dict(before.properties) if before else None,
        "after": dict(after.properties) if after else None,
        "changes": [
            {
                "seq": c.seq,
                "at": c.at,
                "actor": c.actor,
                "source": c.source,
                "version": c.version,
                "op": c.op,
            }
            for c in changes
        ],
    }


class _Links:
    """PART_OF and PROVIDES links, from the diffed changes first and the graph now second."""

    def __init__(self, store: GraphStore, records: Iterable[ChangeRecord]) -> None:
        self.store = store
        self.seen: dict[tuple[str, str, str], str] = {}
        for record in reversed(list(records)):  # the latest state of a link wins
            if record.type in ("PART_OF", "PROVIDES") and record.to_ref is not None:
                self.seen.setdefault((record.ref, record.type, "out"), record.to_ref)
                self.seen.setdefault((record.to_ref, record.type, "in"), record.ref)

    def _other(self, ref: str, edge_type: str, direction: str) -> str | None:
        known = self.seen.get((ref, edge_type, direction))
        if known is not None:
            return known
        side: Literal["in", "out"] = "out" if direction == "out" else "in"
        for neighbor in self.store.neighbors(ref, direction=side, types=[edge_type]):
            return neighbor.node.ref
        return None

    def product_of(self, ref: str) -> str | None:
        """The product an element belongs to: itself, its component's, its provider's."""
        current: str | None = ref
        for _ in range(_MAX_PRODUCT_HOPS):
            if current is None:
                return None
            kind = current.partition(":")[0]
            if kind == "product":
                return current
            if kind == "component":
                current = self._other(current, "PART_OF", "out")
            elif kind == "api":
                current = self._other(current, "PROVIDES", "in")
            else:
                return None
        return None
