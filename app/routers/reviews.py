"""``GET /api/v1/reviews/{YYYY-MM}``: the monthly architecture review (reader role).

Rules in ``docs/review.md``; ``app/review_service.py`` assembles the month,
``app/review_render.py`` writes it as Markdown or self-contained HTML.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.deps import ReaderKey
from app.review_render import to_html, to_markdown
from app.review_service import MONTH_PATTERN, build_review

router = APIRouter(prefix="/reviews", tags=["reviews"])

ReviewFormat = Literal["html", "md", "json"]


@router.get(
    "/{month}",
    summary="The review of one month: numbers, diagram, changes, ADRs, risks, duplicates",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "text/markdown": {}, "application/json": {}}}},
)
async def get_review(
    request: Request,
    month: Annotated[str, Path(json_schema_extra={"pattern": MONTH_PATTERN})],
    _key: ReaderKey,
    format: ReviewFormat = "html",
) -> Response:
    store = request.app.state.store
    settings = request.app.state.settings
    review = await run_in_threadpool(build_review, store, settings, month)
    name = f"review-{review['month']}"
    if format == "json":
        return JSONResponse(review)
    if format == "md":
        return Response(
            to_markdown(review),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{name}.md"'},
        )
    return Response(
        to_html(review),
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{name}.html"'},
    )
