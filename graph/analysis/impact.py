"""Portfolio impact of a change: who else it touches, how badly, and at what effort.

:func:`impact` answers ``POST /api/v1/impact``. It resolves the targets into
seed elements, walks backwards along dependencies by the propagation table
(:mod:`graph.analysis.propagation`: what each change does along each kind of
edge), and turns the walk into the per-product report, the possible cascade
and the blast-radius score documented in ``docs/impact.md``.

Errors::

    NotFoundError      a target that is not in the graph (code unknown_element)
    InvalidInputError  a target of a kind a change cannot be analysed for (team, adr)
"""

from __future__ import annotations

import heapq
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from graph.analysis.effort import PointData, estimate_effort, point_data
from graph.analysis.frontier import ArrayWalk, frontier_walk
from graph.analysis.points import listed_points
from graph.analysis.projection import API, NO_OWNER, Projection
from graph.analysis.reached import ReachedArrays, crossings_into, node_arrays, reached_arrays
from graph.analysis.targets import Targets, resolve_targets
from graph.analysis.walk import OperationFilter, Reached, paths_to
from schemas.analysis import (
    AffectedProduct,
    BlastRadius,
    CascadeProduct,
    ChangeType,
    DepthGroup,
    Effort,
    ImpactRequest,
    ImpactResult,
    IntegrationPoint,
    OwnerProduct,
    PossibleCascade,
    ProductTerm,
    ScoreParts,
    Truncation,
)

CHANGE_WEIGHTS: dict[ChangeType, float] = {
    ChangeType.REMOVE: 1.0,
    ChangeType.OUTAGE: 1.0,
    ChangeType.BREAKING_CHANGE: 1.0,
    ChangeType.MIGRATE: 0.6,
    ChangeType.DEPRECATE: 0.3,
}
TIER_WEIGHTS: dict[int, float] = {1: 4.0, 2: 2.0, 3: 1.0}
STRENGTH_WEIGHTS: dict[str, float] = {"hard": 1.0, "soft": 0.3}
HARD_COMPONENT_WEIGHT = 0.1
SOFT_COMPONENT_WEIGHT = 0.03
FORMULA = (
    "raw_score = change_weight * (sum over affected products of tier_weight * strength_weight"
    " * depth_weight * business_weight + 0.1 * hard_components + 0.03 * soft_components);"
    " depth_weight = 1 / (1 + 0.5 * (depth - 1));"
    " score = max(100 * min(1, raw_score / worst_case), largest_single_target)"
)
MAX_LISTED_CUT = 100
I64 = npt.NDArray[np.int64]


def worst_case(p: Projection) -> float:
    """Raw score of the worst change: every product hit hard at depth 1, every component hard."""

    def compute(q: Projection) -> float:
        total = 0.0
        for prod in q.nodes_of("product"):
            bw = q.props[prod].get("business_weight")
            business = float(bw) if isinstance(bw, int | float) and bw > 0 else 1.0
            total += TIER_WEIGHTS[q.product_tier(prod)] * business
        return total + HARD_COMPONENT_WEIGHT * len(q.nodes_of("component"))

    return p.memo("impact:worst-case", compute)


def _largest_single_target(p: Projection, request: ImpactRequest) -> float:
    """The highest 0-100 score of one of several targets alone (0 for one target)."""
    refs = list(dict.fromkeys(request.targets))
    if len(refs) < 2:
        return 0.0
    return max(
        impact(p, request.model_copy(update={"targets": [ref]})).blast_radius.score for ref in refs
    )


def depth_weight(depth: int) -> float:
    """1 for a direct dependent, 2/3 at depth 2, 1/2 at depth 3 ..."""
    return 1.0 / (1.0 + 0.5 * (max(depth, 1) - 1))


# ---------------------------------------------------------------------- walk


@dataclass(slots=True)
class ImpactWalk:
    """The walk of one change (hard and soft landings both in :attr:`full`)."""

    targets: Targets
    full: Reached
    reach: ReachedArrays
    op_filter: OperationFilter | None

    @property
    def components(self) -> list[int]:
        """Affected components, targets excluded, in id (reference) order."""
        return list(self.reach.components.tolist())


