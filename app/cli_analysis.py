"""``archgraph impact`` and ``archgraph duplicates``: the assessment, readable in a terminal."""

from __future__ import annotations

import argparse
from typing import Any

from app.settings import Settings
from app.stores import open_store
from graph.analysis import DEFAULT_MIN_CONFIDENCE, Projection, build_projection
from schemas.analysis import ChangeType, DuplicatesResult, ImpactRequest, ImpactResult


def _with_projection(settings: Settings) -> Projection:
    store = open_store(settings)
    try:
        return build_projection(store)
    finally:
        store.close()


def render_impact(result: ImpactResult, *, paths: int = 1) -> str:
    """A summary a PM can read aloud: who is affected, why, and how badly."""
    br = result.blast_radius
    targets = ", ".join(t.ref for t in result.targets)
    lines = [
        f"Impact of {result.change_type.value} on {targets} (graph version {result.graph_version})"
    ]
    if result.owners:
        owners = ", ".join(f"{o.ref} (tier {o.tier})" for o in result.owners)
        lines.append(f"Owned by: {owners}")
    elif result.owned_by_platform:
        lines.append("Owned by: the platform")
    lines.append(
        f"Blast radius: score {br.score:g} of 100; {br.products} products "
        f"({br.hard_products} hard, {br.soft_products} soft), {br.components} components, "
        f"{br.apis} APIs, max depth {br.max_depth}"
    )
    if not result.affected_products:
        lines.append("No other product is affected.")
    for product in result.affected_products:
        lines.append(
            f"  {product.ref}  tier {product.tier}  {product.strength}  depth "
            f"{product.min_depth}  effort {product.effort.size} "
            f"({product.effort.integration_points} integration points)"
        )
        for path in product.paths[:paths]:
            lines.append("      " + " -> ".join(path))
    if result.unaffected_consumers:
        lines.append(
            "Not affected (use none of the changed operations): "
            + ", ".join(result.unaffected_consumers)
        )
    if result.truncated and result.truncation is not None:
        t = result.truncation
        lines.append(
            f"TRUNCATED by the {t.reason} limit: {t.unexpanded_count} elements not "
            f"followed further, {t.beyond_count} beyond them not reported"
        )
    lines += [f"warning: {w}" for w in result.warnings]
    return "\n".join(lines)


def render_duplicates(result: DuplicatesResult) -> str:
    if not result.groups:
        return f"No duplicated capabilities at confidence >= {result.min_confidence:g}."
    lines = []
    for group in result.groups:
        lines.append(
            f"{group.label}  confidence {group.confidence:.2f}  products: "
            + ", ".join(group.products)
        )
        for member in group.members:
            evidence = "; ".join(e.detail for e in member.evidence[:3])
            where = member.product or "platform"
            lines.append(f"    {member.component} ({where}): {evidence}")
        for gap in (g for g in group.adoption_gaps if g.products_not_using):
            lines.append(
                f"    platform {gap.platform_component} not used by: "
                + ", ".join(gap.products_not_using)
            )
    return "\n".join(lines)


def run_impact(args: argparse.Namespace, settings: Settings) -> int:
    from graph.analysis import impact

    request = ImpactRequest(
        targets=args.refs,
        change_type=ChangeType(args.change),
        operations=args.operation or [],
        max_depth=args.max_depth,
    )
    result = impact(_with_projection(settings), request)
    if args.json:
        print(result.model_dump_json(indent=1))
    else:
        print(render_impact(result, paths=args.paths))
    return 0


def run_duplicates(args: argparse.Namespace, settings: Settings) -> int:
    from graph.analysis import find_duplicates

    result = find_duplicates(_with_projection(settings), min_confidence=args.min_confidence)
    print(result.model_dump_json(indent=1) if args.json else render_duplicates(result))
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("impact", help="which products a change touches, why, and how badly")
    p.add_argument("refs", nargs="+", metavar="REF", help="e.g. component:identity-service")
    p.add_argument("--change", default="breaking-change", choices=[c.value for c in ChangeType])
    p.add_argument(
        "--operation",
        action="append",
        help='a changed operation ("GET /users/{id}" or operationId); repeatable',
    )
    p.add_argument("--max-depth", type=int)
    p.add_argument("--paths", type=int, default=1, help="explaining paths shown per product")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("duplicates", help="capabilities built in more than one product")
    p.add_argument("--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE)
    p.add_argument("--json", action="store_true")
