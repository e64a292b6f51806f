"""ADR Markdown in and out of the registry: folder import, MADR export (docs/adr.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from adr import LINK_FIELDS, AdrDoc, AffectDoc, AlternativeDoc, FolderImport, parse_folder
from app.adr_service import (
    ADR_SOURCE,
    COUNTER_REF,
    adr_ref,
    iter_adrs,
    last_number,
    registry_lock,
)
from graph.storage import GraphStore, utc_now
from schemas.elements import Adr
from schemas.facts import EdgeData, NodeData

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
    warnings = [str(w) for w in folder.warnings]
    created: list[int] = []
    updated: list[int] = []
    unchanged: list[int] = []
    nodes: list[NodeData] = []
    edges: list[EdgeData] = []
    with registry_lock():
        at = utc_now()
        for doc in folder.adrs:
            props = _props(doc)
            kept = []
            for affect in props["affects"]:
                if store.get_node(affect["ref"]) is None:
                    warnings.append(f"{doc.file_name}: affects {affect['ref']}, unknown; dropped")
                else:
                    kept.append(affect)
            props["affects"] = kept
            Adr.model_validate({"slug": adr_ref(doc.number).split(":")[1], **props})
            old = store.get_node(adr_ref(doc.number))
            if old is not None and _comparable(old.properties) == _comparable(props):
                unchanged.append(doc.number)
                continue
            entry = {"at": at, "by": actor, "action": "imported", "file": doc.file_name}
            if old is None:
                props.update(created_by=actor, created_at=at, history=[entry])
                created.append(doc.number)
            else:
                keep = {k: old.properties[k] for k in _BOOKKEEPING if k in old.properties}
                props.update(keep)
                props["history"] = [*keep.get("history", []), entry]
                updated.append(doc.number)
            props.update(updated_at=at, file_name=doc.file_name)
            nodes.append(NodeData(adr_ref(doc.number), props))
            edges += [EdgeData(adr_ref(doc.number), "AFFECTS", a["ref"]) for a in kept]
            edges += [
                EdgeData(adr_ref(doc.number), "SUPERSEDES", adr_ref(n)) for n in props["supersedes"]
            ]
        highest = max((d.number for d in folder.adrs), default=0)
        if nodes and highest > last_number(store):
            nodes.append(NodeData(COUNTER_REF, {"last_number": highest}))
        if nodes:
            store.apply(source=ADR_SOURCE, nodes=nodes, edges=edges, actor=actor)
    return {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "skipped_files": folder.skipped,
        "warnings": warnings,
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
