"""Due-diligence questions about one product: sunset, spin-off, acquisition fit.

The same engine as impact, pointed differently:

* :func:`sunset`: everything outside the product that depends on its APIs or
  components (the impact of removing it), with migration targets where a
  platform component offers a capability the depended-upon component has;
* :func:`spin_off`: what the product relies on that it would lose: shared
  platform components (followed transitively through the platform), and
  other products' APIs and components it uses directly;
* :func:`acquisition_fit`: for a product just scanned, the capabilities it
  duplicates (from :func:`graph.analysis.duplicates.find_duplicates`), and the
  technologies nothing else in the portfolio uses.
"""

from __future__ import annotations

from collections import deque

from graph.analysis.capabilities import claims, declared
from graph.analysis.duplicates import DEFAULT_MIN_CONFIDENCE, find_duplicates
from graph.analysis.impact import impact
from graph.analysis.projection import (
    API,
    COMPONENT,
    CONSUMES,
    DEPENDS_ON,
    NO_OWNER,
    PART_OF,
    PRODUCT,
    PROVIDES,
    PUBLISHES,
    SUBSCRIBES,
    USES,
    Projection,
)
from schemas.analysis import EVERYTHING, ChangeType, ImpactRequest
from schemas.diligence import (
    AcquisitionReport,
    DuplicatedCapability,
    MigrationTarget,
    ReliedUpon,
    SpinOffReport,
    SunsetDependent,
    SunsetReport,
)
from schemas.errors import InvalidInputError, NotFoundError

MIN_CLAIM = DEFAULT_MIN_CONFIDENCE


def _product(p: Projection, ref: str) -> int:
    node = p.index.get(ref)
    if node is None:
        raise NotFoundError(f"{ref} is not in the graph", code="unknown_element", location=ref)
    if p.kinds[node] != PRODUCT:
        raise InvalidInputError(f"{ref} is not a product", location=ref)
    return node


def _own_components(p: Projection, product: int) -> list[int]:
    return [c for c in p.nodes_of("component") if p.owner[c] == product]


# ----------------------------------------------------------------------- sunset


def sunset(p: Projection, product_ref: str) -> SunsetReport:
    """Who depends on *product_ref*, and where they could migrate to."""
    product = _product(p, product_ref)
    result = impact(
        p,
        ImpactRequest(
            targets=[product_ref],
            change_type=ChangeType.REMOVE,
            max_paths=1,
            max_products=EVERYTHING,
            max_listed=EVERYTHING,
        ),
    )
    dependents: list[SunsetDependent] = []
    used: set[str] = set()
    for a in result.affected_products:
        direct = sorted({ip.element for ip in a.integration_points if ip.depth == 0})
        used.update(direct)
        dependents.append(
            SunsetDependent(
                product=a.ref,
                tier=a.tier,
                strength=a.strength,
                min_depth=a.min_depth,
                components=a.components,
                depends_on=direct,
            )
        )
    external = sorted(
        ref
        for group in result.components_by_depth
        for ref in (*group.hard, *group.soft)
        if p.owner[p.index[ref]] != product
    )
    return SunsetReport(
        graph_version=p.version,
        product=product_ref,
        dependents=dependents,
        external_components=external,
        migration_targets=_migration_targets(p, product, used),
        blast_radius=result.blast_radius,
    )


def _migration_targets(p: Projection, product: int, used: set[str]) -> list[MigrationTarget]:
    """Platform components offering a capability of a depended-upon component."""
    comps: set[int] = set()
    for ref in used:
        node = p.index[ref]
        if p.kinds[node] == API:
            providers = [*p.predecessors(node, PROVIDES), *p.predecessors(node, PUBLISHES)]
            comps.update(c for c in providers if p.owner[c] == product)
        elif p.kinds[node] == COMPONENT:
            comps.add(node)
    all_claims = claims(p)
    platform_by_cap: dict[str, list[int]] = {}
    for c, caps in all_claims.items():
        if p.platform[c]:
            for cap, claim in caps.items():
                if claim.confidence >= MIN_CLAIM:
                    platform_by_cap.setdefault(cap, []).append(c)
    out: list[MigrationTarget] = []
    for c in sorted(comps):
        for cap, claim in sorted(all_claims.get(c, {}).items()):
            if claim.confidence < MIN_CLAIM:
                continue
            for x in sorted(platform_by_cap.get(cap, [])):
                target = MigrationTarget(
                    component=p.refs[c], capability=cap, platform_component=p.refs[x]
                )
                out.append(target)
    return out


