"""What changed in a month, by product, summarised so a bulk load stays readable (docs/review.md).

:func:`month_changes` nets the month's change log per element and edge
(``diff``, as ``GET /diff``) and gives each product its counts by kind, the
write transactions that touched it (who, when, which sources) and a bounded
list of itemised changes, the rest counted.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from graph.storage import ChangeQuery, ChangeRecord, GraphStore, Point, diff
from schemas.edges import EdgeType

ITEMS_PER_PRODUCT = 25
WRITES_PER_PRODUCT = 10
BUCKETS = ("added", "removed", "changed")
_LISTING_ORDER = ("changed", "removed", "added")
_OPS = ("created", "updated", "removed")
_ADR_EDGES = frozenset({EdgeType.AFFECTS.value, EdgeType.SUPERSEDES.value})


def is_adr_entry(entry: Mapping[str, Any]) -> bool:
    """An ADR node or one of its AFFECTS / SUPERSEDES edges (the ADR section reports them)."""
    if "edge" in entry:
        return str(entry["edge"]["type"]) in _ADR_EDGES
    return str(entry["element"]).startswith("adr:")


def entry_kind(entry: Mapping[str, Any]) -> str:
    """An element's kind (``component``) or an edge's type (``DEPENDS_ON``)."""
    if "edge" in entry:
        return str(entry["edge"]["type"])
    return str(entry["element"]).split(":", 1)[0]


def change_line(bucket: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    before, after = entry.get("before") or {}, entry.get("after") or {}
    fields = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    subject = (
        f"{entry['edge']['from']} -{entry['edge']['type']}-> {entry['edge']['to']}"
        if "edge" in entry
        else str(entry["element"])
    )
    return {
        "what": bucket,
        "subject": subject,
        "fields": fields if bucket == "changed" else [],
        "by": sorted({str(c["actor"]) for c in entry["changes"]}),
        "at": [str(c["at"]) for c in entry["changes"]],
    }


def record_sources(record: ChangeRecord) -> set[str]:
    """The sources a change record's write spoke for.

    The record's own source when the write had one (``api``, ``import``);
    otherwise (a scan writes many sources in one transaction) every source
    whose assertion the record shows added, changed or dropped.
    """
    if record.source is not None:
        return {record.source}
    before = {a.source: dict(a.properties) for a in record.before_assertions}
    after = {a.source: dict(a.properties) for a in record.after_assertions}
    return {s for s in before.keys() | after.keys() if before.get(s) != after.get(s)}


def _sources_by_seq(store: GraphStore, start: Point, end: Point) -> dict[int, set[str]]:
    query = ChangeQuery(
        since=start.at,
        above_version=start.version,
        until=end.at,
        up_to_version=end.version,
        oldest_first=True,
    )
    return {r.seq: record_sources(r) for r in store.read_changes(query)}


def _shared_directory(sources: Iterable[str]) -> str | None:
    """The deepest directory every source's path lies under (``scanner:`` prefix dropped)."""
    dirs = [posixpath.dirname(s.split(":", 1)[-1]) for s in sources]
    if not dirs or any(not d for d in dirs):
        return None
    shared = posixpath.commonpath(dirs)
    return shared or None


def _writes(
    entries: list[tuple[str, Mapping[str, Any]]], sources: Mapping[int, set[str]]
) -> list[dict[str, Any]]:
    by_version: dict[int, dict[str, Any]] = {}
    named: dict[int, set[str]] = {}
    for _, entry in entries:
        for c in entry["changes"]:
            version = int(c["version"])
            write = by_version.setdefault(
                version,
                {"version": version, "at": c["at"], "by": c["actor"]} | dict.fromkeys(_OPS, 0),
            )
            write[str(c["op"])] += 1
            named.setdefault(version, set()).update(sources.get(int(c["seq"]), set()))
    for version, write in by_version.items():
        found = sorted(named[version])
        write["sources"] = len(found)
        write["source"] = found[0] if len(found) == 1 else None
        write["under"] = _shared_directory(found) if len(found) > 1 else None
    return sorted(by_version.values(), key=lambda w: w["version"])


def product_changes(
    product: str | None,
    entries: list[tuple[str, Mapping[str, Any]]],
    sources: Mapping[int, set[str]],
) -> dict[str, Any]:
    """One product's summary: counts by kind, writes, and at most ITEMS_PER_PRODUCT items."""
    counts: dict[str, Counter[str]] = {b: Counter() for b in BUCKETS}
    for bucket, entry in entries:
        counts[bucket][entry_kind(entry)] += 1
    writes = _writes(entries, sources)
    biggest = sorted(writes, key=lambda w: -sum(w[op] for op in _OPS))[:WRITES_PER_PRODUCT]
    shown = {w["version"] for w in biggest}
    ordered = sorted(entries, key=lambda item: (_LISTING_ORDER.index(item[0]), "edge" in item[1]))
    items = [change_line(bucket, entry) for bucket, entry in ordered[:ITEMS_PER_PRODUCT]]
    return {
        "product": product,
        "counts": {b: dict(sorted(counts[b].items())) for b in BUCKETS},
        "totals": {b: sum(counts[b].values()) for b in BUCKETS},
        "writes": [w for w in writes if w["version"] in shown],
        "more_writes": len(writes) - len(shown),
        "changes": items,
        "more": len(entries) - len(items),
    }


def month_changes(store: GraphStore, start: Point, end: Point) -> list[dict[str, Any]]:
    """The change log of the month by product; ADR records left to the ADR section."""
    found = diff(store, start, end)
    sources = _sources_by_seq(store, start, end)
    products = []
    for group in found["products"]:
        entries = [
            (bucket, entry)
            for bucket in BUCKETS
            for entry in group[bucket]
            if not is_adr_entry(entry)
        ]
        if entries:
            products.append(product_changes(group["product"], entries, sources))
    return products
