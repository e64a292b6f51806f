"""Formats we do not read are named aloud; two versions of one API are told apart."""

from __future__ import annotations

import pytest

from scanners import Severity, scan_directory, scan_uploads
from scanners.foreign import foreign_format
from tests.scanners.conftest import WriteTree


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("deploy/app.yaml", "apiVersion: apps/v1\nkind: Deployment\n", "a Kubernetes manifest"),
        ("svc.yaml", "kind: Service\napiVersion: v1\n", "a Kubernetes manifest"),
        ("chart/Chart.yaml", "apiVersion: v2\nname: x\n", "a Helm chart (Chart.yaml)"),
        (
            "chart/templates/svc.yaml",
            "metadata:\n  name: {{ .Release.Name }}\n",
            "a Helm template",
        ),
        ("infra/main.tf", 'resource "aws_s3_bucket" "b" {}\n', "Terraform configuration"),
        ("infra/notes", 'resource "aws_s3_bucket" "b" {\n}\n', "Terraform configuration"),
        ("web/package.json", '{"name": "web"}', "an npm package manifest (package.json)"),
        ("api/schema.graphql", "type Pet { id: ID }\n", "a GraphQL schema (SDL)"),
        ("api/schema.txt", "type Query {\n  pets: [Pet]\n}\n", "a GraphQL schema (SDL)"),
        ("api/pets.proto", "message Pet {}\n", "a Protocol Buffers definition"),
        ("api/pets.idl", 'syntax = "proto3";\n', "a Protocol Buffers definition"),
        ("api/pets.txt", "#%RAML 1.0\ntitle: Pets\n", "a RAML API description"),
        (
            "stack.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\n",
            "an AWS CloudFormation template",
        ),
        ("kustomization.yaml", "resources: [a.yaml]\n", "a Kustomize kustomization"),
        ("s.json", '{"$schema": "https://json-schema.org/draft/2020-12/schema"}', "a JSON Schema"),
        ("s.yaml", "$schema: https://json-schema.org/draft/2020-12/schema\n", "a JSON Schema"),
        ("README.md", "# hello\nopenapi is great\n", None),
        ("catalog.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\n", None),
    ],
)
def test_foreign_formats_are_named(name: str, text: str, expected: str | None) -> None:
    assert foreign_format(name, text) == expected


def test_a_foreign_file_is_a_warning_in_a_tree_and_an_error_in_an_upload(
    write_tree: WriteTree,
) -> None:
    root = write_tree(
        {
            "main.tf": 'resource "null_resource" "x" {}\n',
            "notes.txt": "just notes\n",
            "openapi.yaml": "openapi: 3.0.0\ninfo: {title: A, version: '1'}\npaths: {}\n",
        }
    )
    skipped = {s.path: s for s in scan_directory(root).skipped}
    assert skipped["main.tf"].code == "skip.foreign-format"
    assert skipped["main.tf"].severity is Severity.WARNING
    assert "Terraform configuration" in skipped["main.tf"].reason
    assert skipped["notes.txt"].code == "skip.unrecognised"
    assert skipped["notes.txt"].severity is Severity.INFO
    upload = scan_uploads([("main.tf", 'resource "a" "b" {}\n')])
    assert [(s.code, s.severity) for s in upload.skipped] == [
        ("skip.foreign-format", Severity.ERROR)
    ]


SWAGGER = """\
swagger: '2.0'
info: {title: Pets, version: 1.0.0}
paths:
  /pets: {get: {responses: {'200': {description: ok}}}}
"""
OPENAPI = """\
openapi: 3.0.3
info: {title: Pets, version: 1.0.0}
paths:
  /pets: {get: {responses: {'200': {description: ok}}}}
  /pets/{id}: {get: {responses: {'200': {description: ok}}}}
"""


def _apis(scan_results: object) -> dict[str, str]:
    return {
        r.origin: next(ref for ref in r.described if ref.startswith("api:"))
        for r in scan_results  # type: ignore[attr-defined]
    }


def test_swagger_2_and_openapi_3_of_one_api_are_two_elements(write_tree: WriteTree) -> None:
    root = write_tree({"a/swagger.yaml": SWAGGER, "b/openapi.yaml": OPENAPI})
    scan = scan_directory(root)
    assert _apis(scan.results) == {
        "a/swagger.yaml": "api:pets",
        "b/openapi.yaml": "api:pets-openapi3",
    }
    second = next(r for r in scan.results if r.origin == "b/openapi.yaml")
    notes = [i for i in second.issues if i.code == "api.versions-apart"]
    assert len(notes) == 1 and notes[0].severity is Severity.WARNING
    assert "a/swagger.yaml" in notes[0].message and "spec format" in notes[0].message
    node = second.node("api:pets-openapi3")
    assert node is not None and len(node.properties["operations"]) == 2
    assert not any(i.code == "element.conflict" for r in scan.results for i in r.issues)


def test_same_format_told_apart_by_version_then_by_path(write_tree: WriteTree) -> None:
    newer = OPENAPI.replace("1.0.0", "1.2.0")
    root = write_tree({"a.yaml": OPENAPI, "b.yaml": newer, "c.yaml": OPENAPI})
    scan = scan_directory(root)
    assert _apis(scan.results) == {
        "a.yaml": "api:pets",
        "b.yaml": "api:pets-1.2.0",
        "c.yaml": "api:pets-c-yaml",
    }
    by_origin = {r.origin: r for r in scan.results}
    assert "info.version" in next(
        i.message for i in by_origin["b.yaml"].issues if i.code == "api.versions-apart"
    )
    assert "file path" in next(
        i.message for i in by_origin["c.yaml"].issues if i.code == "api.versions-apart"
    )


def test_an_explicit_api_name_is_never_renamed(write_tree: WriteTree) -> None:
    named = OPENAPI.replace("info:", "x-archgraph-api: pets\ninfo:")
    root = write_tree({"a/swagger.yaml": SWAGGER, "b/openapi.yaml": named})
    scan = scan_directory(root)
    assert _apis(scan.results) == {"a/swagger.yaml": "api:pets", "b/openapi.yaml": "api:pets"}
    assert any(i.code == "element.conflict" for r in scan.results for i in r.issues)
