"""The overview's numbers: GROUP BY queries over the caller's reports, open alerts and TPS scores.

Each query starts from the capability's own scoped selection (``filtered_reports``, ``filtered_alerts``)
or from ``Scope.clause`` on the scores' area, so that counts can never include a record the caller
could not open; the indexes on ``(desa_code, occurred_at)``, ``(area_code, created_at)`` and
``(profile, level, area_code)`` serve them. Partners are never grouped below the kecamatan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.alerts.views import AlertFilter, filtered_alerts
from tigapilar.core.errors import Invalid
from tigapilar.core.scope import Scope
from tigapilar.regions.codes import CODE_LENGTH, level_of
from tigapilar.reports.views import ReportFilter, blurs_location, filtered_reports
from tigapilar.risk.profile import ProfileConfig
from tigapilar.risk.views import Legend, check_level
from tigapilar.storage.models import Alert, Region, Report, RiskScore
from tigapilar.web.formatting import zone

PARTNER_FINEST_LEVEL = 3  # partners see places down to the kecamatan


def _counts(session: Session, query: Select[Any], column: Any) -> dict[Any, int]:
    grouped = (
        query.order_by(None)
        .with_only_columns(column, func.count(), maintain_column_froms=True)
        .group_by(column)
    )
    return {key: int(count) for key, count in session.execute(grouped)}


def local_day(session: Session, column: Any, zone_name: str) -> ColumnElement[Any]:
    """The local calendar day of a stored UTC time, computed by the database."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no time zones: a fixed offset, exact for Indonesia's zones (no daylight saving).
        offset = zone(zone_name).utcoffset(datetime(2024, 1, 1)) or timedelta()
        return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")
    return func.date(func.timezone(zone_name, column))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class ReportTallies:
    total: int
    category: dict[str, int]
    severity: dict[int, int]
    status: dict[str, int]
    days: list[tuple[date, int]]  # every day of the range, zeros included
    areas: dict[str, int]  # child-region code -> count (empty when not grouped)


def report_tallies(
    session: Session,
    principal: Principal,
    filters: ReportFilter,
    *,
    first: date,
    last: date,
    zone_name: str,
    child_level: int | None,
) -> ReportTallies:
    query = filtered_reports(principal, filters)
    by_day = _counts(session, query, local_day(session, Report.occurred_at, zone_name))
    days = {_day(key): count for key, count in by_day.items()}
    areas: dict[str, int] = {}
    if child_level is not None:
        areas = _counts(session, query, func.substr(Report.desa_code, 1, CODE_LENGTH[child_level]))
    return ReportTallies(
        total=sum(by_day.values()),
        category=_counts(session, query, Report.category),
        severity=_counts(session, query, Report.severity),
        status=_counts(session, query, Report.status),
        days=[(day, days.get(day, 0)) for day in _days(first, last)],
        areas=areas,
    )


@dataclass(frozen=True)
class AlertTallies:
    total: int
    severity: dict[int, int]
    status: dict[str, int]


def open_alert_tallies(session: Session, principal: Principal, area: str | None) -> AlertTallies:
    """The alerts still open now (not the date range: an open alert is today's work)."""
    query = filtered_alerts(principal, AlertFilter(status="terbuka", area=area))
    severity = _counts(session, query, Alert.severity)
    return AlertTallies(sum(severity.values()), severity, _counts(session, query, Alert.status))


@dataclass(frozen=True)
class CategoryCount:
    code: str
    label: str
    label_en: str
    count: int


@dataclass(frozen=True)
class RiskDistribution:
    profile: ProfileConfig
    level: str  # the unit (TPS), or the kecamatan for partners of a report-fed profile
    categories: list[CategoryCount]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.categories)


def risk_distribution(
    session: Session, principal: Principal, profile: ProfileConfig, area: str | None
) -> RiskDistribution:
    level = profile.unit
    try:
        check_level(principal, profile, level)
    except Invalid:  # partners: report-fed TPS scores would point at places; count kecamatan instead
        level = "kecamatan"
    conditions = [
        RiskScore.profile == profile.code,
        RiskScore.level == level,
        principal.scope.clause(RiskScore.area_code),
    ]
    if area:
        conditions.append(Scope.of([area]).clause(RiskScore.area_code))
    counts = _counts(session, select(RiskScore).where(*conditions), RiskScore.category)
    legend = Legend(profile)
    ordered = [b.code for b in profile.bands_for(level)]
    ordered += sorted(set(counts) - set(ordered))  # a band renamed since the scores were computed
    categories = [CategoryCount(code, *legend.band(level, code), counts.get(code, 0)) for code in ordered]
    return RiskDistribution(profile, level, categories)


# --- areas ----------------------------------------------------------------------------------------


def common_area(scope: Scope) -> str | None:
    """The smallest region holding the whole scope (None: the country)."""
    if scope.national or not scope.codes:
        return None
    parts = [code.split(".") for code in sorted(scope.codes)]
    common: list[str] = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    return ".".join(common) or None


def child_level(principal: Principal, area: str | None) -> int | None:
    """The level of the rows of the "by area" chart, or None when there are none to show."""
    level = level_of(area) + 1 if area else 1
    finest = PARTNER_FINEST_LEVEL if blurs_location(principal) else 4
    return level if level <= finest else None


def child_regions(session: Session, scope: Scope, area: str | None) -> list[tuple[str, str]]:
    """(code, name) of the children of ``area`` the scope touches (ancestors are named for navigation)."""
    query = select(Region.code, Region.name)
    query = query.where(Region.parent_code == area) if area else query.where(Region.level == 1)
    return [
        (code, name) for code, name in session.execute(query.order_by(Region.code)) if scope.touches(code)
    ]


def region_names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(list(codes))))
    return {code: name for code, name in rows}
