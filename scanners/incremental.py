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
from dataclasses import dataclass, replace
from pathlib import Path

from scanners.backstage import DEFAULT_MAPPING, BackstageMapping
from scanners.collector import collector_paused
from scanners.directory import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_FILES,
    DEFAULT_MAX_TOTAL_BYTES,
    DirectoryScan,
    Progress,
    scan_inputs,
    scan_spec_alone,
    scan_stats,
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
from scanners.resolve import Resolver
from scanners.result import ScanResult, Severity
from scanners.specs import SEND
from scanners.walk import FileInput, SkippedFile, open_tree

__all__ = ["RescanInput", "rescan_directory", "rescan_inputs"]


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
    settings = [max_file_bytes, max_files, max_total_bytes, repr(mapping)]
    return rescan_inputs(
        RescanInput(
            str(opened.given),
            opened.prefix,
            opened.inputs,
            opened.skipped,
            opened.files,
            opened.resolver,
            settings,
        ),
        previous=previous,
        full=full,
        mapping=mapping,
        progress=progress,
    )


@dataclass(frozen=True)
class RescanInput:
    """A tree read and bounded (a walk's or an upload's), ready for :func:`rescan_inputs`.

    *settings* are what else decides the scan (limits, mapping, kind of
    scan): they go into the tree digest with the code and the prefix.
    """

    root: str
    prefix: str
    inputs: list[FileInput]
    skipped: list[SkippedFile]
    files: list[str]
    resolver: Resolver
    settings: list[object]
    prunable: bool = True
    unrecognised: Severity = Severity.INFO


def rescan_inputs(
    tree: RescanInput,
    *,
    previous: Mapping[str, str],
    full: bool,
    mapping: BackstageMapping,
    progress: Progress | None,
) -> DirectoryScan:
    """Scan *tree* parsing nothing, only its changed specs, or everything (the rule)."""
    prefix, inputs, skipped = tree.prefix, tree.inputs, tree.skipped
    settings = json.dumps([code_fingerprint(), prefix, *tree.settings], default=str)
    current = {i.path: i.digest for i in inputs}
    skips = [f"{s.path}\0{s.code}\0{s.reason}\0{s.severity.value}" for s in skipped]
    digest = tree_digest(settings, current, skips)
    tree_key = TREE_KEY + prefix
    stored = TreeState.from_json(previous.get(tree_key))
    states = _states_under(previous, prefix)
    plan = (
        RescanPlan(all=True)
        if full
        else plan_rescan(current, digest, stored, states, skips, settings)
    )
    if not plan.all and stored is not None:
        partial = _rescan_changed(plan, inputs, tree.resolver, prefix, states)
        if partial is not None:
            results, trace = partial
            reads = stored.read_by_others | trace.read_by_others
            out: dict[str, str | None] = {
                r.source_id: _state(r, current, trace, solo=True) for r in results
            }
            out[tree_key] = TreeState(digest, frozenset(reads)).to_json()
            return DirectoryScan(
                tree.root,
                prefix,
                tuple(results),
                tuple(skipped),
                tuple(tree.files),
                prunable=tree.prunable,
                stats=scan_stats(results, skipped),
                states=out,
                kept=tuple(sorted(plan.kept.items())),
                parsed=trace.parsed,
                state_before=(tree_key, previous.get(tree_key)),
            )
    trace = ScanTrace()
    found_results, more, adr_folders = scan_inputs(
        inputs,
        resolver=tree.resolver,
        prefix=prefix,
        mapping=mapping,
        progress=progress,
        unrecognised=tree.unrecognised,
        trace=trace,
        sent_before={s.file: s.channel_uses() for s in states.values() if s.sends},
    )
    scan = DirectoryScan(
        tree.root,
        prefix,
        tuple(found_results),
        tuple(skipped + more),
        tuple(tree.files),
        prunable=tree.prunable,
        stats=scan_stats(found_results, skipped + more),
        adr_folders=tuple(adr_folders),
    )
    found: dict[str, str | None] = {source: None for source in states}  # not produced now
    found.update(_full_states(scan.results, current, trace))
    for result in scan.results:
        if result.failed:  # keeps its facts, so its last good state (its channels) too
            found.pop(result.source_id, None)
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
    """The stored source states of this tree: ids ``<scanner>:<prefix>/<file>`` of their file.

    A state another tree wrote for the same source (``openapi:a/b.yaml`` is
    file ``a/b.yaml`` of the tree without prefix and ``b.yaml`` of tree
    ``a``) names another file, so it is left out.
    """
    head = prefix + "/" if prefix else ""
    rows = {
        key: text
        for key, text in previous.items()
        if not key.startswith(TREE_KEY) and key.partition(":")[2].startswith(head)
    }
    return {
        key: state
        for key, state in SourceState.from_rows(rows).items()
        if key.partition(":")[2] == head + state.file
    }


def _rescan_changed(
    plan: RescanPlan,
    inputs: Sequence[FileInput],
    resolver: Resolver,
    prefix: str,
    states: Mapping[str, SourceState],
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
    sends = tuple((u.api_ref, u.address, u.servers) for u in result.channels if u.action == SEND)
    return SourceState(result.origin, current.get(result.origin, ""), solo, out, sends).to_json()


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
