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
    MAX_VALUES,
    DocumentError,
    _check_number,
    _Frame,
    _note_child,
    _too_deep,
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


class _Open:
    __slots__ = ("bounds", "children", "key", "line", "raw_key", "value", "want_key")

    def __init__(self, value: Any, line: int, is_mapping: bool) -> None:
        self.value = value
        self.line = line
        self.bounds = _Frame(is_mapping)
        self.children: Any = {} if is_mapping else []
        self.want_key = is_mapping
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
        return _build(loader, lines)
    except _Rare:
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DocumentError(
            f"invalid YAML: {exc.problem or exc.context or 'syntax error'}",
            code="document.syntax",
            line=mark.line + 1 if mark is not None else None,
        ) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML: {exc}", code="document.syntax") from None
    finally:
        loader.dispose()


def _scalar(loader: Any, event: yaml.ScalarEvent) -> Any:
    value = event.value
    if not event.implicit[0]:
        return value  # quoted, untagged: a string
    tag = loader.resolve(yaml.ScalarNode, value, event.implicit)
    if tag == _STR:
        return value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return loader.bool_values[value.lower()]
    if tag in _NUMBERS:
        try:
            return loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, value))
        except Exception:  # the full loader reports it, in its own order
            raise _Rare from None
    raise _Rare  # merge keys (<<), value keys (=) and other resolved tags


def _build(loader: Any, lines: bool) -> tuple[list[Any], list[LineTree]]:
    get_event = loader.get_event
    docs: list[Any] = []
    trees: list[LineTree] = []
    stack: list[_Open] = []
    values = 0
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
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
            if stack:
                _note_child(stack[-1].bounds, event)
            if event.anchor is not None or event.tag is not None:
                raise _Rare
            if kind is scalar_event:
                _check_number(event)
                _attach(stack, docs, trees, _scalar(loader, event), line, event.value, lines)
                continue
            if len(stack) >= MAX_DEPTH:
                raise _too_deep(line)
            is_mapping = kind is mapping_start
            stack.append(_Open({} if is_mapping else [], line, is_mapping))
        elif kind in ends:
            done = stack.pop()
            tree = (done.line, done.children) if lines else None
            _attach(stack, docs, trees, done.value, tree, None, lines)
        elif kind is alias_event:
            raise _Rare
        elif kind is yaml.StreamEndEvent:
            return docs, trees


def _attach(
    stack: list[_Open],
    docs: list[Any],
    trees: list[LineTree],
    value: Any,
    tree: LineTree,
    raw: str | None,
    lines: bool,
) -> None:
    if not stack:
        docs.append(value)
        if lines:
            trees.append(tree)
        return
    top = stack[-1]
    if top.want_key:
        if raw is None:
            raise _Rare  # a mapping or sequence as a key
        top.key, top.raw_key, top.want_key = value, raw, False
        return
    if top.bounds.is_mapping:
        top.value[top.key] = value
        if lines and top.raw_key not in top.children:
            top.children[top.raw_key] = tree
        top.want_key = True
    else:
        top.value.append(value)
        if lines:
            top.children.append(tree)
