"""Shared helpers for scanner tests: write small trees of files, and read results."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from scanners import ScanResult

WriteTree = Callable[[Mapping[str, str | bytes]], Path]


@pytest.fixture
def write_tree(tmp_path: Path) -> WriteTree:
    """Write ``{relative path: content}`` under ``tmp_path/repo`` and return that root.

    Text content is dedented, so tests can write YAML inline.
    """
    root = tmp_path / "repo"
    root.mkdir(exist_ok=True)

    def write(files: Mapping[str, str | bytes]) -> Path:
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return root

    return write


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def edges(result: ScanResult) -> set[tuple[str, str, str]]:
    """The edge keys of a result, for set comparisons."""
    return result.edge_keys()


def props(result: ScanResult, ref: str) -> dict[str, Any]:
    node = result.node(ref)
    assert node is not None, f"{ref} not in {[n.ref for n in result.nodes]}"
    return dict(node.properties)


def codes(result: ScanResult) -> list[str]:
    return [issue.code for issue in result.issues]


def deps(*results: ScanResult) -> set[tuple[str, str, str]]:
    """``(from slug, to slug, strength)`` of every DEPENDS_ON edge."""
    return {
        (e.from_ref.split(":")[1], e.to_ref.split(":")[1], e.properties["strength"])
        for r in results
        for e in r.edges
        if e.type == "DEPENDS_ON"
    }
