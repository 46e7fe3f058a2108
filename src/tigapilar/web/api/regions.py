"""API: regions (read-only). Every answer is limited to the caller's area scope.

A region outside the caller's area answers exactly like one that does not exist (404
``region.not_found``); a malformed or BPS-style code answers 422 ``region.invalid_code``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tigapilar.regions.records import Crumb, LevelCount, RegionDetail, RegionNode, RegionSummary, SearchHit
from tigapilar.regions.service import (
    MAX_TREE_DEPTH,
    get_region,
    level_counts,
    list_children,
    region_tree,
    search_regions,
)
from tigapilar.web.api.paging import PageOut
from tigapilar.web.deps import Caller, DbSession, Paging

router = APIRouter()

CODE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such region in your area (`region.not_found`)."},
    422: {"description": "Not a dotted Kemendagri code, e.g. a BPS code (`region.invalid_code`)."},
}


class CrumbOut(BaseModel):
    """An ancestor, for navigation: code and name only."""

    code: str
    name: str

    @classmethod
    def of(cls, crumb: Crumb) -> CrumbOut:
        return cls(code=crumb.code, name=crumb.name)


class RegionOut(BaseModel):
    code: str = Field(description="Dotted Kemendagri code, e.g. 64.72.01.1001.")
    parent_code: str | None
    level: int = Field(description="1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan.")
    kind: str = Field(
        description="provinsi, kabupaten, kota, kecamatan, distrik, desa, kelurahan or desa_adat."
    )
    name: str
    postal_code: str | None
    lat: float | None
    lng: float | None
    centroid_source: str | None = Field(description="'import' (a boundary file) or 'demo' (generated).")

    @classmethod
    def fields_of(cls, region: RegionSummary) -> dict[str, Any]:
        return {
            "code": region.code,
            "parent_code": region.parent_code,
            "level": region.level,
            "kind": region.kind,
            "name": region.name,
            "postal_code": region.postal_code,
            "lat": region.lat,
            "lng": region.lng,
            "centroid_source": region.centroid_source,
        }

    @classmethod
    def of(cls, region: RegionSummary) -> RegionOut:
        return cls(**cls.fields_of(region))


class BoundingBox(BaseModel):
    min_lat: float
    min_lng: float
    max_lat: float
    max_lng: float


class RegionDetailOut(RegionOut):
    path: list[CrumbOut] = Field(description="Ancestors, province first.")
    children: int = Field(description="How many regions lie directly under this one.")
    area_km2: float | None
    population: int | None
    population_male: int | None
    population_female: int | None
    bbox: BoundingBox | None
    has_geometry: bool
    geometry: dict[str, Any] | None = Field(
        default=None, description="GeoJSON Polygon/MultiPolygon ([lng, lat]); only with ?geometry=true."
    )

    @classmethod
    def from_detail(cls, detail: RegionDetail) -> RegionDetailOut:
        bbox = None
        if detail.bbox is not None:
            south, west, north, east = detail.bbox
            bbox = BoundingBox(min_lat=south, min_lng=west, max_lat=north, max_lng=east)
        return cls(
            **cls.fields_of(detail.region),
            path=[CrumbOut.of(c) for c in detail.path],
            children=detail.children,
            area_km2=detail.area_km2,
            population=detail.population,
            population_male=detail.population_male,
            population_female=detail.population_female,
            bbox=bbox,
            has_geometry=detail.has_geometry,
            geometry=detail.geometry,
        )


class RegionPage(PageOut[RegionOut]):
    pass


class SearchHitOut(RegionOut):
    path: list[CrumbOut] = Field(description="Ancestors, province first, to tell same-named places apart.")

    @classmethod
    def from_hit(cls, hit: SearchHit) -> SearchHitOut:
        return cls(**cls.fields_of(hit.region), path=[CrumbOut.of(c) for c in hit.path])


class SearchPage(PageOut[SearchHitOut]):
    pass


class TreeNodeOut(RegionOut):
    children: list[TreeNodeOut]

    @classmethod
    def from_node(cls, node: RegionNode) -> TreeNodeOut:
        return cls(**cls.fields_of(node.region), children=[cls.from_node(c) for c in node.children])


class LevelCountOut(BaseModel):
    level: int
    regions: int
    with_centroid: int
    with_geometry: int
    with_area: int
    with_population: int

    @classmethod
    def of(cls, count: LevelCount) -> LevelCountOut:
        return cls(
            level=count.level,
            regions=count.regions,
            with_centroid=count.with_centroid,
            with_geometry=count.with_geometry,
            with_area=count.with_area,
            with_population=count.with_population,
        )


@router.get("/regions", response_model=RegionPage, responses=CODE_ERRORS)
def regions_top(
    caller: Caller,
    session: DbSession,
    paging: Paging,
    parent: str | None = Query(None, description="List the regions under this code instead of the top."),
) -> RegionPage:
    """The top of your area (provinces for national users), or the regions under ``parent``."""
    return RegionPage.of(list_children(session, caller.scope, parent, paging), RegionOut.of)


@router.get("/regions/search", response_model=SearchPage)
def regions_search(
    caller: Caller,
    session: DbSession,
    paging: Paging,
    q: str = Query(
        ..., min_length=1, max_length=120, description='Part of a name: "samarinda", "Kab. Kutai".'
    ),
    level: int | None = Query(None, ge=1, le=4, description="Only this level (1-4)."),
) -> SearchPage:
    """Find regions in your area by name; names starting with the text come first."""
    page = search_regions(session, caller.scope, q, level, paging)
    return SearchPage.of(page, SearchHitOut.from_hit)


@router.get("/regions/stats", response_model=list[LevelCountOut], responses=CODE_ERRORS)
def regions_stats(
    caller: Caller,
    session: DbSession,
    code: str | None = Query(None, description="Count only under this region."),
) -> list[LevelCountOut]:
    """How many regions of each level are in your area, and how many have centroids, polygons and figures."""
    return [LevelCountOut.of(c) for c in level_counts(session, caller.scope, code)]


@router.get("/regions/tree", response_model=list[TreeNodeOut])
def regions_top_tree(
    caller: Caller,
    session: DbSession,
    depth: int = Query(1, ge=0, le=MAX_TREE_DEPTH, description="Levels below the top to include."),
) -> list[TreeNodeOut]:
    """The top of your area with the regions below it, down to ``depth`` levels."""
    return [TreeNodeOut.from_node(n) for n in region_tree(session, caller.scope, None, depth)]


@router.get("/regions/{code}", response_model=RegionDetailOut, responses=CODE_ERRORS)
def region_detail(
    code: str,
    caller: Caller,
    session: DbSession,
    geometry: bool = Query(False, description="Include the GeoJSON polygon (can be large)."),
) -> RegionDetailOut:
    """One region with its breadcrumb, area, population and bounding box."""
    return RegionDetailOut.from_detail(get_region(session, caller.scope, code, geometry=geometry))


@router.get("/regions/{code}/children", response_model=RegionPage, responses=CODE_ERRORS)
def region_children(code: str, caller: Caller, session: DbSession, paging: Paging) -> RegionPage:
    """The regions directly under ``code`` that are in your area."""
    return RegionPage.of(list_children(session, caller.scope, code, paging), RegionOut.of)


@router.get("/regions/{code}/tree", response_model=TreeNodeOut, responses=CODE_ERRORS)
def region_subtree(
    code: str,
    caller: Caller,
    session: DbSession,
    depth: int = Query(1, ge=0, le=MAX_TREE_DEPTH, description="Levels below this region to include."),
) -> TreeNodeOut:
    """This region with the regions below it, down to ``depth`` levels."""
    return TreeNodeOut.from_node(region_tree(session, caller.scope, code, depth)[0])
