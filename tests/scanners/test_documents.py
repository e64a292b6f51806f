from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanners.documents import (
    DocumentError,
    Documents,
    LineIndex,
    decode_text,
    escape_pointer,
    join_pointer,
    load_documents,
    pointer_to_field,
    resolve_pointer,
    split_pointer,
)

BOMB = """
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_alias_bomb_is_refused() -> None:
    with pytest.raises(DocumentError) as info:
        load_documents(BOMB)
    assert info.value.code == "document.alias-bomb"


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(DocumentError) as info:
        load_documents("a: &a [1, *a]\n")
    assert info.value.code == "document.recursive"


def test_modest_aliases_are_fine() -> None:
    (doc,) = load_documents("base: &b {x: 1}\nother: *b\n")
    assert doc == {"base": {"x": 1}, "other": {"x": 1}}


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(DocumentError):
        load_documents("!!python/object/apply:os.system ['echo hi']\n")


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(DocumentError) as info:
        load_documents("a: 1\nb: [1, 2\nc: 3\n")
    assert info.value.code == "document.syntax"
    assert info.value.line is not None and info.value.line >= 2


@pytest.mark.parametrize("text", ["!!int", "a: !!int", "- !!float", 'n: !!int "abc"'])
def test_bad_typed_values_are_document_errors(text: str) -> None:
    with pytest.raises(DocumentError) as caught:
        load_documents(text)
    assert caught.value.code == "document.value"


def test_json_error_has_a_line() -> None:
    with pytest.raises(DocumentError) as info:
        load_documents('{\n  "a": 1,\n  "b": [}\n')
    assert info.value.line == 3


def test_dates_stay_text_and_empty_documents_are_dropped() -> None:
    assert load_documents("---\nd: 2025-01-31\n---\n") == [{"d": "2025-01-31"}]


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(DocumentError):
        load_documents("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DocumentError):
        load_documents("a:" + " [" * 50_000)


def test_size_bound() -> None:
    with pytest.raises(DocumentError) as info:
        load_documents("a: 1\n" * 100, max_bytes=50)
    assert info.value.code == "document.too-large"


def test_decode_text() -> None:
    assert decode_text("\ufeffa: 1".encode()) == "a: 1"
    with pytest.raises(DocumentError):
        decode_text(b"\xff\xfe\x00a")


def test_line_index_finds_pointers_in_every_document() -> None:
    text = "a:\n  b:\n    - 1\n    - c: 2\n---\nx:\n  y: 1\n"
    lines = LineIndex(text)
    assert lines.line("/a/b/1/c") == 4
    assert lines.line("/a/missing") == 2  # nearest existing parent
    assert lines.line("/x/y", document=1) == 7


def test_lines_come_from_the_one_parse() -> None:
    text = "a:\n  b:\n    - 1\n    - c: 2\n---\nx:\n  y: 1\n"
    docs = load_documents(text)
    assert isinstance(docs, Documents) and docs.lines  # kept by the parse
    lines = LineIndex(text, docs)
    assert lines.line("/a/b/1/c") == 4
    assert lines.line("/a/b/0") == 3
    assert lines.line("/a/missing") == 2  # nearest existing parent
    assert lines.line("/a/b/7") == 3  # the sequence /a/b
    assert lines.line("/x/y", document=1) == 7
    assert lines.line("/x", document=2) is None


def test_rare_documents_take_their_lines_from_the_full_loader() -> None:
    text = "base: &b\n  driver: json\nsvc:\n  <<: *b\n  tag: !!str 5\n"
    docs = load_documents(text)
    assert docs == [{"base": {"driver": "json"}, "svc": {"driver": "json", "tag": "5"}}]
    lines = LineIndex(text, docs)
    assert lines.line("/svc/tag") == 5
    assert lines.line("/svc/driver") == 2  # where the merged value is written


def test_values_match_the_safe_loader() -> None:
    text = "a: [1, 2.5, true, yes, ~, '', 0x1F, 1_000, 1:30, .inf, 2025-01-01, '7']\n1: x\n"
    assert load_documents(text) == [
        {"a": [1, 2.5, True, True, None, "", 31, 1000, 90, float("inf"), "2025-01-01", "7"], 1: "x"}
    ]


def test_pointers() -> None:
    doc = {"paths": {"/pets/{id}": {"get": [10, 20]}}}
    assert resolve_pointer(doc, "/paths/~1pets~1{id}/get/1") == 20
    assert resolve_pointer(doc, "/paths/~1pets~1%7Bid%7D/get/0") == 10
    with pytest.raises(KeyError):
        resolve_pointer(doc, "/paths/nothing")
    assert pointer_to_field("/depends_on/2/strength") == "depends_on[2].strength"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_either_loads_or_raises_document_error(text: str) -> None:
    with contextlib.suppress(DocumentError):
        load_documents(text)


@given(st.text(max_size=20), st.lists(st.one_of(st.text(max_size=12), st.integers()), max_size=5))
def test_join_pointer_escapes_each_token(base: str, tokens: list[str | int]) -> None:
    joined = join_pointer(base, *tokens)
    assert joined == base + "".join("/" + escape_pointer(t) for t in tokens)
    if tokens and base.startswith("/") and "%" not in base + "".join(map(str, tokens)):
        assert split_pointer(joined)[-len(tokens) :] == [str(t) for t in tokens]
