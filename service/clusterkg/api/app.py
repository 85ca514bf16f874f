"""The FastAPI application: settings, the executor's lifetime, and the routers."""

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
        app.state.executor = QueryExecutor(
            settings.store, settings.query_timeout, settings.max_results, workers=settings.query_workers
        )
        try:
            yield
        finally:
            app.state.executor.close()

    app = FastAPI(
        title="clusterkg",
        version=__version__,
        description="A knowledge graph of European cluster ecosystems: SPARQL endpoint, query catalogue, linked-data pages.",
        lifespan=lifespan,
        docs_url=None,  # /docs is served by ui.py with Swagger UI from /static, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    for router in _routers():
        app.include_router(router)
    from .ui import mount_static

    mount_static(app)
    return app


def _routers() -> list:
    """The routers by concern; each module exposes ``router``."""
    from importlib import import_module

    routers = []
    for name in ("sparql", "catalogue", "entities", "search", "ui"):
        try:
            routers.append(import_module(f"{__package__}.{name}").router)
        except ModuleNotFoundError as error:
            if error.name != f"{__package__}.{name}":
                raise
    return routers