# --------------------------------------------------------------------- spin-off


def _forward(p: Projection, product: int, hard_only: bool) -> dict[int, set[int]]:
    """What the product's components rely on, walking through its own and platform
    components only: element -> the product's components using it directly."""
    own = _own_components(p, product)
    reached: dict[int, set[int]] = {}
    queue = deque(own)
    seen = set(own)
    while queue:
        u = queue.popleft()
        from_own = p.owner[u] == product
        for t in (DEPENDS_ON, PART_OF, CONSUMES, SUBSCRIBES):
            for e in p.out_edges(u, t):
                v = p.edge_dst[e]
                if p.kinds[v] not in (COMPONENT, API) or (hard_only and p.edge_is_soft(e)):
                    continue
                targets = [v]
                if p.kinds[v] == API:
                    targets += [*p.predecessors(v, PROVIDES), *p.predecessors(v, PUBLISHES)]
                for x in targets:
                    if p.owner[x] == product:
                        if x not in seen and p.kinds[x] == COMPONENT:
                            seen.add(x)
                            queue.append(x)
                        continue
                    users = reached.setdefault(x, set())
                    if from_own and (x == v or p.platform[x]):
                        users.add(u)
                    if p.platform[x] and p.kinds[x] == COMPONENT and x not in seen:
                        seen.add(x)
                        queue.append(x)
    return reached


def spin_off(p: Projection, product_ref: str) -> SpinOffReport:
    """The shared platform and other products' APIs and components *product_ref* relies on."""
    product = _product(p, product_ref)
    every, hard = _forward(p, product, False), _forward(p, product, True)
    caps = declared(p)
    platform: list[ReliedUpon] = []
    apis: list[ReliedUpon] = []
    components: list[ReliedUpon] = []
    for x in sorted(every):
        users = sorted(every[x])
        item = ReliedUpon(
            element=p.refs[x],
            name=p.name(x),
            owner=p.owner_ref(x),
            capabilities=sorted(caps.get(x, {})),
            used_by=[p.refs[u] for u in users],
            direct=bool(users),
            strength="hard" if x in hard else "soft",
        )
        if p.kinds[x] == COMPONENT and p.platform[x]:
            platform.append(item)
        elif p.kinds[x] == API and not p.platform[x] and users:
            apis.append(item)
        elif p.kinds[x] == COMPONENT and p.owner[x] != NO_OWNER and users:
            components.append(item)
    return SpinOffReport(
        graph_version=p.version,
        product=product_ref,
        platform_components=platform,
        other_product_apis=apis,
        other_product_components=components,
    )


# ------------------------------------------------------------------ acquisition


def _technologies(p: Projection, c: int) -> set[str]:
    found = {p.refs[t] for t in p.successors(c, USES)}
    for slug in p.props[c].get("technologies") or []:
        found.add(f"technology:{slug}")
    return found


def acquisition_fit(
    p: Projection, product_ref: str, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> AcquisitionReport:
    """Capabilities *product_ref* duplicates, and how its stack fits the portfolio's."""
    product = _product(p, product_ref)
    duplicated: list[DuplicatedCapability] = []
    for group in find_duplicates(p, min_confidence=min_confidence).groups:
        if product_ref not in group.products:
            continue
        duplicated.append(
            DuplicatedCapability(
                capability=group.capability,
                label=group.label,
                confidence=group.confidence,
                own_components=[m.component for m in group.members if m.product == product_ref],
                other_products=[q for q in group.products if q != product_ref],
                platform_providers=group.platform_providers,
            )
        )
    own: set[str] = set()
    elsewhere: set[str] = set()
    for c in p.nodes_of("component"):
        (own if p.owner[c] == product else elsewhere).update(_technologies(p, c))
    shared = sorted(own & elsewhere)
    return AcquisitionReport(
        graph_version=p.version,
        product=product_ref,
        duplicated_capabilities=duplicated,
        unique_technologies=sorted(own - elsewhere),
        shared_technologies=shared,
        stack_alignment=round(len(shared) / len(own), 3) if own else 1.0,
    )


__all__ = ["acquisition_fit", "spin_off", "sunset"]
