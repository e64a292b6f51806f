"""Kubernetes workloads to components; Services their environment names to dependencies.

Each Deployment, StatefulSet, DaemonSet (type service), CronJob or Job (type
job) is a component. A Service maps its DNS name to the workloads its
selector matches, across every Kubernetes file of a scan (:func:`index_services`).
An ``env[].value`` naming a Service (URL, ``host:port``, bare name, or
``name.ns.svc.cluster.local``) is ``DEPENDS_ON`` each workload behind it:
hard, soft for telemetry variables. The table is in ``docs/scanners.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanners.documents import LineIndex
from scanners.portals.addresses import host_of, is_telemetry, service_name
from scanners.resolve import Resolver
from scanners.result import ReadFile, ScanResult, parser
from scanners.specs import text_of
from schemas.edges import EdgeType
from schemas.refs import Kind, slugify

__all__ = [
    "SCANNER",
    "ServiceIndex",
    "index_services",
    "is_kubernetes",
    "looks_like_kubernetes",
    "parse",
    "scan_documents",
]

SCANNER = "kubernetes"

WORKLOADS = {
    "Deployment": "service",
    "StatefulSet": "service",
    "DaemonSet": "service",
    "CronJob": "job",
    "Job": "job",
}
_READ = frozenset({*WORKLOADS, "Service"})
_KIND_RE = re.compile(
    r"^kind:[ \t]*[\"']?(?:Deployment|StatefulSet|DaemonSet|CronJob|Job|Service)[\"']?[ \t]*$",
    re.MULTILINE,
)
_API_RE = re.compile(r"^apiVersion:[ \t]*[\"']?(?:[a-z0-9.]+/)?v\d", re.MULTILINE)


def looks_like_kubernetes(text: str) -> bool:
    """Whether raw text may hold a Kubernetes workload or Service."""
    return bool(_KIND_RE.search(text) and _API_RE.search(text))


def _objects(docs: Iterable[Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, doc in enumerate(docs):
        if (
            isinstance(doc, dict)
            and isinstance(doc.get("apiVersion"), str)
            and isinstance(doc.get("kind"), str)
            and isinstance(doc.get("metadata"), dict)
            and text_of(doc["metadata"].get("name"))
        ):
            yield i, doc


def is_kubernetes(docs: list[Any]) -> bool:
    """Whether parsed documents hold a Kubernetes workload or Service."""
    return any(doc["kind"] in _READ for _, doc in _objects(docs))


def _template(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    spec: Any = doc.get("spec")
    if doc.get("kind") == "CronJob" and isinstance(spec, dict):
        job = spec.get("jobTemplate")
        spec = job.get("spec") if isinstance(job, dict) else None
    template = spec.get("template") if isinstance(spec, dict) else None
    return template if isinstance(template, dict) else {}


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, (str, int, float, bool))}


@dataclass
class ServiceIndex:
    """Service DNS name → the workload slugs behind it, over a whole scan."""

    services: dict[str, list[str]] = field(default_factory=dict)
    workloads: set[str] = field(default_factory=set)

    def targets(self, host: str) -> list[str]:
        name = slugify(service_name(host))
        if name in self.services:
            return self.services[name]
        return [name] if name in self.workloads else []


def index_services(files: Iterable[ReadFile]) -> ServiceIndex:
    """Map every Service of the scan to the workloads its selector matches."""
    workloads: list[tuple[str, dict[str, str]]] = []
    selectors: list[tuple[str, dict[str, str]]] = []
    for file in files:
        for _, doc in _objects(file.docs):
            name = slugify(str(doc["metadata"]["name"]))
            if doc["kind"] in WORKLOADS and name:
                metadata = _template(doc).get("metadata")
                labels = _labels(metadata.get("labels") if isinstance(metadata, dict) else None)
                workloads.append((name, labels))
            elif doc["kind"] == "Service" and name:
                spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
                selectors.append((name, _labels(spec.get("selector") if spec else None)))
    index = ServiceIndex(workloads={w for w, _ in workloads})
    for name, selector in selectors:
        matched = [
            w
            for w, labels in workloads
            if selector and all(labels.get(k) == v for k, v in selector.items())
        ]
        found = matched or ([name] if name in index.workloads else [])
        index.services[name] = list(dict.fromkeys(index.services.get(name, []) + found))
    return index


def _env(template: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """``(variable, value, pointer)`` of every literal env value in a pod template."""
    spec = template.get("spec") if isinstance(template.get("spec"), dict) else {}
    for group in ("initContainers", "containers"):
        containers = spec.get(group) if spec else None
        for c, container in enumerate(containers if isinstance(containers, list) else []):
            env = container.get("env") if isinstance(container, dict) else None
            for e, item in enumerate(env if isinstance(env, list) else []):
                if not isinstance(item, dict):
                    continue
                name, value = text_of(item.get("name")), text_of(item.get("value"), 4096)
                if name and value:
                    yield name, value, f"/spec/template/spec/{group}/{c}/env/{e}"


def scan_documents(
    file: ReadFile, *, resolver: Resolver | None = None, index: ServiceIndex | None = None
) -> ScanResult:
    """Scan one Kubernetes file; *index* holds the Services of the whole scan."""
    del resolver  # manifests refer to each other by name, through *index*
    b = file.builder(SCANNER)
    lines = LineIndex(file.text, file.docs)
    if not is_kubernetes(file.docs):
        b.error("kubernetes.not-kubernetes", "no workload or Service in the file")
        return b.build()
    services = index if index is not None else index_services([file])
    ignored: list[str] = []
    for i, doc in _objects(file.docs):
        kind = doc["kind"]
        if kind == "Service":
            continue
        if kind not in WORKLOADS:
            ignored.append(f"{kind} {doc['metadata']['name']}")
            continue
        b.set_line_lookup(lines.lookup(i))
        slug = slugify(str(doc["metadata"]["name"]))
        fields: dict[str, Any] = {"type": WORKLOADS[kind], "name": str(doc["metadata"]["name"])}
        namespace = text_of(doc["metadata"].get("namespace"))
        if namespace:
            fields["tags"] = [f"namespace:{namespace}"]
        ref = b.element(Kind.COMPONENT, slug, fields, pointer="/metadata/name") if slug else None
        if ref is None:
            continue
        strengths: dict[str, str] = {}
        for variable, value, _ in _env(_template(doc)):
            host = host_of(value)
            for target in services.targets(host) if host else []:
                strength = "soft" if is_telemetry(variable) else "hard"
                if strengths.get(target) != "hard":
                    strengths[target] = strength
        for target, strength in strengths.items():
            other = f"component:{target}"
            if other != ref:
                b.edge(ref, EdgeType.DEPENDS_ON, other, {"strength": strength})
                b.count("dependencies")
    if ignored:
        b.set_line_lookup(None)
        shown = ", ".join(ignored[:20]) + (" ..." if len(ignored) > 20 else "")
        b.info("kubernetes.ignored", f"not read: {shown}")
    return b.build()


parse = parser(SCANNER, scan_documents)
