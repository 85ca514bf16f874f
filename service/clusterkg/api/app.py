"""The FastAPI application: settings, the executor's lifetime, and the routers.

Around the routers: problem documents for every error (``problems``), request ids, JSON logs,
metrics, /health and /ready (``observability``), security headers (``security``). With admin
tokens configured, the write API (``admin``): the app then holds the store's only read-write
handle, and the query workers read snapshots of it.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from collections.abc import AsyncIterator

from fastapi import FastAPI

from .. import __version__
from ..config import Settings, settings as default_settings
from ..executor import QueryExecutor


def create_app(settings: Settings | None = None) -> FastAPI:
    """An app over the store named in ``settings``; the store must have been built."""
    settings = settings or default_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from .admin import connect, open_writer

        writer = app.state.writer = open_writer(settings)  # None without admin tokens
        try:
            app.state.executor = QueryExecutor(
                writer.current_snapshot if writer else settings.store,
                settings.query_timeout, settings.max_results, workers=settings.query_workers,
                public_workers=settings.sparql_workers,
            )
        except BaseException:
            if writer:
                writer.close()
            raise
        if writer:
            connect(app, writer)
        try:
            yield
        finally:
            app.state.executor.close()
            if writer:
                writer.close()

    app = FastAPI(
        title="clusterkg",
        version=__version__,
        description="A knowledge graph of European cluster ecosystems: SPARQL endpoint, query catalogue, linked-data pages.",
        lifespan=lifespan,
        docs_url=None,  # /docs is served by ui.py with Swagger UI from /static, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.writer = None
    from . import observability, problems
    from .security import SecurityHeadersMiddleware

    observability.configure_logging(settings.log_level)
    problems.install(app)
    observability.install(app)  # request ids, logs, metrics; /health, /ready, /metrics
    app.add_middleware(SecurityHeadersMiddleware)  # outermost of ours: on every response, errors included
    if settings.admin_tokens:
        from .admin import router as admin_router

        app.include_router(admin_router)
    for router in _routers():
        app.include_router(router)
    from .ui import mount_static

    mount_static(app)
    return app


def _routers() -> list:
    """The routers by concern, in the order their paths should match."""
    from . import catalogue, entities, networks, partners, search, sparql, ui

    return [module.router for module in (sparql, catalogue, entities, search, networks, partners, ui)]
