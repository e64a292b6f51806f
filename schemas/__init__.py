"""The domain vocabulary: element kinds, edge types, references and API shapes.

Everything that crosses a layer boundary (scanner output, store input, API
request and response bodies) is expressed in these models.
"""

from __future__ import annotations

from schemas.edges import ALLOWED_EDGES, EdgeIn, EdgeType, check_edge_kinds
from schemas.elements import (
    ELEMENT_MODELS,
    Adr,
    Api,
    Capability,
    Component,
    Element,
    Operation,
    Product,
    Team,
    Technology,
)
from schemas.facts import EdgeData, EdgeKey, NodeData
from schemas.refs import SLUG_PATTERN, Kind, make_ref, parse_ref, slugify

__all__ = [
    "ALLOWED_EDGES",
    "ELEMENT_MODELS",
    "SLUG_PATTERN",
    "Adr",
    "Api",
    "Capability",
    "Component",
    "EdgeData",
    "EdgeIn",
    "EdgeKey",
    "EdgeType",
    "Element",
    "Kind",
    "NodeData",
    "Operation",
    "Product",
    "Team",
    "Technology",
    "check_edge_kinds",
    "make_ref",
    "parse_ref",
    "slugify",
]
