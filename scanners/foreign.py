"""Files in formats archgraph does not read, named so a skip says what the file is.

A scan that silently skips a Helm chart or a ``.proto`` file looks as if it
read nothing wrong; :func:`foreign_format` recognises the common formats by
file name or by a tell-tale line, and :func:`not_ours` turns an unrecognised
file into a skip: a ``skip.foreign-format`` warning naming the format when it
is one of these, the plain ``skip.unrecognised`` otherwise.
"""

from __future__ import annotations

import re

from scanners.result import Severity
from scanners.walk import SkippedFile

__all__ = ["UNRECOGNISED", "foreign_format", "not_ours"]

UNRECOGNISED = (
    "not an OpenAPI, AsyncAPI, archgraph manifest, Backstage catalog or developer-portal document"
)

# Exact file names (the last path segment), then suffixes.
_NAMES: dict[str, str] = {
    "package.json": "an npm package manifest (package.json)",
    "chart.yaml": "a Helm chart (Chart.yaml)",
    "kustomization.yaml": "a Kustomize kustomization",
    "kustomization.yml": "a Kustomize kustomization",
    "serverless.yml": "a Serverless Framework service (serverless.yml)",
    "serverless.yaml": "a Serverless Framework service (serverless.yml)",
    "pom.xml": "a Maven project (pom.xml)",
    "go.mod": "a Go module (go.mod)",
}
_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".tf.json", "Terraform configuration"),
    (".tf", "Terraform configuration"),
    (".tfvars", "Terraform variables"),
    (".graphql", "a GraphQL schema (SDL)"),
    (".graphqls", "a GraphQL schema (SDL)"),
    (".gql", "a GraphQL schema (SDL)"),
    (".proto", "a Protocol Buffers definition"),
    (".avsc", "an Avro schema"),
    (".avdl", "an Avro IDL"),
    (".raml", "a RAML API description"),
    (".apib", "an API Blueprint"),
    (".wsdl", "a WSDL service description"),
    (".smithy", "a Smithy model"),
    (".thrift", "an Apache Thrift IDL"),
)
# Tell-tale content, for files whose name says nothing; first match wins.
_CONTENT: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\A#%RAML"), "a RAML API description"),
    (re.compile(r"\AFORMAT:\s*1A", re.MULTILINE), "an API Blueprint"),
    (re.compile(r"^syntax\s*=\s*\"proto[23]\"\s*;", re.MULTILINE), "a Protocol Buffers definition"),
    (
        re.compile(r"^(?:type|extend\s+type)\s+(?:Query|Mutation|Subscription)\s*\{", re.M),
        "a GraphQL schema (SDL)",
    ),
    (
        re.compile(r"^[\"']?AWSTemplateFormatVersion[\"']?\s*:", re.M),
        "an AWS CloudFormation template",
    ),
    (
        re.compile(r"^apiVersion:\s*[\"']?kustomize\.config\.k8s\.io/", re.M),
        "a Kustomize kustomization",
    ),
    (
        re.compile(
            r"^apiVersion:\s*[\"']?(?!backstage\.io|archgraph)[a-z0-9.]*/?v\d+\w*[\"']?\s*$(?s:.*)^kind:\s*\w+",
            re.M,
        ),
        "a Kubernetes manifest",
    ),
    (
        re.compile(
            r"^kind:\s*\w+\s*$(?s:.*)^apiVersion:\s*[\"']?(?!backstage\.io|archgraph)[a-z0-9.]*/?v\d+\w*",
            re.M,
        ),
        "a Kubernetes manifest",
    ),
    (re.compile(r"^resource\s+\"[a-z0-9_]+\"\s+\"[^\"]+\"\s*\{", re.M), "Terraform configuration"),
    (
        re.compile(r"^[{\s]*[\"']?\$schema[\"']?\s*:\s*[\"']?https?://json-schema\.org/", re.M),
        "a JSON Schema",
    ),
)
_HELM_TEMPLATE = re.compile(r"\{\{-?\s*(?:\.Values|\.Release|include|template|if|range)\b")


def foreign_format(name: str, text: str) -> str | None:
    """What *text* (from a file called *name*) looks like, when it is a format we do not read."""
    base = name.rsplit("/", 1)[-1].lower()
    if base in _NAMES:
        return _NAMES[base]
    for suffix, what in _SUFFIXES:
        if base.endswith(suffix):
            return what
    if "/templates/" in f"/{name}" and _HELM_TEMPLATE.search(text):
        return "a Helm template"
    head = text[:65536]
    for pattern, what in _CONTENT:
        if pattern.search(head):
            return what
    return None


def not_ours(path: str, text: str, severity: Severity) -> SkippedFile:
    """The skip for a file none of our scanners reads (*severity* for the plain case).

    A recognised foreign format is at least a warning, so it is never silent.
    """
    what = foreign_format(path, text)
    if what is None:
        return SkippedFile(path, "skip.unrecognised", UNRECOGNISED, severity)
    return SkippedFile(
        path,
        "skip.foreign-format",
        f"looks like {what}, which archgraph does not read",
        Severity.ERROR if severity is Severity.ERROR else Severity.WARNING,
    )
