"""What a scanner returns, and the one helper every scanner uses to build it.

A scan of one source (one file) is a :class:`ScanResult`: the nodes and
edges that source asserts, ready for ``store.replace_source``, and the
:class:`ScanIssue` list (errors, warnings, notes) with file, line and field.

:class:`ResultBuilder` is shared by every scanner so that the rules below hold
everywhere, not per scanner:

* a node's properties are exactly what its element model's ``properties()``
  returns (the model validates them);
* an edge's kinds are checked with ``check_edge_kinds`` and its properties go
  through ``validate_edge_properties``;
* every element an edge touches but the source does not describe is added as
  a *stub* (a node with no properties), so every edge endpoint exists;
* output is sorted, so the same input always gives the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from scanners.documents import DocumentError, load_documents
from schemas.edges import EdgeKindError, EdgeType, check_edge_kinds, validate_edge_properties
from schemas.elements import ELEMENT_MODELS, Element
from schemas.facts import EdgeData, NodeData
from schemas.refs import Kind, RefError, parse_ref

__all__ = [
    "ChannelUse",
    "ReadFile",
    "ResultBuilder",
    "ScanIssue",
    "ScanResult",
    "Severity",
    "documents_or_failure",
    "issue_text",
    "parser",
    "ref_kind",
    "validation_message",
]


class Severity(StrEnum):
    """How bad an issue is. A source with an ``error`` is not loaded."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def issue_text(issue: Mapping[str, Any]) -> str:
    """One line for a person: ``file:line (field): severity: message [code]``."""
    where = issue["file"] if issue.get("line") is None else f"{issue['file']}:{issue['line']}"
    if issue.get("field"):
        where += f" ({issue['field']})"
    return f"{where}: {issue['severity']}: {issue['message']} [{issue['code']}]"


