"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tigapilar import __version__
from tigapilar.alerts.live import install_verification_trigger
from tigapilar.alerts.scheduler import DetectorScheduler
from tigapilar.alerts.setup import load_setup
from tigapilar.core.clock import RunningClock
from tigapilar.core.settings import Settings
from tigapilar.reports.intake import Intake
from tigapilar.risk.live import install_live_refresh
from tigapilar.risk.profile import load_profile
from tigapilar.storage.db import Database
from tigapilar.storage.migrate import upgrade
from tigapilar.storage.models.base import utcnow
from tigapilar.web.api import api_router
from tigapilar.web.apidocs import install_api_docs
from tigapilar.web.dateheader import DateHeaderMiddleware
from tigapilar.web.errors import install_error_handlers
from tigapilar.web.openrosa import openrosa_router
from tigapilar.web.pages import pages_router
from tigapilar.web.pages.map import mount_leaflet
from tigapilar.web.pages.rendering import STATIC_DIR

OPENAPI_URL = "/api/v1/openapi.json"


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the app; migrations are applied here so that a started server always has the schema."""
    settings = settings or Settings.from_env()
    database = database or Database(settings.database_url)
    upgrade(database.engine)

    @asynccontextmanager
    async def lifespan(started: FastAPI) -> AsyncIterator[None]:
        # The embedded detector scheduler lives as long as the server (off when the interval is 0).
        scheduler: DetectorScheduler = started.state.detectors
        if settings.detector_interval_seconds > 0:
            scheduler.start()
        try:
            yield
        finally:
            scheduler.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="tigapilar",
        version=__version__,
        description=(
            "Election security for Polri, TNI and village governments: regions, TPS, units, officers."
        ),
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    if settings.clock_start is not None:
        app.state.clock = RunningClock(settings.clock_start)
    app.state.database = database

    def now() -> datetime:
        # Tests set app.state.clock to move time without sleeping; the intake follows it too.
        clock: Callable[[], datetime] | None = getattr(app.state, "clock", None)
        return clock() if clock is not None else utcnow()

    app.state.intake = Intake(database, settings, clock=now)
    profiles = [load_profile(code, settings.config_dir) for code in settings.risk_profiles]
    install_live_refresh(database.sessions, profiles, now, settings.timezone, app.state.intake.calendar)
    app.state.alert_setup = load_setup(settings)
    app.state.detectors = DetectorScheduler(
        database.sessions, app.state.alert_setup, now, settings.detector_interval_seconds, settings
    )
    install_verification_trigger(
        database.sessions,
        app.state.alert_setup.config.detectors.verified_statuses,
        app.state.detectors.wake,
    )
    install_error_handlers(app)
    app.include_router(api_router)
    install_api_docs(app, OPENAPI_URL)
    app.include_router(openrosa_router)
    app.include_router(pages_router)
    mount_leaflet(app)  # /static/leaflet: before /static, which would take its paths
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(DateHeaderMiddleware)
    return app
