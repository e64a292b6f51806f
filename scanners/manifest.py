"""The native manifest, ``archgraph.yaml``: one or more elements written next to their code.

The format is specified by ``scanners/schemas/archgraph-manifest.schema.json``
(JSON Schema draft 2020-12) and documented in ``docs/manifest.md``. A file
may hold several YAML documents; each is validated on its own, and a schema
error anywhere fails the whole file (it is then not loaded, and what it
asserted before stays).

A component's ``provides`` lists spec files by path relative to the
manifest. The manifest asserts the PROVIDES edge (and, for AsyncAPI specs,
PUBLISHES with the channels the spec sends to; what it receives is joined
to the documents that send on those channels by :mod:`scanners.events`),
so the api ref it links to must be known: the directory scan passes the
summaries of the specs it scanned (*specs*); otherwise the spec is read
through *resolver* and described on the spot.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError as SchemaError

from scanners import asyncapi, openapi
from scanners.documents import (
    DocumentError,
    LineIndex,
    join_pointer,
    load_documents,
    pointer_to_field,
)
from scanners.resolve import ResolveError, Resolver, join_relative
from scanners.result import ReadFile, ResultBuilder, ScanResult, Severity, parser
from scanners.specs import SpecContext, SpecSummary, summarize_api
from schemas.edges import EdgeType
from schemas.refs import Kind

__all__ = ["API_VERSION", "SCANNER", "is_manifest", "manifest_schema", "parse", "scan_documents"]

SCANNER = "manifest"
API_VERSION = "archgraph/v1"
FILE_NAMES = frozenset({"archgraph.yaml", "archgraph.yml", ".archgraph.yaml", ".archgraph.yml"})

_KINDS = {
    "Component": Kind.COMPONENT,
    "Product": Kind.PRODUCT,
    "Team": Kind.TEAM,
    "Capability": Kind.CAPABILITY,
    "Technology": Kind.TECHNOLOGY,
}
# manifest key -> element field, per kind (keys not listed are handled as relations)
_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.COMPONENT: ("type", "platform", "lifecycle"),
    Kind.PRODUCT: ("tier", "lifecycle", "business_weight", "domain"),
    Kind.TEAM: ("contact",),
    Kind.CAPABILITY: ("synonyms",),
    Kind.TECHNOLOGY: ("category", "vendor"),
}


@cache
def manifest_schema() -> dict[str, Any]:
    """The manifest's JSON Schema (shipped as package data)."""
    text = resources.files("scanners").joinpath("schemas/archgraph-manifest.schema.json")
    data: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return data


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(manifest_schema())


def is_manifest(doc: Any, name: str = "") -> bool:
    """Whether a parsed document is (meant to be) an archgraph manifest."""
    if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith("archgraph"):
        return True
    return name.rsplit("/", 1)[-1] in FILE_NAMES


def scan_documents(
    file: ReadFile,
    *,
    resolver: Resolver | None = None,
    specs: Mapping[str, SpecSummary] | None = None,
) -> ScanResult:
    """Scan one file that has already been read into documents."""
    docs, origin = file.docs, file.origin
    builder = file.builder(SCANNER)
    lines = LineIndex(file.text, file.docs)
    if not docs:
        builder.error("manifest.empty", "the manifest is empty")
        return builder.build()
    valid: list[tuple[int, dict[str, Any]]] = []
    for index, doc in enumerate(docs):
        builder.set_line_lookup(lines.lookup(index))
        if _schema_errors(builder, doc, index, len(docs)) == 0:
            valid.append((index, doc))
    if builder.failed:
        return builder.build()
    scanner = _Manifest(builder, origin, resolver, specs or {})
    for index, doc in valid:
        builder.set_line_lookup(lines.lookup(index))
        scanner.element(doc)
    return builder.build()


# ------------------------------------------------------------------ schema


def _schema_errors(builder: ResultBuilder, doc: Any, index: int, count: int) -> int:
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    label = f"document {index + 1}: " if count > 1 else ""
    for error in errors:
        for pointer, message in _explain(error):
            builder.error(
                "manifest.schema",
                label + message,
                pointer=pointer,
                field=pointer_to_field(pointer),
            )
    return len(errors)


