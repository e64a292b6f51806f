"""Writes decided inside the write transaction: a plan reads, then says what to upsert.

A caller whose write depends on what the store holds (the next ADR number,
whether an imported ADR changed) hands :meth:`GraphStore.apply_planned` (or
``replace_sources(..., then=plan)``) a *plan*: a function that reads through a
:class:`TxReader` and returns :class:`Upserts`. The plan runs inside the write
transaction, after its lock, so no other writer (thread or process) can
change what it read before its upserts land. A plan may run more than once
(a backend retries a transaction that hit a transient error), so it must
decide from what it reads, not from state it kept from an earlier run; an
exception it raises aborts the transaction and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graph.storage.records import NodeRecord
from graph.storage.write_tx import WriteTx
from schemas.facts import EdgeData, NodeData

__all__ = ["Plan", "TxReader", "Upserts"]


class TxReader:
    """Reads inside a write transaction (they see the transaction's own writes)."""

    def __init__(self, tx: WriteTx) -> None:
        self._tx = tx

    def get_nodes(self, refs: Sequence[str]) -> dict[str, NodeRecord]:
        return self._tx.get_nodes(list(dict.fromkeys(refs))) if refs else {}

    def get_node(self, ref: str) -> NodeRecord | None:
        return self.get_nodes([ref]).get(ref)


@dataclass(frozen=True)
class Upserts:
    """Nodes and edges *source* asserts, added to what it asserts already (``apply``)."""

    source: str
    nodes: Sequence[NodeData] = ()
    edges: Sequence[EdgeData] = ()


Plan = Callable[[TxReader], Sequence[Upserts]]
