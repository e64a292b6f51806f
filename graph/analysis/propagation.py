"""How each kind of change travels along each kind of edge: the rule, as data.

:data:`PROPAGATION` is the one table the impact walk reads (and the tests
are parametrised over), written out in ``docs/impact.md``. A cell says, for a
change to element X and an element W linked to X by one kind of edge:

* ``lands``: whether the change reaches W, and how (``hard``: W breaks or
  must act; ``soft``: W degrades or may act), or not at all (``None``);
* ``onward``: the change W passes on to what depends on it (W is then itself
  down, removed, broken ... in the eyes of its dependents), or ``None``: it
  stops at W;
* ``cascade``: beyond W the change travels only as *possible cascade* (W may
  fail in turn, as if it had an outage), reported apart, never counted as hard.

A cell that passes a change on always lands hard: a soft landing never
travels (:func:`check_table` holds the table to that).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from graph.analysis.projection import CONSUMES, DEPENDS_ON, PART_OF, SUBSCRIBES
from schemas.analysis import ChangeType

Landing = Literal["hard", "soft"] | None


class EdgeKind(StrEnum):
    """The columns of the table: an edge type, and for two of them its strength."""

    DEPENDS_ON_HARD = "DEPENDS_ON hard"
    DEPENDS_ON_SOFT = "DEPENDS_ON soft"
    PART_OF = "PART_OF"
    CONSUMES_HARD = "CONSUMES hard"
    CONSUMES_SOFT = "CONSUMES soft"
    SUBSCRIBES = "SUBSCRIBES"
    OFFERS = "PROVIDES/PUBLISHES"


@dataclass(frozen=True, slots=True)
class Cell:
    """What a change does to an element linked to the changed one by one kind of edge."""

    lands: Landing
    onward: ChangeType | None
    cascade: bool
    why: str


def _cell(lands: Landing, onward: ChangeType | None, cascade: bool, why: str) -> Cell:
    return Cell(lands, onward, cascade, why)


_C = ChangeType
_K = EdgeKind

_OFFERS_WHY = "the API changes with the component offering it; the provider is never affected by it"


def _notice(change: ChangeType) -> dict[EdgeKind, Cell]:
    """deprecate and migrate: work to do for direct users, nothing breaks further out."""
    return {
        _K.DEPENDS_ON_HARD: _cell("hard", None, False, "must move off it: work to do"),
        _K.DEPENDS_ON_SOFT: _cell("soft", None, False, "optional use: may move off it"),
        _K.PART_OF: _cell("hard", change, False, "a part goes with its whole"),
        _K.CONSUMES_HARD: _cell("hard", None, False, "must move off the API: work to do"),
        _K.CONSUMES_SOFT: _cell("soft", None, False, "optional use of the API"),
        _K.SUBSCRIBES: _cell("hard", None, False, "must move off the events: work to do"),
        _K.OFFERS: _cell("hard", change, False, _OFFERS_WHY),
    }


#: change type -> edge kind -> cell. The engine implements exactly this.
PROPAGATION: dict[ChangeType, dict[EdgeKind, Cell]] = {
    _C.OUTAGE: {
        _K.DEPENDS_ON_HARD: _cell("hard", _C.OUTAGE, False, "synchronous: it is down too"),
        _K.DEPENDS_ON_SOFT: _cell("soft", None, False, "degrades, keeps running"),
        _K.PART_OF: _cell("hard", _C.OUTAGE, False, "a part goes down with its whole"),
        _K.CONSUMES_HARD: _cell("hard", _C.OUTAGE, False, "synchronous call: it is down too"),
        _K.CONSUMES_SOFT: _cell("soft", None, False, "optional call: degrades"),
        _K.SUBSCRIBES: _cell("soft", None, False, "the broker holds the events: delayed, not down"),
        _K.OFFERS: _cell("hard", _C.OUTAGE, False, _OFFERS_WHY),
    },
    _C.BREAKING_CHANGE: {
        _K.DEPENDS_ON_HARD: _cell("hard", None, True, "its calls break; beyond: possible cascade"),
        _K.DEPENDS_ON_SOFT: _cell("soft", None, False, "optional use breaks: degrades"),
        _K.PART_OF: _cell("hard", _C.BREAKING_CHANGE, False, "a part changes with its whole"),
        _K.CONSUMES_HARD: _cell("hard", None, True, "its calls break; beyond: possible cascade"),
        _K.CONSUMES_SOFT: _cell("soft", None, False, "optional call breaks: degrades"),
        _K.SUBSCRIBES: _cell("hard", None, True, "it cannot read the events; beyond: possible"),
        _K.OFFERS: _cell("hard", _C.BREAKING_CHANGE, False, _OFFERS_WHY),
    },
    _C.DEPRECATE: _notice(_C.DEPRECATE),
    _C.MIGRATE: _notice(_C.MIGRATE),
    _C.REMOVE: {
        _K.DEPENDS_ON_HARD: _cell("hard", _C.OUTAGE, False, "down for good: it is down too"),
        _K.DEPENDS_ON_SOFT: _cell("soft", None, False, "degrades, keeps running"),
        _K.PART_OF: _cell("hard", _C.REMOVE, False, "a part goes with its whole"),
        _K.CONSUMES_HARD: _cell("hard", _C.OUTAGE, False, "its calls fail: it is down too"),
        _K.CONSUMES_SOFT: _cell("soft", None, False, "optional call fails: degrades"),
        _K.SUBSCRIBES: _cell("hard", None, True, "its events stop for good; beyond: possible"),
        _K.OFFERS: _cell("hard", _C.REMOVE, False, _OFFERS_WHY),
    },
}


def edge_kind(edge_type: int, soft: bool) -> EdgeKind | None:
    """The column of a projection edge (``None``: change does not flow along it)."""
    if edge_type == DEPENDS_ON:
        return _K.DEPENDS_ON_SOFT if soft else _K.DEPENDS_ON_HARD
    if edge_type == CONSUMES:
        return _K.CONSUMES_SOFT if soft else _K.CONSUMES_HARD
    if edge_type == PART_OF:
        return _K.PART_OF
    if edge_type == SUBSCRIBES:
        return _K.SUBSCRIBES
    return None


def cell_for(change: ChangeType, edge_type: int, soft: bool) -> Cell | None:
    """The cell for an edge; a PART_OF or SUBSCRIBES edge marked soft lands soft and stops."""
    kind = edge_kind(edge_type, soft)
    if kind is None:
        return None
    cell = PROPAGATION[change][kind]
    if soft and cell.lands == "hard":
        return Cell("soft", None, False, cell.why + " (the edge is marked soft)")
    return cell


def check_table() -> list[str]:
    """Problems with :data:`PROPAGATION` (none when it is well formed)."""
    problems: list[str] = []
    for change in ChangeType:
        row = PROPAGATION.get(change, {})
        for kind in EdgeKind:
            cell = row.get(kind)
            if cell is None:
                problems.append(f"{change}/{kind}: missing")
            elif cell.onward is not None and cell.lands != "hard":
                problems.append(f"{change}/{kind}: a soft landing passes the change on")
            elif cell.onward is not None and cell.cascade:
                problems.append(f"{change}/{kind}: both passes the change on and cascades")
    return problems


__all__ = ["PROPAGATION", "Cell", "EdgeKind", "cell_for", "check_table", "edge_kind"]
