"""Deadlines that pass escalate: the alert goes to the parent units of those it was routed to.

Run in every detector cycle with the cycle's clock (tests move a clock, never sleep). An overdue step
escalates once per deadline: the same step's deadline restarts for the parent units, and if it passes
again the alert climbs once more, up to ``max_escalations``. The timeline says which step was late,
by how long, and to whom the alert went.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.alerts import notify
from tigapilar.alerts.routing import parents_of_top, recipients, route
from tigapilar.alerts.setup import AlertSetup
from tigapilar.alerts.workflow import FINAL, NEXT_STEP
from tigapilar.storage.models import Alert, AlertEvent, AlertPlace

STEP_LABELS = {
    "acknowledge": ("penerimaan", "acknowledgement"),
    "arrive": ("kehadiran di lokasi", "arrival on site"),
    "handle": ("penanganan", "handling"),
    "resolve": ("penyelesaian", "resolution"),
}


@dataclass(frozen=True)
class Escalated:
    alert_id: int
    level: int
    unit_ids: tuple[int, ...]


def escalate_overdue(session: Session, now: datetime, setup: AlertSetup) -> list[Escalated]:
    limit = setup.config.response.escalation.max_escalations
    overdue = session.scalars(
        select(Alert)
        .where(
            Alert.status.not_in(FINAL),
            Alert.due_at.is_not(None),
            Alert.due_at <= now,
            Alert.escalation_level < limit,
        )
        .order_by(Alert.due_at, Alert.id)
        .with_for_update()
    ).all()
    done = []
    for alert in overdue:
        done.append(_escalate(session, alert, now, setup))
    return done


def _escalate(session: Session, alert: Alert, now: datetime, setup: AlertSetup) -> Escalated:
    assert alert.due_at is not None
    step = NEXT_STEP[alert.status]
    late_minutes = round((now - alert.due_at).total_seconds() / 60)
    parents = parents_of_top(session, alert.id)
    alert.escalation_level += 1
    alert.escalated_at = now
    alert.updated_at = now
    added = route(session, alert.id, parents, alert.escalation_level, now)
    deadline = setup.config.response.deadline_for(alert.severity, step)
    alert.due_at = now + deadline if deadline else None
    names = ", ".join(unit.name for unit in added) or "-"
    step_id, step_en = STEP_LABELS[step]
    text = (
        f"Batas waktu {step_id} terlewati {late_minutes} menit; "
        f"dieskalasi (tingkat {alert.escalation_level}) ke {names}."
    )
    text_en = (
        f"The {step_en} deadline passed {late_minutes} min ago; "
        f"escalated (level {alert.escalation_level}) to {names}."
    )
    session.add(AlertEvent(alert_id=alert.id, at=now, kind="escalated", text=text, text_en=text_en))
    session.flush()
    desa = list(session.scalars(select(AlertPlace.desa_code).where(AlertPlace.alert_id == alert.id)))
    notify.tell(
        session,
        alert,
        "alert.escalated",
        recipients(session, [u.id for u in added], desa),
        now,
        setup.notifications,
        what=text,
        what_en=text_en,
    )
    return Escalated(alert.id, alert.escalation_level, tuple(u.id for u in added))