def _explain(error: SchemaError) -> list[tuple[str, str]]:
    """Turn one schema error into (pointer, message) pairs a person can act on.

    For ``oneOf`` alternatives (a string or an object), the alternative of
    the right type is the one the author meant; all of its errors are shown.
    """
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[SchemaError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)

        def rank(errs: list[SchemaError]) -> tuple[int, int, int]:
            at_root = [e.validator for e in errs if not e.relative_path]
            return ("type" in at_root, "required" in at_root, len(errs))

        branch = min(branches.values(), key=rank)
        return [pair for sub in branch for pair in _explain(sub)]
    pointer = join_pointer("", *error.absolute_path)
    field = pointer_to_field(pointer) or "the document"
    if error.validator in ("unevaluatedProperties", "additionalProperties") and isinstance(
        error.instance, dict
    ):
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = set(schema.get("properties", {}))
        extra = [str(k) for k in error.instance if str(k) not in allowed] or [""]
        if error.validator == "unevaluatedProperties":
            extra = _names_in(error.message) or extra
        return [(join_pointer(pointer, key), f"unknown field {key!r} in {field}") for key in extra]
    if error.validator == "required":
        return [(pointer, f"{field}: {error.message}")]
    path = list(error.absolute_path)
    if error.validator == "const" and path and path[-1] == "apiVersion":
        return [(pointer, f"apiVersion must be {API_VERSION!r}")]
    if error.validator == "not":
        return [
            (
                pointer,
                f"{field}: {error.instance!r} is an API reference; provide an API "
                "without a spec file as '- api: <slug>'",
            )
        ]
    if error.validator == "pattern":
        return [
            (
                pointer,
                f"{field}: {error.instance!r} is not a valid reference or slug "
                "(lower-case letters, digits, '.', '_', '-')",
            )
        ]
    return [(pointer, f"{field}: {error.message}")]


def _names_in(message: str) -> list[str]:
    match = re.search(r"\((.*)\) (?:was|were) unexpected", message)
    if not match:
        return []
    return re.findall(r"'([^']*)'", match.group(1))


# ---------------------------------------------------------------- elements


def _slug(value: str) -> str:
    """``component:ledger`` or ``ledger`` → ``ledger`` (the schema checked the form)."""
    return value.partition(":")[2] if ":" in value else value


