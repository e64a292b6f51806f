"""Alternatives side by side: several candidate changes ranked by blast radius.

:func:`compare` answers ``POST /api/v1/impact/compare``. Each candidate is
analysed exactly as :func:`graph.analysis.impact.impact` would; the candidates come
back ranked by score (then affected products, then components), each with
what it affects that no other candidate does.
"""

from __future__ import annotations

from string import ascii_uppercase

from graph.analysis.impact import impact
from graph.analysis.projection import Projection
from schemas.analysis import (
    EVERYTHING,
    CandidateResult,
    CompareRequest,
    CompareResult,
    ImpactResult,
    ProductBrief,
)

MAX_LISTED_COMPONENTS = 1_000


def _components(result: ImpactResult) -> set[str]:
    return {ref for g in result.components_by_depth for ref in (*g.hard, *g.soft)}


def compare(p: Projection, request: CompareRequest) -> CompareResult:
    """Rank the candidate changes of *request* by blast radius, smallest first."""
    labels = [
        c.label or (f"option {ascii_uppercase[i]}" if i < 26 else f"option {i + 1}")
        for i, c in enumerate(request.candidates)
    ]
    everything = {"max_products": EVERYTHING, "max_listed": EVERYTHING, "products_offset": 0}
    results = [impact(p, c.model_copy(update=everything)) for c in request.candidates]
    products = [{a.ref for a in r.affected_products} for r in results]
    components = [_components(r) for r in results]

    rows: list[CandidateResult] = []
    for i, (candidate, result) in enumerate(zip(request.candidates, results, strict=True)):
        other_products = set().union(*(s for j, s in enumerate(products) if j != i))
        other_components = set().union(*(s for j, s in enumerate(components) if j != i))
        only_components = sorted(components[i] - other_components)
        rows.append(
            CandidateResult(
                label=labels[i],
                rank=0,
                targets=list(candidate.targets),
                change_type=candidate.change_type,
                blast_radius=result.blast_radius,
                affected_products=[
                    ProductBrief(ref=a.ref, tier=a.tier, min_depth=a.min_depth, strength=a.strength)
                    for a in result.affected_products
                ],
                only_here_products=sorted(products[i] - other_products),
                only_here_components=only_components[:MAX_LISTED_COMPONENTS],
                only_here_components_count=len(only_components),
                truncated=result.truncated,
                impact=result if request.include_details else None,
            )
        )
    rows.sort(
        key=lambda r: (
            r.blast_radius.score,
            r.blast_radius.products,
            r.blast_radius.components,
            r.label,
        )
    )
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    return CompareResult(
        graph_version=p.version,
        candidates=rows,
        common_products=sorted(set.intersection(*products)) if products else [],
    )


__all__ = ["compare"]