def walk_change(p: Projection, request: ImpactRequest) -> ImpactWalk:
    """Resolve the targets of *request* and walk backwards from them."""
    targets = resolve_targets(p, request.targets)
    op_filter = None
    if request.operations:
        apis = {s for s in targets.seeds if p.kinds[s] == API}
        apis |= {a for s in targets.seeds for a in p.offers[s]}
        op_filter = OperationFilter(frozenset(apis), tuple(request.operations))
        for op in op_filter.unknown_operations(p):
            targets.warnings.append(f"operation {op!r} is not defined by any changed API")
    full = frontier_walk(
        p,
        targets.seeds,
        request.change_type,
        max_depth=request.max_depth,
        max_components=request.max_components,
        op_filter=op_filter,
    )
    reach = reached_arrays(p, full, set(targets.seeds))
    return ImpactWalk(targets, full, reach, op_filter)


def possible_cascade(
    p: Projection, request: ImpactRequest, iw: ImpactWalk, reported: Collection[int]
) -> PossibleCascade:
    """What may fail in turn beyond the elements a change landed on with ``cascade``.

    From those elements, an outage walk (they may fail); whatever it reaches
    that the change itself did not, owners and reported products left out.
    Components are listed up to ``max_listed`` and counted.
    """
    full = iw.full
    starts = sorted(full.cascade)
    if not starts:
        return PossibleCascade()
    cw = frontier_walk(
        p, starts, ChangeType.OUTAGE, max_components=request.max_components, collect=False
    )
    ra = reached_arrays(p, cw, set(starts))
    outside = iw.reach.depth[ra.components] < 0
    comps, depths = ra.components[outside], ra.component_depth[outside]
    owners = node_arrays(p).owner[comps]
    by_product: dict[int, list[int]] = {}
    nearest: dict[int, tuple[int, int]] = {}
    excluded = set(iw.targets.owners) | set(reported)
    for c, o, d in zip(comps.tolist(), owners.tolist(), depths.tolist(), strict=True):
        if o != NO_OWNER and o not in excluded:
            by_product.setdefault(o, []).append(c)
            if o not in nearest or (d, c) < nearest[o]:
                nearest[o] = (d, c)
    limit = request.max_listed
    products: list[CascadeProduct] = []
    for prod, members in sorted(by_product.items()):
        near = nearest[prod][1]
        (outer,) = paths_to(p, cw, near, 1) or [[near]]
        (inner,) = paths_to(p, full, outer[-1], 1, hard=True) or [[outer[-1]]]
        path = [p.refs[prod], *(p.refs[n] for n in outer[:-1]), *(p.refs[n] for n in inner)]
        products.append(
            CascadeProduct(
                ref=p.refs[prod],
                name=p.name(prod),
                tier=p.product_tier(prod),
                components=[p.refs[c] for c in members[:limit]],
                component_count=len(members),
                path=path,
            )
        )
    products.sort(key=lambda c: (c.tier, c.ref))
    return PossibleCascade(
        products=products,
        components=[p.refs[c] for c in comps[:limit].tolist()],
        component_count=len(comps),
    )


# ---------------------------------------------------------------- the report


@dataclass(slots=True)
class ProductFacts:
    """What the report knows of one affected product before listing anything."""

    product: int
    components: I64
    min_depth: int
    hard: bool
    chain_depth: int
    term: ProductTerm


def _business_weight(p: Projection, prod: int) -> float:
    bw = p.props[prod].get("business_weight")
    return float(bw) if isinstance(bw, int | float) and bw > 0 else 1.0


def _product_facts(p: Projection, iw: ImpactWalk) -> list[ProductFacts]:
    """Every affected product (target owners excluded), grouped with numpy, in id order."""
    ra = iw.reach
    owners = node_arrays(p).owner[ra.components]
    order = np.argsort(owners, kind="stable")
    sorted_owners = owners[order]
    products = np.unique(sorted_owners[sorted_owners != NO_OWNER])
    starts = np.searchsorted(sorted_owners, products, side="left")
    ends = np.searchsorted(sorted_owners, products, side="right")
    facts: list[ProductFacts] = []
    for prod, lo, hi in zip(products.tolist(), starts.tolist(), ends.tolist(), strict=True):
        if prod in iw.targets.owners:
            continue
        members = order[lo:hi]
        depths, hard = ra.component_depth[members], ra.component_hard[members]
        min_depth = int(depths.min())
        is_hard = bool(hard.any())
        hard_depths = ra.hard_depth[ra.components[members]]
        chain_depth = int(hard_depths[hard].min()) if is_hard else min_depth
        strength = "hard" if is_hard else "soft"
        tier = p.product_tier(prod)
        business = _business_weight(p, prod)
        term = (
            TIER_WEIGHTS[tier] * STRENGTH_WEIGHTS[strength] * depth_weight(chain_depth) * business
        )
        facts.append(
            ProductFacts(
                prod,
                ra.components[members],
                min_depth,
                is_hard,
                chain_depth,
                ProductTerm(
                    product=p.refs[prod],
                    tier=tier,
                    tier_weight=TIER_WEIGHTS[tier],
                    strength=strength,
                    strength_weight=STRENGTH_WEIGHTS[strength],
                    depth=chain_depth,
                    depth_weight=round(depth_weight(chain_depth), 4),
                    business_weight=business,
                    term=round(term, 3),
                ),
            )
        )
    return facts


