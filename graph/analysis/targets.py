"""A change's targets resolved into the seed elements an impact walk starts from.

Errors::

    NotFoundError      a target that is not in the graph (code unknown_element)
    InvalidInputError  a target of a kind a change cannot be analysed for (team, adr)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from graph.analysis.projection import (
    API,
    CAPABILITY,
    COMPONENT,
    HAS_CAPABILITY,
    NO_OWNER,
    PRODUCT,
    PROVIDES,
    PUBLISHES,
    TECHNOLOGY,
    USES,
    Projection,
)
from schemas.analysis import TargetInfo
from schemas.errors import InvalidInputError, NotFoundError

__all__ = ["Targets", "resolve_targets"]


@dataclass(slots=True)
class Targets:
    """A change's targets resolved into seed elements."""

    seeds: list[int] = field(default_factory=list)
    infos: list[TargetInfo] = field(default_factory=list)
    owners: set[int] = field(default_factory=set)
    platform: bool = False
    warnings: list[str] = field(default_factory=list)


def resolve_targets(p: Projection, refs: Collection[str]) -> Targets:
    """Seeds (components and APIs) for *refs*, and the products that own them.

    A product stands for its components, a capability for the components
    having it, a technology for the components using it.
    """
    out = Targets()
    seen: set[int] = set()

    def add(node: int, expanded_from: str | None) -> None:
        if node in seen:
            return
        seen.add(node)
        out.seeds.append(node)
        out.infos.append(
            TargetInfo(
                ref=p.refs[node],
                kind=p.kind(node).value,
                name=p.name(node),
                expanded_from=expanded_from,
            )
        )
        providers = (
            [*p.predecessors(node, PROVIDES), *p.predecessors(node, PUBLISHES)]
            if p.kinds[node] == API
            else [node]
        )
        for n in providers:
            if p.owner[n] != NO_OWNER:
                out.owners.add(p.owner[n])
            elif p.platform[n]:
                out.platform = True

    for ref in dict.fromkeys(refs):
        node = p.index.get(ref)
        if node is None:
            raise NotFoundError(f"{ref} is not in the graph", code="unknown_element", location=ref)
        kind = p.kinds[node]
        if kind in (COMPONENT, API):
            add(node, None)
            continue
        if kind == PRODUCT:
            members = [c for c in p.nodes_of("component") if p.owner[c] == node]
            out.owners.add(node)
        elif kind in (CAPABILITY, TECHNOLOGY):
            members = _holders(p, node)
        else:
            raise InvalidInputError(
                f"cannot analyse a change to a {p.kind(node).value}: target components, APIs, "
                "products, capabilities or technologies",
                location=ref,
            )
        if not members:
            out.warnings.append(f"{ref} has no components: nothing to walk from it")
        for c in members:
            add(c, ref)
    return out


def _holders(p: Projection, node: int) -> list[int]:
    """Components having a capability, or using a technology (edge or field)."""
    if p.kinds[node] == CAPABILITY:
        edge, field_name = HAS_CAPABILITY, "capabilities"
    else:
        edge, field_name = USES, "technologies"
    slug = p.refs[node].partition(":")[2]
    found = {c for c in p.predecessors(node, edge) if p.kinds[c] == COMPONENT}
    for c in p.nodes_of("component"):
        values = p.props[c].get(field_name)
        if isinstance(values, list) and slug in values:
            found.add(c)
    return sorted(found)
