from __future__ import annotations

import json
from pathlib import Path

from scanners import Severity, openapi
from scanners.resolve import DirectoryResolver, MappingResolver

from .conftest import WriteTree, codes, dedent, edges, props

PETSTORE_30 = dedent("""
    openapi: 3.0.3
    info:
      title: Pet Store
      version: 2.1.0
      description: Pets, sold.
      x-archgraph-component: pet-service
      x-archgraph-product: shop
    servers:
      - url: https://pets.example.com/v2
    security:
      - bearer: []
    paths:
      x-internal: {}
      /pets:
        parameters: []
        get:
          operationId: listPets
          summary: List pets
          tags: [pets]
        post:
          operationId: addPet
          security:
            - bearer: []
              apiKey: []
            - {}
      /pets/{petId}:
        delete:
          operationId: deletePet
          deprecated: true
          security: []
    components:
      securitySchemes:
        bearer: {type: http, scheme: bearer}
        apiKey: {type: apiKey, in: header, name: X-Key}
        oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: /t, scopes: {}}}}
""")


def test_openapi_30_api_operations_and_security() -> None:
    result = openapi.parse(PETSTORE_30, origin="pets/openapi.yaml")
    assert not result.issues
    api = props(result, "api:pet-store-v2")
    assert api["name"] == "Pet Store"
    assert api["version"] == "2.1.0"
    assert api["type"] == "openapi"
    assert api["servers"] == ["https://pets.example.com/v2"]
    assert api["spec_path"] == "pets/openapi.yaml"
    ops = {(o["method"], o["path"]): o for o in api["operations"]}
    assert set(ops) == {("get", "/pets"), ("post", "/pets"), ("delete", "/pets/{petId}")}
    assert ops[("get", "/pets")] == {
        "method": "get",
        "path": "/pets",
        "deprecated": False,
        "operation_id": "listPets",
        "summary": "List pets",
        "tags": ["pets"],
        "security": ["bearer"],
    }
    assert ops[("post", "/pets")]["security"] == ["apiKey+bearer", "anonymous"]
    assert ops[("delete", "/pets/{petId}")]["deprecated"] is True
    assert "security" not in ops[("delete", "/pets/{petId}")]
    schemes = {s["name"]: s for s in api["security_schemes"]}
    assert schemes["bearer"] == {"name": "bearer", "type": "http", "scheme": "bearer"}
    assert schemes["apiKey"]["scheme"] == "header:X-Key"
    assert schemes["oauth"]["scheme"] == "clientCredentials"
    assert edges(result) == {
        ("component:pet-service", "PROVIDES", "api:pet-store-v2"),
        ("component:pet-service", "PART_OF", "product:shop"),
    }
    assert result.stats["operations"] == 3 and result.stats["deprecated_operations"] == 1


def test_swagger_20_servers_and_definitions() -> None:
    doc = {
        "swagger": "2.0",
        "info": {"title": "Legacy Billing", "version": "1.4"},
        "host": "billing.example.com",
        "basePath": "/api",
        "schemes": ["https", "http"],
        "securityDefinitions": {"basic": {"type": "basic"}},
        "security": [{"basic": []}],
        "paths": {"/invoices": {"get": {"operationId": "listInvoices", "deprecated": True}}},
        "x-archgraph-api": "api:billing-legacy",
        "x-archgraph-lifecycle": "deprecated",
        "x-archgraph-sunset": "2026-06-30",
    }
    result = openapi.parse(json.dumps(doc), origin="billing.json", provided=True)
    assert not result.issues
    api = props(result, "api:billing-legacy")
    assert api["servers"] == ["https://billing.example.com/api", "http://billing.example.com/api"]
    assert api["lifecycle"] == "deprecated"
    assert api["sunset_date"] == "2026-06-30"
    assert api["security_schemes"] == [{"name": "basic", "type": "basic"}]
    assert api["operations"] == [
        {
            "method": "get",
            "path": "/invoices",
            "deprecated": True,
            "operation_id": "listInvoices",
            "security": ["basic"],
        }
    ]


def test_openapi_31_webhooks_become_operations() -> None:
    text = dedent("""
        openapi: 3.1.0
        info: {title: Hooks, version: 1.0.0}
        webhooks:
          newPet:
            post: {operationId: onNewPet}
    """)
    api = props(openapi.parse(text, origin="h.yaml"), "api:hooks")
    assert api["operations"] == [
        {
            "method": "post",
            "path": "webhook:newPet",
            "deprecated": False,
            "operation_id": "onNewPet",
        }
    ]


def test_spec_without_provider_is_still_an_api_with_a_warning() -> None:
    text = "openapi: 3.0.0\ninfo: {title: Lonely, version: '1'}\npaths: {}\n"
    result = openapi.parse(text, origin="lonely.yaml")
    assert [n.ref for n in result.nodes] == ["api:lonely"]
    assert codes(result) == ["spec.no-provider"]
    assert result.issues[0].severity is Severity.WARNING
    assert result.issues[0].line == 2
    assert not openapi.parse(text, origin="lonely.yaml", provided=True).issues


def test_bad_extension_values_are_errors() -> None:
    text = dedent("""
        openapi: 3.0.0
        info: {title: X, version: '1', x-archgraph-component: Not A Slug}
        paths: {}
    """)
    result = openapi.parse(text, origin="x.yaml")
    assert result.failed and result.nodes == ()
    assert result.errors[0].code == "spec.extension"
    assert result.errors[0].line == 2


