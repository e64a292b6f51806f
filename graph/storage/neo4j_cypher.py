"""Cypher building blocks shared by the Neo4j store and its whole-graph import.

Labels and relationship types come only from the allow-lists here; every
value travels as a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, LiteralString
from urllib.parse import unquote, urlsplit, urlunsplit

if TYPE_CHECKING:  # the driver is imported by the modules that talk to Neo4j, not here
    from neo4j import ManagedTransaction, Transaction

from graph.storage.records import Assertion, EdgeRecord, NodeRecord
from schemas.edges import EdgeType
from schemas.errors import InvalidInputError
from schemas.refs import Kind

_LABELS: dict[str, str] = {kind.value: kind.value.capitalize() for kind in Kind}
_TYPES: dict[str, str] = {etype.value: etype.value for etype in EdgeType}
RESERVED = {"ref", "kind", "_props", "_assertions", "_sources"}
BATCH = 5_000

CONSTRAINTS: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT archgraph_element_ref IF NOT EXISTS FOR (n:Element) REQUIRE n.ref IS UNIQUE",
    "CREATE CONSTRAINT archgraph_meta_id IF NOT EXISTS "
    "FOR (m:ArchgraphMeta) REQUIRE m.id IS UNIQUE",
    "CREATE INDEX archgraph_element_kind IF NOT EXISTS FOR (n:Element) ON (n.kind)",
    "CREATE CONSTRAINT archgraph_scan_state_key IF NOT EXISTS "
    "FOR (s:ArchgraphScanState) REQUIRE s.key IS UNIQUE",
    "CREATE INDEX archgraph_staged_ref IF NOT EXISTS FOR (n:ArchgraphStaged) ON (n._stage, n.ref)",
    "CREATE CONSTRAINT archgraph_stage_id IF NOT EXISTS "
    "FOR (s:ArchgraphStage) REQUIRE s.id IS UNIQUE",
    "CREATE CONSTRAINT archgraph_change_seq IF NOT EXISTS FOR (c:Change) REQUIRE c.seq IS UNIQUE",
    "CREATE INDEX archgraph_change_at IF NOT EXISTS FOR (c:Change) ON (c.at)",
    "CREATE INDEX archgraph_change_ref IF NOT EXISTS FOR (c:Change) ON (c.ref)",
    "CREATE INDEX archgraph_change_to_ref IF NOT EXISTS FOR (c:Change) ON (c.to_ref)",
    "CREATE INDEX archgraph_change_actor IF NOT EXISTS FOR (c:Change) ON (c.actor)",
    "CREATE INDEX archgraph_change_version IF NOT EXISTS FOR (c:Change) ON (c.version)",
)


def cypher(text: str) -> LiteralString:
    """Mark a query assembled only from constants and allow-listed names as safe."""
    return text  # mypy treats LiteralString as str; the marker is for readers and pyright


def label_of(kind: str) -> str:
    try:
        return _LABELS[kind]
    except KeyError:
        raise InvalidInputError(f"unknown kind {kind!r}") from None


def rel_type_of(edge_type: str) -> str:
    try:
        return _TYPES[edge_type]
    except KeyError:
        raise InvalidInputError(f"unknown edge type {edge_type!r}") from None


def flat_props(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Properties Neo4j can hold natively: scalars and lists of one scalar type."""
    flat: dict[str, Any] = {}
    for key, value in properties.items():
        if key in RESERVED:
            continue
        scalar = isinstance(value, str | int | float | bool)
        if scalar or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            flat[key] = value
    return flat


def stored_props(properties: Mapping[str, Any], assertions: Sequence[Assertion]) -> dict[str, Any]:
    return {
        **flat_props(properties),
        "_props": json.dumps(dict(properties), separators=(",", ":"), sort_keys=True),
        "_assertions": json.dumps([a.to_json() for a in assertions], separators=(",", ":")),
        "_sources": sorted({a.source for a in assertions}),
    }


def batches(rows: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(rows), BATCH):
        yield list(rows[start : start + BATCH])


_LOCK: LiteralString = (
    "MERGE (m:ArchgraphMeta {id: 'graph'}) ON CREATE SET m.version = 0 SET m._lock = true"
)


def lock_graph(tx: ManagedTransaction | Transaction) -> None:
    """Take the graph's write lock: the first statement of every write transaction."""
    tx.run(_LOCK).consume()


def split_credentials(uri: str) -> tuple[str, str | None, str | None]:
    """``bolt://user:secret@host:7687`` -> (``bolt://host:7687``, user, secret).

    The URI the driver sees, and the one shown anywhere, never holds credentials.
    """
    parts = urlsplit(uri)
    if parts.username is None and parts.password is None:
        return uri, None, None
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    user = unquote(parts.username) if parts.username else None
    secret = unquote(parts.password) if parts.password else None
    return clean, user, secret


# ------------------------------------------------------------ reading back


def _load_assertions(text: str | None) -> tuple[Assertion, ...]:
    return tuple(Assertion.from_json(a) for a in json.loads(text or "[]"))


def node_record(ref: str, kind: str, props: str | None, assertions: str | None) -> NodeRecord:
    return NodeRecord(ref, kind, json.loads(props or "{}"), _load_assertions(assertions))


def edge_record(key: Sequence[str], props: str | None, assertions: str | None) -> EdgeRecord:
    return EdgeRecord(
        key[0], key[1], key[2], json.loads(props or "{}"), _load_assertions(assertions)
    )


NODE_RETURN = "n.ref AS ref, n.kind AS kind, n._props AS props, n._assertions AS assertions"
EDGE_RETURN = (
    "a.ref AS from_ref, type(r) AS type, b.ref AS to_ref, "
    "r._props AS props, r._assertions AS assertions"
)
