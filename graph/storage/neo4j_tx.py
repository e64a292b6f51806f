"""The Neo4j store's write transaction: the primitive operations as batched Cypher."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, LiteralString

import neo4j
from neo4j import ManagedTransaction

from graph.storage.changes import ChangeRecord
from graph.storage.neo4j_cypher import (
    batches,
    cypher,
    edge_record,
    label_of,
    node_record,
    rel_type_of,
    stored_props,
)
from graph.storage.neo4j_sources import (
    assertions_of,
    clear_index,
    edge_keys_of,
    index_edges,
    index_nodes,
    node_refs_of,
    unindex_edges,
    unindex_nodes,
)
from graph.storage.records import EdgeRecord, NodeRecord
from graph.storage.write_tx import Asserted, WriteTx
from schemas.facts import EdgeKey


class Neo4jTx(WriteTx):
    def __init__(self, tx: ManagedTransaction) -> None:
        self.tx = tx

    def run(self, query: LiteralString, **params: Any) -> list[neo4j.Record]:
        return list(self.tx.run(query, params))

    def get_nodes(self, refs: Sequence[str]) -> dict[str, NodeRecord]:
        # One row per batch holding every node found (fewer Bolt records to decode).
        found: dict[str, NodeRecord] = {}
        for batch in batches(refs):
            recs = self.run(
                "UNWIND $refs AS ref MATCH (n:Element {ref: ref}) "
                "RETURN collect([n.ref, n.kind, n._props, n._assertions]) AS rows",
                refs=batch,
            )
            for ref, kind, props, assertions in recs[0]["rows"]:
                found[ref] = node_record(ref, kind, props, assertions)
        return found

    def get_edges(self, keys: Sequence[EdgeKey]) -> dict[EdgeKey, EdgeRecord]:
        found: dict[EdgeKey, EdgeRecord] = {}
        for batch in batches(keys):
            rows = [{"from": k[0], "type": k[1], "to": k[2]} for k in batch]
            recs = self.run(
                "UNWIND $rows AS row "
                "MATCH (a:Element {ref: row.from})-[r]->(b:Element {ref: row.to}) "
                "WHERE type(r) = row.type "
                "RETURN collect([a.ref, type(r), b.ref, r._props, r._assertions]) AS rows",
                rows=rows,
            )
            for from_ref, edge_type, to_ref, props, assertions in recs[0]["rows"]:
                key = (from_ref, edge_type, to_ref)
                found[key] = edge_record(key, props, assertions)
        return found

    def put_nodes(self, records: Sequence[NodeRecord]) -> None:
        by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in records:
            props = {**stored_props(r.properties, r.assertions), "ref": r.ref, "kind": r.kind}
            by_kind[r.kind].append({"ref": r.ref, "props": props})
        for kind, rows in by_kind.items():
            label = label_of(kind)
            for batch in batches(rows):
                self.run(
                    cypher(
                        "UNWIND $rows AS row MERGE (n:Element {ref: row.ref}) "
                        f"SET n = row.props, n:{label}"
                    ),
                    rows=batch,
                )
        index_nodes(self.run, records)

    def put_edges(self, records: Sequence[EdgeRecord]) -> None:
        by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in records:
            by_type[r.type].append(
                {
                    "from": r.from_ref,
                    "to": r.to_ref,
                    "props": stored_props(r.properties, r.assertions),
                }
            )
        for etype, rows in by_type.items():
            rel = rel_type_of(etype)
            for batch in batches(rows):
                self.run(
                    cypher(
                        "UNWIND $rows AS row "
                        "MATCH (a:Element {ref: row.from}) MATCH (b:Element {ref: row.to}) "
                        f"MERGE (a)-[r:{rel}]->(b) SET r = row.props"
                    ),
                    rows=batch,
                )
        index_edges(self.run, records)

    def remove_nodes(self, refs: Sequence[str]) -> None:
        for batch in batches(refs):
            self.run("UNWIND $refs AS ref MATCH (n:Element {ref: ref}) DETACH DELETE n", refs=batch)
        unindex_nodes(self.run, refs)

    def remove_edges(self, keys: Sequence[EdgeKey]) -> None:
        for batch in batches(keys):
            rows = [{"from": k[0], "type": k[1], "to": k[2]} for k in batch]
            self.run(
                "UNWIND $rows AS row "
                "MATCH (a:Element {ref: row.from})-[r]->(b:Element {ref: row.to}) "
                "WHERE type(r) = row.type DELETE r",
                rows=rows,
            )
        unindex_edges(self.run, keys)

    def source_node_refs(self, source: str) -> set[str]:
        return node_refs_of(self.run, source)

    def source_edge_keys(self, source: str) -> set[EdgeKey]:
        return edge_keys_of(self.run, source)

    def source_assertions(self, sources: Sequence[str]) -> dict[str, Asserted]:
        found = assertions_of(self.run, sources)
        return {source: Asserted(*pair) for source, pair in found.items()}

    def edge_keys_touching(self, refs: Sequence[str]) -> set[EdgeKey]:
        keys: set[EdgeKey] = set()
        for batch in batches(refs):
            for rec in self.run(
                "UNWIND $refs AS ref MATCH (n:Element {ref: ref})-[r]-(m:Element) "
                "RETURN startNode(r).ref AS f, type(r) AS t, endNode(r).ref AS to",
                refs=batch,
            ):
                keys.add((rec["f"], rec["t"], rec["to"]))
        return keys

    def clear(self) -> None:
        self.run("MATCH (n:Element) DETACH DELETE n")
        self.clear_scan_states()
        clear_index(self.run)

    def read_scan_state(self, key: str) -> str | None:
        recs = self.run("MATCH (s:ArchgraphScanState {key: $key}) RETURN s.value AS v", key=key)
        return str(recs[0]["v"]) if recs else None

    def put_scan_states(self, states: Mapping[str, str | None]) -> None:
        gone = [k for k, v in states.items() if v is None]
        rows = [{"key": k, "value": v} for k, v in states.items() if v is not None]
        for batch in batches(gone):
            self.run(
                "UNWIND $keys AS key MATCH (s:ArchgraphScanState {key: key}) DELETE s", keys=batch
            )
        for batch in batches(rows):
            self.run(
                "UNWIND $rows AS row MERGE (s:ArchgraphScanState {key: row.key}) "
                "SET s.value = row.value",
                rows=batch,
            )

    def clear_scan_states(self) -> None:
        self.run("MATCH (s:ArchgraphScanState) DELETE s")

    def bump_version(self) -> int:
        recs = self.run(
            "MERGE (m:ArchgraphMeta {id: 'graph'}) "
            "SET m.version = coalesce(m.version, 0) + 1 RETURN m.version AS v"
        )
        return int(recs[0]["v"])

    def read_version(self) -> int:
        recs = self.run("MATCH (m:ArchgraphMeta {id: 'graph'}) RETURN m.version AS v")
        return int(recs[0]["v"]) if recs else 0

    def append_changes(self, records: Sequence[ChangeRecord]) -> None:
        if not records:
            return
        # The counter on the version node numbers the records (and locks that
        # node, so concurrent writers append one after another).
        recs = self.run(
            "MERGE (m:ArchgraphMeta {id: 'graph'}) "
            "SET m.change_seq = coalesce(m.change_seq, 0) + $n RETURN m.change_seq AS last",
            n=len(records),
        )
        first = int(recs[0]["last"]) - len(records) + 1
        rows = [
            {
                "seq": first + i,
                "at": r.at,
                "actor": r.actor,
                "source": r.source,
                "version": r.version,
                "op": r.op,
                "ref": r.ref,
                "type": r.type,
                "to_ref": r.to_ref,
                "data": json.dumps(r.data_json(), separators=(",", ":"), sort_keys=True),
            }
            for i, r in enumerate(records)
        ]
        for batch in batches(rows):
            self.run("UNWIND $rows AS row CREATE (c:Change) SET c = row", rows=batch)

    def all_keys(self) -> tuple[list[str], list[EdgeKey]]:
        refs = [rec["ref"] for rec in self.run("MATCH (n:Element) RETURN n.ref AS ref")]
        keys = [
            (rec["f"], rec["t"], rec["to"])
            for rec in self.run(
                "MATCH (a:Element)-[r]->(b:Element) RETURN a.ref AS f, type(r) AS t, b.ref AS to"
            )
        ]
        return refs, keys
