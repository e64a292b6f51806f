"""One pass over libyaml's events: the bounds, the data, the line of every value and the ``$ref``s.

:func:`build_yaml` reads the event stream of the C parser once. For each
event it checks the same bounds, in the same order, as
:func:`scanners.bounds.check_yaml` (depth, values, number length, duplicate
keys), and builds the Python values the safe loader would build: mappings,
sequences and untagged scalars resolved by the loader's own implicit
resolvers and constructors. Beside the data it keeps a light tree of line
numbers (:data:`LineTree`) that :class:`scanners.documents.LineIndex` walks
when an issue needs a line, so no file is parsed a second time for lines,
and every string ``$ref`` with its pointer (:data:`RefList`), in the order
:meth:`scanners.resolve.RefFollower.scan_refs` would find them, so the
document is not walked again for them.

The pass descends recursively, one call per open mapping or sequence, at
most :data:`~scanners.bounds.MAX_DEPTH` deep (the depth is checked before
each call, so a deep document is refused, never recursed into).

Documents that use anything rarer (anchors, aliases, explicit tags, merge
keys, non-scalar keys, a scalar the constructors refuse, two keys with the
same text or the same value) return ``None``: the caller then reads them the
long way, with exactly today's answers (that way decides, among other
things, whether two keys with the same text are a duplicate).
"""

from __future__ import annotations

from typing import Any

import yaml

from scanners.bounds import (
    MAX_DEPTH,
    MAX_NUMBER_CHARS,
    MAX_VALUES,
    DocumentError,
    check_number,
    syntax_error,
    too_deep,
)

__all__ = ["Built", "LineTree", "RefList", "build_yaml"]

LineTree = Any
"""A value's line: an ``int`` for a scalar; ``(line, children)`` for a sequence
(children: line trees) and ``(line, {raw key: line tree})`` for a mapping."""

RefList = list[tuple[str, str]]
"""A document's string ``$ref`` values with their pointers (``/paths/~1a/$ref``),
in the order ``RefFollower.scan_refs`` visits them."""

Built = tuple[list[Any], list[LineTree], list[RefList]]
"""Every document of a text, its line tree and its ``$ref`` list, index by index."""

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_NUMBERS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_REF = "$ref"


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


def build_yaml(text: str, loader_class: type[Any], *, lines: bool) -> Built | None:
    """Every document of *text* with its line tree and ``$ref``s, or ``None`` for a rare one.

    Raises :class:`DocumentError` exactly as ``check_yaml`` would. With
    *lines* false no line tree is returned (the trees are then an empty list).
    """
    loader = loader_class(text)
    try:
        built = _Pass(loader, _PLAIN_CACHE.setdefault(loader_class, {})).documents()
    except _Rare:
        return None
    except yaml.YAMLError as exc:
        raise syntax_error(exc) from None
    finally:
        loader.dispose()
    return built if lines else (built[0], [], built[2])


def _plain(loader: Any, value: str, cache: dict[str, Any]) -> Any:
    """The value of a plain (unquoted, untagged) scalar, as the safe loader builds it."""
    resolvers = loader.yaml_implicit_resolvers
    if value[:1] not in resolvers and None not in resolvers and not loader.yaml_path_resolvers:
        tag = loader.DEFAULT_SCALAR_TAG  # what resolve() answers when no resolver can match
    else:
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


def _too_many(line: int) -> DocumentError:
    return DocumentError(
        f"document holds more than {MAX_VALUES:,} values",
        code="document.too-many-values",
        line=line,
    )


_SCALAR = yaml.ScalarEvent
_MAPPING = yaml.MappingStartEvent
_SEQUENCE = yaml.SequenceStartEvent
_MAPPING_END = yaml.MappingEndEvent
_SEQUENCE_END = yaml.SequenceEndEvent


