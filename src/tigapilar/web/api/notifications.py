"""API: the caller's in-app notifications, and the webhook/email delivery log for administrators.

Everyone sees only their own notifications: another user's answers 404 ``notification.not_found``
like one that does not exist. The delivery log needs ``manage_users`` (403 ``auth.forbidden``) and
holds the deliveries whose message is about a place in the caller's scope (national: all). Errors:
422 ``notification.bad_state``, ``notification.bad_channel``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from tigapilar.notifications import inbox
from tigapilar.notifications.log import DeliveryEntry, delivery_log
from tigapilar.storage.models import Notification
from tigapilar.web.api.paging import PageOut
from tigapilar.web.deps import Caller, DbSession, Now, Paging

router = APIRouter()

NotificationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="e.g. alert.created, alert.escalated, alert.status, alert.overdue")
    subject: str = Field(description="What it is about, e.g. alert:123.")
    area_code: str | None
    severity: int | None
    title: str = Field(description="In the caller's language.")
    body: str = Field(description="In the caller's language.")
    title_id: str
    title_en: str
    body_id: str
    body_en: str
    link: str | None = Field(description="A page of the web UI, e.g. /peringatan/123.")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(PageOut[NotificationOut]):
    pass


class UnreadOut(BaseModel):
    unread: int


class MarkedOut(BaseModel):
    marked: int = Field(description="How many notifications were unread and are now read.")


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    status_code: int | None = Field(description="The HTTP status, or the SMTP reply code.")
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    id: int
    uid: str = Field(
        description="The delivery id receivers see (X-Tigapilar-Delivery), stable across retries."
    )
    channel: str = Field(description="webhook | email")
    target: str = Field(description="The endpoint's name, or the email address.")
    kind: str
    subject: str
    area_code: str | None
    severity: int | None
    state: str = Field(description="pending | sent | failed")
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    log: list[AttemptOut] = Field(description="Every attempt, oldest first.")


class DeliveryPage(PageOut[DeliveryOut]):
    pass


def notification_out(row: Notification, language: str) -> NotificationOut:
    english = language == "en"
    return NotificationOut(
        id=row.id,
        kind=row.kind,
        subject=row.subject,
        area_code=row.area_code,
        severity=row.severity,
        title=row.title_en if english else row.title_id,
        body=row.body_en if english else row.body_id,
        title_id=row.title_id,
        title_en=row.title_en,
        body_id=row.body_id,
        body_en=row.body_en,
        link=row.link,
        created_at=row.created_at,
        read_at=row.read_at,
    )


def delivery_out(entry: DeliveryEntry) -> DeliveryOut:
    d = entry.delivery
    return DeliveryOut(
        id=d.id,
        uid=d.uid,
        channel=d.channel,
        target=d.target,
        kind=d.kind,
        subject=d.subject,
        area_code=d.area_code,
        severity=d.severity,
        state=d.state,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at,
        last_error=d.last_error,
        created_at=d.created_at,
        sent_at=d.sent_at,
        log=[AttemptOut.model_validate(a) for a in entry.attempts],
    )


@router.get("/notifications", response_model=NotificationPage)
def notifications(
    caller: Caller,
    session: DbSession,
    paging: Paging,
    unread: Annotated[bool | None, Query(description="true: unread only; false: read only.")] = None,
) -> NotificationPage:
    """The caller's own notifications, newest first."""
    page = inbox.list_notifications(session, caller.user_id, paging, unread)
    return NotificationPage.of(page, lambda row: notification_out(row, caller.language))


@router.get("/notifications/unread-count", response_model=UnreadOut)
def notifications_unread(caller: Caller, session: DbSession) -> UnreadOut:
    """How many of the caller's notifications are unread (for the badge)."""
    return UnreadOut(unread=inbox.unread_count(session, caller.user_id))


@router.post("/notifications/read-all", response_model=MarkedOut)
def notifications_read_all(caller: Caller, session: DbSession, now: Now) -> MarkedOut:
    """Mark all of the caller's notifications read."""
    marked = inbox.mark_all_read(session, caller.user_id, now)
    session.commit()
    return MarkedOut(marked=marked)


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut)
def notification_read(
    caller: Caller, session: DbSession, now: Now, notification_id: NotificationId
) -> NotificationOut:
    """Mark one of the caller's notifications read (reading it again keeps the first time)."""
    row = inbox.mark_read(session, caller.user_id, notification_id, now)
    session.commit()
    return notification_out(row, caller.language)


@router.get("/notifications/deliveries", response_model=DeliveryPage)
def notification_deliveries(
    caller: Caller,
    session: DbSession,
    paging: Paging,
    state: Annotated[str | None, Query(max_length=10, description="pending | sent | failed")] = None,
    channel: Annotated[str | None, Query(max_length=10, description="webhook | email")] = None,
    subject: Annotated[str | None, Query(max_length=80, description="e.g. alert:123")] = None,
) -> DeliveryPage:
    """The delivery log (administrators): webhooks and emails newest first, each with its attempts."""
    page = delivery_log(session, caller, paging, state, channel, subject)
    return DeliveryPage.of(page, delivery_out)
