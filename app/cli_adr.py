"""``archgraph adr ...``: the ADR registry on the local store (docs/adr.md)."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path
from typing import Any

from adr import file_name_for, parse_folder, read_folder, render_madr
from app import adr_io, adr_service
from app.settings import Settings
from app.stores import open_store
from schemas.adr import AdrCreate, AffectIn
from schemas.analysis import ChangeType
from schemas.errors import InvalidInputError


def add_parser(sub: Any) -> None:
    p = sub.add_parser("adr", help="architecture decision records")
    adr_sub = p.add_subparsers(dest="adr_command", required=True)
    q = adr_sub.add_parser("new", help="register a decision (status proposed)")
    q.add_argument("title")
    q.add_argument("--context")
    q.add_argument("--decision")
    q.add_argument("--consequences")
    q.add_argument("--affects", action="append", default=[], help="REF[=change-type]")
    q.add_argument("--supersedes", action="append", type=int, default=[])
    q.add_argument("--tag", action="append", default=[])
    adr_sub.add_parser("list", help="every ADR, one a line").add_argument("--status")
    for name in ("show", "accept", "reject", "deprecate"):
        adr_sub.add_parser(name, help=f"{name} one ADR").add_argument("number")
    q = adr_sub.add_parser("supersede", help="NEWER supersedes OLDER")
    q.add_argument("newer")
    q.add_argument("older", nargs="+")
    adr_sub.add_parser("import", help="import a folder of ADR Markdown").add_argument("dir")
    adr_sub.add_parser("export", help="write every ADR as MADR into DIR").add_argument("dir")


def _affect(text: str) -> AffectIn:
    ref, _, change = text.partition("=")
    try:
        return AffectIn(ref=ref, change_type=ChangeType(change or "breaking-change"))
    except ValueError as exc:
        raise InvalidInputError(f"--affects {text}: {exc}", code="invalid_affects") from None


def run_adr(args: argparse.Namespace, settings: Settings) -> int:
    actor = f"cli:{getpass.getuser()}"
    store = open_store(settings)
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
            result = adr_service.create_adr(store, body, actor)
            print(f"{result['id']} {result['title']} ({result['status']})")
        elif cmd == "list":
            for props in adr_service.iter_adrs(store):
                if args.status and props.get("status") != args.status:
                    continue
                print(
                    f"ADR-{int(props['number']):04d}  {props.get('status', ''):<11} "
                    f"{props.get('title', '')}"
                )
        elif cmd == "show":
            number = adr_service.parse_number(args.number)
            print(render_madr(adr_io.to_doc(adr_service.get_adr(store, number))), end="")
        elif cmd in ("accept", "reject", "deprecate"):
            target = {"accept": "accepted", "reject": "rejected", "deprecate": "deprecated"}[cmd]
            number = adr_service.parse_number(args.number)
            result = adr_service.change_status(store, number, target, actor)
            print(f"{result['id']} is {result['status']}")
        elif cmd == "supersede":
            newer = adr_service.parse_number(args.newer)
            olds = [adr_service.parse_number(o) for o in args.older]
            for old in olds:
                adr_service.get_adr(store, old)
            result = adr_service.supersede(store, newer, olds, actor)
            print(f"{result['id']} supersedes {', '.join(f'ADR-{n:04d}' for n in olds)}")
        elif cmd == "import":
            folder = Path(args.dir)
            if not folder.is_dir():
                raise InvalidInputError(f"{folder} is not a directory", code="not_a_directory")
            report = adr_io.import_folder(store, parse_folder(read_folder(folder)), actor)
            print(json.dumps(report, indent=2))
        elif cmd == "export":
            out = Path(args.dir)
            out.mkdir(parents=True, exist_ok=True)
            docs = adr_io.all_docs(store)
            for doc in docs:
                (out / file_name_for(doc)).write_text(render_madr(doc), encoding="utf-8")
            print(f"wrote {len(docs)} ADRs to {out}")
        return 0
    finally:
        store.close()
