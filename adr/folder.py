"""A folder of ADR files: read each, resolve the links between them, report what is odd."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from adr.markdown import number_from_name, parse_adr
from adr.records import LINK_INVERSES, AdrDoc, ImportWarning, adr_label

MAX_FILE_BYTES = 1_000_000
ADR_SUFFIXES = (".md", ".markdown")


@dataclass
class FolderImport:
    adrs: list[AdrDoc] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_folder(path: Path) -> dict[str, str]:
    """The Markdown files directly in *path* (file name -> text); unreadable ones are left out."""
    files: dict[str, str] = {}
    for entry in sorted(path.iterdir()):
        if entry.is_symlink() or not entry.is_file():
            continue
        if not entry.name.lower().endswith(ADR_SUFFIXES):
            continue
        if entry.stat().st_size > MAX_FILE_BYTES:
            files[entry.name] = ""
            continue
        files[entry.name] = entry.read_bytes().decode("utf-8", errors="replace")
    return files


def parse_folder(files: Mapping[str, str]) -> FolderImport:
    """Read every file, keep the ADRs, resolve links by file name or number (docs/adr.md)."""
    result = FolderImport()
    by_number: dict[int, AdrDoc] = {}
    raw: list[tuple[AdrDoc, list[tuple[str, int | None, str | None, str]]]] = []
    for name in sorted(files):
        text = files[name]
        if not text.strip():
            result.warnings.append(ImportWarning(name, "empty or too large; not an ADR, skipped"))
            result.skipped.append(name)
            continue
        parsed = parse_adr(text, name)
        result.warnings.extend(ImportWarning(name, w) for w in parsed.warnings)
        if parsed.doc is None:
            result.skipped.append(name)
            continue
        doc = parsed.doc
        if doc.number in by_number:
            other = by_number[doc.number].file_name
            result.warnings.append(
                ImportWarning(name, f"number {doc.number} is also {other}; skipped")
            )
            result.skipped.append(name)
            continue
        by_number[doc.number] = doc
        raw.append((doc, [(r.kind, r.number, r.file, r.text) for r in parsed.raw_links]))

    file_numbers = {doc.file_name: doc.number for doc in by_number.values()}
    for doc, links in raw:
        for kind, number, file, text in links:
            target = _resolve(doc, number, file, text, file_numbers, by_number, result)
            if target is None or target == doc.number:
                continue
            _link(doc, kind, target)
            _link(by_number[target], LINK_INVERSES[kind], doc.number)

    numbers = sorted(by_number)
    if numbers:
        missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
        if missing:
            listed = ", ".join(adr_label(n) for n in missing)
            result.warnings.append(ImportWarning("", f"gaps in numbering: {listed}"))
    result.adrs = [by_number[n] for n in numbers]
    return result


def _resolve(
    doc: AdrDoc,
    number: int | None,
    file: str | None,
    text: str,
    file_numbers: Mapping[str, int],
    by_number: Mapping[int, AdrDoc],
    result: FolderImport,
) -> int | None:
    if file is not None:
        if file in file_numbers:
            return file_numbers[file]
        number = number_from_name(file) if number_from_name(file) is not None else number
        if number is not None and number in by_number:
            result.warnings.append(
                ImportWarning(
                    doc.file_name,
                    f"link {text!r} names a file that does not exist; "
                    f"resolved by its number to {adr_label(number)}",
                )
            )
            return number
        result.warnings.append(
            ImportWarning(doc.file_name, f"link {text!r} names a file that does not exist; dropped")
        )
        return None
    if number is None or number not in by_number:
        result.warnings.append(
            ImportWarning(doc.file_name, f"link {text!r} names no imported ADR; dropped")
        )
        return None
    return number


def _link(doc: AdrDoc, kind: str, number: int) -> None:
    numbers = doc.links.setdefault(kind, [])
    if number not in numbers:
        numbers.append(number)
        numbers.sort()
