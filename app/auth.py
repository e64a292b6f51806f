"""API keys and roles.

Keys come from ``ARCHGRAPH_API_KEYS`` (``name:role:secret,...``) and/or the
file named by ``ARCHGRAPH_API_KEYS_FILE`` (one ``name:role:secret`` a line).
A request sends its secret as ``Authorization: Bearer <secret>`` or
``X-API-Key: <secret>``. Secrets are compared in constant time against every
key and are never logged or echoed; only the key's *name* travels further.

Roles are ordered: ``reader`` < ``editor`` < ``admin``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from schemas.errors import ArchgraphError


class Role(IntEnum):
    READER = 1
    EDITOR = 2
    ADMIN = 3


class UnauthorizedError(ArchgraphError):
    status = 401
    code = "unauthorized"


class ForbiddenError(ArchgraphError):
    status = 403
    code = "forbidden"


class KeyConfigError(ValueError):
    """A malformed key entry; the message never contains the secret."""


@dataclass(frozen=True)
class ApiKey:
    name: str
    role: Role
    secret: str

    def __repr__(self) -> str:  # never show the secret
        return f"ApiKey(name={self.name!r}, role={self.role.name.lower()})"


def actor_name(key: ApiKey | None) -> str:
    """Who a request acts as, for provenance and the change log: the key's name."""
    return key.name if key is not None else "anonymous"


def parse_keys(text: str, *, origin: str = "ARCHGRAPH_API_KEYS") -> list[ApiKey]:
    """Parse ``name:role:secret`` entries separated by commas or new lines."""
    keys: list[ApiKey] = []
    entries = [e.strip() for line in text.splitlines() for e in line.split(",")]
    for number, entry in enumerate(entries, start=1):
        if not entry or entry.startswith("#"):
            continue
        name, _, rest = entry.partition(":")
        role_text, _, secret = rest.partition(":")
        if not name or not secret:
            raise KeyConfigError(f"{origin}: entry {number} is not name:role:secret")
        try:
            role = Role[role_text.strip().upper()]
        except KeyError:
            raise KeyConfigError(
                f"{origin}: key {name!r} has unknown role {role_text!r} (reader, editor, admin)"
            ) from None
        keys.append(ApiKey(name.strip(), role, secret.strip()))
    return keys


def load_keys(env_value: str | None, file: Path | None) -> list[ApiKey]:
    keys = parse_keys(env_value) if env_value else []
    if file is not None:
        keys += parse_keys(file.read_text(encoding="utf-8"), origin=str(file))
    return keys


class KeyRing:
    """The configured keys and the check every request goes through."""

    def __init__(self, keys: list[ApiKey], *, anonymous_read: bool = False) -> None:
        self._keys = keys
        self.anonymous_read = anonymous_read

    def __len__(self) -> int:
        return len(self._keys)

    def identify(self, secret: str) -> ApiKey | None:
        """The key with this secret, comparing against every key in constant time."""
        found: ApiKey | None = None
        candidate = secret.encode()
        for key in self._keys:
            if hmac.compare_digest(candidate, key.secret.encode()):
                found = key
        return found

    def authorize(self, secret: str | None, needed: Role) -> ApiKey | None:
        """Return the caller's key (None for an anonymous read) or raise 401/403."""
        if not secret:
            if needed == Role.READER and self.anonymous_read:
                return None
            raise UnauthorizedError(
                "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key'",
                location="header.authorization",
            )
        key = self.identify(secret)
        if key is None:
            raise UnauthorizedError("the API key is not valid", location="header.authorization")
        if key.role < needed:
            raise ForbiddenError(
                f"key {key.name!r} has role {key.role.name.lower()}; "
                f"this needs {needed.name.lower()} or higher",
                location="header.authorization",
            )
        return key
