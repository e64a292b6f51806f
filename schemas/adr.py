"""Request and response shapes of the ADR registry (rules in docs/adr.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.analysis import ChangeType, Ref
from schemas.elements import AdrAlternative, AdrStatus, IsoDate, LongText, ShortText

NumberList = list[int]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AffectIn(_In):
    ref: Ref = Field(examples=["component:auth-service"])
    change_type: ChangeType = ChangeType.BREAKING_CHANGE


class AdrCreate(_In):
    """A new decision; the server assigns its number."""

    title: ShortText = Field(min_length=1)
    status: Literal[AdrStatus.PROPOSED, AdrStatus.ACCEPTED] = AdrStatus.PROPOSED
    date: IsoDate | None = None
    context: LongText | None = None
    decision: LongText | None = None
    consequences: LongText | None = None
    alternatives: list[AdrAlternative] = Field(default_factory=list, max_length=100)
    deciders: list[ShortText] = Field(default_factory=list, max_length=100)
    tags: list[ShortText] = Field(default_factory=list, max_length=100)
    affects: list[AffectIn] = Field(default_factory=list, max_length=200)
    supersedes: list[int] = Field(default_factory=list, max_length=100)
    amends: list[int] = Field(default_factory=list, max_length=100)


class AdrUpdate(_In):
    """Text fields an edit may change; each edit is kept in the ADR's history."""

    title: ShortText | None = Field(default=None, min_length=1)
    date: IsoDate | None = None
    context: LongText | None = None
    decision: LongText | None = None
    consequences: LongText | None = None
    notes: LongText | None = None
    alternatives: list[AdrAlternative] | None = Field(default=None, max_length=100)
    deciders: list[ShortText] | None = Field(default=None, max_length=100)
    tags: list[ShortText] | None = Field(default=None, max_length=100)


class StatusChange(_In):
    status: AdrStatus


class SupersedeRequest(_In):
    supersedes: list[int] = Field(min_length=1, max_length=100)


class AdrRead(BaseModel):
    """An ADR as the registry shows it."""

    number: int
    id: str = Field(description='"ADR-0007"')
    ref: str
    title: str
    status: AdrStatus
    date: IsoDate | None = None
    context: str | None = None
    decision: str | None = None
    consequences: str | None = None
    notes: str | None = None
    alternatives: list[AdrAlternative] = Field(default_factory=list)
    deciders: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    affects: list[dict[str, Any]] = Field(default_factory=list)
    supersedes: list[int] = Field(default_factory=list)
    superseded_by: list[int] = Field(default_factory=list)
    amends: list[int] = Field(default_factory=list)
    amended_by: list[int] = Field(default_factory=list)
    supplements: list[int] = Field(default_factory=list)
    supplemented_by: list[int] = Field(default_factory=list)
    created_by: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    history: list[dict[str, Any]] = Field(default_factory=list)
    impact: dict[str, Any] | None = None


class AdrPage(BaseModel):
    items: list[AdrRead]
    total: int
    offset: int
    limit: int
    next_offset: int | None = None


class ImpactView(BaseModel):
    """The stored assessment and how the answer moved since."""

    number: int
    stored: dict[str, Any] | None
    current: dict[str, Any]
    graph_version_then: int | None
    graph_version_now: int
    newly_affected_products: list[str]
    no_longer_affected_products: list[str]


class ConflictPair(BaseModel):
    a: int
    b: int
    shared_elements: list[str]
    shared_products: list[str]


class ImportReport(BaseModel):
    created: list[int]
    updated: list[int]
    unchanged: list[int]
    skipped_files: list[str]
    warnings: list[str]
