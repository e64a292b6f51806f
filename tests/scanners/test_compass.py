"""Atlassian Compass ``compass.yml``: every mapping rule, on small files and the real ones."""

from __future__ import annotations

import pytest

from scanners import scan_directory
from scanners.portals import compass

from .conftest import WriteTree, codes, dedent, props
from .test_corpus import corpus_dir

NYX = "manifests/compass-mooltiverse-nyx"
EVENT_CATALOG = "manifests/compass-ismaelmartinez-generator-atlassian-compass-event-catalog"
ARI = "ari:cloud:compass:site:component/"
TEAM = "ari:cloud:identity::team/2F94FDD2-6597-4c36-ac96-1a343ca3bf7f"


# Each expectation below was read by hand from the files.
@pytest.mark.corpus
def test_corpus_nyx_is_an_application_owned_by_a_team_with_tier_and_labels() -> None:
    scan = scan_directory(corpus_dir(NYX))
    assert not scan.failed and not scan.skipped
    [result] = scan.results
    assert result.scanner == "compass" and not result.issues
    component = props(result, "component:nyx")
    assert component["name"] == "Nyx"
    assert component["type"] == "service"  # typeId: APPLICATION
    assert component["lifecycle"] == "active"
    assert component["owner"] == "2f94fdd2-6597-4c36-ac96-1a343ca3bf7f"
    assert component["description"].startswith("The one stop semantic release tool.")
    assert component["tags"] == [
        "compass-type:APPLICATION",
        "tier:3",
        "github",
        "docker",
        "tool",
        "go",
        "java",
        "oss",
        "gradle",
        "docusaurus",
    ]
    assert result.edge_keys() == {
        ("team:2f94fdd2-6597-4c36-ac96-1a343ca3bf7f", "OWNS", "component:nyx")
    }


@pytest.mark.corpus
def test_corpus_three_components_depend_on_each_other_by_ari() -> None:
    scan = scan_directory(corpus_dir(EVENT_CATALOG))
    assert not scan.failed
    by_name = {r.origin.rsplit("/", 1)[-1]: r for r in scan.results}
    assert set(by_name) == {
        "my-service-compass.yml",
        "my-application-compass.yml",
        "my-library-compass.yml",
    }
    assert all(not r.issues for r in scan.results)
    deps = {e for r in scan.results for e in r.edge_keys() if e[1] == "DEPENDS_ON"}
    assert deps == {
        ("component:my-service", "DEPENDS_ON", "component:my-application"),
        ("component:my-service", "DEPENDS_ON", "component:my-library"),
        ("component:my-application", "DEPENDS_ON", "component:my-library"),
    }
    service = props(by_name["my-service-compass.yml"], "component:my-service")
    assert service["type"] == "service" and "tier:1" in service["tags"]
    assert service["tags"][1:] == ["foo:bar", "baz", "platform:web", "reviewed:true"]
    library = props(by_name["my-library-compass.yml"], "component:my-library")
    assert library["type"] == "library" and library["tags"] == ["tier:3", "shared"]
    owners = {e[0] for r in scan.results for e in r.edge_keys() if e[1] == "OWNS"}
    assert owners == {"team:00000000-0000-0000-0000-000000000000"}


def test_dependencies_resolve_only_to_ids_declared_in_the_scan(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "a/compass.yml": f"""
                name: Orders API
                id: '{ARI}a'
                typeId: SERVICE
                relationships:
                  DEPENDS_ON: ['{ARI}b', '{ARI}nowhere', {{}}, '{ARI}a']
            """,
            "b/compass.yaml": f"""
                configVersion: 1
                name: Ledger
                id: '{ARI}b'
                typeId: LIBRARY
            """,
        }
    )
    scan = scan_directory(root)
    orders = next(r for r in scan.results if r.origin == "a/compass.yml")
    assert orders.edge_keys() == {("component:orders-api", "DEPENDS_ON", "component:ledger")}
    assert codes(orders) == ["compass.unresolved", "compass.dependency", "compass.dependency"]
    assert f"{ARI}nowhere" in orders.issues[0].message
    assert orders.issues[0].line == 5
    assert not any(n.ref.startswith("component:") and "nowhere" in n.ref for n in orders.nodes)


