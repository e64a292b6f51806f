"""Change records: the append-only history of every write, and how to read it.

Every write transaction that changes the graph appends one
:class:`ChangeRecord` per node or edge it created, updated or removed, in the
same transaction (see ``docs/architecture.md``, "History"). A record keeps
the state before and after the write (effective properties and the
assertions behind them), so the graph at any earlier instant can be rebuilt
by undoing the newer records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from graph.storage.records import Assertion, EdgeRecord, NodeRecord
from schemas.errors import InvalidInputError
from schemas.facts import EdgeKey

Operation = Literal["created", "updated", "removed"]
State = NodeRecord | EdgeRecord


def change_time() -> str:
    """Now, as the fixed-width UTC string change records use (microseconds), sortable as text."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_instant(text: str, *, location: str) -> str:
    """An ISO-8601 instant from a request, in the change-record format.

    A time without an offset is UTC; a bare date means its midnight UTC.
    """
    try:  # RFC 3339 allows a lower-case "t" and "z"
        moment = datetime.fromisoformat(text.strip().upper().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except (ValueError, OverflowError):  # overflow: year 1 or 9999 moved past by its offset
        raise InvalidInputError(
            f"{text!r} is not an ISO-8601 instant (2024-05-01T12:00:00Z)", location=location
        ) from None


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One node or edge changed by one write transaction.

    ``ref`` is the node's ref, or the edge's from ref with ``type`` and
    ``to_ref`` set. ``before`` / ``after`` are the effective properties
    (None when the fact did not exist before / no longer exists after);
    the assertion tuples are what the store held, for rebuilding.
    """

    at: str
    actor: str
    source: str | None
    version: int
    op: Operation
    ref: str
    type: str | None
    to_ref: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    before_assertions: tuple[Assertion, ...] = ()
    after_assertions: tuple[Assertion, ...] = ()
    seq: int = 0

    @property
    def is_edge(self) -> bool:
        return self.type is not None

    @property
    def edge_key(self) -> EdgeKey:
        assert self.type is not None and self.to_ref is not None
        return (self.ref, self.type, self.to_ref)

    @property
    def target(self) -> str | EdgeKey:
        return self.edge_key if self.is_edge else self.ref

    def before_state(self) -> State | None:
        return self._state(self.before, self.before_assertions)

    def after_state(self) -> State | None:
        return self._state(self.after, self.after_assertions)

    def _state(
        self, props: dict[str, Any] | None, assertions: tuple[Assertion, ...]
    ) -> State | None:
        if props is None:
            return None
        if self.is_edge:
            return EdgeRecord(*self.edge_key, dict(props), assertions)
        return NodeRecord(self.ref, self.ref.partition(":")[0], dict(props), assertions)

    def data_json(self) -> dict[str, Any]:
        """The stored payload: both states with their assertions."""
        return {
            "before": self.before,
            "after": self.after,
            "before_assertions": [a.to_json() for a in self.before_assertions],
            "after_assertions": [a.to_json() for a in self.after_assertions],
        }

    @classmethod
    def from_stored(cls, row: dict[str, Any], data: dict[str, Any]) -> ChangeRecord:
        return cls(
            at=row["at"],
            actor=row["actor"],
            source=row.get("source"),
            version=int(row["version"]),
            op=row["op"],
            ref=row["ref"],
            type=row.get("type"),
            to_ref=row.get("to_ref"),
            before=data.get("before"),
            after=data.get("after"),
            before_assertions=tuple(Assertion.from_json(a) for a in data["before_assertions"]),
            after_assertions=tuple(Assertion.from_json(a) for a in data["after_assertions"]),
            seq=int(row["seq"]),
        )

    def to_json(self) -> dict[str, Any]:
        """What the API shows: who, when, which fact, and its properties before and after."""
        subject: dict[str, Any] = (
            {"edge": {"from": self.ref, "type": self.type, "to": self.to_ref}}
            if self.is_edge
            else {"element": self.ref}
        )
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "source": self.source,
            "version": self.version,
            "op": self.op,
            **subject,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True, slots=True)
class ChangeQuery:
    """Which change records to read. Time bounds: after ``since``, at or before ``until``."""

    since: str | None = None
    until: str | None = None
    above_version: int | None = None
    up_to_version: int | None = None
    element: str | None = None
    actor: str | None = None
    before_seq: int | None = None
    limit: int | None = None
    oldest_first: bool = False


def change_for(
    before: State | None,
    after: State | None,
    *,
    at: str,
    actor: str,
    source: str | None,
    version: int,
) -> ChangeRecord | None:
    """The record of one fact going from *before* to *after*, or None when nothing changed."""
    if before == after:
        return None
    state = after or before
    assert state is not None
    op: Operation = "created" if before is None else "removed" if after is None else "updated"
    if isinstance(state, EdgeRecord):
        ref, etype, to_ref = state.key
        type_: str | None = etype
        to: str | None = to_ref
    else:
        ref, type_, to = state.ref, None, None
    return ChangeRecord(
        at=at,
        actor=actor,
        source=source,
        version=version,
        op=op,
        ref=ref,
        type=type_,
        to_ref=to,
        # The states' own dicts: a record is written in the transaction that made it.
        before=before.properties if before else None,
        after=after.properties if after else None,
        before_assertions=before.assertions if before else (),
        after_assertions=after.assertions if after else (),
    )
