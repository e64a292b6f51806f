"""The nodes side of a delta: a node's properties after the changes, and the stub products.

:mod:`graph.analysis.delta` applies a set of net changes (each changed
node's last ``after``) to a projection; these helpers answer, without a
store, what a node looks like after them and which product refs are stubs
(named by a component's ``product`` field, with no node behind them), by the
rule in ``docs/architecture.md``, "Fresh answers after a write".
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain
from typing import Any

from graph.analysis.projection import COMPONENT, KIND_CODE, Projection

_EMPTY: Mapping[str, Any] = {}


def props_now(
    p: Projection, node_after: Mapping[str, Mapping[str, Any] | None], ref: str
) -> Mapping[str, Any] | None:
    """A node's properties after the changes (None: no store node)."""
    if ref in node_after:
        return node_after[ref]
    i = p.index.get(ref)
    if i is None or i >= p.node_count or ref in p.stubs:
        return None
    return p.props[i]


def stubs_after(p: Projection, node_after: Mapping[str, Mapping[str, Any] | None]) -> set[str]:
    """Product refs a component's ``product`` field names but no node stands behind."""
    comps_changed = any(KIND_CODE.get(r.partition(":")[0]) == COMPONENT for r in node_after)
    products_gone = any(a is None and r.startswith("product:") for r, a in node_after.items())
    if not products_gone and (not comps_changed or not _product_fields_moved(p, node_after)):
        return {s for s in p.stubs if props_now(p, node_after, s) is None}
    named: set[str] = set()
    candidates = chain(
        (p.refs[i] for i in range(p.node_count) if p.kinds[i] == COMPONENT),
        (r for r in node_after if r not in p.index),
    )
    for ref in candidates:
        if KIND_CODE.get(ref.partition(":")[0]) != COMPONENT:
            continue
        props = props_now(p, node_after, ref)
        slug = props.get("product") if props is not None else None
        if isinstance(slug, str) and slug:
            named.add(f"product:{slug}")
    return {s for s in named if props_now(p, node_after, s) is None}


def _product_fields_moved(
    p: Projection, node_after: Mapping[str, Mapping[str, Any] | None]
) -> bool:
    """Whether a changed component names another product (or none) than before.

    When no component's ``product`` field moved and no product was
    removed, the products named are the same as before, so the stubs are
    the old ones less those a node now stands behind (no scan of every
    component).
    """
    for ref, after in node_after.items():
        if KIND_CODE.get(ref.partition(":")[0]) != COMPONENT:
            continue
        i = p.index.get(ref)
        before = p.props[i] if i is not None and i < p.node_count else None
        if (before or _EMPTY).get("product") != (after or _EMPTY).get("product"):
            return True
    return False
