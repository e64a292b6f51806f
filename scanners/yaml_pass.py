"""One pass over libyaml's events: the bounds, the data and the line of every value.

:func:`build_yaml` reads the event stream of the C parser once. For each
event it checks the same bounds, in the same order, as
:func:`scanners.bounds.check_yaml` (depth, values, number length, duplicate
keys), and builds the Python values the safe loader would build: mappings,
sequences and untagged scalars resolved by the loader's own implicit
resolvers and constructors. Beside the data it keeps a light tree of line
numbers (:data:`LineTree`) that :class:`scanners.documents.LineIndex` walks
when an issue needs a line, so no file is parsed a second time for lines.

Documents that use anything rarer (anchors, aliases, explicit tags, merge
keys, non-scalar keys, a scalar the constructors refuse) return ``None``:
the caller then reads them the long way, with exactly today's answers.
"""

from __future__ import annotations

from typing import Any

import yaml

from scanners.bounds import (
    MAX_DEPTH,
    MAX_NUMBER_CHARS,
    MAX_VALUES,
    MERGE_KEY,
    NUMBERISH,
    DocumentError,
    check_number,
    syntax_error,
    too_deep,
)

__all__ = ["LineTree", "build_yaml"]

LineTree = Any
"""A value's line: an ``int`` for a scalar; ``(line, children)`` for a sequence
(children: line trees) and ``(line, {raw key: line tree})`` for a mapping."""

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_NUMBERS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


class _Rare(Exception):
    """The document uses something only the full loader builds."""


_RARE: Any = object()
"""Cached answer for a plain scalar only the full loader builds."""

_MISSING: Any = object()

_PLAIN_CACHE: dict[type[Any], dict[str, Any]] = {}
"""Per loader class: a plain scalar's text -> its value (or :data:`_RARE`).

A plain scalar's value depends only on its text and the loader's implicit
resolvers and constructors, and the values built here (str, None, bool, int,
float) are immutable, so they are shared between documents."""
_PLAIN_CACHE_MAX = 65_536


class _Open:
    """An open mapping or sequence: its value, line tree and the bounds' frame."""

    __slots__ = ("children", "is_mapping", "key", "keys", "line", "raw_key", "value", "want_key")

    def __init__(self, value: Any, line: int, is_mapping: bool) -> None:
        self.value = value
        self.line = line
        self.is_mapping = is_mapping
        self.children: Any = {} if is_mapping else []
        self.want_key = is_mapping
        self.keys: dict[tuple[str, str], int] = {}
        self.key: Any = None
        self.raw_key = ""


def build_yaml(
    text: str, loader_class: type[Any], *, lines: bool
) -> tuple[list[Any], list[LineTree]] | None:
    """Every document of *text* with its line tree, or ``None`` for a rare document.

    Raises :class:`DocumentError` exactly as ``check_yaml`` would. With
    *lines* false no line tree is kept (the trees are then empty lists).
    """
    loader = loader_class(text)
    try:
        return _build(loader, lines, _PLAIN_CACHE.setdefault(loader_class, {}))
    except _Rare:
        return None
    except yaml.YAMLError as exc:
        raise syntax_error(exc) from None
    finally:
        loader.dispose()


def _plain(loader: Any, value: str, cache: dict[str, Any]) -> Any:
    """The value of a plain (unquoted, untagged) scalar, as the safe loader builds it."""
    tag = loader.resolve(yaml.ScalarNode, value, (True, False))
    if tag == _STR:
        built: Any = value
    elif tag == _NULL:
        built = None
    elif tag == _BOOL:
        built = loader.bool_values[value.lower()]
    elif tag in _NUMBERS:
        try:
            built = loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, value))
        except Exception:  # the full loader reports it, in its own order
            built = _RARE
    else:
        built = _RARE  # merge keys (<<), value keys (=) and other resolved tags
    if len(cache) >= _PLAIN_CACHE_MAX:
        cache.clear()
    cache[value] = built
    return built


def _build(loader: Any, lines: bool, cache: dict[str, Any]) -> tuple[list[Any], list[LineTree]]:
    get_event = loader.get_event
    docs: list[Any] = []
    trees: list[LineTree] = []
    stack: list[_Open] = []
    values = 0
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    numberish = NUMBERISH.fullmatch
    max_chars = MAX_NUMBER_CHARS
    rare, missing = _RARE, _MISSING
    top: _Open | None = None
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event or kind is mapping_start or kind is sequence_start:
            values += 1
            line = event.start_mark.line + 1
            if values > MAX_VALUES:
                raise DocumentError(
                    f"document holds more than {MAX_VALUES:,} values",
                    code="document.too-many-values",
                    line=line,
                )
            if top is not None and top.want_key and kind is scalar_event:
                _note_key(top.keys, event, line, numberish)
            if event.anchor is not None or event.tag is not None:
                raise _Rare
            if kind is scalar_event:
                raw = event.value
                if len(raw) > max_chars:
                    check_number(event)
                if not event.implicit[0]:
                    value: Any = raw  # quoted, untagged: a string
                else:
                    value = cache.get(raw, missing)
                    if value is missing:
                        value = _plain(loader, raw, cache)
                    if value is rare:
                        raise _Rare
                if top is None:
                    docs.append(value)
                    if lines:
                        trees.append(line)
                elif top.want_key:
                    top.key, top.raw_key, top.want_key = value, raw, False
                elif top.is_mapping:
                    top.value[top.key] = value
                    if lines and top.raw_key not in top.children:
                        top.children[top.raw_key] = line
                    top.want_key = True
                else:
                    top.value.append(value)
                    if lines:
                        top.children.append(line)
                continue
            if len(stack) >= MAX_DEPTH:
                raise too_deep(line)
            is_mapping = kind is mapping_start
            top = _Open({} if is_mapping else [], line, is_mapping)
            stack.append(top)
        elif kind in ends:
            done = stack.pop()
            top = stack[-1] if stack else None
            tree = (done.line, done.children) if lines else None
            _attach(top, docs, trees, done.value, tree, lines)
        elif kind is alias_event:
            raise _Rare
        elif kind is yaml.StreamEndEvent:
            return docs, trees


def _note_key(keys: dict[tuple[str, str], int], event: Any, line: int, numberish: Any) -> None:
    """Record a mapping's scalar key; raise on a duplicate (as ``check_yaml`` does)."""
    raw = event.value
    plain = bool(event.implicit[0]) and not event.style
    if plain and numberish(raw):
        key = ("number", raw)
    elif plain and raw == "<<":
        key = MERGE_KEY
    else:
        key = ("str", raw)
    first = keys.get(key)
    if first is not None and key != MERGE_KEY:
        raise DocumentError(
            f"duplicate key {raw[:80]!r} (first at line {first})",
            code="document.duplicate-key",
            line=line,
        )
    keys[key] = line


def _attach(
    top: _Open | None,
    docs: list[Any],
    trees: list[LineTree],
    value: Any,
    tree: LineTree,
    lines: bool,
) -> None:
    """Attach a finished mapping or sequence to its parent (or as a document)."""
    if top is None:
        docs.append(value)
        if lines:
            trees.append(tree)
        return
    if top.want_key:
        raise _Rare  # a mapping or sequence as a key
    if top.is_mapping:
        top.value[top.key] = value
        if lines and top.raw_key not in top.children:
            top.children[top.raw_key] = tree
        top.want_key = True
    else:
        top.value.append(value)
        if lines:
            top.children.append(tree)
