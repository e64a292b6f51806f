"""ADR Markdown in and out of the registry: folder import, MADR export (docs/adr.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from adr import (
    LINK_FIELDS,
    AdrDoc,
    AffectDoc,
    AlternativeDoc,
    FolderImport,
    adr_label,
    adr_slug,
    parse_folder,
)
from app.adr_service import ADR_SOURCE, COUNTER_REF, adr_ref, iter_adrs
from graph.storage import GraphStore, NodeRecord, TxReader, Upserts, utc_now
from schemas.elements import Adr
from schemas.facts import EdgeData, NodeData

#: the change an ADR makes to an element its Markdown does not say (docs/adr.md)
DEFAULT_CHANGE_TYPE = "breaking-change"
#: fields the registry adds; an import compares everything else
_BOOKKEEPING = ("history", "created_by", "created_at", "updated_at", "impact", "file_name")


def _props(doc: AdrDoc) -> dict[str, Any]:
    props: dict[str, Any] = {
        "number": doc.number,
        "title": doc.title,
        "status": doc.status,
        "deciders": list(doc.deciders),
        "tags": list(doc.tags),
        "alternatives": [
            {"name": a.name, "pros": list(a.pros), "cons": list(a.cons)} for a in doc.alternatives
        ],
        "affects": [{"ref": a.ref, "change_type": a.change_type} for a in doc.affects],
    }
    for field in ("context", "decision", "consequences", "notes"):
        if getattr(doc, field):
            props[field] = getattr(doc, field)
    if doc.date:
        props["date"] = doc.date.isoformat()
    for field in LINK_FIELDS:
        props[field] = sorted(doc.links.get(field, []))
    return props


def _comparable(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k not in _BOOKKEEPING and v not in ([], None, "")}


def import_files(store: GraphStore, files: Mapping[str, str], actor: str) -> dict[str, Any]:
    """Import a folder's files; re-importing the same files changes nothing."""
    return import_folder(store, parse_folder(files), actor)


def import_folder(store: GraphStore, folder: FolderImport, actor: str) -> dict[str, Any]:
    """Import one parsed folder in one write transaction (numbers read inside it)."""
    importer = AdrImport([FolderToImport("", folder)], actor)
    store.apply_planned(importer.plan, actor=actor)
    return importer.reports[0]


@dataclass(frozen=True)
class FolderToImport:
    """One folder's ADRs, and the elements every one of them affects (a Backstage entity)."""

    label: str
    folder: FolderImport
    affects: tuple[str, ...] = ()


