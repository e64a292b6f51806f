"""Bounds checked on YAML and JSON text *before* anything is built from it.

libyaml's composer recurses on the C stack without a limit (a 60 KB file of
``- - - … x`` kills the process), Python refuses integers of more than 4,300
digits with a bare ``ValueError``, and both parsers silently keep the last of
two equal keys. So every document first goes through a pass that builds
nothing:

* YAML: the parser's *event* stream (a state machine with its own stacks,
  no recursion), counting nesting depth, values, aliases, and the length of
  plain scalars that look like numbers, and noting each mapping's keys;
* JSON: a scan of the brackets outside strings for depth; the parse itself
  then checks keys and number lengths as it goes.

Each broken bound is a :class:`DocumentError` with a stable code and, where
the text has one, a line.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

__all__ = [
    "MAX_DEPTH",
    "MAX_NUMBER_CHARS",
    "MAX_VALUES",
    "MERGE_KEY",
    "NUMBERISH",
    "DocumentError",
    "check_json_depth",
    "check_number",
    "check_yaml",
    "load_json",
    "syntax_error",
    "too_deep",
]

MAX_DEPTH = 256
"""How deeply a document may nest (mappings and sequences, any syntax)."""

MAX_VALUES = 5_000_000
"""How many values (scalars, mappings, sequences, aliases) a document's text may hold."""

MAX_NUMBER_CHARS = 1000
"""The longest number a document may write (Python refuses ints over 4,300 digits)."""

_CParser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NUMBERISH = re.compile(r"[-+]?\.?[0-9][0-9a-fA-F_.:xob]*(?:[eE][-+]?[0-9]+)?")
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
MERGE_KEY = ("plain", "<<")
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "!!int", "!!float"})


class DocumentError(ValueError):
    """Text that cannot be read as YAML or JSON, or that is unsafe to read."""

    def __init__(self, message: str, *, code: str = "document.invalid", line: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.line = line


def too_deep(line: int | None) -> DocumentError:
    return DocumentError(
        f"document nests deeper than {MAX_DEPTH} levels", code="document.too-deep", line=line
    )


def _number_too_long(length: int, line: int | None) -> DocumentError:
    return DocumentError(
        f"a number of {length:,} characters; the limit is {MAX_NUMBER_CHARS}",
        code="document.number-too-long",
        line=line,
    )


def _line(event: yaml.Event) -> int | None:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else None


class _Frame:
    __slots__ = ("count", "is_mapping", "keys")

    def __init__(self, is_mapping: bool) -> None:
        self.is_mapping = is_mapping
        self.count = 0
        self.keys: dict[tuple[str, str], int | None] = {}


def _scalar_key(event: yaml.ScalarEvent) -> tuple[str, str]:
    """What a scalar key resolves to, closely enough to tell duplicates."""
    plain = bool(event.implicit[0]) and not event.style
    if plain and NUMBERISH.fullmatch(event.value):
        return ("number", event.value)
    return ("plain" if plain and event.value == "<<" else "str", event.value)


def check_yaml(text: str) -> None:
    """Raise :class:`DocumentError` unless *text* keeps every bound; builds nothing."""
    stack: list[_Frame] = []
    values = 0
    try:
        for event in yaml.parse(text, Loader=_CParser):
            is_start = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
            is_node = is_start or isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent))
            if is_node:
                values += 1
                if values > MAX_VALUES:
                    raise DocumentError(
                        f"document holds more than {MAX_VALUES:,} values",
                        code="document.too-many-values",
                        line=_line(event),
                    )
                if stack:
                    _note_child(stack[-1], event)
            if isinstance(event, yaml.ScalarEvent):
                check_number(event)
            if is_start:
                if len(stack) >= MAX_DEPTH:
                    raise too_deep(_line(event))
                stack.append(_Frame(isinstance(event, yaml.MappingStartEvent)))
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)) and stack:
                stack.pop()
    except yaml.YAMLError as exc:
        raise syntax_error(exc) from None


def syntax_error(exc: yaml.YAMLError) -> DocumentError:
    """The per-file error for what the YAML parser refused, with its line when known."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        return DocumentError(
            f"invalid YAML: {exc.problem or exc.context or 'syntax error'}",
            code="document.syntax",
            line=mark.line + 1 if mark is not None else None,
        )
    return DocumentError(f"invalid YAML: {exc}", code="document.syntax")


def check_number(event: yaml.ScalarEvent) -> None:
    if len(event.value) <= MAX_NUMBER_CHARS:
        return
    plain = bool(event.implicit[0]) and not event.style
    if event.tag in _NUMBER_TAGS or (plain and NUMBERISH.fullmatch(event.value)):
        raise _number_too_long(len(event.value), _line(event))


def _note_child(frame: _Frame, event: Any) -> None:
    is_key = frame.is_mapping and frame.count % 2 == 0
    frame.count += 1
    if not is_key or not isinstance(event, yaml.ScalarEvent):
        return
    key = _scalar_key(event)
    line = _line(event)
    first = frame.keys.get(key)
    if first is not None and key != MERGE_KEY:
        raise DocumentError(
            f"duplicate key {event.value[:80]!r} (first at line {first})",
            code="document.duplicate-key",
            line=line,
        )
    frame.keys[key] = line


# ------------------------------------------------------------------ JSON


def check_json_depth(text: str) -> None:
    """Raise ``document.too-deep`` when *text*'s brackets (outside strings) nest too far."""
    brackets = _NOT_BRACKET.sub("", _STRING_RE.sub('""', text))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise too_deep(None)
        elif depth:
            depth -= 1


def _bounded_int(digits: str) -> int:
    if len(digits) > MAX_NUMBER_CHARS:
        raise _number_too_long(len(digits), None)
    return int(digits)


def _bounded_float(digits: str) -> float:
    if len(digits) > MAX_NUMBER_CHARS:
        raise _number_too_long(len(digits), None)
    return float(digits)


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


def load_json(text: str | bytes) -> Any:
    """Parse JSON within the bounds; raise :class:`DocumentError` (with a line) otherwise."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocumentError(
                f"not UTF-8 text (byte {exc.start})", code="document.encoding"
            ) from None
    check_json_depth(text)
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_pairs,
            parse_int=_bounded_int,
            parse_float=_bounded_float,
        )
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"invalid JSON: {exc.msg}", code="document.syntax", line=exc.lineno
        ) from None
    except _DuplicateKey as exc:
        raise DocumentError(
            f"duplicate key {exc.key[:80]!r}",
            code="document.duplicate-key",
            line=_json_key_line(text, exc.key),
        ) from None
    except RecursionError:
        raise too_deep(None) from None


def _json_key_line(text: str, key: str) -> int | None:
    """The line of the second of two equal keys, found by the YAML pass (JSON is YAML)."""
    try:
        check_yaml(text)
    except DocumentError as exc:
        if exc.code == "document.duplicate-key":
            return exc.line
    return None
