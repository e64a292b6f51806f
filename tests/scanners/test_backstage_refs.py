"""Backstage entity references: ``[kind:][namespace/]name``, per-field default kinds,
the ``{kind, namespace, name}`` form, and malformed references refused aloud."""

from __future__ import annotations

from typing import Any

import pytest

from scanners import backstage
from scanners.backstage import EntityKey, read_entity_ref

from .conftest import dedent


@pytest.mark.parametrize(
    ("value", "default_kind", "expected"),
    [
        ("petstore", "api", EntityKey("api", "ns", "petstore")),
        ("Component:Pricing", "api", EntityKey("component", "ns", "pricing")),
        ("shop/cart", "component", EntityKey("component", "shop", "cart")),
        ("resource:shop/cart-db", None, EntityKey("resource", "shop", "cart-db")),
        ({"kind": "Resource", "name": "db"}, None, EntityKey("resource", "ns", "db")),
        (
            {"kind": "Group", "namespace": "org", "name": "a.b_c"},
            None,
            EntityKey("group", "org", "a.b_c"),
        ),
        ({"name": "team-a"}, "group", EntityKey("group", "ns", "team-a")),
    ],
)
def test_valid_references(value: Any, default_kind: str | None, expected: EntityKey) -> None:
    assert read_entity_ref(value, default_kind=default_kind, default_namespace="ns") == expected


@pytest.mark.parametrize(
    ("value", "default_kind", "why"),
    [
        ('resource:flights-inmem-cache "populate"', None, "name"),
        ("flights-db", None, "no default kind"),
        ({"name": "db"}, None, "no default kind"),
        ("component:", "component", "no name"),
        ("component:a/b/c", "component", "name"),
        ("comp onent:x", "component", "kind"),
        ("bad_ns!/x", "component", "namespace"),
        ("x--y", "component", "name"),
        ("a" * 64, "component", "name"),
        (42, "component", "not int"),
        ({"kind": 1, "name": "x"}, None, "must be text"),
    ],
)
def test_malformed_references_say_why(value: Any, default_kind: str | None, why: str) -> None:
    found = read_entity_ref(value, default_kind=default_kind, default_namespace="default")
    assert isinstance(found, str) and why in found


CATALOG = dedent("""
    apiVersion: backstage.io/v1alpha1
    kind: Component
    metadata: {name: flights}
    spec:
      type: service
      owner: team-a
      dependsOn:
        - resource:flights-inmem-cache "populate"
        - flights-db
        - {kind: Resource, name: flights-db}
        - component:pricing
      consumesApis: [pricing-api, {kind: API, namespace: shop, name: quotes}]
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Resource
    metadata: {name: flights-inmem-cache}
    spec:
      type: cache
      owner: team-a
      dependencyOf: [flights, component:flights]
""")


def test_malformed_refs_are_warnings_with_file_and_line_never_elements() -> None:
    result = backstage.parse(CATALOG, origin="svc/catalog-info.yaml")
    assert not result.failed
    bad = [i for i in result.issues if i.code == "backstage.bad-ref"]
    assert [(i.file, i.line, i.field) for i in bad] == [
        ("svc/catalog-info.yaml", 8, "spec.dependsOn.0"),
        ("svc/catalog-info.yaml", 9, "spec.dependsOn.1"),
        ("svc/catalog-info.yaml", 20, "spec.dependencyOf.0"),
    ]
    refs = {n.ref for n in result.nodes}
    assert not any('"' in r or "populate" in r for r in refs)
    deps = {e.key for e in result.edges if e.type == "DEPENDS_ON"}
    assert deps == {
        ("component:flights", "DEPENDS_ON", "component:flights-db"),  # object form
        ("component:flights", "DEPENDS_ON", "component:pricing"),
        ("component:flights", "DEPENDS_ON", "component:flights-inmem-cache"),  # dependencyOf
    }
    consumes = {e.to_ref for e in result.edges if e.type == "CONSUMES"}
    assert consumes == {"api:pricing-api", "api:shop.quotes"}  # default kind API; object form
    assert result.stats["relations.invalid"] == 3
