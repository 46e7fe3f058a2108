"""Server-rendered pages (Bahasa Indonesia by default): login and home. No asset comes from the internet."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from tigapilar.web.pages import alerts, home, login, notifications, reports
from tigapilar.web.pages import map as map_page
from tigapilar.web.pages import sitrep as sitrep_pages
from tigapilar.web.pages.overview import router as overview_router
from tigapilar.web.pages.places import router as places_router

# Every page's header shows the caller's unread notifications beside the "Peringatan" link.
pages_router = APIRouter(include_in_schema=False, dependencies=[Depends(notifications.unread_badge)])
pages_router.include_router(login.router)
pages_router.include_router(home.router)
pages_router.include_router(reports.router)
pages_router.include_router(alerts.router)
pages_router.include_router(notifications.router)
pages_router.include_router(map_page.router)
pages_router.include_router(sitrep_pages.router)
pages_router.include_router(overview_router)  # /ringkasan
pages_router.include_router(places_router)  # /wilayah/{code}, /tps/{tps_id}
