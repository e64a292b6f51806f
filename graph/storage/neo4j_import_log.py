"""The change records of a whole-graph Neo4j import: staged in batches, made live at the swap.

An import of a large graph changes every node and edge, so it makes as many
change records as the graph has facts; written in the swap transaction they
do not fit Neo4j's transaction memory. So they are staged like the graph:

1. Before staging, the live graph is read from one snapshot (with its
   version, the *base*), and one record per fact that differs between it
   and the imported graph is written in batches as an
   ``ArchgraphStagedChange`` node of the import's stage (no ``Change`` label,
   no ``seq``, ``version`` or ``at``: no read matches it).
2. The swap transaction, holding the graph lock, first **reconciles**: if
   other writes landed since the base, the change records with a version
   above the base name every fact they touched; for each of those facts the
   staged record is replaced by one computed against the fact as it is now,
   read in the swap transaction. So the records describe exactly the
   difference between the graph the import replaced and the imported graph.
3. It then makes the staged records live (``Change`` label, ``seq`` numbers
   from the log's counter, the import's ``version`` and ``at``) together with
   the swap of the graph: all of them or none.

A failed import deletes its staged records with the rest of its stage.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.storage.changes import ChangeRecord, State, change_for, change_time
from graph.storage.neo4j_cypher import batches, cypher
from graph.storage.neo4j_tx import Neo4jTx
from schemas.facts import EdgeKey

STAGED_CHANGE = "ArchgraphStagedChange"

STAGED_CHANGE_INDEXES: tuple[LiteralString, ...] = ()
"""None: a staged record's label has no index to update when it goes live (found by label scan)."""

Target = str | EdgeKey
RunWrite = Callable[[Callable[[ManagedTransaction], Any]], Any]
Touch = Callable[[ManagedTransaction, str], None]


def _row(stage: str, index: int, record: ChangeRecord) -> dict[str, Any]:
    return {
        "_stage": stage,
        "_i": index,
        "actor": record.actor,
        "source": record.source,
        "op": record.op,
        "ref": record.ref,
        "type": record.type,
        "to_ref": record.to_ref,
        "data": json.dumps(record.data_json(), separators=(",", ":"), sort_keys=True),
    }


@dataclass
class StagedLog:
    """The change records of one import: the graph it was compared with and the one it imports."""

    stage: str
    actor: str
    source: str
    base_version: int
    old: Mapping[Target, State]
    new: Mapping[Target, State]
    staged: int = field(default=0)
    """How many staged records this import wrote (live or replaced at the swap)."""
    numbered: int = field(default=0)
    """The ``_i`` numbers used so far; the swap reserves this many ``seq`` numbers."""

    def records(self, old: Mapping[Target, State], targets: Sequence[Target]) -> list[ChangeRecord]:
        """One record per target whose state differs between *old* and the import."""
        found = []
        for target in targets:
            record = change_for(
                old.get(target),
                self.new.get(target),
                at="",  # set at the swap
                actor=self.actor,
                source=self.source,
                version=0,  # set at the swap
            )
            if record is not None:
                found.append(record)
        return found

    def write(self, tx: ManagedTransaction, records: Sequence[ChangeRecord]) -> None:
        rows = [_row(self.stage, self.numbered + i, r) for i, r in enumerate(records)]
        self.numbered += len(rows)
        self.staged += len(rows)
        for batch in batches(rows):
            tx.run(
                cypher(f"UNWIND $rows AS row CREATE (c:{STAGED_CHANGE}) SET c = row"), rows=batch
            ).consume()


def stage_changes(run_write: RunWrite, touch: Touch, log: StagedLog) -> None:
    """Write the records of the base graph against the import, one transaction per batch."""
    targets = [*log.old, *(t for t in log.new if t not in log.old)]
    for batch in batches(targets):

        def unit(tx: ManagedTransaction, batch: list[Target] = batch) -> None:
            touch(tx, log.stage)
            log.write(tx, log.records(log.old, batch))

        numbered, staged = log.numbered, log.staged
        try:
            run_write(unit)
        except BaseException:
            log.numbered, log.staged = numbered, staged  # that batch was rolled back
            raise


def reconcile(tx: ManagedTransaction, log: StagedLog) -> None:
    """Re-base the staged records on the graph now, for every fact written since the base.

    Runs in the swap transaction, after the graph lock and before the graph
    is retired: the live graph read here is the graph the import replaces.
    """
    touched = tx.run(
        "MATCH (c:Change) WHERE c.version > $base RETURN DISTINCT c.ref AS ref, "
        "c.type AS type, c.to_ref AS to",
        base=log.base_version,
    )
    refs: set[str] = set()
    keys: set[EdgeKey] = set()
    for rec in touched:
        if rec["type"] is None:
            refs.add(str(rec["ref"]))
        else:
            keys.add((str(rec["ref"]), str(rec["type"]), str(rec["to"])))
    if not refs and not keys:
        return
    for batch in batches(sorted(refs)):
        dropped = tx.run(
            cypher(
                f"MATCH (c:{STAGED_CHANGE} {{_stage: $stage}}) "
                "WHERE c.ref IN $refs AND c.type IS NULL DELETE c RETURN count(*) AS n"
            ),
            refs=batch,
            stage=log.stage,
        ).single(strict=True)
        log.staged -= int(dropped["n"])
    for key_batch in batches(sorted(keys)):
        dropped = tx.run(
            cypher(
                f"MATCH (c:{STAGED_CHANGE} {{_stage: $stage}}) "
                "WHERE c.type IS NOT NULL AND [c.ref, c.type, c.to_ref] IN $keys "
                "DELETE c RETURN count(*) AS n"
            ),
            keys=[list(k) for k in key_batch],
            stage=log.stage,
        ).single(strict=True)
        log.staged -= int(dropped["n"])
    reader = Neo4jTx(tx)
    now: dict[Target, State] = {}
    now.update(reader.get_nodes(sorted(refs)).items())
    now.update(reader.get_edges(sorted(keys)).items())
    log.write(tx, log.records(now, [*sorted(refs), *sorted(keys)]))


def staged_count(tx: ManagedTransaction, stage: str) -> int:
    """How many change records *stage* holds."""
    found = tx.run(
        cypher(f"MATCH (c:{STAGED_CHANGE} {{_stage: $stage}}) RETURN count(c) AS c"), stage=stage
    ).single(strict=True)
    return int(found["c"])


def go_live(tx: ManagedTransaction, log: StagedLog, version: int) -> int:
    """Make the staged records live with *version*, the swap's time and fresh ``seq`` numbers.

    The caller has checked that the stage holds ``log.staged`` records.
    Returns how many went live.
    """
    if not log.staged:
        return 0
    last = tx.run(
        "MATCH (m:ArchgraphMeta {id: 'graph'}) "
        "SET m.change_seq = coalesce(m.change_seq, 0) + $n RETURN m.change_seq AS last",
        n=log.numbered,
    ).single(strict=True)["last"]
    tx.run(
        cypher(
            f"MATCH (c:{STAGED_CHANGE} {{_stage: $stage}}) "
            "SET c:Change, c.seq = $first + c._i, c.version = $version, c.at = $at "
            f"REMOVE c:{STAGED_CHANGE}"
        ),
        stage=log.stage,
        first=int(last) - log.numbered + 1,
        version=version,
        at=change_time(),
    ).consume()
    return log.staged
