"""Telling people about an alert: in-app, webhooks and email, through the notifications outbox."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from tigapilar.notifications.config import NotificationConfig
from tigapilar.notifications.messages import Message
from tigapilar.notifications.outbox import publish
from tigapilar.storage.models import Alert


def tell(
    session: Session,
    alert: Alert,
    kind: str,
    user_ids: Iterable[int],
    now: datetime,
    config: NotificationConfig,
    *,
    what: str,
    what_en: str,
) -> None:
    """Publish ``kind`` (e.g. ``alert.created``) about ``alert``; ``what`` says what happened."""
    title = f"Peringatan #{alert.id}: {alert.title}"
    title_en = f"Alert #{alert.id}: {alert.title_en}"
    message = Message(
        kind=kind,
        subject=f"alert:{alert.id}",
        area_code=alert.area_code,
        severity=alert.severity,
        title_id=title,
        title_en=title_en,
        body_id=what,
        body_en=what_en,
        link=f"/peringatan/{alert.id}",
        payload={
            "alert_id": alert.id,
            "status": alert.status,
            "severity": alert.severity,
            "area_code": alert.area_code,
            "category": alert.category,
            "title": alert.title,
            "title_en": alert.title_en,
            "due_at": alert.due_at.isoformat() if alert.due_at else None,
            "escalation_level": alert.escalation_level,
            "what": what,
            "what_en": what_en,
        },
    )
    publish(session, message, user_ids=user_ids, now=now, config=config)
