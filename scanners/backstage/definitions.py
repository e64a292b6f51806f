"""The API definition of a Backstage API entity: inline text, or a file it points at.

``spec.definition`` is either the spec's text or a placeholder such as
``$text: ./openapi.yaml``; relative files are read through the scan's
resolver (never outside the tree), remote ones never fetched.
"""

from __future__ import annotations

from typing import Any

from scanners.backstage.catalog import (
    DEFINITION_KEYS,
    BackstageMapping,
    CatalogIndex,
    EntityKey,
    entity_slug,
)
from scanners.documents import DocumentError, load_documents
from scanners.resolve import REF_SEVERITY, ResolveError, Resolver, is_remote, join_relative
from scanners.result import ResultBuilder, Severity
from scanners.versions import ApiSpec, spec_of
from schemas.refs import Kind


def definition_text(
    definition: Any,
    *,
    origin: str,
    key: str,
    builder: ResultBuilder,
    resolver: Resolver | None,
) -> tuple[str, str, str] | None:
    """The definition's text, the file it is in, and its pointer there."""
    if isinstance(definition, str):
        return definition, origin, "/spec/definition"
    placeholder = next(
        (
            definition[k]
            for k in DEFINITION_KEYS
            if isinstance(definition, dict) and k in definition
        ),
        None,
    )
    if not isinstance(placeholder, str):
        builder.warning(
            "backstage.definition",
            f"{key}: spec.definition is missing or not text",
            pointer="/spec/definition",
        )
        return None
    if is_remote(placeholder):
        builder.warning(
            "ref.remote",
            f"{key}: definition {placeholder} is remote and never fetched",
            pointer="/spec/definition",
        )
        return None
    try:
        path = join_relative(origin, placeholder)
        if resolver is None:
            raise ResolveError(
                f"{placeholder} cannot be read: this scan has no other files",
                code="ref.missing",
            )
        return resolver(path), path, ""
    except ResolveError as exc:
        severity = Severity(REF_SEVERITY.get(exc.code, "warning"))
        builder.issue(
            severity,
            exc.code,
            f"{key}: definition: {exc.message}",
            pointer="/spec/definition",
        )
        return None


def definition_spec(
    definition: Any, *, origin: str, key: EntityKey, resolver: Resolver | None
) -> ApiSpec:
    """The format and version of an API entity's definition, read quietly
    (format ``unknown`` when it cannot be read); the entity's own scan
    reports what is wrong with it."""
    what = f"Backstage entity {key}"
    loaded = definition_text(
        definition,
        origin=origin,
        key=str(key),
        builder=ResultBuilder("backstage", origin),
        resolver=resolver,
    )
    if loaded is None:
        return ApiSpec(origin, "unknown", "", what)
    try:
        docs = load_documents(loaded[0])
    except DocumentError:
        return ApiSpec(origin, "unknown", "", what)
    doc = docs[0] if len(docs) == 1 else None
    return spec_of(origin, doc, what)


def reserve_api_refs(
    index: CatalogIndex, *, resolver: Resolver | None, mapping: BackstageMapping
) -> None:
    """Let every API entity of *index* hold its ref before any spec is read
    (its definition is read again only if a spec collides with it)."""
    if mapping.kind_of("api") is not Kind.API:
        return
    for key, (path, _, definition) in sorted(index.apis.items()):

        def load(key: EntityKey = key, path: str = path, definition: Any = definition) -> ApiSpec:
            return definition_spec(definition, origin=path, key=key, resolver=resolver)

        index.versions.reserve(f"api:{entity_slug(key)}", load)
