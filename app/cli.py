"""The ``archgraph`` command line.

::

    archgraph serve [--host H] [--port P] [--workers N] [--dev]   run the HTTP service
    archgraph export [-o FILE] [--as-of WHEN]       the whole graph as JSON (then)
    archgraph import FILE                           replace the graph with an export
    archgraph scan PATH [--server URL --key KEY]    scan specs, manifests, catalogs
    archgraph impact REF... --change TYPE [--json]  what a change touches, and why
    archgraph duplicates [--json]                   capabilities built more than once
    archgraph changes [--since T --element REF ...] the change log, newest first
    archgraph diff --from WHEN [--to WHEN]          what changed between two points
    archgraph adr new|list|show|accept|reject|supersede|import|export   ADRs (local store)
    archgraph diagram [--view V --focus REF --format F] [-o FILE]   draw a diagram
    archgraph data [--format json|csv|graphml --product P --kind K] [-o FILE]   export data

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
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.cli_actor import cli_actor
from app.settings import Settings
from app.stores import describe_store, open_store
from schemas.errors import ArchgraphError

Command = Callable[[argparse.Namespace, Settings], int]
_COMMANDS: dict[str, Command] = {}


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


def _settings_to_environment(settings: Settings) -> None:
    """Hand what the command line decided to ``serve``'s workers, which read the environment."""
    os.environ["ARCHGRAPH_DATA_DIR"] = str(settings.data_dir)
    if settings.neo4j_uri:
        os.environ["ARCHGRAPH_NEO4J_URI"] = settings.neo4j_uri
    if settings.api_keys_file:
        os.environ["ARCHGRAPH_API_KEYS_FILE"] = str(settings.api_keys_file)
    # The example is loaded once, here, not by each worker at once.
    os.environ["ARCHGRAPH_LOAD_EXAMPLE"] = "false"


@command("serve")
def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.balance import TABLE_ENV, ConnectionTable
    from app.main import load_example_if_empty

    workers = args.workers or os.cpu_count() or 1
    notes = [f"store: {describe_store(settings)}", f"workers: {workers} processes"]
    if args.dev and not settings.api_keys and not settings.api_keys_file:
        path, secret = _dev_key(settings)
        settings = settings.model_copy(update={"api_keys_file": path})
        notes.append(f"development key (admin), kept in {path}:\n    {secret}")
        notes.append(
            f"try: curl -H 'Authorization: Bearer {secret}' "
            f"http://{args.host}:{args.port}/api/v1/products"
        )
    if args.dev or settings.load_example:
        store = open_store(settings)
        try:
            load_example_if_empty(store)
        finally:
            store.close()
    _settings_to_environment(settings)
    print(
        f"archgraph on http://{args.host}:{args.port}  (docs: http://{args.host}:{args.port}/docs)"
    )
    for note in notes:
        print(note)
    sys.stdout.flush()
    with tempfile.TemporaryDirectory(prefix="archgraph-serve-") as run_dir:
        http = "auto"
        if workers > 1:  # spread keep-alive connections over the workers (app/balance.py)
            table = Path(run_dir) / "connections"
            ConnectionTable.create(table, workers)
            os.environ[TABLE_ENV] = str(table)
            http = "app.balance:BalancedHttpProtocol"
        # Each worker process builds the app from the environment (app.main:create_app).
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            workers=workers,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            http=http,
            timeout_keep_alive=settings.keep_alive_seconds,  # longer than clients' idle pools
        )
    return 0


