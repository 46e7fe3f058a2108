"""API: the review queue of payloads that could not become reports (verifying roles only).

Every payload received on any channel is journaled; those that failed a check (``needs_review``) or
reused a submission id for other content (``conflict``) wait here until an analyst accepts a
corrected version or discards them with a reason. Errors: 403 ``auth.forbidden``, 404
``inbound.not_found`` (also outside the caller's scope), 409 ``inbound.not_open``, 422
``inbound.still_invalid`` (with every remaining problem in ``details``), ``inbound.reason_required``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from tigapilar.core.csvrows import INT_MAX
from tigapilar.reports import review, views
from tigapilar.reports.fields import ReportFields
from tigapilar.web.api.paging import PageOut
from tigapilar.web.api.reports import ReportOut, report_out
from tigapilar.web.deps import Caller, DbSession, IntakeDep, Now, Paging

router = APIRouter()

RecordId = Annotated[int, Path(ge=1, le=INT_MAX)]


class InboundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
    sender: str | None
    user_id: int | None
    officer_id: int | None
    content_type: str | None
    reviewed_by: int | None
    reviewed_at: datetime | None
    review_note: str | None


class InboundPage(PageOut[InboundOut]):
    pass


class InboundDetailOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    inbound: InboundOut
    body_text: str | None = Field(description="The payload as received, when it is text.")
    body_size: int


class CorrectedFields(ReportFields):
    client_id: str = Field(default="review", max_length=100, description="Not used: the payload's own id is.")


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    report: CorrectedFields = Field(description="The corrected report.")
    note: str | None = Field(default=None, max_length=2000)


class DiscardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=2000)


class AcceptOut(BaseModel):
    inbound_id: int
    report: ReportOut


@router.get("/inbound", response_model=InboundPage)
def inbound_list(
    caller: Caller,
    session: DbSession,
    paging: Paging,
    state: Annotated[str | None, Query(max_length=14, description="Default: the open queue")] = None,
    channel: Annotated[str | None, Query(max_length=10)] = None,
) -> InboundPage:
    """The review queue, oldest first; with ``state``, the journal entries in that state."""
    page = review.list_inbound(session, caller, state=state, channel=channel, page=paging)
    return InboundPage.of(page, InboundOut.model_validate)


@router.get("/inbound/{inbound_id}", response_model=InboundDetailOut)
def inbound_detail(caller: Caller, session: DbSession, inbound_id: RecordId) -> InboundDetailOut:
    return InboundDetailOut.model_validate(review.get_inbound(session, caller, inbound_id))


@router.post("/inbound/{inbound_id}/accept", response_model=AcceptOut, status_code=201)
def inbound_accept(
    caller: Caller, session: DbSession, intake: IntakeDep, inbound_id: RecordId, body: AcceptIn
) -> AcceptOut:
    """Create the report from a corrected version of the payload."""
    result = review.accept(intake, caller, inbound_id, body.report.draft(), body.note)
    assert result.report_id is not None
    return AcceptOut(
        inbound_id=inbound_id, report=report_out(views.get_report(session, caller, result.report_id).report)
    )


@router.post("/inbound/{inbound_id}/discard", response_model=InboundOut)
def inbound_discard(
    caller: Caller, session: DbSession, now: Now, inbound_id: RecordId, body: DiscardIn
) -> InboundOut:
    """Close a payload without a report; the reason is kept with it."""
    return InboundOut.model_validate(review.discard(session, caller, inbound_id, body.reason, now))
