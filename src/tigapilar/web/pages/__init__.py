"""Server-rendered pages (Bahasa Indonesia by default): login and home. No asset comes from the internet."""

from __future__ import annotations

from fastapi import APIRouter

from tigapilar.web.pages import home, login, reports

pages_router = APIRouter(include_in_schema=False)
pages_router.include_router(login.router)
pages_router.include_router(home.router)
pages_router.include_router(reports.router)
