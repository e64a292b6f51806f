"""Reading the other files a document refers to, without ever leaving the scanned tree.

A :class:`Resolver` reads a file by its path relative to the scan root. It is
the only way a scanner sees other files, and it refuses:

* remote references (``http:``, ``https:``, ``file:`` or any other scheme):
  never fetched (``ref.remote``);
* paths that leave the root, by ``..``, by an absolute path or through a
  symlink (``ref.escape``);
* files over the size bound (``ref.too-large``) and missing ones (``ref.missing``).

:class:`RefFollower` follows ``$ref`` values through one document and the
relative files it points at (each parsed once), and reports every remote or
escaping ``$ref`` it sees.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from scanners.documents import (
    DocumentError,
    RefList,
    load_documents,
    refs_of,
    resolve_pointer,
    split_pointer,
)

__all__ = [
    "DirectoryResolver",
    "MappingResolver",
    "RefFollower",
    "ResolveError",
    "Resolver",
    "join_relative",
]

_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_MAX_HOPS = 64


class ResolveError(Exception):
    """A referenced file that cannot or must not be read; ``code`` says which."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


Resolver = Callable[[str], str]
"""Reads a file by its POSIX path relative to the scan root; raises :class:`ResolveError`."""


def is_remote(target: str) -> bool:
    """Whether *target* is a URL (any scheme) rather than a relative path."""
    return target.startswith("//") or (bool(_SCHEME_RE.match(target)) and not _is_drive(target))


def _is_drive(target: str) -> bool:
    return (
        len(target) > 1
        and target[1] == ":"
        and target[0].isalpha()
        and len(target) > 2
        and (target[2] in "/\\")
    )


def join_relative(origin: str, target: str) -> str:
    """The root-relative path of *target* written in the file at *origin*.

    >>> join_relative("specs/api/openapi.yaml", "../common/error.yaml")
    'specs/common/error.yaml'
    """
    if is_remote(target):
        raise ResolveError(f"remote reference {target!r} is never fetched", code="ref.remote")
    path = unquote(target).replace("\\", "/")
    if path.startswith("/") or _is_drive(path):
        raise ResolveError(
            f"reference {target!r} is an absolute path; only paths inside the scanned tree "
            "are read",
            code="ref.escape",
        )
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(origin), path))
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        raise ResolveError(
            f"reference {target!r} from {origin} leads outside the scanned tree", code="ref.escape"
        )
    return joined


class DirectoryResolver:
    """Reads files under *root*; symlinks are followed only while they stay inside it."""

    def __init__(self, root: str | Path, *, max_file_bytes: int) -> None:
        self.root = Path(os.path.realpath(root))
        self.max_file_bytes = max_file_bytes
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        if path in self._cache:
            return self._cache[path]
        rel = join_relative("", path)
        full = Path(os.path.realpath(self.root / rel))
        if full != self.root and self.root not in full.parents:
            raise ResolveError(
                f"{path} resolves outside the scanned tree (symlink?)", code="ref.escape"
            )
        if not full.is_file():
            raise ResolveError(f"{path} does not exist in the scanned tree", code="ref.missing")
        size = full.stat().st_size
        if size > self.max_file_bytes:
            raise ResolveError(
                f"{path} is {size:,} bytes, over the {self.max_file_bytes:,} byte limit",
                code="ref.too-large",
            )
        try:
            text = full.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ResolveError(f"{path} cannot be read: {exc}", code="ref.unreadable") from None
        self._cache[path] = text
        return text


