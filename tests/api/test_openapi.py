"""The OpenAPI document is the contract: security, error statuses, descriptions, refs."""

from __future__ import annotations

from typing import Any

import pytest

from app.openapi import broken_refs
from graph.storage import GraphStore
from schemas.refs import PRODUCT_REF_PATTERN, REF_PATTERN, Kind, ref_pattern

from .conftest import ApiClient, make_client

_ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def document(sqlite_store: GraphStore) -> dict[str, Any]:
    response = make_client(sqlite_store).as_key(None).get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, ops in document["paths"].items() for m, op in ops.items()]


def test_the_security_schemes_are_bearer_and_x_api_key(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerKey"] == {**schemes["bearerKey"], "type": "http", "scheme": "bearer"}
    assert schemes["apiKeyHeader"]["in"] == "header"
    assert schemes["apiKeyHeader"]["name"] == "X-API-Key"


def test_each_api_operation_needs_its_role_and_health_does_not(document: dict[str, Any]) -> None:
    roles = {
        ("get", "/api/v1/products"): "reader",
        ("post", "/api/v1/products"): "editor",
        ("post", "/api/v1/import"): "admin",
        ("post", "/api/v1/scans"): "editor",
    }
    for (method, path), role in roles.items():
        op = document["paths"][path][method]
        assert op["security"] == [{"bearerKey": []}, {"apiKeyHeader": []}]
        assert f"role {role} or higher" in op["description"]
    for path, method, op in _operations(document):
        if path.startswith("/api/"):
            assert op.get("security"), (method, path)
            assert {"401", "403", "503"} <= set(op["responses"]), (method, path)
        else:
            assert "security" not in op and "401" not in op["responses"], path


def test_every_error_status_has_the_error_body(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "location"}
    assert "details" in error["properties"]
    for path, method, op in _operations(document):
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == _ERROR, (path, status)
        if "requestBody" in op:
            assert {"413", "422"} <= set(op["responses"]), (method, path)
        if "{" in path:
            assert "404" in op["responses"], (method, path)
        if method in {"put", "patch", "delete"}:
            assert "409" in op["responses"], (method, path)
    assert "400" in document["paths"]["/api/v1/scans"]["post"]["responses"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_operation_and_parameter_is_described(document: dict[str, Any]) -> None:
    for path, method, op in _operations(document):
        assert op.get("summary") and op.get("description"), (method, path)
        for parameter in op.get("parameters", []):
            assert parameter.get("description"), (method, path, parameter["name"])
    adr = document["paths"]["/api/v1/adrs/{number}"]["get"]
    assert adr["summary"] != "Get Adr"  # the docstring, not the function's name


def test_no_reference_is_broken(document: dict[str, Any]) -> None:
    assert broken_refs(document) == []
    scans = document["paths"]["/api/v1/scans"]["post"]["requestBody"]["content"]
    items = scans["application/json"]["schema"]["properties"]["files"]["items"]
    assert items == {"$ref": "#/components/schemas/UploadedFile"}
    assert broken_refs({"a": {"$ref": "#/$defs/Missing"}}) == ["#/$defs/Missing"]


def test_refs_carry_the_kind_slug_pattern(document: dict[str, Any]) -> None:
    def parameter(path: str, method: str, name: str) -> dict[str, Any]:
        op = document["paths"][path][method]
        found: dict[str, Any] = next(p for p in op["parameters"] if p["name"] == name)
        return found

    def pattern_of(schema: dict[str, Any]) -> str | None:
        options = schema.get("anyOf", [schema])
        return next((o["pattern"] for o in options if "pattern" in o), None)

    for path, method, name in [
        ("/api/v1/elements/{ref}", "get", "ref"),
        ("/api/v1/edges", "get", "from"),
        ("/api/v1/edges", "delete", "to"),
        ("/api/v1/adrs", "get", "element"),
        ("/api/v1/changes", "get", "element"),
    ]:
        assert pattern_of(parameter(path, method, name)["schema"]) == REF_PATTERN, (path, name)
    sunset = parameter("/api/v1/diligence/sunset", "get", "product")["schema"]
    assert pattern_of(sunset) == PRODUCT_REF_PATTERN
    schemas = document["components"]["schemas"]
    assert schemas["EdgeIn"]["properties"]["from"]["pattern"] == REF_PATTERN
    # each edge type's branch says which kinds its ends may be
    owns = next(v for v in schemas["EdgeIn"]["oneOf"] if v["title"] == "OWNS")
    assert owns["properties"]["from"]["pattern"] == ref_pattern([Kind.TEAM])
    assert schemas["ImpactRequest"]["properties"]["targets"]["items"]["pattern"] == REF_PATTERN


def test_a_ref_that_breaks_the_pattern_is_refused(api: ApiClient) -> None:
    response = api.get("/api/v1/edges", params={"from": "component:x\n"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
