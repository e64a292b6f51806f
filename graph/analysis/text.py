"""Text normalisation shared by the analyses: API operations, names, descriptions.

>>> normalize_path("/v1/Users/{id}/password/")
'/users/{}/password'
>>> operation_key("GET", "/api/v2/users/:userId")
'get /users/{}'
>>> sorted(tokens("PasswordResetService handles user-logins"))
['login', 'password', 'reset', 'user']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_VERSION_SEGMENT = re.compile(r"^v\d+(?:[._]\d+)*$|^\d+\.\d+(?:\.\d+)*$")
_PARAM_SEGMENT = re.compile(r"^(?:\{[^}]*\}|:[^/]+|<[^>]*>|\*)$")
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[a-z0-9]+")

#: Words too common in component and API names to say anything about what they do.
_STOP_TEXT = """a an and api apis app application as at be by for from into is it of or our
    service services svc the this to v1 v2 v3 with component module core system server
    client backend frontend internal external web http rest grpc handles handl
    provides provid manages manag new old legacy"""
STOPWORDS = frozenset(_STOP_TEXT.split())
_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ies", "es", "s", "ed")

#: Operations every service exposes; they say nothing about what it does.
GENERIC_OPERATIONS = frozenset(
    f"get /{p}"
    for p in (
        "health",
        "healthz",
        "livez",
        "readyz",
        "ready",
        "live",
        "ping",
        "status",
        "metrics",
        "info",
        "version",
        "openapi.json",
        "swagger.json",
        "docs",
        "",
    )
)


def normalize_path(path: str) -> str:
    """Lower-case, without query, version segments (``/v1``), or a leading ``/api``;
    every parameter (``{id}``, ``:id``, ``<id>``) becomes ``{}``."""
    path = path.split("?", 1)[0].split("#", 1)[0].strip().lower()
    out: list[str] = []
    for segment in path.split("/"):
        if not segment or _VERSION_SEGMENT.match(segment):
            continue
        if not out and segment == "api":
            continue
        out.append("{}" if _PARAM_SEGMENT.match(segment) else segment)
    return "/" + "/".join(out)


def operation_key(method: str, path: str) -> str:
    """``"get /users/{}"``: an HTTP operation with its path normalised."""
    return f"{method.strip().lower()} {normalize_path(path)}"


def parse_operation(text: str) -> str:
    """The canonical key of an operation written as ``"METHOD /path"`` or an operationId.

    An operationId becomes ``"id:<lower-case id>"``; anything else with a
    space and a path is a method and a path.
    """
    text = text.strip()
    method, sep, rest = text.partition(" ")
    rest = rest.strip()
    if sep and rest.startswith("/") and method.lower() in _HTTP_METHODS:
        return operation_key(method, rest)
    if text.startswith("/"):
        return f"* {normalize_path(text)}"
    return f"id:{text.lower()}"


def api_operation_aliases(operations: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """For one API, every key of an operation mapped to all its keys (path and id)."""
    aliases: dict[str, set[str]] = {}
    for op in operations:
        if not isinstance(op, Mapping):
            continue
        keys: set[str] = set()
        method, path = op.get("method"), op.get("path")
        if isinstance(method, str) and isinstance(path, str):
            keys.add(operation_key(method, path))
            if not path.startswith("/"):  # an event channel: named by its address too
                keys.add(f"id:{path.strip().lower()}")
        op_id = op.get("operation_id") or op.get("operationId")
        if isinstance(op_id, str) and op_id:
            keys.add(f"id:{op_id.lower()}")
        for key in keys:
            aliases.setdefault(key, set()).update(keys)
    return aliases


def expand_operation(text: str, aliases: Mapping[str, set[str]]) -> set[str]:
    """All keys one written operation may stand for on an API with these *aliases*."""
    key = parse_operation(text)
    if key.startswith("* "):
        path = key[2:]
        found = {k for k in aliases if k.partition(" ")[2] == path}
        return set().union(*(aliases[k] for k in found)) | {key} if found else {key}
    return aliases.get(key, {key})


def operations_match(a: set[str], b: set[str]) -> bool:
    """Whether two expanded operation sets share an operation (``*`` matches any method)."""
    if a & b:
        return True
    paths_a = {k.partition(" ")[2] for k in a if k.startswith("* ")}
    paths_b = {k.partition(" ")[2] for k in b if k.startswith("* ")}
    return any(k.partition(" ")[2] in paths_a for k in b if not k.startswith("id:")) or any(
        k.partition(" ")[2] in paths_b for k in a if not k.startswith("id:")
    )


def stem(word: str) -> str:
    """A crude suffix-stripping stem: enough to make plurals and -ation forms meet."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-case words of *text*, splitting camelCase, kebab-case and snake_case."""
    return _WORD.findall(_CAMEL.sub(" ", text).lower())


def tokens(text: str | None) -> set[str]:
    """Stemmed, meaningful words of *text* (stopwords and one-letter words dropped)."""
    if not text:
        return set()
    return {stem(w) for w in words(text) if len(w) > 1 and w not in STOPWORDS} - STOPWORDS


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


__all__ = [
    "GENERIC_OPERATIONS",
    "api_operation_aliases",
    "expand_operation",
    "jaccard",
    "normalize_path",
    "operation_key",
    "operations_match",
    "parse_operation",
    "stem",
    "tokens",
    "words",
]
