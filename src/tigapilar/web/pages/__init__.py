"""Server-rendered pages (Bahasa Indonesia by default): login and home. No asset comes from the internet."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from tigapilar.web.pages import alerts, home, login, notifications, reports

# Every page's header shows the caller's unread notifications beside the "Peringatan" link.
pages_router = APIRouter(include_in_schema=False, dependencies=[Depends(notifications.unread_badge)])
pages_router.include_router(login.router)
pages_router.include_router(home.router)
pages_router.include_router(reports.router)
pages_router.include_router(alerts.router)
pages_router.include_router(notifications.router)