def impact(p: Projection, request: ImpactRequest) -> ImpactResult:
    """The portfolio impact of the change in *request*, computed on projection *p*."""
    iw = walk_change(p, request)
    full, ra = iw.full, iw.reach
    na = node_arrays(p)
    seeds = set(iw.targets.seeds)
    facts = _product_facts(p, iw)
    comp_owners = na.owner[ra.components]
    platform_components = int((na.platform[ra.components] & (comp_owners == NO_OWNER)).sum())

    def rank(f: ProductFacts) -> tuple[int, int, int]:
        return (f.term.tier, f.min_depth, f.product)  # ids are in reference order

    end = request.products_offset + request.max_products
    page = heapq.nsmallest(end, facts, key=rank)[request.products_offset :]
    listed = [f.product for f in page]
    if isinstance(full, ArrayWalk):
        points = listed_points(p, full, listed, request.max_points_per_product)
    else:
        points = _points_one_by_one(p, request, full, listed)
    products = [_product_report(p, request, iw, f, *points[f.product]) for f in page]
    terms = sorted((f.term for f in facts), key=lambda t: (-t.term, t.product))

    hard_components = int(ra.component_hard.sum())
    soft_components = len(ra.components) - hard_components
    change_weight = CHANGE_WEIGHTS[request.change_type]
    products_sum = sum(t.term for t in terms)
    components_term = (
        HARD_COMPONENT_WEIGHT * hard_components + SOFT_COMPONENT_WEIGHT * soft_components
    )
    raw = change_weight * (products_sum + components_term)
    worst = worst_case(p)
    single = _largest_single_target(p, request)
    score = max(100.0 * min(1.0, raw / worst) if worst > 0 else 0.0, single)
    tiers = [f.term.tier for f in facts]
    reached_apis = (ra.depth > 0) & na.is_api
    blast = BlastRadius(
        products=len(facts),
        tier1_products=tiers.count(1),
        tier2_products=tiers.count(2),
        tier3_products=tiers.count(3),
        hard_products=sum(1 for f in facts if f.hard),
        soft_products=sum(1 for f in facts if not f.hard),
        components=len(ra.components),
        hard_components=hard_components,
        soft_components=soft_components,
        platform_components=platform_components,
        apis=len(np.unique(na.base[reached_apis])),
        max_depth=int(ra.component_depth.max()) if len(ra.components) else 0,
        score=round(score, 2),
        parts=ScoreParts(
            change_type=request.change_type,
            change_weight=change_weight,
            product_terms=terms,
            products_sum=round(products_sum, 3),
            hard_components=hard_components,
            soft_components=soft_components,
            components_term=round(components_term, 3),
            raw_score=round(raw, 3),
            worst_case=round(worst, 3),
            largest_single_target=round(single, 3),
            formula=FORMULA,
        ),
    )
    own = np.bincount(comp_owners[comp_owners != NO_OWNER], minlength=p.node_count)
    owners = [
        OwnerProduct(
            ref=p.refs[o],
            name=p.name(o),
            tier=p.product_tier(o),
            affected_components=int(own[o]),
        )
        for o in sorted(iw.targets.owners)
    ]
    return ImpactResult(
        graph_version=p.version,
        change_type=request.change_type,
        operations=list(request.operations),
        targets=iw.targets.infos,
        owners=owners,
        owned_by_platform=iw.targets.platform,
        affected_products=products,
        next_products_offset=end if len(facts) > end else None,
        components_by_depth=_depth_groups(p, ra, seeds, request.max_listed),
        unaffected_consumers=sorted(p.refs[c] for c in full.excluded - full.depth.keys()),
        blast_radius=blast,
        possible_cascade=possible_cascade(p, request, iw, [f.product for f in facts]),
        truncated=full.reason is not None,
        truncation=_truncation(p, request, full),
        warnings=iw.targets.warnings,
    )


