"""Reading the index inside the caller's scope: ranked lists, one place's explanation and its history.

* A score row is visible iff the caller's scope covers its ``area_code`` (the region itself, or a
  TPS's desa); any other place answers 404 ``risk.not_found``, exactly like one never scored.
* Partners see report-fed profiles down to the kecamatan only, as they see the reports themselves: a
  TPS or desa score moved by a verified report would tell them where it was.
* "Change" is the score now minus the place's score in the latest snapshot of a local day before
  ``today``: the previous day's picture, not this morning's (a snapshot is taken at the first
  computation of every local day).
* Points add up to the score; shares are of the points' total, rounded to 0.01 % so they add up to
  exactly 100.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, select
from sqlalchemy.orm import Session, aliased

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Role
from tigapilar.core.errors import Invalid, NotFound
from tigapilar.core.pagination import Page, PageRequest
from tigapilar.core.scope import Scope
from tigapilar.regions.codes import level_of, validate_code
from tigapilar.risk.profile import (
    LEVELS,
    PROFILES_DIR,
    REGION_LEVEL,
    BandConfig,
    GroupConfig,
    Leaf,
    ProfileConfig,
    indicators_of,
    leaves,
    load_profile,
    shipped_profiles,
)
from tigapilar.storage.models import Region, RiskScore, RiskSnapshot, Tps

ORDERS = ("score", "worst")
TOP = 3  # indicators shown with each place of a list
STREAM_BATCH = 2000  # rows fetched at a time by exports (a server-side cursor on PostgreSQL)
# Below the kecamatan a report-fed score points at where reports were: not for partners.
PARTNER_HIDDEN_LEVELS = frozenset({"tps", "desa"})
_PROFILE_CODE = re.compile(r"^[a-z][a-z0-9-]{1,59}$")
_TPS_KEY = re.compile(r"^tps:([0-9]{1,18})$")
_TPS_UID = re.compile(r"^\d\d\.\d\d\.\d\d\.\d{4}-\d{1,4}$")


def place_not_found() -> NotFound:
    return NotFound(
        "risk.not_found",
        "No score for this place under this profile.",
        "Skor kerawanan untuk tempat ini tidak ditemukan.",
    )


# --- profiles --------------------------------------------------------------------------------------


def available_profiles(config_dir: Path | None = None) -> list[str]:
    """Codes of the shipped profiles and of those in ``<config dir>/profiles/``."""
    try:
        codes = set(shipped_profiles())
    except FileNotFoundError:  # an installation without shipped profiles
        codes = set()
    if config_dir is not None and (config_dir / PROFILES_DIR).is_dir():
        codes.update(p.stem for p in (config_dir / PROFILES_DIR).glob("*.toml"))
    return sorted(codes)


def get_profile(code: str, config_dir: Path | None = None) -> ProfileConfig:
    """The profile ``code``; 404 ``risk.unknown_profile`` when there is none (a broken file is a 500)."""
    known = available_profiles(config_dir)
    if not _PROFILE_CODE.match(code) or code not in known:
        listed = ", ".join(known) or "none installed"
        raise NotFound(
            "risk.unknown_profile",
            f"No vulnerability profile '{code}'; available: {listed}.",
            f"Profil kerawanan '{code}' tidak ada; yang tersedia: {listed}.",
        )
    return load_profile(code, config_dir)


def scored_levels(profile: ProfileConfig) -> list[str]:
    """The levels a profile has scores for, from the province down to its unit."""
    return list(LEVELS[: LEVELS.index(profile.unit) + 1])


@dataclass(frozen=True)
class ProfileSummary:
    profile: ProfileConfig
    levels: dict[str, tuple[BandConfig, ...]]
    live: bool  # kept up to date as reports are verified
    computed_at: datetime | None  # last time its scores changed; None: never computed


def profile_summaries(
    session: Session, config_dir: Path | None = None, live: Sequence[str] = ()
) -> list[ProfileSummary]:
    found: list[ProfileSummary] = []
    for code in available_profiles(config_dir):
        profile = load_profile(code, config_dir)
        # Every refresh re-aggregates up to the province: its few rows carry the latest time.
        computed_at = session.scalar(
            select(func.max(RiskScore.computed_at)).where(
                RiskScore.profile == code, RiskScore.level == "provinsi"
            )
        )
        levels = {level: profile.bands_for(level) for level in scored_levels(profile)}
        found.append(ProfileSummary(profile, levels, code in live, computed_at))
    return found


# --- views -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorShare:
    code: str
    label: str
    label_en: str
    points: float
    share: float  # % of the score


@dataclass(frozen=True)
class ScoreView:
    place: str  # region code, or tps:<id>
    level: str
    name: str  # region name, or "TPS 003 <desa>"
    area_code: str
    tps_id: int | None
    tps_uid: str | None
    score: float
    worst: float
    category: str
    category_label: str
    category_label_en: str
    khusus: bool
    dpt: int
    places: int
    change: float | None  # since ``change_since``'s snapshot; None: no earlier snapshot of the place
    change_since: date | None
    lat: float | None  # the TPS's position, or the region's centroid
    lng: float | None
    computed_at: datetime
    top: list[IndicatorShare] = field(default_factory=list)


@dataclass(frozen=True)
class PathStep:
    code: str
    label: str
    label_en: str


@dataclass(frozen=True)
class Contribution:
    code: str
    label: str
    label_en: str
    path: list[PathStep]  # dimension > ... > variable
    weight: float | None  # effective weight (points of the scale); None: no longer in the profile
    value: float | None  # 0..1 (for a region, the DPT-weighted mean of the places inside)
    points: float
    share: float


@dataclass(frozen=True)
class HistoryPoint:
    day: date
    score: float
    category: str


@dataclass(frozen=True)
class Explanation:
    profile: str
    view: ScoreView
    indicators: list[Contribution]
    history: list[HistoryPoint]


def shares(points: Sequence[float]) -> list[float]:
    """Percentages of the total, in hundredths, adding up to exactly 100 (largest remainder)."""
    total = sum(points)
    if total <= 0:
        return [0.0] * len(points)
    exact = [p * 10_000 / total for p in points]
    whole = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(points)), key=lambda i: (whole[i] - exact[i], i))
    for i in by_remainder[: 10_000 - sum(whole)]:
        whole[i] += 1
    return [w / 100 for w in whole]


class Legend:
    """A profile's labels: indicators by code (in profile order), groups by path, bands by level."""

    def __init__(self, profile: ProfileConfig) -> None:
        self.profile = profile
        self.leaves: dict[str, Leaf] = {leaf.indicator.code: leaf for leaf in leaves(profile)}
        self.rank = {code: i for i, code in enumerate(self.leaves)}
        self.groups: dict[tuple[str, ...], GroupConfig] = {}
        self._walk(profile.group, ())

    def _walk(self, groups: tuple[GroupConfig, ...], path: tuple[str, ...]) -> None:
        for group in groups:
            self.groups[(*path, group.code)] = group
            self._walk(group.group, (*path, group.code))

    def band(self, level: str, code: str) -> tuple[str, str]:
        for band in self.profile.bands_for(level):
            if band.code == code:
                return band.label, band.label_en
        return code, code  # a band renamed since the scores were computed

    def ranked(self, contributions: str) -> list[tuple[str, float, float]]:
        """(code, points, share) of every contributing indicator, most points first."""
        points: dict[str, float] = json.loads(contributions)
        codes = sorted(points, key=lambda c: (-points[c], self.rank.get(c, len(self.rank)), c))
        return list(zip(codes, (points[c] for c in codes), shares([points[c] for c in codes]), strict=True))

    def labels(self, code: str) -> tuple[str, str]:
        leaf = self.leaves.get(code)
        return (leaf.indicator.label, leaf.indicator.label_en) if leaf else (code, code)

    def path(self, code: str) -> list[PathStep]:
        leaf = self.leaves.get(code)
        if leaf is None:
            return []
        steps = [self.groups[leaf.path[: i + 1]] for i in range(len(leaf.path))]
        return [PathStep(g.code, g.label, g.label_en) for g in steps]


