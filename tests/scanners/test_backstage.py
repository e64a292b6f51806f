from __future__ import annotations

import pytest

from scanners import backstage
from scanners.backstage.catalog import (
    BackstageMapping,
    EntityKey,
    entity_slug,
    index_catalog,
    parse_entity_ref,
)
from scanners.documents import load_documents
from scanners.resolve import DirectoryResolver
from schemas.errors import InvalidInputError

from .conftest import WriteTree, codes, dedent, edges, props

CATALOG = dedent("""
    apiVersion: backstage.io/v1alpha1
    kind: Domain
    metadata: {name: Payments}
    spec: {owner: group:finance}
    ---
    apiVersion: backstage.io/v1alpha1
    kind: System
    metadata:
      name: Checkout
      title: Checkout
      description: Buying things.
      annotations: {archgraph.dev/tier: "1"}
    spec: {owner: Finance, domain: payments}
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Component
    metadata:
      name: cart-service
      tags: [java]
      annotations:
        archgraph.dev/capabilities: "cart, pricing"
        archgraph.dev/technologies: java
    spec:
      type: service
      lifecycle: production
      owner: finance
      system: checkout
      dependsOn: [resource:cart-db, Component:Pricing]
      providesApis: [cart-api]
      consumesApis: [default/auth-api]
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Component
    metadata: {name: pricing}
    spec: {type: library, lifecycle: experimental, owner: user:jane, subcomponentOf: cart-service}
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Resource
    metadata: {name: cart-db}
    spec: {type: database, owner: finance, system: checkout, dependencyOf: [component:pricing]}
    ---
    apiVersion: backstage.io/v1alpha1
    kind: API
    metadata: {name: cart-api, description: Cart operations}
    spec:
      type: openapi
      lifecycle: deprecated
      owner: finance
      system: checkout
      definition: |
        openapi: 3.0.0
        info: {title: Cart, version: 1.0.0}
        paths:
          /carts/{id}:
            get: {operationId: getCart}
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Group
    metadata: {name: finance}
    spec:
      type: team
      profile: {displayName: Finance Team, email: finance@example.com}
      children: []
    ---
    apiVersion: backstage.io/v1alpha1
    kind: User
    metadata: {name: jane}
    spec: {memberOf: [finance]}
""")


def test_default_mapping_of_a_catalog() -> None:
    result = backstage.parse(CATALOG, origin="catalog-info.yaml")
    assert props(result, "product:checkout") == {
        "name": "Checkout",
        "description": "Buying things.",
        "tier": 1,
        "owner": "finance",
        "domain": "payments",
    }
    assert props(result, "component:cart-service") == {
        "tags": ["java"],
        "type": "service",
        "lifecycle": "active",
        "product": "checkout",
        "owner": "finance",
    }
    assert props(result, "component:pricing") == {"type": "library", "lifecycle": "experimental"}
    assert props(result, "component:cart-db")["type"] == "datastore"
    assert props(result, "team:finance") == {
        "name": "Finance Team",
        "contact": "finance@example.com",
    }
    api = props(result, "api:cart-api")
    assert api["lifecycle"] == "deprecated" and api["description"] == "Cart operations"
    assert api["name"] == "Cart"
    assert api["operations"] == [
        {"method": "get", "path": "/carts/{id}", "deprecated": False, "operation_id": "getCart"}
    ]
    assert edges(result) == {
        ("team:finance", "OWNS", "product:checkout"),
        ("team:finance", "OWNS", "component:cart-service"),
        ("team:finance", "OWNS", "component:cart-db"),
        ("team:finance", "OWNS", "api:cart-api"),
        ("component:cart-service", "PART_OF", "product:checkout"),
        ("component:cart-db", "PART_OF", "product:checkout"),
        ("component:cart-service", "DEPENDS_ON", "component:cart-db"),
        ("component:cart-service", "DEPENDS_ON", "component:pricing"),
        ("component:pricing", "DEPENDS_ON", "component:cart-db"),
        ("component:pricing", "PART_OF", "component:cart-service"),
        ("component:cart-service", "PROVIDES", "api:cart-api"),
        ("component:cart-service", "CONSUMES", "api:auth-api"),
        ("component:cart-service", "HAS_CAPABILITY", "capability:cart"),
        ("component:cart-service", "HAS_CAPABILITY", "capability:pricing"),
        ("component:cart-service", "USES", "technology:java"),
    }
    stats = result.stats
    assert stats["entities"] == 8
    assert stats["relations"] == (
        stats["relations.edge"]
        + stats["relations.property"]
        + stats["relations.unmapped"]
        + stats.get("relations.invalid", 0)
    )
    # auth-api is not in the scan: a warning, and the edge points at a stub
    assert codes(result).count("backstage.dangling") == 1  # auth-api is in no file
    assert result.node("api:auth-api").properties == {}  # type: ignore[union-attr]


