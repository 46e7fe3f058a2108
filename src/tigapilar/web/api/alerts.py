"""API: early-warning alerts. List and read (scoped), take on and move through the response steps,
log actions, response metrics per unit and area, and run a detector cycle now.

An alert outside the caller's scope answers 404 ``alert.not_found``. Partners read alerts with the
places blurred to the kecamatan and reporters hidden, and may not act on them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from tigapilar.accounts.roles import Permission
from tigapilar.alerts import metrics, views, workflow
from tigapilar.alerts.cycle import run_cycle
from tigapilar.alerts.setup import AlertSetup
from tigapilar.alerts.views import AlertFilter
from tigapilar.core.csvrows import INT_MAX
from tigapilar.web.api.paging import PageOut
from tigapilar.web.api.reports import ReportOut, local_day_range
from tigapilar.web.deps import Caller, DbSession, Now, Paging, get_database

router = APIRouter()

AlertId = Annotated[int, Path(ge=1, le=INT_MAX)]


def get_alert_setup(request: Request) -> AlertSetup:
    setup: AlertSetup = request.app.state.alert_setup
    return setup


SetupDep = Annotated[AlertSetup, Depends(get_alert_setup)]


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str = Field(description="baru | diterima | di_lokasi | ditangani | selesai | dibatalkan")
    severity: int
    area_code: str = Field(description="The smallest region holding every place of the alert.")
    area_name: str | None
    category: str | None
    title: str
    title_en: str
    election: str | None
    stage: str | None
    window_start: datetime
    window_end: datetime
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None = Field(description="Deadline of the step the alert waits for.")
    overdue: bool
    escalation_level: int


class AlertPage(PageOut[AlertOut]):
    pass


class PlaceOut(BaseModel):
    code: str
    name: str | None


class RouteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    unit_id: int
    unit_code: str
    unit_name: str
    unit_kind: str
    level: int = Field(description="0: the units of the place; 1, 2, ...: added by escalation.")
    routed_at: datetime


class DetectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    detector: str = Field(description="rule | spike | scan | hotspot")
    code: str
    detected_at: datetime
    severity: int
    area_code: str
    category: str | None
    window_start: datetime
    window_end: datetime
    statistic: str | None
    value: float | None
    p_value: float | None
    observed: float | None
    expected: float | None
    explanation: str
    explanation_en: str
    evidence: dict[str, Any]


class TimelineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str = Field(description="raised | detection | status | escalated | action")
    from_status: str | None
    to_status: str | None
    action: str | None
    text: str | None
    text_en: str | None
    by: str | None


class TimesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    to_acknowledge: float | None = Field(description="Minutes from raised to diterima.")
    to_on_site: float | None
    to_handled: float | None
    to_close: float | None = Field(description="Minutes from raised to selesai.")


class AlertDetailOut(BaseModel):
    alert: AlertOut
    places: list[PlaceOut]
    routes: list[RouteOut]
    detections: list[DetectionOut]
    reports: list[ReportOut]
    timeline: list[TimelineOut]
    times: TimesOut
    outcome: str | None
    lessons: str | None
    cancel_reason: str | None
    closed_at: datetime | None


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(max_length=12, description="diterima | di_lokasi | ditangani | selesai | dibatalkan")
    note: str | None = Field(default=None, max_length=2000)
    outcome: str | None = Field(default=None, max_length=4000, description="Required for selesai.")
    lessons: str | None = Field(default=None, max_length=4000)
    reason: str | None = Field(default=None, max_length=2000, description="Required for dibatalkan.")


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str = Field(max_length=30, description="A code of response.toml, e.g. patroli, mediasi.")
    description: str = Field(max_length=4000)


class MetricsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    name: str | None
    alerts: int
    open: int
    acknowledged: int
    closed: int
    cancelled: int
    median_minutes_to_acknowledge: float | None
    median_minutes_to_close: float | None
    overdue: int
    escalated: int


class CycleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    cases: int
    findings: dict[str, int]
    seconds: dict[str, float]
    raised: list[int]
    joined: list[int]
    escalated: list[int]
    skipped: str | None


def alert_filter(
    request: Request,
    status: Annotated[str | None, Query(max_length=12, description="A status, or terbuka (open)")] = None,
    min_severity: Annotated[int | None, Query(ge=1, le=9)] = None,
    area: Annotated[str | None, Query(max_length=20)] = None,
    unit: Annotated[int | None, Query(ge=1, le=INT_MAX, description="Routed to this unit")] = None,
    date_from: Annotated[date | None, Query(description="First local day (WITA) raised")] = None,
    date_to: Annotated[date | None, Query(description="Last local day (WITA) raised")] = None,
) -> AlertFilter:
    start, end = local_day_range(request, date_from, date_to)
    return AlertFilter(status, min_severity, area, unit, start, end)


Filters = Annotated[AlertFilter, Depends(alert_filter)]


def detail_out(detail: views.AlertDetail) -> AlertDetailOut:
    return AlertDetailOut(
        alert=AlertOut.model_validate(detail.alert),
        places=[PlaceOut(code=code, name=name) for code, name in detail.places],
        routes=[RouteOut.model_validate(r) for r in detail.routes],
        detections=[DetectionOut.model_validate(d) for d in detail.detections],
        reports=[ReportOut.model_validate(r) for r in detail.reports],
        timeline=[TimelineOut.model_validate(t) for t in detail.timeline],
        times=TimesOut.model_validate(detail.times),
        outcome=detail.outcome,
        lessons=detail.lessons,
        cancel_reason=detail.cancel_reason,
        closed_at=detail.closed_at,
    )


@router.get("/alerts", response_model=AlertPage)
def alerts_list(caller: Caller, session: DbSession, paging: Paging, filters: Filters, now: Now) -> AlertPage:
    """Alerts with a place in the caller's scope, newest first."""
    return AlertPage.of(views.list_alerts(session, caller, filters, paging, now), AlertOut.model_validate)


