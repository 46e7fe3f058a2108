"""Interactive API documentation served from the installed Swagger UI package, never from a CDN.

FastAPI's built-in /docs page loads Swagger UI from a CDN, which a command post without internet
cannot reach; the same UI ships in the ``swagger-ui-bundle-v2`` wheel and is served from here.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/api/v1/docs"
ASSETS_PATH = "/api/v1/docs-assets"


def install_api_docs(app: FastAPI, openapi_url: str) -> None:
    app.mount(ASSETS_PATH, StaticFiles(directory=Path(str(swagger_ui_path))), name="apidocs-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title="tigapilar API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        )
