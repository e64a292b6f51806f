"""Whatever a file holds, scanners return a result; they never raise."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanners import asyncapi, backstage, manifest, openapi
from scanners.resolve import MappingResolver, ResolveError, join_relative

_KEYS = st.sampled_from(
    [
        "openapi",
        "swagger",
        "asyncapi",
        "info",
        "title",
        "version",
        "paths",
        "/a",
        "/b/{id}",
        "get",
        "post",
        "deprecated",
        "security",
        "operationId",
        "tags",
        "$ref",
        "channels",
        "operations",
        "action",
        "channel",
        "address",
        "publish",
        "subscribe",
        "servers",
        "url",
        "components",
        "securitySchemes",
        "webhooks",
        "x-archgraph-component",
        "apiVersion",
        "kind",
        "metadata",
        "name",
        "spec",
        "owner",
        "system",
        "dependsOn",
        "providesApis",
        "definition",
        "depends_on",
        "provides",
        "consumes",
        "component",
        "strength",
        "type",
        "$text",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.sampled_from(
        [
            "3.0.0",
            "2.0",
            "2.6.0",
            "3.1.0",
            "send",
            "receive",
            "#/paths",
            "x.yaml",
            "../../etc/passwd",
            "http://example.com/x",
            "archgraph/v1",
            "backstage.io/v1alpha1",
            "Component",
            "API",
            "component:x",
            "hard",
        ]
    ),
    st.text(max_size=20),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_KEYS, children, max_size=5)
    ),
    max_leaves=25,
)


def _doc(head: dict[str, Any], body: dict[str, Any]) -> str:
    return json.dumps({**head, **body})


_RESOLVER = MappingResolver({"x.yaml": "a: {$ref: 'x.yaml#/a'}\n", "y.yaml": "[1, 2"})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _VALUES, max_size=8), st.sampled_from(["3.0.0", "2.0", "3.1.0"]))
def test_openapi_never_raises(body: dict[str, Any], version: str) -> None:
    head = {"swagger": version} if version == "2.0" else {"openapi": version}
    openapi.parse(_doc(head, body), origin="a/spec.json", resolver=_RESOLVER)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _VALUES, max_size=8), st.sampled_from(["2.6.0", "3.0.0"]))
def test_asyncapi_never_raises(body: dict[str, Any], version: str) -> None:
    asyncapi.parse(_doc({"asyncapi": version}, body), origin="a/events.json", resolver=_RESOLVER)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _VALUES, max_size=8))
def test_manifest_never_raises(body: dict[str, Any]) -> None:
    manifest.parse(
        _doc({"apiVersion": "archgraph/v1", "kind": "Component", "name": "x"}, body),
        origin="a/archgraph.yaml",
        resolver=_RESOLVER,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.dictionaries(_KEYS, _VALUES, max_size=6), max_size=3),
    st.sampled_from(["Component", "API", "System", "Group", "Resource", "Domain", "Widget"]),
)
def test_backstage_never_raises(specs: list[dict[str, Any]], kind: str) -> None:
    docs = [
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": kind,
            "metadata": {"name": f"e{i}"},
            "spec": spec,
        }
        for i, spec in enumerate(specs)
    ]
    text = "\n---\n".join(json.dumps(d) for d in docs) or "{}"
    backstage.parse(text, origin="a/catalog-info.yaml", resolver=_RESOLVER)


@given(st.text(alphabet="./ab%2Fc\\:", max_size=30), st.text(alphabet="./ab", max_size=12))
def test_relative_paths_never_leave_the_root(target: str, origin: str) -> None:
    try:
        joined = join_relative(origin, target)
    except ResolveError:
        return
    assert not joined.startswith("/") and joined != ".." and not joined.startswith("../")
