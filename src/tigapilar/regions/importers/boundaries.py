"""Polygons and centroids: the cahyadsn/wilayah_boundaries table and (via ``geojson``) GeoJSON files.

A boundary row for a region already in the database updates its centroid, polygon, bounding box
and (only where none is known) its area; names are left alone, since the code list is the
authority for names. A row for a region not yet loaded creates it from the file's name, provided
its parent is in the database or earlier in the file: so a Polda can build its province from
boundary files alone by importing kab, then kec, then kel files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from tigapilar.regions.geometry import GeometryError, Shape, from_lat_lng_json
from tigapilar.regions.importers.base import Policy, Problems, RowHandler, SourceRow
from tigapilar.regions.importers.fields import Cells, latitude, longitude


class ShapeHandler(RowHandler):
    """Rows carrying a polygon (``geometry_column``) and optionally a centroid (lat, lng columns)."""

    kind = "boundaries"
    creates = True
    policies: ClassVar[Mapping[str, Policy]] = {
        "lat": Policy.SET,
        "lng": Policy.SET,
        "centroid_source": Policy.SET,
        "geometry": Policy.SET,
        "min_lat": Policy.SET,
        "min_lng": Policy.SET,
        "max_lat": Policy.SET,
        "max_lng": Policy.SET,
        # Official areas (wilayah_luas) beat one computed from a simplified polygon.
        "area_km2": Policy.FILL_IF_EMPTY,
    }

    def __init__(
        self,
        parse_shape: Callable[[Any], Shape] = from_lat_lng_json,
        geometry_column: str = "path",
        lat_column: str = "lat",
        lng_column: str = "lng",
    ) -> None:
        self.parse_shape = parse_shape
        self.geometry_column = geometry_column
        self.lat_column = lat_column
        self.lng_column = lng_column

    def values(self, row: SourceRow, problems: Problems) -> dict[str, Any] | None:
        cells = Cells(row, problems)
        lat = cells.get(self.lat_column, latitude)
        lng = cells.get(self.lng_column, longitude)
        if (lat is None) != (lng is None) and cells.ok:
            cells.fail(self.lat_column, "give both latitude and longitude, or neither")
        raw = row.fields.get(self.geometry_column)
        shape: Shape | None = None
        if raw is None or raw == "":
            cells.fail(self.geometry_column, "the polygon is empty")
        else:
            try:
                shape = self.parse_shape(raw)
            except GeometryError as exc:
                cells.fail(self.geometry_column, f"bad polygon: {exc}")
        if not cells.ok or shape is None:
            return None
        if lat is None or lng is None:
            lat, lng = shape.centroid()
        min_lat, min_lng, max_lat, max_lng = shape.bbox()
        return {
            "lat": lat,
            "lng": lng,
            "centroid_source": "import",
            "geometry": shape.geojson_text(),
            "min_lat": min_lat,
            "min_lng": min_lng,
            "max_lat": max_lat,
            "max_lng": max_lng,
            "area_km2": round(shape.area_km2(), 3),
        }
