"""Page: ``/laporan/baru``, the report form for those who may submit (field officers first).

The form carries a hidden ``client_id`` drawn when it is shown, so a double tap or a re-post after a
dropped connection lands on the report already made instead of making a second one. The posted bytes
go through the same journal-first intake as every channel: a form with a problem is kept for review
and shown again with the person's own values and each reason next to its field.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from tigapilar.accounts.roles import Permission
from tigapilar.reports.fields import submit_fields
from tigapilar.reports.intake import IntakeResult, Outcome
from tigapilar.web.deps import DbSession, Now, client_address, get_intake
from tigapilar.web.pages.rendering import redirect
from tigapilar.web.pages.report_common import Posted, Viewer, guard, posted, show
from tigapilar.web.pages.report_form import FORM_FIELDS, FormState, form_reader, village_choices

router = APIRouter()
NEW = "/laporan/baru"


@router.get(NEW, response_model=None)
def new_report(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now, Permission.SUBMIT_REPORTS)
    if not isinstance(viewer, Viewer):
        return viewer
    # A fresh id per form shown: every post of this form is the same report.
    values = {
        "client_id": str(uuid.uuid4()),
        "source_kind": "officer",
        "occurred_at": viewer.local_input(now),
    }
    return _form(request, session, viewer, now, FormState(values))


@router.post(NEW, response_model=None)
async def submit_report(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    form = await posted(request)
    return await run_in_threadpool(_submit, request, session, now, form)


def _submit(
    request: Request, session: Session, now: datetime, form: Posted
) -> HTMLResponse | RedirectResponse:
    # Checked before anything is journaled: a forged or refused post leaves no trace.
    viewer = guard(request, session, now, Permission.SUBMIT_REPORTS)
    if not isinstance(viewer, Viewer):
        return viewer
    session.commit()  # hand the connection back: the intake takes its own (see submit_fields)
    result = submit_fields(
        get_intake(request),
        viewer.principal,
        channel="web",
        body=form.body,
        content_type=request.headers.get("content-type"),
        remote_addr=client_address(request),
        read=form_reader(viewer.zone_name),
    )
    if result.outcome in (Outcome.CREATED, Outcome.DUPLICATE, Outcome.EDITED) and result.report_id:
        # A retry of a report already received answers exactly like the first post did.
        return redirect(request, f"/laporan/{result.report_id}?ok=diterima")
    return _form(request, session, viewer, now, _state_after(result, form, viewer), result)


def _state_after(result: IntakeResult, form: Posted, viewer: Viewer) -> FormState:
    values = {name: value for name, value in form.single().items() if name in (*FORM_FIELDS, "client_id")}
    state = FormState(values)
    if result.outcome is Outcome.CONFLICT:
        # This form's id already made another report: sending it again on purpose is a new report.
        state.values["client_id"] = str(uuid.uuid4())
    state.add_problems(result.problems, viewer)
    return state


def _form(
    request: Request,
    session: Session,
    viewer: Viewer,
    now: datetime,
    state: FormState,
    result: IntakeResult | None = None,
) -> HTMLResponse:
    status = 200
    if result is not None:
        status = 409 if result.outcome is Outcome.CONFLICT else 422
    context = {
        "title": viewer.t("reports.form.title"),
        "nav_current": "new",
        "state": state,
        "villages": village_choices(session, viewer.principal),
        "latest": viewer.local_input(now),
        "result": result,
        "conflict": result is not None and result.outcome is Outcome.CONFLICT,
    }
    return show(request, viewer, "reports/new.html", context, status=status)
