"""Latitude/longitude (WGS84 degrees) to metres, for the detectors that measure distances.

Two projections, one for each kind of run:

* :func:`to_utm`, UTM easting and northing in one zone, for a province. Kaltim (about 114°E to 119°E)
  lies in zone 50; :func:`utm_zone_for` picks the zone of the data's mean longitude and the
  hemisphere of its mean latitude, and every point is projected in that zone with that hemisphere's
  false northing. Kaltim straddles the equator: with one false northing for all points, northings
  just north of the equator simply continue past 10,000 km, so distances across the equator stay
  right (mixing hemispheres per point would put the equator 10,000 km wide). The transverse Mercator
  uses Krüger's series to the sixth order in n (Karney 2011, "Transverse Mercator with an accuracy
  of a few nanometers"), exact to well under a millimetre within 3,900 km of the central meridian.
* :func:`to_ecef`, Earth-centred 3-D coordinates of points on the ellipsoid, for national runs.
  Indonesia spans UTM zones 46 to 54, and no single zone will do: 20° from the central meridian
  the grid scale is about 6 % off, and projecting each point in its own zone makes distances
  across a zone boundary meaningless. The straight-line (chord) distance between two points on the
  ellipsoid needs no zone and is shorter than the geodesic by about d³/24R²: 0.13 m at 50 km,
  1 m at 100 km. The scan statistic's cylinders are tens of kilometres wide, so it takes
  ``to_ecef`` coordinates (n × 3) as they are and searches neighbours in 3-D with a k-d tree.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# WGS84 ellipsoid.
A_AXIS = 6_378_137.0
FLATTENING = 1 / 298.257223563
E2 = FLATTENING * (2 - FLATTENING)  # first eccentricity squared
K0 = 0.9996  # UTM scale on the central meridian
FALSE_EASTING = 500_000.0
FALSE_NORTHING_SOUTH = 10_000_000.0

_N = FLATTENING / (2 - FLATTENING)  # third flattening
# Rectifying radius A and Krüger's alpha coefficients (Karney 2011, eq. 14 and 35), to n^6.
_RECTIFYING = A_AXIS / (1 + _N) * (1 + _N**2 / 4 + _N**4 / 64 + _N**6 / 256)
_ALPHA = (
    _N / 2 - 2 * _N**2 / 3 + 5 * _N**3 / 16 + 41 * _N**4 / 180 - 127 * _N**5 / 288 + 7891 * _N**6 / 37800,
    13 * _N**2 / 48 - 3 * _N**3 / 5 + 557 * _N**4 / 1440 + 281 * _N**5 / 630 - 1983433 * _N**6 / 1935360,
    61 * _N**3 / 240 - 103 * _N**4 / 140 + 15061 * _N**5 / 26880 + 167603 * _N**6 / 181440,
    49561 * _N**4 / 161280 - 179 * _N**5 / 168 + 6601661 * _N**6 / 7257600,
    34729 * _N**5 / 80640 - 3418889 * _N**6 / 1995840,
    212378941 * _N**6 / 319334400,
)
_ECCENTRICITY = float(np.sqrt(E2))


def utm_zone_for(lat: npt.ArrayLike, lng: npt.ArrayLike) -> tuple[int, bool]:
    """The UTM zone (1-60) of the mean longitude, and whether the mean latitude is south.

    Takes single values or arrays (their means). Keeps the two exceptions of the UTM grid (zone 32V
    widened over south-west Norway, zones 31X-37X over Svalbard), so a zone name matches the maps.
    """
    lat_mean = float(np.mean(np.asarray(lat, dtype=np.float64)))
    lng_mean = float(np.mean(np.asarray(lng, dtype=np.float64)))
    if not (np.isfinite(lat_mean) and np.isfinite(lng_mean)) or abs(lat_mean) > 90:
        raise ValueError(f"not a position: latitude {lat_mean}, longitude {lng_mean}")
    lng_mean = (lng_mean + 180.0) % 360.0 - 180.0
    zone = min(int((lng_mean + 180.0) // 6.0) + 1, 60)
    if 56.0 <= lat_mean < 64.0 and 3.0 <= lng_mean < 12.0:
        zone = 32
    elif 72.0 <= lat_mean < 84.0 and 0.0 <= lng_mean < 42.0:
        zone = 31 if lng_mean < 9.0 else 33 if lng_mean < 21.0 else 35 if lng_mean < 33.0 else 37
    return zone, lat_mean < 0.0


def to_utm(lat: npt.ArrayLike, lng: npt.ArrayLike, zone: int, south: bool) -> tuple[FloatArray, FloatArray]:
    """Easting and northing in metres of every (lat, lng) in UTM ``zone``.

    ``south`` chooses the false northing (10,000 km) for every point alike, whatever its own
    hemisphere, so that one run has one continuous grid.
    """
    if not 1 <= zone <= 60:
        raise ValueError(f"UTM zone must be 1 to 60, not {zone}")
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    central = np.radians(zone * 6.0 - 183.0)
    lam = np.asarray(lng, dtype=np.float64)
    lam = np.radians((lam - np.degrees(central) + 180.0) % 360.0 - 180.0)  # relative to the meridian
    if phi.shape != lam.shape:
        raise ValueError(f"latitudes {phi.shape} and longitudes {lam.shape} differ in shape")
    sin_phi = np.sin(phi)
    # Conformal latitude through tan: t = sinh(atanh(sin φ) - e atanh(e sin φ)).
    t = np.sinh(np.arctanh(sin_phi) - _ECCENTRICITY * np.arctanh(_ECCENTRICITY * sin_phi))
    xi_prime = np.arctan2(t, np.cos(lam))
    eta_prime = np.arctanh(np.sin(lam) / np.sqrt(1.0 + t * t))
    xi = xi_prime.copy()
    eta = eta_prime.copy()
    for j, alpha in enumerate(_ALPHA, start=1):
        xi += alpha * np.sin(2 * j * xi_prime) * np.cosh(2 * j * eta_prime)
        eta += alpha * np.cos(2 * j * xi_prime) * np.sinh(2 * j * eta_prime)
    easting = FALSE_EASTING + K0 * _RECTIFYING * eta
    northing = K0 * _RECTIFYING * xi + (FALSE_NORTHING_SOUTH if south else 0.0)
    return easting, northing


def to_ecef(lat: npt.ArrayLike, lng: npt.ArrayLike) -> FloatArray:
    """Earth-centred, Earth-fixed (x, y, z) in metres of every (lat, lng) on the WGS84 ellipsoid.

    Shape (n, 3): straight-line distances between rows are chords, shorter than the geodesic by
    about d³/24R² (0.13 m at 50 km, 1 m at 100 km), for any part of the world.
    """
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lng, dtype=np.float64))
    if phi.shape != lam.shape:
        raise ValueError(f"latitudes {phi.shape} and longitudes {lam.shape} differ in shape")
    sin_phi = np.sin(phi)
    normal = A_AXIS / np.sqrt(1.0 - E2 * sin_phi * sin_phi)  # prime vertical radius of curvature
    cos_phi = np.cos(phi)
    return np.stack(
        [normal * cos_phi * np.cos(lam), normal * cos_phi * np.sin(lam), normal * (1.0 - E2) * sin_phi],
        axis=-1,
    )
