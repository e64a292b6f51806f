"""``archgraph changes`` and ``archgraph diff``: the change log in a terminal.

Both read the configured store directly (like ``archgraph export``); CLI
writes (``scan``, ``import``) are recorded with the OS user as the actor
(``app/cli_actor.py``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.history_service import diff_between, list_changes
from app.settings import Settings
from app.stores import open_store


def _subject(item: dict[str, Any]) -> str:
    edge = item.get("edge")
    if edge:
        return f"{edge['from']} {edge['type']} {edge['to']}"
    return str(item["element"])


def render_changes(page: dict[str, Any]) -> str:
    lines = [
        f"{c['at']}  v{c['version']:<5} {c['op']:8} {_subject(c)}  by {c['actor']}"
        + (f" ({c['source']})" if c["source"] else "")
        for c in page["items"]
    ]
    if not lines:
        lines.append("no changes")
    if page["next_cursor"]:
        lines.append(f"more: --cursor {page['next_cursor']}")
    return "\n".join(lines)


def render_diff(result: dict[str, Any]) -> str:
    lines = [f"Changes from {result['from']} to {result['to']}"]
    for group in result["products"]:
        lines.append(f"\n{group['product'] or '(no product)'}")
        for bucket, mark in (("added", "+"), ("removed", "-"), ("changed", "~")):
            for item in group[bucket]:
                who = ", ".join(sorted({c["actor"] for c in item["changes"]}))
                when = item["changes"][-1]["at"]
                lines.append(f"  {mark} {_subject(item)}  ({who}, {when})")
    if not result["products"]:
        lines.append("nothing changed")
    return "\n".join(lines)


def run_changes(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    try:
        page = list_changes(
            store,
            since=args.since,
            until=args.until,
            element=args.element,
            actor=args.actor,
            limit=args.limit,
            cursor=args.cursor,
        )
    finally:
        store.close()
    print(json.dumps(page, indent=1) if args.json else render_changes(page))
    return 0


def run_diff(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    try:
        result = diff_between(store, settings, args.from_, args.to)
    finally:
        store.close()
    print(json.dumps(result, indent=1) if args.json else render_diff(result))
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("changes", help="the change log, newest first")
    p.add_argument("--since", help="after this ISO-8601 instant")
    p.add_argument("--until", help="at or before this instant")
    p.add_argument("--element", help="kind:slug (its edges too)")
    p.add_argument("--actor", help="API key name or OS user")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--cursor", help="continue after a previous page")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("diff", help="what was added, removed and changed between two points")
    p.add_argument("--from", dest="from_", required=True, help="an instant or a graph version")
    p.add_argument("--to", help="an instant or a graph version (default: now)")
    p.add_argument("--json", action="store_true")
