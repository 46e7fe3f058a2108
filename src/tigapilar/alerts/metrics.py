"""Response metrics per unit and per area: how fast alerts are taken on and resolved, how many ran
late and how many escalated. Computed from the step times kept on every alert, over the alerts the
caller may see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.alerts.views import OPEN_STATUSES, AlertFilter, filtered_alerts
from tigapilar.core.errors import Invalid
from tigapilar.regions.codes import CODE_LENGTH, validate_code
from tigapilar.storage.models import Alert, AlertRoute, Region, Unit


@dataclass(frozen=True)
class ResponseMetrics:
    key: str  # a unit code or a region code
    name: str | None
    alerts: int
    open: int
    acknowledged: int
    closed: int  # selesai
    cancelled: int
    median_minutes_to_acknowledge: float | None
    median_minutes_to_close: float | None
    overdue: int  # open now and past the deadline of the step they wait for
    escalated: int  # escalated at least once


def _summarise(key: str, name: str | None, alerts: Iterable[Alert], now: datetime) -> ResponseMetrics:
    alerts = list(alerts)
    ack = [(a.acknowledged_at - a.created_at).total_seconds() / 60 for a in alerts if a.acknowledged_at]
    close = [
        (a.closed_at - a.created_at).total_seconds() / 60
        for a in alerts
        if a.closed_at and a.status == "selesai"
    ]
    return ResponseMetrics(
        key=key,
        name=name,
        alerts=len(alerts),
        open=sum(a.status in OPEN_STATUSES for a in alerts),
        acknowledged=len(ack),
        closed=sum(a.status == "selesai" for a in alerts),
        cancelled=sum(a.status == "dibatalkan" for a in alerts),
        median_minutes_to_acknowledge=round(median(ack), 1) if ack else None,
        median_minutes_to_close=round(median(close), 1) if close else None,
        overdue=sum(a.status in OPEN_STATUSES and a.due_at is not None and a.due_at <= now for a in alerts),
        escalated=sum(a.escalation_level > 0 for a in alerts),
    )


def metrics_by_unit(
    session: Session, principal: Principal, filters: AlertFilter, now: datetime
) -> list[ResponseMetrics]:
    """One row per unit the visible alerts were routed to (by place or by escalation)."""
    alerts = {a.id: a for a in session.scalars(filtered_alerts(principal, filters))}
    by_unit: dict[int, list[Alert]] = defaultdict(list)
    for alert_id, unit_id in session.execute(
        select(AlertRoute.alert_id, AlertRoute.unit_id).where(AlertRoute.alert_id.in_(list(alerts)))
    ):
        by_unit[unit_id].append(alerts[alert_id])
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(list(by_unit))))}
    rows = [_summarise(units[uid].code, units[uid].name, group, now) for uid, group in by_unit.items()]
    return sorted(rows, key=lambda r: (-r.alerts, r.key))


def metrics_by_area(
    session: Session, principal: Principal, filters: AlertFilter, level: int, now: datetime
) -> list[ResponseMetrics]:
    """One row per region at ``level`` (2 kab/kota, 3 kecamatan) holding the visible alerts' area."""
    if level not in (1, 2, 3):
        raise Invalid("alert.bad_level", "level must be 1, 2 or 3.", "Tingkat harus 1, 2 atau 3.")
    if filters.area:
        validate_code(filters.area)
    by_area: dict[str, list[Alert]] = defaultdict(list)
    for alert in session.scalars(filtered_alerts(principal, filters)):
        by_area[alert.area_code[: CODE_LENGTH[level]]].append(alert)
    names = dict(
        session.execute(select(Region.code, Region.name).where(Region.code.in_(list(by_area)))).all()
    )
    rows = [_summarise(code, names.get(code), group, now) for code, group in by_area.items()]
    return sorted(rows, key=lambda r: (-r.alerts, r.key))
