"""Hostile documents: every bound holds before anything is built, in any syntax."""

from __future__ import annotations

import pytest

from scanners.bounds import MAX_DEPTH, MAX_NUMBER_CHARS
from scanners.documents import DocumentError, LineIndex, load_documents, load_json

DEEP = 30_000

DEEP_YAML = {
    "compact block sequences": "- " * DEEP + "x\n",
    "indented block sequences": "".join("  " * i + "-\n" for i in range(DEEP // 10)) + "x\n",
    "block mappings": "".join(" " * i + "a:\n" for i in range(DEEP // 10)) + " " * DEEP + "x\n",
    "compact mapping in sequence": "- a:\n" + "- " * DEEP + "x\n",
    "flow sequences": "a: " + "[" * DEEP + "]" * DEEP + "\n",
    "flow mappings": "a: " + "{b: " * DEEP + "x" + "}" * DEEP + "\n",
    "mixed flow in block": "a:\n  - " + "[{c: " * (DEEP // 2) + "\n",
}


@pytest.mark.parametrize("name", sorted(DEEP_YAML))
def test_deep_yaml_is_a_too_deep_error(name: str) -> None:
    with pytest.raises(DocumentError) as info:
        load_documents(DEEP_YAML[name])
    assert info.value.code in {"document.too-deep", "document.syntax"}
    assert info.value.code == "document.too-deep" or name.startswith("mixed"), info.value


@pytest.mark.parametrize("text", ["[" * DEEP + "]" * DEEP, '{"a":' * DEEP + "1" + "}" * DEEP])
def test_deep_json_is_a_too_deep_error(text: str) -> None:
    with pytest.raises(DocumentError) as info:
        load_documents(text)
    assert info.value.code == "document.too-deep"
    with pytest.raises(DocumentError):
        load_json(text)


def test_nesting_at_the_limit_loads() -> None:
    depth = MAX_DEPTH - 1
    (doc,) = load_documents("- " * depth + "x\n")
    for _ in range(depth - 1):
        doc = doc[0]
    assert doc == ["x"]
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


@pytest.mark.parametrize(
    "text",
    [
        "n: " + "9" * 5000 + "\n",
        "n: -" + "1" * 5000 + "\n",
        "n: !!int '" + "7" * 5000 + "'\n",
        '{"n": ' + "9" * 5000 + "}",
        '{"n": 1.' + "5" * 5000 + "}",
        "[" + "1" * 4301 + "]",
    ],
)
def test_huge_numbers_are_a_document_error(text: str) -> None:
    with pytest.raises(DocumentError) as info:
        load_documents(text)
    assert info.value.code == "document.number-too-long"


def test_long_strings_are_not_numbers() -> None:
    (doc,) = load_documents("s: " + "a" * 5000 + "\nq: '" + "9" * 5000 + "'\n")
    assert doc["q"] == "9" * 5000
    assert load_documents("n: " + "9" * MAX_NUMBER_CHARS + "\n") == [{"n": int("9" * 1000)}]


def test_invalid_tagged_values_are_document_errors() -> None:
    for text in ("n: !!int abc\n", "n: !!float nope\n"):
        with pytest.raises(DocumentError):
            load_documents(text)


def test_duplicate_yaml_keys_are_reported_with_their_line() -> None:
    with pytest.raises(DocumentError) as info:
        load_documents("a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n")
    assert info.value.code == "document.duplicate-key"
    assert info.value.line == 5
    assert "'c'" in info.value.message and "line 3" in info.value.message
    with pytest.raises(DocumentError) as info:
        load_documents("{a: 1, 'a': 2}\n")
    assert info.value.code == "document.duplicate-key"


def test_equal_keys_in_different_mappings_or_types_are_fine() -> None:
    assert load_documents("a: {x: 1}\nb: {x: 2}\n1: one\n'1': text\n") == [
        {"a": {"x": 1}, "b": {"x": 2}, 1: "one", "1": "text"}
    ]
    (doc,) = load_documents("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert doc["other"] == {"x": 1, "y": 2}


def test_duplicate_json_keys_are_reported_with_their_line() -> None:
    with pytest.raises(DocumentError) as info:
        load_documents('{\n  "a": 1,\n  "b": {"x": 1,\n  "x": 2}\n}\n')
    assert info.value.code == "document.duplicate-key"
    assert info.value.line == 4
    with pytest.raises(DocumentError) as info:
        load_json('{"a": 1, "\\u0061": 2}')
    assert info.value.code == "document.duplicate-key"


def test_alias_bombs_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(DocumentError) as info:
        load_documents("\n".join(lines) + "\n")
    assert info.value.code == "document.alias-bomb"


def test_line_index_of_a_hostile_text_has_no_lines_and_no_crash() -> None:
    assert LineIndex("- " * DEEP + "x\n").line("/0") is None
