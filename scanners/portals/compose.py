"""docker compose files to a product (the project) and a component per service.

Rules (``docs/scanners.md``): the project (top-level ``name:``, else the
file's directory) is a product; each service a component of it;
``depends_on`` (list or map; ``required: false`` is soft) and ``links`` are
``DEPENDS_ON`` hard; an ``environment`` value that names another service of
the file (URL host, ``host:port``, bare name; also its ``container_name`` or
``hostname``) is ``DEPENDS_ON`` hard, soft for telemetry variables.
``${VAR}`` is filled in from the ``.env`` beside the file, read through the
resolver. ``extends`` is noted, not followed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scanners.documents import LineIndex
from scanners.portals.addresses import host_of, is_telemetry
from scanners.resolve import ResolveError, Resolver, join_relative
from scanners.result import ReadFile, ResultBuilder, ScanResult, parser
from scanners.specs import text_of
from schemas.edges import EdgeType
from schemas.refs import Kind, slugify

__all__ = ["SCANNER", "is_compose", "looks_like_compose", "parse", "scan_documents"]

SCANNER = "compose"

_NAME_RE = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$")
_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_ENV_LINE_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_MAX_ENV_BYTES = 1024 * 1024


def looks_like_compose(name: str) -> bool:
    """Whether a file called *name* may be a compose file."""
    return _NAME_RE.match(name.rsplit("/", 1)[-1].lower()) is not None


def is_compose(name: str, doc: Any) -> bool:
    """Whether a parsed document from a file called *name* is a compose file."""
    return (
        looks_like_compose(name)
        and isinstance(doc, dict)
        and isinstance(doc.get("services"), dict)
        and all(isinstance(v, dict) or v is None for v in doc["services"].values())
    )


def _dotenv(file: ReadFile, resolver: Resolver | None) -> dict[str, str]:
    """Variables of the ``.env`` beside the file (empty when there is none)."""
    if resolver is None:
        return {}
    try:
        text = resolver(join_relative(file.origin, ".env"))
    except (ResolveError, OSError, ValueError):
        return {}
    values: dict[str, str] = {}
    for line in text[:_MAX_ENV_BYTES].splitlines():
        match = _ENV_LINE_RE.match(line)
        if match and not line.lstrip().startswith("#"):
            values[match.group(1)] = match.group(2).strip("'\"")
    return values


def _interpolate(value: str, env: Mapping[str, str], depth: int = 0) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if name in env:
            return _interpolate(env[name], env, depth + 1) if depth < 5 else env[name]
        return match.group(2) if match.group(2) is not None else match.group(0)

    return _VAR_RE.sub(fill, value)


def _environment(raw: Any, env: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(name, value)`` pairs of a service's environment, list or map form."""
    pairs: list[tuple[str, str]] = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            text = text_of(value, 4096)
            if text is None and value is None:
                text = env.get(str(key))
            if text is not None:
                pairs.append((str(key), text))
    elif isinstance(raw, list):
        for item in raw:
            text = text_of(item, 4096)
            if text is None:
                continue
            key, eq, value = text.partition("=")
            if eq:
                pairs.append((key.strip(), value))
            elif key in env:
                pairs.append((key, env[key]))
    return [(k, _interpolate(v, env)) for k, v in pairs]


def _depends_on(raw: Any) -> list[tuple[str, str]]:
    """``(service, strength)`` from ``depends_on`` in list or map form."""
    if isinstance(raw, list):
        return [(t, "hard") for t in (text_of(x) for x in raw) if t]
    if isinstance(raw, dict):
        out = []
        for key, value in raw.items():
            soft = isinstance(value, dict) and value.get("required") is False
            if text_of(key):
                out.append((str(key), "soft" if soft else "hard"))
        return out
    return []


def _project(file: ReadFile, doc: Mapping[str, Any]) -> str | None:
    name = text_of(doc.get("name"))
    if name and slugify(name):
        return slugify(name)
    where = (file.source_id or file.origin).partition(":")[2] or file.origin
    parts = where.split("/")[:-1]
    return slugify(parts[-1]) if parts and slugify(parts[-1]) else None


def scan_documents(file: ReadFile, *, resolver: Resolver | None = None) -> ScanResult:
    """Scan one compose file that has already been read."""
    b = file.builder(SCANNER)
    b.set_line_lookup(LineIndex(file.text, file.docs).lookup())
    if len(file.docs) != 1 or not is_compose(file.origin, file.docs[0]):
        b.error("compose.not-compose", "expected a top-level services: mapping")
        return b.build()
    doc: dict[str, Any] = file.docs[0]
    services: dict[str, Any] = {str(k): v or {} for k, v in doc["services"].items()}
    product = _project(file, doc)
    env = _dotenv(file, resolver)
    names: dict[str, str] = {}
    for name, body in services.items():
        for alias in (name, text_of(body.get("container_name")), text_of(body.get("hostname"))):
            if alias:
                names.setdefault(alias.lower(), name)
    if product:
        b.element(Kind.PRODUCT, product, {}, pointer="/services")
    for name, body in services.items():
        _service(b, name, body, product, names, env)
    return b.build()


def _service(
    b: ResultBuilder,
    name: str,
    body: Mapping[str, Any],
    product: str | None,
    names: Mapping[str, str],
    env: Mapping[str, str],
) -> None:
    at = f"/services/{name}"
    slug = slugify(name)
    if not slug:
        b.warning("compose.service", f"service {name!r} has no usable name; skipped", pointer=at)
        return
    fields: dict[str, Any] = {"type": "service", "name": name}
    profiles = body.get("profiles")
    tags = [f"profile:{p}" for p in (text_of(x) for x in _list(profiles)) if p]
    if tags:
        fields["tags"] = tags
    if product:
        fields["product"] = product
    ref = b.element(Kind.COMPONENT, slug, fields, pointer=at)
    if ref is None:
        return
    if product:
        b.edge(ref, EdgeType.PART_OF, f"product:{product}", pointer=at)
    if "extends" in body:
        b.info("compose.extends", "extends is not followed", pointer=f"{at}/extends")
    deps: dict[str, str] = {}
    for target, strength in _depends_on(body.get("depends_on")):
        deps.setdefault(target, strength)
    for link in _list(body.get("links")):
        target = (text_of(link) or "").partition(":")[0]
        if target:
            deps.setdefault(target, "hard")
    for variable, value in _environment(body.get("environment"), env):
        host = host_of(value)
        called = names.get(host) if host else None
        if called and called != name:
            deps.setdefault(called, "soft" if is_telemetry(variable) else "hard")
    for target, strength in deps.items():
        other = f"component:{slugify(target)}"
        if other != ref and slugify(target):
            b.edge(ref, EdgeType.DEPENDS_ON, other, {"strength": strength}, pointer=at)
            b.count("dependencies")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


parse = parser(SCANNER, scan_documents)
