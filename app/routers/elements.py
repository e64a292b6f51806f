"""CRUD for products, components, apis, capabilities, teams and technologies.

One router per kind, all made by :func:`element_router` so they behave alike.
"""

# No "from __future__ import annotations": the routes below annotate with
# per-kind models made at run time, which FastAPI must see as objects.

from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Path, Query, Request, Response, status
from pydantic import BaseModel, create_model

from app import element_service as svc
from app.auth import actor_name
from app.deps import EditorKey, ReaderKey, StoreDep
from app.element_filters import parse_filters
from schemas.elements import ELEMENT_MODELS, PLURALS
from schemas.refs import SLUG_PATTERN, Kind, make_ref

CRUD_KINDS = (
    Kind.PRODUCT,
    Kind.COMPONENT,
    Kind.API,
    Kind.CAPABILITY,
    Kind.TEAM,
    Kind.TECHNOLOGY,
)

PAGING = {"limit", "cursor"}  # query parameters that are not filters

SlugPath = Annotated[str, Path(pattern=SLUG_PATTERN, description="lower-case slug")]


def _page_model(read: type[BaseModel]) -> type[BaseModel]:
    return create_model(
        f"{read.__name__}Page",
        items=(list[read], ...),  # type: ignore[valid-type]
        next_cursor=(str | None, None),
        total=(int, ...),
        limit=(int, ...),
    )


def element_router(kind: Kind) -> APIRouter:
    plural = PLURALS[kind]
    model = ELEMENT_MODELS[kind]
    read = svc.read_model(kind)
    update = svc.update_model(kind)
    replace = svc.replace_model(kind)
    page = _page_model(read)
    router = APIRouter(prefix=f"/{plural}", tags=[plural])

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        response_model=read,
        summary=f"Create a {kind.value}",
    )
    def create(store: StoreDep, key: EditorKey, body: Annotated[model, Body()]) -> Any:  # type: ignore[valid-type]
        return svc.element_view(svc.create_element(store, element=body, actor=actor_name(key)))

    @router.get("", response_model=page, summary=f"List {plural}")
    def list_(
        request: Request,
        store: StoreDep,
        _key: ReaderKey,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    ) -> Any:
        raw = [(k, v) for k, v in request.query_params.multi_items() if k not in PAGING]
        filters = parse_filters(kind, raw)
        result = store.list_nodes(kind.value, filters=filters, limit=limit, cursor=cursor)
        return {
            "items": [svc.element_view(r) for r in result.items],
            "next_cursor": result.next_cursor,
            "total": result.total,
            "limit": limit,
        }

    @router.get("/{slug}", response_model=read, summary=f"Read a {kind.value}")
    def get(store: StoreDep, _key: ReaderKey, slug: SlugPath) -> Any:
        return svc.element_view(svc.get_element(store, make_ref(kind, slug)))

    @router.put(
        "/{slug}",
        response_model=read,
        responses={201: {"model": read, "description": "Created: it did not exist"}},
        summary=f"Create or replace a {kind.value} (the path names it)",
    )
    def put(
        response: Response,
        store: StoreDep,
        key: EditorKey,
        slug: SlugPath,
        body: Annotated[replace, Body()],  # type: ignore[valid-type]
    ) -> Any:
        fields = cast(BaseModel, body).model_dump(exclude_unset=True)
        element = model.model_validate({**fields, "slug": slug})
        record, created = svc.replace_element(store, element=element, actor=actor_name(key))
        response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return svc.element_view(record)

    @router.patch("/{slug}", response_model=read, summary=f"Change fields of a {kind.value}")
    def patch(
        store: StoreDep,
        key: EditorKey,
        slug: SlugPath,
        body: Annotated[update, Body()],  # type: ignore[valid-type]
    ) -> Any:
        changes = cast(BaseModel, body).model_dump(mode="json", exclude_unset=True)
        record = svc.patch_element(
            store, kind=kind, slug=slug, changes=changes, actor=actor_name(key)
        )
        return svc.element_view(record)

    @router.delete(
        "/{slug}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary=f"Delete a {kind.value} and its edges",
    )
    def delete(store: StoreDep, key: EditorKey, slug: SlugPath) -> Response:
        svc.delete_element(store, ref=make_ref(kind, slug), actor=actor_name(key))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
