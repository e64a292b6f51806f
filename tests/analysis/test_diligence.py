"""Due diligence on the planted-problem sample: sunset, spin-off, acquisition fit."""

from __future__ import annotations

import pytest

from graph.analysis import Projection, acquisition_fit, spin_off, sunset
from schemas.errors import InvalidInputError, NotFoundError


def test_sunset_lists_everyone_outside_who_depends_on_it(sample: Projection) -> None:
    report = sunset(sample, "product:data")
    deps = {d.product: d for d in report.dependents}
    assert list(deps) == ["product:sales", "product:finance", "product:ops"]
    assert deps["product:sales"].depends_on == ["api:events"]
    assert deps["product:ops"].depends_on == ["component:pipeline"]
    assert report.external_components == [
        "component:finance-reports",
        "component:ops-reports",
        "component:sales-reports",
    ]
    (target,) = report.migration_targets
    assert (target.component, target.capability, target.platform_component) == (
        "component:pipeline",
        "capability:data-pipeline",
        "component:platform-etl",
    )
    assert report.blast_radius.products == 3


def test_spin_off_lists_what_the_product_relies_on(sample: Projection) -> None:
    report = spin_off(sample, "product:sales")
    assert [r.element for r in report.other_product_apis] == ["api:events"]
    assert report.other_product_apis[0].owner == "product:data"
    (comp,) = report.other_product_components
    assert comp.element == "component:finance-core" and comp.used_by == ["component:sales-core"]
    assert report.platform_components == []
    blog = spin_off(sample, "product:blog")
    (auth,) = blog.platform_components
    assert auth.element == "component:auth-platform" and auth.direct
    assert auth.capabilities == ["capability:authentication"]


def test_acquisition_fit(sample: Projection) -> None:
    report = acquisition_fit(sample, "product:shop")
    caps = {d.capability: d for d in report.duplicated_capabilities}
    assert caps["capability:authentication"].own_components == ["component:shop-login"]
    assert caps["capability:authentication"].platform_providers == ["component:auth-platform"]
    assert caps["capability:search"].other_products == ["product:crm"]
    assert report.unique_technologies == ["technology:cobol"]
    assert report.shared_technologies == ["technology:postgres"]
    assert report.stack_alignment == 0.5


def test_diligence_needs_an_existing_product(sample: Projection) -> None:
    with pytest.raises(NotFoundError):
        sunset(sample, "product:nope")
    with pytest.raises(InvalidInputError):
        spin_off(sample, "component:pipeline")
