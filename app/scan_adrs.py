"""ADR folders met by a scan: imported into the ADR registry in the scan's own transaction.

The scanners only find the folders (:mod:`scanners.adrs`); here each is read
by the same code as ``archgraph adr import`` (``adr.parse_folder`` and
:class:`app.adr_io.AdrImport`), and the import runs as the plan of the
scan's one write (``GraphStore.replace_then``), after the scanner sources,
so an ADR may affect an element the same scan wrote, and a scan the store
refuses writes no ADR either (docs/scanners.md, docs/adr.md).
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from adr import parse_folder
from app.adr_io import AdrImport, FolderToImport
from graph.storage import SYSTEM_ACTOR, WriteSummary
from scanners import AdrFolder, ScanIssue, Severity

__all__ = ["SCANNER", "adr_import", "adr_reports_data", "report_source"]

SCANNER = "adr"


def adr_import(folders: Sequence[AdrFolder], actor: str | None) -> AdrImport | None:
    """The import of every ADR folder of a scan (None when the scan met none)."""
    if not folders:
        return None
    items = [FolderToImport(f.path, parse_folder(f.files), f.entities) for f in folders]
    return AdrImport(items, actor or SYSTEM_ACTOR, skip_invalid=True)


def report_source(prefix: str, folder: str) -> str:
    """The report's name for an ADR folder: ``adr:<prefix>/<folder>`` (not a store source)."""
    path = "/".join(p for p in (prefix, folder) if p)
    return f"{SCANNER}:{path}"


def adr_reports_data(
    importer: AdrImport, summaries: Sequence[WriteSummary]
) -> list[tuple[str, str, WriteSummary, tuple[ScanIssue, ...]]]:
    """Per folder: its path, its status, what its write changed, its warnings."""
    rows = []
    for i, item in enumerate(importer.folders):
        report = importer.reports[i] if i < len(importer.reports) else None
        summary = summaries[i] if i < len(summaries) else WriteSummary()
        warnings = (report or {}).get("warnings", [])
        issues = tuple(_issue(item.label, w) for w in warnings)
        rows.append((item.label, "loaded" if summary.changed else "unchanged", summary, issues))
    return rows


def _issue(folder: str, warning: str) -> ScanIssue:
    name, sep, message = warning.partition(": ")
    if sep and name and "/" not in name and name.lower().endswith((".md", ".markdown")):
        return ScanIssue(Severity.WARNING, "adr.import", message, posixpath.join(folder, name))
    return ScanIssue(Severity.WARNING, "adr.import", warning, folder or ".")
