"""The JSON API, mounted under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from tigapilar.web.api import (
    alerts,
    auth,
    exports,
    inbound,
    map,
    notifications,
    officers,
    regions,
    reports,
    risk,
    sms,
    tps,
    units,
    users,
)

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(auth.router, tags=["auth"])
api_router.include_router(regions.router, tags=["regions"])
api_router.include_router(tps.router, tags=["tps"])
api_router.include_router(units.router, tags=["units"])
api_router.include_router(officers.router, tags=["officers"])
api_router.include_router(users.router, tags=["users"])
# Before reports and alerts: /reports/export.csv is not a /reports/{report_id}.
api_router.include_router(exports.router, tags=["exports"])
api_router.include_router(reports.router, tags=["reports"])
api_router.include_router(inbound.router, tags=["review"])
api_router.include_router(sms.router, tags=["sms"])
api_router.include_router(risk.router, tags=["risk"])
api_router.include_router(alerts.router, tags=["alerts"])
api_router.include_router(notifications.router, tags=["notifications"])
api_router.include_router(map.router, tags=["map"])