# --- selecting scores ------------------------------------------------------------------------------


def _invalid_level(profile: ProfileConfig, level: str) -> Invalid:
    levels = ", ".join(scored_levels(profile))
    return Invalid(
        "risk.bad_level",
        f"Profile '{profile.code}' has no level '{level}'; use one of {levels}.",
        f"Profil '{profile.code}' tidak punya tingkat '{level}'; gunakan salah satu: {levels}.",
    )


def check_level(principal: Principal, profile: ProfileConfig, level: str) -> str:
    if level not in scored_levels(profile):
        raise _invalid_level(profile, level)
    reports_fed = any(i.source == "reports" for i in indicators_of(profile))
    if principal.role is Role.PARTNER and reports_fed and level in PARTNER_HIDDEN_LEVELS:
        raise Invalid(
            "risk.level_too_fine",
            "Partners see scores fed by field reports down to the kecamatan, not the desa or TPS.",
            "Mitra dapat melihat skor yang memakai laporan lapangan sampai tingkat kecamatan.",
        )
    return level


@dataclass(frozen=True)
class ScoreQuery:
    """A checked, scoped selection of scores, built before anything is read.

    Exports build it before their stream starts, so that bad input is a 4xx and not a broken file.
    """

    profile: ProfileConfig
    level: str
    conditions: tuple[ColumnElement[bool], ...]
    order: str
    today: date
    polygons: bool = False

    def statement(self) -> Select[Any]:
        previous = aliased(RiskSnapshot)
        # The day of the snapshot "change" is measured from: one lookup on the snapshot's primary key.
        baseline = (
            select(func.max(RiskSnapshot.day))
            .where(RiskSnapshot.profile == self.profile.code, RiskSnapshot.day < self.today)
            .correlate(None)
            .scalar_subquery()
        )
        columns: list[Any] = [
            RiskScore.place,
            RiskScore.level,
            RiskScore.area_code,
            RiskScore.tps_id,
            RiskScore.score,
            RiskScore.worst,
            RiskScore.category,
            RiskScore.khusus,
            RiskScore.dpt,
            RiskScore.places,
            RiskScore.contributions,
            RiskScore.computed_at,
            Tps.uid,
            Tps.number,
            # A TPS without its own position has none: its desa's centroid would misplace it.
            case((RiskScore.tps_id.is_(None), Region.lat), else_=Tps.lat).label("lat"),
            case((RiskScore.tps_id.is_(None), Region.lng), else_=Tps.lng).label("lng"),
            Region.name.label("region_name"),
            previous.day.label("previous_day"),
            previous.score.label("previous_score"),
        ]
        if self.polygons:
            columns.append(Region.geometry.label("polygon"))
        statement = (
            select(*columns)
            .outerjoin(Tps, Tps.id == RiskScore.tps_id)
            .outerjoin(Region, Region.code == RiskScore.area_code)
            .outerjoin(
                previous,
                and_(
                    previous.profile == RiskScore.profile,
                    previous.day == baseline,
                    previous.level == RiskScore.level,
                    previous.place == RiskScore.place,
                ),
            )
            .where(*self.conditions)
        )
        # A unit's worst is its own score: ordering by score keeps the (profile, level, score) index.
        if self.order == "worst" and self.level != self.profile.unit:
            return statement.order_by(RiskScore.worst.desc(), RiskScore.score.desc(), RiskScore.place)
        return statement.order_by(RiskScore.score.desc(), RiskScore.place)

    def count(self) -> Select[int]:
        return select(func.count()).select_from(RiskScore).where(*self.conditions)