def _product_report(
    p: Projection,
    request: ImpactRequest,
    iw: ImpactWalk,
    facts: ProductFacts,
    effort: Effort,
    points: list[PointData],
) -> AffectedProduct:
    full, ra = iw.full, iw.reach
    prod, comps = facts.product, facts.components
    chain = ra.hard_depth if facts.hard else ra.depth
    best = comps[chain[comps] == facts.chain_depth].tolist()
    paths: list[list[str]] = []
    for c in best:
        if len(paths) >= request.max_paths:
            break
        found = paths_to(p, full, c, request.max_paths - len(paths), hard=facts.hard)
        for path in found:
            paths.append([p.refs[prod], *(p.refs[n] for n in path)])

    lifecycle = p.props[prod].get("lifecycle")
    return AffectedProduct(
        ref=p.refs[prod],
        name=p.name(prod),
        tier=facts.term.tier,
        lifecycle=str(lifecycle) if lifecycle else None,
        min_depth=facts.min_depth,
        strength=facts.term.strength,
        paths=paths,
        components=[p.refs[c] for c in comps[: request.max_listed].tolist()],
        component_count=len(comps),
        integration_points=[IntegrationPoint(**pt._asdict()) for pt in points],
        effort=effort,
        score=facts.term.term,
    )


def _points_one_by_one(
    p: Projection, request: ImpactRequest, full: Reached, products: list[int]
) -> dict[int, tuple[Effort, list[PointData]]]:
    """What :func:`listed_points` gives, for a walk of the reference engine."""
    out: dict[int, tuple[Effort, list[PointData]]] = {}
    for prod, crossings in crossings_into(p, full, products).items():
        every = sorted(point_data(p, full, c) for c in crossings)
        out[prod] = (estimate_effort(every), every[: request.max_points_per_product])
    return out


def _depth_groups(
    p: Projection, ra: ReachedArrays, seeds: set[int], limit: int
) -> list[DepthGroup]:
    na = node_arrays(p)
    apis = na.is_api & (ra.depth >= 0)
    if seeds:
        apis &= ~np.isin(na.base, np.fromiter(seeds, np.int64))
    api_nodes = np.flatnonzero(apis)
    # one entry per API (its channels count as the API), at its minimum depth
    api_depth = np.full(len(na.kinds), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(api_depth, na.base[api_nodes], ra.depth[api_nodes])
    api_bases = np.flatnonzero(api_depth != np.iinfo(np.int64).max)
    api_depths = api_depth[api_bases]
    depths = np.union1d(np.unique(ra.component_depth), np.unique(api_depths))
    groups: list[DepthGroup] = []
    for d in depths.tolist():
        at = ra.component_depth == d
        hard = ra.components[at & ra.component_hard]
        soft = ra.components[at & ~ra.component_hard]
        listed_apis = api_bases[api_depths == d]
        groups.append(
            DepthGroup(
                depth=d,
                hard=[p.refs[c] for c in hard[:limit].tolist()],
                soft=[p.refs[c] for c in soft[:limit].tolist()],
                apis=[p.refs[a] for a in listed_apis[:limit].tolist()],
                hard_count=len(hard),
                soft_count=len(soft),
                api_count=len(listed_apis),
            )
        )
    return groups


def _truncation(p: Projection, request: ImpactRequest, full: Reached) -> Truncation | None:
    if full.reason is None:
        return None
    listed = sorted({p.refs[n] for n in full.unexpanded})
    return Truncation(
        reason="depth" if full.reason == "depth" else "size",
        max_depth=request.max_depth,
        max_components=request.max_components,
        unexpanded=listed[:MAX_LISTED_CUT],
        unexpanded_count=len(listed),
        beyond_count=len(full.beyond),
    )


__all__ = [
    "CHANGE_WEIGHTS",
    "FORMULA",
    "STRENGTH_WEIGHTS",
    "TIER_WEIGHTS",
    "ImpactWalk",
    "depth_weight",
    "impact",
    "possible_cascade",
    "walk_change",
    "worst_case",
]
