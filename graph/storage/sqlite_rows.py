"""How the SQLite store lays out nodes and edges in rows, and reads them back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from graph.storage.records import Assertion, EdgeRecord, NodeRecord

CHUNK = 500  # SQLite allows 32766 host parameters; stay far below it


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dump_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def assertions_json(assertions: Sequence[Assertion]) -> str:
    return dump_json([a.to_json() for a in assertions])


def load_assertions(text: str) -> tuple[Assertion, ...]:
    return tuple(Assertion.from_json(a) for a in json.loads(text))


def node_from_row(row: sqlite3.Row | tuple[Any, ...]) -> NodeRecord:
    return NodeRecord(row[0], row[1], json.loads(row[2]), load_assertions(row[3]))


def edge_from_row(row: sqlite3.Row | tuple[Any, ...]) -> EdgeRecord:
    return EdgeRecord(row[0], row[1], row[2], json.loads(row[3]), load_assertions(row[4]))


NODE_COLS = "ref, kind, props, assertions"
EDGE_COLS = "from_ref, type, to_ref, props, assertions"
NODE_COLS_N = "n.ref, n.kind, n.props, n.assertions"
