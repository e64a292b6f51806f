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
from pathlib import Path
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
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


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
    """Walk *root* top-down, directories and files in sorted order (see the module docstring).

    One ``scandir`` per directory and string paths; each regular file is
    opened once (``O_NOFOLLOW``), sized with ``fstat`` on that descriptor and
    read up to the bound, so a re-scan's walk costs little beyond the reads.
    """
    walk = _Walk(root, max_file_bytes, max_files, max_total_bytes)
    walk.directory(str(root), "")
    return walk.inputs, walk.skipped, walk.seen


class _Walk:
    """The state of one :func:`walk_tree`: what was read, skipped and seen so far."""

    def __init__(self, root: Path, max_file_bytes: int, max_files: int, max_total_bytes: int):
        self.root = root
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.max_total_bytes = max_total_bytes
        self.inputs: list[FileInput] = []
        self.skipped: list[SkippedFile] = []
        self.seen: list[str] = []
        self.total = 0

    def directory(self, full: str, rel_dir: str) -> None:
        """One directory: its sub-directories' skips, its files, then each kept sub-directory."""
        try:
            with os.scandir(full) as listing:
                entries = list(listing)
        except OSError:
            return  # an unreadable directory is passed over, as os.walk does
        dirs: list[os.DirEntry[str]] = []
        files: list[os.DirEntry[str]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(entry)
        keep = []
        for entry in sorted(dirs, key=_name):
            rel = rel_dir + entry.name + "/"
            if entry.is_symlink():
                self.skipped.append(_symlink_skip(self.root, Path(entry.path), rel))
            elif entry.name in EXCLUDED_DIRS:
                self.skipped.append(SkippedFile(rel, "skip.excluded", "excluded directory"))
            else:
                keep.append(entry)
        for entry in sorted(files, key=_name):
            self.file(entry, rel_dir + entry.name)
        for entry in keep:
            self.directory(entry.path, rel_dir + entry.name + "/")

    def file(self, entry: os.DirEntry[str], rel: str) -> None:
        self.seen.append(rel)
        if len(self.seen) > self.max_files:
            raise PayloadTooLargeError(
                f"{self.root} has more than {self.max_files:,} files; scan a smaller tree or "
                "raise max_files",
                location=str(self.root),
            )
        if entry.is_symlink():
            self.skipped.append(_symlink_skip(self.root, Path(entry.path), rel))
            return
        if not entry.is_file(follow_symlinks=False):
            self.skipped.append(SkippedFile(rel, "skip.special", "not a regular file"))
            return
        suffix = _suffix(entry.name)
        if suffix in BINARY_SUFFIXES:
            self.skipped.append(SkippedFile(rel, "skip.binary", "binary file type"))
            return
        size, data = _read(entry.path, self.max_file_bytes)
        limit = self.max_file_bytes
        if size > limit or len(data) > limit:
            head = data[:_HEAD_BYTES].decode("utf-8", "replace")
            why = too_large(max(size, len(data)), limit)
            if sniff(rel, head) is not None or suffix in DATA_SUFFIXES:
                self.inputs.append(FileInput(rel, head=head, oversize=why, digest=_digest(data)))
            else:
                self.skipped.append(SkippedFile(rel, "skip.too-large", too_large(size, limit)))
            return
        self.total += len(data)
        if self.total > self.max_total_bytes:
            raise PayloadTooLargeError(
                f"{self.root} holds more than {self.max_total_bytes:,} bytes of files to read; "
                "scan a smaller tree or raise max_total_bytes",
                location=str(self.root),
            )
        if looks_binary(data):
            self.skipped.append(SkippedFile(rel, "skip.binary", "binary content"))
            return
        try:
            self.inputs.append(FileInput(rel, text=decode_text(data), digest=_digest(data)))
        except DocumentError as exc:
            severity = Severity.ERROR if suffix in DATA_SUFFIXES else Severity.INFO
            self.skipped.append(SkippedFile(rel, exc.code, exc.message, severity))


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _suffix(name: str) -> str:
    """The lower-cased suffix of a file name, as ``PurePath.suffix`` gives it."""
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(path: str, max_bytes: int) -> tuple[int, bytes]:
    """The size and bytes of a file, opened without following a symlink swapped in meanwhile.

    The size is that of the opened file (``fstat``). At most one byte more
    than the size is read (to notice a file that grew since), or only the
    first 64 KiB of a file over *max_bytes*. Reading stops at an empty read,
    or at a short one once the whole stat'ed size is in (the end of a
    regular file, without one more read call).
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        size = os.fstat(fd).st_size
        remaining = size + 1 if size <= max_bytes else _HEAD_BYTES
        chunks = []
        got = 0
        while remaining > 0:
            ask = min(remaining, 1 << 20)
            chunk = os.read(fd, ask)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
            remaining -= len(chunk)
            if len(chunk) < ask and got >= size:
                break  # a short read past the stat'ed size: the end of the file
        return size, chunks[0] if len(chunks) == 1 else b"".join(chunks)
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
