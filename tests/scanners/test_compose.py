"""docker compose: the project as a product, services as components, their dependencies."""

from __future__ import annotations

import pytest

from scanners import ScanResult, scan_directory
from scanners.portals import compose

from .conftest import WriteTree, codes, deps, props
from .test_corpus import corpus_dir

VOTING = "manifests/compose-dockersamples-example-voting-app"
ROBOT_SHOP = "manifests/compose-instana-robot-shop"
PETCLINIC = "manifests/compose-spring-petclinic-spring-petclinic-microservices"
OTEL_DEMO = "manifests/opentelemetry-demo"


# Each expectation below was read by hand from the files.
@pytest.mark.corpus
def test_corpus_voting_app() -> None:
    scan = scan_directory(corpus_dir(VOTING))
    [result] = scan.results
    assert result.scanner == "compose" and not result.issues
    product = "compose-dockersamples-example-voting-app"  # no name: its directory
    components = {n.ref for n in result.nodes if n.ref.startswith("component:")}
    assert components == {
        f"component:{s}" for s in ("vote", "result", "worker", "redis", "db", "seed")
    }
    assert all(props(result, ref)["product"] == product for ref in components)
    assert props(result, "component:seed")["tags"] == ["profile:seed"]
    assert deps(result) == {
        ("vote", "redis", "hard"),
        ("result", "db", "hard"),
        ("worker", "redis", "hard"),
        ("worker", "db", "hard"),
        ("seed", "vote", "hard"),
    }


@pytest.mark.corpus
def test_corpus_robot_shop_and_its_load_overlay() -> None:
    scan = scan_directory(corpus_dir(ROBOT_SHOP))
    assert not scan.failed
    main = next(r for r in scan.results if r.origin == "docker-compose.yaml")
    load = next(r for r in scan.results if r.origin == "docker-compose-load.yaml")
    assert len([n for n in main.described if n.startswith("component:")]) == 12
    assert len(deps(main)) == 12
    assert {("web", t, "hard") for t in ("catalogue", "user", "cart", "shipping", "payment")} - {
        ("web", "cart", "hard")
    } <= deps(main)
    assert ("user", "mongodb", "hard") in deps(main) and ("user", "redis", "hard") in deps(main)
    assert deps(load) == {("load", "web", "hard")}  # depends_on and HOST: http://web:8080
    assert props(load, "component:load")["product"] == "compose-instana-robot-shop"


@pytest.mark.corpus
def test_corpus_petclinic_long_form_depends_on() -> None:
    [result] = scan_directory(corpus_dir(PETCLINIC)).results
    found = deps(result)
    assert len(found) == 13 and {s for _, _, s in found} == {"hard"}
    assert ("discovery-server", "config-server", "hard") in found
    assert ("api-gateway", "discovery-server", "hard") in found
    loners = {"tracing-server", "grafana-server", "prometheus-server"}
    assert not {edge for edge in found if edge[0] in loners or edge[1] in loners}


@pytest.mark.corpus
def test_corpus_opentelemetry_demo_addresses_come_from_dot_env() -> None:
    scan = scan_directory(corpus_dir(OTEL_DEMO))
    main = next(r for r in scan.results if r.origin == "compose.yaml")
    found = deps(main)
    # CART_ADDR=cart:${CART_PORT} in .env, listed bare under checkout's environment
    assert ("checkout", "cart", "hard") in found
    # SHIPPING_ADDR=http://shipping:${SHIPPING_PORT}; frontend does not depends_on it
    assert ("frontend", "shipping", "hard") in found
    # OTEL_COLLECTOR_HOST=otel-collector: telemetry, and not in its depends_on
    assert ("frontend-proxy", "otel-collector", "soft") in found


def scan_one(write_tree: WriteTree, text: str, name: str = "shop/compose.yaml") -> ScanResult:
    [result] = scan_directory(write_tree({name: text})).results
    return result


def test_depends_on_forms_links_and_required_false(write_tree: WriteTree) -> None:
    result = scan_one(
        write_tree,
        """
        services:
          api:
            depends_on: [db]
            links: ["cache:c"]
          worker:
            depends_on:
              db: {condition: service_healthy}
              mail: {condition: service_started, required: false}
              worker: {}
          db: {image: postgres}
          cache:
          mail: {}
        """,
    )
    assert deps(result) == {
        ("api", "db", "hard"),
        ("api", "cache", "hard"),
        ("worker", "db", "hard"),
        ("worker", "mail", "soft"),
    }
    assert props(result, "component:db")["product"] == "shop"
    assert ("component:api", "PART_OF", "product:shop") in result.edge_keys()


