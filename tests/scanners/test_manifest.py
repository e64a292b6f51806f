from __future__ import annotations

import json

import jsonschema
import pytest

from scanners import manifest
from scanners.resolve import DirectoryResolver
from scanners.specs import SpecSummary

from .conftest import WriteTree, codes, dedent, edges, props

FULL = dedent("""
    apiVersion: archgraph/v1
    kind: Component
    name: payments-service
    title: Payments Service
    description: Takes the money.
    tags: [money]
    product: product:checkout
    owner: payments-team
    type: service
    platform: false
    lifecycle: active
    depends_on:
      - ledger
      - component: fraud-check
        strength: soft
        description: scores risky orders
    provides:
      - api/openapi.yaml
      - api: payments-grpc
        type: grpc
        title: Payments gRPC
    consumes:
      - api: auth-v1
        operations: ["POST /v1/tokens", verifyToken]
      - notifications
    publishes:
      - api: payment-events
        channels: [payments.settled]
    subscribes: [order-events]
    capabilities: [payments, refunds]
    technologies: [python, postgresql]
""")


def test_component_manifest_becomes_element_and_edges() -> None:
    specs = {
        "svc/api/openapi.yaml": SpecSummary("svc/api/openapi.yaml", "api:payments-v2", "openapi")
    }
    result = manifest.parse(FULL, origin="svc/archgraph.yaml", specs=specs)
    assert not result.issues
    assert props(result, "component:payments-service") == {
        "name": "Payments Service",
        "description": "Takes the money.",
        "tags": ["money"],
        "type": "service",
        "product": "checkout",
        "owner": "payments-team",
        "platform": False,
        "lifecycle": "active",
        "technologies": ["python", "postgresql"],
        "capabilities": ["payments", "refunds"],
    }
    assert props(result, "api:payments-grpc") == {"name": "Payments gRPC", "type": "grpc"}
    c = "component:payments-service"
    assert edges(result) == {
        (c, "PART_OF", "product:checkout"),
        ("team:payments-team", "OWNS", c),
        (c, "DEPENDS_ON", "component:ledger"),
        (c, "DEPENDS_ON", "component:fraud-check"),
        (c, "PROVIDES", "api:payments-v2"),
        (c, "PROVIDES", "api:payments-grpc"),
        (c, "CONSUMES", "api:auth-v1"),
        (c, "CONSUMES", "api:notifications"),
        (c, "PUBLISHES", "api:payment-events"),
        (c, "SUBSCRIBES", "api:order-events"),
        (c, "HAS_CAPABILITY", "capability:payments"),
        (c, "HAS_CAPABILITY", "capability:refunds"),
        (c, "USES", "technology:python"),
        (c, "USES", "technology:postgresql"),
    }
    by_key = {e.key: dict(e.properties) for e in result.edges}
    assert by_key[(c, "DEPENDS_ON", "component:ledger")] == {"strength": "hard"}
    assert by_key[(c, "DEPENDS_ON", "component:fraud-check")] == {
        "strength": "soft",
        "description": "scores risky orders",
    }
    assert by_key[(c, "CONSUMES", "api:auth-v1")] == {
        "operations": ["POST /v1/tokens", "verifyToken"]
    }
    assert by_key[(c, "HAS_CAPABILITY", "capability:payments")] == {"declared": True}
    stubs = [n.ref for n in result.nodes if not n.properties]
    assert "component:ledger" in stubs and "product:checkout" in stubs


def test_other_kinds_in_one_file() -> None:
    text = dedent("""
        apiVersion: archgraph/v1
        kind: Product
        name: checkout
        title: Checkout
        tier: 1
        owner: team:commerce
        domain: commerce
        capabilities: [payments]
        ---
        apiVersion: archgraph/v1
        kind: Team
        name: commerce
        contact: "#commerce"
        ---
        apiVersion: archgraph/v1
        kind: Capability
        name: authentication
        synonyms: [login, sign-in]
        ---
        apiVersion: archgraph/v1
        kind: Technology
        name: postgresql
        category: database
        vendor: PostgreSQL Global Development Group
    """)
    result = manifest.parse(text, origin="org/archgraph.yaml")
    assert not result.issues
    assert props(result, "product:checkout") == {
        "name": "Checkout",
        "tier": 1,
        "owner": "commerce",
        "domain": "commerce",
    }
    assert props(result, "team:commerce") == {"contact": "#commerce"}
    assert props(result, "capability:authentication") == {"synonyms": ["login", "sign-in"]}
    assert props(result, "technology:postgresql")["category"] == "database"
    assert edges(result) == {
        ("team:commerce", "OWNS", "product:checkout"),
        ("product:checkout", "HAS_CAPABILITY", "capability:payments"),
    }


