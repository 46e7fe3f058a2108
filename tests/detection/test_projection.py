"""Latitude/longitude to metres: UTM against PROJ's published results, ECEF chords against geodesics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tigapilar.detection.projection import A_AXIS, FLATTENING, to_ecef, to_utm, utm_zone_for

# (lat, lng, zone, south, easting, northing): computed once with PROJ 9.5.1 (pyproj 3.7.2, EPSG:326xx
# and 327xx), which is not a dependency. Millimetre agreement checks the Krüger series and the
# hemisphere convention, including points north of the equator on the southern grid and a point
# projected in the neighbouring zone (Kaltim's western edge, 3.1° off the central meridian).
PROJ_REFERENCE = [
    (-0.502106, 117.153709, 50, True, 517103.33157001424, 9944501.985355506),  # Samarinda
    (1.0, 117.0, 50, True, 500000.0, 10110530.158802375),
    (2.3, 118.9, 50, True, 711292.1098303429, 10254361.112003583),
    (-2.5, 113.9, 50, True, 155204.98334044497, 9723265.957773598),
    (-2.5, 113.9, 49, True, 822530.4512796124, 9723316.855511382),
    (-6.2, 106.8167, 48, True, 701011.7905031318, 9314342.658917136),  # Jakarta
    (3.5952, 98.6722, 47, False, 463595.17478727654, 397389.38510177005),  # Medan
    (-2.5337, 140.7181, 54, True, 468661.92213330057, 9719944.781718625),  # Jayapura
    (-8.65, 115.2167, 50, False, 303775.16478151514, -956616.8964277336),
    (45.0, 9.0, 32, False, 500000.0, 4982950.400226552),
]

# (lat1, lng1, lat2, lng2, geodesic metres on WGS84, from pyproj's Geod.inv).
GEODESICS = [
    (-0.502106, 117.153709, -1.2379, 116.8529, 87980.09819599532),  # Samarinda - Balikpapan
    (-0.01, 117.0, 0.01, 117.0, 2211.485516657373),  # across the equator
    (-1.0, 116.0, 1.2, 118.8, 395371.45930000587),
    (0.5, 116.5, 0.55, 116.55, 7845.012095354999),
    (-6.2, 106.8167, -6.25, 106.9, 10749.72058350557),
]


@pytest.mark.parametrize(("lat", "lng", "zone", "south", "easting", "northing"), PROJ_REFERENCE)
def test_utm_matches_proj_to_the_millimetre(
    lat: float, lng: float, zone: int, south: bool, easting: float, northing: float
) -> None:
    got_e, got_n = to_utm([lat], [lng], zone, south)
    assert abs(got_e[0] - easting) < 1e-3
    assert abs(got_n[0] - northing) < 1e-3


def test_utm_is_vectorised_and_keeps_shape() -> None:
    lat = np.array([[r[0] for r in PROJ_REFERENCE[:3]]])
    lng = np.array([[r[1] for r in PROJ_REFERENCE[:3]]])
    easting, northing = to_utm(lat, lng, 50, True)
    assert easting.shape == northing.shape == (1, 3)
    np.testing.assert_allclose(easting[0], [r[4] for r in PROJ_REFERENCE[:3]], atol=1e-3)


def test_zone_is_chosen_from_the_mean_position() -> None:
    # Kaltim's villages lie between 113.95°E and 118.93°E, 2.4°S and 2.4°N, mostly south.
    assert utm_zone_for([-2.38, -0.5, 0.4, 2.38], [113.95, 116.9, 117.2, 118.93]) == (50, True)
    assert utm_zone_for(-6.2, 106.8167) == (48, True)
    assert utm_zone_for(3.5952, 98.6722) == (47, False)
    assert utm_zone_for(0.0, 180.0) == (1, False)  # the antimeridian wraps to zone 1
    assert utm_zone_for(60.0, 5.0) == (32, False)  # south-west Norway
    assert utm_zone_for(78.0, 15.0) == (33, False)  # Svalbard
    with pytest.raises(ValueError, match="not a position"):
        utm_zone_for(float("nan"), 117.0)


def test_utm_grid_distances_follow_the_geodesic_within_a_tenth_of_a_percent() -> None:
    for lat1, lng1, lat2, lng2, geodesic in GEODESICS[:4]:  # the Kaltim pairs, zone 50 south
        easting, northing = to_utm([lat1, lat2], [lng1, lng2], 50, True)
        grid = math.hypot(easting[1] - easting[0], northing[1] - northing[0])
        assert abs(grid / geodesic - 1) < 1e-3, (lat1, lng1, lat2, lng2)


def test_ecef_chords_are_geodesics_within_a_metre_at_these_distances() -> None:
    for lat1, lng1, lat2, lng2, geodesic in GEODESICS:
        points = to_ecef([lat1, lat2], [lng1, lng2])
        chord = float(np.linalg.norm(points[1] - points[0]))
        # A chord is shorter than its arc by about d³/24R²: 0.7 m at 88 km, 65 m at 395 km.
        assert 0 <= geodesic - chord < max(1.0, geodesic**3 / (24 * 6.3e6**2) * 1.5)


def test_ecef_axes() -> None:
    points = to_ecef([0.0, 0.0, 90.0, -90.0], [0.0, 90.0, 0.0, 0.0])
    polar = A_AXIS * (1 - FLATTENING)
    np.testing.assert_allclose(
        points, [[A_AXIS, 0, 0], [0, A_AXIS, 0], [0, 0, polar], [0, 0, -polar]], atol=1e-6
    )


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="zone"):
        to_utm([0.0], [117.0], 0, True)
    with pytest.raises(ValueError, match="shape"):
        to_utm([0.0, 1.0], [117.0], 50, True)
    with pytest.raises(ValueError, match="shape"):
        to_ecef([0.0, 1.0], [117.0])
