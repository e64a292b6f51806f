"""Element models, one per kind.

Every model has a ``slug`` and defaults for every other field, so that an
element another source only *refers to* (a stub) still reads back as a valid
element. Unknown fields are rejected: a typo in an API request or a manifest
is an error, not silently dropped data.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints

from schemas.refs import SLUG_PATTERN, Kind, is_slug


def _exact_slug(value: Any) -> Any:
    """Refuse a slug that is only valid once stripped (``"orders\\n"``): never change it."""
    if isinstance(value, str) and not is_slug(value):
        raise ValueError("a slug is lower-case [a-z0-9][a-z0-9._-]{0,127}, exactly")
    return value


# The constraint comes before the validator so the JSON Schema carries the pattern.
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN), BeforeValidator(_exact_slug)]
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` text (or a date) is a date: pydantic alone reads ``0`` as
    1970-01-01, and a YAML ``sunset: 2025`` as a moment in 1970."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD")
    if isinstance(value, int | float):
        raise ValueError("a date is written YYYY-MM-DD, not as a number")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A calendar date: ``YYYY-MM-DD`` exactly."""
Flag = Annotated[bool, Strict()]
"""A yes/no field: only ``true`` or ``false`` (never ``0``, ``1`` or ``"yes"``)."""
Number = Annotated[float, Strict()]
"""A number field: an integer or a decimal (never ``false`` or ``"12"``)."""
ShortText = Annotated[str, StringConstraints(max_length=512)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]


class ProductLifecycle(StrEnum):
    ACTIVE = "active"
    SUNSETTING = "sunsetting"
    RETIRED = "retired"


class ComponentLifecycle(StrEnum):
    EXPERIMENTAL = "experimental"
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


class ComponentKind(StrEnum):
    SERVICE = "service"
    LIBRARY = "library"
    DATASTORE = "datastore"
    TOPIC = "topic"
    FRONTEND = "frontend"
    EXTERNAL = "external"
    PLATFORM = "platform"
    JOB = "job"
    OTHER = "other"


class ApiKind(StrEnum):
    OPENAPI = "openapi"
    ASYNCAPI = "asyncapi"
    GRPC = "grpc"
    GRAPHQL = "graphql"
    OTHER = "other"


class ApiLifecycle(StrEnum):
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


class AdrStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DEPRECATED = "deprecated"
    SUPERSEDED = "superseded"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Element(_Model):
    """Fields every element has."""

    kind: ClassVar[Kind]

    slug: Slug
    name: ShortText | None = Field(default=None, description="Display name; the slug when absent.")
    description: LongText | None = None
    tags: list[ShortText] = Field(default_factory=list, max_length=100)

    @property
    def ref(self) -> str:
        return f"{self.kind.value}:{self.slug}"

    def properties(self) -> dict[str, Any]:
        """The element's stored properties: every field but the slug, unset ones left out."""
        return self.model_dump(mode="json", exclude={"slug"}, exclude_none=True, exclude_unset=True)


class Product(Element):
    """A product line the company sells."""

    kind: ClassVar[Kind] = Kind.PRODUCT

    tier: int = Field(default=2, ge=1, le=3, description="1 is the most critical, 3 the least.")
    lifecycle: ProductLifecycle = ProductLifecycle.ACTIVE
    owner: Slug | None = Field(default=None, description="Slug of the owning team.")
    business_weight: Number | None = Field(default=None, gt=0, le=1000)
    domain: ShortText | None = Field(
        default=None, description="Grouping, such as a Backstage Domain."
    )


class Component(Element):
    """A deployable or reusable piece: service, library, datastore, topic, frontend ..."""

    kind: ClassVar[Kind] = Kind.COMPONENT

    type: ComponentKind = ComponentKind.SERVICE
    product: Slug | None = Field(
        default=None, description="Slug of the owner product; none for platform."
    )
    platform: Flag = False
    lifecycle: ComponentLifecycle = ComponentLifecycle.ACTIVE
    owner: Slug | None = Field(default=None, description="Slug of the owning team.")
    technologies: list[Slug] = Field(default_factory=list, max_length=100)
    capabilities: list[Slug] = Field(default_factory=list, max_length=100)


