"""OpsLevel ``opslevel.yml``: the service: and component: forms, on real files and small ones."""

from __future__ import annotations

import pytest

from scanners import scan_directory
from scanners.portals import opslevel

from .conftest import codes, dedent, props
from .test_corpus import corpus_dir

TYTOPIA = "manifests/opslevel-tytopia-demo-cookiecutter-django"
INTERCOM = "manifests/opslevel-wisersolutions-intercom"
LOCALIZER = "manifests/opslevel-getoutreach-localizer"


# Each expectation below was read by hand from the file (see ../shared/corpus/README.md).
@pytest.mark.corpus
def test_corpus_service_form_without_a_name_depends_by_alias() -> None:
    scan = scan_directory(corpus_dir(TYTOPIA))
    assert not scan.failed
    [result] = scan.results
    assert result.scanner == "opslevel"
    me = "component:opslevel-tytopia-demo-cookiecutter-django"  # no name, no alias: its folder
    assert codes(result) == ["opslevel.no-name"]
    component = props(result, me)
    assert component == {
        "type": "service",
        "description": "New service from cookiecutter template",
        "lifecycle": "active",  # generally_available
        "product": "product-a",
        "tags": ["tier:tier_3"],
    }
    assert result.edge_keys() == {
        (me, "DEPENDS_ON", "component:nginx-prod-deployment"),
        (me, "DEPENDS_ON", "component:nginx-qa-deployment"),
        (me, "PART_OF", "product:product-a"),
    }


@pytest.mark.corpus
def test_corpus_component_form_is_a_library_with_owner_product_and_tags() -> None:
    [result] = scan_directory(corpus_dir(INTERCOM)).results
    assert result.scanner == "opslevel" and not result.issues
    me = "component:intercom"
    component = props(result, me)
    assert component["name"] == "Intercom"
    assert component["type"] == "library"
    assert component["owner"] == "online_engineering"
    assert component["lifecycle"] == "active"
    assert component["technologies"] == ["javascript", "react"]
    assert component["tags"] == [
        "tier:tier_3",
        "domain:shared",
        "system:shared_2",
        "shared:true",
        "platform:true",
        "type:frontend",
    ]
    assert result.edge_keys() == {
        ("team:online_engineering", "OWNS", me),
        (me, "PART_OF", "product:shared"),
        (me, "USES", "technology:javascript"),
        (me, "USES", "technology:react"),
    }


@pytest.mark.corpus
def test_corpus_stencil_file_with_marker_comments() -> None:
    [result] = scan_directory(corpus_dir(LOCALIZER)).results
    assert not result.issues
    me = "component:localizer"
    component = props(result, me)
    assert component["lifecycle"] == "experimental"  # in_development
    assert component["description"].startswith("A no-frills local development approach")
    assert len(component["tags"]) == 9 and "cli:true" in component["tags"]
    assert "alias:localizer" not in component["tags"]  # the alias is its own slug
    assert result.edge_keys() == {
        ("team:fnd-dt", "OWNS", me),
        (me, "PART_OF", "product:outreach"),
        (me, "USES", "technology:golang"),
        (me, "USES", "technology:stencil"),
    }


def test_alias_names_a_nameless_service_and_bad_dependencies_are_warned() -> None:
    text = dedent("""
        version: 1
        service:
          aliases: [Billing Svc, billing-legacy]
          type: library
          lifecycle: beta-ish
          dependencies:
            - alias: ledger
            - billing-svc
            - {}
    """)
    result = opslevel.parse(text, origin="opslevel.yml")
    component = props(result, "component:billing-svc")
    assert component["type"] == "service"  # the service: form is a service
    assert component["tags"] == ["alias:billing-legacy"]
    assert "lifecycle" not in component
    assert codes(result) == ["opslevel.lifecycle", "opslevel.dependency", "opslevel.dependency"]
    assert result.edge_keys() == {("component:billing-svc", "DEPENDS_ON", "component:ledger")}


def test_a_file_that_is_not_opslevel_is_refused() -> None:
    result = opslevel.parse("version: 1\nservices: {}\n", origin="opslevel.yml")
    assert result.failed and codes(result) == ["opslevel.not-opslevel"]
