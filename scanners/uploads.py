"""Scanning a set of uploaded files (name and content) into one :class:`DirectoryScan`.

The same steps as a directory scan (:mod:`scanners.directory`), on files
held in memory: names are paths under an imaginary root, so relative
``$ref`` values between uploaded files resolve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scanners.backstage import DEFAULT_MAPPING, BackstageMapping
from scanners.collector import collector_paused
from scanners.detect import looks_binary
from scanners.directory import (
    DEFAULT_MAX_FILE_BYTES,
    DirectoryScan,
    Progress,
    scan_inputs,
    scan_stats,
)
from scanners.documents import DocumentError, decode_text
from scanners.incremental import RescanInput, rescan_inputs
from scanners.rescan import file_digest
from scanners.resolve import MappingResolver, ResolveError, join_relative
from scanners.result import Severity
from scanners.walk import FileInput, SkippedFile, too_large
from schemas.errors import PayloadTooLargeError

__all__ = ["scan_uploads"]


@collector_paused()
def scan_uploads(
    files: Sequence[tuple[str, bytes | str]],
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_files: int = 1_000,
    source_prefix: str = "",
    complete: bool = False,
    mapping: BackstageMapping = DEFAULT_MAPPING,
    progress: Progress | None = None,
    previous: Mapping[str, str] | None = None,
    full: bool = False,
) -> DirectoryScan:
    """Scan files given by name and content (the HTTP endpoint's uploads).

    Names are paths relative to an imaginary root (``payments/openapi.yaml``),
    so relative ``$ref`` values between uploaded files resolve. A name that
    leaves that root, a file over *max_file_bytes* and a file archgraph does
    not recognise are each reported as an error for that file. Raises
    ``PayloadTooLargeError`` for more than *max_files* files.

    *complete* says the uploads are a whole tree (the CLI's ``--server``
    mode): loading may then prune sources under *source_prefix* whose files
    were not uploaded. Plain uploads never prune.

    With *previous* (``store.scan_states()``), files unchanged since the
    last upload of the same tree are not parsed (``docs/scanners.md``,
    "Re-scans"; :func:`scanners.rescan_inputs`) unless *full*, and the scan
    carries the states to store.
    """
    if len(files) > max_files:
        raise PayloadTooLargeError(
            f"{len(files)} files uploaded, over the limit of {max_files}", location="files"
        )
    inputs: list[FileInput] = []
    skipped: list[SkippedFile] = []
    texts: dict[str, str] = {}
    for name, content in files:
        try:
            path = join_relative("", name)
        except ResolveError as exc:
            skipped.append(SkippedFile(name, "file.bad-name", exc.message, Severity.ERROR))
            continue
        if path in texts or any(i.path == path for i in inputs):
            skipped.append(
                SkippedFile(
                    path, "file.duplicate", "uploaded twice; first one kept", Severity.ERROR
                )
            )
            continue
        data = content.encode() if isinstance(content, str) else content
        size = len(data)
        digest = file_digest(data)
        if size > max_file_bytes:
            raw = (
                content[:65536]
                if isinstance(content, str)
                else content[:65536].decode("utf-8", "replace")
            )
            inputs.append(
                FileInput(path, head=raw, oversize=too_large(size, max_file_bytes), digest=digest)
            )
            continue
        if isinstance(content, bytes):
            if looks_binary(content[:8192]):
                skipped.append(SkippedFile(path, "file.binary", "binary content", Severity.ERROR))
                continue
            try:
                content = decode_text(content)
            except DocumentError as exc:
                skipped.append(SkippedFile(path, exc.code, exc.message, Severity.ERROR))
                continue
        texts[path] = content
        inputs.append(FileInput(path, text=content, digest=digest))
    resolver = MappingResolver(texts)
    prefix = source_prefix.strip("/")
    unrecognised = Severity.INFO if complete else Severity.ERROR
    if previous is not None:
        tree = RescanInput(
            "<upload>",
            prefix,
            inputs,
            skipped,
            [i.path for i in inputs],
            resolver,
            ["upload", complete, max_file_bytes, max_files, repr(mapping)],
            prunable=complete,
            unrecognised=unrecognised,
        )
        return rescan_inputs(tree, previous=previous, full=full, mapping=mapping, progress=progress)
    results, more, adr_folders = scan_inputs(
        inputs,
        resolver=resolver,
        prefix=prefix,
        mapping=mapping,
        progress=progress,
        unrecognised=unrecognised,
    )
    return DirectoryScan(
        "<upload>",
        prefix,
        tuple(results),
        tuple(skipped + more),
        tuple(i.path for i in inputs),
        prunable=complete,
        stats=scan_stats(results, skipped + more),
        adr_folders=tuple(adr_folders),
    )
