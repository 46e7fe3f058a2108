"""Region polygons: checking them, turning them into GeoJSON, their bounding box, area and centroid.

Polygons arrive as GeoJSON ([lng, lat]) or as wilayah_boundaries paths ([lat, lng], the reverse);
both become the same :class:`Shape`. The area is spherical (no projection library needed); it is
within a fraction of a percent of the geodesic area at Indonesia's latitudes, which is plenty for
density figures and map shading.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# IUGG mean Earth radius.
EARTH_RADIUS_KM = 6371.0088
# Six decimals is about 0.1 m: far finer than the simplified polygons, and it keeps rows small.
DECIMALS = 6

Ring = list[tuple[float, float]]  # (lng, lat) pairs, closed
Polygon = list[Ring]  # outer ring first, then holes


class GeometryError(ValueError):
    """Why a polygon cannot be used, in words a person can act on."""


@dataclass(frozen=True)
class Shape:
    polygons: list[Polygon]
    multi: bool

    def geojson(self) -> dict[str, Any]:
        coordinates = [[[[lng, lat] for lng, lat in ring] for ring in polygon] for polygon in self.polygons]
        if self.multi:
            return {"type": "MultiPolygon", "coordinates": coordinates}
        return {"type": "Polygon", "coordinates": coordinates[0]}

    def geojson_text(self) -> str:
        return json.dumps(self.geojson(), separators=(",", ":"))

    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lat, min_lng, max_lat, max_lng)."""
        lngs = [lng for polygon in self.polygons for lng, _ in polygon[0]]
        lats = [lat for polygon in self.polygons for _, lat in polygon[0]]
        return min(lats), min(lngs), max(lats), max(lngs)

    def area_km2(self) -> float:
        total = 0.0
        for outer, *holes in self.polygons:
            total += _ring_area_km2(outer) - sum(_ring_area_km2(hole) for hole in holes)
        return max(total, 0.0)

    def centroid(self) -> tuple[float, float]:
        """(lat, lng) of a point that lies inside the shape.

        The true centroid of a crescent-shaped kecamatan can fall outside it, which would put its
        marker in the neighbour; then the nearest point on the surface is used instead.
        """
        from shapely import GEOSException
        from shapely.geometry import shape

        geometry = shape(self.geojson())
        point = geometry.centroid
        try:
            if not geometry.contains(point):
                point = geometry.point_on_surface()
        except GEOSException:  # self-intersecting simplified polygons: keep the plain centroid
            pass
        return round(point.y, DECIMALS), round(point.x, DECIMALS)


def lat_lng_problem(lat: float, lng: float) -> str | None:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        return f"latitude {lat} is outside -90..90"
    if not (math.isfinite(lng) and -180.0 <= lng <= 180.0):
        return f"longitude {lng} is outside -180..180"
    return None


def from_lat_lng_json(text: str) -> Shape:
    """A wilayah_boundaries ``path``: JSON, points as [lat, lng], Polygon or MultiPolygon depth."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeometryError(f"not valid JSON ({exc.msg} at character {exc.pos})") from exc
    return _build(data, lat_first=True)


def from_geojson(geometry: Any) -> Shape:
    """A GeoJSON geometry object of type Polygon or MultiPolygon."""
    if not isinstance(geometry, Mapping):
        raise GeometryError("geometry is missing or is not an object")
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeometryError(f"geometry type {kind!r} is not supported; use Polygon or MultiPolygon")
    shape = _build(geometry.get("coordinates"), lat_first=False)
    if (kind == "MultiPolygon") != shape.multi:
        raise GeometryError(f"coordinates are nested too {'deep' if shape.multi else 'shallow'} for a {kind}")
    return shape


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, list) and value:
        depth += 1
        value = value[0]
    return depth


def _build(data: Any, lat_first: bool) -> Shape:
    # A point is itself a list, so a Polygon is 3 levels of lists and a MultiPolygon 4.
    depth = _depth(data)
    if depth == 3:
        polygons, multi = [data], False
    elif depth == 4:
        polygons, multi = data, True
    else:
        raise GeometryError(
            "expected a polygon (rings of points, 3 levels of brackets) or a multipolygon (4 levels); "
            f"found {depth} level(s)"
        )
    built: list[Polygon] = []
    for p, polygon in enumerate(polygons, start=1):
        if not isinstance(polygon, list) or not polygon:
            raise GeometryError(f"polygon {p} is empty")
        built.append([_ring(ring, p, r, lat_first) for r, ring in enumerate(polygon, start=1)])
    return Shape(polygons=built, multi=multi)


def _ring(ring: Any, p: int, r: int, lat_first: bool) -> Ring:
    where = f"polygon {p}, ring {r}"
    if not isinstance(ring, list):
        raise GeometryError(f"{where} is not a list of points")
    points: Ring = []
    for i, point in enumerate(ring, start=1):
        points.append(_point(point, f"{where}, point {i}", lat_first))
    if points and points[0] != points[-1]:
        points.append(points[0])  # GeoJSON rings are closed; some exporters leave the last point out
    if len(set(points)) < 3:
        raise GeometryError(f"{where} has fewer than 3 distinct corners")
    return points


def _point(point: Any, where: str, lat_first: bool) -> tuple[float, float]:
    if (
        not isinstance(point, Sequence)
        or isinstance(point, str)
        or not 2 <= len(point) <= 3
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
    ):
        raise GeometryError(f"{where} is not a pair of numbers: {str(point)[:40]}")
    first, second = float(point[0]), float(point[1])
    lat, lng = (first, second) if lat_first else (second, first)
    problem = lat_lng_problem(lat, lng)
    if problem:
        if lat_first and abs(first) > 90 >= abs(second):
            problem += "; the points look like [lng, lat], but this format stores [lat, lng]"
        raise GeometryError(f"{where}: {problem}")
    return round(lng, DECIMALS), round(lat, DECIMALS)


def _ring_area_km2(ring: Ring) -> float:
    """Area of a closed ring on the sphere (Chamberlain & Duquette, JPL 2007)."""
    n = len(ring) - 1  # the last point repeats the first
    if n < 3:
        return 0.0
    total = 0.0
    for i in range(n):
        lng_prev = ring[i - 1 if i else n - 1][0]
        lng_next = ring[i + 1][0]
        total += math.radians(lng_next - lng_prev) * math.sin(math.radians(ring[i][1]))
    return abs(total) * EARTH_RADIUS_KM**2 / 2.0
