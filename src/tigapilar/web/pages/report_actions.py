"""Pages for verifying roles: status changes and merges from a report's page, and the verification
queue (``/laporan/antrean``) of new reports with bulk verify, reject and merge.

Every change goes through :mod:`tigapilar.reports.workflow`, which checks the permission, the scope
and the transition, and records who did what and why in the report's history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from tigapilar.accounts.roles import Permission
from tigapilar.core.errors import TigapilarError
from tigapilar.core.pagination import PageRequest
from tigapilar.reports import workflow
from tigapilar.reports.duplicates import suggest_duplicates
from tigapilar.reports.views import ReportFilter, list_reports
from tigapilar.web.deps import DbSession, Now
from tigapilar.web.pages.rendering import redirect
from tigapilar.web.pages.report_common import (
    Posted,
    Viewer,
    guard,
    guard_record,
    posted,
    record_id,
    show,
)
from tigapilar.web.pages.report_detail import detail_page

router = APIRouter()
QUEUE = "/laporan/antrean"
QUEUE_PAGE_SIZE = 25
NOTE_MAX = 2000  # as the API allows


@dataclass(frozen=True)
class BulkLine:
    report_id: int
    ok: bool
    text: str  # the new status, or why it was refused


def _note(form: Posted) -> str | None:
    return form.get("note")[:NOTE_MAX] or None


@router.post("/laporan/{report_id}/status", response_model=None)
async def change_status(
    request: Request, session: DbSession, now: Now, report_id: str
) -> HTMLResponse | RedirectResponse:
    form = await posted(request)
    return await run_in_threadpool(_change_status, request, session, now, report_id, form)


def _change_status(
    request: Request, session: Session, now: datetime, report_id: str, form: Posted
) -> HTMLResponse | RedirectResponse:
    target = guard_record(request, session, now, Permission.VERIFY_REPORTS, report_id)
    if not isinstance(target, tuple):
        return target
    viewer, rid = target
    status = form.get("status")
    # The page rejects only as invalid: a duplicate is merged instead (see the merge buttons).
    change = workflow.Change(status, "tidak_valid" if status == "ditolak" else None, _note(form))
    try:
        workflow.change_status(session, viewer.principal, rid, change, now)
    except TigapilarError as exc:
        return detail_page(request, session, viewer, rid, error=exc, note=form.get("note"))
    session.commit()  # before the browser follows the redirect and reads it back
    return redirect(request, f"/laporan/{rid}?ok=status")


@router.post("/laporan/{report_id}/gabung", response_model=None)
async def merge_report(
    request: Request, session: DbSession, now: Now, report_id: str
) -> HTMLResponse | RedirectResponse:
    form = await posted(request)
    return await run_in_threadpool(_merge, request, session, now, report_id, form)


def _merge(
    request: Request, session: Session, now: datetime, report_id: str, form: Posted
) -> HTMLResponse | RedirectResponse:
    target = guard_record(request, session, now, Permission.VERIFY_REPORTS, report_id)
    if not isinstance(target, tuple):
        return target
    viewer, rid = target
    into = record_id(form.get("into"))
    if into is None:
        return detail_page(request, session, viewer, rid, error=viewer.t("reports.error.merge_target"))
    try:
        original = workflow.merge(session, viewer.principal, rid, into, _note(form), now)
    except TigapilarError as exc:
        return detail_page(request, session, viewer, rid, error=exc)
    session.commit()
    return redirect(request, f"/laporan/{original.id}?ok=digabung&dari={rid}")


@router.get(QUEUE, response_model=None)
def queue(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now, Permission.VERIFY_REPORTS)
    if not isinstance(viewer, Viewer):
        return viewer
    return _queue_page(request, session, viewer)


@router.post(QUEUE, response_model=None)
async def queue_bulk(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    form = await posted(request)
    return await run_in_threadpool(_bulk, request, session, now, form)


def _bulk(request: Request, session: Session, now: datetime, form: Posted) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now, Permission.VERIFY_REPORTS)
    if not isinstance(viewer, Viewer):
        return viewer
    ids = [rid for rid in (record_id(text) for text in form.all("ids")) if rid is not None]
    if not ids:
        return _queue_page(request, session, viewer, error=viewer.t("reports.queue.none_selected"))
    action = _bulk_action(session, viewer, form, now)
    if isinstance(action, str):
        return _queue_page(request, session, viewer, error=action)
    results = workflow.bulk(session, viewer.principal, ids, action)
    session.commit()
    lines = [
        BulkLine(r.report_id, r.ok, viewer.status(r.status) if r.ok else _refusal(viewer, r.error))
        for r in results
    ]
    # Shown, not redirected: the outcome of each report is the point of this answer.
    return _queue_page(request, session, viewer, lines=lines)


def _bulk_action(
    session: Session, viewer: Viewer, form: Posted, now: datetime
) -> Callable[[int], object] | str:
    """What to do with each selected report, or why the form cannot be applied."""
    principal, note = viewer.principal, _note(form)
    match form.get("aksi"):
        case "verifikasi":
            verify = workflow.Change("terverifikasi", None, note)
            return lambda rid: workflow.change_status(session, principal, rid, verify, now)
        case "tolak":
            reject = workflow.Change("ditolak", "tidak_valid", note)
            return lambda rid: workflow.change_status(session, principal, rid, reject, now)
        case "gabung":
            into = record_id(form.get("into"))
            if into is None:
                return viewer.t("reports.error.merge_target")
            return lambda rid: workflow.merge(session, principal, rid, into, note, now)
    return viewer.t("reports.queue.bad_action")


def _refusal(viewer: Viewer, error: dict[str, object] | None) -> str:
    error = error or {}
    return viewer.says(str(error.get("pesan") or ""), str(error.get("message") or ""))


def _queue_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    lines: list[BulkLine] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    number = record_id(request.query_params.get("halaman")) or 1
    page = list_reports(
        session,
        viewer.principal,
        ReportFilter(status="baru"),
        PageRequest(limit=QUEUE_PAGE_SIZE, offset=(number - 1) * QUEUE_PAGE_SIZE),
    )
    rows = [(view, len(suggest_duplicates(session, viewer.principal, view.id))) for view in page.items]
    context = {
        "title": viewer.t("reports.queue.title"),
        "nav_current": "queue",
        "rows": rows,
        "page": page,
        "current": number,
        "pages": max(1, -(-page.total // QUEUE_PAGE_SIZE)),
        "lines": lines,
        "done": sum(1 for line in lines or [] if line.ok),
        "error": error,
    }
    return show(request, viewer, "reports/queue.html", context, status=422 if error else 200)
