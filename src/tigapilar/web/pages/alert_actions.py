"""The forms of an alert's page: move it on (``/peringatan/{id}/status``: diterima, di_lokasi,
ditangani, selesai with the outcome, dibatalkan with a reason) and log what was done
(``/peringatan/{id}/tindakan``).

Both call :mod:`tigapilar.alerts.workflow`, as the API does, which checks the permission
(``respond_alerts``), the scope and the step. Forms are posted with the session cookie and pass the
same-origin check of every page form (:func:`~tigapilar.web.pages.report_common.guard`). A success
redirects back to the alert with a confirmation; a refusal shows the page again with the reason and
what was typed.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from tigapilar.accounts.roles import Permission
from tigapilar.alerts import workflow
from tigapilar.core.errors import TigapilarError
from tigapilar.web.deps import DbSession, Now
from tigapilar.web.pages.alert_common import LIST, alert_setup
from tigapilar.web.pages.alert_detail import alert_detail_page
from tigapilar.web.pages.rendering import redirect
from tigapilar.web.pages.report_common import Posted, guard_record, posted

router = APIRouter()
# As the API allows (web/api/alerts.py StatusIn and ActionIn).
LIMITS = {
    "status": 12,
    "note": 2000,
    "outcome": 4000,
    "lessons": 4000,
    "reason": 2000,
    "action": 30,
    "description": 4000,
}


def _typed(form: Posted, *names: str) -> dict[str, str]:
    return {name: form.get(name)[: LIMITS[name]] for name in names}


@router.post(LIST + "/{alert_id}/status", response_model=None)
async def change_status(
    request: Request, session: DbSession, now: Now, alert_id: str
) -> HTMLResponse | RedirectResponse:
    form = await posted(request)
    return await run_in_threadpool(_change_status, request, session, now, alert_id, form)


def _change_status(
    request: Request, session: Session, now: datetime, alert_id: str, form: Posted
) -> HTMLResponse | RedirectResponse:
    target = guard_record(request, session, now, Permission.RESPOND_ALERTS, alert_id)
    if not isinstance(target, tuple):
        return target
    viewer, aid = target
    typed = _typed(form, "status", "note", "outcome", "lessons", "reason")
    change = workflow.StatusChange(
        typed["status"],
        typed["note"] or None,
        typed["outcome"] or None,
        typed["lessons"] or None,
        typed["reason"] or None,
    )
    try:
        workflow.change_status(session, viewer.principal, aid, change, now, alert_setup(request))
    except TigapilarError as exc:
        session.rollback()
        return alert_detail_page(request, session, viewer, aid, now, error=exc, typed=typed)
    session.commit()  # before the browser follows the redirect and reads it back
    return redirect(request, f"{LIST}/{aid}?ok=status")


@router.post(LIST + "/{alert_id}/tindakan", response_model=None)
async def log_action(
    request: Request, session: DbSession, now: Now, alert_id: str
) -> HTMLResponse | RedirectResponse:
    form = await posted(request)
    return await run_in_threadpool(_log_action, request, session, now, alert_id, form)


def _log_action(
    request: Request, session: Session, now: datetime, alert_id: str, form: Posted
) -> HTMLResponse | RedirectResponse:
    target = guard_record(request, session, now, Permission.RESPOND_ALERTS, alert_id)
    if not isinstance(target, tuple):
        return target
    viewer, aid = target
    typed = _typed(form, "action", "description")
    entry = workflow.ActionEntry(typed["action"], typed["description"])
    try:
        workflow.log_action(session, viewer.principal, aid, entry, now, alert_setup(request))
    except TigapilarError as exc:
        session.rollback()
        return alert_detail_page(request, session, viewer, aid, now, error=exc, typed=typed)
    session.commit()
    return redirect(request, f"{LIST}/{aid}?ok=tindakan")
