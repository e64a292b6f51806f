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

from collections.abc import Collection
from dataclasses import dataclass

from graph.analysis.effort import estimate_effort, point_data
from graph.analysis.frontier import frontier_walk
from graph.analysis.projection import API, CHANNEL, NO_OWNER, Projection
from graph.analysis.targets import Targets, resolve_targets
from graph.analysis.walk import OperationFilter, Reached, affected_components, paths_to
from schemas.analysis import (
    AffectedProduct,
    BlastRadius,
    CascadeProduct,
    ChangeType,
    DepthGroup,
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
    components: list[int]
    op_filter: OperationFilter | None


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
    comps = affected_components(p, full, set(targets.seeds))
    return ImpactWalk(targets, full, comps, op_filter)


def possible_cascade(
    p: Projection, request: ImpactRequest, iw: ImpactWalk, reported: Collection[int]
) -> PossibleCascade:
    """What may fail in turn beyond the elements a change landed on with ``cascade``.

    From those elements, an outage walk (they may fail); whatever it reaches
    that the change itself did not, owners and reported products left out.
    """
    full = iw.full
    starts = sorted(full.cascade)
    if not starts:
        return PossibleCascade()
    cw = frontier_walk(
        p, starts, ChangeType.OUTAGE, max_components=request.max_components, collect=False
    )
    comps = [c for c in affected_components(p, cw, set(starts)) if c not in full.depth]
    by_product: dict[int, list[int]] = {}
    for c in comps:
        o = p.owner[c]
        if o != NO_OWNER and o not in iw.targets.owners and o not in reported:
            by_product.setdefault(o, []).append(c)
    products: list[CascadeProduct] = []
    for prod, members in sorted(by_product.items()):
        nearest = min(members, key=lambda c: (cw.depth[c], c))
        (outer,) = paths_to(p, cw, nearest, 1) or [[nearest]]
        (inner,) = paths_to(p, full, outer[-1], 1, hard=True) or [[outer[-1]]]
        path = [p.refs[prod], *(p.refs[n] for n in outer[:-1]), *(p.refs[n] for n in inner)]
        products.append(
            CascadeProduct(
                ref=p.refs[prod],
                name=p.name(prod),
                tier=p.product_tier(prod),
                components=[p.refs[c] for c in members],
                path=path,
            )
        )
    products.sort(key=lambda c: (c.tier, c.ref))
    return PossibleCascade(products=products, components=[p.refs[c] for c in comps])


# ---------------------------------------------------------------- the report


def impact(p: Projection, request: ImpactRequest) -> ImpactResult:
    """The portfolio impact of the change in *request*, computed on projection *p*."""
    iw = walk_change(p, request)
    full, seeds = iw.full, set(iw.targets.seeds)
    by_product: dict[int, list[int]] = {}
    platform_components = 0
    for c in iw.components:
        o = p.owner[c]
        if o != NO_OWNER:
            by_product.setdefault(o, []).append(c)
        elif p.platform[c]:
            platform_components += 1

    crossings: dict[int, list[tuple[int, int, int, bool]]] = {}
    for crossing in full.crossings:
        crossings.setdefault(p.owner[crossing[0]], []).append(crossing)

    products: list[AffectedProduct] = []
    terms: list[ProductTerm] = []
    for prod in sorted(set(by_product) - iw.targets.owners):
        affected, term = _product_report(
            p, request, iw, prod, by_product[prod], crossings.get(prod, [])
        )
        products.append(affected)
        terms.append(term)
    products.sort(key=lambda a: (a.tier, a.min_depth, a.ref))
    terms.sort(key=lambda t: (-t.term, t.product))

    hard_components = sum(1 for c in iw.components if c in full.hard_depth)
    soft_components = len(iw.components) - hard_components
    change_weight = CHANGE_WEIGHTS[request.change_type]
    products_sum = sum(t.term for t in terms)
    components_term = (
        HARD_COMPONENT_WEIGHT * hard_components + SOFT_COMPONENT_WEIGHT * soft_components
    )
    raw = change_weight * (products_sum + components_term)
    worst = worst_case(p)
    single = _largest_single_target(p, request)
    score = max(100.0 * min(1.0, raw / worst) if worst > 0 else 0.0, single)
    tiers = [a.tier for a in products]
    blast = BlastRadius(
        products=len(products),
        tier1_products=tiers.count(1),
        tier2_products=tiers.count(2),
        tier3_products=tiers.count(3),
        hard_products=sum(1 for a in products if a.strength == "hard"),
        soft_products=sum(1 for a in products if a.strength == "soft"),
        components=len(iw.components),
        hard_components=hard_components,
        soft_components=soft_components,
        platform_components=platform_components,
        apis=len(
            {p.base(n) for n, d in full.depth.items() if d > 0 and p.kinds[n] in (API, CHANNEL)}
        ),
        max_depth=max((full.depth[c] for c in iw.components), default=0),
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
    owners = [
        OwnerProduct(
            ref=p.refs[o],
            name=p.name(o),
            tier=p.product_tier(o),
            affected_components=len(by_product.get(o, [])),
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
        components_by_depth=_depth_groups(p, full, iw.components, seeds),
        unaffected_consumers=sorted(p.refs[c] for c in full.excluded - full.depth.keys()),
        blast_radius=blast,
        possible_cascade=possible_cascade(p, request, iw, by_product.keys()),
        truncated=full.reason is not None,
        truncation=_truncation(p, request, full),
        warnings=iw.targets.warnings,
    )


def _product_report(
    p: Projection,
    request: ImpactRequest,
    iw: ImpactWalk,
    prod: int,
    comps: list[int],
    crossings: list[tuple[int, int, int, bool]],
) -> tuple[AffectedProduct, ProductTerm]:
    full = iw.full
    min_depth = min(full.depth[c] for c in comps)
    hard_comps = [c for c in comps if c in full.hard_depth]
    chain = full.hard_depth if hard_comps else full.depth
    pool = hard_comps or comps
    chain_depth = min(chain[c] for c in pool)
    best = [c for c in pool if chain[c] == chain_depth]
    paths: list[list[str]] = []
    for c in best:
        if len(paths) >= request.max_paths:
            break
        found = paths_to(p, full, c, request.max_paths - len(paths), hard=bool(hard_comps))
        for path in found:
            paths.append([p.refs[prod], *(p.refs[n] for n in path)])

    every = sorted(point_data(p, full, c) for c in crossings)
    effort = estimate_effort(every)
    points = [IntegrationPoint(**pt._asdict()) for pt in every[: request.max_points_per_product]]
    strength = "hard" if hard_comps else "soft"
    tier = p.product_tier(prod)
    bw = p.props[prod].get("business_weight")
    business = float(bw) if isinstance(bw, int | float) and bw > 0 else 1.0
    term = TIER_WEIGHTS[tier] * STRENGTH_WEIGHTS[strength] * depth_weight(chain_depth) * business
    lifecycle = p.props[prod].get("lifecycle")
    affected = AffectedProduct(
        ref=p.refs[prod],
        name=p.name(prod),
        tier=tier,
        lifecycle=str(lifecycle) if lifecycle else None,
        min_depth=min_depth,
        strength=strength,
        paths=paths,
        components=[p.refs[c] for c in comps],
        integration_points=points,
        effort=effort,
        score=round(term, 3),
    )
    product_term = ProductTerm(
        product=p.refs[prod],
        tier=tier,
        tier_weight=TIER_WEIGHTS[tier],
        strength=strength,
        strength_weight=STRENGTH_WEIGHTS[strength],
        depth=chain_depth,
        depth_weight=round(depth_weight(chain_depth), 4),
        business_weight=business,
        term=round(term, 3),
    )
    return affected, product_term


def _depth_groups(
    p: Projection, full: Reached, comps: list[int], seeds: set[int]
) -> list[DepthGroup]:
    groups: dict[int, tuple[list[str], list[str], list[str]]] = {}
    for c in comps:
        g = groups.setdefault(full.depth[c], ([], [], []))
        (g[0] if c in full.hard_depth else g[1]).append(p.refs[c])
    apis: dict[str, int] = {}
    for n, d in full.depth.items():
        if p.kinds[n] in (API, CHANNEL) and p.base(n) not in seeds:
            ref = p.refs[n]
            apis[ref] = min(d, apis.get(ref, d))
    for ref, d in apis.items():
        groups.setdefault(d, ([], [], []))[2].append(ref)
    return [
        DepthGroup(depth=d, hard=g[0], soft=g[1], apis=sorted(g[2]))
        for d, g in sorted(groups.items())
    ]


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
