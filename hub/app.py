"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from hub import __version__
from hub.auth.router import router as auth_router
from hub.db import engine_from_settings
from hub.directory.router import router as directory_router
from hub.errors import install_error_handlers
from hub.gdpr.router import consents_router, gdpr_router
from hub.health.router import router as health_router
from hub.indicators.router import router as indicators_router
from hub.ingest.router import router as ingest_router
from hub.middleware import RequestContextMiddleware
from hub.observability import configure_logging
from hub.organisations.router import router as organisations_router
from hub.persons.router import router as persons_router
from hub.referrals.router import router as referrals_router
from hub.scheduler import start_background_scheduler
from hub.settings import Settings, get_settings

DESCRIPTION = """
Interoperability hub of the **INVISIBLES** programme (Mulhouse Alsace Agglomération): it
gathers the young people (16-29, NEET) found by outreach workers, school-dropout lists
(PSAD/SIEI), Boussole des jeunes contact requests and Mission Locale lost contacts,
recognises the same person across sources, and routes each one to the Mission Locale or a
partner, releasing personal data only where consent or another lawful basis allows.

Errors are `application/problem+json` (RFC 9457) documents with a stable `type`.
"""


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the ASGI application. ``engine`` may be injected (tests, CLI); else it is created
    from ``settings`` and disposed at shutdown."""
    settings = settings or get_settings()
    owns_engine = engine is None
    db_engine = engine if engine is not None else engine_from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Background jobs: only with HUB_SCHEDULER_ENABLED, and only in the one process that
        # wins the scheduler lock (see hub/scheduler.py).
        _app.state.scheduler = start_background_scheduler(settings, db_engine)
        yield
        if _app.state.scheduler is not None:
            _app.state.scheduler.stop()
        if owns_engine:
            db_engine.dispose()

    app = FastAPI(
        title="INVISIBLES hub",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = db_engine
    app.state.crypto = None  # built on first use: see hub.dependencies.get_crypto
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health_router)
    app.include_router(consents_router)
    app.include_router(gdpr_router)
    app.include_router(auth_router)
    app.include_router(organisations_router)
    app.include_router(directory_router)
    app.include_router(referrals_router)
    app.include_router(ingest_router)
    app.include_router(persons_router)
    app.include_router(indicators_router)
    return app


def create_served_app() -> FastAPI:
    """Factory for uvicorn worker processes: each configures its own JSON logging."""
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
