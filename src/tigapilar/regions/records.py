"""What region queries return: plain frozen dataclasses, independent of the ORM and of the web layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tigapilar.storage.models import Region


@dataclass(frozen=True)
class Crumb:
    """An ancestor shown for navigation only: its code and name, nothing else."""

    code: str
    name: str


@dataclass(frozen=True)
class RegionSummary:
    code: str
    parent_code: str | None
    level: int
    kind: str
    name: str
    postal_code: str | None
    lat: float | None
    lng: float | None
    centroid_source: str | None

    @classmethod
    def of(cls, region: Region) -> RegionSummary:
        return cls(
            code=region.code,
            parent_code=region.parent_code,
            level=region.level,
            kind=region.kind,
            name=region.name,
            postal_code=region.postal_code,
            lat=region.lat,
            lng=region.lng,
            centroid_source=region.centroid_source,
        )


@dataclass(frozen=True)
class RegionDetail:
    region: RegionSummary
    # Ancestors, province first.
    path: list[Crumb]
    children: int
    area_km2: float | None
    population: int | None
    population_male: int | None
    population_female: int | None
    # (min_lat, min_lng, max_lat, max_lng) when a polygon was imported.
    bbox: tuple[float, float, float, float] | None
    has_geometry: bool
    # GeoJSON ([lng, lat]); only when asked for.
    geometry: dict[str, Any] | None = None


@dataclass(frozen=True)
class SearchHit:
    region: RegionSummary
    path: list[Crumb]


@dataclass
class RegionNode:
    region: RegionSummary
    children: list[RegionNode] = field(default_factory=list)


@dataclass(frozen=True)
class LevelCount:
    level: int
    regions: int
    with_centroid: int
    with_geometry: int
    with_area: int
    with_population: int
