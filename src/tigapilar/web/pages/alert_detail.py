"""Page: ``/peringatan/{id}``, one alert: where, how bad and by when; the units it is routed to; the
evidence (detections and reports); the timeline and the response times; and, for those who may
respond while it is open, the forms that move it on and log what was done.

Everything shown comes from :func:`~tigapilar.alerts.views.get_alert`, so a partner sees places and
reports as that function blurs them, and an alert outside the caller's scope is the same 404 as an
unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tigapilar.accounts.roles import Permission
from tigapilar.alerts.views import AlertDetail, get_alert
from tigapilar.alerts.workflow import FINAL, ORDER
from tigapilar.core.errors import NotFound, TigapilarError
from tigapilar.web.pages.alert_common import alert_not_found_page, alert_setup, show_alert_page
from tigapilar.web.pages.report_common import Viewer

# The steps a status form offers besides closing and cancelling, which have forms of their own.
FORWARD = ("diterima", "di_lokasi", "ditangani")
FLASHES = ("status", "tindakan")


@dataclass(frozen=True)
class Step:
    status: str
    label_key: str


def next_steps(status: str) -> list[Step]:
    """The forward steps an open alert may take now (skipping ahead is allowed), without closing."""
    if status in FINAL:
        return []
    later = ORDER[ORDER.index(status) + 1 :]
    return [Step(to, f"alerts.step.{to}") for to in FORWARD if to in later]


def flash_text(request: Request, viewer: Viewer, alert_id: int) -> str | None:
    """The confirmation a redirect after a successful post asks for (``?ok=``); fixed texts only."""
    kind = request.query_params.get("ok")
    return viewer.t(f"alerts.flash.{kind}", id=alert_id) if kind in FLASHES else None


def alert_detail_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    alert_id: int | None,
    now: datetime,
    *,
    error: TigapilarError | str | None = None,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    """The alert's page; with ``error``, shown again after a refused post with the reason on top and
    what was typed kept in the forms."""
    if alert_id is None:
        return alert_not_found_page(request, viewer)
    try:
        detail = get_alert(session, viewer.principal, alert_id, now)
    except NotFound:
        return alert_not_found_page(request, viewer)
    status, message = 200, None
    if isinstance(error, TigapilarError):
        status, message = error.status, viewer.error_text(error)
    elif error:
        status, message = 422, error
    context = _context(request, viewer, detail, message, typed or {})
    return show_alert_page(request, viewer, "alerts/detail.html", context, status=status)


def _context(
    request: Request, viewer: Viewer, detail: AlertDetail, error: str | None, typed: dict[str, str]
) -> dict[str, object]:
    alert = detail.alert
    # No form for those who may only read (partners), nor once the alert is closed or cancelled.
    open_for_me = viewer.principal.can(Permission.RESPOND_ALERTS) and alert.status not in FINAL
    return {
        "title": viewer.t("alerts.detail.title", id=alert.id),
        "detail": detail,
        "a": alert,
        "stage": viewer.stage(alert.election, alert.stage),
        "forms": open_for_me,
        "steps": next_steps(alert.status) if open_for_me else [],
        "actions": alert_setup(request).config.response.action if open_for_me else (),
        "flash": None if error else flash_text(request, viewer, alert.id),
        "error": error,
        "typed": typed,
    }
