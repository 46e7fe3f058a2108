"""Pages: ``/situasi``, the daily situation report of an area (HTML), and ``/situasi.pdf``, the same
report as a PDF to download and forward. Read through :mod:`tigapilar.sitrep.gather` in the caller's
scope: an area outside it answers 404, partners get it blurred to the kecamatan."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from tigapilar.core.errors import TigapilarError
from tigapilar.sitrep.gather import Sitrep, default_area, gather, local_today
from tigapilar.sitrep.html import render_body
from tigapilar.sitrep.pdf import render_pdf
from tigapilar.web.deps import DbSession, Now, get_settings
from tigapilar.web.pages.report_common import Viewer, failure_page, guard, not_found_page, show

router = APIRouter()
PAGE = "/situasi"


def _report(request: Request, session: Session, viewer: Viewer, now: datetime) -> Sitrep | None:
    """The report asked for; None when the date cannot be one (answered as not found)."""
    settings = get_settings(request)
    raw_day = (request.query_params.get("date") or "").strip()
    try:
        day = date.fromisoformat(raw_day) if raw_day else local_today(now, settings.timezone)
    except ValueError:
        return None
    area = (request.query_params.get("area") or "").strip() or default_area(session, viewer.principal)
    intake = request.app.state.intake
    return gather(session, viewer.principal, settings, area=area, day=day, now=now, taxonomy=intake.taxonomy)


def _viewer_and_report(
    request: Request, session: Session, now: datetime
) -> tuple[Viewer, Sitrep] | HTMLResponse | RedirectResponse:
    """The caller and the report asked for, or the page that answers instead (login, error, 404)."""
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    try:
        report = _report(request, session, viewer, now)
    except TigapilarError as error:
        return failure_page(request, viewer, error)
    if report is None:
        return not_found_page(request, viewer)
    return viewer, report


@router.get(PAGE, response_model=None)
def sitrep_page(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    found = _viewer_and_report(request, session, now)
    if not isinstance(found, tuple):
        return found
    viewer, report = found
    context = {
        "title": viewer.t("sitrep.title"),
        "report": report,
        "body": render_body(report),  # autoescaped by the report's own templates
        "pdf_query": f"area={report.area_code}&date={report.day.isoformat()}",
    }
    return show(request, viewer, "sitrep/page.html", context)


@router.get(PAGE + ".pdf", response_model=None)
def sitrep_pdf(request: Request, session: DbSession, now: Now) -> Response:
    found = _viewer_and_report(request, session, now)
    if not isinstance(found, tuple):
        return found
    _, report = found
    filename = f"sitrep-{report.area_code}-{report.day.isoformat()}.pdf"
    return Response(
        render_pdf(report),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