def select_scores(
    principal: Principal,
    profile: ProfileConfig,
    level: str,
    *,
    today: date,
    area: str | None = None,
    category: str | None = None,
    khusus: bool | None = None,
    order: str = "score",
) -> ScoreQuery:
    """The caller's scores of ``profile`` at ``level``, optionally inside ``area``, highest first."""
    check_level(principal, profile, level)
    if order not in ORDERS:
        raise Invalid(
            "risk.bad_order",
            f"Unknown order '{order}'; use score or worst.",
            f"Urutan '{order}' tidak dikenal; gunakan score atau worst.",
        )
    conditions = [
        RiskScore.profile == profile.code,
        RiskScore.level == level,
        principal.scope.clause(RiskScore.area_code),
    ]
    if area:
        conditions.append(Scope.of([validate_code(area)]).clause(RiskScore.area_code))
    if category:
        bands = [b.code for b in profile.bands_for(level)]
        if category not in bands:
            raise Invalid(
                "risk.bad_category",
                f"Unknown category '{category}' at level {level}; use one of {', '.join(bands)}.",
                f"Kategori '{category}' tidak dikenal; gunakan salah satu: {', '.join(bands)}.",
            )
        conditions.append(RiskScore.category == category)
    if khusus is not None:
        conditions.append(RiskScore.khusus == khusus)
    return ScoreQuery(profile, level, tuple(conditions), order, today)


