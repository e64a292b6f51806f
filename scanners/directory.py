"""Scanning a whole tree into one :class:`DirectoryScan` (uploads: :mod:`scanners.uploads`).

Pure with respect to the graph: files are read, nothing is written. The
steps, in an order that makes the outcome independent of file order:

1. walk the tree (sorted; ``.git``, ``node_modules`` ... skipped; symlinks
   never followed out of the root; special files never opened; each file
   bounded by ``max_file_bytes``, the whole scan by ``max_files`` and
   ``max_total_bytes``);
2. sniff each file's format from its content (:mod:`scanners.detect`);
3. read the manifests and Backstage catalogs first: which spec files the
   manifests ``provide`` and which ones Backstage APIs take their
   definition from (those are scanned as part of the catalog, not alone);
4. scan the OpenAPI and AsyncAPI specs, keeping a summary of each;
5. scan the manifests (with the spec summaries) and the catalogs (with an
   index of every entity in the scan);
6. join event channels across documents (:mod:`scanners.events`): whoever
   receives on a channel subscribes to the APIs that send on it;
7. gather the folders of ADR Markdown (:mod:`scanners.adrs`), which the app
   imports into the ADR registry.

Walking is :mod:`scanners.walk`. Every source id is
``<scanner>:<prefix>/<path>``, the prefix defaulting to the name of the
scanned directory, so two repositories that both have an
``archgraph.yaml`` at the top do not overwrite each other, and re-scanning
the same tree replaces the same sources.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanners import asyncapi, backstage, manifest, openapi
from scanners.adrs import AdrFolder, adr_locations, find_adr_folders, is_markdown
from scanners.backstage import (
    DEFAULT_MAPPING,
    BackstageMapping,
    index_catalog,
    reserve_api_refs,
)
from scanners.collector import collector_paused
from scanners.detect import PORTALS, Format, classify, sniff
from scanners.documents import DocumentError, load_documents
from scanners.events import join_channels
from scanners.foreign import not_ours
from scanners.portals import PORTAL_INDEXES, PORTAL_SCANNERS
from scanners.rescan import ScanTrace
from scanners.resolve import (
    ResolveError,
    Resolver,
    join_relative,
)
from scanners.result import (
    ChannelUse,
    ReadFile,
    ResultBuilder,
    ScanIssue,
    ScanResult,
    Severity,
)
from scanners.specs import SpecSummary, channels_by_action
from scanners.walk import EXCLUDED_DIRS, FileInput, SkippedFile, Tree, open_tree

__all__ = [
    "DEFAULT_MAX_FILES",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_TOTAL_BYTES",
    "EXCLUDED_DIRS",
    "DirectoryScan",
    "Progress",
    "ScanProgress",
    "SkippedFile",
    "collect_files",
    "scan_directory",
    "scan_inputs",
    "scan_spec_alone",
    "scan_stats",
    "source_id",
]

DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_FILES = 20_000
DEFAULT_MAX_TOTAL_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """Where a scan is: *done* of *total* files of the current *stage* handled."""

    stage: str
    done: int
    total: int
    path: str


Progress = Callable[[ScanProgress], None]


@dataclass(frozen=True)
class DirectoryScan:
    """Everything one scan found: a result per source, and what was skipped.

    ``prunable`` is true for a complete directory walk: loading it may then
    retract sources under ``prefix`` whose files are gone. ``adr_folders``
    are the folders of ADR Markdown met (:mod:`scanners.adrs`), for the app
    to import.
    """

    root: str
    prefix: str
    results: tuple[ScanResult, ...]
    skipped: tuple[SkippedFile, ...]
    files: tuple[str, ...] = ()
    prunable: bool = False
    stats: dict[str, int] = field(default_factory=dict)
    adr_folders: tuple[AdrFolder, ...] = ()
    states: dict[str, str | None] = field(default_factory=dict)
    """Scan states to store (:mod:`scanners.rescan`): per source, and ``tree:<prefix>``."""
    kept: tuple[tuple[str, str], ...] = ()
    """Sources ``(source id, file)`` kept as stored: their files did not change."""
    parsed: int = 0
    """How many files were parsed."""
    state_before: tuple[str, str | None] | None = None
    """The tree's scan state when the scan began (``tree:<prefix>``, value), if it read one."""

    @property
    def failed(self) -> bool:
        """Whether any file failed (the CLI's exit code)."""
        return any(r.failed for r in self.results) or any(
            s.severity is Severity.ERROR for s in self.skipped
        )

    def protected_paths(self) -> set[str]:
        """Paths whose old facts must stay: they failed or were refused this time."""
        paths = {r.origin for r in self.results if r.failed}
        return paths | {s.path for s in self.skipped if s.severity is Severity.ERROR}


