"""API: the vulnerability index (kerawanan). Profiles, ranked scores, one place explained, exports.

Scores are read inside the caller's scope: a place outside it answers 404 ``risk.not_found`` like a
place never scored. Partners see profiles fed by field reports down to the kecamatan only
(422 ``risk.level_too_fine`` below). Errors: 404 ``risk.unknown_profile``, ``risk.not_found``; 422
``risk.bad_level``, ``risk.bad_order``, ``risk.bad_category``, ``risk.bad_place``,
``risk.polygon_needs_region``, ``region.invalid_code``; 403 ``auth.forbidden`` (recompute).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from tigapilar.accounts.roles import Permission
from tigapilar.core.errors import Forbidden
from tigapilar.core.exports import MEDIA_TYPES, disposition, filename
from tigapilar.core.settings import Settings
from tigapilar.risk import views
from tigapilar.risk.export import csv_chunks, geojson_chunks, xlsx_chunks
from tigapilar.risk.profile import ProfileConfig
from tigapilar.risk.service import recompute, scoring_time
from tigapilar.storage.db import Database
from tigapilar.web.api.paging import PageOut
from tigapilar.web.deps import Caller, DbSession, Now, Paging, get_database, get_intake, get_settings

router = APIRouter()
Format = Literal["csv", "geojson", "xlsx"]

ProfileQuery = Annotated[str, Query(max_length=60, description="A profile code, e.g. tps-rawan-2024.")]
LevelQuery = Annotated[
    str | None,
    Query(max_length=10, description="tps | desa | kecamatan | kabkota | provinsi (default: the unit)."),
]
AreaQuery = Annotated[str | None, Query(max_length=20, description="Only places inside this region code.")]
CategoryQuery = Annotated[str | None, Query(max_length=40, description="A band code, e.g. sangat_rawan.")]
KhususQuery = Annotated[bool | None, Query(description="Only places with (true) or without special TPS.")]
OrderQuery = Annotated[
    str, Query(max_length=10, description="score (default), or worst: the highest place inside first.")
]


class BandOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    label: str
    label_en: str
    min: float = Field(description="Scores from here (inclusive) up to the next band's min.")


class LevelOut(BaseModel):
    level: str
    bands: list[BandOut]


class ProfileOut(BaseModel):
    code: str
    name: str
    name_en: str
    description: str
    unit: str = Field(description="The level scored from indicators; levels above are aggregated.")
    election: str
    scale: float
    indicators: int
    levels: list[LevelOut]
    live: bool = Field(description="Kept up to date as reports are verified.")
    computed_at: datetime | None = Field(description="When its scores last changed; null: never computed.")

    @classmethod
    def of(cls, summary: views.ProfileSummary) -> ProfileOut:
        p = summary.profile
        return cls(
            code=p.code,
            name=p.name,
            name_en=p.name_en,
            description=p.description,
            unit=p.unit,
            election=p.election,
            scale=p.scale,
            indicators=len(views.Legend(p).leaves),
            levels=[
                LevelOut(level=level, bands=[BandOut.model_validate(b) for b in bands])
                for level, bands in summary.levels.items()
            ],
            live=summary.live,
            computed_at=summary.computed_at,
        )


class ShareOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    label: str
    label_en: str
    points: float
    share: float = Field(description="% of the score.")


class ScoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    place: str = Field(description="A region code, or tps:<id>.")
    level: str
    name: str
    area_code: str = Field(description="The region itself, or a TPS's desa.")
    tps_id: int | None
    tps_uid: str | None
    score: float
    worst: float = Field(description="The highest score of a place inside (the score itself for a unit).")
    category: str
    category_label: str
    category_label_en: str
    khusus: bool = Field(description="A special-location TPS (or a region with one).")
    dpt: int
    places: int = Field(description="Places scored from indicators inside (1 for a unit).")
    change: float | None = Field(
        description="Score now minus the score on change_since; null: no earlier one."
    )
    change_since: date | None = Field(description="The latest snapshot day before today (local time).")
    lat: float | None
    lng: float | None
    computed_at: datetime
    top: list[ShareOut] = Field(description="The three indicators with the most points.")


class ScorePage(PageOut[ScoreOut]):
    pass


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    label: str
    label_en: str


class ContributionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    label: str
    label_en: str
    path: list[StepOut] = Field(description="Dimension > ... > variable.")
    weight: float | None = Field(description="Effective weight: the most points the indicator can give.")
    value: float | None = Field(description="0..1: points / weight.")
    points: float
    share: float = Field(description="% of the score; the shares add up to 100.")


class HistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    score: float
    category: str


class ExplanationOut(ScoreOut):
    profile: str
    indicators: list[ContributionOut] = Field(description="Every contributing indicator, most points first.")
    history: list[HistoryOut] = Field(description="Daily snapshots, oldest first.")


class RecomputeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    profile: str
    places: int
    rows: int
    seconds: float
    snapshot: bool


def _today(request: Request, now: datetime, profile: ProfileConfig) -> date:
    """The local day "change" is measured up to: today, or the last day of a finished election."""
    moment = scoring_time(profile, now, get_intake(request).calendar)
    return moment.astimezone(ZoneInfo(get_settings(request).timezone)).date()


def _profile(request: Request, profile: ProfileQuery) -> ProfileConfig:
    return views.get_profile(profile, get_settings(request).config_dir)


Profile = Annotated[ProfileConfig, Depends(_profile)]


def score_query(
    request: Request,
    caller: Caller,
    now: Now,
    profile: Profile,
    level: LevelQuery = None,
    area: AreaQuery = None,
    category: CategoryQuery = None,
    khusus: KhususQuery = None,
    order: OrderQuery = "score",
) -> views.ScoreQuery:
    return views.select_scores(
        caller,
        profile,
        level or profile.unit,
        today=_today(request, now, profile),
        area=area,
        category=category,
        khusus=khusus,
        order=order,
    )


Scores = Annotated[views.ScoreQuery, Depends(score_query)]


@router.get("/risk/profiles", response_model=list[ProfileOut])
def risk_profiles(request: Request, caller: Caller, session: DbSession) -> list[ProfileOut]:
    """The vulnerability profiles installed: levels, categories (bands) and when they were computed."""
    settings = get_settings(request)
    summaries = views.profile_summaries(session, settings.config_dir, settings.risk_profiles)
    return [ProfileOut.of(s) for s in summaries]


@router.get("/risk/scores", response_model=ScorePage)
def risk_scores(session: DbSession, paging: Paging, scores: Scores) -> ScorePage:
    """Places at one level, most vulnerable first, e.g. the 20 worst TPS of Kutai Kartanegara:
    ``?profile=tps-rawan-2024&level=tps&area=64.02&limit=20``."""
    page = views.ranked_page(session, scores, paging)
    return ScorePage.of(page, ScoreOut.model_validate)


@router.get("/risk/places/{level}/{place}", response_model=ExplanationOut)
def risk_place(
    request: Request,
    caller: Caller,
    session: DbSession,
    now: Now,
    profile: Profile,
    level: Annotated[str, Path(max_length=10)],
    place: Annotated[str, Path(max_length=40, description="A region code, tps:<id> or a TPS uid.")],
) -> ExplanationOut:
    """A place's score explained: every indicator's points and share, and its daily history."""
    found = views.explain(session, caller, profile, level, place, today=_today(request, now, profile))
    return ExplanationOut(
        **ScoreOut.model_validate(found.view).model_dump(),
        profile=found.profile,
        indicators=[ContributionOut.model_validate(c) for c in found.indicators],
        history=[HistoryOut.model_validate(h) for h in found.history],
    )


def _stream(
    database: Database, query: views.ScoreQuery, render: Format, settings: Settings
) -> Iterator[str | bytes]:
    """The export in its own session: the request's is released before the first byte is sent."""
    with database.session() as session:
        rows = views.stream_scores(session, query)
        if render == "csv":
            yield from csv_chunks(rows, settings.timezone)
        elif render == "xlsx":
            yield from xlsx_chunks(rows, settings.data_dir / "tmp", settings.timezone)
        else:
            yield from geojson_chunks(rows, query.profile.code, query.level, query.polygons)


