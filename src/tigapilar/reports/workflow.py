"""What analysts do with reports: verify, reject, follow up, close, merge duplicates; singly or in bulk.

Statuses: baru -> terverifikasi | ditolak -> ditindaklanjuti -> selesai. A rejection names its reason
(``tidak_valid`` or ``duplikat``); a duplicate is merged into the report it repeats, which keeps both
records and links them both ways in their history. Every change is an event: who, when, why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Permission
from tigapilar.core.errors import Invalid, TigapilarError
from tigapilar.reports.views import report_not_found, visible
from tigapilar.storage.models import Report, ReportEvent
from tigapilar.storage.models.base import utcnow

# Where a report may go from each status. Reopening is allowed (a rejection can be a mistake).
TRANSITIONS: dict[str, frozenset[str]] = {
    "baru": frozenset({"terverifikasi", "ditolak"}),
    "terverifikasi": frozenset({"ditindaklanjuti", "selesai", "ditolak"}),
    "ditindaklanjuti": frozenset({"selesai"}),
    "selesai": frozenset({"ditindaklanjuti"}),
    "ditolak": frozenset({"baru"}),
}
REJECT_REASONS = ("tidak_valid", "duplikat")


class TransitionRefused(TigapilarError):
    def __init__(self, report_id: int, current: str, wanted: str) -> None:
        super().__init__(
            code="report.bad_transition",
            message=f"Report {report_id} is '{current}' and cannot become '{wanted}'.",
            pesan=f"Laporan {report_id} berstatus '{current}', tidak dapat diubah menjadi '{wanted}'.",
            status=409,
        )


@dataclass(frozen=True)
class Change:
    status: str
    reason: str | None = None  # tidak_valid | duplikat, for ditolak
    note: str | None = None


def _locked(session: Session, principal: Principal, report_id: int) -> Report:
    # FOR UPDATE on PostgreSQL: two analysts acting at once are applied one after the other.
    report = session.scalar(
        select(Report).where(Report.id == report_id, visible(principal.scope)).with_for_update()
    )
    if report is None:
        raise report_not_found()
    return report


def change_status(
    session: Session, principal: Principal, report_id: int, change: Change, now: datetime | None = None
) -> Report:
    principal.require(Permission.VERIFY_REPORTS)
    if change.status == "ditolak" and change.reason == "duplikat":
        raise Invalid(
            "report.use_merge",
            "To mark a duplicate, merge it into the report it repeats.",
            "Untuk laporan ganda, gabungkan ke laporan aslinya.",
        )
    if change.status == "ditolak" and change.reason not in REJECT_REASONS:
        raise Invalid(
            "report.reject_reason_required",
            "A rejection needs a reason: tidak_valid or duplikat.",
            "Penolakan harus disertai alasan: tidak_valid atau duplikat.",
        )
    report = _locked(session, principal, report_id)
    _move(session, principal, report, change.status, change.reason, change.note, now or utcnow())
    return report


def _move(
    session: Session,
    principal: Principal,
    report: Report,
    status: str,
    reason: str | None,
    note: str | None,
    now: datetime,
    *,
    related: int | None = None,
    action: str = "status",
) -> None:
    if status not in TRANSITIONS.get(report.status, frozenset()):
        raise TransitionRefused(report.id, report.status, status)
    session.add(
        ReportEvent(
            report_id=report.id,
            at=now,
            user_id=principal.user_id or None,
            action=action,
            from_status=report.status,
            to_status=status,
            reason=_why(reason, note),
            related_report_id=related,
        )
    )
    report.status = status
    report.status_reason = reason if status == "ditolak" else None
    if status != "ditolak":
        report.duplicate_of = None
    report.updated_at = now


def merge(
    session: Session,
    principal: Principal,
    duplicate_id: int,
    into_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> Report:
    """Mark ``duplicate_id`` as a duplicate of ``into_id``; both stay, linked in both histories."""
    principal.require(Permission.VERIFY_REPORTS)
    now = now or utcnow()
    if duplicate_id == into_id:
        raise Invalid(
            "report.merge_self",
            "A report cannot be merged into itself.",
            "Laporan tidak dapat digabung ke dirinya sendiri.",
        )
    # Lock in id order so that two merges of the same pair in opposite directions cannot deadlock.
    first, second = sorted((duplicate_id, into_id))
    locked = {first: _locked(session, principal, first), second: _locked(session, principal, second)}
    duplicate, target = locked[duplicate_id], locked[into_id]
    while target.duplicate_of is not None:  # merge into the original, not into another duplicate
        if target.duplicate_of == duplicate.id:
            break
        target = _locked(session, principal, target.duplicate_of)
    if target.id == duplicate.id or target.status == "ditolak":
        raise Invalid(
            "report.merge_target_rejected",
            f"Report {into_id} is rejected; merge into a report that stands.",
            f"Laporan {into_id} sudah ditolak; gabungkan ke laporan yang berlaku.",
        )
    if duplicate.status not in ("baru", "terverifikasi"):
        raise TransitionRefused(duplicate.id, duplicate.status, "ditolak (duplikat)")
    _move(session, principal, duplicate, "ditolak", "duplikat", note, now, related=target.id, action="merged")
    duplicate.duplicate_of = target.id
    # Earlier duplicates of this one now point at the original too.
    for earlier in session.scalars(select(Report).where(Report.duplicate_of == duplicate.id)):
        earlier.duplicate_of = target.id
    session.add(
        ReportEvent(
            report_id=target.id,
            at=now,
            user_id=principal.user_id or None,
            action="merged",
            reason=_why(None, note) or f"report {duplicate.id} merged into this one",
            related_report_id=duplicate.id,
        )
    )
    return target


@dataclass(frozen=True)
class BulkResult:
    report_id: int
    ok: bool
    status: str | None = None
    error: dict[str, object] | None = None


def bulk(
    session: Session,
    principal: Principal,
    report_ids: Iterable[int],
    action: Callable[[int], object],
) -> list[BulkResult]:
    """Apply ``action`` to each report; one that fails is reported and the others still apply."""
    principal.require(Permission.VERIFY_REPORTS)
    results = []
    for report_id in dict.fromkeys(report_ids):
        # Every action checks everything before it changes anything, so a refusal leaves no trace.
        try:
            action(report_id)
        except TigapilarError as exc:
            results.append(BulkResult(report_id, False, error=exc.as_dict()))
            continue
        results.append(BulkResult(report_id, True, status=session.get_one(Report, report_id).status))
    return results


def _why(reason: str | None, note: str | None) -> str | None:
    parts = [p.strip() for p in (reason, note) if p and p.strip()]
    return ": ".join(parts) or None
