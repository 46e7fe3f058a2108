"""The delivery log: every webhook and email with its attempts, for administrators, inside their scope.

A delivery is in scope when the place of its message is: national administrators see every one
(those about no place too), the others only those whose ``area_code`` lies in their areas.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Permission
from tigapilar.core.errors import Invalid
from tigapilar.core.pagination import Page, PageRequest, paginate
from tigapilar.notifications.outbox import EMAIL, FAILED, PENDING, SENT, WEBHOOK
from tigapilar.storage.models import Delivery, DeliveryAttempt

STATES = (PENDING, SENT, FAILED)
CHANNELS = (WEBHOOK, EMAIL)


@dataclass(frozen=True)
class DeliveryEntry:
    delivery: Delivery
    attempts: list[DeliveryAttempt]


def delivery_log(
    session: Session,
    caller: Principal,
    page: PageRequest,
    state: str | None = None,
    channel: str | None = None,
    subject: str | None = None,
) -> Page[DeliveryEntry]:
    """Deliveries newest first, each with its attempts (oldest first). Administrators only."""
    caller.require(Permission.MANAGE_USERS)
    if state is not None and state not in STATES:
        raise Invalid(
            "notification.bad_state",
            f"state must be one of {', '.join(STATES)}",
            f"state harus salah satu dari {', '.join(STATES)}",
        )
    if channel is not None and channel not in CHANNELS:
        raise Invalid(
            "notification.bad_channel",
            f"channel must be one of {', '.join(CHANNELS)}",
            f"channel harus salah satu dari {', '.join(CHANNELS)}",
        )
    query = select(Delivery).where(caller.scope.clause(Delivery.area_code))
    if state is not None:
        query = query.where(Delivery.state == state)
    if channel is not None:
        query = query.where(Delivery.channel == channel)
    if subject is not None:
        query = query.where(Delivery.subject == subject)
    found = paginate(session, query.order_by(Delivery.created_at.desc(), Delivery.id.desc()), page)
    attempts: defaultdict[int, list[DeliveryAttempt]] = defaultdict(list)
    if found.items:
        rows = session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id.in_([d.id for d in found.items]))
            .order_by(DeliveryAttempt.at, DeliveryAttempt.id)
        )
        for attempt in rows:
            attempts[attempt.delivery_id].append(attempt)
    entries = [DeliveryEntry(d, attempts[d.id]) for d in found.items]
    return Page(items=entries, total=found.total, limit=found.limit, offset=found.offset)
