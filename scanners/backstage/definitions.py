"""The API definition of a Backstage API entity: inline text, or a file it points at.

``spec.definition`` is either the spec's text or a placeholder such as
``$text: ./openapi.yaml``; relative files are read through the scan's
resolver (never outside the tree), remote ones never fetched.
"""

from __future__ import annotations

from typing import Any

from scanners.backstage.catalog import DEFINITION_KEYS
from scanners.resolve import REF_SEVERITY, ResolveError, Resolver, is_remote, join_relative
from scanners.result import ResultBuilder, Severity


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
