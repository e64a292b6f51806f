"""Facts as one source asserts them: the unit scanners produce and stores take.

A scan, an API write or an import says "this node exists with these
properties" (:class:`NodeData`) and "this edge exists" (:class:`EdgeData`).
Stores keep each source's facts apart and merge them (see
:mod:`graph.storage.records`); scanners only produce them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.elements import Element
from schemas.refs import parse_ref

__all__ = ["EdgeData", "EdgeKey", "NodeData"]

EdgeKey = tuple[str, str, str]
"""``(from_ref, type, to_ref)``: an edge's identity."""


@dataclass(frozen=True, slots=True)
class NodeData:
    """A node as one source asserts it."""

    ref: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    checked: Element | None = field(default=None, compare=False, repr=False)
    """The element model instance whose ``properties()`` *properties* are, when
    the node was built from one (``scanners.result.ResultBuilder``): the model
    has validated them, so ``check_node`` does not run it a second time."""

    @property
    def kind(self) -> str:
        return parse_ref(self.ref)[0].value


@dataclass(frozen=True, slots=True)
class EdgeData:
    """An edge as one source asserts it."""

    from_ref: str
    type: str
    to_ref: str
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> EdgeKey:
        return (self.from_ref, self.type, self.to_ref)
