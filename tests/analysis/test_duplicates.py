"""Duplicate capabilities and platform adoption on the planted-problem sample."""

from __future__ import annotations

from graph.analysis import Projection, find_duplicates, platform_adoption
from schemas.analysis import DuplicateGroup


def group(p: Projection, capability: str | None, **kw: float) -> DuplicateGroup:
    result = find_duplicates(p, **kw)  # type: ignore[arg-type]
    (found,) = [g for g in result.groups if g.capability == capability]
    return found


def test_own_authentication_next_to_the_platform_is_found(sample: Projection) -> None:
    auth = group(sample, "capability:authentication")
    assert auth.products == ["product:crm", "product:shop"]
    assert auth.platform_providers == ["component:auth-platform"]
    (gap,) = auth.adoption_gaps
    assert gap.products_not_using == ["product:crm", "product:shop"]
    members = {m.component: m for m in auth.members}
    assert set(members) == {
        "component:auth-platform",
        "component:shop-login",
        "component:crm-identity",
    }
    kinds = {m: {e.kind for e in members[m].evidence} for m in members}
    assert kinds["component:auth-platform"] == {"declared"}
    assert {"name", "shared-operations"} <= kinds["component:shop-login"]
    assert {"description", "shared-operations"} <= kinds["component:crm-identity"]
    details = " ".join(e.detail for e in members["component:crm-identity"].evidence)
    assert (
        "put /users/{}/password" in details
    )  # /api/v2/users/{uid}/password ~ /v1/users/{id}/password
    assert 0.5 <= auth.confidence < 1.0


def test_declared_duplicates_have_full_confidence(sample: Projection) -> None:
    search = group(sample, "capability:search")
    assert search.confidence == 1.0
    assert [m.component for m in search.members] == [
        "component:crm-search",
        "component:shop-search",
    ]
    assert search.platform_providers == [] and search.adoption_gaps == []


def test_overlapping_operations_without_a_capability_form_a_group(sample: Projection) -> None:
    items = group(sample, None)
    assert {m.component for m in items.members} == {
        "component:shop-inventory",
        "component:crm-stock",
    }
    assert "item" in items.label
    assert all(e.kind == "shared-operations" for m in items.members for e in m.evidence)


def test_a_higher_bar_drops_weak_inferences(sample: Projection) -> None:
    strict = find_duplicates(sample, min_confidence=0.9)
    auth = [g for g in strict.groups if g.capability == "capability:authentication"]
    assert [m.component for m in auth[0].members] == [
        "component:auth-platform",
        "component:shop-login",
    ]
    only = find_duplicates(sample, capability="capability:search")
    assert [g.capability for g in only.groups] == ["capability:search"]


def test_a_product_using_the_platform_closes_its_gap(sample: Projection) -> None:
    assert "product:blog" not in group(sample, "capability:authentication").products


def test_platform_adoption_matrix(sample: Projection) -> None:
    matrix = platform_adoption(sample)
    assert [c.component for c in matrix.platform_components] == [
        "component:auth-platform",
        "component:platform-etl",
    ]
    rows = {r.product: r for r in matrix.products}
    assert rows["product:blog"].uses == {"component:auth-platform": "direct"}
    assert rows["product:blog"].adoption == 0.5
    assert rows["product:shop"].uses == {}
    auth = matrix.platform_components[0]
    assert auth.capabilities == ["capability:authentication"]
    assert (auth.direct_products, auth.transitive_products) == (1, 1)


def test_transitive_platform_use(any_store: object) -> None:
    from tests.analysis.conftest import load

    p = load(
        any_store,  # type: ignore[arg-type]
        {
            "product:a": {},
            "component:a1": {"product": "a"},
            "component:lib": {"platform": True},
            "component:base": {"platform": True},
        },
        [
            ("component:a1", "DEPENDS_ON", "component:lib"),
            ("component:lib", "DEPENDS_ON", "component:base"),
        ],
    )
    (row,) = platform_adoption(p).products
    assert row.uses == {"component:base": "transitive", "component:lib": "direct"}
