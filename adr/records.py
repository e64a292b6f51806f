"""What an ADR file says, as the importer and exporter see it (no store, no app)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: link kinds kept on an ADR, each with its inverse
LINK_INVERSES: dict[str, str] = {
    "supersedes": "superseded_by",
    "superseded_by": "supersedes",
    "amends": "amended_by",
    "amended_by": "amends",
    "supplements": "supplemented_by",
    "supplemented_by": "supplements",
}
#: the link fields of an ADR, in the order they are written
LINK_FIELDS: tuple[str, ...] = tuple(LINK_INVERSES)


@dataclass
class AlternativeDoc:
    name: str
    pros: list[str] = field(default_factory=list)
    cons: list[str] = field(default_factory=list)


@dataclass
class AffectDoc:
    ref: str
    change_type: str = "breaking-change"


@dataclass
class AdrDoc:
    """One ADR as Markdown carries it."""

    number: int
    title: str
    status: str = "proposed"
    date: dt.date | None = None
    deciders: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    context: str = ""
    decision: str = ""
    consequences: str = ""
    alternatives: list[AlternativeDoc] = field(default_factory=list)
    notes: str = ""
    affects: list[AffectDoc] = field(default_factory=list)
    #: link kind (a key of LINK_INVERSES) -> ADR numbers
    links: dict[str, list[int]] = field(default_factory=dict)
    file_name: str = ""


@dataclass(frozen=True)
class ImportWarning:
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file else self.message


@dataclass(frozen=True)
class RawLink:
    """A link as written, before the folder resolves it to a number."""

    kind: str
    number: int | None
    file: str | None
    text: str


def adr_label(number: int) -> str:
    return f"ADR-{number:04d}"


def adr_slug(number: int) -> str:
    return f"adr-{number:04d}"
