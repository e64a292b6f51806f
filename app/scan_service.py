"""Loading scan results into a store: the one place scanners' output meets the graph.

A whole scan is written with one ``store.replace_sources`` call, so it is
atomic: afterwards the store holds exactly what each source asserts now, or,
if the store refused the batch, exactly what it held before. Rules:

* a source with an error is **not** loaded; what it asserted before stays
  untouched, and it is reported as failed;
* all sources of one load share one timestamp (``at``);
* after a complete directory scan, sources under the scan's prefix whose
  files are gone are retracted (``pruned``); files that failed or were
  refused this time keep their old facts;
* loading the same scan twice changes nothing the second time;
* the scan states it carries are stored with it, and the states of every
  other tree that could hold a source it writes are deleted
  (``docs/scanners.md``, "Re-scans");
* the ADR folders a scan met are imported into the ADR registry in the same
  transaction (:mod:`app.scan_adrs`), each reported as one ``adr:`` row;
* a scan of a non-empty tree in which no file held an element or an edge is
  **empty**: nothing is written or pruned, and the report says so (the CLI
  exits 1, ``POST /api/v1/scans`` answers 422 ``scan_empty``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from app.adr_io import AdrImport
from app.scan_adrs import SCANNER as ADR_SCANNER
from app.scan_adrs import adr_import, adr_reports_data, report_source
from graph.storage import Plan, WriteSummary
from scanners import (
    DEFAULT_MAX_FILE_BYTES,
    DirectoryScan,
    Progress,
    ScanIssue,
    ScanProgress,
    ScanResult,
    Severity,
    SkippedFile,
    collector_paused,
    covering_tree_keys,
    issue_text,
    rescan_directory,
)
from schemas.errors import ArchgraphError, StoreUnavailableError
from schemas.facts import EdgeData, NodeData

__all__ = [
    "SCANNERS",
    "ScanReport",
    "SourceReport",
    "SourceStore",
    "is_empty",
    "load_results",
    "load_scan",
    "render_report",
    "scan_and_load",
]

SCANNERS = (
    "openapi",
    "asyncapi",
    "manifest",
    "backstage",
    "cortex",
    "opslevel",
    "compass",
    "port",
    "compose",
)


class SourceStore(Protocol):
    """What loading needs from a graph store (every ``GraphStore`` has it)."""

    def replace_sources(
        self,
        sources: Mapping[str, tuple[Sequence[NodeData], Sequence[EdgeData]]],
        *,
        at: str | None = None,
        actor: str | None = None,
    ) -> dict[str, WriteSummary]: ...

    def replace_then(
        self,
        sources: Mapping[str, tuple[Sequence[NodeData], Sequence[EdgeData]]],
        then: Plan | None,
        *,
        at: str | None = None,
        actor: str | None = None,
        states: Mapping[str, str | None] | None = None,
        expect_state: tuple[str, str | None] | None = None,
    ) -> tuple[dict[str, WriteSummary], list[WriteSummary]]: ...

    def source_ids(self) -> set[str]: ...

    def scan_states(self) -> dict[str, str]: ...

    def version(self) -> int: ...


@dataclass(frozen=True)
class SourceReport:
    """What loading did with one source.

    ``status`` is ``loaded`` (something changed), ``unchanged``, ``failed``
    (not loaded: see the errors), ``empty`` (read, but the whole scan held
    nothing, so nothing was loaded) or ``pruned`` (its file is gone, so its
    facts were retracted).
    """

    source: str
    scanner: str
    file: str
    status: str
    summary: WriteSummary = field(default_factory=WriteSummary)
    issues: tuple[ScanIssue, ...] = ()

    @property
    def created(self) -> int:
        return self.summary.nodes_created + self.summary.edges_created

    @property
    def updated(self) -> int:
        return self.summary.nodes_updated + self.summary.edges_updated

    @property
    def removed(self) -> int:
        return self.summary.nodes_removed + self.summary.edges_removed

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def to_json(self) -> dict[str, Any]:
        s = self.summary
        return {
            "source": self.source,
            "scanner": self.scanner,
            "file": self.file,
            "status": self.status,
            "created": self.created,
            "updated": self.updated,
            "removed": self.removed,
            "nodes": {
                "created": s.nodes_created,
                "updated": s.nodes_updated,
                "removed": s.nodes_removed,
            },
            "edges": {
                "created": s.edges_created,
                "updated": s.edges_updated,
                "removed": s.edges_removed,
            },
            "errors": [i.to_json() for i in self.issues if i.severity is Severity.ERROR],
            "warnings": [i.to_json() for i in self.issues if i.severity is Severity.WARNING],
            "notes": [i.to_json() for i in self.issues if i.severity is Severity.INFO],
        }


@dataclass(frozen=True)
class ScanReport:
    """The report of one scan and load: per source, plus the files skipped."""

    root: str
    prefix: str
    at: str
    sources: tuple[SourceReport, ...]
    skipped: tuple[SkippedFile, ...] = ()
    version: int = 0
    files: int = 0
    empty: bool = False
    unchanged_files: int = 0
    parsed: int = 0

    @property
    def failed(self) -> bool:
        """Whether any file failed or was refused, or the scan read nothing (exit non-zero)."""
        return (
            self.empty
            or any(s.failed for s in self.sources)
            or any(s.severity is Severity.ERROR for s in self.skipped)
        )

    def totals(self) -> dict[str, int]:
        counts = {
            "sources": len(self.sources),
            "created": 0,
            "updated": 0,
            "removed": 0,
            "failed": 0,
            "warnings": 0,
            "skipped": len(self.skipped),
            "unchanged_files": self.unchanged_files,
            "parsed": self.parsed,
        }
        for s in self.sources:
            counts["created"] += s.created
            counts["updated"] += s.updated
            counts["removed"] += s.removed
            counts["failed"] += s.failed
            counts["warnings"] += sum(i.severity is Severity.WARNING for i in s.issues)
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "prefix": self.prefix,
            "at": self.at,
            "version": self.version,
            "failed": self.failed,
            "empty": self.empty,
            "files": self.files,
            "totals": self.totals(),
            "sources": [s.to_json() for s in self.sources],
            "skipped": [s.to_json() for s in self.skipped],
        }

    def to_text(self, *, notes: bool = False) -> str:
        """A plain-text report for the terminal: problems first, then totals."""
        return render_report(self.to_json(), notes=notes)


def render_report(data: Mapping[str, Any], *, notes: bool = False) -> str:
    """The terminal report of a scan, from :meth:`ScanReport.to_json` (local or from a server)."""
    lines: list[str] = []
    for s in data["sources"]:
        shown = [*s["errors"], *s["warnings"], *(s["notes"] if notes else [])]
        if s["status"] == "unchanged" and not shown:
            continue
        lines.append(
            f"{s['status']:9} {s['source']}  +{s['created']} ~{s['updated']} -{s['removed']}"
        )
        lines += [f"          {issue_text(issue)}" for issue in shown]
    labels = {Severity.ERROR.value: "refused", Severity.WARNING.value: "warning"}
    for skip in data["skipped"]:
        label = labels.get(skip["severity"])
        if label or notes:
            lines.append(f"{label or 'skipped':9} {skip['file']}: {skip['reason']}")
    if data.get("empty"):
        lines.append(
            f"nothing read: none of the {data.get('files', 0)} file(s) held anything archgraph "
            "reads (see the skipped files); nothing was written"
        )
    t = data["totals"]
    lines.append(
        f"{t['sources']} sources: {t['created']} created, {t['updated']} updated, "
        f"{t['removed']} removed; {t['failed']} failed, {t['warnings']} warnings, "
        f"{t['skipped']} files skipped; graph version {data['version']}"
    )
    if t.get("unchanged_files"):
        lines.append(
            f"{t['unchanged_files']} file(s) unchanged since the last scan, kept without "
            f"parsing; {t.get('parsed', 0)} file(s) parsed"
        )
    return "\n".join(lines)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@collector_paused()
def load_results(
    store: SourceStore,
    results: Iterable[ScanResult],
    *,
    at: str | None = None,
    progress: Progress | None = None,
    retract: Sequence[tuple[str, str]] = (),
    actor: str | None = None,
    adrs: AdrImport | None = None,
    prefix: str = "",
    states: Mapping[str, str | None] | None = None,
    expect_state: tuple[str, str | None] | None = None,
) -> list[SourceReport]:
    """Write every loadable result in one transaction; failed results are reported, not written.

    *retract* names further sources (``(source id, file)``) to empty in the
    same transaction: the files of a directory scan that are gone. If the
    store refuses the batch, nothing is written and every source is reported
    as failed with the store's reason. *actor* (the API key's name, or the
    OS user of a CLI scan) is recorded on the assertions and change records.
    *adrs* imports ADR folders in the same transaction, after the sources;
    each folder is reported as ``adr:<prefix>/<folder>``. *states* (scan
    states, :mod:`scanners.rescan`) are stored in the same transaction. The
    cyclic garbage collector is paused meanwhile (:mod:`scanners.collector`).
    """
    stamp = at or _now()
    todo = list(results)
    good = [r for r in todo if not r.failed]
    batch: dict[str, tuple[Sequence[NodeData], Sequence[EdgeData]]] = {
        r.source_id: (r.nodes, r.edges) for r in good
    }
    for source, _ in retract:
        batch.setdefault(source, ([], []))
    if progress is not None:
        progress(ScanProgress("load", 0, len(todo), ""))
    refusal: str | None = None
    summaries: dict[str, WriteSummary] = {}
    planned: list[WriteSummary] = []
    try:
        if batch or adrs is not None or states:
            plan = adrs.plan if adrs is not None else None
            summaries, planned = store.replace_then(
                batch, plan, at=stamp, actor=actor, states=states, expect_state=expect_state
            )
    except StoreUnavailableError:
        raise
    except ArchgraphError as exc:
        refusal = exc.message
    if progress is not None:
        progress(ScanProgress("load", len(todo), len(todo), ""))
    reports: list[SourceReport] = []
    for result in todo:
        if result.failed:
            reports.append(
                SourceReport(
                    result.source_id, result.scanner, result.origin, "failed", issues=result.issues
                )
            )
        elif refusal is not None:
            issue = ScanIssue(
                Severity.ERROR,
                "store.rejected",
                f"the store refused this scan, nothing was written: {refusal}",
                result.origin,
            )
            reports.append(
                SourceReport(
                    result.source_id,
                    result.scanner,
                    result.origin,
                    "failed",
                    issues=(*result.issues, issue),
                )
            )
        else:
            summary = summaries[result.source_id]
            status = "loaded" if summary.changed else "unchanged"
            reports.append(
                SourceReport(
                    result.source_id, result.scanner, result.origin, status, summary, result.issues
                )
            )
    if refusal is None:
        for source, path in retract:
            reports.append(
                SourceReport(source, source.partition(":")[0], path, "pruned", summaries[source])
            )
    if adrs is not None:
        for folder, status, summary, issues in adr_reports_data(adrs, planned):
            if refusal is not None:
                status, summary = "failed", WriteSummary()
                issues = (*issues, ScanIssue(Severity.ERROR, "store.rejected", refusal, folder))
            reports.append(
                SourceReport(
                    report_source(prefix, folder),
                    ADR_SCANNER,
                    folder or ".",
                    status,
                    summary,
                    issues,
                )
            )
    return reports


@collector_paused()
def load_scan(
    store: SourceStore,
    scan: DirectoryScan,
    *,
    at: str | None = None,
    prune: bool | None = None,
    progress: Progress | None = None,
    actor: str | None = None,
) -> ScanReport:
    """Load a :class:`DirectoryScan` in one transaction and report per source.

    *prune* (default: whether the scan is a complete directory walk with a
    prefix) retracts the sources under the scan's prefix whose files are gone.
    The cyclic garbage collector is paused meanwhile (:mod:`scanners.collector`).
    """
    stamp = at or _now()
    if is_empty(scan):
        # A tree that turned into nothing must not prune what it held before.
        idle = tuple(
            SourceReport(
                r.source_id, r.scanner, r.origin, "failed" if r.failed else "empty", issues=r.issues
            )
            for r in scan.results
        )
        return ScanReport(
            scan.root,
            scan.prefix,
            stamp,
            idle,
            scan.skipped,
            store.version(),
            files=len(scan.files),
            empty=True,
        )
    if prune is None:
        # Without a prefix every scanner source in the store would be "under" the
        # scan, so another tree's sources would be pruned: only when asked.
        prune = scan.prunable and bool(scan.prefix)
    stale = _stale_sources(store, scan) if prune else []
    # States to write: the tree states any written or retracted source could
    # sit in are deleted, the scan's own are stored, a retracted source's deleted.
    gone = [source for source, _ in stale]
    written = [r.source_id for r in scan.results if not r.failed]
    states: dict[str, str | None] = dict.fromkeys(
        covering_tree_keys([*written, *gone], scan.prefix)
    )
    states.update(scan.states)
    states.update(dict.fromkeys(gone))
    reports = load_results(
        store,
        scan.results,
        at=stamp,
        progress=progress,
        retract=stale,
        actor=actor,
        adrs=adr_import(scan.adr_folders, actor),
        prefix=scan.prefix,
        states=states,
        expect_state=scan.state_before,
    )
    kept = [
        SourceReport(source, source.partition(":")[0], path, "unchanged")
        for source, path in scan.kept
    ]
    return ScanReport(
        scan.root,
        scan.prefix,
        stamp,
        (*reports, *kept),
        scan.skipped,
        store.version(),
        files=len(scan.files),
        unchanged_files=len(scan.kept),
        parsed=scan.parsed,
    )


@collector_paused()
def scan_and_load(
    store: SourceStore,
    root: str | Path,
    *,
    full: bool = False,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    source_prefix: str | None = None,
    progress: Progress | None = None,
    actor: str | None = None,
) -> ScanReport:
    """Scan the tree at *root* (skipping files unchanged since the store's scan states)
    and load it, as ``archgraph scan`` does.

    One pause of the cyclic garbage collector spans the parse and the load,
    and ends after the parsed files' objects are freed, so the collector
    never traces them (two pauses would let it trace them all once, between
    the parse and the load).
    """
    found = rescan_directory(
        root,
        previous=store.scan_states(),
        full=full,
        max_file_bytes=max_file_bytes,
        source_prefix=source_prefix,
        progress=progress,
    )
    return load_scan(store, found, progress=progress, actor=actor)


def is_empty(scan: DirectoryScan) -> bool:
    """Whether a scan of a non-empty tree found no element, no edge and no ADR folder."""
    return (
        bool(scan.files)
        and not scan.kept
        and not scan.adr_folders
        and not any(r.nodes or r.edges for r in scan.results)
    )


def _stale_sources(store: SourceStore, scan: DirectoryScan) -> list[tuple[str, str]]:
    """Sources under the scan's prefix whose files are gone (failed files keep theirs)."""
    current = {r.source_id for r in scan.results} | {source for source, _ in scan.kept}
    protected = scan.protected_paths()
    stale = []
    for source in sorted(_sources_under(store, scan.prefix) - current):
        rest = source.partition(":")[2]
        path = rest[len(scan.prefix) + 1 :] if scan.prefix else rest
        if path not in protected:
            stale.append((source, path))
    return stale


def _sources_under(store: SourceStore, prefix: str) -> set[str]:
    """Ids of scanner sources in the store whose path lies under *prefix*."""
    heads = tuple(f"{scanner}:{prefix}/" if prefix else f"{scanner}:" for scanner in SCANNERS)
    return {s for s in store.source_ids() if s.startswith(heads)}
