"""Element references: ``kind:slug``.

A slug is lower-case ``[a-z0-9][a-z0-9._-]{0,127}``; a reference joins an
element kind and a slug with a colon (``component:auth-service``). The whole
string must match (``fullmatch``): a trailing newline, a control character or
a look-alike letter (Cyrillic ``\u0430``) makes it invalid, at every entry.

Upload names (the paths of files sent to ``POST /api/v1/scans``) follow
:func:`check_upload_name`: relative POSIX paths, never changed, only refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache

_SLUG = r"[a-z0-9][a-z0-9._-]{0,127}"
SLUG_PATTERN = rf"^{_SLUG}$"
"""The slug pattern for JSON Schema (where ``$`` is the end of the text)."""
_SLUG_RE = re.compile(_SLUG)


class Kind(StrEnum):
    """The kinds of element the portfolio graph holds."""

    PRODUCT = "product"
    COMPONENT = "component"
    API = "api"
    CAPABILITY = "capability"
    TEAM = "team"
    TECHNOLOGY = "technology"
    ADR = "adr"


def ref_pattern(kinds: Iterable[Kind] = tuple(Kind)) -> str:
    """The ``kind:slug`` pattern for JSON Schema, for references to these kinds."""
    return "^(?:" + "|".join(sorted(kind.value for kind in kinds)) + f"):{_SLUG}$"


REF_PATTERN = ref_pattern()
"""The ``kind:slug`` pattern for JSON Schema."""
PRODUCT_REF_PATTERN = ref_pattern([Kind.PRODUCT])
"""The pattern of a reference to a product (``product:checkout``)."""
PRODUCT_OR_SLUG_PATTERN = f"^(?:product:)?{_SLUG}$"
"""A product named by reference or by slug (``checkout``)."""


class RefError(ValueError):
    """A string that is not a valid ``kind:slug`` reference."""


def is_slug(text: str) -> bool:
    """Whether *text* is a valid slug."""
    return _SLUG_RE.fullmatch(text) is not None


def parse_ref(ref: str) -> tuple[Kind, str]:
    """Split ``kind:slug`` into its kind and slug, or raise :class:`RefError`.

    >>> parse_ref("component:auth-service")
    (<Kind.COMPONENT: 'component'>, 'auth-service')

    Valid references are remembered (the answer depends on the text alone
    and is immutable), so a scan that meets one reference many times splits
    it once; an invalid one is checked again each time.
    """
    if not isinstance(ref, str):
        raise RefError(f"a reference is a kind:slug string, not {type(ref).__name__}")
    if type(ref) is str:
        return _parse_str_ref(ref)
    return _parse_str_ref.__wrapped__(ref)  # a str subclass: its own repr in messages


@lru_cache(maxsize=65_536)
def _parse_str_ref(ref: str) -> tuple[Kind, str]:
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


_BAD_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\\\ufffd\ud800-\udfff]")
_DRIVE = re.compile(r"[A-Za-z]:")
MAX_UPLOAD_NAME = 1024


def check_upload_name(name: str) -> str:
    """Return *name* unchanged if it is a safe relative path, else raise :class:`RefError`.

    Refused, never rewritten: empty or over 1,024 characters; control
    characters (NUL included); invalid UTF-8 (decoded as U+FFFD or a
    surrogate); backslashes; absolute paths; drive letters (``C:``); empty,
    ``.`` or ``..`` segments.
    """
    if not name or len(name) > MAX_UPLOAD_NAME:
        raise RefError(f"file name must be 1 to {MAX_UPLOAD_NAME} characters")
    bad = _BAD_NAME_CHARS.search(name)
    if bad:
        raise RefError(
            f"file name {name!r} holds {bad.group()!r}: control characters, backslashes and "
            "invalid UTF-8 are refused"
        )
    if name.startswith("/") or _DRIVE.match(name):
        raise RefError(f"file name {name!r} is absolute; send a path relative to the tree")
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise RefError(f"file name {name!r} has an empty, '.' or '..' segment")
    return name
