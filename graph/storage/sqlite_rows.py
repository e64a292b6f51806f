"""How the SQLite store lays out nodes and edges in rows, and reads them back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from graph.storage.changes import ChangeRecord
from graph.storage.records import Assertion, EdgeRecord, NodeRecord

CHUNK = 500  # SQLite allows 32766 host parameters; stay far below it


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True)
"""``json.dumps(value, separators=(",", ":"), sort_keys=True)``, made once: the
encoder keeps no state between calls, and ``json.dumps`` would build a new one
for every call with these options."""

_encode_text = json.encoder.encode_basestring_ascii
"""What ``json.dumps`` gives for a ``str`` with its default options."""


def dump_json(value: Any) -> str:
    return _ENCODER.encode(value)


def _text_json(value: Any) -> str:
    """``json.dumps(value)``; for a string, the encoder's C function directly."""
    return _encode_text(value) if isinstance(value, str) else json.dumps(value)


def assertions_json(assertions: Sequence[Assertion]) -> str:
    return dump_json([a.to_json() for a in assertions])


def fact_json(
    properties: Mapping[str, Any] | None, assertions: Sequence[Assertion]
) -> tuple[str, str]:
    """``dump_json(properties)`` and ``assertions_json(assertions)``, the same text.

    A fact with one assertion usually holds that assertion's properties as
    its own (the very same values): their JSON is then written once and
    spliced into the assertion's, instead of serialised twice. A state that
    does not exist (a change record's *before* of a created fact, *after* of
    a removed one) is ``null`` with no assertions, without the encoder.
    """
    props = "null" if properties is None else dump_json(properties)
    if not assertions:
        return props, "[]"
    if len(assertions) != 1 or properties is None:
        return props, assertions_json(assertions)
    (only,) = assertions
    if not _same_values(only.properties, properties):
        return props, assertions_json(assertions)
    actor = "" if only.actor is None else f'"actor":{_text_json(only.actor)},'
    return props, (
        f'[{{{actor}"asserted_at":{_text_json(only.asserted_at)},"properties":{props},'
        f'"source":{_text_json(only.source)}}}]'
    )


class WrittenJson:
    """The JSON of the facts one transaction wrote, reused by its change records.

    A change record's *after* state is the record the transaction wrote: its
    assertions are that very tuple and its properties that very dict
    (``change_for``), so its text is the one already made for the row.
    :meth:`fact` makes and keeps a row's text; :meth:`known` answers a state
    with the kept text when its assertions and properties are the very
    objects the row was made from, and serialises it otherwise.
    """

    def __init__(self) -> None:
        self._texts: dict[int, tuple[Sequence[Assertion], Mapping[str, Any], tuple[str, str]]] = {}

    def fact(
        self, properties: Mapping[str, Any], assertions: Sequence[Assertion]
    ) -> tuple[str, str]:
        texts = fact_json(properties, assertions)
        self._texts[id(assertions)] = (assertions, properties, texts)
        return texts

    def known(
        self, properties: Mapping[str, Any] | None, assertions: Sequence[Assertion]
    ) -> tuple[str, str]:
        kept = self._texts.get(id(assertions))
        if kept is not None and kept[0] is assertions and properties is kept[1]:
            return kept[2]
        return fact_json(properties, assertions)


def change_json(record: ChangeRecord, written: WrittenJson | None = None) -> str:
    """``dump_json(record.data_json())``, each state's properties serialised once.

    *written*: the texts of the rows this transaction wrote (:class:`WrittenJson`).
    """
    texts = written.known if written is not None else fact_json
    after, after_assertions = texts(record.after, record.after_assertions)
    before, before_assertions = texts(record.before, record.before_assertions)
    return (
        f'{{"after":{after},"after_assertions":{after_assertions},'
        f'"before":{before},"before_assertions":{before_assertions}}}'
    )


def _same_values(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """The same keys holding the very same objects (so 1 and True never pass for each other)."""
    missing = object()
    return len(a) == len(b) and all(b.get(key, missing) is value for key, value in a.items())


def load_assertions(text: str) -> tuple[Assertion, ...]:
    return tuple(Assertion.from_json(a) for a in json.loads(text))


def node_from_row(row: sqlite3.Row | tuple[Any, ...]) -> NodeRecord:
    return NodeRecord(row[0], row[1], json.loads(row[2]), load_assertions(row[3]))


def edge_from_row(row: sqlite3.Row | tuple[Any, ...]) -> EdgeRecord:
    return EdgeRecord(row[0], row[1], row[2], json.loads(row[3]), load_assertions(row[4]))


NODE_COLS = "ref, kind, props, assertions"
EDGE_COLS = "from_ref, type, to_ref, props, assertions"
NODE_COLS_N = "n.ref, n.kind, n.props, n.assertions"
