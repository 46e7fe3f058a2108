"""Pages: early-warning alerts. ``/peringatan`` (the list, open alerts first, with a tab of those
routed to the caller's unit), and, from the modules included below, the response metrics
(``/peringatan/metrik``), one alert (``/peringatan/{id}``) and its forms (status, action log).

Every alert shown comes from :mod:`tigapilar.alerts.views`, in the caller's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import case
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from tigapilar.alerts.views import OPEN_STATUSES, AlertFilter, AlertView, alert_views, filtered_alerts
from tigapilar.alerts.workflow import STATUSES
from tigapilar.core.errors import TigapilarError
from tigapilar.core.pagination import Page, PageRequest, paginate
from tigapilar.reports.views import blurs_location
from tigapilar.storage.models import Alert, Unit
from tigapilar.web.deps import DbSession, Now
from tigapilar.web.pages import alert_actions, alert_metrics
from tigapilar.web.pages.alert_common import LIST, own_unit, show_alert_page
from tigapilar.web.pages.alert_detail import alert_detail_page
from tigapilar.web.pages.report_common import Viewer, guard, record_id

router = APIRouter()
# Fixed paths first: "/peringatan/metrik" must not be taken for an alert id.
router.include_router(alert_metrics.router)
router.include_router(alert_actions.router)

PAGE_SIZE = 25
FILTERS = ("status", "severity", "area", "untuk")
OPEN = "terbuka"  # the status filter for every open alert
MINE = "unit"  # untuk=unit: routed to the caller's unit


@dataclass(frozen=True)
class AlertQuery:
    """The list's filters as typed (to show them again) and the page number."""

    raw: dict[str, str]
    number: int

    @classmethod
    def of(cls, params: QueryParams) -> AlertQuery:
        raw = {name: params.get(name, "").strip()[:40] for name in FILTERS}
        return cls(raw, record_id(params.get("halaman")) or 1)

    @property
    def mine(self) -> bool:
        return self.raw["untuk"] == MINE

    def filter(self, viewer: Viewer, unit: Unit | None) -> AlertFilter | str:
        """The capability's filter, or why (in the page's language) it cannot be built."""
        status, severity = self.raw["status"], self.raw["severity"]
        if status and status != OPEN and status not in STATUSES:
            return viewer.t("alerts.list.bad_status")
        if severity and not (severity.isascii() and severity.isdigit() and 1 <= int(severity) <= 9):
            return viewer.t("reports.list.bad_severity")
        if self.mine and unit is None:
            return viewer.t("alerts.list.no_unit")
        return AlertFilter(
            status=status or None,
            min_severity=int(severity) if severity else None,
            area=self.raw["area"] or None,
            unit_id=unit.id if self.mine and unit is not None else None,
        )

    def link(self, number: int) -> str:
        kept = {name: value for name, value in self.raw.items() if value}
        return "?" + urlencode({**kept, "halaman": number})

    def tab(self, mine: bool) -> str:
        """The same filters with the "for my unit" tab switched on or off."""
        kept = {name: value for name, value in self.raw.items() if value and name != "untuk"}
        if mine:
            kept["untuk"] = MINE
        return "?" + urlencode(kept) if kept else ""


def open_first(
    session: Session, viewer: Viewer, wanted: AlertFilter, number: int, now: datetime
) -> Page[AlertView]:
    """The alerts the filter finds in the caller's scope: open ones first, then the newest."""
    query = (
        filtered_alerts(viewer.principal, wanted)
        .order_by(None)
        .order_by(
            case((Alert.status.in_(OPEN_STATUSES), 0), else_=1), Alert.created_at.desc(), Alert.id.desc()
        )
    )
    found = paginate(session, query, PageRequest(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE))
    views = alert_views(session, found.items, now, blurs_location(viewer.principal))
    return Page(views, found.total, found.limit, found.offset)


@router.get(LIST, response_model=None)
def alert_list(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    query = AlertQuery.of(request.query_params)
    unit = own_unit(session, viewer)
    wanted = query.filter(viewer, unit)
    page: Page[AlertView] = Page([], 0, PAGE_SIZE, 0)
    error = wanted if isinstance(wanted, str) else None
    if isinstance(wanted, AlertFilter):
        try:
            page = open_first(session, viewer, wanted, query.number, now)
        except TigapilarError as exc:
            error = viewer.error_text(exc)
    context = {
        "title": viewer.t("alerts.list.title"),
        "nav_current": "mine" if query.mine else "alerts",
        "q": query,
        "unit": unit,
        "page": page,
        "pages": max(1, -(-page.total // PAGE_SIZE)),
        "statuses": STATUSES,
        "error": error,
    }
    return show_alert_page(request, viewer, "alerts/list.html", context, status=422 if error else 200)


@router.get(LIST + "/{alert_id}", response_model=None)
def alert_page(
    request: Request, session: DbSession, now: Now, alert_id: str
) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    return alert_detail_page(request, session, viewer, record_id(alert_id), now)