def test_local_and_multi_file_refs(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "api/openapi.yaml": """
            openapi: 3.0.0
            info: {title: Split, version: '1'}
            paths:
              /a: {$ref: 'paths/a.yaml'}
              /b: {$ref: '#/x-paths/b'}
            x-paths:
              b:
                get: {operationId: getB, responses: {'200': {$ref: '../common/errors.yaml#/ok'}}}
        """,
            "api/paths/a.yaml": """
            get: {$ref: '../ops.yaml#/getA'}
        """,
            "api/ops.yaml": """
            getA: {operationId: getA, deprecated: true}
        """,
            "common/errors.yaml": "ok: {description: fine}\n",
        }
    )
    resolver = DirectoryResolver(root, max_file_bytes=1 << 20)
    result = openapi.parse(
        (root / "api/openapi.yaml").read_text(),
        origin="api/openapi.yaml",
        resolver=resolver,
        provided=True,
    )
    assert not result.issues, result.issues
    ops = props(result, "api:split")["operations"]
    assert ops == [
        {"method": "get", "path": "/a", "deprecated": True, "operation_id": "getA"},
        {"method": "get", "path": "/b", "deprecated": False, "operation_id": "getB"},
    ]


def test_remote_refs_are_warnings_and_never_fetched() -> None:
    text = dedent("""
        openapi: 3.0.0
        info: {title: R, version: '1'}
        paths:
          /a: {$ref: 'https://evil.example.com/paths.yaml#/a'}
          /b:
            get:
              responses:
                '200': {$ref: 'http://evil.example.com/r.yaml'}
                '201': {$ref: 'http://evil.example.com/r.yaml'}
    """)
    result = openapi.parse(text, origin="r.yaml", provided=True)
    assert not result.failed
    assert codes(result) == ["ref.remote", "ref.remote"]  # one per distinct target
    assert [o["path"] for o in props(result, "api:r")["operations"]] == ["/b"]


def test_refs_escaping_the_tree_are_errors(write_tree: WriteTree, tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("get: {operationId: stolen}\n")
    root = write_tree({"spec.yaml": "x: 1\n"})
    text = dedent("""
        openapi: 3.0.0
        info: {title: E, version: '1'}
        paths:
          /a: {$ref: '../secret.yaml'}
          /b: {$ref: '../../../../etc/passwd'}
          /c: {$ref: '/etc/passwd'}
    """)
    result = openapi.parse(
        text, origin="spec.yaml", resolver=DirectoryResolver(root, max_file_bytes=1 << 20)
    )
    assert result.failed and result.nodes == ()
    assert codes(result).count("ref.escape") == 3
    assert all("stolen" not in i.message for i in result.issues)


def test_symlinked_ref_leaving_the_tree_is_refused(write_tree: WriteTree, tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("get: {operationId: stolen}\n")
    root = write_tree({"spec.yaml": "x: 1\n"})
    (root / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    text = "openapi: 3.0.0\ninfo: {title: S, version: '1'}\npaths:\n  /a: {$ref: link.yaml}\n"
    result = openapi.parse(
        text, origin="spec.yaml", resolver=DirectoryResolver(root, max_file_bytes=1 << 20)
    )
    assert "ref.escape" in codes(result) and result.failed


def test_missing_and_cyclic_refs_are_warnings() -> None:
    text = dedent("""
        openapi: 3.0.0
        info: {title: C, version: '1'}
        paths:
          /a: {$ref: '#/x-loop/one'}
          /b: {$ref: 'nowhere.yaml'}
          /c: {$ref: '#/does/not/exist'}
        x-loop:
          one: {$ref: '#/x-loop/two'}
          two: {$ref: '#/x-loop/one'}
    """)
    result = openapi.parse(text, origin="c.yaml", resolver=MappingResolver({}), provided=True)
    assert not result.failed
    assert sorted(codes(result)) == ["ref.cycle", "ref.missing", "ref.unresolved"]


def test_slug_rules() -> None:
    def slug(title: str, version: str) -> str:
        text = json.dumps({"openapi": "3.0.0", "info": {"title": title, "version": version}})
        result = openapi.parse(text, origin="s.json", provided=True)
        return result.described[0]

    assert slug("Payments API", "2.3.0") == "api:payments-api-v2"
    assert slug("Payments API v2", "2.0") == "api:payments-api-v2"
    assert slug("Payments API", "1.9") == "api:payments-api"
    assert slug("Stripe API", "2023-08-16") == "api:stripe-api"
    assert slug("Swagger Petstore - OpenAPI 3.0", "1.0.27") == "api:swagger-petstore-openapi-3.0"


def test_not_openapi_and_bad_versions() -> None:
    assert openapi.parse("openapi: 4.0.0\ninfo: {title: x}\n", origin="x").failed
    assert openapi.parse("swagger: '1.2'\n", origin="x").failed
    assert openapi.parse("a: 1\n", origin="x").errors[0].code == "openapi.not-openapi"
    bad = openapi.parse("openapi: 3.0.0\ninfo: [\n", origin="x")
    assert bad.failed and bad.errors[0].code == "document.syntax"


def test_wrong_types_do_not_crash() -> None:
    text = dedent("""
        openapi: 3.0.0
        info: 12
        paths:
          /a: [1, 2]
          /b: {get: "text", post: {operationId: [1], tags: {a: 1}, summary: 5, security: 3}}
          7: {get: {}}
        components: {securitySchemes: [1]}
        servers: {url: x}
    """)
    result = openapi.parse(text, origin="w.yaml", provided=True)
    assert not result.failed
    ops = props(result, "api:w")["operations"]
    assert [(o["method"], o["path"]) for o in ops] == [("get", "/b"), ("post", "/b"), ("get", "7")]
    assert "openapi.path" in codes(result) and "spec.no-title" in codes(result)