def with_polygons(query: ScoreQuery) -> ScoreQuery:
    """The same selection with each region's boundary polygon (for maps of regions)."""
    if query.level == "tps":
        raise Invalid(
            "risk.polygon_needs_region",
            "Polygons exist for regions only; export TPS as points.",
            "Poligon hanya ada untuk wilayah; ekspor TPS sebagai titik.",
        )
    return replace(query, polygons=True)


def score_view(legend: Legend, row: Row[Any]) -> ScoreView:
    """The view of one row of :meth:`ScoreQuery.statement`."""
    label, label_en = legend.band(row.level, row.category)
    if row.tps_id is not None and row.number is not None:
        name = f"TPS {row.number:03d} {row.region_name or row.area_code}"
    else:
        name = row.region_name or row.place
    top = [
        IndicatorShare(code, *legend.labels(code), points, share)
        for code, points, share in legend.ranked(row.contributions)[:TOP]
    ]
    previous = row.previous_score
    return ScoreView(
        place=row.place,
        level=row.level,
        name=name,
        area_code=row.area_code,
        tps_id=row.tps_id,
        tps_uid=row.uid,
        score=row.score,
        worst=row.worst,
        category=row.category,
        category_label=label,
        category_label_en=label_en,
        khusus=row.khusus,
        dpt=row.dpt,
        places=row.places,
        change=round(row.score - previous, 4) if previous is not None else None,
        change_since=row.previous_day,
        lat=row.lat,
        lng=row.lng,
        computed_at=row.computed_at,
        top=top,
    )


def ranked(
    session: Session,
    principal: Principal,
    profile: ProfileConfig,
    level: str,
    *,
    today: date,
    area: str | None = None,
    category: str | None = None,
    khusus: bool | None = None,
    order: str = "score",
    page: PageRequest | None = None,
) -> Page[ScoreView]:
    """One page of the caller's places at ``level``, most vulnerable first ("20 worst TPS in 64.02")."""
    query = select_scores(
        principal, profile, level, today=today, area=area, category=category, khusus=khusus, order=order
    )
    return ranked_page(session, query, page or PageRequest())


def ranked_page(session: Session, query: ScoreQuery, page: PageRequest) -> Page[ScoreView]:
    legend = Legend(query.profile)
    rows = session.execute(query.statement().limit(page.limit).offset(page.offset))
    items = [score_view(legend, row) for row in rows]
    total = session.scalar(query.count()) or 0
    return Page(items, total, page.limit, page.offset)


