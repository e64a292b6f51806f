"""The ADR registry over a store: numbers, references, lifecycle, history (docs/adr.md).

An ADR is the node ``adr:adr-0007`` asserted by the source ``api``; its
AFFECTS and SUPERSEDES edges are written in the same write transaction as
the node and the number counter ``adr:registry``, so a request lands whole or
not at all. Every write that depends on what is stored (the next number, an
ADR's history, its status) is a plan run by ``store.apply_planned``: it reads
inside the write transaction, after the store's writer lock, so writers in
other threads and processes take turns and never assign one number twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from adr import adr_label, adr_slug, allowed_transitions
from graph.storage import GraphStore, NodeRecord, TxReader, Upserts, utc_now
from schemas.adr import AdrCreate, AdrUpdate
from schemas.elements import Adr
from schemas.errors import ConflictError, InvalidInputError, NotFoundError
from schemas.facts import EdgeData, EdgeKey, NodeData
from schemas.refs import RefError, parse_ref

ADR_SOURCE = "api"
COUNTER_REF = "adr:registry"


def adr_ref(number: int) -> str:
    return f"adr:{adr_slug(number)}"


# ------------------------------------------------------------------ reads


def parse_number(text: str | int) -> int:
    """``7``, ``"7"``, ``"0007"``, ``"ADR-0007"`` or ``"adr-7"`` -> 7; 404 otherwise."""
    raw = str(text).strip()
    digits = raw[4:] if raw.lower().startswith("adr-") else raw
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
        raise NotFoundError(
            f"no ADR {raw!r}: ADRs are numbered like ADR-0007", code="adr_not_found"
        )
    return int(digits)


def adr_record(store: GraphStore | TxReader, number: int) -> NodeRecord:
    record = store.get_node(adr_ref(number))
    if record is None:
        raise NotFoundError(
            f"{adr_label(number)} does not exist", code="adr_not_found", location=adr_label(number)
        )
    return record


def get_adr(store: GraphStore, number: int) -> dict[str, Any]:
    return adr_view(adr_record(store, number).properties)


def adr_view(props: Mapping[str, Any]) -> dict[str, Any]:
    number = int(props["number"])
    view = {k: v for k, v in props.items() if k not in ("last_number", "file_name")}
    view.update(number=number, id=adr_label(number), ref=adr_ref(number))
    view.setdefault("title", adr_label(number))
    return view


def iter_adrs(store: GraphStore) -> Iterator[dict[str, Any]]:
    """Every ADR's properties, in number order (the counter record left out)."""
    cursor: str | None = None
    found: list[dict[str, Any]] = []
    while True:
        page = store.list_nodes("adr", limit=1000, cursor=cursor)
        found.extend(dict(r.properties) for r in page.items if "number" in r.properties)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    yield from sorted(found, key=lambda p: int(p["number"]))


def last_number(store: GraphStore | TxReader) -> int:
    counter = store.get_node(COUNTER_REF)
    highest = int(counter.properties.get("last_number", 0)) if counter else 0
    return highest


# ----------------------------------------------------------------- writes


def _entry(actor: str, at: str, action: str, **extra: Any) -> dict[str, Any]:
    return {"at": at, "by": actor, "action": action, **extra}


def _check_refs(store: GraphStore, body: AdrCreate) -> list[str]:
    unknown: list[str] = []
    for i, affect in enumerate(body.affects):
        try:
            parse_ref(affect.ref)
        except RefError:
            unknown.append(f"affects[{i}]: {affect.ref}")
            continue
        if store.get_node(affect.ref) is None:
            unknown.append(f"affects[{i}]: {affect.ref}")
    for field in ("supersedes", "amends"):
        for i, number in enumerate(getattr(body, field)):
            if store.get_node(adr_ref(number)) is None:
                unknown.append(f"{field}[{i}]: {adr_label(number)}")
    return unknown


def _supersession_problems(olds: Mapping[int, Mapping[str, Any]], new_number: int) -> list[str]:
    problems = []
    for number, props in olds.items():
        if number >= new_number:
            problems.append(f"{adr_label(number)} is not older than {adr_label(new_number)}")
        elif props.get("status") != "accepted":
            problems.append(
                f"{adr_label(number)} is {props.get('status')}; only an accepted ADR can be "
                "superseded"
            )
    return problems


def create_adr(store: GraphStore, body: AdrCreate, actor: str) -> dict[str, Any]:
    """Register a new ADR with the next number; 422 listing every unknown reference."""
    unknown = _check_refs(store, body)
    if unknown:
        raise InvalidInputError(
            f"{len(unknown)} unknown reference(s): {'; '.join(unknown)}",
            code="unknown_reference",
            location=["body"],
            details={"unknown": unknown},
        )
    assigned: list[int] = []

    def plan(reader: TxReader) -> list[Upserts]:
        # Inside the write transaction: no other writer can take this number meanwhile.
        number = last_number(reader) + 1
        while reader.get_node(adr_ref(number)) is not None:
            number += 1
        olds = {n: dict(adr_record(reader, n).properties) for n in dict.fromkeys(body.supersedes)}
        problems = _supersession_problems(olds, number)
        if problems:
            raise ConflictError("; ".join(problems), code="adr_supersede_forbidden")
        at = utc_now()
        props = body.model_dump(mode="json", exclude_none=True)
        props["affects"] = [a.model_dump(mode="json") for a in body.affects]
        props["supersedes"] = sorted(set(body.supersedes))
        props["amends"] = sorted(set(body.amends))
        props.update(
            number=number,
            created_by=actor,
            created_at=at,
            updated_at=at,
            history=[_entry(actor, at, "created", status=body.status.value)],
        )
        Adr.model_validate({"slug": adr_slug(number), **props})
        nodes = [NodeData(adr_ref(number), props), NodeData(COUNTER_REF, {"last_number": number})]
        edges = [EdgeData(adr_ref(number), "AFFECTS", a.ref, {}) for a in body.affects]
        for old_number, old in olds.items():
            nodes.append(NodeData(adr_ref(old_number), _superseded(old, number, actor, at)))
            edges.append(EdgeData(adr_ref(number), "SUPERSEDES", adr_ref(old_number), {}))
        for amended in props["amends"]:
            old = dict(adr_record(reader, amended).properties)
            old["amended_by"] = sorted({*old.get("amended_by", []), number})
            nodes.append(NodeData(adr_ref(amended), old))
        assigned[:] = [number]
        return [Upserts(ADR_SOURCE, nodes, _unique(edges))]

    store.apply_planned(plan, actor=actor)
    return get_adr(store, assigned[0])


