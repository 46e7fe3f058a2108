"""API: the map's layers (GeoJSON), read by ``/peta``. Logic in :mod:`tigapilar.maps.layers`.

Everything is read inside the caller's scope; a parent or desa outside it answers 404
``map.region_not_found`` like an unknown one. Partners get kab/kota and kecamatan only (422
``map.level_too_fine``). Errors: 404 ``risk.unknown_profile``; 422 ``map.bad_level``,
``map.bad_parent``, ``map.bad_desa``, ``map.bad_dates``, ``map.too_many``, ``report.bad_status``,
``region.invalid_code``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from tigapilar.maps import layers
from tigapilar.risk import views
from tigapilar.risk.profile import ProfileConfig
from tigapilar.web.deps import Caller, DbSession, Now, get_settings

router = APIRouter(prefix="/map")

ProfileQuery = Annotated[
    str, Query(max_length=60, description="A profile code (default: the first live one).")
]
LevelQuery = Annotated[str, Query(max_length=10, description="kabkota | kecamatan | desa.")]
ParentQuery = Annotated[
    str | None, Query(max_length=20, description="Only regions inside this one (a region above the level).")
]


def map_filter(
    request: Request,
    date_from: Annotated[date | None, Query(description="Local (WITA) day, inclusive.")] = None,
    date_to: Annotated[date | None, Query(description="Local (WITA) day, inclusive.")] = None,
    category: Annotated[str | None, Query(max_length=40, description="A report category.")] = None,
    min_severity: Annotated[int | None, Query(ge=1, le=9)] = None,
    status: Annotated[str | None, Query(max_length=20, description="A report status.")] = None,
    stage: Annotated[str | None, Query(max_length=40, description="An election stage code.")] = None,
) -> layers.MapFilter:
    return layers.MapFilter.of_days(
        date_from,
        date_to,
        get_settings(request).timezone,
        category=category,
        min_severity=min_severity,
        status=status,
        stage=stage,
    )


Filters = Annotated[layers.MapFilter, Depends(map_filter)]


def _profile(request: Request, profile: ProfileQuery = "") -> ProfileConfig:
    settings = get_settings(request)
    # Default: the first profile the installation keeps live.
    chosen = profile or next(iter(settings.risk_profiles), "tps-rawan-2024")
    return views.get_profile(chosen, settings.config_dir)


Profile = Annotated[ProfileConfig, Depends(_profile)]


class FeatureOut(BaseModel):
    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any] | None = Field(description="Polygon/MultiPolygon, a Point, or null.")
    properties: dict[str, Any]


class BandOut(BaseModel):
    code: str
    label: str
    label_en: str
    min: float


class RegionsOut(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    level: str
    parent: str | None
    profile: str
    bands: list[BandOut] = Field(description="The profile's categories at this level, lowest first.")
    features: list[FeatureOut]


class CollectionOut(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[FeatureOut]


class ReportCountOut(BaseModel):
    code: str
    name: str
    count: int
    lat: float | None
    lng: float | None
    demo_position: bool


class ReportPointOut(BaseModel):
    id: int
    lat: float
    lng: float
    category: str
    severity: int
    status: str
    occurred_at: datetime


class ReportCountsOut(BaseModel):
    level: str
    parent: str | None
    total: int
    regions: list[ReportCountOut] = Field(description="Regions with at least one report, by code.")
    points: list[ReportPointOut] | None = Field(
        description=f"With desa=: its reports' positions when at most {layers.MAX_POINTS}; else null."
    )


def _point(lat: float | None, lng: float | None) -> dict[str, Any] | None:
    return {"type": "Point", "coordinates": [lng, lat]} if lat is not None and lng is not None else None


@router.get("/regions", response_model=RegionsOut)
def map_regions(
    caller: Caller,
    session: DbSession,
    profile: Profile,
    filters: Filters,
    level: LevelQuery = "kabkota",
    parent: ParentQuery = None,
) -> RegionsOut:
    """The regions at one level in the caller's area (under ``parent``), each with its score and
    category under the profile and its counts of reports and open alerts matching the filters.
    Geometry: the imported boundary, else the centroid (``demo_position``: generated, not real)."""
    layer = layers.region_layer(session, caller, profile, level, filters, parent)
    features = []
    for r in layer.features:
        properties = {
            "code": r.code,
            "name": r.name,
            "score": r.score,
            "worst": r.worst,
            "category": r.category,
            "category_label": r.category_label,
            "category_label_en": r.category_label_en,
            "reports": r.reports,
            "alerts": r.alerts,
            "lat": r.lat,
            "lng": r.lng,
            "demo_position": r.demo_position and r.geometry is None,
        }
        features.append(FeatureOut(geometry=r.geometry or _point(r.lat, r.lng), properties=properties))
    bands = [
        BandOut(code=b.code, label=b.label, label_en=b.label_en, min=b.min) for b in profile.bands_for(level)
    ]
    return RegionsOut(
        level=layer.level, parent=layer.parent, profile=layer.profile, bands=bands, features=features
    )


@router.get("/tps", response_model=CollectionOut)
def map_tps(
    caller: Caller, session: DbSession, profile: Profile, desa: Annotated[str, Query(max_length=20)]
) -> CollectionOut:
    """The TPS of one desa (of the profile's election) as points with their scores; a TPS without a
    surveyed position has a null geometry."""
    features = [
        FeatureOut(
            geometry=_point(t.lat, t.lng),
            properties={
                "id": t.id,
                "uid": t.uid,
                "number": t.number,
                "name": t.name,
                "score": t.score,
                "category": t.category,
                "category_label": t.category_label,
                "category_label_en": t.category_label_en,
            },
        )
        for t in layers.tps_layer(session, caller, profile, desa)
    ]
    return CollectionOut(features=features)


@router.get("/reports", response_model=ReportCountsOut)
def map_reports(
    caller: Caller,
    session: DbSession,
    filters: Filters,
    level: LevelQuery = "kabkota",
    parent: ParentQuery = None,
    desa: Annotated[
        str | None, Query(max_length=20, description="One desa: its count and, when few, its report points.")
    ] = None,
) -> ReportCountsOut:
    """Reports matching the filters, counted per region at ``level`` on the server (never every point)."""
    layer = layers.report_layer(session, caller, level, filters, parent, desa)
    return ReportCountsOut(
        level=layer.level,
        parent=layer.parent,
        total=layer.total,
        regions=[ReportCountOut.model_validate(r, from_attributes=True) for r in layer.regions],
        points=None
        if layer.points is None
        else [ReportPointOut.model_validate(p, from_attributes=True) for p in layer.points],
    )


@router.get("/alerts", response_model=CollectionOut)
def map_alerts(
    caller: Caller,
    session: DbSession,
    now: Now,
    filters: Filters,
    area: Annotated[str | None, Query(max_length=20, description="Only alerts about places in it.")] = None,
) -> CollectionOut:
    """Open alerts matching the filters as points at their area's centroid, most severe first."""
    features = [
        FeatureOut(
            geometry=_point(a.lat, a.lng),
            properties={
                "id": a.id,
                "severity": a.severity,
                "status": a.status,
                "title": a.title,
                "title_en": a.title_en,
                "area_code": a.area_code,
                "area_name": a.area_name,
                "created_at": a.created_at.isoformat(),
                "overdue": a.overdue,
                "demo_position": a.demo_position,
                "link": f"/peringatan/{a.id}",
            },
        )
        for a in layers.alert_layer(session, caller, filters, now, area)
    ]
    return CollectionOut(features=features)
