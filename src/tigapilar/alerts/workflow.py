"""Answering an alert: baru -> diterima -> di_lokasi -> ditangani -> selesai, or dibatalkan.

A step may be skipped forward (a hoax is clarified without going on site); the steps skipped are
stamped with the same time so that the metrics stay defined. Closing needs the outcome; cancelling
needs a reason. Each change restarts the deadline of the next step (response.toml) and is an event
on the alert's timeline, as is every action an officer logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Permission
from tigapilar.alerts import notify
from tigapilar.alerts.routing import recipients
from tigapilar.alerts.setup import AlertSetup
from tigapilar.alerts.views import alert_not_found, visible
from tigapilar.core.errors import Invalid, TigapilarError
from tigapilar.storage.models import Alert, AlertEvent, AlertPlace, AlertRoute

ORDER = ("baru", "diterima", "di_lokasi", "ditangani", "selesai")
FINAL = frozenset({"selesai", "dibatalkan"})
STATUSES = (*ORDER, "dibatalkan")
# The moment each status was reached is kept on the alert.
STAMPS = {
    "diterima": "acknowledged_at",
    "di_lokasi": "on_site_at",
    "ditangani": "handled_at",
    "selesai": "closed_at",
}
# The step an alert in a status waits for.
NEXT_STEP = {"baru": "acknowledge", "diterima": "arrive", "di_lokasi": "handle", "ditangani": "resolve"}
STATUS_LABELS = {
    "baru": ("Baru", "New"),
    "diterima": ("Diterima", "Acknowledged"),
    "di_lokasi": ("Di lokasi", "On site"),
    "ditangani": ("Ditangani", "Handled"),
    "selesai": ("Selesai", "Closed"),
    "dibatalkan": ("Dibatalkan", "Cancelled"),
}


class AlertTransitionRefused(TigapilarError):
    def __init__(self, alert_id: int, current: str, wanted: str) -> None:
        super().__init__(
            code="alert.bad_transition",
            message=f"Alert {alert_id} is '{current}' and cannot become '{wanted}'.",
            pesan=f"Peringatan {alert_id} berstatus '{current}', tidak dapat diubah menjadi '{wanted}'.",
            status=409,
        )


@dataclass(frozen=True)
class StatusChange:
    status: str
    note: str | None = None
    outcome: str | None = None  # required to close (selesai)
    lessons: str | None = None
    reason: str | None = None  # required to cancel (dibatalkan)


@dataclass(frozen=True)
class ActionEntry:
    action: str  # a code of response.toml [[action]]
    description: str


def _locked(session: Session, principal: Principal, alert_id: int) -> Alert:
    principal.require(Permission.RESPOND_ALERTS)
    alert = session.scalar(
        select(Alert).where(Alert.id == alert_id, visible(principal.scope)).with_for_update()
    )
    if alert is None:
        raise alert_not_found()
    return alert


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def change_status(
    session: Session,
    principal: Principal,
    alert_id: int,
    change: StatusChange,
    now: datetime,
    setup: AlertSetup,
) -> Alert:
    alert = _locked(session, principal, alert_id)
    wanted, current = change.status, alert.status
    if wanted not in STATUSES:
        raise Invalid(
            "alert.unknown_status",
            f"Unknown status '{wanted}'; expected one of {', '.join(STATUSES)}.",
            f"Status '{wanted}' tidak dikenal.",
        )
    if (
        current in FINAL
        or wanted == current
        or (wanted in ORDER and ORDER.index(wanted) < ORDER.index(current))
    ):
        raise AlertTransitionRefused(alert_id, current, wanted)
    if wanted == "selesai" and not _text(change.outcome):
        raise Invalid(
            "alert.outcome_required",
            "Closing an alert needs its outcome.",
            "Menutup peringatan memerlukan uraian hasil penanganan.",
        )
    if wanted == "dibatalkan" and not _text(change.reason):
        raise Invalid(
            "alert.reason_required",
            "Cancelling an alert needs a reason.",
            "Membatalkan peringatan memerlukan alasan.",
        )
    if wanted in ORDER:
        for status in ORDER[ORDER.index(current) + 1 : ORDER.index(wanted) + 1]:
            if getattr(alert, STAMPS[status]) is None:
                setattr(alert, STAMPS[status], now)
    if wanted == "dibatalkan":
        alert.closed_at = now
        alert.cancel_reason = _text(change.reason)
    if wanted == "selesai":
        alert.outcome = _text(change.outcome)
        alert.lessons = _text(change.lessons)
    alert.status = wanted
    alert.updated_at = now
    step = NEXT_STEP.get(wanted)
    deadline = setup.config.response.deadline_for(alert.severity, step) if step else None
    alert.due_at = now + deadline if deadline else None
    text = _text(change.note) or _text(change.reason) or _text(change.outcome)
    session.add(
        AlertEvent(
            alert_id=alert.id,
            at=now,
            user_id=principal.user_id or None,
            kind="status",
            from_status=current,
            to_status=wanted,
            text=text,
        )
    )
    session.flush()
    label, label_en = STATUS_LABELS[wanted]
    notify.tell(
        session,
        alert,
        "alert.status",
        _audience(session, alert),
        now,
        setup.notifications,
        what=f"Status menjadi {label} oleh {principal.username}.",
        what_en=f"Status changed to {label_en} by {principal.username}.",
    )
    return alert


def log_action(
    session: Session,
    principal: Principal,
    alert_id: int,
    entry: ActionEntry,
    now: datetime,
    setup: AlertSetup,
) -> AlertEvent:
    alert = _locked(session, principal, alert_id)
    if alert.status in FINAL:
        raise AlertTransitionRefused(alert_id, alert.status, "tindakan")
    if entry.action not in {a.code for a in setup.config.response.action}:
        known = ", ".join(a.code for a in setup.config.response.action)
        raise Invalid(
            "alert.unknown_action",
            f"Unknown action '{entry.action}'; expected one of {known}.",
            f"Jenis tindakan '{entry.action}' tidak dikenal.",
        )
    description = _text(entry.description)
    if not description:
        raise Invalid(
            "alert.action_text_required",
            "Describe what was done.",
            "Uraikan tindakan yang dilakukan.",
        )
    event = AlertEvent(
        alert_id=alert.id,
        at=now,
        user_id=principal.user_id or None,
        kind="action",
        action=entry.action,
        text=description,
    )
    alert.updated_at = now
    session.add(event)
    session.flush()
    return event


def _audience(session: Session, alert: Alert) -> list[int]:
    units = list(session.scalars(select(AlertRoute.unit_id).where(AlertRoute.alert_id == alert.id)))
    desa = list(session.scalars(select(AlertPlace.desa_code).where(AlertPlace.alert_id == alert.id)))
    return recipients(session, units, desa)
