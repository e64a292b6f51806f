"""Port (port-labs) entities, blueprint files and integration mappings."""

from __future__ import annotations

import json

import pytest

from scanners import scan_directory
from scanners.portals import port

from .conftest import WriteTree, codes, dedent, props
from .test_corpus import corpus_dir

PITOWER = "manifests/port-swibrow-pitower"
OCEAN = "manifests/port-port-labs-ocean"


# Each expectation below was read by hand from the files.
@pytest.mark.corpus
def test_corpus_placeholder_entity_is_one_service_with_its_literal_values() -> None:
    scan = scan_directory(corpus_dir(PITOWER))
    assert not scan.failed
    [result] = scan.results
    assert result.scanner == "port" and not result.issues
    me = "component:some_identifier"
    component = props(result, me)
    assert component["name"] == "Some Title"
    assert component["type"] == "service"
    assert component["tags"] == ["tier:Mission Critical"]
    assert component["technologies"] == ["string"]  # the placeholder says language: string
    assert "owner" not in component  # team: []
    assert result.edge_keys() == {(me, "USES", "technology:string")}  # relations: {}


@pytest.mark.corpus
def test_corpus_blueprints_and_mapping_are_named_not_read() -> None:
    scan = scan_directory(corpus_dir(OCEAN))
    by_name = {r.origin.rsplit("/", 1)[-1]: r for r in scan.results}
    blueprints, mapping = by_name["blueprints.json"], by_name["port-app-config.yml"]
    assert codes(blueprints) == ["port.blueprint-file"]
    message = blueprints.issues[0].message
    assert message.startswith("Port blueprint: defines entity types, no elements")
    for name in ("user", "group", "domain", "system", "api", "resource", "component"):
        assert name in message
    assert codes(mapping) == ["port.mapping-file"]
    assert not blueprints.nodes and not mapping.nodes


def test_entities_map_by_blueprint_with_relations(write_tree: WriteTree) -> None:
    entities = [
        {
            "identifier": "cart",
            "blueprint": "microservice",
            "title": "Cart",
            "team": "Checkout Team",
            "properties": {
                "description": "Holds carts",
                "lifecycle": "Production",
                "tier": 1,
                "domain": "shop",
                "language": "Go",
            },
            "relations": {
                "dependsOn": ["redis", "component:default/pricing"],
                "owningGroup": "platform",
                "providesApis": "cart-api",
                "consumesApis": ["pricing-api"],
                "subcomponentOf": "shop",
                "deploymentEnv": "prod",
                "empty": None,
            },
        },
        {"identifier": "web", "blueprint": "frontend", "relations": {"depends_on": "cart"}},
        {"identifier": "checkout-team", "blueprint": "team", "title": "Checkout"},
        {"identifier": "prod", "blueprint": "environment"},
        {"blueprint": "service"},
    ]
    root = write_tree({"catalog/entities.json": json.dumps(entities)})
    [result] = scan_directory(root).results
    cart = props(result, "component:cart")
    assert cart == {
        "name": "Cart",
        "description": "Holds carts",
        "type": "service",
        "lifecycle": "active",
        "tags": ["tier:1", "domain:shop"],
        "technologies": ["go"],
        "owner": "checkout-team",
    }
    assert props(result, "component:web")["type"] == "frontend"
    assert props(result, "team:checkout-team") == {"name": "Checkout"}
    assert result.edge_keys() == {
        ("team:checkout-team", "OWNS", "component:cart"),
        ("team:platform", "OWNS", "component:cart"),
        ("component:cart", "USES", "technology:go"),
        ("component:cart", "DEPENDS_ON", "component:redis"),
        ("component:cart", "DEPENDS_ON", "component:pricing"),
        ("component:cart", "PROVIDES", "api:cart-api"),
        ("component:cart", "CONSUMES", "api:pricing-api"),
        ("component:cart", "PART_OF", "component:shop"),
        ("component:web", "DEPENDS_ON", "component:cart"),
    }
    assert sorted(codes(result)) == ["port.blueprint", "port.no-identifier", "port.relation"]
    assert not any("prod" in n.ref for n in result.nodes)


def test_a_single_yaml_entity_and_an_unknown_lifecycle() -> None:
    text = dedent("""
        identifier: billing
        blueprint: service
        properties: {lifecycle: Sunset}
    """)
    result = port.parse(text, origin="port.yaml")
    assert codes(result) == ["port.lifecycle"]
    assert "lifecycle" not in props(result, "component:billing")


def test_a_blueprint_definition_is_a_warning_with_no_elements() -> None:
    text = json.dumps({"identifier": "svc", "title": "Svc", "schema": {"properties": {}}})
    result = port.parse(text, origin="bp.json")
    assert codes(result) == ["port.blueprint-file"] and not result.nodes and not result.failed


def test_other_documents_are_not_port(write_tree: WriteTree) -> None:
    assert codes(port.parse("identifier: x\n", origin="port.yaml")) == ["port.not-port"]
    root = write_tree({"a.yaml": "identifier: x\nname: y\n", "b.json": '{"blueprint": 1}'})
    scan = scan_directory(root)
    assert not scan.results and {s.code for s in scan.skipped} == {"skip.unrecognised"}
