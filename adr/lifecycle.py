"""The ADR lifecycle as data: which status may follow which."""

from __future__ import annotations

#: status -> statuses it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("accepted", "rejected"),
    "accepted": ("deprecated", "superseded"),
    "rejected": (),
    "deprecated": (),
    "superseded": (),
}

#: transitions only a newer ADR's supersession may make, never a direct request
ONLY_BY_SUPERSESSION: frozenset[tuple[str, str]] = frozenset({("accepted", "superseded")})

#: statuses an ADR is still open in (it may still change the architecture)
OPEN_STATUSES: frozenset[str] = frozenset({"proposed", "accepted"})


def allowed_transitions(status: str, *, by_supersession: bool = False) -> list[str]:
    """Statuses *status* may move to, directly or (with the flag) through a supersession."""
    return [
        target
        for target in TRANSITIONS.get(status, ())
        if by_supersession or (status, target) not in ONLY_BY_SUPERSESSION
    ]


def transition_allowed(current: str, target: str, *, by_supersession: bool = False) -> bool:
    return target in allowed_transitions(current, by_supersession=by_supersession)
