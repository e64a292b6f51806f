"""Elements of any kind by reference, their neighbourhoods, and edges."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status

from app.auth import actor_name
from app.deps import EditorKey, ReaderKey, StoreDep
from app.element_service import API_SOURCE, element_view, get_element, provenance_entry
from graph.storage import EdgeRecord, GraphStore
from schemas.edges import EdgeIn, EdgeKindError, EdgeType, validate_edge_properties
from schemas.errors import ConflictError, InvalidInputError, NotFoundError
from schemas.facts import EdgeData
from schemas.refs import REF_PATTERN, RefError, parse_ref

router = APIRouter(tags=["graph"])

RefPath = Annotated[
    str, Path(pattern=REF_PATTERN, description="kind:slug, e.g. component:auth-service")
]
MAX_NEIGHBORHOOD = 5_000
_ONE_TYPE = r"\s*(?:" + "|".join(EdgeType.__members__) + r")\s*"
_EDGE_TYPE_LIST = rf"^{_ONE_TYPE}(?:,{_ONE_TYPE})*$"


def edge_view(edge: EdgeRecord) -> dict[str, Any]:
    return {
        "from": edge.from_ref,
        "type": edge.type,
        "to": edge.to_ref,
        "properties": edge.properties,
        "provenance": [provenance_entry(a) for a in edge.assertions],
    }


def _checked_ref(ref: str, where: str) -> str:
    try:
        parse_ref(ref)
    except RefError as exc:
        raise InvalidInputError(str(exc), location=where) from None
    return ref


@router.get("/elements/{ref}", summary="Read any element by kind:slug")
def read_element(store: StoreDep, _key: ReaderKey, ref: RefPath) -> dict[str, Any]:
    return element_view(get_element(store, _checked_ref(ref, "path.ref")))


def neighborhood(
    store: GraphStore,
    ref: str,
    *,
    direction: Literal["in", "out", "both"],
    types: list[str] | None,
    depth: int,
) -> dict[str, Any]:
    """Breadth-first walk from *ref* up to *depth* hops, each node listed once."""
    start = get_element(store, ref)
    seen = {start.ref}
    nodes: list[dict[str, Any]] = []
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    frontier: deque[tuple[str, int]] = deque([(start.ref, 0)])
    truncated = False
    while frontier:
        current, level = frontier.popleft()
        if level >= depth:
            continue
        for nb in store.neighbors(current, direction=direction, types=types):
            edges.setdefault(nb.edge.key, edge_view(nb.edge))
            if nb.node.ref in seen:
                continue
            if len(seen) >= MAX_NEIGHBORHOOD:
                truncated = True
                continue
            seen.add(nb.node.ref)
            nodes.append(
                {
                    **element_view(nb.node),
                    "depth": level + 1,
                    "via": nb.edge.type,
                    "direction": nb.direction,
                }
            )
            frontier.append((nb.node.ref, level + 1))
    return {
        "element": element_view(start),
        "depth": depth,
        "neighbors": nodes,
        "edges": list(edges.values()),
        "truncated": truncated,
    }


@router.get("/elements/{ref}/neighbors", summary="Elements within N hops, with the edges between")
def read_neighbors(
    store: StoreDep,
    _key: ReaderKey,
    ref: RefPath,
    direction: Literal["in", "out", "both"] = "both",
    types: Annotated[
        str | None, Query(description="comma-separated edge types", pattern=_EDGE_TYPE_LIST)
    ] = None,
    depth: Annotated[int, Query(ge=1, le=6)] = 1,
) -> dict[str, Any]:
    type_list = None
    if types:
        type_list = [t.strip() for t in types.split(",") if t.strip()]
        unknown = [t for t in type_list if t not in EdgeType.__members__]
        if unknown:
            raise InvalidInputError(
                f"unknown edge type(s) {', '.join(unknown)}; one of "
                f"{', '.join(EdgeType.__members__)}",
                location="query.types",
            )
    return neighborhood(
        store, _checked_ref(ref, "path.ref"), direction=direction, types=type_list, depth=depth
    )


@router.post("/edges", status_code=status.HTTP_201_CREATED, summary="Create an edge")
def create_edge(store: StoreDep, key: EditorKey, body: EdgeIn) -> dict[str, Any]:
    try:
        checked = body.checked()
    except EdgeKindError as exc:
        raise InvalidInputError(str(exc), location="body.type", code="edge_not_allowed") from None
    for end, ref in (("from", checked.from_ref), ("to", checked.to_ref)):
        if store.get_node(ref) is None:
            raise NotFoundError(
                f"{ref} does not exist", location=f"body.{end}", code="unknown_element"
            )
    if store.get_edge(checked.from_ref, checked.type, checked.to_ref) is not None:
        raise ConflictError(
            f"{checked.from_ref} {checked.type.value} {checked.to_ref} already exists",
            location="body",
            code="already_exists",
        )
    edge = EdgeData(checked.from_ref, checked.type.value, checked.to_ref, checked.properties)
    store.upsert_edge(edge, source=API_SOURCE, actor=actor_name(key))
    record = store.get_edge(*edge.key)
    assert record is not None
    return edge_view(record)


def _checked_type(type_: str) -> str:
    if type_ not in EdgeType.__members__:
        raise InvalidInputError(f"unknown edge type {type_!r}", location="query.type")
    return type_


def _edge_key(from_: str, type_: str, to: str) -> tuple[str, str, str]:
    return (_checked_ref(from_, "query.from"), _checked_type(type_), _checked_ref(to, "query.to"))


MAX_EDGE_PAGE = 1_000


@router.get("/edges", summary="Edges at an element (from and/or to), or of one type")
def list_edges(
    store: StoreDep,
    _key: ReaderKey,
    from_: Annotated[str | None, Query(alias="from", pattern=REF_PATTERN)] = None,
    to: Annotated[str | None, Query(pattern=REF_PATTERN)] = None,
    type: EdgeType | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EDGE_PAGE)] = 100,
) -> dict[str, Any]:
    """Edges from an element, to one, or between two; with neither, every edge (of *type*).

    At most *limit* are listed; ``total`` counts all that match and ``truncated``
    says whether some were left out."""
    types = [type.value] if type else None
    found: Iterable[EdgeRecord]
    if from_ or to:
        anchor = from_ or to
        assert anchor is not None
        direction: Literal["in", "out"] = "out" if from_ else "in"
        found = (
            nb.edge
            for nb in store.neighbors(
                _checked_ref(anchor, "query"), direction=direction, types=types
            )
            if (not to or nb.edge.to_ref == to)
        )
    else:
        found = (e for e in store.iter_edges() if types is None or e.type in types)
    items: list[dict[str, Any]] = []
    total = 0
    for edge in found:
        total += 1
        if len(items) < limit:
            items.append(edge_view(edge))
    return {"items": items, "total": total, "truncated": total > len(items)}


@router.patch("/edges", summary="Replace the properties the API asserts on an edge")
def patch_edge(
    store: StoreDep,
    key: EditorKey,
    body: EdgeIn,
) -> dict[str, Any]:
    edge_key = _edge_key(body.from_ref, body.type.value, body.to_ref)
    if store.get_edge(*edge_key) is None:
        raise NotFoundError(f"{' '.join(edge_key)} does not exist", location="body")
    try:
        props = validate_edge_properties(body.type, body.properties)
    except ValueError as exc:
        raise InvalidInputError(str(exc), location="body.properties") from None
    store.upsert_edge(EdgeData(*edge_key, props), source=API_SOURCE, actor=actor_name(key))
    record = store.get_edge(*edge_key)
    assert record is not None
    return edge_view(record)


@router.delete("/edges", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an edge")
def delete_edge(
    store: StoreDep,
    key: EditorKey,
    from_: Annotated[str, Query(alias="from", pattern=REF_PATTERN)],
    type: EdgeType,
    to: Annotated[str, Query(pattern=REF_PATTERN)],
) -> Response:
    edge_key = _edge_key(from_, type.value, to)
    if not store.delete_edge(*edge_key, actor=actor_name(key)):
        raise NotFoundError(f"{' '.join(edge_key)} does not exist", location="query")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