class _Pass:
    """The state of one pass: the event source, the value count, the open path."""

    __slots__ = ("cache", "get_event", "loader", "path", "refs", "values")

    def __init__(self, loader: Any, cache: dict[str, Any]) -> None:
        self.loader = loader
        self.get_event = loader.get_event
        self.cache = cache
        self.values = 0
        self.path: list[tuple[int, Any]] = []
        """(position, key or index) of each open collection below the document."""
        self.refs: list[tuple[tuple[int, ...], str, str]] = []

    def documents(self) -> Built:
        docs: list[Any] = []
        trees: list[LineTree] = []
        refs: list[RefList] = []
        get_event = self.get_event
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.StreamEndEvent:
                return docs, trees, refs
            if kind is _SCALAR or kind is _MAPPING or kind is _SEQUENCE:
                self.path, self.refs = [], []
                value, tree = self.node(event, kind, 0)
                docs.append(value)
                trees.append(tree)
                self.refs.sort()
                refs.append([(ref, pointer) for _, pointer, ref in self.refs])
            elif kind is yaml.AliasEvent:
                raise _Rare

    def count(self, event: Any) -> int:
        """Count one value; its line."""
        line: int = event.start_mark.line + 1
        self.values += 1
        if self.values > MAX_VALUES:
            raise _too_many(line)
        if event.anchor is not None or event.tag is not None:
            raise _Rare
        return line

    def scalar(self, event: Any) -> Any:
        raw = event.value
        if len(raw) > MAX_NUMBER_CHARS:
            check_number(event)
        if not event.implicit[0]:
            return raw  # quoted, untagged: a string
        value = self.cache.get(raw, _MISSING)
        if value is _MISSING:
            value = _plain(self.loader, raw, self.cache)
        if value is _RARE:
            raise _Rare
        return value

    def node(self, event: Any, kind: Any, depth: int) -> tuple[Any, LineTree]:
        """The value and line tree of the node *event* starts (*depth* collections open)."""
        line = self.count(event)
        if kind is _SCALAR:
            return self.scalar(event), line
        if depth >= MAX_DEPTH:
            raise too_deep(line)
        if kind is _MAPPING:
            return self.mapping(line, depth + 1)
        if kind is _SEQUENCE:
            return self.sequence(line, depth + 1)
        raise _Rare  # an alias

    def mapping(self, line: int, depth: int) -> tuple[dict[Any, Any], LineTree]:
        # count() and scalar() are written out inline here and in sequence():
        # this loop runs once per value of every YAML file.
        get_event, node, path = self.get_event, self.node, self.path
        cache, loader = self.cache, self.loader
        out: dict[Any, Any] = {}
        children: dict[str, LineTree] = {}
        position = 0
        while True:
            event = get_event()
            kind = type(event)
            if kind is _MAPPING_END:
                return out, (line, children)
            self.values += 1
            if self.values > MAX_VALUES:
                raise _too_many(event.start_mark.line + 1)
            if kind is not _SCALAR or event.anchor is not None or event.tag is not None:
                raise _Rare  # a non-scalar key, an alias, an anchor or a tag
            raw = event.value
            if raw in children:
                raise _Rare  # two keys with one text: check_yaml decides if they are equal
            if len(raw) > MAX_NUMBER_CHARS:
                check_number(event)
            if event.implicit[0]:
                key = cache.get(raw, _MISSING)
                if key is _MISSING:
                    key = _plain(loader, raw, cache)
                if key is _RARE:
                    raise _Rare
            else:
                key = raw
            if key in out:
                raise _Rare  # two texts, one value (true / True): the full loader
            event = get_event()
            kind = type(event)
            if kind is _SCALAR:
                value_line = event.start_mark.line + 1
                self.values += 1
                if self.values > MAX_VALUES:
                    raise _too_many(value_line)
                if event.anchor is not None or event.tag is not None:
                    raise _Rare
                text = event.value
                if len(text) > MAX_NUMBER_CHARS:
                    check_number(event)
                if event.implicit[0]:
                    value = cache.get(text, _MISSING)
                    if value is _MISSING:
                        value = _plain(loader, text, cache)
                    if value is _RARE:
                        raise _Rare
                else:
                    value = text
                out[key] = value
                children[raw] = value_line
                if raw == _REF and isinstance(value, str):
                    self.note_ref(value)
            else:
                path.append((position, key))
                out[key], children[raw] = node(event, kind, depth)
                path.pop()
            position += 1

    def sequence(self, line: int, depth: int) -> tuple[list[Any], LineTree]:
        get_event, node, path = self.get_event, self.node, self.path
        cache, loader = self.cache, self.loader
        out: list[Any] = []
        children: list[LineTree] = []
        while True:
            event = get_event()
            kind = type(event)
            if kind is _SEQUENCE_END:
                return out, (line, children)
            if kind is _SCALAR:
                value_line = event.start_mark.line + 1
                self.values += 1
                if self.values > MAX_VALUES:
                    raise _too_many(value_line)
                if event.anchor is not None or event.tag is not None:
                    raise _Rare
                text = event.value
                if len(text) > MAX_NUMBER_CHARS:
                    check_number(event)
                if event.implicit[0]:
                    value = cache.get(text, _MISSING)
                    if value is _MISSING:
                        value = _plain(loader, text, cache)
                    if value is _RARE:
                        raise _Rare
                else:
                    value = text
                out.append(value)
                children.append(value_line)
            else:
                index = len(out)
                path.append((index, index))
                item, tree = node(event, kind, depth)
                path.pop()
                out.append(item)
                children.append(tree)

    def note_ref(self, ref: str) -> None:
        """Keep a ``$ref`` of the mapping open at :attr:`path`, with its place in scan order.

        ``scan_refs`` walks depth first, a mapping before its children and
        the children last to first: that is the order of the positions negated.
        """
        order = tuple(-position for position, _ in self.path)
        pointer = "".join("/" + _escape(key) for _, key in self.path) + "/" + _REF
        self.refs.append((order, pointer, ref))


def _escape(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")
