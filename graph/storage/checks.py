"""Checks a batch passes before a store writes it, and the merge of repeats within it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from graph.storage.records import EdgeRecord, NodeRecord
from schemas.errors import InvalidInputError
from schemas.facts import EdgeData, EdgeKey, NodeData
from schemas.validation import check_edge, check_node, check_values


def _check_source(source: str) -> None:
    if not source or len(source) > 1024:
        raise InvalidInputError("a source id is 1 to 1024 characters", location="source")


def _dedupe_nodes(nodes: Iterable[NodeData]) -> dict[str, NodeData]:
    """Merge repeated refs in one batch (later properties win)."""
    merged: dict[str, NodeData] = {}
    for node in nodes:
        previous = merged.get(node.ref)
        if previous is None:  # kept as given: the store copies properties into the assertion
            merged[node.ref] = node
        else:
            merged[node.ref] = NodeData(node.ref, {**previous.properties, **node.properties})
    return merged


def _dedupe_edges(edges: Iterable[EdgeData]) -> dict[EdgeKey, EdgeData]:
    merged: dict[EdgeKey, EdgeData] = {}
    for edge in edges:
        previous = merged.get(edge.key)
        merged[edge.key] = (
            EdgeData(*edge.key, {**previous.properties, **edge.properties}) if previous else edge
        )
    return merged


def prepare_batch(
    source: str,
    nodes: Iterable[NodeData],
    edges: Iterable[EdgeData],
    max_int_bits: int | None,
) -> tuple[dict[str, NodeData], dict[EdgeKey, EdgeData]]:
    """Check one source's batch before any write, and merge repeats within it."""
    _check_source(source)
    node_map = _dedupe_nodes(nodes)
    edge_map = _dedupe_edges(edges)
    for node in node_map.values():
        check_node(node.ref, node.properties, max_int_bits=max_int_bits, checked=node.checked)
    for edge in edge_map.values():
        check_edge(*edge.key, edge.properties, max_int_bits=max_int_bits)
    return node_map, edge_map


def check_import_records(
    nodes: Sequence[NodeRecord], edges: Sequence[EdgeRecord], *, max_int_bits: int | None = None
) -> None:
    """Check a whole-graph import completely, before anything is deleted.

    Every node and edge through the same checks as API writes and scans
    (``schemas.validation``), every assertion within what the store can
    hold, each ref once, and no edge naming a node the import lacks.
    """
    for node in nodes:
        check_node(node.ref, node.properties, max_int_bits=max_int_bits)
        for a in node.assertions:
            check_values(dict(a.properties), max_int_bits=max_int_bits, where=node.ref)
    for edge in edges:
        check_edge(*edge.key, edge.properties, max_int_bits=max_int_bits)
        for a in edge.assertions:
            check_values(dict(a.properties), max_int_bits=max_int_bits, where="->".join(edge.key))
    refs = {n.ref for n in nodes}
    if len(refs) != len(nodes):
        raise InvalidInputError("the import lists a node twice", location="nodes")
    if len({e.key for e in edges}) != len(edges):
        raise InvalidInputError("the import lists an edge twice", location="edges")
    dangling = [e.key for e in edges if e.from_ref not in refs or e.to_ref not in refs]
    if dangling:
        raise InvalidInputError(
            f"{len(dangling)} edge(s) refer to nodes not in the document, first {dangling[0]}",
            location="edges",
        )
