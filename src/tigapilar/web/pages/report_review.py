"""Pages: ``/laporan/tinjau``, the review queue of payloads that could not become reports.

An analyst reads the payload as it arrived (always escaped: it is whatever a phone or a stranger
sent), corrects it in a form prefilled from it when it is form or JSON data, and accepts it, which
creates the report through the same intake as every channel; or discards it with a reason.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from tigapilar.accounts.roles import Permission
from tigapilar.core.errors import NotFound, TigapilarError
from tigapilar.core.pagination import PageRequest
from tigapilar.reports import review
from tigapilar.reports.draft import Problem
from tigapilar.web.deps import DbSession, Now, get_intake
from tigapilar.web.pages.rendering import redirect
from tigapilar.web.pages.report_common import (
    Posted,
    Viewer,
    guard,
    guard_record,
    not_found_page,
    posted,
    record_id,
    show,
)
from tigapilar.web.pages.report_form import FORM_FIELDS, FormState, corrected_fields, prefill

router = APIRouter()
REVIEW = "/laporan/tinjau"
PAGE_SIZE = 25
NOTE_MAX = 2000


@router.get(REVIEW, response_model=None)
def review_list(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now, Permission.VERIFY_REPORTS)
    if not isinstance(viewer, Viewer):
        return viewer
    number = record_id(request.query_params.get("halaman")) or 1
    page = review.list_inbound(
        session, viewer.principal, page=PageRequest(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    )
    discarded = record_id(request.query_params.get("dibuang"))
    context = {
        "title": viewer.t("reports.review.title"),
        "nav_current": "review",
        "page": page,
        "current": number,
        "pages": max(1, -(-page.total // PAGE_SIZE)),
        "flash": viewer.t("reports.flash.discarded", id=discarded) if discarded else None,
    }
    return show(request, viewer, "reports/review_list.html", context)


@router.get(REVIEW + "/{inbound_id}", response_model=None)
def review_detail(
    request: Request, session: DbSession, now: Now, inbound_id: str
) -> HTMLResponse | RedirectResponse:
    target = guard_record(request, session, now, Permission.VERIFY_REPORTS, inbound_id)
    if not isinstance(target, tuple):
        return target
    viewer, rid = target
    return _detail_page(request, session, viewer, rid)


@router.post(REVIEW + "/{inbound_id}/terima", response_model=None)
async def review_accept(
    request: Request, session: DbSession, now: Now, inbound_id: str
) -> HTMLResponse | RedirectResponse:
    form = await posted(request)
    return await run_in_threadpool(_accept, request, session, now, inbound_id, form)


def _accept(
    request: Request, session: Session, now: datetime, inbound_id: str, form: Posted
) -> HTMLResponse | RedirectResponse:
    target = guard_record(request, session, now, Permission.VERIFY_REPORTS, inbound_id)
    if not isinstance(target, tuple):
        return target
    viewer, rid = target
    state = FormState({name: form.get(name) for name in FORM_FIELDS})
    fields = corrected_fields(form, viewer.zone_name)
    if isinstance(fields, list):
        state.add_problems(fields, viewer)
        return _detail_page(request, session, viewer, rid, state=state, note=form.get("note"), status=422)
    session.commit()  # hand the connection back: the intake takes its own
    try:
        result = review.accept(
            get_intake(request), viewer.principal, rid, fields.draft(), form.get("note")[:NOTE_MAX]
        )
    except TigapilarError as exc:
        if exc.code == "inbound.still_invalid":
            # Every remaining problem goes next to its field, as on the officer's form.
            state.add_problems([Problem(**detail) for detail in exc.details], viewer)
        else:
            state.general.append(viewer.error_text(exc))
        return _detail_page(
            request, session, viewer, rid, state=state, note=form.get("note"), status=exc.status
        )
    return redirect(request, f"/laporan/{result.report_id}?ok=dikoreksi")


@router.post(REVIEW + "/{inbound_id}/buang", response_model=None)
async def review_discard(
    request: Request, session: DbSession, now: Now, inbound_id: str
) -> HTMLResponse | RedirectResponse:
    form = await posted(request)
    return await run_in_threadpool(_discard, request, session, now, inbound_id, form)


def _discard(
    request: Request, session: Session, now: datetime, inbound_id: str, form: Posted
) -> HTMLResponse | RedirectResponse:
    target = guard_record(request, session, now, Permission.VERIFY_REPORTS, inbound_id)
    if not isinstance(target, tuple):
        return target
    viewer, rid = target
    try:
        review.discard(session, viewer.principal, rid, form.get("reason")[:NOTE_MAX], now)
    except TigapilarError as exc:
        return _detail_page(request, session, viewer, rid, discard_error=exc, status=exc.status)
    session.commit()
    return redirect(request, f"{REVIEW}?dibuang={rid}")


def _detail_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    inbound_id: int,
    *,
    state: FormState | None = None,
    note: str = "",
    discard_error: TigapilarError | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        detail = review.get_inbound(session, viewer.principal, inbound_id)
    except NotFound:
        return not_found_page(request, viewer)
    context = {
        "title": viewer.t("reports.review.detail_title", id=inbound_id),
        "nav_current": "review",
        "d": detail,
        "i": detail.inbound,
        "open": detail.inbound.state in review.OPEN_STATES,
        "state": state or FormState(prefill(detail, viewer.zone_name)),
        # Always the code as typed: the payload's village may be the very thing to correct.
        "villages": None,
        "note": note,
        "discard_error": viewer.error_text(discard_error) if discard_error else None,
    }
    return show(request, viewer, "reports/review_detail.html", context, status=status)
