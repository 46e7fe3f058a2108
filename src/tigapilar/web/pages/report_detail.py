"""Page: ``/laporan/{id}``, one report with its history and attachments, and for verifying roles the
actions its status allows and the suggested duplicates to merge.

Everything shown comes from :func:`~tigapilar.reports.views.get_report`, so a partner sees the
kecamatan and no reporter, and a report outside the caller's scope is the same 404 as an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tigapilar.core.errors import NotFound, TigapilarError
from tigapilar.reports.duplicates import Suggestion, suggest_duplicates
from tigapilar.reports.views import ReportDetail, get_report
from tigapilar.reports.workflow import TRANSITIONS
from tigapilar.web.pages.report_common import Viewer, not_found_page, record_id, show

# The order action buttons appear in, most common first.
_ACTION_ORDER = ("terverifikasi", "ditindaklanjuti", "selesai", "ditolak", "baru")
# Only these may be merged into another report (see workflow.merge).
MERGEABLE = frozenset({"baru", "terverifikasi"})


@dataclass(frozen=True)
class Action:
    status: str
    label_key: str


@dataclass(frozen=True)
class MergeChoice:
    """A suggested duplicate as a merge: the later report is folded into the earlier one."""

    suggestion: Suggestion
    duplicate: int
    into: int
    possible: bool  # the workflow would refuse it (the duplicate is past verification, or rejected)


def actions_for(status: str) -> list[Action]:
    allowed = TRANSITIONS.get(status, frozenset())
    return [Action(to, _label_key(status, to)) for to in _ACTION_ORDER if to in allowed]


def _label_key(current: str, to: str) -> str:
    # Going back (a rejection undone, a closed report taken up again) reads as "reopen".
    reopening = to == "baru" or (current == "selesai" and to == "ditindaklanjuti")
    return "reports.action.reopen" if reopening else f"reports.action.{to}"


def merge_choices(report_id: int, status: str, suggestions: list[Suggestion]) -> list[MergeChoice]:
    choices = []
    for s in suggestions:
        # Ids grow as reports arrive: the lower id is the earlier report, the one that stays.
        duplicate, into = max(report_id, s.report_id), min(report_id, s.report_id)
        duplicate_status = status if duplicate == report_id else s.status
        possible = duplicate_status in MERGEABLE and status != "ditolak"
        choices.append(MergeChoice(s, duplicate, into, possible))
    return choices


def flash_text(request: Request, viewer: Viewer, report_id: int) -> str | None:
    """The confirmation a redirect after a successful post asks for (``?ok=``); fixed texts only."""
    kind = request.query_params.get("ok")
    if kind == "digabung":
        merged = record_id(request.query_params.get("dari"))
        return viewer.t("reports.flash.merged", id=report_id, dup=merged) if merged else None
    if kind in ("diterima", "status", "dikoreksi"):
        return viewer.t(f"reports.flash.{kind}", id=report_id)
    return None


def detail_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    report_id: int,
    *,
    error: TigapilarError | str | None = None,
    note: str = "",
) -> HTMLResponse:
    """The report page; with ``error``, shown again after a refused action with the reason on top."""
    try:
        detail = get_report(session, viewer.principal, report_id)
    except NotFound:
        return not_found_page(request, viewer)
    status = 200
    message = None
    if isinstance(error, TigapilarError):
        status, message = error.status, viewer.error_text(error)
    elif error:
        status, message = 422, error
    context = _context(session, viewer, detail, request, message, note)
    return show(request, viewer, "reports/detail.html", context, status=status)


def _context(
    session: Session, viewer: Viewer, detail: ReportDetail, request: Request, error: str | None, note: str
) -> dict[str, object]:
    report = detail.report
    suggestions = suggest_duplicates(session, viewer.principal, report.id) if viewer.may_verify else []
    return {
        "title": viewer.t("reports.detail.title", id=report.id),
        "nav_current": "list",
        "detail": detail,
        "r": report,
        "stage": viewer.stage(report.election, report.stage),
        "actions": actions_for(report.status) if viewer.may_verify else [],
        "merges": merge_choices(report.id, report.status, suggestions),
        "flash": None if error else flash_text(request, viewer, report.id),
        "error": error,
        "note": note,
    }