@dataclass(frozen=True, slots=True)
class ScanIssue:
    """One problem or note about a scanned file.

    ``pointer`` is a JSON pointer into the document (``/paths/~1pets/get``),
    ``field`` the same place written for people (``depends_on[2].strength``).
    """

    severity: Severity
    code: str
    message: str
    file: str
    line: int | None = None
    pointer: str | None = None
    field: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "file": self.file,
        }
        for key in ("line", "pointer", "field"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def __str__(self) -> str:
        return issue_text(self.to_json())


@dataclass(frozen=True, slots=True)
class ChannelUse:
    """One event channel an API's application sends to or receives from.

    ``servers`` are the normalised URLs of the servers the channel is on
    (empty: the document names none). The directory scan joins the channels
    of different documents with these (:mod:`scanners.events`).
    """

    api_ref: str
    action: str
    address: str
    servers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one source asserts, plus what went wrong or was noticed.

    ``described`` lists the refs this source fully describes; every other
    node in ``nodes`` is a stub it only refers to.
    """

    source_id: str
    scanner: str
    origin: str
    nodes: tuple[NodeData, ...] = ()
    edges: tuple[EdgeData, ...] = ()
    issues: tuple[ScanIssue, ...] = ()
    described: tuple[str, ...] = ()
    stats: Mapping[str, int] = field(default_factory=dict)
    channels: tuple[ChannelUse, ...] = ()
    """The event channels its APIs' applications send to and receive from."""

    @property
    def failed(self) -> bool:
        """Whether any issue is an error (the source must not be loaded)."""
        return any(issue.is_error for issue in self.issues)

    @property
    def errors(self) -> list[ScanIssue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[ScanIssue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    def node(self, ref: str) -> NodeData | None:
        """The node with *ref*, if this source asserts it."""
        return next((n for n in self.nodes if n.ref == ref), None)

    def edge_keys(self) -> set[tuple[str, str, str]]:
        return {e.key for e in self.edges}

    def with_issues(self, extra: Iterable[ScanIssue]) -> ScanResult:
        """A copy with more issues appended."""
        return ScanResult(
            self.source_id,
            self.scanner,
            self.origin,
            self.nodes,
            self.edges,
            (*self.issues, *extra),
            self.described,
            self.stats,
            self.channels,
        )

    def with_edges(self, extra: Iterable[EdgeData]) -> ScanResult:
        """A copy asserting more edges (already checked); lists of channels or
        operations of an edge asserted twice are joined, and a stub is added
        for every endpoint the source does not hold yet."""
        edges = {e.key: dict(e.properties) for e in self.edges}
        for e in extra:
            before = edges.get(e.key)
            props = dict(e.properties)
            if before is not None:
                name = _LIST_PROPS.get(EdgeType(e.type))
                if name is not None and before.get(name) and props.get(name):
                    props[name] = list(dict.fromkeys([*before[name], *props[name]]))
                elif name is not None:
                    props.pop(name, None)
                props = {**before, **props}
            edges[e.key] = props
        nodes = {n.ref: n for n in self.nodes}
        for from_ref, _, to_ref in edges:
            for ref in (from_ref, to_ref):
                nodes.setdefault(ref, NodeData(ref, {}))
        return ScanResult(
            self.source_id,
            self.scanner,
            self.origin,
            tuple(nodes[r] for r in sorted(nodes)),
            tuple(EdgeData(k[0], k[1], k[2], p) for k, p in sorted(edges.items())),
            self.issues,
            self.described,
            self.stats,
            self.channels,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source_id,
            "scanner": self.scanner,
            "file": self.origin,
            "nodes": [{"ref": n.ref, "properties": dict(n.properties)} for n in self.nodes],
            "edges": [
                {
                    "from": e.from_ref,
                    "type": e.type,
                    "to": e.to_ref,
                    "properties": dict(e.properties),
                }
                for e in self.edges
            ],
            "issues": [i.to_json() for i in self.issues],
            "stats": dict(self.stats),
        }


def validation_message(exc: ValidationError, *, limit: int = 3) -> str:
    """A short one-line summary of a pydantic validation error."""
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


_LIST_PROPS = {
    EdgeType.CONSUMES: "operations",
    EdgeType.PUBLISHES: "channels",
    EdgeType.SUBSCRIBES: "channels",
}

LineLookup = Callable[[str | None], int | None]
"""Maps a JSON pointer of the scanned document to a 1-based line, when known."""


class ResultBuilder:
    """Collects one source's nodes, edges and issues, then builds a :class:`ScanResult`.

    Element and edge problems become issues, never exceptions, so a scanner
    can keep going and report everything wrong with a file at once.
    """

    def __init__(self, scanner: str, origin: str, *, source_id: str | None = None) -> None:
        self.scanner = scanner
        self.origin = origin
        self.source_id = source_id or f"{scanner}:{origin}"
        self.issues: list[ScanIssue] = []
        self.stats: dict[str, int] = {}
        self._nodes: dict[str, dict[str, Any]] = {}
        self._checked: dict[str, Element] = {}
        """Nodes described once: the model instance their properties were dumped from."""
        self._edges: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._lines: LineLookup | None = None
        self.channels: list[ChannelUse] = []

    # -------------------------------------------------------------- issues

    def set_line_lookup(self, lookup: LineLookup | None) -> None:
        """Use *lookup* to fill in line numbers of issues that have a pointer."""
        self._lines = lookup

    def issue(
        self,
        severity: Severity,
        code: str,
        message: str,
        *,
        pointer: str | None = None,
        field: str | None = None,
        line: int | None = None,
        file: str | None = None,
    ) -> None:
        if line is None and self._lines is not None and file in (None, self.origin):
            line = self._lines(pointer)
        self.issues.append(
            ScanIssue(severity, code, message, file or self.origin, line, pointer, field)
        )

    def error(self, code: str, message: str, **where: Any) -> None:
        self.issue(Severity.ERROR, code, message, **where)

    def warning(self, code: str, message: str, **where: Any) -> None:
        self.issue(Severity.WARNING, code, message, **where)

    def info(self, code: str, message: str, **where: Any) -> None:
        self.issue(Severity.INFO, code, message, **where)

    def extend(self, issues: Iterable[ScanIssue]) -> None:
        self.issues.extend(issues)

    def count(self, key: str, amount: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + amount

    @property
    def failed(self) -> bool:
        return any(i.is_error for i in self.issues)

    # ------------------------------------------------------------ elements

    def describes(self, ref: str) -> bool:
        return ref in self._nodes

    def add(self, element: Element, *, pointer: str | None = None) -> str:
        """Record a fully described element; return its ref.

        Describing the same element twice in one source merges the two
        (later fields win) and warns.
        """
        ref = element.ref
        props = element.properties()
        if ref in self._nodes:
            if self._nodes[ref] != props:
                self.warning(
                    "element.duplicate",
                    f"{ref} is described more than once in this file; later fields win",
                    pointer=pointer,
                )
            props = {**self._nodes[ref], **props}
            self._checked.pop(ref, None)  # merged fields: no one instance vouches for them
        else:
            self._checked[ref] = element
        self._nodes[ref] = props
        return ref

    def element(
        self,
        kind: Kind,
        slug: str,
        fields: Mapping[str, Any],
        *,
        pointer: str | None = None,
        field: str | None = None,
    ) -> str | None:
        """Validate *fields* through the element model of *kind* and record it.

        Returns the ref, or ``None`` (with an error issue) when the model
        rejects the fields.
        """
        model = ELEMENT_MODELS[kind]
        try:
            element = model.model_validate({"slug": slug, **fields})
        except ValidationError as exc:
            self.error(
                "element.invalid",
                f"{kind.value}:{slug} is not valid: {validation_message(exc)}",
                pointer=pointer,
                field=field,
            )
            return None
        return self.add(element, pointer=pointer)

    # --------------------------------------------------------------- edges

    def edge(
        self,
        from_ref: str,
        edge_type: EdgeType,
        to_ref: str,
        properties: Mapping[str, Any] | None = None,
        *,
        pointer: str | None = None,
        field: str | None = None,
    ) -> bool:
        """Record an edge after checking its kinds and properties; return whether it was kept.

        Asserting the same edge twice merges the properties: lists of
        operations or channels are joined, other values are taken from the
        later assertion.
        """
        try:
            check_edge_kinds(from_ref, edge_type, to_ref)
            props = validate_edge_properties(edge_type, dict(properties or {}))
        except (RefError, EdgeKindError) as exc:
            self.error(
                "edge.invalid",
                f"cannot link {from_ref} -> {to_ref}: {exc}",
                pointer=pointer,
                field=field,
            )
            return False
        except ValidationError as exc:
            self.error(
                "edge.invalid",
                f"{edge_type.value} {from_ref} -> {to_ref}: {validation_message(exc)}",
                pointer=pointer,
                field=field,
            )
            return False
        key = (from_ref, edge_type.value, to_ref)
        previous = self._edges.get(key)
        if previous is not None:
            merged = {**previous, **props}
            name = _LIST_PROPS.get(edge_type)
            if name is not None:
                before, now = previous.get(name), props.get(name)
                if before and now:
                    merged[name] = list(dict.fromkeys([*before, *now]))
                else:  # no list (or an empty one) means all of them, which absorbs any list
                    merged.pop(name, None)
            props = merged
        self._edges[key] = props
        return True

    # --------------------------------------------------------------- build

    def build(self) -> ScanResult:
        """The finished result: described nodes, stubs for the rest, sorted."""
        nodes = dict(self._nodes)
        for from_ref, _, to_ref in self._edges:
            for ref in (from_ref, to_ref):
                nodes.setdefault(ref, {})
        issues = self.issues
        failed = self.failed
        if failed:
            # A failed source asserts nothing; it only reports why.
            nodes, edges = {}, {}
        else:
            edges = self._edges
        return ScanResult(
            source_id=self.source_id,
            scanner=self.scanner,
            origin=self.origin,
            nodes=tuple(
                NodeData(ref, props, self._checked.get(ref)) for ref, props in sorted(nodes.items())
            ),
            edges=tuple(
                EdgeData(key[0], key[1], key[2], props) for key, props in sorted(edges.items())
            ),
            issues=tuple(issues),
            described=tuple(sorted(self._nodes)) if not failed else (),
            stats=dict(sorted(self.stats.items())),
            channels=tuple(dict.fromkeys(self.channels)) if not failed else (),
        )


def ref_kind(ref: str) -> Kind | None:
    """The kind of *ref*, or None when it is not a valid reference."""
    try:
        return parse_ref(ref)[0]
    except RefError:
        return None


def documents_or_failure(
    scanner: str, text: str, *, origin: str, source_id: str | None
) -> list[Any] | ScanResult:
    """The YAML/JSON documents in *text*, or a failed result saying why they cannot be read.

    The shared first step of every scanner's ``parse``.
    """
    try:
        return load_documents(text)
    except DocumentError as exc:
        builder = ResultBuilder(scanner, origin, source_id=source_id)
        builder.error(exc.code, exc.message, line=exc.line)
        return builder.build()


@dataclass(frozen=True, slots=True)
class ReadFile:
    """One file read into its YAML/JSON documents: what every format's
    ``scan_documents`` takes (the directory scan reads each file once)."""

    origin: str
    text: str
    docs: list[Any]
    source_id: str | None = None

    def builder(self, scanner: str) -> ResultBuilder:
        """A result builder for this file."""
        return ResultBuilder(scanner, self.origin, source_id=self.source_id)


def parser(scanner: str, scan: Callable[..., ScanResult]) -> Callable[..., ScanResult]:
    """A format's ``parse(text, *, origin, source_id=None, **options)``, from its
    ``scan_documents(file, **options)``: the file is read into documents first,
    and one that cannot be read comes back as a failed result saying why."""

    def parse(
        text: str, *, origin: str, source_id: str | None = None, **options: Any
    ) -> ScanResult:
        docs = documents_or_failure(scanner, text, origin=origin, source_id=source_id)
        if isinstance(docs, ScanResult):
            return docs
        return scan(ReadFile(origin, text, docs, source_id), **options)

    parse.__doc__ = f"Scan one {scanner} file; options as for ``scan_documents``."
    return parse
