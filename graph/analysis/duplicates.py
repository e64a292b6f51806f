"""Duplicate capabilities across products, and how far the platform is adopted.

:func:`find_duplicates` answers ``GET /api/v1/duplicates``: groups of
components, in two or more products (or in a product and the platform),
that provide the same capability, declared or inferred
(:mod:`graph.analysis.capabilities`), each with a confidence and the
evidence. Components of different owners whose APIs offer largely the same
operations form a group of their own when no capability explains them.
Where a platform component provides the capability (declaring it, or else
inferred), the group names it, and the products in the group none of whose
components uses it directly: the adoption gap. Direct use, because nearly
every product reaches the identity service *somehow* (through the API
gateway, say); what matters is whether it calls the platform for this
capability itself.

:func:`platform_adoption` answers ``GET /api/v1/platform/adoption``: which
product uses which platform component, directly or through others.
"""

from __future__ import annotations

from collections import Counter

from graph.analysis.capabilities import Claim, claims, declared, offered_operations, vocabulary
from graph.analysis.projection import NO_OWNER, Projection
from graph.analysis.reach import reach
from graph.analysis.text import tokens
from schemas.analysis import (
    AdoptionGap,
    AdoptionMatrix,
    AdoptionRow,
    DuplicateGroup,
    DuplicateMember,
    DuplicatesResult,
    Evidence,
    EvidenceKind,
    PlatformUsage,
    Usage,
)

#: Claims below this confidence are left out unless asked for.
DEFAULT_MIN_CONFIDENCE = 0.6
#: Shared operations that make two components an operations-only duplicate pair.
MIN_SHARED_OPERATIONS = 2
MIN_SHARED_RATIO = 0.5
#: An operation offered by more components than this is plumbing, not a capability.
MAX_OPERATION_PROVIDERS = 50
_PLATFORM = -2


def _owner_key(p: Projection, c: int) -> int:
    return _PLATFORM if p.platform[c] else p.owner[c]


def _member(p: Projection, c: int, claim: Claim) -> DuplicateMember:
    return DuplicateMember(
        component=p.refs[c],
        name=p.name(c),
        product=p.owner_ref(c),
        platform=p.is_platform(c),
        confidence=round(claim.confidence, 3),
        evidence=[Evidence(kind=_kind(k), detail=d, weight=w) for k, d, w in claim.evidence],
    )


def _kind(kind: str) -> EvidenceKind:
    kinds: dict[str, EvidenceKind] = {
        "declared": "declared",
        "name": "name",
        "description": "description",
        "operations": "operations",
        "shared-operations": "shared-operations",
    }
    return kinds[kind]


def _group_confidence(p: Projection, members: list[tuple[int, Claim]]) -> float:
    """As sure as the second most certain owner: it takes two to duplicate."""
    best: dict[int, float] = {}
    for c, claim in members:
        key = _owner_key(p, c)
        best[key] = max(best.get(key, 0.0), claim.confidence)
    ranked = sorted(best.values(), reverse=True)
    return round(ranked[1] if len(ranked) > 1 else 0.0, 3)


def find_duplicates(
    p: Projection, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE, capability: str | None = None
) -> DuplicatesResult:
    """Groups of components providing the same capability in more than one product.

    Only claims of at least *min_confidence* count. With *capability* (a
    reference), only that capability's group is returned.
    """
    vocab = vocabulary(p)
    decl = declared(p)
    by_cap: dict[str, list[tuple[int, Claim]]] = {}
    for c, caps in claims(p).items():
        for ref, claim in caps.items():
            if claim.confidence >= min_confidence:
                by_cap.setdefault(ref, []).append((c, claim))

    groups: list[DuplicateGroup] = []
    in_groups: dict[int, set[str]] = {}
    for ref in sorted(by_cap):
        if capability is not None and ref != capability:
            continue
        members = sorted(by_cap[ref], key=lambda m: (not p.platform[m[0]], p.refs[m[0]]))
        products = sorted({p.owner[c] for c, _ in members if not p.platform[c]} - {NO_OWNER})
        platform = [c for c, _ in members if p.platform[c]]
        if not products or len(products) + (1 if platform else 0) < 2:
            continue
        for c, _ in members:
            in_groups.setdefault(c, set()).add(ref)
        declaring = [x for x in platform if ref in decl.get(x, {})]
        platform = declaring or platform
        gaps = []
        for x in platform:
            users = direct_users(p, x)
            missing = [p.refs[q] for q in products if q not in users]
            gaps.append(AdoptionGap(platform_component=p.refs[x], products_not_using=missing))
        groups.append(
            DuplicateGroup(
                capability=ref,
                label=vocab.names.get(ref, ref.partition(":")[2]),
                confidence=_group_confidence(p, members),
                products=[p.refs[q] for q in products],
                members=[_member(p, c, claim) for c, claim in members],
                platform_providers=[p.refs[x] for x in platform],
                adoption_gaps=gaps,
            )
        )
    if capability is None:
        groups.extend(_operation_groups(p, min_confidence, in_groups))
    groups.sort(key=lambda g: (-len(g.products), -g.confidence, g.label, g.capability or ""))
    return DuplicatesResult(graph_version=p.version, min_confidence=min_confidence, groups=groups)