def test_unmapped_relations_are_notes_not_errors() -> None:
    result = backstage.parse(CATALOG, origin="catalog-info.yaml")
    unmapped = [i for i in result.issues if i.code == "backstage.unmapped-relation"]
    texts = " | ".join(i.message for i in unmapped)
    assert "spec.memberOf" in texts and "spec.owner user:default/jane" in texts
    assert "spec.system system:default/checkout" in texts  # API -> system has no edge type
    assert all(i.severity == "info" for i in unmapped)
    assert not result.failed


def test_entity_refs_follow_backstage_rules() -> None:
    ref = parse_entity_ref
    assert ref("team-a", default_kind="group", default_namespace="default") == EntityKey(
        "group", "default", "team-a"
    )
    assert ref("User:Ops/Jane.Doe", default_kind="group", default_namespace="default") == (
        EntityKey("user", "ops", "jane.doe")
    )
    assert ref("shop/cart", default_kind="component", default_namespace="x") == EntityKey(
        "component", "shop", "cart"
    )
    assert ref("cart", default_kind="component", default_namespace="Shop") == EntityKey(
        "component", "shop", "cart"
    )
    assert ref(
        {"kind": "API", "name": "Cart"}, default_kind=None, default_namespace="default"
    ) == EntityKey("api", "default", "cart")
    assert ref("cart", default_kind=None, default_namespace="default") is None
    assert ref("a:b:c", default_kind="x", default_namespace="default") is None
    assert ref(42, default_kind="x", default_namespace="default") is None
    assert entity_slug(EntityKey("component", "default", "Cart")) == "cart"
    assert entity_slug(EntityKey("component", "shop", "cart")) == "shop.cart"


def test_namespaces_and_case_insensitive_matching() -> None:
    text = dedent("""
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata: {name: Web, namespace: Shop}
        spec: {type: website, owner: Team-A, dependsOn: [component:API-Gateway]}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata: {name: api-gateway, namespace: shop}
        spec: {type: service, owner: team-a}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: team-a, namespace: shop}
        spec: {type: team}
    """)
    result = backstage.parse(text, origin="c.yaml")
    assert "backstage.dangling" not in codes(result)
    assert ("component:shop.web", "DEPENDS_ON", "component:shop.api-gateway") in edges(result)
    assert ("team:shop.team-a", "OWNS", "component:shop.web") in edges(result)
    assert props(result, "component:shop.web")["type"] == "frontend"


def test_unknown_kinds_and_junk_documents_are_warnings() -> None:
    text = dedent("""
        apiVersion: backstage.io/v1alpha1
        kind: Widget
        metadata: {name: w}
        spec: {owner: nobody}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Template
        metadata: {name: t}
        spec: {}
        ---
        hello: world
        ---
        - 1
        - 2
    """)
    result = backstage.parse(text, origin="c.yaml")
    assert not result.failed
    assert codes(result).count("backstage.unknown-kind") == 1
    assert codes(result).count("backstage.not-entity") == 2
    assert result.nodes == ()


def test_entity_without_name_is_an_error() -> None:
    result = backstage.parse(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {}\n", origin="c.yaml"
    )
    assert result.failed and result.errors[0].code == "backstage.no-name"


