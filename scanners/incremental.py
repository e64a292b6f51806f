"""A directory scan that skips the files that did not change since the last scan.

:func:`rescan_directory` is :func:`scanners.scan_directory` plus the stored
scan states (:mod:`scanners.rescan`): it hashes every file first, then
parses nothing, only the changed specs, or everything, and returns the
states the app stores with the sources (rule: ``docs/scanners.md``,
"Re-scans"). The outcome is the graph a full scan would give.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from scanners.backstage import DEFAULT_MAPPING, BackstageMapping
from scanners.collector import collector_paused
from scanners.directory import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_FILES,
    DEFAULT_MAX_TOTAL_BYTES,
    DirectoryScan,
    Progress,
    scan_spec_alone,
    scan_stats,
    scan_tree,
)
from scanners.rescan import (
    TREE_KEY,
    RescanPlan,
    ScanTrace,
    SourceState,
    TreeState,
    code_fingerprint,
    contribution,
    plan_rescan,
    tree_digest,
)
from scanners.resolve import DirectoryResolver
from scanners.result import ScanResult
from scanners.walk import FileInput, open_tree

__all__ = ["rescan_directory"]


@collector_paused()
def rescan_directory(
    root: str | Path,
    *,
    previous: Mapping[str, str],
    full: bool = False,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_files: int = DEFAULT_MAX_FILES,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    source_prefix: str | None = None,
    mapping: BackstageMapping = DEFAULT_MAPPING,
    progress: Progress | None = None,
) -> DirectoryScan:
    """Scan *root* like ``scan_directory``, skipping files unchanged since *previous*.

    *previous* is what the store holds (``store.scan_states()``); *full*
    parses every file whatever it says.
    """
    opened = open_tree(
        root,
        max_file_bytes=max_file_bytes,
        max_files=max_files,
        max_total_bytes=max_total_bytes,
        source_prefix=source_prefix,
    )
    prefix, inputs, skipped = opened.prefix, opened.inputs, opened.skipped
    settings = json.dumps(
        [code_fingerprint(), prefix, max_file_bytes, max_files, max_total_bytes, repr(mapping)]
    )
    current = {i.path: i.digest for i in inputs}
    skips = [f"{s.path}\0{s.code}\0{s.reason}\0{s.severity.value}" for s in skipped]
    digest = tree_digest(settings, current, skips)
    tree_key = TREE_KEY + prefix
    tree = TreeState.from_json(previous.get(tree_key))
    states = _states_under(previous, prefix)
    plan = (
        RescanPlan(all=True)
        if full
        else plan_rescan(current, digest, tree, states, skips, settings)
    )
    if not plan.all and tree is not None:
        partial = _rescan_changed(plan, inputs, opened.resolver, prefix, states, tree)
        if partial is not None:
            results, trace = partial
            reads = tree.read_by_others | trace.read_by_others
            out: dict[str, str | None] = {
                r.source_id: _state(r, current, trace, solo=True) for r in results
            }
            out[tree_key] = TreeState(digest, frozenset(reads)).to_json()
            return DirectoryScan(
                str(opened.given),
                prefix,
                tuple(results),
                tuple(skipped),
                tuple(opened.files),
                prunable=True,
                stats=scan_stats(results, skipped),
                states=out,
                kept=tuple(sorted(plan.kept.items())),
                parsed=trace.parsed,
                state_before=(tree_key, previous.get(tree_key)),
            )
    trace = ScanTrace()
    scan = scan_tree(opened, mapping=mapping, progress=progress, trace=trace)
    found = _full_states(scan.results, current, trace)
    clean = not scan.adr_folders and not scan.failed
    found[tree_key] = (
        TreeState(digest, frozenset(trace.read_by_others)).to_json() if clean else None
    )
    return replace(
        scan,
        states=found,
        parsed=trace.parsed,
        state_before=(tree_key, previous.get(tree_key)),
    )


def _states_under(previous: Mapping[str, str], prefix: str) -> dict[str, SourceState]:
    """The stored source states of this tree (source ids ``<scanner>:<prefix>/...``)."""
    head = prefix + "/"
    rows = {
        key: text
        for key, text in previous.items()
        if not key.startswith(TREE_KEY) and (not prefix or key.partition(":")[2].startswith(head))
    }
    return SourceState.from_rows(rows)


def _rescan_changed(
    plan: RescanPlan,
    inputs: Sequence[FileInput],
    resolver: DirectoryResolver,
    prefix: str,
    states: Mapping[str, SourceState],
    tree: TreeState,
) -> tuple[list[ScanResult], ScanTrace] | None:
    """The changed specs scanned alone, or ``None`` when the whole tree must be re-read."""
    if not plan.parse:
        return [], ScanTrace()  # the tree digest is the stored one: nothing to parse
    by_path = {i.path: i for i in inputs}
    by_file = {s.file: (source, s) for source, s in states.items()}
    trace = ScanTrace()
    results: list[ScanResult] = []
    for path in sorted(plan.parse):
        source, before = by_file[path]
        result = scan_spec_alone(by_path[path], prefix=prefix, resolver=resolver, trace=trace)
        if result is None or result.failed or result.channels or result.source_id != source:
            return None
        if contribution(result, trace.apis.get(source)) != before.contribution:
            return None  # what other files take from it changed: re-read them all
        results.append(result)
    if trace.read_by_others & plan.parse:
        return None  # a changed spec now reads another changed one
    return results, trace


def _state(result: ScanResult, current: Mapping[str, str], trace: ScanTrace, *, solo: bool) -> str:
    api = trace.apis.get(result.source_id)
    out = contribution(result, api) if result.source_id in trace.apis else ""
    return SourceState(result.origin, current.get(result.origin, ""), solo, out).to_json()


def _full_states(
    results: Sequence[ScanResult], current: Mapping[str, str], trace: ScanTrace
) -> dict[str, str | None]:
    """Each loaded source's state after a full scan (``solo``: see :mod:`scanners.rescan`)."""
    finals = {r.source_id: _api(r) for r in results if r.source_id in trace.apis}
    claims = Counter(trace.apis.values())
    claims.update(finals.values())
    states: dict[str, str | None] = {}
    for result in results:
        if result.failed:
            continue
        sid = result.source_id
        api = trace.apis.get(sid)
        solo = (
            sid in trace.apis
            and not result.channels
            and result.origin not in trace.provided
            and finals.get(sid) == api
            and (api is None or claims[api] == 2)  # its own claim and its own final ref
        )
        states[sid] = _state(result, current, trace, solo=solo)
    return states


def _api(result: ScanResult) -> str | None:
    return next((r for r in result.described if r.startswith("api:")), None)
