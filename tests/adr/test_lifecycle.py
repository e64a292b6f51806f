"""The lifecycle rules of docs/adr.md, one test per transition."""

from __future__ import annotations

import pytest

from adr import TRANSITIONS, allowed_transitions, transition_allowed

STATUSES = ["proposed", "accepted", "rejected", "deprecated", "superseded"]
DIRECT = {("proposed", "accepted"), ("proposed", "rejected"), ("accepted", "deprecated")}
BY_SUPERSESSION = DIRECT | {("accepted", "superseded")}


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_each_transition(current: str, target: str) -> None:
    assert transition_allowed(current, target) is ((current, target) in DIRECT)
    assert transition_allowed(current, target, by_supersession=True) is (
        (current, target) in BY_SUPERSESSION
    )


def test_every_status_has_a_rule_and_final_ones_allow_nothing() -> None:
    assert set(TRANSITIONS) == set(STATUSES)
    for final in ("rejected", "deprecated", "superseded"):
        assert allowed_transitions(final, by_supersession=True) == []
    assert allowed_transitions("accepted") == ["deprecated"]