def test_wrong_kind_in_relation_is_a_warning() -> None:
    text = dedent("""
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata: {name: web}
        spec: {consumesApis: ['component:backend', 17], apiConsumedBy: [component:x]}
    """)
    result = backstage.parse(text, origin="c.yaml")
    assert sorted(codes(result)) == [
        "backstage.bad-ref",
        "backstage.computed-relation",
        "backstage.ref-kind",
    ]
    assert result.stats["relations"] == 3 and result.stats["relations.invalid"] == 3


def test_definition_from_a_file_and_remote_definitions(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "apis/events.yaml": """
            apiVersion: backstage.io/v1alpha1
            kind: API
            metadata: {name: order-events}
            spec:
              type: asyncapi
              lifecycle: production
              owner: team-a
              definition: {$text: ./order-events.asyncapi.yaml}
            ---
            apiVersion: backstage.io/v1alpha1
            kind: API
            metadata: {name: remote}
            spec:
              type: openapi
              owner: team-a
              definition: {$text: https://example.com/openapi.yaml}
            ---
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata: {name: orders}
            spec: {type: service, owner: team-a, providesApis: [order-events]}
        """,
            "apis/order-events.asyncapi.yaml": """
            asyncapi: 2.6.0
            info: {title: Order events, version: 1.0.0}
            channels:
              orders.created: {subscribe: {operationId: created}}
              orders.paid: {publish: {operationId: paid}}
        """,
        }
    )
    text = (root / "apis/events.yaml").read_text()
    catalog = index_catalog([("apis/events.yaml", load_documents(text))])
    assert catalog.definitions == {"apis/order-events.asyncapi.yaml": "apis/events.yaml"}
    result = backstage.parse(
        text,
        origin="apis/events.yaml",
        catalog=catalog,
        resolver=DirectoryResolver(root, max_file_bytes=1 << 20),
    )
    assert "ref.remote" in codes(result) and not result.failed
    api = props(result, "api:order-events")
    assert api["type"] == "asyncapi" and api["spec_path"] == "apis/order-events.asyncapi.yaml"
    assert [o["method"] for o in api["operations"]] == ["send", "receive"]
    by_key = {e.key: dict(e.properties) for e in result.edges}
    assert by_key[("component:orders", "PUBLISHES", "api:order-events")] == {
        "channels": ["orders.created"]
    }
    assert ("component:orders", "SUBSCRIBES", "api:order-events") not in by_key
    assert [(u.action, u.address) for u in result.channels] == [
        ("send", "orders.created"),
        ("receive", "orders.paid"),
    ]
    assert props(result, "api:remote") == {"type": "openapi"}


def test_definition_escaping_the_tree_is_an_error(write_tree: WriteTree) -> None:
    root = write_tree({"c.yaml": "x: 1\n"})
    text = dedent("""
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata: {name: sneaky}
        spec: {type: openapi, definition: {$text: ../../../etc/passwd}}
    """)
    result = backstage.parse(
        text, origin="c.yaml", resolver=DirectoryResolver(root, max_file_bytes=1 << 20)
    )
    assert result.failed and "ref.escape" in codes(result)


def test_mapping_is_configurable() -> None:
    mapping = BackstageMapping.from_dict(
        {
            "kinds": {"user": "team", "domain": "product", "system": None},
            "component_types": {"website": "service"},
        }
    )
    result = backstage.parse(CATALOG, origin="c.yaml", mapping=mapping)
    refs = {n.ref for n in result.nodes}
    assert "team:jane" in refs and "product:payments" in refs
    assert "product:checkout" not in refs
    assert ("team:jane", "OWNS", "component:pricing") in edges(result)
    with pytest.raises(InvalidInputError):
        BackstageMapping.from_dict({"kinds": {"api": "team"}})
    with pytest.raises(InvalidInputError):
        BackstageMapping.from_dict({"colours": {}})
    with pytest.raises(InvalidInputError):
        BackstageMapping.from_dict({"lifecycles": {"production": "immortal"}})
