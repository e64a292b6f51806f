"""Reading YAML and JSON safely, and finding the line of a place in a document.

* YAML goes through ``yaml.safe_load`` machinery only (the C loader when
  PyYAML has it, for speed). Dates stay strings: a manifest's
  ``sunset: 2025-01-01`` is text, as it would be in JSON.
* A document whose aliases expand to more than :data:`MAX_EXPANDED_NODES`
  values (the "billion laughs" attack) or refer to themselves is refused.
* JSON goes through :mod:`json`, within the same bounds.
* Before anything is built, :mod:`scanners.bounds` checks depth, the number
  of values, number lengths and duplicate keys, whatever the syntax.
* Line numbers are found only when an issue needs one, by composing the YAML
  node tree (cheap for the files that have issues, skipped for huge ones).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import unquote

import yaml

from scanners.bounds import DocumentError, check_yaml, load_json, syntax_error
from scanners.yaml_pass import RefList, build_yaml

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_EXPANDED_NODES",
    "DocumentError",
    "Documents",
    "LineIndex",
    "RefList",
    "decode_text",
    "escape_pointer",
    "join_pointer",
    "load_documents",
    "load_json",
    "refs_of",
    "resolve_pointer",
]

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""Hard upper bound on the text a scanner will parse at all."""

MAX_EXPANDED_NODES = 5_000_000
"""How many values a YAML document may expand to once its aliases are followed."""

LineLookupFn = Callable[[str | None], int | None]

_LINES_BUDGET = 8 * 1024 * 1024  # compose at most this much text to find line numbers

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe loader (C when available) without the implicit timestamp type."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

_ANCHOR_RE = re.compile(r"(?:^|[\s\[{,:-])&[^\s\[\]{},]+", re.MULTILINE)


_BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes) -> str:
    """Decode file bytes as UTF-8 (a BOM is dropped); raise ``DocumentError`` otherwise."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8")  # the C codec ("utf-8-sig" is Python code per call)
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"not UTF-8 text (byte {exc.start})", code="document.encoding"
        ) from None


def _looks_like_json(text: str) -> bool:
    stripped = text.lstrip("\ufeff \t\r\n")
    return stripped[:1] in ("{", "[")


def load_documents(text: str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> list[Any]:
    """Parse YAML (possibly several ``---`` documents) or JSON text into Python values.

    Empty documents are dropped. Raises :class:`DocumentError` with a line
    number when the text is not valid or not safe.
    """
    if len(text) > max_bytes:
        raise DocumentError(
            f"document is {len(text)} characters, over the {max_bytes} limit",
            code="document.too-large",
        )
    if _looks_like_json(text):
        try:
            return [load_json(text)]
        except DocumentError as exc:
            if exc.code != "document.syntax":
                raise
            json_error = exc
        try:
            docs = _load_yaml(text)
        except DocumentError as yaml_error:
            if yaml_error.code != "document.syntax":
                raise  # readable, but breaks a bound (a duplicate key, say)
            raise json_error from None
        return docs
    return _load_yaml(text)


class Documents(list[Any]):
    """The documents of one text, with the line trees its one parse kept (if any)
    and, when that parse was the one pass, each document's ``$ref``s."""

    lines: Sequence[Any] | None = None
    refs: Sequence[RefList] | None = None


def refs_of(docs: Sequence[Any], index: int = 0) -> RefList | None:
    """The ``$ref``s the one pass found in document *index* of *docs*, if it kept them."""
    refs: Sequence[RefList] | None = getattr(docs, "refs", None)
    return refs[index] if refs is not None and index < len(refs) else None


def _load_yaml(text: str) -> list[Any]:
    keep_lines = len(text) <= _LINES_BUDGET
    built = build_yaml(text, _Loader, lines=keep_lines)
    if built is None:  # anchors, tags, merge keys...: the full loader
        return _load_yaml_fully(text, keep_lines)
    every, trees, refs = built
    docs = Documents(doc for doc in every if doc is not None)
    docs.lines = trees
    docs.refs = [found for doc, found in zip(every, refs, strict=True) if doc is not None]
    return docs


def _load_yaml_fully(text: str, keep_lines: bool) -> list[Any]:
    """The bounds, then the C composer and the safe constructor, one document at a time."""
    check_yaml(text)  # depth, values, number length, duplicate keys: before building
    every: list[Any] = []
    roots: list[yaml.Node] = []
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            roots.append(node)
            every.append(loader.construct_document(node))
    except yaml.YAMLError as exc:
        raise syntax_error(exc) from None
    except IndexError:  # PyYAML's int and float constructors on an empty `!!int`
        raise _empty_number() from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. `!!int "abc"`
        raise DocumentError(f"invalid YAML value: {exc}", code="document.value") from None
    finally:
        loader.dispose()
    docs = Documents(doc for doc in every if doc is not None)
    if _ANCHOR_RE.search(text):
        for doc in docs:
            _check_expansion(doc)
    docs.lines = roots if keep_lines else []
    return docs


def _empty_number() -> DocumentError:
    return DocumentError(
        "invalid YAML value: a value tagged as a number (such as !!int) is empty",
        code="document.value",
    )


