"""Reading what a profile needs from the database, as numpy arrays: places, attributes, report tallies.

Everything is read in a fixed order so that the same data gives the same floating-point sums on
SQLite and PostgreSQL. Reports are read as integer counts grouped by place, category, severity, stage
and day; weights and decay are applied afterwards in numpy, not in SQL, for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, Integer, cast, func, literal_column, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tigapilar.core.scope import Scope
from tigapilar.regions.codes import CODE_LENGTH
from tigapilar.risk.profile import REGION_LEVEL, ProfileConfig, indicators_of
from tigapilar.storage.models import Region, RegionAttribute, Report, Tps, TpsAttribute

# Length of a region code at each level: 64 / 64.71 / 64.71.01 / 64.71.01.1001.
EPOCH_JULIAN_DAY = 2440587.5  # julianday('1970-01-01 00:00')
FEW_PLACES = 2000


@dataclass
class Places:
    """The places scored from indicators (TPS, or regions at the profile's unit level)."""

    level: str
    keys: list[str]  # "tps:<id>" or a region code
    area: NDArray[np.str_]  # the TPS's desa, or the region's own code
    tps_id: NDArray[np.int64] | None
    dpt: NDArray[np.float64]
    khusus: NDArray[np.bool_]
    kind: NDArray[np.str_] | None

    def __len__(self) -> int:
        return len(self.keys)


def load_places(session: Session, profile: ProfileConfig, only: Scope | None = None) -> Places:
    if profile.unit == "tps":
        return _tps_places(session, profile, only)
    return _region_places(session, profile, only)


def _tps_places(session: Session, profile: ProfileConfig, only: Scope | None) -> Places:
    query = select(Tps.id, Tps.desa_code, Tps.dpt_male + Tps.dpt_female, Tps.kind).where(
        Tps.election == profile.election
    )
    if only is not None:
        query = query.where(only.clause(Tps.desa_code))
    rows = session.execute(query.order_by(Tps.id)).all()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    area = np.array([r[1] for r in rows], dtype=np.str_) if rows else np.array([], dtype="<U13")
    kind = np.array([r[3] for r in rows], dtype=np.str_) if rows else np.array([], dtype="<U20")
    return Places(
        level="tps",
        keys=[f"tps:{i}" for i in ids.tolist()],
        area=area,
        tps_id=ids,
        dpt=np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows)),
        khusus=np.isin(kind, list(profile.khusus_kinds)) if rows else np.zeros(0, dtype=bool),
        kind=kind,
    )


def _region_places(session: Session, profile: ProfileConfig, only: Scope | None) -> Places:
    level = REGION_LEVEL[profile.unit]
    query = select(Region.code).where(Region.level == level)
    if only is not None:
        query = query.where(only.clause(Region.code))
    codes = list(session.scalars(query.order_by(Region.code)))
    length = CODE_LENGTH[level]
    # Literal bounds: PostgreSQL would not match two separately bound substr() calls in GROUP BY.
    prefix = func.substr(Tps.desa_code, literal_column("1"), literal_column(str(length)))
    dpt_query = (
        select(prefix, func.sum(Tps.dpt_male + Tps.dpt_female))
        .where(Tps.election == profile.election)
        .group_by(prefix)
    )
    dpt = {code: float(total or 0) for code, total in session.execute(dpt_query)}
    return Places(
        level=profile.unit,
        keys=codes,
        area=np.array(codes, dtype=np.str_) if codes else np.array([], dtype="<U13"),
        tps_id=None,
        dpt=np.array([dpt.get(c, 0.0) for c in codes], dtype=np.float64),
        khusus=np.zeros(len(codes), dtype=bool),
        kind=None,
    )


