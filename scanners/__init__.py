"""Scanners: files in, normalized nodes and edges out, with warnings. No store access.

Each format has a pure ``parse(text, *, origin, ...) -> ScanResult``:
:mod:`scanners.openapi`, :mod:`scanners.asyncapi`, :mod:`scanners.manifest`
(``archgraph.yaml``) and :mod:`scanners.backstage` (``catalog-info.yaml``).
:func:`scan_directory` and :func:`scan_uploads` run them over a tree or a
set of uploaded files and return a :class:`DirectoryScan`; writing it into a
store is the app's job (:func:`app.scan_service.load_scan`)::

    scan = scan_directory(path, max_file_bytes=..., progress=bar.update)
    scan = scan_uploads([(name, content), ...])
    name, files, skipped = collect_files(path)   # CLI --server: what to upload
"""

from __future__ import annotations

from scanners.adrs import AdrFolder
from scanners.backstage import BackstageMapping
from scanners.collector import collector_paused
from scanners.directory import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_FILES,
    DEFAULT_MAX_TOTAL_BYTES,
    DirectoryScan,
    Progress,
    ScanProgress,
    SkippedFile,
    collect_files,
    scan_directory,
)
from scanners.documents import DocumentError, load_json
from scanners.incremental import rescan_directory
from scanners.rescan import covering_tree_keys
from scanners.result import ScanIssue, ScanResult, Severity, issue_text
from scanners.uploads import scan_uploads

__all__ = [
    "DEFAULT_MAX_FILES",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_TOTAL_BYTES",
    "AdrFolder",
    "BackstageMapping",
    "DirectoryScan",
    "DocumentError",
    "Progress",
    "ScanIssue",
    "ScanProgress",
    "ScanResult",
    "Severity",
    "SkippedFile",
    "collect_files",
    "collector_paused",
    "covering_tree_keys",
    "issue_text",
    "load_json",
    "rescan_directory",
    "scan_directory",
    "scan_uploads",
]
