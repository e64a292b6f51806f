"""Real-world inputs from ``../shared/corpus`` (or ``ARCHGRAPH_CORPUS_DIR``).

Each test counts what it expects with a small walk of its own over the raw
file, independent of the scanners, and compares. The tests skip, with the
reason, when the corpus is absent, except under ``CI=true``, where a missing
corpus is a failure.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.scan_service import load_scan
from graph.storage import SQLiteStore
from scanners import DirectoryScan, ScanResult, openapi, scan_directory
from scanners.resolve import DirectoryResolver

pytestmark = pytest.mark.corpus

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _corpus() -> Path:
    configured = os.environ.get("ARCHGRAPH_CORPUS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def corpus_dir(name: str) -> Path:
    """The corpus sub-folder *name*, or skip (fail under CI) when it is absent."""
    path = _corpus() / name
    if not path.is_dir():
        reason = f"corpus folder {path} is absent (set ARCHGRAPH_CORPUS_DIR)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _operations(doc: dict[str, Any]) -> set[tuple[str, str, bool]]:
    """(method, path, deprecated) of every operation under ``paths`` and ``webhooks``.

    The independent count; webhooks are named ``webhook:<name>`` as the scanner does.
    """
    items = [
        *doc.get("paths", {}).items(),
        *((f"webhook:{name}", item) for name, item in doc.get("webhooks", {}).items()),
    ]
    return {
        (method, path, bool(op.get("deprecated")))
        for path, item in items
        if isinstance(item, dict)
        for method, op in item.items()
        if method in METHODS
    }


def _api(result: ScanResult) -> dict[str, Any]:
    (ref,) = [r for r in result.described if r.startswith("api:")]
    node = result.node(ref)
    assert node is not None
    return dict(node.properties)


def _scanned_ops(result: ScanResult) -> set[tuple[str, str, bool]]:
    return {(o["method"], o["path"], o["deprecated"]) for o in _api(result)["operations"]}


@pytest.fixture(scope="module")
def openapi_scan() -> Iterator[tuple[Path, DirectoryScan, dict[str, float]]]:
    root = corpus_dir("openapi")
    started = time.perf_counter()
    scan = scan_directory(root)
    yield root, scan, {"total": time.perf_counter() - started}


def _result(scan: DirectoryScan, path: str) -> ScanResult:
    return next(r for r in scan.results if r.origin == path)


# ------------------------------------------------------------------- OpenAPI


def test_every_openapi_file_is_scanned_or_explained(
    openapi_scan: tuple[Path, DirectoryScan, dict[str, float]],
) -> None:
    root, scan, _ = openapi_scan
    assert not scan.failed, [str(i) for r in scan.results for i in r.errors]
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    accounted = {r.origin for r in scan.results} | {s.path for s in scan.skipped}
    assert set(files) <= accounted
    specs = [
        f
        for f in files
        if (doc := _load(root / f))
        and isinstance(doc, dict)
        and ("openapi" in doc or "swagger" in doc)
    ]
    assert sorted(r.origin for r in scan.results) == specs
    for result in scan.results:
        assert _scanned_ops(result) == _operations(_load(root / result.origin)), result.origin


@pytest.mark.parametrize(
    ("path", "operations", "deprecated"),
    [
        ("github-ghes-3.0/generated/ghes-3.0.json", 684, 49),
        ("stripe/spec3.yaml", None, None),
        ("swagger-petstore/src/main/resources/openapi.yaml", 19, 0),
        ("redocly-museum/openapi.yaml", None, None),
    ],
)
def test_large_specs_counts(
    openapi_scan: tuple[Path, DirectoryScan, dict[str, float]],
    path: str,
    operations: int | None,
    deprecated: int | None,
) -> None:
    root, scan, _ = openapi_scan
    expected = _operations(_load(root / path))
    if operations is not None:
        assert len(expected) == operations
        assert sum(d for *_, d in expected) == deprecated
    result = _result(scan, path)
    assert _scanned_ops(result) == expected
    assert result.stats["operations"] == len(expected)
    assert result.stats["deprecated_operations"] == sum(d for *_, d in expected)


def test_stripe_facts(openapi_scan: tuple[Path, DirectoryScan, dict[str, float]]) -> None:
    _, scan, _ = openapi_scan
    api = _api(_result(scan, "stripe/spec3.yaml"))
    assert api["name"] == "Stripe API" and api["servers"] == ["https://api.stripe.com/"]
    assert {s["name"]: s.get("scheme") for s in api["security_schemes"]} == {
        "basicAuth": "basic",
        "bearerAuth": "bearer",
    }
    ops = {(o["method"], o["path"]): o for o in api["operations"]}
    assert ops[("post", "/v1/charges")]["operation_id"] == "PostCharges"
    assert ops[("post", "/v1/charges")]["security"] == ["basicAuth", "bearerAuth"]
    assert {k for k, o in ops.items() if o["deprecated"]} == {
        ("get", "/v1/customers/{customer}/bank_accounts"),
        ("get", "/v1/customers/{customer}/bank_accounts/{id}"),
        ("get", "/v1/customers/{customer}/cards"),
        ("get", "/v1/customers/{customer}/cards/{id}"),
    }


def test_github_facts(openapi_scan: tuple[Path, DirectoryScan, dict[str, float]]) -> None:
    _, scan, _ = openapi_scan
    result = _result(scan, "github-ghes-3.0/generated/ghes-3.0.json")
    ops = {(o["method"], o["path"]): o for o in _api(result)["operations"]}
    pulls = ops[("get", "/repos/{owner}/{repo}/pulls")]
    assert pulls["operation_id"] == "pulls/list" and pulls["tags"] == ["pulls"]
    assert ops[("delete", "/applications/grants/{grant_id}")]["deprecated"] is True
    assert result.stats["refs"] > 3000


def test_big_specs_scan_on_their_own(
    openapi_scan: tuple[Path, DirectoryScan, dict[str, float]],
) -> None:
    """The big specs parse alone as in the directory scan (their timing is in
    docs/scanners.md, measured, not asserted: the test machine is shared)."""
    root, scan, _ = openapi_scan

    for path in ("stripe/spec3.yaml", "github-ghes-3.0/generated/ghes-3.0.json"):
        text = (root / path).read_text()
        result = openapi.parse(
            text, origin=path, resolver=DirectoryResolver(root, max_file_bytes=16 << 20)
        )
        assert not result.failed
        assert _api(result)["operations"] == _api(_result(scan, path))["operations"]


def test_multi_file_swagger_resolves_every_ref(
    openapi_scan: tuple[Path, DirectoryScan, dict[str, float]],
) -> None:
    _, scan, _ = openapi_scan
    result = _result(scan, "oai-examples/examples/v2.0/json/petstore-separate/spec/swagger.json")
    assert not [i for i in result.issues if i.code.startswith("ref.")]
    assert {o["operation_id"] for o in _api(result)["operations"]} == {
        "findPets",
        "addPet",
        "find pet by id",
        "deletePet",
    }  # sic, in the corpus
    skipped = {s.path for s in scan.skipped}
    assert "oai-examples/examples/v2.0/json/petstore-separate/spec/Pet.json" in skipped


def test_webhooks_and_security(openapi_scan: tuple[Path, DirectoryScan, dict[str, float]]) -> None:
    _, scan, _ = openapi_scan
    hooks = _api(_result(scan, "oai-examples/examples/v3.1/webhook-example.yaml"))
    assert [(o["method"], o["path"]) for o in hooks["operations"]] == [("post", "webhook:newPet")]
    petstore = _api(_result(scan, "swagger-petstore/src/main/resources/openapi.yaml"))
    assert {s["name"]: s["type"] for s in petstore["security_schemes"]} == {
        "petstore_auth": "oauth2",
        "api_key": "apiKey",
    }
    museum = _api(_result(scan, "redocly-museum/openapi.yaml"))
    assert museum["security_schemes"] == [
        {"name": "MuseumPlaceholderAuth", "type": "http", "scheme": "basic"}
    ]


# ------------------------------------------------------------------ AsyncAPI


def _flows(result: ScanResult) -> set[tuple[str, str]]:
    return {(o["method"], o["path"]) for o in _api(result)["operations"]}


def test_asyncapi_corpus() -> None:
    root = corpus_dir("asyncapi")
    scan = scan_directory(root)
    assert not scan.failed
    docs = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*.y*ml")
        if isinstance(d := _load(p), dict) and "asyncapi" in d
    )
    assert sorted(r.origin for r in scan.results) == docs
    assert all(
        not [i for i in r.issues if i.code in ("ref.missing", "ref.unresolved")]
        for r in scan.results
    )
    v2 = "asyncapi-v2.6-examples/examples/"
    v3 = "asyncapi-v3.1-examples/examples/"
    # the same applications described in 2.6 (publish/subscribe) and 3.1 (send/receive)
    for a, b in [
        ("streetlights-mqtt.yml", "streetlights-mqtt-asyncapi.yml"),
        ("social-media/backend/asyncapi.yaml", "social-media/backend/asyncapi.yaml"),
        (
            "social-media/comments-service/asyncapi.yaml",
            "social-media/comments-service/asyncapi.yaml",
        ),
        ("rpc-server.yml", "rpc-server-asyncapi.yml"),
    ]:
        assert _flows(_result(scan, v2 + a)) == _flows(_result(scan, v3 + b)), a
    comments = _flows(_result(scan, v3 + "social-media/comments-service/asyncapi.yaml"))
    assert comments == {("receive", "comment/liked"), ("send", "comment/{commentId}/changed")}
    # 2.x: independent count of publish/subscribe operations
    for result in scan.results:
        doc = _load(root / result.origin)
        if str(doc["asyncapi"]).startswith("2."):
            expected = sum(
                k in ("publish", "subscribe")
                for item in doc.get("channels", {}).values()
                for k in item
            )
        else:
            expected = len(doc.get("operations", {}))
        assert result.stats["operations"] == expected, result.origin
    adeo = _result(scan, v3 + "adeo-kafka-request-reply-asyncapi.yml")
    assert [i.code for i in adeo.issues].count("ref.remote") == 2


# ----------------------------------------------------------------- Backstage

RELATION_FIELDS = (
    "owner",
    "system",
    "domain",
    "subcomponentOf",
    "dependsOn",
    "dependencyOf",
    "providesApis",
    "consumesApis",
    "memberOf",
    "parent",
    "children",
    "subdomainOf",
    "apiConsumedBy",
    "apiProvidedBy",
)


def test_backstage_acme_examples() -> None:
    root = corpus_dir("backstage/backstage-acme-examples")
    scan = scan_directory(root)
    assert not scan.failed
    entities = relations = 0
    for path in root.rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith("backstage"):
                entities += 1
                for name in RELATION_FIELDS:
                    value = (doc.get("spec") or {}).get(name)
                    relations += len(value) if isinstance(value, list) else value is not None
    assert (entities, relations) == (61, 81)  # as the corpus README says
    stats: dict[str, int] = {}
    for result in scan.results:
        for key, value in result.stats.items():
            stats[key] = stats.get(key, 0) + value
    assert stats["entities"] == 61 and stats["relations"] == 81
    accounted = sum(
        stats.get(f"relations.{k}", 0) for k in ("edge", "property", "unmapped", "invalid")
    )
    assert accounted == 81  # every relation is an edge, a property, a note or a warning
    kinds = {k.split(".")[1] for k in stats if k.startswith("entities.")}
    assert kinds == {
        "api",
        "component",
        "domain",
        "group",
        "location",
        "resource",
        "system",
        "user",
    }

    store = SQLiteStore(":memory:")
    report = load_scan(store, scan)
    assert not report.failed
    edges = {e.key for e in store.iter_edges()}
    assert {
        ("component:wayback-search", "CONSUMES", "api:wayback-archive"),
        ("component:petstore", "PROVIDES", "api:petstore"),
        ("component:petstore", "PROVIDES", "api:streetlights"),
        ("component:petstore", "PROVIDES", "api:hello-world"),
        ("component:wayback-archive-ingestion", "PART_OF", "component:wayback-archive"),
        ("component:artist-lookup", "DEPENDS_ON", "component:artists-db"),
        ("component:artist-lookup", "PART_OF", "product:artist-engagement-portal"),
        ("team:team-c", "OWNS", "api:petstore"),
    } <= edges
    portal = store.get_node("product:artist-engagement-portal")
    assert portal is not None and portal.properties["domain"] == "artists"
    hello = store.get_node("api:hello-world")
    assert hello is not None and hello.properties["type"] == "grpc"
    assert hello.properties["lifecycle"] == "deprecated"
    petstore = store.get_node("api:petstore")
    expected = _operations(_load(root / "examples/apis/petstore.oas.yaml"))
    assert petstore is not None
    assert {
        (o["method"], o["path"], o["deprecated"]) for o in petstore.properties["operations"]
    } == expected
    assert {s.path for s in scan.skipped} >= {"examples/apis/petstore.oas.yaml"}
    again = load_scan(store, scan_directory(root))
    assert {s.status for s in again.sources} == {"unchanged"}
    store.close()


def test_whole_corpus_loads_twice_identically() -> None:
    root = corpus_dir("")
    store = SQLiteStore(":memory:")
    scans = [scan_directory(root / name) for name in ("openapi", "asyncapi", "backstage")]
    for scan in scans:
        assert not load_scan(store, scan).failed
    version = store.version()
    for scan in scans:
        report = load_scan(store, scan)
        assert {s.status for s in report.sources} == {"unchanged"}
    assert store.version() == version
    store.close()
