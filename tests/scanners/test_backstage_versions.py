"""API versions embedded in Backstage API entities are told apart like spec files.

Each test is one case of the rule in docs/scanners.md ("Two versions of one
API are told apart", Backstage API entities).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from scanners import ScanResult, Severity, scan_directory, scan_uploads
from tests.scanners.conftest import WriteTree
from tests.scanners.test_corpus import corpus_dir
from tests.scanners.test_foreign_and_versions import OPENAPI, SWAGGER


def _entity(name: str, definition: str, *, extra: str = "") -> str:
    """A Backstage API entity whose definition is a file (``$text``) or inline text."""
    if definition.startswith(("./", "https://")):
        block = f"  definition:\n    $text: {definition}\n"
    else:
        indented = "".join(f"    {line}\n" for line in definition.splitlines())
        block = f"  definition: |\n{indented}"
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: API\n"
        f"metadata: {{name: {name}}}\n"
        f"spec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n{block}{extra}"
    )


PROVIDER = """\
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: pets-service}
spec: {type: service, lifecycle: production, owner: team-a, providesApis: [pets]}
"""


def _described(results: tuple[ScanResult, ...]) -> dict[str, list[str]]:
    """Origin -> the API refs it describes."""
    out: dict[str, list[str]] = {}
    for result in results:
        apis = sorted(r for r in result.described if r.startswith("api:"))
        if apis:
            out[result.origin] = apis
    return out


def _apart(results: tuple[ScanResult, ...]) -> dict[str, list[str]]:
    return {
        r.origin: [i.message for i in r.issues if i.code == "api.versions-apart"]
        for r in results
        if any(i.code == "api.versions-apart" for i in r.issues)
    }


def _operations(results: tuple[ScanResult, ...], ref: str) -> int:
    node = next(n for r in results for n in r.nodes if n.ref == ref and r.described)
    return len(node.properties.get("operations", []))


def _conflicts(results: tuple[ScanResult, ...]) -> int:
    return sum(
        i.code in ("element.conflict", "element.duplicate") for r in results for i in r.issues
    )


def test_entity_keeps_its_name_and_a_swagger_2_spec_read_first_is_renamed(
    write_tree: WriteTree,
) -> None:
    # a/ comes before z/: path order does not let the spec take the entity's name
    root = write_tree({"a/swagger.yaml": SWAGGER, "z/catalog-info.yaml": _entity("pets", OPENAPI)})
    scan = scan_directory(root)
    assert _described(scan.results) == {
        "a/swagger.yaml": ["api:pets-swagger2"],
        "z/catalog-info.yaml": ["api:pets"],
    }
    [message] = _apart(scan.results)["a/swagger.yaml"]
    assert "Backstage entity api:default/pets in z/catalog-info.yaml" in message
    assert "spec format" in message and "openapi3 1.0.0" in message
    assert _operations(scan.results, "api:pets") == 2
    assert _operations(scan.results, "api:pets-swagger2") == 1
    assert _conflicts(scan.results) == 0


def test_definition_file_is_not_a_second_api_but_another_version_is(
    write_tree: WriteTree,
) -> None:
    root = write_tree(
        {
            "catalog-info.yaml": _entity("pets", "./swagger.yaml") + PROVIDER,
            "swagger.yaml": SWAGGER,
            "v3/openapi.yaml": OPENAPI,
        }
    )
    scan = scan_directory(root)
    assert [(s.path, s.code) for s in scan.skipped] == [("swagger.yaml", "skip.catalog-definition")]
    assert _described(scan.results) == {
        "catalog-info.yaml": ["api:pets"],
        "v3/openapi.yaml": ["api:pets-openapi3"],
    }
    [message] = _apart(scan.results)["v3/openapi.yaml"]
    assert "swagger2 1.0.0" in message and "told apart by its spec format" in message
    assert _operations(scan.results, "api:pets") == 1  # the Swagger 2.0 definition's
    catalog = next(r for r in scan.results if r.origin == "catalog-info.yaml")
    assert ("component:pets-service", "PROVIDES", "api:pets") in {e.key for e in catalog.edges}


def test_same_format_told_apart_by_info_version(write_tree: WriteTree) -> None:
    newer = OPENAPI.replace("1.0.0", "1.4.0")
    root = write_tree({"catalog-info.yaml": _entity("pets", newer), "spec/openapi.yaml": OPENAPI})
    scan = scan_directory(root)
    assert _described(scan.results) == {
        "catalog-info.yaml": ["api:pets"],
        "spec/openapi.yaml": ["api:pets-1.0.0"],
    }
    assert "told apart by its info.version" in _apart(scan.results)["spec/openapi.yaml"][0]


def test_a_new_major_version_is_its_own_api_without_a_rename(write_tree: WriteTree) -> None:
    major_2 = OPENAPI.replace("1.0.0", "2.0.0")
    root = write_tree({"catalog-info.yaml": _entity("pets", OPENAPI), "v2.yaml": major_2})
    scan = scan_directory(root)
    assert _described(scan.results) == {
        "catalog-info.yaml": ["api:pets"],
        "v2.yaml": ["api:pets-v2"],
    }
    assert _apart(scan.results) == {} and _conflicts(scan.results) == 0


def test_same_format_and_version_is_told_apart_by_the_file_path(write_tree: WriteTree) -> None:
    root = write_tree({"catalog-info.yaml": _entity("pets", OPENAPI), "copy/pets.yaml": OPENAPI})
    scan = scan_directory(root)
    assert _described(scan.results)["copy/pets.yaml"] == ["api:pets-copy-pets-yaml"]
    assert "told apart by its file path" in _apart(scan.results)["copy/pets.yaml"][0]


def test_an_entity_whose_definition_is_not_read_still_keeps_its_name(
    write_tree: WriteTree,
) -> None:
    remote = _entity("pets", "https://example.com/pets.yaml")
    root = write_tree({"catalog-info.yaml": remote, "openapi.yaml": OPENAPI})
    scan = scan_directory(root)
    assert _described(scan.results) == {
        "catalog-info.yaml": ["api:pets"],
        "openapi.yaml": ["api:pets-openapi3"],
    }
    assert "(unknown )" in _apart(scan.results)["openapi.yaml"][0]


def test_an_explicit_api_name_merges_with_the_entity(write_tree: WriteTree) -> None:
    named = SWAGGER.replace("info:", "x-archgraph-api: pets\ninfo:")
    root = write_tree({"a.yaml": named, "catalog-info.yaml": _entity("pets", OPENAPI)})
    scan = scan_directory(root)
    assert _described(scan.results) == {"a.yaml": ["api:pets"], "catalog-info.yaml": ["api:pets"]}
    assert _apart(scan.results) == {} and _conflicts(scan.results) == 1


def test_two_entities_of_one_name_and_two_formats_are_two_elements(
    write_tree: WriteTree,
) -> None:
    root = write_tree(
        {
            "a/catalog-info.yaml": _entity("pets", OPENAPI) + PROVIDER,
            "b/catalog-info.yaml": _entity("pets", SWAGGER),
        }
    )
    scan = scan_directory(root)
    assert _described(scan.results) == {
        "a/catalog-info.yaml": ["api:pets"],
        "b/catalog-info.yaml": ["api:pets-swagger2"],
    }
    [message] = _apart(scan.results)["b/catalog-info.yaml"]
    assert "Backstage entity api:default/pets in a/catalog-info.yaml" in message
    assert "this Backstage entity api:default/pets (swagger2 1.0.0)" in message
    assert _operations(scan.results, "api:pets") == 2
    assert _operations(scan.results, "api:pets-swagger2") == 1
    # a relation by name means the first entity, as in Backstage
    edges = {e.key for r in scan.results for e in r.edges}
    assert ("component:pets-service", "PROVIDES", "api:pets") in edges
    assert ("group:team-a", "OWNS", "api:pets-swagger2") in edges or (
        "team:team-a",
        "OWNS",
        "api:pets-swagger2",
    ) in edges  # its own relations follow it
    assert not any(t == "PROVIDES" and to == "api:pets-swagger2" for _, t, to in edges)
    assert _conflicts(scan.results) == 0


def test_two_entities_of_one_name_in_one_file_by_version(write_tree: WriteTree) -> None:
    newer = OPENAPI.replace("1.0.0", "1.1.0")
    both = _entity("pets", OPENAPI) + "---\n" + _entity("pets", newer)
    scan = scan_directory(write_tree({"catalog-info.yaml": both}))
    assert _described(scan.results) == {"catalog-info.yaml": ["api:pets", "api:pets-1.1.0"]}
    [message] = _apart(scan.results)["catalog-info.yaml"]
    assert "told apart by its info.version" in message


def test_two_entities_of_one_name_and_one_version_are_one_element(
    write_tree: WriteTree,
) -> None:
    described_differently = _entity("pets", OPENAPI).replace("production", "deprecated")
    root = write_tree(
        {"a/catalog-info.yaml": _entity("pets", OPENAPI), "b/catalog.yaml": described_differently}
    )
    scan = scan_directory(root)
    assert _described(scan.results) == {
        "a/catalog-info.yaml": ["api:pets"],
        "b/catalog.yaml": ["api:pets"],
    }
    assert _apart(scan.results) == {} and _conflicts(scan.results) == 1


def test_entities_named_apart_are_two_elements_without_a_warning(write_tree: WriteTree) -> None:
    both = _entity("pets-v1", SWAGGER) + "---\n" + _entity("pets-v2", OPENAPI)
    scan = scan_directory(write_tree({"catalog-info.yaml": both}))
    assert _described(scan.results) == {"catalog-info.yaml": ["api:pets-v1", "api:pets-v2"]}
    assert _apart(scan.results) == {} and _conflicts(scan.results) == 0


def test_uploads_follow_the_same_rule() -> None:
    scan = scan_uploads(
        [("repo/a.yaml", SWAGGER), ("repo/catalog-info.yaml", _entity("pets", OPENAPI))]
    )
    assert _described(scan.results) == {
        "repo/a.yaml": ["api:pets-swagger2"],
        "repo/catalog-info.yaml": ["api:pets"],
    }
    assert _apart(scan.results)["repo/a.yaml"]


def test_the_cli_report_says_how_they_were_told_apart(
    write_tree: WriteTree, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"a/swagger.yaml": SWAGGER, "catalog-info.yaml": _entity("pets", OPENAPI)})
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "scan", str(root)]) == 0
    text = capsys.readouterr().out
    assert "api.versions-apart" in text and "api:pets-swagger2" in text
    assert main([*data, "export"]) == 0
    refs = {n["ref"] for n in json.loads(capsys.readouterr().out)["nodes"]}
    assert {"api:pets", "api:pets-swagger2"} <= refs


@pytest.mark.corpus
def test_corpus_backstage_definition_and_a_real_swagger_2_spec(tmp_path: Path) -> None:
    """The acme example's Petstore entity, named as the OAI Swagger 2.0 petstore's
    title, beside that spec: two elements, and the report says why."""
    acme = corpus_dir("backstage/backstage-acme-examples") / "examples" / "apis"
    oai = corpus_dir("openapi") / "oai-examples" / "examples" / "v2.0" / "json"
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy(acme / "petstore-api.yaml", root / "petstore-api.yaml")
    shutil.copy(acme / "petstore.oas.yaml", root / "petstore.oas.yaml")
    shutil.copy(oai / "petstore-expanded.json", root / "petstore-expanded.json")
    entity = (root / "petstore-api.yaml").read_text(encoding="utf-8")
    assert "name: petstore\n" in entity
    (root / "petstore-api.yaml").write_text(
        entity.replace("name: petstore\n", "name: swagger-petstore\n"), encoding="utf-8"
    )
    scan = scan_directory(root)
    described = _described(scan.results)
    assert described["petstore-api.yaml"] == ["api:swagger-petstore"]
    assert described["petstore-expanded.json"] == ["api:swagger-petstore-swagger2"]
    [message] = _apart(scan.results)["petstore-expanded.json"]
    assert "openapi3" in message and "spec format" in message
    assert _operations(scan.results, "api:swagger-petstore-swagger2") == 4
    assert _operations(scan.results, "api:swagger-petstore") > 4
    assert not any(i.severity is Severity.ERROR for r in scan.results for i in r.issues)