class Operation(_Model):
    """One operation of an API: an HTTP method and path, or an event action and channel."""

    method: Annotated[str, StringConstraints(to_lower=True, max_length=16)]
    path: Annotated[str, StringConstraints(max_length=2048)]
    operation_id: ShortText | None = None
    summary: ShortText | None = None
    tags: list[ShortText] = Field(default_factory=list)
    deprecated: Flag = False
    security: list[ShortText] = Field(default_factory=list)


class SecurityScheme(_Model):
    name: ShortText
    type: ShortText
    scheme: ShortText | None = None


class Api(Element):
    """A contract a component provides."""

    kind: ClassVar[Kind] = Kind.API

    type: ApiKind = ApiKind.OPENAPI
    version: ShortText | None = None
    lifecycle: ApiLifecycle = ApiLifecycle.ACTIVE
    sunset_date: IsoDate | None = None
    servers: list[ShortText] = Field(default_factory=list)
    operations: list[Operation] = Field(default_factory=list, max_length=20_000)
    security_schemes: list[SecurityScheme] = Field(default_factory=list)
    spec_path: ShortText | None = None


class Capability(Element):
    """What something does for the business: authentication, notifications, search ..."""

    kind: ClassVar[Kind] = Kind.CAPABILITY

    synonyms: list[ShortText] = Field(default_factory=list)


class Team(Element):
    """Who owns things."""

    kind: ClassVar[Kind] = Kind.TEAM

    contact: ShortText | None = None


class Technology(Element):
    """A framework, database or vendor."""

    kind: ClassVar[Kind] = Kind.TECHNOLOGY

    category: ShortText | None = None
    vendor: ShortText | None = None


class AdrAlternative(_Model):
    """An option an ADR considered, with its arguments."""

    name: ShortText
    pros: list[LongText] = Field(default_factory=list, max_length=100)
    cons: list[LongText] = Field(default_factory=list, max_length=100)


class AdrAffect(_Model):
    """An element an ADR changes, and how (an impact change type)."""

    ref: ShortText
    change_type: ShortText = "breaking-change"


class Adr(Element):
    """An architecture decision record (its lifecycle lives in ``adr/``, docs in docs/adr.md).

    ``history`` holds every creation, edit, status change and import with who
    and when; ``impact`` the stored impact assessment. The counter record
    ``adr:registry`` carries only ``last_number``.
    """

    kind: ClassVar[Kind] = Kind.ADR

    number: int | None = Field(default=None, ge=0)
    title: ShortText | None = None
    status: AdrStatus = AdrStatus.PROPOSED
    date: IsoDate | None = None
    deciders: list[ShortText] = Field(default_factory=list)
    context: LongText | None = None
    decision: LongText | None = None
    consequences: LongText | None = None
    notes: LongText | None = None
    alternatives: list[AdrAlternative] = Field(default_factory=list, max_length=100)
    affects: list[AdrAffect] = Field(default_factory=list, max_length=200)
    supersedes: list[int] = Field(default_factory=list)
    superseded_by: list[int] = Field(default_factory=list)
    amends: list[int] = Field(default_factory=list)
    amended_by: list[int] = Field(default_factory=list)
    supplements: list[int] = Field(default_factory=list)
    supplemented_by: list[int] = Field(default_factory=list)
    created_by: ShortText | None = None
    created_at: ShortText | None = None
    updated_at: ShortText | None = None
    file_name: ShortText | None = None
    history: list[dict[str, Any]] = Field(default_factory=list)
    impact: dict[str, Any] | None = None
    last_number: int | None = Field(default=None, ge=0)


ELEMENT_MODELS: dict[Kind, type[Element]] = {
    Kind.PRODUCT: Product,
    Kind.COMPONENT: Component,
    Kind.API: Api,
    Kind.CAPABILITY: Capability,
    Kind.TEAM: Team,
    Kind.TECHNOLOGY: Technology,
    Kind.ADR: Adr,
}

PLURALS: dict[Kind, str] = {
    Kind.PRODUCT: "products",
    Kind.COMPONENT: "components",
    Kind.API: "apis",
    Kind.CAPABILITY: "capabilities",
    Kind.TEAM: "teams",
    Kind.TECHNOLOGY: "technologies",
    Kind.ADR: "adrs",
}

HttpMethod = Literal["get", "put", "post", "delete", "patch", "head", "options", "trace"]
