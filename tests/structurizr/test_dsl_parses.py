"""The Structurizr DSL export opens in Structurizr: the real parser reads every view of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.analysis import Projection
from graph.views import build_view, render_diagram
from schemas.analysis import ChangeType
from tests.structurizr.parser import parse
from tests.views.conftest import example  # noqa: F401  (the session fixture)

VIEWS = [
    ("portfolio", None, None),
    ("focus", "component:billing-service", 2),
    ("impact", "component:identity-service", None),
]


@pytest.mark.parametrize(("view", "focus", "depth"), VIEWS)
def test_structurizr_parser_reads_the_export(
    example: Projection,  # noqa: F811
    tmp_path: Path,
    view: str,
    focus: str | None,
    depth: int | None,
) -> None:
    diagram = build_view(example, view, focus, depth, ChangeType.BREAKING_CHANGE)  # type: ignore[arg-type]
    dsl = render_diagram(diagram, "structurizr").content.decode()
    path = tmp_path / f"{view}.dsl"
    path.write_text(dsl, encoding="utf-8")
    counts = parse(path)
    # what the parser built is what the text declares: nothing dropped or merged
    assert counts["softwareSystems"] == len(re.findall(r"= softwareSystem ", dsl)) > 0
    assert counts["containers"] == len(re.findall(r"= container ", dsl)) > 0
    assert counts["relationships"] == len(re.findall(r"^\s*\S+ -> \S+ ", dsl, re.M)) > 0
    assert counts["views"] >= 1