def _operation_groups(
    p: Projection, min_confidence: float, in_groups: dict[int, set[str]]
) -> list[DuplicateGroup]:
    """Components of different owners offering largely the same operations, no capability
    group already explaining them, clustered by shared operations."""
    ops = offered_operations(p)
    by_op: dict[str, list[int]] = {}
    for c, keys in ops.items():
        for key in keys:
            by_op.setdefault(key, []).append(c)
    shared: dict[tuple[int, int], list[str]] = {}
    for key, comps in by_op.items():
        if len(comps) < 2 or len(comps) > MAX_OPERATION_PROVIDERS:
            continue
        for i, a in enumerate(comps):
            for b in comps[i + 1 :]:
                if _owner_key(p, a) != _owner_key(p, b) and not ops[a][key] & ops[b][key]:
                    shared.setdefault((min(a, b), max(a, b)), []).append(key)

    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    links: dict[int, Claim] = {}
    for (a, b), common in sorted(shared.items()):
        ratio = len(common) / min(len(ops[a]), len(ops[b]))
        weight = 0.8 * ratio
        if len(common) < MIN_SHARED_OPERATIONS or ratio < MIN_SHARED_RATIO:
            continue
        if weight < min_confidence:
            continue
        if in_groups.get(a, set()) & in_groups.get(b, set()):
            continue
        parent[find(a)] = find(b)
        listed = ", ".join(sorted(common)[:5])
        for x, y in ((a, b), (b, a)):
            detail = f"offers {len(common)} operation(s) {p.refs[y]} also offers: {listed}"
            links.setdefault(x, Claim()).add("shared-operations", detail, weight)
    clusters: dict[int, list[int]] = {}
    for c in links:
        clusters.setdefault(find(c), []).append(c)

    out: list[DuplicateGroup] = []
    for members in clusters.values():
        products = sorted({p.owner[c] for c in members if not p.platform[c]} - {NO_OWNER})
        platform = sorted(c for c in members if p.platform[c])
        if not products or len(products) + (1 if platform else 0) < 2:
            continue
        words: Counter[str] = Counter()
        for c in members:
            for key in ops[c]:
                words.update(tokens(key.partition(" ")[2].replace("{}", " ")))
        label = " ".join(w for w, _ in words.most_common(2)) or "shared operations"
        pairs = sorted(members, key=lambda c: (not p.platform[c], p.refs[c]))
        out.append(
            DuplicateGroup(
                capability=None,
                label=label,
                confidence=_group_confidence(p, [(c, links[c]) for c in members]),
                products=[p.refs[q] for q in products],
                members=[_member(p, c, links[c]) for c in pairs],
                platform_providers=[p.refs[x] for x in platform],
                adoption_gaps=[],
            )
        )
    return out


def direct_users(p: Projection, x: int) -> set[int]:
    """Products with a component that depends on *x*, or consumes an API it offers, directly."""
    users: set[int] = set()
    for node in (x, *p.offers[x]):
        for e in p.dependents[node]:
            w = e >> 5
            if p.owner[w] != NO_OWNER:
                users.add(p.owner[w])
    return users


def platform_adoption(p: Projection) -> AdoptionMatrix:
    """Products x platform components: who uses what, directly or transitively."""
    r = reach(p)
    decl = declared(p)
    platform = [c for c in p.nodes_of("component") if p.platform[c]]
    usage: dict[int, dict[int, Usage]] = {prod: {} for prod in r.products}
    columns: list[PlatformUsage] = []
    for x in platform:
        direct = direct_users(p, x)
        transitive = {prod for prod in r.products if r.dependents[x] >> r.bit[prod] & 1}
        for prod in transitive | direct:
            usage[prod][x] = "direct" if prod in direct else "transitive"
        columns.append(
            PlatformUsage(
                component=p.refs[x],
                name=p.name(x),
                capabilities=sorted(decl.get(x, {})),
                direct_products=len(direct),
                transitive_products=len(transitive | direct),
            )
        )
    rows = [
        AdoptionRow(
            product=p.refs[prod],
            tier=p.product_tier(prod),
            uses={p.refs[x]: how for x, how in sorted(usage[prod].items())},
            adoption=round(len(usage[prod]) / len(platform), 3) if platform else 0.0,
        )
        for prod in r.products
    ]
    return AdoptionMatrix(graph_version=p.version, platform_components=columns, products=rows)


__all__ = ["DEFAULT_MIN_CONFIDENCE", "direct_users", "find_duplicates", "platform_adoption"]
