"""``archgraph impact`` and ``archgraph duplicates``: the assessment, readable in a terminal."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import httpx

from app.impact_text import (
    check_fail_on,
    checked_impact,
    crosses,
    render_markdown,
    render_text,
    resolve_ref,
)
from app.settings import Settings
from app.stores import open_store
from graph.analysis import DEFAULT_MIN_CONFIDENCE, Projection, build_projection
from schemas.analysis import EVERYTHING, ChangeType, DuplicatesResult, ImpactRequest, ImpactResult
from schemas.errors import ArchgraphError


def _with_projection(settings: Settings) -> Projection:
    store = open_store(settings)
    try:
        return build_projection(store)
    finally:
        store.close()


def render_impact(result: ImpactResult, *, paths: int = 1) -> str:
    """A summary a PM can read aloud: who is affected, why, and how badly."""
    return render_text(result, paths=paths)


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


def _local_impact(args: argparse.Namespace, settings: Settings) -> ImpactResult:
    projection = _with_projection(settings)
    targets = [resolve_ref(raw, projection.refs) for raw in args.refs]
    return checked_impact(projection, _request(args, targets))


def _request(args: argparse.Namespace, targets: list[str]) -> ImpactRequest:
    return ImpactRequest(
        targets=targets,
        change_type=ChangeType(args.change),
        operations=args.operation or [],
        max_depth=args.max_depth,
        max_products=EVERYTHING,
        max_listed=EVERYTHING,
    )


def _remote_impact(args: argparse.Namespace) -> ImpactResult:
    """Ask a running server: ``GET /api/v1/resolve`` for each reference (the same rule
    as :func:`resolve_ref` locally), then ``POST /api/v1/impact``, which refuses
    unknown operations as the local path does. No database credentials needed."""
    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    base = args.server.rstrip("/") + "/api/v1"
    with httpx.Client(headers=headers, timeout=120) as client:
        targets = [
            str(_ask(client, "GET", f"{base}/resolve", params={"ref": raw})["ref"])
            for raw in args.refs
        ]
        body = _request(args, targets).model_dump(mode="json", exclude_none=True)
        return ImpactResult.model_validate(_ask(client, "POST", f"{base}/impact", json=body))


def _ask(client: httpx.Client, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """One request; a refusal becomes the server's own error (code, message, details)."""
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise ArchgraphError(f"cannot reach {url}: {exc}", code="server_unreachable") from None
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {"message": response.text[:200]}
    if response.status_code >= 400:
        message = str(data.get("message", ""))
        if "code" not in data or response.status_code >= 500:
            message = f"the server answered {response.status_code}: {message}"
        raise ArchgraphError(
            message,
            code=str(data.get("code", "server_error")),
            location=data.get("location") if isinstance(data.get("location"), str) else None,
            details=data.get("details"),
        )
    return data


def run_impact(args: argparse.Namespace, settings: Settings) -> int:
    fail_on = check_fail_on(args.fail_on) if args.fail_on else None
    result = _remote_impact(args) if args.server else _local_impact(args, settings)
    fmt = "json" if args.json else args.format
    if fmt == "json":
        print(result.model_dump_json(indent=1))
    elif fmt == "markdown":
        print(render_markdown(result), end="")
    else:
        print(render_impact(result, paths=args.paths))
    if fail_on is not None and crosses(result, fail_on):
        print(f"archgraph: the change crosses --fail-on {fail_on}", file=sys.stderr)
        return 1
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
    p.add_argument("--json", action="store_true", help="the same as --format json")
    p.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    p.add_argument(
        "--fail-on",
        metavar="LEVEL",
        help="exit 1 when the change crosses LEVEL: tier1-hard, tier1-any, any-hard, any, score>=N",
    )
    p.add_argument(
        "--server",
        help="ask a running archgraph at this URL (GET /api/v1/resolve, POST /api/v1/impact)",
    )
    p.add_argument(
        "--key",
        default=os.environ.get("ARCHGRAPH_API_KEY"),
        help="API key for --server (or ARCHGRAPH_API_KEY)",
    )

    p = sub.add_parser("duplicates", help="capabilities built in more than one product")
    p.add_argument("--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE)
    p.add_argument("--json", action="store_true")
