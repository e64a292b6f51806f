"""``archgraph review --month YYYY-MM --out DIR``: the monthly review as HTML, Markdown and JSON.

Reads the configured store; rules in ``docs/review.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.review_render import to_html, to_markdown
from app.review_service import build_review
from app.settings import Settings
from app.stores import open_store


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    try:
        review = build_review(store, settings, args.month)
    finally:
        store.close()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"review-{review['month']}"
    files = {
        f"{name}.html": to_html(review),
        f"{name}.md": to_markdown(review),
        f"{name}.json": json.dumps(review, indent=2, sort_keys=True),
    }
    for file_name, text in files.items():
        (out / file_name).write_text(text, encoding="utf-8")
        print(f"wrote {out / file_name}", file=sys.stderr)
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "review", help="write the monthly architecture review (HTML, Markdown, JSON)"
    )
    p.add_argument("--month", required=True, help="the month, YYYY-MM")
    p.add_argument("--out", required=True, help="directory to write the three files into")