class AdrImport:
    """Import folders of ADRs as a write plan (``GraphStore.apply_planned`` / ``replace_then``).

    :meth:`plan` runs inside the write transaction: it reads the stored ADRs
    and the counter there, so what it compares and the counter it raises are
    what the transaction sees. It returns one ``Upserts`` per folder, then
    the counter's, and fills :attr:`reports` (one per folder, afresh on every
    run). A number met in two folders is kept from the first; the other file
    is skipped with a warning. With *skip_invalid*, an ADR its element model
    refuses is skipped with a warning instead of failing the whole write.
    """

    def __init__(
        self, folders: Sequence[FolderToImport], actor: str, *, skip_invalid: bool = False
    ) -> None:
        self.folders = list(folders)
        self.actor = actor
        self.skip_invalid = skip_invalid
        self.reports: list[dict[str, Any]] = []

    def plan(self, reader: TxReader) -> list[Upserts]:
        at = utc_now()
        self.reports = []
        upserts: list[Upserts] = []
        taken: dict[int, str] = {}
        highest = -1
        wanted = [a.ref for f in self.folders for d in f.folder.adrs for a in d.affects] + [
            ref for f in self.folders for ref in f.affects
        ]
        known = set(reader.get_nodes(wanted))
        stored = reader.get_nodes([adr_ref(d.number) for f in self.folders for d in f.folder.adrs])
        for item in self.folders:
            report = _empty_report(item.folder)
            nodes: list[NodeData] = []
            edges: list[EdgeData] = []
            for doc in item.folder.adrs:
                if doc.number in taken:
                    report["warnings"].append(
                        f"{doc.file_name}: {adr_label(doc.number)} is also {taken[doc.number]}; "
                        "skipped"
                    )
                    report["skipped_files"].append(doc.file_name)
                    continue
                taken[doc.number] = f"{item.label}/{doc.file_name}".lstrip("/")
                written = self._one(doc, item, known, stored.get(adr_ref(doc.number)), at, report)
                if written is None:
                    continue
                highest = max(highest, doc.number)
                nodes.append(written[0])
                edges += written[1]
            upserts.append(Upserts(ADR_SOURCE, nodes, edges))
            self.reports.append(report)
        counter = reader.get_node(COUNTER_REF)
        last = int(counter.properties.get("last_number", 0)) if counter else 0
        if highest > last:
            upserts.append(Upserts(ADR_SOURCE, [NodeData(COUNTER_REF, {"last_number": highest})]))
        return upserts

    def _one(
        self,
        doc: AdrDoc,
        item: FolderToImport,
        known: set[str],
        old: NodeRecord | None,
        at: str,
        report: dict[str, Any],
    ) -> tuple[NodeData, list[EdgeData]] | None:
        props = _props(doc)
        named = {a["ref"] for a in props["affects"]}
        props["affects"] += [
            {"ref": ref, "change_type": DEFAULT_CHANGE_TYPE}
            for ref in item.affects
            if ref not in named
        ]
        kept = []
        for affect in props["affects"]:
            if affect["ref"] in known:
                kept.append(affect)
            else:
                report["warnings"].append(
                    f"{doc.file_name}: affects {affect['ref']}, unknown; dropped"
                )
        props["affects"] = kept
        try:
            Adr.model_validate({"slug": adr_slug(doc.number), **props})
        except ValidationError as exc:
            if not self.skip_invalid:
                raise
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            report["warnings"].append(f"{doc.file_name}: not imported: {where}: {first['msg']}")
            report["skipped_files"].append(doc.file_name)
            return None
        if old is not None and _comparable(old.properties) == _comparable(props):
            report["unchanged"].append(doc.number)
            return None
        entry = {"at": at, "by": self.actor, "action": "imported", "file": doc.file_name}
        if old is None:
            props.update(created_by=self.actor, created_at=at, history=[entry])
            report["created"].append(doc.number)
        else:
            keep = {k: old.properties[k] for k in _BOOKKEEPING if k in old.properties}
            props.update(keep)
            props["history"] = [*keep.get("history", []), entry]
            report["updated"].append(doc.number)
        props.update(updated_at=at, file_name=doc.file_name)
        edges = [EdgeData(adr_ref(doc.number), "AFFECTS", a["ref"]) for a in kept]
        edges += [
            EdgeData(adr_ref(doc.number), "SUPERSEDES", adr_ref(n)) for n in props["supersedes"]
        ]
        return NodeData(adr_ref(doc.number), props), edges


def _empty_report(folder: FolderImport) -> dict[str, Any]:
    return {
        "created": [],
        "updated": [],
        "unchanged": [],
        "skipped_files": list(folder.skipped),
        "warnings": [str(w) for w in folder.warnings],
    }


def to_doc(props: Mapping[str, Any]) -> AdrDoc:
    """The Markdown view of a stored ADR."""
    date = props.get("date")
    return AdrDoc(
        number=int(props["number"]),
        title=str(props.get("title") or ""),
        status=str(props.get("status", "proposed")),
        date=dt.date.fromisoformat(date) if isinstance(date, str) else None,
        deciders=list(props.get("deciders", [])),
        tags=list(props.get("tags", [])),
        context=str(props.get("context") or ""),
        decision=str(props.get("decision") or ""),
        consequences=str(props.get("consequences") or ""),
        notes=str(props.get("notes") or ""),
        alternatives=[
            AlternativeDoc(a["name"], list(a.get("pros", [])), list(a.get("cons", [])))
            for a in props.get("alternatives", [])
        ],
        affects=[
            AffectDoc(a["ref"], a.get("change_type", "breaking-change"))
            for a in props.get("affects", [])
        ],
        links={f: list(props[f]) for f in LINK_FIELDS if props.get(f)},
        file_name=str(props.get("file_name") or ""),
    )


def all_docs(store: GraphStore) -> list[AdrDoc]:
    return [to_doc(p) for p in iter_adrs(store)]
