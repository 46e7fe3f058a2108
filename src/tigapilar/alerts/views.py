"""Reading alerts, always inside the caller's scope.

An alert is visible to a caller whose scope holds at least one of its desa: the officers of that
village see it, the Polsek and Koramil of its kecamatan, the Polres, the Polda. Partners see it too,
read-only and, as with reports, blurred to the kecamatan: its area and title name the kecamatan,
places, evidence lists, village governments among the units and the free texts of detections and
timeline (which name desa and people) are left out, and reporters are hidden. Who took each step is
shown to roles that may see personal data, and to the person themself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Permission
from tigapilar.core.errors import Invalid, NotFound
from tigapilar.core.pagination import Page, PageRequest, paginate
from tigapilar.core.scope import Scope
from tigapilar.regions.codes import KECAMATAN_CODE_LENGTH, validate_code
from tigapilar.reports.views import ReportView, blurs_location, report_views
from tigapilar.storage.models import (
    Alert,
    AlertEvent,
    AlertPlace,
    AlertReport,
    AlertRoute,
    Detection,
    Region,
    Report,
    Unit,
    User,
)

OPEN_STATUSES = ("baru", "diterima", "di_lokasi", "ditangani")
VILLAGE_UNIT_KINDS = frozenset({"desa", "kelurahan"})
PARTNER_EVIDENCE = frozenset({"rule", "profile", "reports"})
PARTNER_EXPLANATION = (
    "Rincian di tingkat desa tidak ditampilkan untuk mitra; lihat statistik dan nilai p.",
    "Village-level details are not shown to partners; see the statistic and p-value.",
)


def alert_not_found() -> NotFound:
    return NotFound("alert.not_found", "No such alert.", "Peringatan tidak ditemukan.")


def visible(scope: Scope) -> ColumnElement[bool]:
    if scope.national:
        return Alert.id.is_not(None)
    return Alert.id.in_(select(AlertPlace.alert_id).where(scope.clause(AlertPlace.desa_code)))


@dataclass(frozen=True)
class AlertFilter:
    status: str | None = None  # a status, or "terbuka" for every open one
    min_severity: int | None = None
    area: str | None = None
    unit_id: int | None = None  # routed to this unit
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass
class AlertView:
    id: int
    status: str
    severity: int
    area_code: str
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
    due_at: datetime | None
    overdue: bool
    escalation_level: int


@dataclass(frozen=True)
class RouteView:
    unit_id: int
    unit_code: str
    unit_name: str
    unit_kind: str
    level: int  # 0: the units of the place; 1, 2...: added by escalation
    routed_at: datetime


@dataclass(frozen=True)
class DetectionView:
    id: int
    detector: str
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


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # raised | detection | status | escalated | action
    from_status: str | None
    to_status: str | None
    action: str | None
    text: str | None
    text_en: str | None
    by: str | None


@dataclass(frozen=True)
class ResponseTimes:
    """Minutes from the alert being raised to each step (None: not reached)."""

    to_acknowledge: float | None
    to_on_site: float | None
    to_handled: float | None
    to_close: float | None


@dataclass
class AlertDetail:
    alert: AlertView
    places: list[tuple[str, str | None]]  # (code, name): desa, or kecamatan for partners
    routes: list[RouteView]
    detections: list[DetectionView]
    reports: list[ReportView]
    timeline: list[TimelineEntry]
    times: ResponseTimes
    outcome: str | None
    lessons: str | None
    cancel_reason: str | None
    closed_at: datetime | None
    notes: list[str] = field(default_factory=list)


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds() / 60, 1)


def _shown_area(code: str, blur: bool) -> str:
    return code[:KECAMATAN_CODE_LENGTH] if blur else code


def _retitled(title: str, joiner: str, new_name: str | None) -> str:
    """A title "<what> di <area>" named after another area (for partners: the kecamatan)."""
    head, sep, _ = title.rpartition(f" {joiner} ")
    return f"{head} {joiner} {new_name}" if sep and new_name else head or title


def alert_views(session: Session, alerts: list[Alert], now: datetime, blur: bool = False) -> list[AlertView]:
    """Views of ``alerts``; ``blur`` (partners) names the kecamatan where an alert concerns one desa."""
    codes = {a.area_code for a in alerts} | {_shown_area(a.area_code, blur) for a in alerts}
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
    views = []
    for a in alerts:
        area = _shown_area(a.area_code, blur)
        title, title_en = a.title, a.title_en
        if area != a.area_code:
            title = _retitled(a.title, "di", names.get(area))
            title_en = _retitled(a.title_en, "in", names.get(area))
        views.append(_view(a, area, names.get(area), title, title_en, now))
    return views


def _view(a: Alert, area: str, area_name: str | None, title: str, title_en: str, now: datetime) -> AlertView:
    return AlertView(
        id=a.id,
        status=a.status,
        severity=a.severity,
        area_code=area,
        area_name=area_name,
        category=a.category,
        title=title,
        title_en=title_en,
        election=a.election,
        stage=a.stage,
        window_start=a.window_start,
        window_end=a.window_end,
        created_at=a.created_at,
        updated_at=a.updated_at,
        due_at=a.due_at,
        overdue=a.due_at is not None and a.due_at <= now and a.status in OPEN_STATUSES,
        escalation_level=a.escalation_level,
    )


def filtered_alerts(principal: Principal, filters: AlertFilter) -> Select[Alert]:
    query = select(Alert).where(visible(principal.scope))
    if filters.status == "terbuka":
        query = query.where(Alert.status.in_(OPEN_STATUSES))
    elif filters.status:
        query = query.where(Alert.status == filters.status)
    if filters.min_severity:
        query = query.where(Alert.severity >= filters.min_severity)
    if filters.area:
        area = validate_code(filters.area)
        if blurs_location(principal) and len(area) > KECAMATAN_CODE_LENGTH:
            raise Invalid(
                "alert.area_too_fine",
                "Partners may filter alerts by kecamatan at the finest.",
                "Mitra hanya dapat menyaring sampai tingkat kecamatan.",
            )
        query = query.where(
            Alert.id.in_(select(AlertPlace.alert_id).where(Scope.of([area]).clause(AlertPlace.desa_code)))
        )
    if filters.unit_id is not None:
        query = query.where(
            Alert.id.in_(select(AlertRoute.alert_id).where(AlertRoute.unit_id == filters.unit_id))
        )
    if filters.created_from:
        query = query.where(Alert.created_at >= filters.created_from)
    if filters.created_to:
        query = query.where(Alert.created_at < filters.created_to)
    return query.order_by(Alert.created_at.desc(), Alert.id.desc())


def list_alerts(
    session: Session, principal: Principal, filters: AlertFilter, page: PageRequest, now: datetime
) -> Page[AlertView]:
    found = paginate(session, filtered_alerts(principal, filters), page)
    views = alert_views(session, found.items, now, blurs_location(principal))
    return Page(views, found.total, found.limit, found.offset)


def visible_alert(session: Session, principal: Principal, alert_id: int) -> Alert:
    alert = session.scalar(select(Alert).where(Alert.id == alert_id, visible(principal.scope)))
    if alert is None:
        raise alert_not_found()
    return alert


def get_alert(session: Session, principal: Principal, alert_id: int, now: datetime) -> AlertDetail:
    alert = visible_alert(session, principal, alert_id)
    blur = blurs_location(principal)
    desa = list(
        session.scalars(
            select(AlertPlace.desa_code).where(AlertPlace.alert_id == alert.id).order_by(AlertPlace.desa_code)
        )
    )
    codes = sorted({d[:KECAMATAN_CODE_LENGTH] for d in desa}) if blur else desa
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
    routes = [
        RouteView(unit.id, unit.code, unit.name, unit.kind, route.level, route.routed_at)
        for route, unit in session.execute(
            select(AlertRoute, Unit)
            .join(Unit, Unit.id == AlertRoute.unit_id)
            .where(AlertRoute.alert_id == alert.id)
            .order_by(AlertRoute.level, Unit.id)
        )
        # A village government's name is the desa's: partners see the units above it only.
        if not (blur and unit.kind in VILLAGE_UNIT_KINDS)
    ]
    detections = [
        DetectionView(
            d.id,
            d.detector,
            d.code,
            d.detected_at,
            d.severity,
            _shown_area(d.area_code, blur),
            d.category,
            d.window_start,
            d.window_end,
            d.statistic,
            d.value,
            d.p_value,
            d.observed,
            d.expected,
            PARTNER_EXPLANATION[0] if blur else d.explanation,
            PARTNER_EXPLANATION[1] if blur else d.explanation_en,
            _evidence(d.evidence, blur),
        )
        for d in session.scalars(
            select(Detection).where(Detection.alert_id == alert.id).order_by(Detection.id)
        )
    ]
    reports = list(
        session.scalars(
            select(Report)
            .join(AlertReport, AlertReport.report_id == Report.id)
            .where(AlertReport.alert_id == alert.id, principal.scope.clause(Report.desa_code))
            .order_by(Report.occurred_at, Report.id)
        )
    )
    # Texts name desa and people: partners get the steps without them; who acted is personal data.
    personal = principal.can(Permission.VIEW_PERSONAL_DATA)
    timeline = [
        TimelineEntry(
            e.at,
            e.kind,
            e.from_status,
            e.to_status,
            e.action,
            None if blur else e.text,
            None if blur else e.text_en,
            username if personal or e.user_id == principal.user_id else None,
        )
        for e, username in session.execute(
            select(AlertEvent, User.username)
            .outerjoin(User, User.id == AlertEvent.user_id)
            .where(AlertEvent.alert_id == alert.id)
            .order_by(AlertEvent.at, AlertEvent.id)
        )
    ]
    start = alert.created_at
    return AlertDetail(
        alert=alert_views(session, [alert], now, blur)[0],
        places=[(code, names.get(code)) for code in codes],
        routes=routes,
        detections=detections,
        reports=report_views(session, principal, reports),
        timeline=timeline,
        times=ResponseTimes(
            _minutes(start, alert.acknowledged_at),
            _minutes(start, alert.on_site_at),
            _minutes(start, alert.handled_at),
            _minutes(start, alert.closed_at) if alert.status == "selesai" else None,
        ),
        outcome=alert.outcome,
        lessons=alert.lessons,
        cancel_reason=alert.cancel_reason,
        closed_at=alert.closed_at,
    )


def _evidence(text: str, blur: bool) -> dict[str, Any]:
    evidence: dict[str, Any] = json.loads(text or "{}")
    if blur:
        # Partners keep the numbers (counts, radius, parameters), the rule or profile and the report
        # ids (those reports are shown to them blurred); every place code and list of places goes.
        evidence = {
            key: value
            for key, value in evidence.items()
            if key in PARTNER_EVIDENCE or (isinstance(value, int | float) and not isinstance(value, bool))
        }
    return evidence
