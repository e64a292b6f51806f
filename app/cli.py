"""The ``archgraph`` command line.

::

    archgraph serve [--host H] [--port P] [--dev]   run the HTTP service
    archgraph export [-o FILE]                      the whole graph as JSON
    archgraph import FILE                           replace the graph with an export

The store is the one the environment configures (``ARCHGRAPH_NEO4J_URI`` or
the embedded file under ``ARCHGRAPH_DATA_DIR``); ``--neo4j-uri`` and
``--data-dir`` override it for one command.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.settings import Settings
from app.stores import describe_store, open_store
from schemas.errors import ArchgraphError

Command = Callable[[argparse.Namespace, Settings], int]
_COMMANDS: dict[str, Command] = {}
_PARSER_HOOKS: list[Callable[[Any], None]] = []


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        _COMMANDS[name] = fn
        return fn

    return register


def settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    if getattr(args, "neo4j_uri", None):
        overrides["neo4j_uri"] = args.neo4j_uri
    return Settings(**overrides)


def _dev_key(settings: Settings) -> tuple[Path, str]:
    """A development admin key kept in the data directory (made once, then reused)."""
    path = settings.data_dir / "dev-api-keys"
    if path.exists():
        line = next(ln for ln in path.read_text().splitlines() if ln and not ln.startswith("#"))
        return path, line.split(":", 2)[2]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    secret = "dev-" + secrets.token_urlsafe(24)
    path.write_text(f"# development key made by 'archgraph serve --dev'\ndev:admin:{secret}\n")
    path.chmod(0o600)
    return path, secret


@command("serve")
def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.main import create_app

    notes = [f"store: {describe_store(settings)}"]
    if args.dev and not settings.api_keys and not settings.api_keys_file:
        path, secret = _dev_key(settings)
        settings = settings.model_copy(update={"api_keys_file": path})
        notes.append(f"development key (admin), kept in {path}:\n    {secret}")
        notes.append(
            f"try: curl -H 'Authorization: Bearer {secret}' "
            f"http://{args.host}:{args.port}/api/v1/products"
        )
    if args.dev:
        settings = settings.model_copy(update={"load_example": True})
    app = create_app(settings)
    print(
        f"archgraph on http://{args.host}:{args.port}  (docs: http://{args.host}:{args.port}/docs)"
    )
    for note in notes:
        print(note)
    sys.stdout.flush()
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


@command("export")
def export(args: argparse.Namespace, settings: Settings) -> int:
    from graph.document import export_document

    store = open_store(settings)
    try:
        doc = export_document(store)
    finally:
        store.close()
    text = json.dumps(doc, indent=1, sort_keys=False)
    if args.output and args.output != "-":
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(
            f"exported {len(doc['nodes'])} nodes and {len(doc['edges'])} edges "
            f"from {describe_store(settings)} to {args.output}",
            file=sys.stderr,
        )
    else:
        print(text)
    return 0


@command("import")
def import_(args: argparse.Namespace, settings: Settings) -> int:
    from graph.document import import_document

    try:
        doc = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArchgraphError(f"cannot read {args.file}: {exc}", code="bad_input") from None
    store = open_store(settings)
    try:
        nodes, edges, version = import_document(store, doc)
    finally:
        store.close()
    print(
        f"imported {nodes} nodes and {edges} edges into {describe_store(settings)} "
        f"(graph version {version})"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archgraph", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="embedded store directory (ARCHGRAPH_DATA_DIR)")
    parser.add_argument("--neo4j-uri", help="use this Neo4j (ARCHGRAPH_NEO4J_URI)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the HTTP service")
    p.add_argument("--host", default=os.environ.get("ARCHGRAPH_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("ARCHGRAPH_PORT", "8000")))
    p.add_argument(
        "--dev",
        action="store_true",
        help="make a development admin key if none is configured and load the "
        "example portfolio into an empty store",
    )
    p.add_argument("--log-level", default="info")

    p = sub.add_parser("export", help="write the whole graph as one JSON document")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")

    p = sub.add_parser("import", help="replace the graph with an exported JSON document")
    p.add_argument("file")

    for hook in _PARSER_HOOKS:
        hook(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from(args)
        return _COMMANDS[args.command](args, settings)
    except ArchgraphError as exc:
        where = f" ({exc.location})" if exc.location else ""
        print(f"archgraph: {exc.code}: {exc.message}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