def test_environment_addresses_in_both_forms(write_tree: WriteTree) -> None:
    result = scan_one(
        write_tree,
        """
        name: Web Shop
        services:
          front:
            environment:
              API_URL: http://api:8080/v1
              CACHE: cache-box:6379
              DB_HOST: db
              SELF: http://front:80
              NOT_A_HOST: hello world
              TRACES: http://collector:4317
              PORT: 8080
          back:
            environment:
              - QUEUE=amqp://user:pw@queue:5672
              - OTEL_EXPORTER_OTLP_ENDPOINT=collector:4317
              - UNRELATED=https://example.com
          api: {}
          db: {}
          redis: {container_name: cache-box}
          rabbit: {hostname: queue}
          collector: {}
        """,
    )
    assert deps(result) == {
        ("front", "api", "hard"),
        ("front", "redis", "hard"),
        ("front", "db", "hard"),
        ("front", "collector", "soft"),  # TRACES: a telemetry variable
        ("back", "rabbit", "hard"),
        ("back", "collector", "soft"),
    }
    assert props(result, "component:api")["product"] == "web-shop"  # the top-level name


def test_depends_on_keeps_its_strength_over_a_telemetry_address(write_tree: WriteTree) -> None:
    result = scan_one(
        write_tree,
        """
        services:
          app:
            depends_on: [collector]
            environment: {OTEL_ENDPOINT: "http://collector:4317"}
          collector: {}
        """,
    )
    assert deps(result) == {("app", "collector", "hard")}


def test_dot_env_fills_in_variables_and_defaults(write_tree: WriteTree) -> None:
    write_tree({"shop/.env": "# comment\nCART_ADDR=cart:7070\nHOST=pay\nexport Q='queue'\n"})
    result = scan_one(
        write_tree,
        """
        services:
          front:
            environment:
              - CART_ADDR
              - PAY=http://${HOST}:${PORT:-80}
              - MAIL=${MAIL_HOST:-mail}:25
              - Q_HOST=$Q
              - MISSING
              - UNSET=http://${NOPE}:1
          cart: {}
          pay: {}
          mail: {}
          queue: {}
        """,
    )
    assert deps(result) == {
        ("front", "cart", "hard"),
        ("front", "pay", "hard"),
        ("front", "mail", "hard"),
        ("front", "queue", "hard"),
    }


def test_extends_is_noted_and_profiles_are_tags(write_tree: WriteTree) -> None:
    result = scan_one(
        write_tree,
        """
        services:
          base: {image: x}
          job:
            extends: {service: base}
            profiles: [batch, nightly]
        """,
    )
    assert codes(result) == ["compose.extends"]
    assert props(result, "component:job")["tags"] == ["profile:batch", "profile:nightly"]
    assert not deps(result)


def test_detected_by_name_and_content(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "a/docker-compose.override.yml": "services:\n  x: {}\n",
            "b/compose.yaml": "version: '3'\nvolumes: {}\n",  # no services
            "c/stack.yaml": "services:\n  y: {}\n",  # not a compose file name
        }
    )
    scan = scan_directory(root)
    assert [r.origin for r in scan.results] == ["a/docker-compose.override.yml"]
    assert {s.path for s in scan.skipped} == {"b/compose.yaml", "c/stack.yaml"}


def test_not_compose_and_hostile_input(write_tree: WriteTree) -> None:
    result = compose.parse("services: [a, b]\n", origin="compose.yaml")
    assert codes(result) == ["compose.not-compose"]
    deep = "services:\n  a:\n    environment: " + "[" * 300 + "]" * 300 + "\n"
    root = write_tree({"compose.yaml": deep, "x/compose.yml": "services: {a: {}}\nservices: {}\n"})
    results = {r.origin: codes(r) for r in scan_directory(root).results}
    assert results == {
        "compose.yaml": ["document.too-deep"],
        "x/compose.yml": ["document.duplicate-key"],
    }