class _Manifest:
    """Turns valid manifest documents into elements and edges."""

    def __init__(
        self,
        builder: ResultBuilder,
        origin: str,
        resolver: Resolver | None,
        specs: Mapping[str, SpecSummary],
    ) -> None:
        self.builder = builder
        self.origin = origin
        self.resolver = resolver
        self.specs = specs

    def element(self, doc: dict[str, Any]) -> None:
        kind = _KINDS[doc["kind"]]
        slug: str = doc["name"]
        fields: dict[str, Any] = {k: doc[k] for k in _FIELDS[kind] if k in doc}
        for key, target in (("title", "name"), ("description", "description"), ("tags", "tags")):
            if key in doc:
                fields[target] = doc[key]
        owner = doc.get("owner")
        if owner is not None:
            fields["owner"] = _slug(owner)
        if kind is Kind.COMPONENT:
            if "product" in doc:
                fields["product"] = _slug(doc["product"])
            fields["technologies"] = [_slug(t) for t in doc.get("technologies", [])]
            fields["capabilities"] = [_slug(c) for c in doc.get("capabilities", [])]
            fields = {k: v for k, v in fields.items() if v != []}
        ref = self.builder.element(kind, slug, fields, pointer="")
        if ref is None:
            return
        self.builder.count(f"{kind.value}s")
        if owner is not None:
            self.builder.edge(f"team:{_slug(owner)}", EdgeType.OWNS, ref, pointer="/owner")
        for index, capability in enumerate(doc.get("capabilities", [])):
            self.builder.edge(
                ref,
                EdgeType.HAS_CAPABILITY,
                f"capability:{_slug(capability)}",
                {"declared": True},
                pointer=f"/capabilities/{index}",
            )
        if kind is Kind.COMPONENT:
            self.component(ref, doc)

    def component(self, ref: str, doc: dict[str, Any]) -> None:
        b = self.builder
        if "product" in doc:
            b.edge(ref, EdgeType.PART_OF, f"product:{_slug(doc['product'])}", pointer="/product")
        for index, tech in enumerate(doc.get("technologies", [])):
            b.edge(
                ref, EdgeType.USES, f"technology:{_slug(tech)}", pointer=f"/technologies/{index}"
            )
        for index, dep in enumerate(doc.get("depends_on", [])):
            item = dep if isinstance(dep, dict) else {"component": dep}
            target = f"component:{_slug(item['component'])}"
            pointer = f"/depends_on/{index}"
            if target == ref:
                b.warning(
                    "manifest.self-dependency",
                    f"{ref} depends on itself; ignored",
                    pointer=pointer,
                    field=pointer_to_field(pointer),
                )
                continue
            props = {k: item[k] for k in ("strength", "description") if k in item}
            props.setdefault("strength", "hard")
            b.edge(ref, EdgeType.DEPENDS_ON, target, props, pointer=pointer)
        for index, item in enumerate(doc.get("consumes", [])):
            item = item if isinstance(item, dict) else {"api": item}
            props = {k: item[k] for k in ("operations", "strength", "description") if k in item}
            b.edge(
                ref,
                EdgeType.CONSUMES,
                f"api:{_slug(item['api'])}",
                props,
                pointer=f"/consumes/{index}",
            )
        for key, edge_type in (
            ("publishes", EdgeType.PUBLISHES),
            ("subscribes", EdgeType.SUBSCRIBES),
        ):
            for index, item in enumerate(doc.get(key, [])):
                item = item if isinstance(item, dict) else {"api": item}
                props = {"channels": item["channels"]} if "channels" in item else {}
                b.edge(
                    ref, edge_type, f"api:{_slug(item['api'])}", props, pointer=f"/{key}/{index}"
                )
        for index, item in enumerate(doc.get("provides", [])):
            self.provides(ref, item, f"/provides/{index}")

    def provides(self, ref: str, item: Any, pointer: str) -> None:
        b = self.builder
        if isinstance(item, dict) and "api" in item:
            api_slug = _slug(item["api"])
            fields = {
                k: item[k] for k in ("type", "version", "lifecycle", "description") if k in item
            }
            if "title" in item:
                fields["name"] = item["title"]
            api_ref = (
                b.element(Kind.API, api_slug, fields, pointer=pointer)
                if fields
                else (f"api:{api_slug}")
            )
            if api_ref is not None:
                b.edge(ref, EdgeType.PROVIDES, api_ref, pointer=pointer)
            return
        raw_path = item["path"] if isinstance(item, dict) else item
        field = pointer_to_field(pointer)
        try:
            path = join_relative(self.origin, raw_path)
        except ResolveError as exc:
            severity = "warning" if exc.code == "ref.remote" else "error"
            b.issue(
                Severity(severity),
                exc.code,
                f"provides: {exc.message}",
                pointer=pointer,
                field=field,
            )
            return
        summary = self.specs.get(path) or self._summarize(path, pointer)
        if summary is None:
            return
        b.edge(ref, EdgeType.PROVIDES, summary.api_ref, pointer=pointer)
        if summary.sends:
            b.edge(ref, EdgeType.PUBLISHES, summary.api_ref, {"channels": list(summary.sends)})

    def _summarize(self, path: str, pointer: str) -> SpecSummary | None:
        """Read and describe a provided spec that the caller did not summarize."""
        b = self.builder
        field = pointer_to_field(pointer)
        if self.resolver is None:
            b.warning(
                "manifest.provides-missing",
                f"provides {path}: the spec is not part of this scan; no PROVIDES edge",
                pointer=pointer,
                field=field,
            )
            return None
        try:
            text = self.resolver(path)
            docs = load_documents(text)
        except ResolveError as exc:
            severity = "error" if exc.code in ("ref.escape", "ref.too-large") else "warning"
            b.issue(
                Severity(severity),
                "manifest.provides-missing",
                f"provides: {exc.message}",
                pointer=pointer,
                field=field,
            )
            return None
        except DocumentError as exc:
            b.warning(
                "manifest.provides-invalid",
                f"provides {path}: {exc.message}",
                pointer=pointer,
                field=field,
            )
            return None
        doc = docs[0] if len(docs) == 1 else None
        scratch = ResultBuilder("spec", path)
        ctx = SpecContext.create(scratch, doc, file=path, resolver=self.resolver)
        if openapi.is_openapi(doc):
            api = openapi.describe_openapi(ctx, doc)  # type: ignore[arg-type]
        elif asyncapi.is_asyncapi(doc):
            api = asyncapi.describe_asyncapi(ctx, doc)  # type: ignore[arg-type]
        else:
            b.warning(
                "manifest.provides-invalid",
                f"provides {path}: not an OpenAPI or AsyncAPI document",
                pointer=pointer,
                field=field,
            )
            return None
        if api is None:
            b.warning(
                "manifest.provides-invalid",
                f"provides {path}: the spec has errors",
                pointer=pointer,
                field=field,
            )
            return None
        return summarize_api(path, api)


parse = parser(SCANNER, scan_documents)
