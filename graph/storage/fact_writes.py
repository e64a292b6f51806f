"""One source's assertions set and dropped inside a write transaction: what every store shares.

:func:`upsert_in_tx` sets a source's assertion on each fact of a batch
(creating facts that do not exist; an edge's ends must exist),
:func:`retract_in_tx` drops it (removing facts nobody asserts any more, and
the edges of removed nodes), and :func:`finish` bumps the graph version once
if anything changed. They run on any :class:`~graph.storage.write_tx.WriteTx`;
:class:`~graph.storage.store.GraphStore` calls them for every write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from graph.storage.records import (
    Assertion,
    EdgeRecord,
    NodeRecord,
    WriteSummary,
    merge_assertions,
    with_assertion,
    without_assertion,
)
from graph.storage.write_tx import WriteTx
from schemas.errors import NotFoundError
from schemas.facts import EdgeData, EdgeKey, NodeData

__all__ = ["finish", "retract_in_tx", "upsert_in_tx"]

K = TypeVar("K", str, EdgeKey)


def finish(tx: WriteTx, summary: WriteSummary) -> WriteSummary:
    """*summary* with the version the write leaves: bumped once if anything changed."""
    summary.version = tx.bump_version() if summary.changed else tx.read_version()
    return summary


def upsert_in_tx(
    tx: WriteTx,
    source: str,
    node_map: Mapping[str, NodeData],
    edge_map: Mapping[EdgeKey, EdgeData],
    stamp: str,
    summary: WriteSummary,
    actor: str | None = None,
) -> None:
    """Set *source*'s assertion (made at *stamp* by *actor*) on every node and edge of the
    batch; count what was created and updated in *summary*. Raises ``NotFoundError`` for an
    edge whose end neither the batch nor the store holds."""
    stored_nodes = tx.get_nodes(list(node_map))
    nodes, created, updated = _asserted(stored_nodes, node_map, source, stamp, actor)
    summary.nodes_created += created
    summary.nodes_updated += updated
    if nodes:
        tx.put_nodes(
            [NodeRecord(ref, node_map[ref].kind, merge_assertions(a), a) for ref, a in nodes]
        )

    if not edge_map:
        return
    endpoints = {ref for key in edge_map for ref in (key[0], key[2])}
    missing = endpoints - node_map.keys()
    if missing:
        missing -= tx.get_nodes(sorted(missing)).keys()
    if missing:
        listed = ", ".join(sorted(missing)[:10])
        raise NotFoundError(
            f"edges refer to {len(missing)} element(s) that do not exist: {listed}",
            code="unknown_element",
            location=sorted(missing)[0],
        )
    stored_edges = tx.get_edges(list(edge_map))
    edges, created, updated = _asserted(stored_edges, edge_map, source, stamp, actor)
    summary.edges_created += created
    summary.edges_updated += updated
    if edges:
        tx.put_edges([EdgeRecord(*key, merge_assertions(a), a) for key, a in edges])


def _asserted(
    stored: Mapping[K, NodeRecord | EdgeRecord],
    batch: Mapping[K, NodeData | EdgeData],
    source: str,
    stamp: str,
    actor: str | None,
) -> tuple[list[tuple[K, tuple[Assertion, ...]]], int, int]:
    """*source*'s assertion set on each fact of *batch* (*stored*: those the store holds).

    The facts whose assertions change, with their new assertions, in batch
    order; and how many of them are created and how many updated.
    """
    changed: list[tuple[K, tuple[Assertion, ...]]] = []
    created = 0
    for key, fact in batch.items():
        old = stored.get(key)
        assertions, differs = with_assertion(
            old.assertions if old else (), source, fact.properties, stamp, actor
        )
        if old is None:
            created += 1
        elif not differs:
            continue
        changed.append((key, assertions))
    return changed, created, len(changed) - created


def retract_in_tx(
    tx: WriteTx,
    source: str,
    node_refs: set[str],
    edge_keys: set[EdgeKey],
    summary: WriteSummary,
) -> None:
    """Drop *source*'s assertion of these facts; remove facts nobody asserts any more."""
    if not node_refs and not edge_keys:
        return
    edge_updates: list[EdgeRecord] = []
    edge_removals: set[EdgeKey] = set()
    for key, edge in tx.get_edges(sorted(edge_keys)).items():
        remaining = without_assertion(edge.assertions, source)
        if remaining == edge.assertions:
            continue
        if remaining:
            edge_updates.append(EdgeRecord(*key, merge_assertions(remaining), remaining))
        else:
            edge_removals.add(key)

    node_updates: list[NodeRecord] = []
    node_removals: list[str] = []
    for ref, node in tx.get_nodes(sorted(node_refs)).items():
        remaining = without_assertion(node.assertions, source)
        if remaining == node.assertions:
            continue
        if remaining:
            node_updates.append(NodeRecord(ref, node.kind, merge_assertions(remaining), remaining))
        else:
            node_removals.append(ref)
    if node_removals:
        # A node nobody asserts any more takes every edge touching it along.
        edge_removals |= tx.edge_keys_touching(node_removals)
        edge_updates = [e for e in edge_updates if e.key not in edge_removals]

    if edge_removals:
        tx.remove_edges(sorted(edge_removals))
    if edge_updates:
        tx.put_edges(edge_updates)
    if node_removals:
        tx.remove_nodes(node_removals)
    if node_updates:
        tx.put_nodes(node_updates)
    summary.edges_removed += len(edge_removals)
    summary.edges_updated += len(edge_updates)
    summary.nodes_removed += len(node_removals)
    summary.nodes_updated += len(node_updates)
