"""``archgraph adr ...``: the ADR registry on the local store or a server (docs/adr.md).

``LocalAdrs`` (the configured store) and ``app.cli_adr_server.AdrServer``
(``--server URL``, the HTTP API) offer the same operations, so each command
prints the same output in both modes.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from adr import file_name_for, parse_folder, read_folder, render_madr
from app import adr_io, adr_service
from app.cli_adr_server import AdrServer
from app.settings import Settings
from app.stores import open_store
from schemas.adr import AdrCreate, AffectIn
from schemas.analysis import ChangeType
from schemas.elements import AdrStatus
from schemas.errors import InvalidInputError


def _remote_options(parser: argparse.ArgumentParser, *, given_only: bool) -> None:
    """``--server`` / ``--key``; with *given_only* they set nothing unless given.

    The ``adr`` parser holds the defaults and each subcommand the same options
    with ``SUPPRESS``, so ``archgraph adr --server URL list`` and
    ``archgraph adr list --server URL`` both work: a subcommand's unset option
    never overwrites what was given before the subcommand.
    """
    server_default = argparse.SUPPRESS if given_only else None
    key_default = argparse.SUPPRESS if given_only else os.environ.get("ARCHGRAPH_API_KEY")
    parser.add_argument(
        "--server",
        default=server_default,
        help="work on the registry of a running archgraph at this URL",
    )
    parser.add_argument(
        "--key", default=key_default, help="API key for --server (or ARCHGRAPH_API_KEY)"
    )


def add_parser(sub: Any) -> None:
    remote = argparse.ArgumentParser(add_help=False)
    _remote_options(remote, given_only=True)
    p = sub.add_parser("adr", help="architecture decision records")
    _remote_options(p, given_only=False)
    adr_sub = p.add_subparsers(dest="adr_command", required=True)

    def command(name: str, help_text: str) -> Any:
        return adr_sub.add_parser(name, help=help_text, parents=[remote])

    q = command("new", "register a decision (status proposed)")
    q.add_argument("title")
    q.add_argument("--context")
    q.add_argument("--decision")
    q.add_argument("--consequences")
    q.add_argument("--affects", action="append", default=[], help="REF[=change-type]")
    q.add_argument("--supersedes", action="append", type=int, default=[])
    q.add_argument("--tag", action="append", default=[])
    command("list", "every ADR, one a line").add_argument(
        "--status", choices=[s.value for s in AdrStatus]
    )
    for name in ("show", "accept", "reject", "deprecate"):
        command(name, f"{name} one ADR").add_argument("number")
    q = command("supersede", "NEWER supersedes OLDER")
    q.add_argument("newer")
    q.add_argument("older", nargs="+")
    command("import", "import a folder of ADR Markdown").add_argument("dir")
    command("export", "write every ADR as MADR into DIR").add_argument("dir")


def _affect(text: str) -> AffectIn:
    ref, _, change = text.partition("=")
    try:
        return AffectIn(ref=ref, change_type=ChangeType(change or "breaking-change"))
    except ValueError as exc:
        raise InvalidInputError(f"--affects {text}: {exc}", code="invalid_affects") from None


class LocalAdrs:
    """The registry in the configured store; the same operations as ``AdrServer``."""

    def __init__(self, settings: Settings) -> None:
        self.store = open_store(settings)
        self.actor = f"cli:{getpass.getuser()}"

    def close(self) -> None:
        self.store.close()

    def create(self, body: AdrCreate) -> dict[str, Any]:
        return adr_service.create_adr(self.store, body, self.actor)

    def list_adrs(self, status: str | None) -> list[dict[str, Any]]:
        return [p for p in adr_service.iter_adrs(self.store) if not status or p["status"] == status]

    def get(self, number: int) -> dict[str, Any]:
        return adr_service.get_adr(self.store, number)

    def markdown(self, number: int) -> str:
        return render_madr(adr_io.to_doc(adr_service.get_adr(self.store, number)))

    def change_status(self, number: int, target: str) -> dict[str, Any]:
        return adr_service.change_status(self.store, number, target, self.actor)

    def supersede(self, newer: int, olds: Sequence[int]) -> dict[str, Any]:
        return adr_service.supersede(self.store, newer, olds, self.actor)

    def import_files(self, files: Mapping[str, str]) -> dict[str, Any]:
        return adr_io.import_folder(self.store, parse_folder(files), self.actor)

    def export(self) -> list[tuple[str, str]]:
        return [(file_name_for(doc), render_madr(doc)) for doc in adr_io.all_docs(self.store)]


def run_adr(args: argparse.Namespace, settings: Settings) -> int:
    registry: LocalAdrs | AdrServer
    registry = AdrServer(args.server, args.key) if args.server else LocalAdrs(settings)
    try:
        cmd = args.adr_command
        result: Any
        if cmd == "new":
            body = AdrCreate(
                title=args.title,
                context=args.context,
                decision=args.decision,
                consequences=args.consequences,
                affects=[_affect(a) for a in args.affects],
                supersedes=args.supersedes,
                tags=args.tag,
            )
            result = registry.create(body)
            print(f"{result['id']} {result['title']} ({result['status']})")
        elif cmd == "list":
            for props in registry.list_adrs(args.status):
                print(
                    f"ADR-{int(props['number']):04d}  {props.get('status', ''):<11} "
                    f"{props.get('title', '')}"
                )
        elif cmd == "show":
            print(registry.markdown(adr_service.parse_number(args.number)), end="")
        elif cmd in ("accept", "reject", "deprecate"):
            target = {"accept": "accepted", "reject": "rejected", "deprecate": "deprecated"}[cmd]
            result = registry.change_status(adr_service.parse_number(args.number), target)
            print(f"{result['id']} is {result['status']}")
        elif cmd == "supersede":
            newer = adr_service.parse_number(args.newer)
            olds = [adr_service.parse_number(o) for o in args.older]
            for old in olds:
                registry.get(old)
            result = registry.supersede(newer, olds)
            print(f"{result['id']} supersedes {', '.join(f'ADR-{n:04d}' for n in olds)}")
        elif cmd == "import":
            folder = Path(args.dir)
            if not folder.is_dir():
                raise InvalidInputError(f"{folder} is not a directory", code="not_a_directory")
            print(json.dumps(registry.import_files(read_folder(folder)), indent=2))
        elif cmd == "export":
            out = Path(args.dir)
            out.mkdir(parents=True, exist_ok=True)
            files = registry.export()
            for name, text in files:
                (out / name).write_text(text, encoding="utf-8")
            print(f"wrote {len(files)} ADRs to {out}")
        return 0
    finally:
        registry.close()
