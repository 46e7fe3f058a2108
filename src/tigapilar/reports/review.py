"""The review queue: payloads that could not become reports, for an analyst to correct or discard.

Nothing is dropped: every inbound payload stays in the journal. Those in ``needs_review`` (a check
failed) or ``conflict`` (a reused submission id) wait here, visible to verifying roles whose scope
covers the payload's area (the village it names, else the sender's area; payloads with no known
area only to national reviewers). Accepting a corrected draft creates the report through the same
intake as every channel; discarding needs a reason. Both are recorded with who and when.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Permission
from tigapilar.core.errors import Invalid, NotFound, TigapilarError
from tigapilar.core.pagination import Page, PageRequest, paginate
from tigapilar.reports.draft import ReportDraft
from tigapilar.reports.intake import Intake, IntakeResult, Outcome, Submission, Submitter
from tigapilar.storage.models import Inbound, Officer

OPEN_STATES = ("needs_review", "conflict")
STATES = (
    "received",
    "accepted",
    "duplicate",
    "conflict",
    "needs_review",
    "corrected",
    "discarded",
    "answered",
)


@dataclass(frozen=True)
class InboundView:
    id: int
    channel: str
    received_at: datetime
    state: str
    area_code: str | None
    external_id: str | None
    error_code: str | None
    error_message: str | None
    pesan: str | None
    report_id: int | None
    sender: str | None  # SMS number: personal data, verifying roles only see this queue anyway
    user_id: int | None
    officer_id: int | None
    content_type: str | None
    reviewed_by: int | None
    reviewed_at: datetime | None
    review_note: str | None


@dataclass(frozen=True)
class InboundDetail:
    inbound: InboundView
    body_text: str | None  # the payload as text when it is UTF-8
    body_size: int


def _visible(principal: Principal) -> ColumnElement[bool]:
    # NULL area codes fall outside every range: only national reviewers see payloads of unknown area.
    return principal.scope.clause(Inbound.area_code)


def _not_found() -> NotFound:
    return NotFound("inbound.not_found", "No such inbound payload.", "Kiriman tidak ditemukan.")


def _view(row: Inbound) -> InboundView:
    return InboundView(
        row.id,
        row.channel,
        row.received_at,
        row.state,
        row.area_code,
        row.external_id,
        row.error_code,
        row.error_message,
        row.pesan,
        row.report_id,
        row.sender,
        row.user_id,
        row.officer_id,
        row.content_type,
        row.reviewed_by,
        row.reviewed_at,
        row.review_note,
    )


def list_inbound(
    session: Session,
    principal: Principal,
    *,
    state: str | None = None,
    channel: str | None = None,
    page: PageRequest | None = None,
) -> Page[InboundView]:
    """The review queue (open payloads, oldest first) or, with ``state``, the journal in that state."""
    principal.require(Permission.VERIFY_REPORTS)
    query = select(Inbound).where(_visible(principal))
    if state:
        if state not in STATES:
            raise Invalid(
                "inbound.bad_state", f"Unknown state '{state}'.", f"Status '{state}' tidak dikenal."
            )
        query = query.where(Inbound.state == state)
    else:
        query = query.where(Inbound.state.in_(OPEN_STATES))
    if channel:
        query = query.where(Inbound.channel == channel)
    found = paginate(session, query.order_by(Inbound.received_at, Inbound.id), page or PageRequest())
    return Page([_view(r) for r in found.items], found.total, found.limit, found.offset)


def _visible_inbound(session: Session, principal: Principal, inbound_id: int) -> Inbound:
    principal.require(Permission.VERIFY_REPORTS)
    row = session.scalar(select(Inbound).where(Inbound.id == inbound_id, _visible(principal)))
    if row is None:
        raise _not_found()
    return row


def get_inbound(session: Session, principal: Principal, inbound_id: int) -> InboundDetail:
    row = _visible_inbound(session, principal, inbound_id)
    body = row.body or b""
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return InboundDetail(_view(row), text, len(body))


class NotOpen(TigapilarError):
    def __init__(self, inbound_id: int, state: str) -> None:
        super().__init__(
            code="inbound.not_open",
            message=f"Inbound payload {inbound_id} is '{state}', not waiting for review.",
            pesan=f"Kiriman {inbound_id} berstatus '{state}', tidak menunggu pemeriksaan.",
            status=409,
        )


def accept(
    intake: Intake, principal: Principal, inbound_id: int, draft: ReportDraft, note: str | None = None
) -> IntakeResult:
    """Create the report from a corrected ``draft``; the payload's own sender stays its reporter."""
    with intake.database.session() as session:
        row = _visible_inbound(session, principal, inbound_id)
        if row.state not in OPEN_STATES:
            raise NotOpen(row.id, row.state)
        pillar = (
            session.scalar(select(Officer.pillar).where(Officer.id == row.officer_id))
            if row.officer_id
            else None
        )
        # The reviewer's scope decides where the corrected report may be placed.
        submitter = Submitter(row.user_id, row.officer_id, pillar, principal.scope)
        # A conflict's id belongs to another report already; the corrected one is created without it.
        external_id = row.external_id if row.state == "needs_review" else None
        content_hash = row.content_hash or hashlib.sha256(row.body or b"").hexdigest()
        channel = row.channel
    result = intake.process(inbound_id, submitter, Submission(channel, draft, content_hash, external_id))
    if result.outcome is Outcome.NEEDS_REVIEW:
        raise Invalid(
            "inbound.still_invalid",
            "The corrected report still has problems: " + result.message,
            "Laporan yang diperbaiki masih bermasalah: " + result.pesan,
            details=[p.as_dict() for p in result.problems],
        )
    with intake.database.session() as session:
        row = session.get_one(Inbound, inbound_id)
        row.state = "corrected"
        row.reviewed_by = principal.user_id or None
        row.reviewed_at = intake.clock()
        row.review_note = (note or "").strip() or None
    return result


def discard(
    session: Session, principal: Principal, inbound_id: int, reason: str, now: datetime
) -> InboundView:
    row = _visible_inbound(session, principal, inbound_id)
    if row.state not in OPEN_STATES:
        raise NotOpen(row.id, row.state)
    if not reason.strip():
        raise Invalid(
            "inbound.reason_required",
            "Say why the payload is discarded.",
            "Sebutkan alasan kiriman ini dibuang.",
        )
    row.state = "discarded"
    row.reviewed_by = principal.user_id or None
    row.reviewed_at = now
    row.review_note = reason.strip()
    return _view(row)