def test_alone_every_other_dependency_is_unresolved() -> None:
    text = dedent(f"""
        name: Orders
        id: '{ARI}a'
        typeId: SERVICE
        relationships:
          DEPENDS_ON: ['{ARI}b']
    """)
    result = compass.parse(text, origin="compass.yml")
    assert codes(result) == ["compass.unresolved"] and not result.edge_keys()


@pytest.mark.parametrize(
    ("type_id", "kind", "tag"),
    [
        ("SERVICE", "service", None),
        ("APPLICATION", "service", "compass-type:APPLICATION"),
        ("LIBRARY", "library", None),
        ("CLOUD_RESOURCE", "other", "compass-type:CLOUD_RESOURCE"),
        ("OTHER", "other", "compass-type:OTHER"),
    ],
)
def test_type_id_maps_to_a_component_type(type_id: str, kind: str, tag: str | None) -> None:
    result = compass.parse(f"name: x\ntypeId: {type_id}\n", origin="compass.yml")
    component = props(result, "component:x")
    assert component["type"] == kind
    assert component.get("tags", []) == ([tag] if tag else [])


@pytest.mark.parametrize(
    ("given", "lifecycle"),
    [("Pre-release", "experimental"), ("Active", "active"), ("Deprecated", "deprecated")],
)
def test_lifecycle(given: str, lifecycle: str) -> None:
    text = f"name: x\ntypeId: SERVICE\nfields:\n  lifecycle: {given}\n"
    assert props(compass.parse(text, origin="compass.yml"), "component:x")["lifecycle"] == lifecycle


def test_unknown_lifecycle_is_noted_and_left_out() -> None:
    text = "name: x\ntypeId: SERVICE\nfields:\n  lifecycle: Sunset\n  tier: 4\n"
    result = compass.parse(text, origin="compass.yml")
    assert codes(result) == ["compass.lifecycle"]
    component = props(result, "component:x")
    assert "lifecycle" not in component and component["tags"] == ["tier:4"]


def test_owner_team_ari_and_custom_fields() -> None:
    text = dedent(f"""
        name: x
        typeId: SERVICE
        ownerId: '{TEAM}'
        labels: [a, 'k:v']
        customFields:
          - {{name: platform, type: text, value: web}}
          - {{name: reviewed, type: boolean, value: false}}
          - {{name: empty, type: text}}
    """)
    result = compass.parse(text, origin="compass.yml")
    team = "team:2f94fdd2-6597-4c36-ac96-1a343ca3bf7f"
    assert result.edge_keys() == {(team, "OWNS", "component:x")}
    assert props(result, "component:x")["tags"] == ["a", "k:v", "platform:web", "reviewed:false"]


def test_an_owner_that_is_not_a_team_is_noted() -> None:
    text = "name: x\ntypeId: SERVICE\nownerId: 'ari:cloud:identity::user/123'\n"
    result = compass.parse(text, origin="compass.yml")
    assert codes(result) == ["compass.owner"] and not result.edge_keys()


def test_refused_without_a_name_or_when_not_compass() -> None:
    assert codes(compass.parse("typeId: SERVICE\nname: ' '\n", origin="compass.yml")) == [
        "compass.no-name"
    ]
    assert codes(compass.parse("name: x\n", origin="compass.yml")) == ["compass.not-compass"]
    assert codes(compass.parse("name: x\ntypeId: SERVICE\n", origin="other.yml")) == [
        "compass.not-compass"
    ]


def test_detected_by_name_and_content(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "svc-compass.yml": "configVersion: 1\nname: a\ntypeId: SERVICE\n",
            "compass.yml": "name: b\nsettings: {}\n",  # the name, not the content
            "other.yml": "configVersion: 1\nname: c\ntypeId: SERVICE\n",  # the content only
        }
    )
    scan = scan_directory(root)
    assert [r.origin for r in scan.results] == ["svc-compass.yml"]
    assert {s.path for s in scan.skipped} == {"compass.yml", "other.yml"}


def test_hostile_input_is_an_error_not_a_crash(write_tree: WriteTree) -> None:
    root = write_tree({"compass.yml": "configVersion: 1\nname: a\nname: b\n"})
    [result] = scan_directory(root).results
    assert result.failed and codes(result) == ["document.duplicate-key"]
