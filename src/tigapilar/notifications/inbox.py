"""A user's in-app notifications: only ever their own (someone else's answers like one that never was)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from tigapilar.core.errors import NotFound
from tigapilar.core.pagination import Page, PageRequest, paginate
from tigapilar.storage.models import Notification


class NotificationNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("notification.not_found", "Notification not found.", "Notifikasi tidak ditemukan.")


def list_notifications(
    session: Session, user_id: int, page: PageRequest, unread: bool | None = None
) -> Page[Notification]:
    """Newest first; ``unread`` True: only unread ones, False: only read ones."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread is not None:
        query = query.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return paginate(session, query, page)


def unread_count(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, user_id: int, notification_id: int, now: datetime) -> Notification:
    """Mark one of the user's notifications read (again: it keeps the first time it was read)."""
    found = session.scalars(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user_id)
    ).one_or_none()
    if found is None:
        raise NotificationNotFound()
    if found.read_at is None:
        found.read_at = now
        session.flush()
    return found


def mark_all_read(session: Session, user_id: int, now: datetime) -> int:
    """Mark every unread notification of the user read; how many were."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(cast(CursorResult[Any], result).rowcount)