def source_id(scanner: str, prefix: str, path: str) -> str:
    """``source_id("openapi", "shop", "api/openapi.yaml") == "openapi:shop/api/openapi.yaml"``."""
    return f"{scanner}:{prefix}/{path}" if prefix else f"{scanner}:{path}"


# ------------------------------------------------------------------ public


def scan_tree(
    tree: Tree,
    *,
    mapping: BackstageMapping,
    progress: Progress | None,
    trace: ScanTrace | None = None,
) -> DirectoryScan:
    """Scan every file of an opened *tree* (steps 2-7); *trace* as in :func:`scan_inputs`."""
    results, more, adr_folders = scan_inputs(
        tree.inputs,
        resolver=tree.resolver,
        prefix=tree.prefix,
        mapping=mapping,
        progress=progress,
        unrecognised=Severity.INFO,
        trace=trace,
    )
    return DirectoryScan(
        str(tree.given),
        tree.prefix,
        tuple(results),
        tuple(tree.skipped + more),
        tuple(tree.files),
        prunable=True,
        stats=scan_stats(results, tree.skipped + more),
        adr_folders=tuple(adr_folders),
    )


@collector_paused()
def scan_directory(
    root: str | Path,
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_files: int = DEFAULT_MAX_FILES,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    source_prefix: str | None = None,
    mapping: BackstageMapping = DEFAULT_MAPPING,
    progress: Progress | None = None,
) -> DirectoryScan:
    """Scan every file under *root* that archgraph recognises.

    Raises ``InvalidInputError`` when *root* is not a directory and
    ``PayloadTooLargeError`` when the tree has more than *max_files* files
    or *max_total_bytes* bytes to read (nothing is scanned then). The cyclic
    garbage collector is paused meanwhile (:mod:`scanners.collector`).
    """
    tree = open_tree(
        root,
        max_file_bytes=max_file_bytes,
        max_files=max_files,
        max_total_bytes=max_total_bytes,
        source_prefix=source_prefix,
    )
    return scan_tree(tree, mapping=mapping, progress=progress)


def collect_files(
    root: str | Path,
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_files: int = DEFAULT_MAX_FILES,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
) -> tuple[str, list[tuple[str, str]], list[SkippedFile]]:
    """The tree's name and its readable text files, by the same rules as :func:`scan_directory`.

    For ``archgraph scan PATH --server URL``: upload the files as
    ``(f"{name}/{path}", text)`` (or with ``source_prefix=name``) so the
    server's source ids match a local scan; report the skipped ones locally.
    """
    tree = open_tree(
        root,
        max_file_bytes=max_file_bytes,
        max_files=max_files,
        max_total_bytes=max_total_bytes,
        source_prefix=None,
    )
    files = [(i.path, i.text) for i in tree.inputs if i.text is not None]
    skipped = tree.skipped + [
        SkippedFile(i.path, "file.too-large", i.oversize, Severity.ERROR)
        for i in tree.inputs
        if i.oversize is not None
    ]
    return tree.prefix, files, sorted(skipped, key=lambda s: s.path)


# ----------------------------------------------------------------- scanning


