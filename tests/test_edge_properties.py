"""Edges without properties: the shortcut in ``validate_edge_properties`` is the full answer."""

from __future__ import annotations

import pytest

from schemas.edges import _PROPS_MODELS, EdgeType, _EdgeProps, validate_edge_properties


@pytest.mark.parametrize("edge_type", list(EdgeType))
def test_no_properties_validate_to_what_the_model_gives(edge_type: EdgeType) -> None:
    model = _PROPS_MODELS.get(edge_type, _EdgeProps)
    full = model.model_validate({}).model_dump(mode="json", exclude_none=True, exclude_unset=True)
    assert validate_edge_properties(edge_type, {}) == full == {}


def test_properties_are_still_validated() -> None:
    assert validate_edge_properties(EdgeType.DEPENDS_ON, {"strength": "soft"}) == {
        "strength": "soft"
    }
    with pytest.raises(ValueError):
        validate_edge_properties(EdgeType.DEPENDS_ON, {"strength": "sometimes"})