def stream_scores(session: Session, query: ScoreQuery) -> Iterator[tuple[ScoreView, str | None]]:
    """Every score of ``query`` in order, with the region's GeoJSON polygon text when asked for.

    Rows are fetched in batches (a server-side cursor on PostgreSQL), so memory stays flat for a
    national export.
    """
    legend = Legend(query.profile)
    result = session.execute(query.statement().execution_options(yield_per=STREAM_BATCH))
    for row in result:
        yield score_view(legend, row), (row.polygon if query.polygons else None)


# --- one place -------------------------------------------------------------------------------------


def place_key(session: Session, principal: Principal, profile: ProfileConfig, level: str, place: str) -> str:
    """The stored key of ``place``: a region code of ``level``, ``tps:<id>``, or a TPS uid of the
    profile's election."""
    place = place.strip()
    if level == "tps":
        found = _TPS_KEY.match(place)
        if found:
            return f"tps:{int(found.group(1))}"
        if _TPS_UID.match(place):
            tps_id = session.scalar(
                select(Tps.id).where(
                    Tps.election == profile.election, Tps.uid == place, principal.scope.clause(Tps.desa_code)
                )
            )
            if tps_id is None:
                raise place_not_found()
            return f"tps:{tps_id}"
        raise Invalid(
            "risk.bad_place",
            f"'{place}' names no TPS; use tps:<id> or a TPS uid such as 64.71.01.1001-003.",
            f"'{place}' bukan TPS; gunakan tps:<id> atau kode TPS seperti 64.71.01.1001-003.",
        )
    code = validate_code(place)
    if level_of(code) != REGION_LEVEL[level]:
        raise Invalid(
            "risk.bad_place",
            f"'{code}' is not a {level} code.",
            f"'{code}' bukan kode tingkat {level}.",
        )
    return code


def level_of_place(place: str) -> str:
    """The level a place key or TPS uid names (for callers that do not say)."""
    place = place.strip()
    if _TPS_KEY.match(place) or _TPS_UID.match(place):
        return "tps"
    code = validate_code(place)
    return {rank: level for level, rank in REGION_LEVEL.items()}[level_of(code)]


def explain(
    session: Session, principal: Principal, profile: ProfileConfig, level: str, place: str, *, today: date
) -> Explanation:
    """A place's score with every contributing indicator, most points first, and its history."""
    check_level(principal, profile, level)
    key = place_key(session, principal, profile, level, place)
    query = select_scores(principal, profile, level, today=today)
    row = session.execute(query.statement().where(RiskScore.place == key)).first()
    if row is None:
        raise place_not_found()
    legend = Legend(profile)
    view = score_view(legend, row)
    indicators = []
    for code, points, share in legend.ranked(row.contributions):
        leaf = legend.leaves.get(code)
        weight = leaf.weight if leaf else None
        indicators.append(
            Contribution(
                code,
                *legend.labels(code),
                path=legend.path(code),
                weight=weight,
                value=min(round(points / weight, 4), 1.0) if weight else None,
                points=points,
                share=share,
            )
        )
    return Explanation(profile.code, view, indicators, _history(session, profile, level, key))


def history(
    session: Session, principal: Principal, profile: ProfileConfig, level: str, place: str
) -> list[HistoryPoint]:
    """The daily snapshots of a place the caller may see, oldest first."""
    check_level(principal, profile, level)
    key = place_key(session, principal, profile, level, place)
    visible = session.scalar(
        select(RiskScore.place).where(
            RiskScore.profile == profile.code,
            RiskScore.level == level,
            RiskScore.place == key,
            principal.scope.clause(RiskScore.area_code),
        )
    )
    if visible is None:
        raise place_not_found()
    return _history(session, profile, level, key)


def _history(session: Session, profile: ProfileConfig, level: str, key: str) -> list[HistoryPoint]:
    rows = session.execute(
        select(RiskSnapshot.day, RiskSnapshot.score, RiskSnapshot.category)
        .where(RiskSnapshot.profile == profile.code, RiskSnapshot.level == level, RiskSnapshot.place == key)
        .order_by(RiskSnapshot.day)
    )
    return [HistoryPoint(day, score, category) for day, score, category in rows]