class MappingResolver:
    """Reads from a fixed set of files, such as the ones uploaded in one request."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)

    def __call__(self, path: str) -> str:
        rel = join_relative("", path)
        if rel not in self.files:
            raise ResolveError(f"{path} is not among the scanned files", code="ref.missing")
        return self.files[rel]


def _no_files(path: str) -> str:
    raise ResolveError(f"{path} cannot be read: this scan has no other files", code="ref.missing")


Report = Callable[[str, str, str, str | None], None]
"""``report(code, message, file, pointer)``: where a :class:`RefFollower` sends problems."""


class RefFollower:
    """Follows ``$ref`` values within a document and into relative files of the tree.

    Problems go to *report* as ``(code, message, file, pointer)``; the
    scanner decides their severity (see :data:`REF_SEVERITY`).
    """

    def __init__(
        self,
        root_doc: Any,
        origin: str,
        *,
        resolver: Resolver | None,
        report: Report,
        max_bytes: int | None = None,
        refs: RefList | None = None,
    ) -> None:
        self.origin = origin
        self._resolver = resolver or _no_files
        self._report = report
        self._docs: dict[str, Any] = {origin: root_doc}
        self._failed: set[str] = set()
        self._seen_remote: set[str] = set()
        self._max_bytes = max_bytes
        self.ref_count = 0
        self._check_refs(root_doc, origin, refs)

    # ---------------------------------------------------------- whole-doc check

    def _check_refs(self, doc: Any, file: str, refs: RefList | None) -> None:
        """Check the ``$ref``s the one YAML pass found in *doc* (*refs*), or walk it for them."""
        if refs is None:
            self.scan_refs(doc, file)
            return
        self.ref_count += len(refs)
        for ref, pointer in refs:
            self._check_ref(ref, file, pointer)

    def scan_refs(self, doc: Any, file: str) -> None:
        """Report every remote or escaping ``$ref`` in *doc* (without reading anything)."""
        stack: list[tuple[Any, str]] = [(doc, "")]
        seen: set[int] = set()
        while stack:
            value, pointer = stack.pop()
            if isinstance(value, dict):
                if id(value) in seen:
                    continue
                seen.add(id(value))
                ref = value.get("$ref")
                if isinstance(ref, str):
                    self.ref_count += 1
                    self._check_ref(ref, file, pointer + "/$ref")
                for key, child in value.items():
                    if isinstance(child, (dict, list)):
                        stack.append((child, f"{pointer}/{_esc(key)}"))
            elif isinstance(value, list):
                if id(value) in seen:
                    continue
                seen.add(id(value))
                for index, child in enumerate(value):
                    if isinstance(child, (dict, list)):
                        stack.append((child, f"{pointer}/{index}"))

    def _check_ref(self, ref: str, file: str, pointer: str) -> None:
        target = ref.partition("#")[0]
        if not target:
            return
        try:
            join_relative(file, target)
        except ResolveError as exc:
            if exc.code == "ref.remote":
                if target in self._seen_remote:
                    return
                self._seen_remote.add(target)
            self._report(exc.code, exc.message, file, pointer)

    # ---------------------------------------------------------------- follow

    def deref(self, value: Any, file: str, pointer: str = "") -> tuple[Any, str]:
        """Follow ``$ref`` from *value* (found in *file*) until a non-reference.

        Returns the value and the file it lives in; ``(None, file)`` when a
        reference cannot be followed (the problem has been reported).
        """
        hops = 0
        seen: set[tuple[str, str]] = set()
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            ref: str = value["$ref"]
            hops += 1
            target, _, fragment = ref.partition("#")
            try:
                next_file = join_relative(file, target) if target else file
            except ResolveError:
                return None, file  # already reported by scan_refs
            key = (next_file, fragment)
            if key in seen or hops > _MAX_HOPS:
                self._report("ref.cycle", f"$ref {ref!r} loops back on itself", file, pointer)
                return None, file
            seen.add(key)
            doc = self._document(next_file, file, pointer, ref)
            if doc is _UNREADABLE:
                return None, file
            try:
                split_pointer(fragment)
                value = resolve_pointer(doc, fragment)
            except (KeyError, ValueError):
                self._report("ref.unresolved", f"$ref {ref!r} points at nothing", file, pointer)
                return None, file
            file = next_file
            pointer = fragment
        return value, file

    def mapping(self, value: Any, file: str, pointer: str = "") -> tuple[dict[Any, Any], str]:
        """Like :meth:`deref`, but always a dict (empty when the target is not one)."""
        if isinstance(value, dict) and not isinstance(value.get("$ref"), str):
            return value, file  # nothing to follow: deref's answer, without the call
        found, where = self.deref(value, file, pointer)
        return (found if isinstance(found, dict) else {}), where

    def _document(self, path: str, from_file: str, pointer: str, ref: str) -> Any:
        if path in self._docs:
            return self._docs[path]
        if path in self._failed:
            return _UNREADABLE
        try:
            text = self._resolver(path)
            if self._max_bytes is not None and len(text) > self._max_bytes:
                raise ResolveError(f"{path} is over the size limit", code="ref.too-large")
            docs = load_documents(text)
        except ResolveError as exc:
            self._failed.add(path)
            self._report(exc.code, f"$ref {ref!r}: {exc.message}", from_file, pointer)
            return _UNREADABLE
        except DocumentError as exc:
            self._failed.add(path)
            self._report(
                "ref.unreadable",
                f"$ref {ref!r}: {path} is not readable: {exc.message}",
                from_file,
                pointer,
            )
            return _UNREADABLE
        doc = docs[0] if docs else None
        self._docs[path] = doc
        self._check_refs(doc, path, refs_of(docs))
        return doc


_UNREADABLE = object()


def _esc(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


REF_SEVERITY: dict[str, str] = {
    "ref.remote": "warning",
    "ref.escape": "error",
    "ref.missing": "warning",
    "ref.unresolved": "warning",
    "ref.cycle": "warning",
    "ref.too-large": "error",
    "ref.unreadable": "warning",
}
"""How scanners rate reference problems: leaving the tree or oversized is an error."""
