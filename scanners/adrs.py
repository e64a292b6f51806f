"""Finding the ADR folders of a scanned tree (pure: the app reads and imports them).

A folder's Markdown files are handed over as ADRs (``docs/scanners.md``) when

* the folder's own name is a conventional ADR folder name (``adr``, ``adrs``,
  ``decisions``, ``decision-records``, ``architecture-decisions``: so
  ``docs/adr``, ``doc/adr``, ``docs/decisions``, ``docs/architecture/decisions``),
* a Backstage entity names it in the ``backstage.io/adr-location``
  annotation (a path relative to the catalog file), or
* one of its Markdown files looks like an ADR: a numbered name (``0007-x.md``,
  ``ADR007-x.md``, ``adr-7.md``) and both a status (front matter, a
  ``Status:`` line or a ``## Status`` heading) and a ``## Decision`` heading.

Only the Markdown files directly in the folder belong to it (as for
``archgraph adr import``); other Markdown files stay unread.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanners.backstage import BackstageMapping, is_backstage
from scanners.backstage.catalog import entity_slug, parse_entity_ref
from scanners.resolve import ResolveError, join_relative
from scanners.result import Severity
from scanners.walk import FileInput, SkippedFile

__all__ = [
    "ADR_FOLDER_NAMES",
    "ADR_LOCATION",
    "AdrFolder",
    "AdrLocation",
    "adr_locations",
    "find_adr_folders",
    "is_markdown",
]

ADR_LOCATION = "backstage.io/adr-location"
ADR_FOLDER_NAMES = frozenset(
    {"adr", "adrs", "decisions", "decision-records", "architecture-decisions"}
)
_MARKDOWN = (".md", ".markdown")
_NUMBERED = re.compile(r"^(?:adr[-_ ]?)?\d+(?:[-_. ]|\.md$|\.markdown$)", re.IGNORECASE)
_STATUS = re.compile(
    r"^(?:status\s*:|[*-]\s*status\s*:|#{1,3}\s*status\b)", re.IGNORECASE | re.MULTILINE
)
_DECISION = re.compile(r"^#{2,3}\s*decision\b", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class AdrFolder:
    """One folder of ADR Markdown: its root-relative path, its files, who links to it."""

    path: str
    files: Mapping[str, str]
    entities: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdrLocation:
    """A ``backstage.io/adr-location`` annotation: the folder, and the entity (ref or None)."""

    folder: str
    entity: str | None
    catalog: str


def is_markdown(path: str) -> bool:
    return path.lower().endswith(_MARKDOWN)


def looks_like_adr(name: str, text: str) -> bool:
    return bool(_NUMBERED.match(name) and _STATUS.search(text) and _DECISION.search(text))


def adr_locations(
    catalogs: Iterable[tuple[str, Sequence[Any]]], mapping: BackstageMapping
) -> tuple[list[AdrLocation], list[SkippedFile]]:
    """The ADR folders Backstage entities name, and a warning per annotation not followed."""
    found: list[AdrLocation] = []
    problems: list[SkippedFile] = []
    for path, docs in catalogs:
        for doc in docs:
            raw = _annotation(doc)
            if raw is None:
                continue
            entity = _entity_ref(doc, mapping)
            try:
                folder = join_relative(path, raw.rstrip("/") or ".")
            except ResolveError as exc:
                problems.append(_warn(path, f"{ADR_LOCATION} {raw!r} not followed: {exc.message}"))
                continue
            found.append(AdrLocation("" if folder == "." else folder, entity, path))
    return found, problems


def find_adr_folders(
    markdown: Sequence[FileInput], locations: Sequence[AdrLocation]
) -> tuple[list[AdrFolder], list[FileInput], list[SkippedFile]]:
    """Group Markdown files into ADR folders; return the folders, the rest, and warnings."""
    by_folder: dict[str, dict[str, str]] = {}
    for item in markdown:
        folder, name = posixpath.split(item.path)
        by_folder.setdefault(folder, {})[name] = item.text or ""
    linked: dict[str, list[str]] = {}
    problems: list[SkippedFile] = []
    for location in locations:
        if location.folder not in by_folder:
            problems.append(
                _warn(
                    location.catalog,
                    f"{ADR_LOCATION} names {location.folder or '.'}/, which holds no Markdown "
                    "files in this scan",
                )
            )
            continue
        refs = linked.setdefault(location.folder, [])
        if location.entity is not None and location.entity not in refs:
            refs.append(location.entity)
    chosen = {
        folder
        for folder, files in by_folder.items()
        if folder in linked
        or posixpath.basename(folder).lower() in ADR_FOLDER_NAMES
        or any(looks_like_adr(name, text) for name, text in files.items())
    }
    folders = [
        AdrFolder(folder, dict(sorted(by_folder[folder].items())), tuple(linked.get(folder, ())))
        for folder in sorted(chosen)
    ]
    rest = [i for i in markdown if posixpath.dirname(i.path) not in chosen]
    return folders, rest, problems


def _annotation(doc: Any) -> str | None:
    if not is_backstage(doc):
        return None
    metadata = doc.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    value = annotations.get(ADR_LOCATION) if isinstance(annotations, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _entity_ref(doc: Any, mapping: BackstageMapping) -> str | None:
    """The graph ref of the entity *doc* describes, as the Backstage scanner makes it."""
    metadata = doc.get("metadata")
    if not isinstance(metadata, dict):
        return None
    key = parse_entity_ref(
        metadata.get("name"),
        default_kind=str(doc.get("kind")),
        default_namespace=str(metadata.get("namespace") or "default"),
    )
    if key is None:
        return None
    target = mapping.kind_of(key.kind)
    return f"{target.value}:{entity_slug(key)}" if target is not None else None


def _warn(path: str, reason: str) -> SkippedFile:
    return SkippedFile(path, "adr.location", reason, Severity.WARNING)
