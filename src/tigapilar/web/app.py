"""The ASGI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tigapilar import __version__
from tigapilar.core.settings import Settings
from tigapilar.storage.db import Database
from tigapilar.storage.migrate import upgrade
from tigapilar.web.api import api_router
from tigapilar.web.apidocs import install_api_docs
from tigapilar.web.errors import install_error_handlers
from tigapilar.web.pages import pages_router
from tigapilar.web.pages.rendering import STATIC_DIR

OPENAPI_URL = "/api/v1/openapi.json"


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the app; migrations are applied here so that a started server always has the schema."""
    settings = settings or Settings.from_env()
    database = database or Database(settings.database_url)
    upgrade(database.engine)
    app = FastAPI(
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
    app.state.database = database
    install_error_handlers(app)
    app.include_router(api_router)
    install_api_docs(app, OPENAPI_URL)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
