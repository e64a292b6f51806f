"""The FastAPI application: ``create_app()`` wires settings, store, auth and routers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from app.auth import KeyRing, load_keys
from app.errors import install_error_handlers
from app.history_service import apply_retention
from app.limits import LimitsMiddleware, route_roles
from app.openapi import install_openapi
from app.query import EmptyQueryValuesMiddleware
from app.routers import adrs, analysis, exports, history, reviews, scan_sessions, scans, system
from app.routers import graph as graph_routes
from app.routers.elements import CRUD_KINDS, element_router
from app.scan_sessions import ScanSessions
from app.settings import Settings
from app.stores import describe_store, open_store
from app.warmup import Warmup
from graph.analysis import ProjectionCache
from graph.storage import GraphStore
from schemas.errors import StoreUnavailableError

log = logging.getLogger("archgraph")

API_PREFIX = "/api/v1"


EXAMPLE_PORTFOLIO = Path(__file__).resolve().parent.parent / "examples" / "portfolio"


def load_example_if_empty(store: GraphStore) -> None:
    """Load ``examples/portfolio`` into an empty store, and say so."""
    from app.scan_service import load_scan
    from scanners import scan_directory

    if store.counts() != (0, 0):
        print("archgraph: the store already holds a graph; the example portfolio was not loaded")
        return
    if not EXAMPLE_PORTFOLIO.is_dir():
        print(f"archgraph: no example portfolio at {EXAMPLE_PORTFOLIO}; starting empty")
        return
    report = load_scan(store, scan_directory(EXAMPLE_PORTFOLIO))
    nodes, edges = store.counts()
    print(
        f"archgraph: the store was empty, so the example portfolio was loaded "
        f"({len(report.sources)} files, {nodes} elements, {edges} edges) "
        f"from {EXAMPLE_PORTFOLIO}"
    )


def create_app(settings: Settings | None = None, *, store: GraphStore | None = None) -> FastAPI:
    """Build the app; *store* overrides the one the settings describe (tests use this)."""
    settings = settings or Settings()
    secret = settings.api_keys.get_secret_value() if settings.api_keys else None
    keys = KeyRing(
        load_keys(secret, settings.api_keys_file), anonymous_read=settings.anonymous_read
    )
    owns_store = store is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.store is None:
            app.state.store = open_store(settings)
            log.info("archgraph store: %s", describe_store(settings))
        app.state.projections = ProjectionCache(app.state.store)
        with contextlib.suppress(StoreUnavailableError):  # /readyz reports it
            apply_retention(app.state.store, settings)
        if settings.load_example:
            load_example_if_empty(app.state.store)
        app.state.warmup = Warmup(app.state.projections)  # /readyz waits for it
        app.state.warmup.start()
        try:
            yield
        finally:
            app.state.warmup.stop()
            if owns_store and app.state.store is not None:
                app.state.store.close()

    # /docs and /redoc load their scripts and styles from this service, never a CDN
    app = FastAPIOffline(
        title="archgraph",
        version="0.1.0",
        summary="The portfolio architecture graph: what a change touches, who built it already.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.keys = keys
    app.state.store = store
    app.state.projections = ProjectionCache(store) if store is not None else None
    app.state.warmup = None  # started by the lifespan
    app.state.scan_sessions = ScanSessions(
        ttl_seconds=settings.scan_session_ttl_seconds,
        max_total_bytes=settings.max_scan_sessions_bytes,
        max_sessions=settings.max_scan_sessions,
    )
    install_error_handlers(app)
    app.add_middleware(EmptyQueryValuesMiddleware)  # "?cursor=" reads as no cursor
    app.add_middleware(LimitsMiddleware)  # keys and body limits before any route runs

    routers = [element_router(kind) for kind in CRUD_KINDS]
    routers += [
        graph_routes.router,
        scans.router,
        scan_sessions.router,
        analysis.router,
        adrs.router,
        exports.router,
        reviews.router,
        system.router,
        history.router,
    ]
    for router in routers:  # each straight under the app: one routing level less per request
        app.include_router(router, prefix=API_PREFIX)
    app.state.route_roles = route_roles(API_PREFIX, routers)
    app.include_router(system.health)
    install_openapi(app)
    return app
