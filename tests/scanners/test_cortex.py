"""Cortex ``cortex.yaml``: a service descriptor, not an API (scanners/portals/cortex.py)."""

from __future__ import annotations

import pytest

from scanners import scan_directory
from scanners.portals import cortex

from .conftest import WriteTree, codes, dedent, props
from .test_corpus import corpus_dir

# Read by hand from each file (see ../shared/corpus/README.md):
# (folder, component, name, owner team, tags)
CORPUS = [
    (
        "manifests/cortex-builttechnologies-upbound-provider-aws",
        "upbound-provider-aws",
        "upbound-provider-aws",
        "builttechnologies-goat-floaters",
        ["platform", "operations"],
    ),
    (
        "manifests/cortex-getoutreach-localizer",
        "localizer",
        "localizer",
        "fnd-dt",
        [
            "lifecycle:in_development",
            "product:Outreach",
            "language:Golang",
            "framework:stencil",
            "type:cli",
            "engOrg:fnd",
        ],
    ),
    (
        "manifests/cortex-jupiterone-graph-crowdstrike",
        "jupiterone-graph-crowdstrike",
        "@jupiterone/graph-crowdstrike",
        "jupiterone-integrations",
        ["tier-4"],  # the deprecated scalar x-cortex-service-groups
    ),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("folder", "slug", "name", "team", "tags"), CORPUS)
def test_corpus_cortex_files_are_services_not_apis(
    folder: str, slug: str, name: str, team: str, tags: list[str]
) -> None:
    scan = scan_directory(corpus_dir(folder))
    assert not scan.failed
    [result] = scan.results
    assert result.scanner == "cortex"
    assert not [n for n in result.nodes if n.ref.startswith("api:")]
    component = props(result, f"component:{slug}")
    assert (component["name"], component["owner"], component["tags"]) == (name, team, tags)
    assert component["type"] == "service"
    assert result.edge_keys() == {(f"team:{team}", "OWNS", f"component:{slug}")}


def test_dependencies_owners_and_paths() -> None:
    text = dedent("""
        openapi: 3.0.1
        info:
          title: Payments
          x-cortex-tag: payments
          x-cortex-type: service
          x-cortex-owners:
            - {type: group, name: Team-Pay}
            - {type: EMAIL, email: pay@example.com}
          x-cortex-dependency:
            - {tag: ledger, method: GET, path: /entries}
            - tag: payments
            - {method: GET}
        paths:
          /pay: {post: {operationId: pay}}
    """)
    result = cortex.parse(text, origin="cortex.yaml")
    assert codes(result) == ["cortex.owner", "cortex.dependency", "cortex.dependency"]
    assert result.edge_keys() == {
        ("team:team-pay", "OWNS", "component:payments"),
        ("component:payments", "DEPENDS_ON", "component:ledger"),
        ("component:payments", "PROVIDES", "api:payments"),
    }
    assert [o["operation_id"] for o in props(result, "api:payments")["operations"]] == ["pay"]


def test_an_openapi_spec_with_cortex_keys_elsewhere_stays_openapi(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "spec.yaml": "openapi: 3.0.0\ninfo: {title: A, version: '1'}\nx-cortex-tag: a\npaths: {}\n"
        }
    )
    [result] = scan_directory(root).results
    assert result.scanner == "openapi"
