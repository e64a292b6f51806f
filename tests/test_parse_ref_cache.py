"""parse_ref remembers valid references; the answers stay those of the rule."""

from __future__ import annotations

import pytest

from schemas.refs import Kind, RefError, parse_ref


def test_a_valid_reference_gives_the_same_answer_every_time() -> None:
    first = parse_ref("component:cached-one")
    assert first == (Kind.COMPONENT, "cached-one")
    assert parse_ref("component:cached-one") == first


@pytest.mark.parametrize("bad", ["nocolon", "nope:slug", "api:Upper", "api:a\n"])
def test_an_invalid_reference_is_refused_every_time(bad: str) -> None:
    for _ in range(2):
        with pytest.raises(RefError):
            parse_ref(bad)


def test_a_str_subclass_is_parsed_like_its_text() -> None:
    class Text(str):
        pass

    assert parse_ref(Text("api:orders")) == (Kind.API, "orders")
    with pytest.raises(RefError, match="api:Orders"):
        parse_ref(Text("api:Orders"))
