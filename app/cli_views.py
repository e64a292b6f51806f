"""``archgraph diagram`` and ``archgraph data``: the diagrams and data exports from a terminal.

Both read the configured store (``--data-dir`` / ``--neo4j-uri``) and write a
file (``-o``) or standard output; the rules are those of
``GET /api/v1/exports/graph`` and ``/exports/data`` (``docs/diagrams.md``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, get_args

from app.history_service import projection_at
from app.settings import Settings
from app.stores import open_store
from graph.analysis import Projection, build_projection
from graph.views import (
    DataFormat,
    DiagramFormat,
    ViewName,
    build_view,
    export_data,
    render_diagram,
)
from schemas.analysis import ChangeType
from schemas.errors import InvalidInputError


def _projection(settings: Settings, as_of: str | None = None) -> Projection:
    store = open_store(settings)
    try:
        return build_projection(store) if as_of is None else projection_at(store, as_of, settings)
    finally:
        store.close()


def _write(content: bytes, output: str | None, binary: bool) -> None:
    if output and output != "-":
        Path(output).write_bytes(content)
        print(f"wrote {len(content):,} bytes to {output}", file=sys.stderr)
    elif binary and sys.stdout.isatty():
        raise InvalidInputError(
            "this format is binary: write it to a file with -o FILE", location="--output"
        )
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()


def run_diagram(args: argparse.Namespace, settings: Settings) -> int:
    diagram = build_view(
        _projection(settings, args.as_of),
        args.view,
        args.focus,
        args.depth,
        ChangeType(args.change),
    )
    rendered = render_diagram(diagram, args.format)
    for note in rendered.notes:
        print(f"note: {note}", file=sys.stderr)
    _write(rendered.content, args.output, binary=args.format == "png")
    return 0


def run_data(args: argparse.Namespace, settings: Settings) -> int:
    content = export_data(
        _projection(settings, args.as_of),
        args.format,
        product=args.product,
        kinds=args.kind or (),
        as_of=args.as_of,
    )
    _write(content, args.output, binary=args.format == "csv")
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "diagram", help="draw the portfolio, one element's neighbourhood or an impact"
    )
    p.add_argument("--view", default="portfolio", choices=get_args(ViewName))
    p.add_argument("--focus", help="focus: one ref; impact: target refs, comma-separated")
    p.add_argument("--depth", type=int, help="hops (focus, default 1) or levels (impact)")
    p.add_argument("--change", default="breaking-change", choices=[c.value for c in ChangeType])
    p.add_argument("--format", default="svg", choices=get_args(DiagramFormat))
    p.add_argument("--as-of", help="the graph as it was at this instant or graph version")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")

    p = sub.add_parser("data", help="export the graph or a part of it as JSON, CSV or GraphML")
    p.add_argument("--format", default="json", choices=get_args(DataFormat))
    p.add_argument("--product", help="only this product's part (product ref or slug)")
    p.add_argument("--kind", action="append", help="only these kinds (repeat or comma-list)")
    p.add_argument("--as-of", help="the graph as it was at this instant or graph version")
    p.add_argument("-o", "--output", help="file to write (csv: a zip of nodes.csv and edges.csv)")
