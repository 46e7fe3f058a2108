"""Pages: field reports. ``/laporan`` (the list), ``/laporan/{id}`` (one report), and, from the
modules included below, the form (``/laporan/baru``), the verification queue (``/laporan/antrean``)
and the review queue (``/laporan/tinjau``).

Pages read and change reports only through the report capabilities, which apply the caller's scope
and privacy rules; they add the language, WITA times and plain HTML forms that work without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import QueryParams

from tigapilar.core.errors import TigapilarError
from tigapilar.core.pagination import Page, PageRequest
from tigapilar.reports.views import STATUSES, ReportFilter, ReportView, list_reports
from tigapilar.web.deps import DbSession, Now
from tigapilar.web.pages import report_actions, report_review, report_submit
from tigapilar.web.pages.report_common import Viewer, guard, not_found_page, record_id, show
from tigapilar.web.pages.report_detail import detail_page

router = APIRouter()
# Fixed paths first: "/laporan/baru" must not be taken for a report id.
router.include_router(report_submit.router)
router.include_router(report_actions.router)
router.include_router(report_review.router)

PAGE_SIZE = 25
FILTERS = ("area", "category", "status", "severity", "dari", "sampai", "q")


@dataclass(frozen=True)
class ListQuery:
    """The list's filters as typed (to show them again), and what could not be read in them."""

    raw: dict[str, str]
    number: int

    @classmethod
    def of(cls, params: QueryParams) -> ListQuery:
        raw = {name: params.get(name, "").strip()[:200] for name in FILTERS}
        return cls(raw, record_id(params.get("halaman")) or 1)

    def filter(self, viewer: Viewer) -> ReportFilter | str:
        """The capability's filter, or the reason (in the page's language) it cannot be built."""
        severity = self.raw["severity"]
        if severity and not severity.isdigit():
            return viewer.t("reports.list.bad_severity")
        try:
            first = date.fromisoformat(self.raw["dari"]) if self.raw["dari"] else None
            last = date.fromisoformat(self.raw["sampai"]) if self.raw["sampai"] else None
        except ValueError:
            return viewer.t("reports.list.bad_date")
        start, end = viewer.day_range(first, last)
        return ReportFilter(
            area=self.raw["area"] or None,
            category=self.raw["category"] or None,
            status=self.raw["status"] or None,
            min_severity=int(severity) if severity else None,
            occurred_from=start,
            occurred_to=end,
            text=self.raw["q"] or None,
        )

    def link(self, number: int) -> str:
        """The query string of page ``number`` with the same filters."""
        kept = {name: value for name, value in self.raw.items() if value}
        return "?" + urlencode({**kept, "halaman": number})


@router.get("/laporan", response_model=None)
def report_list(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    query = ListQuery.of(request.query_params)
    wanted = query.filter(viewer)
    page: Page[ReportView] = Page([], 0, PAGE_SIZE, 0)
    error = wanted if isinstance(wanted, str) else None
    if isinstance(wanted, ReportFilter):
        paging = PageRequest(limit=PAGE_SIZE, offset=(query.number - 1) * PAGE_SIZE)
        try:
            page = list_reports(session, viewer.principal, wanted, paging)
        except TigapilarError as exc:
            error = viewer.error_text(exc)
    context = {
        "title": viewer.t("reports.list.title"),
        "nav_current": "list",
        "q": query,
        "page": page,
        "pages": max(1, -(-page.total // PAGE_SIZE)),
        "statuses": STATUSES,
        "error": error,
    }
    return show(request, viewer, "reports/list.html", context, status=422 if error else 200)


@router.get("/laporan/{report_id}", response_model=None)
def report_page(
    request: Request, session: DbSession, now: Now, report_id: str
) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    rid = record_id(report_id)
    if rid is None:
        return not_found_page(request, viewer)
    return detail_page(request, session, viewer, rid)
