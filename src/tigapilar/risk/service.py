"""Recomputing scores: fully (on demand, on a profile change) or for the places a report touched."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dt_time
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.core.scope import Scope
from tigapilar.elections.calendar import Calendar
from tigapilar.regions.codes import CODE_LENGTH
from tigapilar.risk.engine import Scored, aggregate, indicator_values, report_pressure, score_places
from tigapilar.risk.inputs import load_attributes, load_places, load_report_tally
from tigapilar.risk.profile import LEVELS, REGION_LEVEL, Leaf, ProfileConfig
from tigapilar.risk.store import has_snapshot, replace_scores, take_snapshot, update_scores
from tigapilar.storage.models import RiskScore


@dataclass(frozen=True)
class RecomputeResult:
    profile: str
    places: int  # scored at the unit level
    rows: int  # written, all levels
    seconds: float
    snapshot: bool  # a snapshot of the day was taken


def levels_above(profile: ProfileConfig) -> list[str]:
    """Region levels aggregated from the unit, nearest first (desa, kecamatan, ... provinsi)."""
    unit_rank = LEVELS.index(profile.unit)
    return [level for level in reversed(LEVELS[:unit_rank])]


def compute_unit(
    session: Session, profile: ProfileConfig, now: datetime, only: Scope | None = None
) -> tuple[Scored, list[Leaf]]:
    places = load_places(session, profile, only)
    attributes = load_attributes(session, profile, places)
    pressure = report_pressure(profile, places, load_report_tally(session, profile, now, only), now)
    found, values = indicator_values(profile, places, attributes, pressure)
    return score_places(profile, places, found, values), found


def scoring_time(profile: ProfileConfig, now: datetime, calendar: Calendar | None) -> datetime:
    """The moment scores are computed for: ``now``, but never after the profile's election has ended.

    An index belongs to one election; once its last stage is over, its TPS's vulnerability is what it
    was at the end (reports verified later about that election still count at that moment).
    """
    election = calendar.election(profile.election) if calendar is not None else None
    if election is None or calendar is None:
        return now
    last_day = max(stage.end for stage in election.stage)
    end = datetime.combine(last_day + timedelta(days=1), dt_time(), calendar.timezone) - timedelta(seconds=1)
    return min(now, end)


def recompute(
    session: Session,
    profile: ProfileConfig,
    now: datetime,
    timezone: str = "Asia/Makassar",
    calendar: Calendar | None = None,
) -> RecomputeResult:
    """Score every place of ``profile`` and every region above, replacing the stored scores."""
    started = time.perf_counter()
    now = scoring_time(profile, now, calendar)
    unit, found = compute_unit(session, profile, now)
    levels = [(unit, found)] + [(aggregate(profile, unit, level), found) for level in levels_above(profile)]
    rows = replace_scores(session, profile.code, levels, now)
    snapshot = _daily_snapshot(session, profile, now, timezone)
    return RecomputeResult(profile.code, len(unit.keys), rows, time.perf_counter() - started, snapshot)


def refresh(
    session: Session,
    profile: ProfileConfig,
    desa_codes: Iterable[str],
    now: datetime,
    timezone: str = "Asia/Makassar",
    calendar: Calendar | None = None,
) -> int:
    """Rescore only the places around ``desa_codes`` (after reports there were verified or changed).

    Unit places containing those desa are recomputed from the data; the regions above them are
    re-aggregated from their children's stored scores. Does nothing before a first full recompute.
    """
    now = scoring_time(profile, now, calendar)
    desa = sorted(set(desa_codes))
    if not desa or not _has_scores(session, profile):
        return 0
    if profile.unit == "tps":
        only = Scope.of(desa)
    else:
        length = CODE_LENGTH[REGION_LEVEL[profile.unit]]
        only = Scope.of(code[:length] for code in desa)
    unit, found = compute_unit(session, profile, now, only)
    written = update_scores(session, profile.code, [(unit, found)], now)
    below = unit
    for level in levels_above(profile):
        length = CODE_LENGTH[REGION_LEVEL[level]]
        parents = sorted({str(code)[:length] for code in unit.area.tolist()})
        if level == "desa":  # the desa's TPS were all just recomputed
            current = aggregate(profile, below, level)
        else:
            current = aggregate(
                profile, _stored_children(session, profile, parents, below.level, found), level
            )
        written += update_scores(session, profile.code, [(current, found)], now)
        below = current
    _daily_snapshot(session, profile, now, timezone)
    return written


def _stored_children(
    session: Session, profile: ProfileConfig, parents: Sequence[str], child_level: str, found: list[Leaf]
) -> Scored:
    """Every stored score of ``child_level`` inside ``parents``, as a Scored to aggregate from."""
    rows = session.scalars(
        select(RiskScore)
        .where(
            RiskScore.profile == profile.code,
            RiskScore.level == child_level,
            Scope.of(parents).clause(RiskScore.area_code),
        )
        .order_by(RiskScore.place)
    ).all()
    index = {leaf.indicator.code: j for j, leaf in enumerate(found)}
    contributions = np.zeros((len(rows), len(found)))
    for i, row in enumerate(rows):
        for code, points in json.loads(row.contributions).items():
            if code in index:
                contributions[i, index[code]] = points
    return Scored(
        level=child_level,
        keys=[r.place for r in rows],
        area=np.array([r.area_code for r in rows], dtype=np.str_),
        tps_id=None,
        contributions=contributions,
        score=np.array([r.score for r in rows]),
        worst=np.array([r.worst for r in rows]),
        dpt=np.array([float(r.dpt) for r in rows]),
        khusus=np.array([r.khusus for r in rows], dtype=bool),
        places=np.array([r.places for r in rows], dtype=np.int64),
        category=[r.category for r in rows],
    )


def _has_scores(session: Session, profile: ProfileConfig) -> bool:
    return (
        session.scalar(select(RiskScore.place).where(RiskScore.profile == profile.code).limit(1)) is not None
    )


def _daily_snapshot(session: Session, profile: ProfileConfig, now: datetime, timezone: str) -> bool:
    """Keep the first scores of each local day as that day's snapshot (the trend's data points)."""
    day = now.astimezone(ZoneInfo(timezone)).date()
    if has_snapshot(session, profile.code, day):
        return False
    take_snapshot(session, profile.code, day)
    return True
