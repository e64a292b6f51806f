"""Kubernetes workloads: components, and the Services their environment names."""

from __future__ import annotations

import pytest

from scanners import scan_directory
from scanners.portals import kubernetes

from .conftest import WriteTree, codes, deps, props
from .test_corpus import corpus_dir

BOUTIQUE = "manifests/online-boutique"


# Each expectation below was read by hand from the files.
@pytest.mark.corpus
def test_corpus_online_boutique_addresses_become_dependencies() -> None:
    scan = scan_directory(corpus_dir(BOUTIQUE))
    assert not scan.failed
    by_path = {r.origin: r for r in scan.results}
    checkout = by_path["kubernetes-manifests/checkoutservice.yaml"]
    assert deps(checkout) == {
        ("checkoutservice", t, "hard")
        for t in (
            "productcatalogservice",
            "shippingservice",
            "paymentservice",
            "emailservice",
            "currencyservice",
            "cartservice",
        )
    }
    # cartservice.yaml holds the redis-cart Deployment too: REDIS_ADDR "redis-cart:6379"
    assert deps(by_path["kubernetes-manifests/cartservice.yaml"]) == {
        ("cartservice", "redis-cart", "hard")
    }
    # SHOPPING_ASSISTANT_SERVICE_ADDR points at the optional service, deployed in kustomize/
    frontend = deps(by_path["kubernetes-manifests/frontend.yaml"])
    assert ("frontend", "shoppingassistantservice", "hard") in frontend and len(frontend) == 8
    assert deps(by_path["kubernetes-manifests/loadgenerator.yaml"]) == {
        ("loadgenerator", "frontend", "hard")
    }
    assert props(checkout, "component:checkoutservice")["type"] == "service"
    assert codes(checkout) == ["kubernetes.ignored"]  # the ServiceAccount
    skipped = {s.path: s.code for s in scan.skipped}
    assert skipped["release/istio-manifests.yaml"] == "skip.foreign-format"


MANIFESTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web-pod}}
    spec:
      initContainers:
        - name: wait
          env: [{name: DB, value: "db.shop.svc.cluster.local:5432"}]
      containers:
        - name: web
          env:
            - {name: CART_URL, value: "http://carts:7070/api"}
            - {name: PRICE, value: "pricing.shop"}
            - {name: OTEL_EXPORTER_OTLP_ENDPOINT, value: "collector:4317"}
            - {name: EXTERNAL, value: "https://api.stripe.com"}
            - {name: SELF, value: "web-svc:80"}
            - {name: SECRET, valueFrom: {secretKeyRef: {name: s, key: k}}}
---
apiVersion: v1
kind: Service
metadata: {name: web-svc}
spec: {selector: {app: web-pod}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
"""

BACKENDS = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec: {template: {metadata: {labels: {app: db}}}}
---
apiVersion: v1
kind: Service
metadata: {name: carts}
spec: {selector: {app: cart, tier: backend}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart-v1}
spec: {template: {metadata: {labels: {app: cart, tier: backend, v: "1"}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart-v2}
spec: {template: {metadata: {labels: {app: cart, tier: backend, v: "2"}}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: collector}
spec: {template: {metadata: {labels: {app: otel}}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: pricing}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: p, env: [{name: DB_HOST, value: db}]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
"""


def test_services_map_names_to_workloads_across_files(write_tree: WriteTree) -> None:
    root = write_tree({"k8s/web.yaml": MANIFESTS, "k8s/backends.yml": BACKENDS})
    scan = scan_directory(root)
    web = next(r for r in scan.results if r.origin == "k8s/web.yaml")
    backends = next(r for r in scan.results if r.origin == "k8s/backends.yml")
    assert deps(web) == {
        ("web", "db", "hard"),  # DNS name of a Service-less StatefulSet, from an init container
        ("web", "cart-v1", "hard"),  # the carts Service selects both versions
        ("web", "cart-v2", "hard"),
        ("web", "pricing", "hard"),  # name.namespace
        ("web", "collector", "soft"),  # a telemetry variable
    }
    assert props(web, "component:web")["tags"] == ["namespace:shop"]
    assert codes(web) == ["kubernetes.ignored"] and "ConfigMap settings" in web.issues[0].message
    assert deps(backends) == {("pricing", "db", "hard")}  # a CronJob's job template
    assert props(backends, "component:pricing")["type"] == "job"
    assert props(backends, "component:migrate")["type"] == "job"
    assert props(backends, "component:collector")["type"] == "service"
    assert not any(n.ref.startswith("component:carts") for r in scan.results for n in r.nodes)


def test_a_file_without_workloads_stays_a_named_foreign_format(write_tree: WriteTree) -> None:
    root = write_tree({"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"})
    scan = scan_directory(root)
    assert not scan.results
    [skip] = scan.skipped
    assert skip.code == "skip.foreign-format" and "Kubernetes" in skip.reason


def test_parse_alone_and_hostile_input(write_tree: WriteTree) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    assert codes(kubernetes.parse(text, origin="a.yaml")) == ["kubernetes.not-kubernetes"]
    alone = kubernetes.parse(MANIFESTS, origin="web.yaml")
    assert deps(alone) == set()  # nothing else of the scan is known
    bad = "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nkind: Deployment\n"
    [result] = scan_directory(write_tree({"bad.yaml": bad})).results
    assert codes(result) == ["document.duplicate-key"]
