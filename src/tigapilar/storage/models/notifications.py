"""Notifications: the in-app inbox of each user, and the outbox of webhook and email deliveries with
the log of every attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tigapilar.storage.models.base import Base, RegionCode, UtcDateTime, utcnow


class Notification(Base):
    """One message in one user's in-app inbox; ``read_at`` is NULL until the user reads it."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # e.g. alert.created
    subject: Mapped[str] = mapped_column(String(80))  # what it is about, e.g. alert:123
    area_code: Mapped[str | None] = mapped_column(RegionCode())
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    title_id: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_id: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    # Serves the inbox (newest first), its unread filter and the unread count.
    __table_args__ = (
        Index("ix_notification_user_id_read_at_created_at", "user_id", "read_at", "created_at"),
    )


class Delivery(Base):
    """One message to send to one webhook endpoint or one email address, retried until sent or failed.

    ``message`` is what is sent, fixed when the delivery is made: the exact JSON body of a webhook
    (byte-identical on every retry) or the rendered email. ``uid`` is the delivery id receivers see,
    the same on every retry. A sender claims a due row by moving ``next_attempt_at`` past now under
    its ``lease`` token, in one conditional UPDATE, so that two senders never send it twice.
    """

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36))
    channel: Mapped[str] = mapped_column(String(10))  # webhook | email
    target: Mapped[str] = mapped_column(String(254))  # the endpoint's name, or the email address
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(80))
    # The message's place: the delivery log is scoped by it (NULL: national administrators only).
    area_code: Mapped[str | None] = mapped_column(RegionCode())
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    message: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_delivery_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_delivery_area_code_created_at", "area_code", "created_at"),
    )


class DeliveryAttempt(Base):
    """One try at sending a delivery: the HTTP status (or SMTP reply code), the error and how long."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