def load_attributes(
    session: Session, profile: ProfileConfig, places: Places
) -> dict[str, NDArray[np.float64]]:
    """attribute -> value per place (NaN where neither the place nor a region above it has one)."""
    wanted = sorted({i.attribute for i in indicators_of(profile) if i.source == "attribute" and i.attribute})
    values = {a: np.full(len(places), np.nan) for a in wanted}
    if not wanted or not len(places):
        return values
    # A few places (an incremental refresh) read only their own rows; a full run reads them all.
    few = len(places) <= FEW_PLACES
    if places.tps_id is not None:
        index = {int(t): n for n, t in enumerate(places.tps_id.tolist())}
        tps_query = select(TpsAttribute.tps_id, TpsAttribute.attribute, TpsAttribute.value).where(
            TpsAttribute.attribute.in_(wanted)
        )
        if few:
            tps_query = tps_query.where(TpsAttribute.tps_id.in_(places.tps_id.tolist()))
        rows = session.execute(tps_query.order_by(TpsAttribute.tps_id, TpsAttribute.attribute))
        for tps_id, attribute, value in rows:
            n = index.get(tps_id)
            if n is not None:
                values[attribute][n] = value
    region_values: dict[str, dict[str, float]] = {a: {} for a in wanted}
    region_query = select(
        RegionAttribute.region_code, RegionAttribute.attribute, RegionAttribute.value
    ).where(RegionAttribute.attribute.in_(wanted))
    if few:
        codes = {str(a)[: CODE_LENGTH[level]] for a in set(places.area.tolist()) for level in (1, 2, 3, 4)}
        region_query = region_query.where(RegionAttribute.region_code.in_(sorted(codes)))
    for code, attribute, value in session.execute(
        region_query.order_by(RegionAttribute.region_code, RegionAttribute.attribute)
    ):
        region_values[attribute][code] = value
    # Inherit from the nearest region above that has a value: look up unique codes, not every place.
    unique, inverse = np.unique(places.area, return_inverse=True)
    for level in (4, 3, 2, 1):
        prefixes = [str(c)[: CODE_LENGTH[level]] for c in unique.tolist()]
        for attribute in wanted:
            known = region_values[attribute]
            if not known:
                continue
            per_unique = np.array([known.get(p, np.nan) for p in prefixes], dtype=np.float64)
            column = values[attribute]
            missing = np.isnan(column)
            column[missing] = per_unique[inverse[missing]]
    return values


@dataclass
class ReportTally:
    """Integer counts of verified reports: one row per (place, category, severity, stage, day)."""

    desa_code: NDArray[np.str_]
    tps_id: NDArray[np.int64]  # -1: the report names no TPS
    category: NDArray[np.str_]
    severity: NDArray[np.int64]
    stage: NDArray[np.str_]
    day: NDArray[np.int64]  # days since 1970-01-01 (UTC) of occurred_at
    count: NDArray[np.int64]


def _epoch_day(session: Session) -> ColumnElement[int]:
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(Report.occurred_at) - EPOCH_JULIAN_DAY, Integer)
    return cast(func.floor(func.extract("epoch", Report.occurred_at) / 86400), Integer)


def load_report_tally(
    session: Session, profile: ProfileConfig, now: datetime, only: Scope | None = None
) -> ReportTally:
    categories = sorted({c for i in indicators_of(profile) if i.source == "reports" for c in i.categories})
    day = _epoch_day(session).label("day")
    stage = func.coalesce(Report.stage, "").label("stage")
    tps = func.coalesce(Report.tps_id, -1).label("tps")
    query = (
        select(Report.desa_code, tps, Report.category, Report.severity, stage, day, func.count())
        .where(
            _unindexed(Report.status, only).in_(profile.reports.statuses),
            _unindexed(Report.category, only).in_(categories),
            Report.occurred_at >= now - timedelta(days=profile.reports.horizon_days),
            Report.occurred_at <= now,
        )
        .group_by(Report.desa_code, tps, Report.category, Report.severity, stage, day)
        .order_by(Report.desa_code, tps, Report.category, Report.severity, stage, day)
    )
    if only is not None:
        query = query.where(only.clause(Report.desa_code))
    rows = session.execute(query).all() if categories else []
    return _tally(rows)


def _unindexed(
    column: InstrumentedAttribute[str], only: Scope | None
) -> ColumnElement[str] | InstrumentedAttribute[str]:
    """For a few places, hide ``column`` from the planner so it walks the (desa, time) index.

    With statistics showing most reports verified, SQLite otherwise chose the status index and read
    millions of rows to refresh one village (3 s instead of milliseconds, found by bench_risk).
    """
    return func.coalesce(column, "") if only is not None else column


def _tally(rows: Iterable[tuple[str, int, str, int, str, int, int]]) -> ReportTally:
    columns = list(zip(*rows, strict=True)) or [(), (), (), (), (), (), ()]
    return ReportTally(
        desa_code=np.array(columns[0], dtype="<U13"),
        tps_id=np.array(columns[1], dtype=np.int64),
        category=np.array(columns[2], dtype="<U40"),
        severity=np.array(columns[3], dtype=np.int64),
        stage=np.array(columns[4], dtype="<U40"),
        day=np.array(columns[5], dtype=np.int64),
        count=np.array(columns[6], dtype=np.int64),
    )
