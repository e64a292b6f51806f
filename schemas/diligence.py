"""Response shapes of the due-diligence questions: sunset, spin-off and acquisition fit.

:mod:`graph.analysis.diligence` returns these models; ``docs/impact.md``
explains what each answer means.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from schemas.analysis import BlastRadius, Strength


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MigrationTarget(_Result):
    component: str = Field(description="The sunsetting product's component others depend on.")
    capability: str
    platform_component: str


class SunsetDependent(_Result):
    product: str
    tier: int
    strength: Strength
    min_depth: int
    components: list[str]
    depends_on: list[str] = Field(description="The sunsetting product's elements it uses directly.")


class SunsetReport(_Result):
    graph_version: int
    product: str
    dependents: list[SunsetDependent]
    external_components: list[str] = Field(description="Affected components outside the product.")
    migration_targets: list[MigrationTarget]
    blast_radius: BlastRadius


class ReliedUpon(_Result):
    element: str
    name: str
    owner: str | None = Field(description="Owner product, or null for a platform component.")
    capabilities: list[str]
    used_by: list[str] = Field(description="The product's components using it directly.")
    direct: bool
    strength: Strength


class SpinOffReport(_Result):
    graph_version: int
    product: str
    platform_components: list[ReliedUpon]
    other_product_apis: list[ReliedUpon]
    other_product_components: list[ReliedUpon]


class DuplicatedCapability(_Result):
    capability: str | None
    label: str
    confidence: float
    own_components: list[str]
    other_products: list[str]
    platform_providers: list[str]


class AcquisitionReport(_Result):
    graph_version: int
    product: str
    duplicated_capabilities: list[DuplicatedCapability]
    unique_technologies: list[str] = Field(description="Used by the product and nowhere else.")
    shared_technologies: list[str]
    stack_alignment: float = Field(description="Share of its technologies used elsewhere too.")


__all__ = [
    "AcquisitionReport",
    "DuplicatedCapability",
    "MigrationTarget",
    "ReliedUpon",
    "SpinOffReport",
    "SunsetDependent",
    "SunsetReport",
]
