"""Walking a directory tree safely: what to read, and what to skip and why.

* directories in :data:`EXCLUDED_DIRS` are not entered; symlinked
  directories are never followed;
* a symlinked file is never read through its link: one leading outside the
  root is refused (an error), one inside is skipped (its target is read at
  its own path);
* special files (FIFOs, sockets, devices) are never opened; files are opened
  with ``O_NOFOLLOW`` and read up to the size bound only;
* files of binary types, or with a NUL byte in their first 8 KiB, are skipped;
* a file over ``max_file_bytes`` is reported as an error when it looks like
  something archgraph scans (by its first 64 KiB, or a ``.yaml``/``.json``
  name), and skipped otherwise;
* more than ``max_files`` files or ``max_total_bytes`` bytes stops the walk
  with ``PayloadTooLargeError`` before anything is scanned.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from scanners.detect import BINARY_SUFFIXES, DATA_SUFFIXES, Format, looks_binary, sniff
from scanners.documents import DocumentError, decode_text
from scanners.resolve import DirectoryResolver
from scanners.result import Severity
from schemas.errors import InvalidInputError, PayloadTooLargeError

__all__ = [
    "EXCLUDED_DIRS",
    "FileInput",
    "SkippedFile",
    "Tree",
    "open_tree",
    "too_large",
    "walk_tree",
]

EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".idea",
        ".gradle",
        ".terraform",
    }
)
_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file (or directory, path ending in ``/``) that was not scanned, and why.

    ``severity`` is ``error`` when the file was refused (a symlink leaving
    the tree, an oversized spec, an upload that is none of ours): such a
    file makes the scan count as failed.
    """

    path: str
    code: str
    reason: str
    severity: Severity = Severity.INFO

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "code": self.code,
            "reason": self.reason,
            "severity": self.severity.value,
        }


@dataclass
class FileInput:
    """One file to scan: its text, or why it was not read."""

    path: str
    text: str | None = None
    oversize: str | None = None  # why it was not read
    head: str = ""  # the start of an oversized file, to tell its format
    fmt: Format | None = None
    docs: list[Any] | None = None
    digest: str = ""  # SHA-256 of the bytes read (scanners.rescan.file_digest)


def too_large(size: int, limit: int) -> str:
    return (
        f"file is {size:,} bytes, over the {limit:,} byte limit "
        "(raise it with max_file_bytes / --max-file-size)"
    )


def _inside(root: Path, target: Path) -> bool:
    return target == root or root in target.parents


def walk_tree(
    root: Path, max_file_bytes: int, max_files: int, max_total_bytes: int
) -> tuple[list[FileInput], list[SkippedFile], list[str]]:
    inputs: list[FileInput] = []
    skipped: list[SkippedFile] = []
    seen: list[str] = []
    total = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        rel_dir = PurePosixPath(here.relative_to(root).as_posix())
        keep = []
        for name in sorted(dirnames):
            rel = (rel_dir / name).as_posix().removeprefix("./") + "/"
            full = here / name
            if full.is_symlink():
                skipped.append(_symlink_skip(root, full, rel))
            elif name in EXCLUDED_DIRS:
                skipped.append(SkippedFile(rel, "skip.excluded", "excluded directory"))
            else:
                keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            rel = (rel_dir / name).as_posix().removeprefix("./")
            full = here / name
            seen.append(rel)
            if len(seen) > max_files:
                raise PayloadTooLargeError(
                    f"{root} has more than {max_files:,} files; scan a smaller tree or raise "
                    "max_files",
                    location=str(root),
                )
            if full.is_symlink():
                skipped.append(_symlink_skip(root, full, rel))
                continue
            if not full.is_file():
                skipped.append(SkippedFile(rel, "skip.special", "not a regular file"))
                continue
            suffix = full.suffix.lower()
            if suffix in BINARY_SUFFIXES:
                skipped.append(SkippedFile(rel, "skip.binary", "binary file type"))
                continue
            size = full.stat().st_size
            # one byte more than allowed, to notice a file that grew since stat()
            data = _read(full, size + 1 if size <= max_file_bytes else _HEAD_BYTES)
            if size > max_file_bytes or len(data) > max_file_bytes:
                head = data[:_HEAD_BYTES].decode("utf-8", "replace")
                why = too_large(max(size, len(data)), max_file_bytes)
                if sniff(rel, head) is not None or suffix in DATA_SUFFIXES:
                    inputs.append(FileInput(rel, head=head, oversize=why, digest=_digest(data)))
                else:
                    skipped.append(
                        SkippedFile(rel, "skip.too-large", too_large(size, max_file_bytes))
                    )
                continue
            total += len(data)
            if total > max_total_bytes:
                raise PayloadTooLargeError(
                    f"{root} holds more than {max_total_bytes:,} bytes of files to read; scan "
                    "a smaller tree or raise max_total_bytes",
                    location=str(root),
                )
            if looks_binary(data):
                skipped.append(SkippedFile(rel, "skip.binary", "binary content"))
                continue
            try:
                inputs.append(FileInput(rel, text=decode_text(data), digest=_digest(data)))
            except DocumentError as exc:
                severity = Severity.ERROR if suffix in DATA_SUFFIXES else Severity.INFO
                skipped.append(SkippedFile(rel, exc.code, exc.message, severity))
    return inputs, skipped, seen


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(path: Path, limit: int) -> bytes:
    """Read at most *limit* bytes without following a symlink swapped in meanwhile."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        chunks = []
        remaining = limit
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _symlink_skip(root: Path, full: Path, rel: str) -> SkippedFile:
    target = Path(os.path.realpath(full))
    if not _inside(root, target):
        return SkippedFile(
            rel,
            "skip.symlink-outside",
            "symlink leads outside the scanned tree; never followed",
            Severity.ERROR,
        )
    return SkippedFile(
        rel, "skip.symlink", "symlink inside the tree; its target is scanned at its own path"
    )


@dataclass(frozen=True)
class Tree:
    """A directory walked and bounded, ready to scan (:func:`open_tree`)."""

    given: Path
    prefix: str
    inputs: list[FileInput]
    skipped: list[SkippedFile]
    files: list[str]
    resolver: DirectoryResolver


def open_tree(
    root: str | Path,
    *,
    max_file_bytes: int,
    max_files: int,
    max_total_bytes: int,
    source_prefix: str | None,
) -> Tree:
    """Walk *root* within the limits: its files read, its skips, its resolver.

    Raises ``InvalidInputError`` when *root* is not a directory and
    ``PayloadTooLargeError`` when the tree has more than *max_files* files
    or *max_total_bytes* bytes to read.
    """
    given = Path(root)
    if not given.is_dir():
        raise InvalidInputError(f"{root} is not a directory", location=str(root))
    real_root = Path(os.path.realpath(given))
    prefix = real_root.name if source_prefix is None else source_prefix.strip("/")
    inputs, skipped, files = walk_tree(real_root, max_file_bytes, max_files, max_total_bytes)
    resolver = DirectoryResolver(real_root, max_file_bytes=max_file_bytes)
    return Tree(given, prefix, inputs, skipped, files, resolver)