@router.get("/alerts/metrics", response_model=list[MetricsOut])
def alerts_metrics(
    caller: Caller,
    session: DbSession,
    filters: Filters,
    now: Now,
    group: Annotated[str, Query(pattern="^(unit|area)$")] = "unit",
    level: Annotated[
        int, Query(ge=1, le=3, description="For group=area: 1 provinsi, 2 kab/kota, 3 kecamatan")
    ] = 2,
) -> list[MetricsOut]:
    """Response metrics per unit (the alerts routed to it) or per area: time to acknowledge and to
    close (medians, minutes), open, overdue and escalated alerts."""
    if group == "unit":
        rows = metrics.metrics_by_unit(session, caller, filters, now)
    else:
        rows = metrics.metrics_by_area(session, caller, filters, level, now)
    return [MetricsOut.model_validate(r) for r in rows]


@router.get("/alerts/{alert_id}", response_model=AlertDetailOut)
def alert_detail(caller: Caller, session: DbSession, alert_id: AlertId, now: Now) -> AlertDetailOut:
    """An alert with its places, units, detections (the evidence), reports, timeline and response times."""
    return detail_out(views.get_alert(session, caller, alert_id, now))


@router.post("/alerts/{alert_id}/status", response_model=AlertDetailOut)
def alert_status(
    caller: Caller, session: DbSession, setup: SetupDep, alert_id: AlertId, body: StatusIn, now: Now
) -> AlertDetailOut:
    """Move an alert on: diterima, di_lokasi, ditangani, selesai (outcome), dibatalkan (reason)."""
    change = workflow.StatusChange(body.status, body.note, body.outcome, body.lessons, body.reason)
    workflow.change_status(session, caller, alert_id, change, now, setup)
    session.commit()
    return detail_out(views.get_alert(session, caller, alert_id, now))


@router.post("/alerts/{alert_id}/actions", response_model=AlertDetailOut, status_code=201)
def alert_action(
    caller: Caller, session: DbSession, setup: SetupDep, alert_id: AlertId, body: ActionIn, now: Now
) -> AlertDetailOut:
    """Log what was done: patrol, mediation, dialogue with leaders, law enforcement, hoax clarification."""
    workflow.log_action(
        session, caller, alert_id, workflow.ActionEntry(body.action, body.description), now, setup
    )
    session.commit()
    return detail_out(views.get_alert(session, caller, alert_id, now))


@router.post("/alerts/cycle", response_model=CycleOut)
def alerts_cycle(request: Request, caller: Caller, session: DbSession, setup: SetupDep, now: Now) -> CycleOut:
    """Run a detector cycle now (analysts): every detector, then escalation of overdue alerts."""
    caller.require(Permission.VERIFY_REPORTS)
    session.commit()  # hand the connection back: the cycle takes its own
    report = run_cycle(get_database(request).sessions, now, setup)
    return CycleOut.model_validate(report)
