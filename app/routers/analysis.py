"""The portfolio impact assessment and the questions built on the same engine.

Every route asks the cached projection (``app.state.projections``), which is
rebuilt only when the store's graph version changed, and returns what a
function in ``graph/`` computed: routes hold no analysis logic.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from app.deps import ReaderKey
from app.impact_text import checked_impact, resolve_ref
from graph.analysis import (
    DEFAULT_MIN_CONFIDENCE,
    Projection,
    ProjectionCache,
    acquisition_fit,
    compare,
    find_duplicates,
    find_risks,
    platform_adoption,
    spin_off,
    sunset,
)
from schemas.analysis import (
    AdoptionMatrix,
    CompareRequest,
    CompareResult,
    DuplicatesResult,
    ImpactRequest,
    ImpactResult,
    ResolvedRef,
    RisksResult,
)
from schemas.diligence import AcquisitionReport, SpinOffReport, SunsetReport
from schemas.refs import PRODUCT_REF_PATTERN, REF_PATTERN

router = APIRouter(tags=["impact"])

ProductRef = Annotated[
    str, Query(pattern=PRODUCT_REF_PATTERN, description="product reference, e.g. product:checkout")
]


def _projection(request: Request) -> Projection:
    cache: ProjectionCache = request.app.state.projections
    return cache.get()


@router.post("/impact", response_model=ImpactResult, summary="What a change touches, and why")
async def post_impact(request: Request, _key: ReaderKey, body: ImpactRequest) -> ImpactResult:
    """An operation or channel no changed API defines is refused (422 ``unknown_operation``,
    the closest names in ``details``)."""
    return await run_in_threadpool(lambda: checked_impact(_projection(request), body))


@router.get(
    "/resolve",
    response_model=ResolvedRef,
    summary="The element a loosely written reference names, or the closest ones",
    responses={404: {}},
)
async def get_resolve(
    request: Request,
    _key: ReaderKey,
    ref: Annotated[
        str,
        Query(
            min_length=1,
            max_length=500,
            description="a reference as people write it: kind:slug in any case, "
            "kind:default/slug, or a bare slug",
        ),
    ],
) -> ResolvedRef:
    """Exact reference, then kind and name compared in lower case with the namespace
    ``default/`` dropped, then a bare slug naming exactly one element (docs/impact.md,
    "Naming the targets"). Unknown: 404 ``unknown_element`` with ``details.closest``;
    a slug several elements have: 422 ``ambiguous_reference`` with ``details.candidates``."""

    def answer() -> ResolvedRef:
        return ResolvedRef(input=ref, ref=resolve_ref(ref, _projection(request).refs))

    return await run_in_threadpool(answer)


@router.post(
    "/impact/compare",
    response_model=CompareResult,
    summary="Several candidate changes ranked by blast radius, side by side",
)
async def post_compare(request: Request, _key: ReaderKey, body: CompareRequest) -> CompareResult:
    return await run_in_threadpool(lambda: compare(_projection(request), body))


@router.get(
    "/duplicates",
    response_model=DuplicatesResult,
    summary="Capabilities built in more than one product, with evidence and adoption gaps",
)
async def get_duplicates(
    request: Request,
    _key: ReaderKey,
    min_confidence: Annotated[float, Query(ge=0, le=1)] = DEFAULT_MIN_CONFIDENCE,
    capability: Annotated[
        str | None, Query(pattern=REF_PATTERN, description="only this capability ref")
    ] = None,
) -> DuplicatesResult:
    return await run_in_threadpool(
        lambda: find_duplicates(
            _projection(request), min_confidence=min_confidence, capability=capability
        )
    )


@router.get(
    "/platform/adoption",
    response_model=AdoptionMatrix,
    summary="Products x platform components: who uses what",
)
async def get_adoption(request: Request, _key: ReaderKey) -> AdoptionMatrix:
    return await run_in_threadpool(lambda: platform_adoption(_projection(request)))


@router.get(
    "/risks",
    response_model=RisksResult,
    summary="Most depended-upon components, single points of failure, cross-product cycles",
)
async def get_risks(
    request: Request,
    _key: ReaderKey,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    min_products: Annotated[int, Query(ge=1, le=1000)] = 2,
) -> RisksResult:
    return await run_in_threadpool(
        lambda: find_risks(_projection(request), limit=limit, min_products=min_products)
    )


@router.get(
    "/diligence/sunset",
    response_model=SunsetReport,
    summary="Sunsetting a product: who outside it depends on it, and where they could move",
)
async def get_sunset(request: Request, _key: ReaderKey, product: ProductRef) -> SunsetReport:
    return await run_in_threadpool(lambda: sunset(_projection(request), product))


@router.get(
    "/diligence/spin-off",
    response_model=SpinOffReport,
    summary="Spinning a product off: the shared platform and other products' APIs it relies on",
)
async def get_spin_off(request: Request, _key: ReaderKey, product: ProductRef) -> SpinOffReport:
    return await run_in_threadpool(lambda: spin_off(_projection(request), product))


@router.get(
    "/diligence/acquisition",
    response_model=AcquisitionReport,
    summary="Acquisition fit: capabilities the product duplicates, technologies new to us",
)
async def get_acquisition(
    request: Request, _key: ReaderKey, product: ProductRef
) -> AcquisitionReport:
    return await run_in_threadpool(lambda: acquisition_fit(_projection(request), product))