def _check_expansion(doc: Any) -> None:
    """Refuse documents whose aliases expand too far or refer to themselves.

    Counts the values the document would have if every alias were copied,
    remembering each shared container's size so the count itself stays cheap.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, Iterator[Any] | None]] = [(doc, None)]
    totals: list[int] = []
    while stack:
        value, children = stack[-1]
        if children is None:
            if not isinstance(value, (dict, list)):
                stack.pop()
                _add(totals, 1)
                continue
            key = id(value)
            if key in sizes:
                stack.pop()
                _add(totals, sizes[key])
                continue
            if key in on_path:
                raise DocumentError(
                    "YAML aliases refer to themselves (a recursive document)",
                    code="document.recursive",
                )
            on_path.add(key)
            items = value.values() if isinstance(value, dict) else value
            stack[-1] = (value, iter(items))
            totals.append(1 + (len(value) if isinstance(value, dict) else 0))
            continue
        child = next(children, _DONE)
        if child is _DONE:
            stack.pop()
            key = id(value)
            on_path.discard(key)
            size = totals.pop()
            sizes[key] = size
            _add(totals, size)
        else:
            stack.append((child, None))
    if totals and totals[0] > MAX_EXPANDED_NODES:
        raise _bomb(totals[0])


_DONE = object()


def _add(totals: list[int], amount: int) -> None:
    if totals:
        totals[-1] += amount
        if totals[-1] > MAX_EXPANDED_NODES:
            raise _bomb(totals[-1])
    else:
        totals.append(amount)


def _bomb(size: int) -> DocumentError:
    return DocumentError(
        f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values "
        "(an alias bomb?); refusing the document",
        code="document.alias-bomb",
    )


# ------------------------------------------------------------- JSON pointers


def escape_pointer(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(base: str, *tokens: str | int) -> str:
    """``join_pointer("/paths", "/pets", "get") == "/paths/~1pets/get"``."""
    for token in tokens:
        text = str(token)
        if "~" in text or "/" in text:
            text = text.replace("~", "~0").replace("/", "~1")
        base += "/" + text
    return base


def split_pointer(pointer: str) -> list[str]:
    """Split a JSON pointer (or a URI fragment holding one) into unescaped tokens."""
    pointer = unquote(pointer)
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer {pointer!r} does not start with '/'")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


_MISSING = object()


def resolve_pointer(doc: Any, pointer: str) -> Any:
    """The value at *pointer* in *doc*; raise ``KeyError`` when there is none."""
    value = doc
    for token in split_pointer(pointer):
        if isinstance(value, dict):
            found = value.get(token, _MISSING)
            if found is _MISSING and token.isdigit():
                found = value.get(int(token), _MISSING)
            if found is _MISSING:
                raise KeyError(pointer)
            value = found
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            raise KeyError(pointer)
    return value


def pointer_to_field(pointer: str | None) -> str | None:
    """``/depends_on/2/strength`` → ``depends_on[2].strength`` (for people)."""
    if not pointer:
        return None
    out = ""
    for token in split_pointer(pointer):
        if token.isdigit():
            out += f"[{token}]"
        else:
            out += ("." if out else "") + token
    return out or None


# ------------------------------------------------------------ line numbers


class LineIndex:
    """Finds the 1-based line of a JSON pointer in YAML or JSON text.

    YAML read by :func:`load_documents` brings the line trees of its one
    parse (pass its documents as *docs*). Otherwise (JSON, or documents
    from elsewhere) the node tree is composed on first use only, and not at
    all for texts over a few megabytes (issues there keep their pointer but
    get no line).
    """

    def __init__(self, text: str, docs: Sequence[Any] | None = None) -> None:
        self._text = text
        self._roots: Sequence[Any] | None = getattr(docs, "lines", None)

    def _compose(self) -> Sequence[Any]:
        if self._roots is None:
            self._roots = []
            if len(self._text) <= _LINES_BUDGET:
                try:
                    check_yaml(self._text)
                    self._roots = list(yaml.compose_all(self._text, Loader=_Loader))
                except (yaml.YAMLError, DocumentError):
                    self._roots = []
        return self._roots

    def line(self, pointer: str | None, *, document: int = 0) -> int | None:
        """The line where *pointer* is (or its nearest existing parent)."""
        roots = [r for r in self._compose() if r is not None]
        if document >= len(roots):
            return None
        node: Any = roots[document]
        try:
            tokens = split_pointer(pointer or "")
        except ValueError:
            return None
        for token in tokens:
            child = _child(node, token)
            if child is None:
                break
            node = child
        return _line_of(node)

    def lookup(self, document: int = 0) -> LineLookupFn:
        """A function from pointer to line for one document, for :class:`ResultBuilder`."""

        def find(pointer: str | None) -> int | None:
            return self.line(pointer, document=document)

        return find


def _line_of(node: Any) -> int:
    if isinstance(node, yaml.Node):
        return int(node.start_mark.line) + 1
    return node if isinstance(node, int) else int(node[0])


def _child(node: Any, token: str) -> Any:
    """The child of a node (a composed YAML node or a line tree) at *token*."""
    if isinstance(node, tuple):  # a line tree from the one parse
        children = node[1]
        if isinstance(children, dict):
            return children.get(token)
        index = int(token) if token.isdigit() else len(children)
        return children[index] if index < len(children) else None
    found: yaml.Node | None = None
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and str(key_node.value) == token:
                found = value_node
                break
    elif isinstance(node, yaml.SequenceNode) and token.isdigit():
        items: list[yaml.Node] = node.value
        index = int(token)
        found = items[index] if index < len(items) else None
    return found