def _export(
    request: Request, session: DbSession, now: datetime, query: views.ScoreQuery, render: Format
) -> StreamingResponse:
    session.close()  # nothing more to read in it; do not hold its connection for the whole download
    settings = get_settings(request)
    area = (request.query_params.get("area") or "").strip() or "semua"  # checked by select_scores
    day = now.astimezone(ZoneInfo(settings.timezone)).date()
    name = filename(f"kerawanan-{query.profile.code}-{query.level}", area, day, render)
    return StreamingResponse(
        _stream(get_database(request), query, render, settings),
        media_type=MEDIA_TYPES[render],
        headers=disposition(name),
    )


@router.get(
    "/risk/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV, UTF-8 with a byte-order mark"}},
)
def risk_export_csv(request: Request, session: DbSession, now: Now, scores: Scores) -> StreamingResponse:
    """All places matching the filters of /risk/scores, as CSV with Indonesian column names."""
    return _export(request, session, now, scores, "csv")


@router.get(
    "/risk/export.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: {}}, "description": "An Excel workbook"}},
)
def risk_export_xlsx(request: Request, session: DbSession, now: Now, scores: Scores) -> StreamingResponse:
    """All places matching the filters of /risk/scores, as an Excel workbook (numbers as numbers)."""
    return _export(request, session, now, scores, "xlsx")


@router.get(
    "/risk/export.geojson",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/geo+json": {}}, "description": "A FeatureCollection"}},
)
def risk_export_geojson(
    request: Request,
    session: DbSession,
    now: Now,
    scores: Scores,
    geometry: Annotated[
        Literal["point", "polygon"],
        Query(description="point: TPS positions and region centroids; polygon: region boundaries."),
    ] = "point",
) -> StreamingResponse:
    """All places matching the filters of /risk/scores, as GeoJSON features."""
    return _export(
        request, session, now, views.with_polygons(scores) if geometry == "polygon" else scores, "geojson"
    )


@router.post("/risk/recompute", response_model=RecomputeOut)
def risk_recompute(
    request: Request, caller: Caller, session: DbSession, now: Now, profile: Profile
) -> RecomputeOut:
    """Recompute every score of a profile (national administrators). Takes seconds for a province.

    After the profile's election has ended, scores are computed as at its last moment."""
    caller.require(Permission.IMPORT_DATA)
    if not caller.scope.national:
        raise Forbidden(
            "Recomputing the index changes every area's scores: national administrators only.",
            "Menghitung ulang indeks mengubah skor semua wilayah: hanya administrator nasional.",
        )
    result = recompute(session, profile, now, get_settings(request).timezone, get_intake(request).calendar)
    return RecomputeOut.model_validate(result)
