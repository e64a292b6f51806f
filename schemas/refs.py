"""Element references: ``kind:slug``.

A slug is lower-case ``[a-z0-9][a-z0-9._-]{0,127}``; a reference joins an
element kind and a slug with a colon (``component:auth-service``).
"""

from __future__ import annotations

import re
from enum import StrEnum

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,127}$"
_SLUG_RE = re.compile(SLUG_PATTERN)


class Kind(StrEnum):
    """The kinds of element the portfolio graph holds."""

    PRODUCT = "product"
    COMPONENT = "component"
    API = "api"
    CAPABILITY = "capability"
    TEAM = "team"
    TECHNOLOGY = "technology"
    ADR = "adr"


class RefError(ValueError):
    """A string that is not a valid ``kind:slug`` reference."""


def is_slug(text: str) -> bool:
    """Whether *text* is a valid slug."""
    return bool(_SLUG_RE.match(text))


def parse_ref(ref: str) -> tuple[Kind, str]:
    """Split ``kind:slug`` into its kind and slug, or raise :class:`RefError`.

    >>> parse_ref("component:auth-service")
    (<Kind.COMPONENT: 'component'>, 'auth-service')
    """
    kind_text, sep, slug = ref.partition(":")
    if not sep:
        raise RefError(f"reference {ref!r} is not of the form kind:slug")
    try:
        kind = Kind(kind_text)
    except ValueError:
        kinds = ", ".join(k.value for k in Kind)
        raise RefError(
            f"reference {ref!r} has unknown kind {kind_text!r} (one of {kinds})"
        ) from None
    if not is_slug(slug):
        raise RefError(
            f"reference {ref!r} has an invalid slug: use lower-case [a-z0-9][a-z0-9._-]{{0,127}}"
        )
    return kind, slug


def make_ref(kind: Kind | str, slug: str) -> str:
    """Join a kind and a slug, validating both."""
    ref = f"{Kind(kind).value}:{slug}"
    parse_ref(ref)
    return ref


_NOT_SLUG = re.compile(r"[^a-z0-9._-]+")


def slugify(text: str) -> str:
    """Turn a free-form name into a valid slug (best effort, never empty).

    >>> slugify("Payments API v2")
    'payments-api-v2'
    """
    slug = _NOT_SLUG.sub("-", text.strip().lower()).strip("-._")
    slug = slug[:128].rstrip("-._") or "x"
    if not slug[0].isalnum():
        slug = "x" + slug[:127]
    return slug