def _unique(edges: Sequence[EdgeData]) -> list[EdgeData]:
    seen: dict[EdgeKey, EdgeData] = {}
    for edge in edges:
        seen.setdefault(edge.key, edge)
    return list(seen.values())


def _superseded(old: Mapping[str, Any], by: int, actor: str, at: str) -> dict[str, Any]:
    props = dict(old)
    props["superseded_by"] = sorted({*props.get("superseded_by", []), by})
    history = list(props.get("history", []))
    history.append(
        _entry(
            actor, at, "status", **{"from": props.get("status"), "to": "superseded", "by_adr": by}
        )
    )
    props.update(status="superseded", history=history, updated_at=at)
    return props


def update_adr(store: GraphStore, number: int, body: AdrUpdate, actor: str) -> dict[str, Any]:
    """Change text fields; the history keeps which fields, their old values, who and when."""
    changes = body.model_dump(mode="json", exclude_unset=True)

    def plan(reader: TxReader) -> list[Upserts]:
        props = dict(adr_record(reader, number).properties)
        changed = {k: v for k, v in changes.items() if props.get(k) != v}
        if not changed:
            return []
        at = utc_now()
        before = {k: props.get(k) for k in changed}
        props.update(changed)
        history = list(props.get("history", []))
        history.append(_entry(actor, at, "edited", fields=sorted(changed), before=before))
        props.update(history=history, updated_at=at)
        Adr.model_validate({"slug": adr_slug(number), **props})
        return [Upserts(ADR_SOURCE, [NodeData(adr_ref(number), props)])]

    store.apply_planned(plan, actor=actor)
    return get_adr(store, number)


def change_status(store: GraphStore, number: int, target: str, actor: str) -> dict[str, Any]:
    """Move an ADR along the lifecycle; 409 listing the allowed targets otherwise."""

    def plan(reader: TxReader) -> list[Upserts]:
        props = dict(adr_record(reader, number).properties)
        current = str(props.get("status", "proposed"))
        allowed = allowed_transitions(current)
        if target not in allowed:
            shown = ", ".join(allowed) or "none"
            hint = (
                "; an ADR becomes superseded only when a newer ADR supersedes it"
                if target == "superseded"
                else ""
            )
            raise ConflictError(
                f"{adr_label(number)} is {current}: it cannot become {target} "
                f"(allowed: {shown}){hint}",
                code="adr_transition_forbidden",
                location=["body", "status"],
                details={"current": current, "allowed": allowed},
            )
        at = utc_now()
        history = list(props.get("history", []))
        history.append(_entry(actor, at, "status", **{"from": current, "to": target}))
        props.update(status=target, history=history, updated_at=at)
        return [Upserts(ADR_SOURCE, [NodeData(adr_ref(number), props)])]

    store.apply_planned(plan, actor=actor)
    return get_adr(store, number)


def supersede(store: GraphStore, newer: int, olds: Sequence[int], actor: str) -> dict[str, Any]:
    """Record that *newer* supersedes each of *olds* (links both ways, SUPERSEDES edges)."""

    def plan(reader: TxReader) -> list[Upserts]:
        new_props = dict(adr_record(reader, newer).properties)
        old_props = {n: dict(adr_record(reader, n).properties) for n in dict.fromkeys(olds)}
        problems = _supersession_problems(old_props, newer)
        if new_props.get("status") not in ("proposed", "accepted"):
            problems.append(
                f"{adr_label(newer)} is {new_props.get('status')}; it cannot supersede anything"
            )
        if problems:
            raise ConflictError("; ".join(problems), code="adr_supersede_forbidden")
        at = utc_now()
        new_props["supersedes"] = sorted({*new_props.get("supersedes", []), *old_props})
        history = list(new_props.get("history", []))
        history.append(_entry(actor, at, "supersedes", adrs=sorted(old_props)))
        new_props.update(history=history, updated_at=at)
        nodes = [NodeData(adr_ref(newer), new_props)]
        nodes += [
            NodeData(adr_ref(n), _superseded(p, newer, actor, at)) for n, p in old_props.items()
        ]
        edges = [EdgeData(adr_ref(newer), "SUPERSEDES", adr_ref(n), {}) for n in old_props]
        return [Upserts(ADR_SOURCE, nodes, edges)]

    store.apply_planned(plan, actor=actor)
    return get_adr(store, newer)


def delete_adr(store: GraphStore, number: int, actor: str) -> None:
    """Remove an ADR and its edges; its number stays used (the counter keeps it)."""
    adr_record(store, number)
    store.delete(node_refs=[adr_ref(number)], actor=actor)
