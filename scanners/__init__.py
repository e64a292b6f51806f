"""Scanners: files in, normalized nodes and edges out, with warnings. No store access.

Each format has a pure ``parse(text, *, origin, ...) -> ScanResult``:
:mod:`scanners.openapi`, :mod:`scanners.asyncapi`, :mod:`scanners.manifest`
(``archgraph.yaml``) and :mod:`scanners.backstage` (``catalog-info.yaml``).
:func:`scan_directory` and :func:`scan_uploads` run them over a tree or a
set of uploaded files; :func:`load_scan` writes the outcome to a store, one
``replace_source`` per source, and returns a :class:`ScanReport`.

The CLI and the HTTP endpoint are thin over these::

    scan = scan_directory(path, max_file_bytes=..., progress=bar.update)
    report = load_scan(store, scan)          # report.failed -> exit code
    print(report.to_text())

    scan = scan_uploads([(name, content), ...])
    report = load_scan(store, scan)          # report.to_json() -> response body

    name, files, skipped = collect_files(path)   # CLI --server: what to upload
"""

from __future__ import annotations

from scanners.backstage_catalog import BackstageMapping
from scanners.directory import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_FILES,
    DEFAULT_MAX_TOTAL_BYTES,
    DirectoryScan,
    ScanProgress,
    SkippedFile,
    collect_files,
    scan_directory,
    scan_uploads,
)
from scanners.load import ScanReport, SourceReport, load_results, load_scan, render_report
from scanners.result import ScanIssue, ScanResult, Severity

__all__ = [
    "DEFAULT_MAX_FILES",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_TOTAL_BYTES",
    "BackstageMapping",
    "DirectoryScan",
    "ScanIssue",
    "ScanProgress",
    "ScanReport",
    "ScanResult",
    "Severity",
    "SkippedFile",
    "SourceReport",
    "collect_files",
    "load_results",
    "load_scan",
    "render_report",
    "scan_directory",
    "scan_uploads",
]
