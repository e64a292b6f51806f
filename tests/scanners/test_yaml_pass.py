"""The one YAML pass answers exactly as the long way does.

The long way is the bounds pass, then the C loader (data), its composed node
tree (lines) and a walk of the data for ``$ref`` (``RefFollower.scan_refs``).
For generated YAML texts (block and flow, quoted and plain keys, keys that
repeat in text or in value, ``$ref`` values that must be reported) the one
pass gives the same documents, the same line for every pointer, the same
``$ref`` reports in the same order, and the same error when it refuses a text.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanners.bounds import DocumentError
from scanners.documents import LineIndex, _load_yaml, _load_yaml_fully, escape_pointer
from scanners.resolve import RefFollower

KEYS = [
    "a", "b", "'a'", '"b"', "1", "'1'", "0x1", "1.0", "true", "True", "'true'", "null", "~",
    "$ref", "'$ref'", "x/y", "a~b", "paths", "'200'", "200",
]  # fmt: skip
SCALARS = [
    "x", "1", "'1'", "2.5", "yes", "~", "''", "0x1F", "1:30", "2025-01-01", '"q"',
    "'#/components/a'", "#/c/d", "http://h.example/a.yaml", "'../../out.yaml'", "/etc/passwd",
    "b.yaml#/x", "'http://h.example/a.yaml'",
]  # fmt: skip

Tree = Any  # ("map", [(key, tree)]) | ("seq", [tree]) | ("scalar", text)

scalars = st.sampled_from(SCALARS).map(lambda s: ("scalar", s))
refs = st.tuples(st.sampled_from(["$ref", "'$ref'"]), scalars).map(lambda e: ("map", [e]))
trees: st.SearchStrategy[Tree] = st.recursive(
    scalars | refs,
    lambda inner: st.one_of(
        st.lists(st.tuples(st.sampled_from(KEYS), inner), max_size=5, unique_by=lambda e: e[0]).map(
            lambda e: ("map", e)
        ),
        st.lists(inner, max_size=4).map(lambda items: ("seq", items)),
    ),
    max_leaves=25,
)


def _flow(tree: Tree) -> str:
    kind, body = tree
    if kind == "scalar":
        return str(body)
    if kind == "seq":
        return "[" + ", ".join(_flow(t) for t in body) + "]"
    return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in body) + "}"


def _block(tree: Tree, indent: int, flow_from: int) -> list[str]:
    """The lines of a block node (a mapping or sequence) at *indent* spaces."""
    kind, body = tree
    pad = " " * indent
    out: list[str] = []
    for item in body:
        key, child = item if kind == "map" else (None, item)
        lead = f"{pad}{key}:" if kind == "map" else f"{pad}-"
        if child[0] == "scalar" or not child[1] or indent >= flow_from:
            out.append(f"{lead} {_flow(child)}")
        else:
            out.append(lead)
            out += _block(child, indent + 2, flow_from)
    return out


def render(tree: Tree, flow_from: int) -> str:
    if tree[0] == "scalar" or not tree[1]:
        return _flow(tree) + "\n"
    return "\n".join(_block(tree, 0, flow_from)) + "\n"


def _pointers(value: Any, pointer: str = "") -> list[str]:
    found = [pointer, pointer + "/missing"]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _pointers(child, f"{pointer}/{escape_pointer(key)}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _pointers(child, f"{pointer}/{index}")
    return found


def _reports(doc: Any, refs: Any) -> tuple[list[tuple[str, str, str, str | None]], int]:
    seen: list[tuple[str, str, str, str | None]] = []
    follower = RefFollower(
        doc,
        "specs/api.yaml",
        resolver=None,
        report=lambda code, message, file, pointer: seen.append((code, message, file, pointer)),
        refs=refs,
    )
    return seen, follower.ref_count


def _outcome(load: Any, text: str) -> Any:
    try:
        return load(text)
    except DocumentError as exc:
        return (exc.code, exc.message, exc.line)


def check_same_answers(text: str) -> None:
    one = _outcome(_load_yaml, text)
    long = _outcome(lambda t: _load_yaml_fully(t, True), text)
    if isinstance(long, tuple):
        assert one == long
        return
    assert not isinstance(one, tuple), one
    assert list(one) == list(long)
    one_lines, long_lines = LineIndex(text, one), LineIndex(text, long)
    for index, doc in enumerate(long):
        for pointer in _pointers(doc):
            assert one_lines.line(pointer, document=index) == long_lines.line(
                pointer, document=index
            ), pointer
        refs = one.refs[index] if one.refs is not None else None
        assert _reports(doc, refs) == _reports(doc, None)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(trees, min_size=1, max_size=3), st.integers(min_value=0, max_value=8))
def test_the_one_pass_answers_as_the_long_way(docs: list[Tree], flow_from: int) -> None:
    check_same_answers("---\n".join(render(tree, flow_from) for tree in docs))


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # a duplicate key: refused with the line of the first
        "a: 1\n'a': 2\n",  # the same text, quoted: still a duplicate
        "1: x\n'1': y\n",  # a number and a string: two keys
        "true: x\nTrue: y\n",  # two texts, one value: the later wins
        "1: x\n1.0: y\n",
        "a: {$ref: 'http://h.example/x'}\nb: [{$ref: '../../x.yaml'}, {'$ref': '/etc/p'}]\n",
        "$ref: 1\nc: {$ref: [x]}\n",  # not strings: not references
        "- - - - x\n",
        "a: &x 1\nb: *x\n",  # anchors: the long way
        "a: " + "1" * 1001 + "\n",  # a number too long
        "a: '" + "1" * 1001 + "'\n",  # a long string is fine
        "a: [1, 2\n",  # a syntax error
    ],
)
def test_the_one_pass_answers_as_the_long_way_on_edge_cases(text: str) -> None:
    check_same_answers(text)


def test_refs_come_in_the_order_the_walk_reports_them() -> None:
    text = (
        "a: {$ref: 'http://one.example/x'}\n"
        "b:\n  - {$ref: 'http://two.example/x'}\n  - c: {$ref: 'http://three.example/x'}\n"
        "d: {$ref: '#/a'}\n"
    )
    docs = _load_yaml(text)
    assert docs.refs == [
        [
            ("#/a", "/d/$ref"),
            ("http://three.example/x", "/b/1/c/$ref"),
            ("http://two.example/x", "/b/0/$ref"),
            ("http://one.example/x", "/a/$ref"),
        ]
    ]
    check_same_answers(text)
