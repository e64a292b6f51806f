"""Request and response shapes of the analyses: impact, alternatives, duplicates, risks.

The due-diligence reports (sunset, spin-off, acquisition fit) are in
:mod:`schemas.diligence`.

The functions of :mod:`graph.analysis` (impact, duplicates, risks,
diligence) return these models, so a route is one line. Element
references are ``kind:slug`` strings throughout; lists are sorted so equal
graphs give equal answers on every store. ``docs/impact.md`` explains the
semantics and the scoring formulas.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from schemas.refs import REF_PATTERN, parse_ref


def _valid_ref(value: str) -> str:
    parse_ref(value)  # raises RefError, a ValueError, which pydantic reports
    return value


Ref = Annotated[str, AfterValidator(_valid_ref), Field(json_schema_extra={"pattern": REF_PATTERN})]
Strength = Literal["hard", "soft"]
EffortSize = Literal["S", "M", "L", "XL"]


class ChangeType(StrEnum):
    """What happens to the target elements."""

    REMOVE = "remove"
    BREAKING_CHANGE = "breaking-change"
    DEPRECATE = "deprecate"
    MIGRATE = "migrate"
    OUTAGE = "outage"


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------- impact


#: ``max_products`` / ``max_listed`` that list everything (internal callers that need it all).
EVERYTHING = 1_000_000


class ImpactRequest(_Request):
    """One proposed change: what changes, how, and how far to look."""

    targets: list[Ref] = Field(
        min_length=1,
        max_length=200,
        examples=[["component:auth-service"]],
        description="Components, APIs, products, capabilities or technologies that change.",
    )
    change_type: ChangeType = ChangeType.BREAKING_CHANGE
    operations: list[Annotated[str, Field(max_length=512)]] = Field(
        default_factory=list,
        max_length=1_000,
        description='Changed API operations, as "METHOD /path" or operationId; empty means all.',
    )
    max_depth: int | None = Field(
        default=None, ge=1, le=100, description="Dependency hops to follow; none for no limit."
    )
    max_components: int = Field(
        default=25_000, ge=1, le=1_000_000, description="Stop the walk after this many components."
    )
    max_paths: int = Field(default=3, ge=1, le=20, description="Explaining paths per product.")
    max_points_per_product: int = Field(
        default=25,
        ge=0,
        le=100_000,
        description="Integration points listed per product (effort always counts them all).",
    )
    max_products: int = Field(
        default=20,
        ge=1,
        le=EVERYTHING,
        description="Affected products listed in this page (blast_radius.products counts all).",
    )
    products_offset: int = Field(
        default=0,
        ge=0,
        le=EVERYTHING,
        description="Where the page of affected products starts: a next_products_offset.",
    )
    max_listed: int = Field(
        default=50,
        ge=1,
        le=EVERYTHING,
        description="Components listed per affected product, per depth group (hard, soft, apis)"
        " and in possible_cascade; the rest are counted.",
    )


class TargetInfo(_Result):
    ref: str
    kind: str
    name: str
    expanded_from: str | None = Field(
        default=None, description="The product, capability or technology this target stands for."
    )


class OwnerProduct(_Result):
    """A product owning a target: listed apart, it makes the change."""

    ref: str
    name: str
    tier: int
    affected_components: int = Field(description="Its own components affected, targets excluded.")


class IntegrationPoint(_Result):
    """An edge through which the change reaches a product: its component -> the element."""

    component: str
    type: str
    element: str
    depth: int = Field(description="Depth of the element: 0 when it is a changed element.")
    strength: Strength
    operations: list[str] | None = Field(
        default=None, description="Operations the component uses there; null when undeclared."
    )


class Effort(_Result):
    size: EffortSize
    points: float
    integration_points: int
    operations: int


class AffectedProduct(_Result):
    ref: str
    name: str
    tier: int
    lifecycle: str | None
    min_depth: int
    strength: Strength = Field(description="hard when a chain of hard edges only reaches it.")
    paths: list[list[str]] = Field(description="Shortest chains, product first, target last.")
    components: list[str] = Field(description="The first max_listed, in reference order.")
    component_count: int = Field(description="Its affected components, listed or not.")
    integration_points: list[IntegrationPoint] = Field(
        description="The first max_points_per_product, nearest first; effort counts them all."
    )
    effort: Effort
    score: float = Field(description="This product's term of the blast-radius score.")


class DepthGroup(_Result):
    depth: int
    hard: list[str] = Field(description="Components reached at this depth through hard edges.")
    soft: list[str] = Field(description="Components reached only through a soft edge.")
    apis: list[str]
    hard_count: int = Field(description="Hard components at this depth, listed or not.")
    soft_count: int = Field(description="Soft components at this depth, listed or not.")
    api_count: int = Field(description="APIs at this depth, listed or not.")


class ProductTerm(_Result):
    product: str
    tier: int
    tier_weight: float
    strength: Strength
    strength_weight: float
    depth: int
    depth_weight: float
    business_weight: float
    term: float


class ScoreParts(_Result):
    change_type: ChangeType
    change_weight: float
    product_terms: list[ProductTerm]
    products_sum: float
    hard_components: int
    soft_components: int
    components_term: float
    raw_score: float = Field(
        default=0.0, description="change_weight * (products_sum + components_term)."
    )
    worst_case: float = Field(
        default=0.0,
        description="The raw score of every product and component of the portfolio hit hard at "
        "depth 1 by a change of weight 1: 100 on the scale.",
    )
    largest_single_target: float = Field(
        default=0.0, description="The highest 0-100 score of one target alone (several targets)."
    )
    formula: str


class BlastRadius(_Result):
    products: int
    tier1_products: int
    tier2_products: int
    tier3_products: int
    hard_products: int
    soft_products: int
    components: int
    hard_components: int
    soft_components: int
    platform_components: int
    apis: int
    max_depth: int
    score: float = Field(
        description="0-100: the raw score as a share of the portfolio's worst case, never below "
        "the score of the largest single target (docs/impact.md)."
    )
    parts: ScoreParts


class Truncation(_Result):
    """What a depth or size limit left out."""

    reason: Literal["depth", "size"]
    max_depth: int | None
    max_components: int
    unexpanded: list[str] = Field(description="Reached elements whose dependents were cut.")
    unexpanded_count: int
    beyond_count: int = Field(description="Distinct elements one step past the cut, not reported.")


class CascadeProduct(_Result):
    """A product a change may reach only by knock-on failure of something it broke."""

    ref: str
    name: str
    tier: int
    components: list[str]
    component_count: int = 0
    path: list[str] = Field(
        description="One chain, product first, target last, through the element the change broke."
    )


class PossibleCascade(_Result):
    """Beyond the direct dependents of a breaking change: what could fail in turn.

    Never counted as hard, never in the score; see docs/impact.md.
    """

    products: list[CascadeProduct] = Field(default_factory=list)
    components: list[str] = Field(default_factory=list)
    component_count: int = 0


class ImpactResult(_Result):
    graph_version: int
    change_type: ChangeType
    operations: list[str]
    targets: list[TargetInfo]
    owners: list[OwnerProduct]
    owned_by_platform: bool = Field(description="Whether the platform owns a target.")
    affected_products: list[AffectedProduct] = Field(
        description="One page of max_products, from products_offset; blast_radius counts all."
    )
    next_products_offset: int | None = Field(
        default=None, description="products_offset of the next page; null on the last one."
    )
    components_by_depth: list[DepthGroup]
    unaffected_consumers: list[str] = Field(
        description="Consumers of a changed API whose declared operations miss the changed ones."
    )
    blast_radius: BlastRadius
    possible_cascade: PossibleCascade = Field(
        default_factory=PossibleCascade,
        description="Products and components that may fail in turn; not counted as affected.",
    )
    truncated: bool
    truncation: Truncation | None = None
    warnings: list[str] = Field(default_factory=list)


# ------------------------------------------------------------------ alternatives


class Candidate(ImpactRequest):
    label: str | None = Field(default=None, max_length=120)


class CompareRequest(_Request):
    candidates: list[Candidate] = Field(min_length=2, max_length=10)
    include_details: bool = Field(default=False, description="Include each full impact result.")


class ProductBrief(_Result):
    ref: str
    tier: int
    min_depth: int
    strength: Strength


class CandidateResult(_Result):
    label: str
    rank: int = Field(description="1 is the smallest blast radius.")
    targets: list[str]
    change_type: ChangeType
    blast_radius: BlastRadius
    affected_products: list[ProductBrief]
    only_here_products: list[str] = Field(description="Affected by this candidate alone.")
    only_here_components: list[str] = Field(description="The first 1,000, in reference order.")
    only_here_components_count: int
    truncated: bool
    impact: ImpactResult | None = None


class CompareResult(_Result):
    graph_version: int
    candidates: list[CandidateResult]
    common_products: list[str] = Field(description="Affected by every candidate.")


# -------------------------------------------------------------------- duplicates


EvidenceKind = Literal["declared", "name", "description", "operations", "shared-operations"]


class Evidence(_Result):
    kind: EvidenceKind
    detail: str
    weight: float


class DuplicateMember(_Result):
    component: str
    name: str
    product: str | None
    platform: bool
    confidence: float
    evidence: list[Evidence]


class AdoptionGap(_Result):
    platform_component: str
    products_not_using: list[str]


class DuplicateGroup(_Result):
    capability: str | None = Field(description="The capability; null for operations-only groups.")
    label: str
    confidence: float
    products: list[str]
    members: list[DuplicateMember]
    platform_providers: list[str]
    adoption_gaps: list[AdoptionGap]


class DuplicatesResult(_Result):
    graph_version: int
    min_confidence: float
    groups: list[DuplicateGroup]


Usage = Literal["direct", "transitive"]


class PlatformUsage(_Result):
    component: str
    name: str
    capabilities: list[str]
    direct_products: int
    transitive_products: int


class AdoptionRow(_Result):
    product: str
    tier: int
    uses: dict[str, Usage] = Field(description="Platform component -> how; absent means unused.")
    adoption: float = Field(description="Share of platform components it uses at all.")


class AdoptionMatrix(_Result):
    graph_version: int
    platform_components: list[PlatformUsage]
    products: list[AdoptionRow]


# ------------------------------------------------------------------------- risks


class DependedUpon(_Result):
    component: str
    name: str
    product: str | None
    platform: bool
    products: int = Field(description="Distinct other products its outage reaches.")
    hard_products: int = Field(description="Other products its outage takes down.")
    tier1_products: int = Field(description="Tier-1 products among the products it reaches.")
    hard_dependents: int = Field(
        default=0, description="Components its outage takes down directly (the tie-break)."
    )
    dependent_products: list[str]


class SinglePointOfFailure(_Result):
    component: str
    product: str | None
    platform: bool
    hard_products: list[str]
    tier1_products: int
    capabilities: list[str]
    reason: str


class CrossProductCycle(_Result):
    components: list[str]
    products: list[str] = Field(description='Owner products; "platform" for platform components.')
    strength: Strength = Field(
        description="hard when hard edges alone close a cycle across owners."
    )
    example: list[str] = Field(
        description="A cycle across owners, first element repeated last; each depends on the next."
    )


class DeprecatedInUse(_Result):
    element: str
    lifecycle: str
    sunset_date: str | None
    deprecated_operations: list[str] = Field(description="Deprecated operations declared in use.")
    consumers: list[str]
    products: list[str]


class RisksResult(_Result):
    graph_version: int
    most_depended_upon: list[DependedUpon]
    single_points_of_failure: list[SinglePointOfFailure]
    cycles: list[CrossProductCycle]
    deprecated_in_use: list[DeprecatedInUse]


class ResolvedRef(_Result):
    """The one element a loosely written reference names (``GET /api/v1/resolve``)."""

    input: str = Field(description="the reference as written")
    ref: Ref = Field(description="the element it names, kind:slug")


__all__ = [
    "AdoptionGap",
    "AdoptionMatrix",
    "AdoptionRow",
    "AffectedProduct",
    "BlastRadius",
    "Candidate",
    "CandidateResult",
    "CascadeProduct",
    "ChangeType",
    "CompareRequest",
    "CompareResult",
    "CrossProductCycle",
    "DependedUpon",
    "DeprecatedInUse",
    "DepthGroup",
    "DuplicateGroup",
    "DuplicateMember",
    "DuplicatesResult",
    "Effort",
    "Evidence",
    "ImpactRequest",
    "ImpactResult",
    "IntegrationPoint",
    "OwnerProduct",
    "PlatformUsage",
    "PossibleCascade",
    "ProductBrief",
    "ProductTerm",
    "ResolvedRef",
    "RisksResult",
    "ScoreParts",
    "SinglePointOfFailure",
    "TargetInfo",
    "Truncation",
]