@command("export")
def export(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli_export import write_chunks
    from app.history_service import export_as_of_chunks
    from graph.storage import export_chunks

    store = open_store(settings)
    try:
        chunks = (
            export_as_of_chunks(store, args.as_of, settings) if args.as_of else export_chunks(store)
        )
        size = write_chunks(chunks, args.output)
    finally:
        store.close()
    if args.output and args.output != "-":
        print(
            f"exported the graph ({size:,} bytes) from {describe_store(settings)} to {args.output}",
            file=sys.stderr,
        )
    return 0


@command("import")
def import_(args: argparse.Namespace, settings: Settings) -> int:
    from graph.storage import import_document

    try:
        doc = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArchgraphError(f"cannot read {args.file}: {exc}", code="bad_input") from None
    store = open_store(settings)
    try:
        nodes, edges, version = import_document(store, doc, actor=cli_actor())
    finally:
        store.close()
    print(
        f"imported {nodes} nodes and {edges} edges into {describe_store(settings)} "
        f"(graph version {version})"
    )
    return 0


class ProgressBar:
    """A one-line progress bar on standard error, drawn only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.drawn = False

    def __call__(self, progress: Any) -> None:
        if not self.enabled or not progress.total:
            return
        width = 30
        filled = int(width * progress.done / progress.total)
        label = str(progress.path)[-40:]
        sys.stderr.write(
            f"\r{progress.stage:5} [{'#' * filled}{'.' * (width - filled)}] "
            f"{progress.done}/{progress.total} {label:40}"
        )
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")


@command("scan")
def scan(args: argparse.Namespace, settings: Settings) -> int:
    from app.scan_service import render_report, scan_and_load

    max_bytes = args.max_file_bytes or settings.max_scan_file_bytes
    if args.server:
        from app.cli_upload import upload_scan  # the HTTP client only for --server
        from scanners import collect_files

        name, files, skipped = collect_files(args.path, max_file_bytes=max_bytes)
        prefix = name if args.prefix is None else args.prefix
        report = upload_scan(args.server, args.key, prefix, files, full=args.full)
        for skip in skipped:
            if skip.severity.value == "error":
                print(f"refused   {skip.path}: {skip.reason}", file=sys.stderr)
        failed = bool(report.get("failed")) or any(s.severity.value == "error" for s in skipped)
    else:
        bar = ProgressBar(sys.stderr.isatty() and not args.json)
        store = open_store(settings)
        try:
            loaded = scan_and_load(
                store,
                args.path,
                full=args.full,
                max_file_bytes=max_bytes,
                source_prefix=args.prefix,
                progress=bar,
                actor=cli_actor(),
            )
        finally:
            bar.close()
            store.close()
        report = loaded.to_json()
        failed = loaded.failed
    print(json.dumps(report, indent=1) if args.json else render_report(report, notes=args.notes))
    return 1 if failed else 0


@command("impact")
def impact(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli_analysis import run_impact

    return run_impact(args, settings)


@command("changes")
def changes(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli_history import run_changes

    return run_changes(args, settings)


@command("diff")
def diff(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli_history import run_diff

    return run_diff(args, settings)


@command("duplicates")
def duplicates(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli_analysis import run_duplicates

    return run_duplicates(args, settings)


@command("adr")
def adr(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli_adr import run_adr

    return run_adr(args, settings)


@command("diagram")
def diagram(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli_views import run_diagram

    return run_diagram(args, settings)


@command("data")
def data(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli_views import run_data

    return run_data(args, settings)


@command("review")
def review(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli_review import run_review

    return run_review(args, settings)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("archgraph")
    except PackageNotFoundError:  # run from a tree that was never installed
        return "unknown"


_PLAIN_COMMANDS = frozenset({"serve", "export", "import", "scan"})
"""Commands defined here: running one imports no other command's module (no analysis code)."""


def _command_word(argv: Sequence[str]) -> str | None:
    """The sub-command *argv* names (after the global options), if it names one."""
    words = iter(argv)
    for word in words:
        if word in ("--data-dir", "--neo4j-uri"):
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(*, every_command: bool = True) -> argparse.ArgumentParser:
    """The command line; without *every_command*, only the commands defined in this module."""
    parser = argparse.ArgumentParser(prog="archgraph", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"archgraph {_version()}")
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
    p.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("ARCHGRAPH_WORKERS", "0")),
        help="server processes over the one store (ARCHGRAPH_WORKERS; default: one per core)",
    )

    p = sub.add_parser("export", help="write the whole graph as one JSON document")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--as-of", help="the graph as it was at this instant or graph version")

    p = sub.add_parser("import", help="replace the graph with an exported JSON document")
    p.add_argument("file")

    p = sub.add_parser("scan", help="scan a directory of specs, manifests and catalogs")
    p.add_argument("path")
    p.add_argument("--server", help="send the files to a running archgraph at this URL")
    p.add_argument(
        "--key",
        default=os.environ.get("ARCHGRAPH_API_KEY"),
        help="API key for --server (or ARCHGRAPH_API_KEY)",
    )
    p.add_argument("--prefix", help="source-id prefix (default: the directory's name)")
    p.add_argument("--max-file-bytes", type=int, help="largest file to read")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--notes", action="store_true", help="also list notes and skipped files")
    p.add_argument(
        "--full", action="store_true", help="parse every file, even those unchanged since last scan"
    )

    if not every_command:
        return parser

    from app.cli_adr import add_parser as add_adr_parser
    from app.cli_analysis import add_parsers
    from app.cli_history import add_parsers as add_history_parsers
    from app.cli_review import add_parser as add_review_parser
    from app.cli_views import add_parsers as add_view_parsers

    add_parsers(sub)
    add_history_parsers(sub)
    add_adr_parser(sub)
    add_view_parsers(sub)
    add_review_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = build_parser(every_command=_command_word(words) not in _PLAIN_COMMANDS).parse_args(words)
    try:
        settings = settings_from(args)
        return _COMMANDS[args.command](args, settings)
    except ArchgraphError as exc:
        location = exc.location
        if location is not None and not isinstance(location, str):
            location = ".".join(str(part) for part in location)  # as the HTTP layer writes it
        where = f" ({location})" if location else ""
        print(f"archgraph: {exc.code}: {exc.message}{where}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # a request the CLI built from bad arguments
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        print(f"archgraph: validation_error: {where}: {first['msg']}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head, say
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
