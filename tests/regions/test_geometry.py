"""Polygons: [lat, lng] paths become GeoJSON [lng, lat]; area, bounding box and centroid are right."""

from __future__ import annotations

import json
import math

import pytest

from tigapilar.regions.geometry import EARTH_RADIUS_KM, GeometryError, from_geojson, from_lat_lng_json

# A 0.1° square near Samarinda written the wilayah_boundaries way: [lat, lng].
SQUARE_LAT_LNG = [[-0.5, 117.1], [-0.5, 117.2], [-0.4, 117.2], [-0.4, 117.1], [-0.5, 117.1]]


def test_polygon_path_is_swapped_to_lng_lat() -> None:
    shape = from_lat_lng_json(json.dumps([SQUARE_LAT_LNG]))
    geojson = shape.geojson()
    assert geojson["type"] == "Polygon"
    assert geojson["coordinates"][0][0] == [117.1, -0.5]
    assert shape.bbox() == (-0.5, 117.1, -0.4, 117.2)


def test_multipolygon_path_keeps_every_part() -> None:
    island = [[-0.3, 117.3], [-0.3, 117.35], [-0.25, 117.35], [-0.3, 117.3]]
    shape = from_lat_lng_json(json.dumps([[SQUARE_LAT_LNG], [island]]))
    geojson = shape.geojson()
    assert geojson["type"] == "MultiPolygon"
    assert len(geojson["coordinates"]) == 2
    assert shape.bbox() == (-0.5, 117.1, -0.25, 117.35)


def test_spherical_area_matches_the_closed_form() -> None:
    # Area of a lat/lng rectangle on a sphere: R² · Δλ · (sin φ2 − sin φ1).
    expected = (
        EARTH_RADIUS_KM**2 * math.radians(0.1) * (math.sin(math.radians(-0.4)) - math.sin(math.radians(-0.5)))
    )
    area = from_lat_lng_json(json.dumps([SQUARE_LAT_LNG])).area_km2()
    assert area == pytest.approx(expected, rel=1e-6)
    assert 120 < area < 125


def test_holes_are_subtracted() -> None:
    outer = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    hole = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75], [0.25, 0.25]]
    full = from_geojson({"type": "Polygon", "coordinates": [outer]}).area_km2()
    holed = from_geojson({"type": "Polygon", "coordinates": [outer, hole]}).area_km2()
    assert holed == pytest.approx(full * 0.75, rel=1e-3)


def test_unclosed_ring_is_closed() -> None:
    shape = from_geojson({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]})
    ring = shape.geojson()["coordinates"][0]
    assert ring[0] == ring[-1]
    assert len(ring) == 4


def test_centroid_of_a_crescent_lies_inside_it() -> None:
    # A U shape: its plain centroid falls in the empty middle.
    u_shape = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]
    shape = from_geojson({"type": "Polygon", "coordinates": [u_shape]})
    lat, lng = shape.centroid()
    from shapely.geometry import Point
    from shapely.geometry import shape as to_shape

    assert to_shape(shape.geojson()).contains(Point(lng, lat))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("not json", "not valid JSON"),
        ("[[1, 2], [3, 4]]", "found 2 level(s)"),
        ("[[[[[1, 2]]]]]", "found 5 level(s)"),
        ('[[[-0.5, 117.1], [-0.5, "x"], [-0.4, 117.2], [-0.5, 117.1]]]', "point 2 is not a pair of numbers"),
        ("[[[-0.5, 117.1], [-0.5, 117.2], [-0.5, 117.1]]]", "fewer than 3 distinct corners"),
        ("[[[117.1, -0.5], [117.2, -0.5], [117.2, -0.4], [117.1, -0.5]]]", "look like [lng, lat]"),
        ("[[[-0.5, 181], [-0.5, 117.2], [-0.4, 117.2], [-0.5, 181]]]", "longitude 181.0 is outside"),
    ],
)
def test_bad_paths_are_refused_with_a_reason(path: str, message: str) -> None:
    with pytest.raises(GeometryError, match=None) as caught:
        from_lat_lng_json(path)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [117.1, -0.5]}, "'Point' is not supported"),
        (
            {"type": "MultiPolygon", "coordinates": [[[117.1, -0.5], [117.2, -0.5], [117.2, -0.4]]]},
            "too shallow",
        ),
        (None, "missing"),
    ],
)
def test_bad_geojson_geometries_are_refused(geometry: object, message: str) -> None:
    with pytest.raises(GeometryError) as caught:
        from_geojson(geometry)
    assert message in str(caught.value)