def test_schema_errors_name_file_line_and_field() -> None:
    text = dedent("""
        apiVersion: archgraph/v1
        kind: Component
        name: svc
        lifecycle: alive
        depends_on:
          - ledger
          - component: Bad Name
            strength: medium
        colour: blue
        consumes:
          - api: auth
            operations: "GET /"
        provides: [api:auth]
    """)
    result = manifest.parse(text, origin="svc/archgraph.yaml")
    assert result.failed and result.nodes == () and result.edges == ()
    found = {(i.field, i.line) for i in result.errors}
    assert found == {
        ("lifecycle", 4),
        ("depends_on[1].component", 7),
        ("depends_on[1].strength", 8),
        ("colour", 9),
        ("consumes[0].operations", 12),
        ("provides[0]", 13),
    }
    assert all(
        i.file == "svc/archgraph.yaml" and i.code == "manifest.schema" for i in result.errors
    )
    by_field = {i.field: i.message for i in result.errors}
    assert "unknown field 'colour'" in by_field["colour"]
    assert "'alive' is not one of" in by_field["lifecycle"]


def test_a_bad_document_fails_the_whole_file() -> None:
    text = (
        "apiVersion: archgraph/v1\nkind: Team\nname: ok\n---\n"
        "apiVersion: archgraph/v2\nkind: Team\nname: also-ok\n"
    )
    result = manifest.parse(text, origin="archgraph.yaml")
    assert result.failed and result.nodes == ()
    assert result.errors[0].message.startswith("document 2: apiVersion must be")
    assert result.errors[0].line == 5


@pytest.mark.parametrize(
    "text",
    [
        "",
        "just a string\n",
        "[1, 2, 3]\n",
        "apiVersion: archgraph/v1\nkind: Robot\nname: r2\n",
        "apiVersion: archgraph/v1\nkind: Component\n",
        "apiVersion: archgraph/v1\nkind: Component\nname: x\ndepends_on: ledger\n",
        "apiVersion: archgraph/v1\nkind: Component\nname: x\nplatform: 'yes'\n",
        "apiVersion: archgraph/v1\nkind: Product\nname: p\ntier: 0\n",
        "apiVersion: archgraph/v1\nkind: Component\nname: x\ntags: {a: 1}\n",
        "apiVersion: [archgraph/v1]\nkind: Component\nname: x\n",
        "apiVersion: archgraph/v1\nkind: Component\nname: x\nprovides: [{}]\n",
        "apiVersion: archgraph/v1\nkind: Component\nname: x: y\n",
    ],
)
def test_malformed_manifests_fail_cleanly(text: str) -> None:
    result = manifest.parse(text, origin="archgraph.yaml")
    assert result.failed
    assert result.nodes == () and result.edges == ()
    assert all(i.message for i in result.errors)


def test_self_dependency_is_a_warning() -> None:
    text = "apiVersion: archgraph/v1\nkind: Component\nname: x\ndepends_on: [x]\n"
    result = manifest.parse(text, origin="archgraph.yaml")
    assert codes(result) == ["manifest.self-dependency"] and not result.edges


def test_provides_reads_the_spec_through_the_resolver(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "svc/archgraph.yaml": """
            apiVersion: archgraph/v1
            kind: Component
            name: notifier
            provides: [events.yaml, missing.yaml, ../../outside.yaml]
        """,
            "svc/events.yaml": """
            asyncapi: 3.0.0
            info: {title: Notifications, version: 2.0.0}
            channels: {sent: {address: notification.sent}, req: {address: notification.requested}}
            operations:
              a: {action: send, channel: {$ref: '#/channels/sent'}}
              b: {action: receive, channel: {$ref: '#/channels/req'}}
        """,
        }
    )
    resolver = DirectoryResolver(root, max_file_bytes=1 << 20)
    result = manifest.parse(
        (root / "svc/archgraph.yaml").read_text(), origin="svc/archgraph.yaml", resolver=resolver
    )
    assert codes(result) == ["manifest.provides-missing", "ref.escape"]
    assert result.failed  # a path leaving the tree is an error
    text = (root / "svc/archgraph.yaml").read_text().replace(", ../../outside.yaml", "")
    result = manifest.parse(text, origin="svc/archgraph.yaml", resolver=resolver)
    assert not result.failed
    by_key = {e.key: dict(e.properties) for e in result.edges}
    api = "api:notifications-v2"
    assert by_key[("component:notifier", "PROVIDES", api)] == {}
    assert by_key[("component:notifier", "PUBLISHES", api)] == {"channels": ["notification.sent"]}
    # a provider never subscribes to its own API (receives are joined across documents)
    assert ("component:notifier", "SUBSCRIBES", api) not in by_key


def test_provides_without_resolver_or_summary_warns() -> None:
    text = "apiVersion: archgraph/v1\nkind: Component\nname: x\nprovides: [openapi.yaml]\n"
    result = manifest.parse(text, origin="archgraph.yaml")
    assert codes(result) == ["manifest.provides-missing"] and not result.edges


def test_schema_is_valid_draft_2020_12_and_documents_every_kind() -> None:
    schema = manifest.manifest_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["kind"]["enum"] == [
        "Component",
        "Product",
        "Team",
        "Capability",
        "Technology",
    ]
    json.dumps(schema)


def test_detection() -> None:
    assert manifest.is_manifest({"apiVersion": "archgraph/v1"})
    assert manifest.is_manifest(None, "deep/dir/archgraph.yaml")
    assert not manifest.is_manifest({"apiVersion": "v1", "kind": "Pod"}, "pod.yaml")
