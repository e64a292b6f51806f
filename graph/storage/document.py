"""The whole graph as one JSON document: how a graph moves between stores.

::

    {"format": "archgraph-graph", "format_version": 1, "exported_at": "...",
     "backend": "sqlite", "version": 42,
     "nodes": [{"ref", "kind", "properties", "assertions": [{"source", "asserted_at",
                "properties"}]}],
     "edges": [{"from", "type", "to", "properties", "assertions": [...]}]}

Assertions (provenance) travel with the facts, so a graph imported into
Neo4j still knows which scan or API call asserted what.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterable, Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from graph.storage.document_model import (
    FORMAT,
    FORMAT_VERSION,
    EdgeItemIn,
    GraphDocumentIn,
    NodeIn,
)
from graph.storage.records import Assertion, EdgeRecord, NodeRecord, merge_assertions, utc_now
from graph.storage.store import GraphStore
from schemas.edges import EdgeKindError, check_edge_kinds
from schemas.errors import InvalidInputError
from schemas.refs import parse_ref

_CHUNK_ITEMS = 1_000  # nodes or edges per streamed piece


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _node_json(n: NodeRecord) -> dict[str, Any]:
    return {
        "ref": n.ref,
        "kind": n.kind,
        "properties": n.properties,
        "assertions": [a.to_json() for a in n.assertions],
    }


def _edge_json(e: EdgeRecord) -> dict[str, Any]:
    return {
        "from": e.from_ref,
        "type": e.type,
        "to": e.to_ref,
        "properties": e.properties,
        "assertions": [a.to_json() for a in e.assertions],
    }


def _items(items: Iterable[str]) -> Iterator[str]:
    """Comma-joined JSON items in pieces of ``_CHUNK_ITEMS``."""
    piece: list[str] = []
    first = True
    for item in items:
        piece.append(item)
        if len(piece) == _CHUNK_ITEMS:
            yield ("" if first else ",") + ",".join(piece)
            first, piece = False, []
    if piece:
        yield ("" if first else ",") + ",".join(piece)


def document_chunks(
    header: Mapping[str, Any], nodes: Iterable[NodeRecord], edges: Iterable[EdgeRecord]
) -> Iterator[str]:
    """An export document as JSON text, piece by piece: *header*'s fields, then the facts."""
    yield _dump(dict(header))[:-1] + ',"nodes":['
    yield from _items(_dump(_node_json(n)) for n in nodes)
    yield '],"edges":['
    yield from _items(_dump(_edge_json(e)) for e in edges)
    yield "]}"


def export_chunks(store: GraphStore) -> Generator[str, None, None]:
    """The export document as JSON text, piece by piece, from one snapshot of the store.

    Memory stays within one piece whatever the graph's size; every edge in
    the document joins nodes in it, even while others write.
    """
    with store.snapshot() as snap:
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "exported_at": utc_now(),
            "backend": store.backend,
            "version": snap.version,
        }
        yield from document_chunks(header, snap.iter_nodes(), snap.iter_edges())


def export_document(store: GraphStore) -> dict[str, Any]:
    """The export document as one object (from the same snapshot as the stream)."""
    result: dict[str, Any] = json.loads("".join(export_chunks(store)))
    return result


def _assertions(fact: NodeIn | EdgeItemIn) -> tuple[Assertion, ...]:
    if not fact.assertions:
        return (Assertion("import", utc_now(), dict(fact.properties)),)
    return tuple(Assertion(a.source, a.asserted_at, a.properties, a.actor) for a in fact.assertions)


def _records(doc: GraphDocumentIn) -> Iterator[NodeRecord | EdgeRecord]:
    for i, node in enumerate(doc.nodes):
        where = f"nodes[{i}]"
        kind, _ = parse_ref(node.ref)
        if node.kind is not None and node.kind != kind.value:
            raise InvalidInputError(
                f"{where}: kind {node.kind!r} differs from the ref's {kind.value!r}",
                location=where,
            )
        assertions = _assertions(node)
        yield NodeRecord(node.ref, kind.value, merge_assertions(assertions), assertions)
    for i, edge in enumerate(doc.edges):
        where = f"edges[{i}]"
        try:
            check_edge_kinds(edge.from_ref, edge.type, edge.to_ref)
        except EdgeKindError as exc:
            raise InvalidInputError(f"{where}: {exc}", location=where) from None
        assertions = _assertions(edge)
        yield EdgeRecord(
            edge.from_ref, edge.type, edge.to_ref, merge_assertions(assertions), assertions
        )


def _checked(doc: Any) -> GraphDocumentIn:
    """*doc* as the document model, or a 422 naming the first problem and where."""
    if not isinstance(doc, Mapping) or doc.get("format") != FORMAT:
        raise InvalidInputError(f"not an {FORMAT} document (format field)", location="format")
    if doc.get("format_version") != FORMAT_VERSION:
        raise InvalidInputError(
            f"unsupported format_version {doc.get('format_version')!r}; this build reads "
            f"{FORMAT_VERSION}",
            location="format_version",
        )
    try:
        return GraphDocumentIn.model_validate(doc)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in problem["loc"]
        ).lstrip(".")
        raise InvalidInputError(f"{where}: {problem['msg']}", location=where) from None


def import_document(
    store: GraphStore, doc: Mapping[str, Any], *, actor: str | None = None
) -> tuple[int, int, int]:
    """Replace the store's graph with *doc*; return (nodes, edges, new version).

    The whole document is checked before anything is written. The change
    records name *actor* and the source ``import``.
    """
    checked = _checked(doc)
    nodes: list[NodeRecord] = []
    edges: list[EdgeRecord] = []
    for record in _records(checked):
        if isinstance(record, NodeRecord):
            nodes.append(record)
        else:
            edges.append(record)
    if len({n.ref for n in nodes}) != len(nodes):
        raise InvalidInputError("the document lists a node twice", location="nodes")
    version = store.import_records(nodes, edges, actor=actor)
    return len(nodes), len(edges), version
