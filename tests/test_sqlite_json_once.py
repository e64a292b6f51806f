"""The SQLite rows' JSON written once per properties is the text serialising each part gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.storage.changes import ChangeRecord
from graph.storage.records import Assertion
from graph.storage.sqlite_rows import (
    WrittenJson,
    assertions_json,
    change_json,
    dump_json,
    fact_json,
)

TEXT = st.text(max_size=6)  # any code point: escapes and non-ASCII included
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), TEXT)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
PROPS = st.dictionaries(TEXT, VALUES, max_size=5)
ASSERTIONS = st.lists(st.builds(Assertion, TEXT, TEXT, PROPS, st.none() | TEXT), max_size=3).map(
    tuple
)


@st.composite
def facts(draw: st.DrawFn) -> tuple[dict[str, Any] | None, tuple[Assertion, ...]]:
    """A fact's properties and assertions; often its one assertion's very properties."""
    assertions = draw(ASSERTIONS)
    if assertions and draw(st.booleans()):
        first = assertions[0]
        return dict(first.properties), assertions
    return draw(st.none() | PROPS), assertions


def separate(properties: Any, assertions: tuple[Assertion, ...]) -> tuple[str, str]:
    return dump_json(properties), assertions_json(assertions)


def updated(
    before: tuple[Any, tuple[Assertion, ...]], after: tuple[Any, tuple[Assertion, ...]]
) -> ChangeRecord:
    """The change record of component:a going from *before* to *after* (properties, assertions)."""
    return ChangeRecord(
        at="2024-01-01T00:00:00Z",
        actor=None,
        source="s",
        version=1,
        op="updated",
        ref="component:a",
        type=None,
        to_ref=None,
        before=before[0],
        after=after[0],
        before_assertions=before[1],
        after_assertions=after[1],
    )


@settings(max_examples=400, deadline=None)
@given(facts())
def test_fact_json_is_each_part_serialised(fact: tuple[Any, tuple[Assertion, ...]]) -> None:
    assert fact_json(*fact) == separate(*fact)


@settings(max_examples=300, deadline=None)
@given(facts(), facts())
def test_change_json_is_the_record_data_serialised(
    before: tuple[Any, tuple[Assertion, ...]], after: tuple[Any, tuple[Assertion, ...]]
) -> None:
    record = updated(before, after)
    assert change_json(record) == dump_json(record.data_json())


def test_equal_but_not_identical_values_are_serialised_apart() -> None:
    """1 == True and 1 == 1.0, yet their JSON differs: the shortcut must not take them."""
    for stored, asserted in ((1, True), (1, 1.0), (0, False)):
        assertion = Assertion("s", "t", {"x": asserted})
        text = fact_json({"x": stored}, (assertion,))
        assert text == separate({"x": stored}, (assertion,))
        assert text[0] != text[1][text[1].index('"properties":') + 13 :][: len(text[0])]


@settings(max_examples=300, deadline=None)
@given(facts(), facts(), facts(), st.booleans())
def test_change_json_reuses_the_written_rows_text_only_for_the_same_state(
    before: tuple[Any, tuple[Assertion, ...]],
    after: tuple[Any, tuple[Assertion, ...]],
    written_fact: tuple[Any, tuple[Assertion, ...]],
    same: bool,
) -> None:
    """A change record's state takes the text of a row the transaction wrote when it is
    that row (the same assertions and properties), and is serialised itself otherwise
    (a copy of the same values too): the record's text is always its own data serialised."""
    written = WrittenJson()
    props, assertions = written_fact
    written.fact(props if props is not None else {}, assertions)
    if same and props is not None:
        after = (props, assertions)  # what change_for makes of the row written
    record = updated(before, after)
    assert change_json(record, written) == dump_json(record.data_json())


def test_a_written_rows_text_is_not_taken_for_equal_but_other_values() -> None:
    """Same assertions, properties equal but not identical (1 and True): serialised apart."""
    written = WrittenJson()
    assertions = (Assertion("s", "t", {"x": 1}),)
    written.fact({"x": 1}, assertions)
    for other in ({"x": True}, {"x": 1.0}, {"y": 1}):
        assert written.known(other, assertions) == separate(other, assertions)
