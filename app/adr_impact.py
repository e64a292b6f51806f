"""An ADR's impact assessment, list filters that need the graph, and conflicts (docs/adr.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

from adr import OPEN_STATUSES
from app.adr_service import ADR_SOURCE, adr_record, adr_ref, get_adr, iter_adrs
from graph.analysis import Projection, impact
from graph.storage import GraphStore, TxReader, Upserts, utc_now
from schemas.analysis import EVERYTHING, ChangeType, ImpactRequest
from schemas.errors import InvalidInputError
from schemas.facts import NodeData

#: kinds the impact engine can start from; AFFECTS may point at others (teams, ADRs)
_ANALYSABLE = frozenset({"component", "api", "product", "capability", "technology"})


def assessment(p: Projection, affects: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The impact of every affected element, one run per change type, merged."""
    groups: dict[str, list[str]] = {}
    for affect in affects:
        ref = str(affect["ref"])
        if ref.split(":", 1)[0] in _ANALYSABLE:
            groups.setdefault(str(affect.get("change_type", "breaking-change")), []).append(ref)
    products: set[str] = set()
    components: set[str] = set()
    cascade_products: set[str] = set()
    cascade_components: set[str] = set()
    runs: list[dict[str, Any]] = []
    for change_type, targets in sorted(groups.items()):
        try:
            request = ImpactRequest(
                targets=targets,
                change_type=ChangeType(change_type),
                max_products=EVERYTHING,
                max_listed=EVERYTHING,
            )
            result = impact(p, request)
        except InvalidInputError as exc:
            runs.append({"change_type": change_type, "targets": targets, "error": exc.message})
            continue
        run_products = sorted(
            {a.ref for a in result.affected_products} | {o.ref for o in result.owners}
        )
        run_components = sorted({c for g in result.components_by_depth for c in (*g.hard, *g.soft)})
        run_cascade_products = sorted(c.ref for c in result.possible_cascade.products)
        run_cascade_components = sorted(result.possible_cascade.components)
        products.update(run_products)
        components.update(run_components)
        cascade_products.update(run_cascade_products)
        cascade_components.update(run_cascade_components)
        runs.append(
            {
                "change_type": change_type,
                "targets": targets,
                "affected_products": run_products,
                "affected_components": run_components,
                "possible_cascade_products": run_cascade_products,
                "possible_cascade_components": run_cascade_components,
                "blast_radius": result.blast_radius.model_dump(mode="json"),
            }
        )
    return {
        "graph_version": p.version,
        "affected_products": sorted(products),
        "affected_components": sorted(components),
        "possible_cascade_products": sorted(cascade_products - products),
        "possible_cascade_components": sorted(cascade_components - components),
        "runs": runs,
    }


def assess_and_store(store: GraphStore, p: Projection, number: int, actor: str) -> dict[str, Any]:
    """Compute the ADR's impact now and keep it (with the graph version) on the ADR."""

    def plan(reader: TxReader) -> list[Upserts]:
        props = dict(adr_record(reader, number).properties)
        stored = assessment(p, props.get("affects", []))
        stored.update(computed_at=utc_now(), computed_by=actor)
        props["impact"] = stored
        return [Upserts(ADR_SOURCE, [NodeData(adr_ref(number), props)])]

    store.apply_planned(plan, actor=actor)
    return get_adr(store, number)


def impact_view(store: GraphStore, p: Projection, number: int) -> dict[str, Any]:
    props = adr_record(store, number).properties
    stored = props.get("impact")
    current = assessment(p, props.get("affects", []))
    then = set(stored["affected_products"]) if stored else set()
    now = set(current["affected_products"])
    return {
        "number": number,
        "stored": stored,
        "current": current,
        "graph_version_then": stored.get("graph_version") if stored else None,
        "graph_version_now": p.version,
        "newly_affected_products": sorted(now - then) if stored else [],
        "no_longer_affected_products": sorted(then - now) if stored else [],
    }


def _reach(p: Projection, adr: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(elements the ADR touches directly or through dependants, products it reaches).

    What it reaches includes what its change may reach only as possible
    cascade: a list filter or a conflict check finds every decision that may
    touch an element or product, while the stored assessment keeps the two apart.
    """
    direct = {str(a["ref"]) for a in adr.get("affects", [])}
    if not direct:
        return set(), set()
    found = assessment(p, adr.get("affects", []))
    products = (
        set(found["affected_products"])
        | set(found["possible_cascade_products"])
        | {r for r in direct if r.startswith("product:")}
    )
    components = set(found["affected_components"]) | set(found["possible_cascade_components"])
    return direct | components | products, products


def filter_adrs(
    store: GraphStore,
    p: Projection | None,
    *,
    status: Iterable[str] = (),
    element: str | None = None,
    product: str | None = None,
    tag: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[dict[str, Any]]:
    """ADRs matching every filter given; dates compare the ADR's date, else its creation day."""
    statuses = set(status)
    out = []
    for adr in iter_adrs(store):
        if statuses and adr.get("status") not in statuses:
            continue
        if tag and tag not in adr.get("tags", []):
            continue
        day = _day(adr)
        if since and (day is None or day < since):
            continue
        if until and (day is None or day > until):
            continue
        if (element or product) and p is not None:
            touched, products = _reach(p, adr)
            if element and element not in touched:
                continue
            if product and product not in products:
                continue
        out.append(adr)
    return out


def _day(adr: Mapping[str, Any]) -> dt.date | None:
    raw = adr.get("date") or str(adr.get("created_at") or "")[:10]
    try:
        return dt.date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def conflicts(store: GraphStore, p: Projection) -> list[dict[str, Any]]:
    """Pairs of open ADRs whose affected elements or reached products overlap."""
    open_adrs = [a for a in iter_adrs(store) if a.get("status") in OPEN_STATUSES]
    reach = {
        int(a["number"]): ({str(x["ref"]) for x in a.get("affects", [])}, _reach(p, a)[1])
        for a in open_adrs
    }
    pairs = []
    for (a, (a_el, a_pr)), (b, (b_el, b_pr)) in combinations(sorted(reach.items()), 2):
        shared_el, shared_pr = a_el & b_el, a_pr & b_pr
        if shared_el or shared_pr:
            pairs.append(
                {
                    "a": a,
                    "b": b,
                    "shared_elements": sorted(shared_el),
                    "shared_products": sorted(shared_pr),
                }
            )
    return pairs