def scan_inputs(
    inputs: list[FileInput],
    *,
    resolver: Resolver,
    prefix: str,
    mapping: BackstageMapping,
    progress: Progress | None,
    unrecognised: Severity,
    trace: ScanTrace | None = None,
    sent_before: Mapping[str, Sequence[ChannelUse]] | None = None,
) -> tuple[list[ScanResult], list[SkippedFile], list[AdrFolder]]:
    """Steps 2-6 above over files already read (a walk's or an upload's).

    Returns the results, the skips and the ADR folders (step 7). *trace*,
    if given, notes what a re-scan needs (:mod:`scanners.rescan`).
    *sent_before*: file -> the channels it sent on at its last good scan (its
    stored state); the join counts them for a file that fails now.
    """
    trace = trace if trace is not None else ScanTrace()
    resolver = trace.wrap(resolver)
    results: list[ScanResult] = []
    skipped: list[SkippedFile] = []
    markdown: list[FileInput] = []
    groups: dict[Format, list[FileInput]] = {fmt: [] for fmt in Format}
    for item in sorted(inputs, key=lambda i: i.path):
        item.fmt = sniff(item.path, item.text if item.text is not None else item.head)
        if item.oversize is not None and item.fmt is not None:
            results.append(_failed(item.fmt, prefix, item.path, "file.too-large", item.oversize))
        elif item.oversize is not None:
            skipped.append(SkippedFile(item.path, "file.too-large", item.oversize, Severity.ERROR))
        elif item.fmt is None and item.text is not None and is_markdown(item.path):
            markdown.append(item)  # step 7 decides whether it is an ADR
        elif item.fmt is None:
            skipped.append(not_ours(item.path, item.text or item.head, unrecognised))
        else:
            groups[item.fmt].append(item)

    # Step 3: manifests and catalogs are small; read them first.
    for item in groups[Format.MANIFEST] + groups[Format.BACKSTAGE]:
        _read_docs(item, prefix, results, skipped, unrecognised, trace)
    catalogs = [
        i
        for i in groups[Format.BACKSTAGE] + groups[Format.MANIFEST]
        if i.fmt is Format.BACKSTAGE and i.docs is not None
    ]
    manifests = [
        i
        for i in groups[Format.MANIFEST] + groups[Format.BACKSTAGE]
        if i.fmt is Format.MANIFEST and i.docs is not None
    ]
    specs = (
        groups[Format.OPENAPI]
        + groups[Format.ASYNCAPI]
        + [i for fmt in sorted(PORTALS) for i in groups[fmt]]
        + [
            i
            for i in groups[Format.MANIFEST] + groups[Format.BACKSTAGE]
            if i.fmt in (Format.OPENAPI, Format.ASYNCAPI) and i.docs is not None
        ]
    )
    catalog = index_catalog((i.path, i.docs or []) for i in catalogs)
    reserve_api_refs(catalog, resolver=resolver, mapping=mapping)
    provided = _provided_paths(manifests)
    trace.provided = provided
    indexes = _portal_indexes(groups, prefix, results, skipped, unrecognised, trace)
    read_early = {i.path for fmt in indexes for i in groups[fmt]}

    total = len(specs) + len(manifests) + len(catalogs)
    done = 0

    def tick(path: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(ScanProgress("scan", done, total, path))

    # Step 4: specs, one at a time (big ones are not kept in memory).
    summaries: dict[str, SpecSummary] = {}
    versions = catalog.versions
    for item in sorted(specs, key=lambda i: i.path):
        trace.owner = item.path
        if item.path in catalog.definitions:
            owner = catalog.definitions[item.path]
            skipped.append(
                SkippedFile(
                    item.path,
                    "skip.catalog-definition",
                    f"scanned as the definition of a Backstage API in {owner}",
                )
            )
            tick(item.path)
            continue
        if item.docs is None and item.path not in read_early:
            _read_docs(item, prefix, results, skipped, unrecognised, trace)
        if item.docs is not None and item.fmt in (Format.OPENAPI, Format.ASYNCAPI):
            scanner = openapi if item.fmt is Format.OPENAPI else asyncapi
            result = scanner.scan_documents(
                _read_file(item, source_id(item.fmt.value, prefix, item.path)),
                resolver=resolver,
                provided=item.path in provided,
            )
            trace.apis[result.source_id] = _api_of(result)
            result = versions.claim(result, item.docs)
            results.append(result)
            summary = _summary(result)
            if summary is not None:
                summaries[item.path] = summary
        elif item.docs is not None and item.fmt is Format.MANIFEST:
            manifests.append(item)  # a "spec" whose content turned out to be a manifest
        elif item.docs is not None and item.fmt is Format.BACKSTAGE:
            catalogs.append(item)
        elif item.docs is not None and item.fmt in PORTALS:
            options = {"index": indexes[item.fmt]} if item.fmt in indexes else {}
            results.append(
                PORTAL_SCANNERS[item.fmt.value](
                    _read_file(item, source_id(item.fmt.value, prefix, item.path)),
                    resolver=resolver,
                    **options,
                )
            )
        item.docs = None
        tick(item.path)

    # Step 5: manifests and catalogs, knowing every spec and entity.
    for item in sorted(manifests, key=lambda i: i.path):
        trace.owner = item.path
        results.append(
            manifest.scan_documents(
                _read_file(item, source_id(Format.MANIFEST.value, prefix, item.path)),
                resolver=resolver,
                specs=summaries,
            )
        )
        tick(item.path)
    catalog.elsewhere = frozenset(ref for r in results for ref in r.described)
    for item in sorted(catalogs, key=lambda i: i.path):
        trace.owner = item.path
        results.append(
            backstage.scan_documents(
                _read_file(item, source_id(Format.BACKSTAGE.value, prefix, item.path)),
                resolver=resolver,
                catalog=catalog,
                mapping=mapping,
            )
        )
        tick(item.path)
    # Step 6: event channels received in one document and sent in another (a failed
    # document's channels from its last good scan still count as sent).
    sent = sent_before or {}
    kept = [u for r in results if r.failed for u in sent.get(r.origin, ())]
    results, _ = join_channels(results, also_sent=kept)
    results.sort(key=lambda r: r.source_id)
    # Step 7: folders of ADR Markdown, by name, by Backstage annotation or by content.
    locations, problems = adr_locations(((i.path, i.docs or []) for i in catalogs), mapping)
    adr_folders, other_markdown, more = find_adr_folders(markdown, locations)
    skipped += problems + more
    skipped += [not_ours(i.path, i.text or "", unrecognised) for i in other_markdown]
    return _flag_conflicts(results), sorted(skipped, key=lambda s: s.path), adr_folders


def _portal_indexes(
    groups: dict[Format, list[FileInput]],
    prefix: str,
    results: list[ScanResult],
    skipped: list[SkippedFile],
    unrecognised: Severity,
    trace: ScanTrace,
) -> dict[Format, Any]:
    """For each portal format whose files refer to each other by id, its index
    over every file of that format (those files are read now, before step 4)."""
    indexes: dict[Format, Any] = {}
    for fmt in sorted(PORTALS):
        if fmt.value not in PORTAL_INDEXES:
            continue
        for item in groups[fmt]:
            _read_docs(item, prefix, results, skipped, unrecognised, trace)
        indexes[fmt] = PORTAL_INDEXES[fmt.value](
            _read_file(i, source_id(fmt.value, prefix, i.path))
            for i in groups[fmt]
            if i.fmt is fmt and i.docs is not None
        )
    return indexes


def scan_spec_alone(
    item: FileInput, *, prefix: str, resolver: Resolver, trace: ScanTrace
) -> ScanResult | None:
    """One OpenAPI/AsyncAPI file scanned on its own (a re-scan of a changed file).

    ``None`` when it is not (or no longer) a readable spec.
    """
    results: list[ScanResult] = []
    item.fmt = sniff(item.path, item.text or "")
    if item.fmt is None or item.text is None:
        return None
    _read_docs(item, prefix, results, [], Severity.INFO, trace)
    if results or item.fmt not in (Format.OPENAPI, Format.ASYNCAPI) or item.docs is None:
        return None
    scanner = openapi if item.fmt is Format.OPENAPI else asyncapi
    trace.owner = item.path
    result: ScanResult = scanner.scan_documents(
        _read_file(item, source_id(item.fmt.value, prefix, item.path)),
        resolver=trace.wrap(resolver),
        provided=False,
    )
    trace.apis[result.source_id] = _api_of(result)
    item.docs = None
    return result


def _read_file(item: FileInput, source: str) -> ReadFile:
    """What a format's ``scan_documents`` takes, from a file the walk read."""
    return ReadFile(item.path, item.text or "", item.docs or [], source)


def _read_docs(
    item: FileInput,
    prefix: str,
    results: list[ScanResult],
    skipped: list[SkippedFile],
    unrecognised: Severity,
    trace: ScanTrace,
) -> None:
    """Parse *item* and confirm its format; failures become results or skips."""
    assert item.fmt is not None
    trace.parsed += 1
    try:
        docs = load_documents(item.text or "")
    except DocumentError as exc:
        results.append(_failed(item.fmt, prefix, item.path, exc.code, exc.message, exc.line))
        return
    fmt = classify(item.path, docs)
    if fmt is None:
        skipped.append(not_ours(item.path, item.text or "", unrecognised))
        return
    item.fmt, item.docs = fmt, docs


def _failed(
    fmt: Format, prefix: str, path: str, code: str, message: str, line: int | None = None
) -> ScanResult:
    builder = ResultBuilder(fmt.value, path, source_id=source_id(fmt.value, prefix, path))
    builder.error(code, message, line=line)
    return builder.build()


def _provided_paths(manifests: Iterable[FileInput]) -> set[str]:
    """Root-relative paths of every spec some manifest lists under ``provides``."""
    paths: set[str] = set()
    for item in manifests:
        for doc in item.docs or []:
            provides = doc.get("provides") if isinstance(doc, dict) else None
            for entry in provides if isinstance(provides, list) else []:
                raw = entry.get("path") if isinstance(entry, dict) else entry
                if isinstance(raw, str) and not raw.startswith("api:"):
                    with contextlib.suppress(ResolveError):
                        paths.add(join_relative(item.path, raw))
    return paths


def _api_of(result: ScanResult) -> str | None:
    """The API a spec's result describes (before :mod:`scanners.versions` renames it)."""
    return next((r for r in result.described if r.startswith("api:")), None)


def _summary(result: ScanResult) -> SpecSummary | None:
    if result.failed:
        return None
    api = next((n for n in result.nodes if n.kind == "api" and n.ref in result.described), None)
    if api is None:
        return None
    sends, receives = channels_by_action(list(api.properties.get("operations", [])))
    return SpecSummary(
        result.origin,
        api.ref,
        str(api.properties.get("type", "openapi")),
        tuple(sends),
        tuple(receives),
    )


def _flag_conflicts(results: list[ScanResult]) -> list[ScanResult]:
    """Warn when two sources describe the same element differently."""
    first: dict[str, tuple[str, Any]] = {}
    out: list[ScanResult] = []
    for result in results:
        extra = []
        for ref in result.described:
            node = result.node(ref)
            props = dict(node.properties) if node else {}
            if ref not in first:
                first[ref] = (result.source_id, props)
            elif first[ref][1] != props:
                extra.append(
                    ScanIssue(
                        Severity.WARNING,
                        "element.conflict",
                        f"{ref} is also described by {first[ref][0]}, differently; the graph "
                        "merges both (the later assertion wins per property)",
                        result.origin,
                    )
                )
        out.append(result.with_issues(extra) if extra else result)
    return out


def scan_stats(results: Sequence[ScanResult], skipped: Sequence[SkippedFile]) -> dict[str, int]:
    """The counts a :class:`DirectoryScan` reports (sources, failed, skipped, per scanner)."""
    stats: dict[str, int] = {
        "sources": len(results),
        "failed": sum(r.failed for r in results),
        "skipped": len(skipped),
    }
    for result in results:
        stats[f"sources.{result.scanner}"] = stats.get(f"sources.{result.scanner}", 0) + 1
    return stats
