"""Demo positions for regions and TPS when no boundaries are imported.

They are scattered around a town centre given in the demo file, kecamatan first and villages around
their kecamatan, so a map looks like a province. They are labelled ``centroid_source = "demo"`` and
never replace imported centroids.
"""

from __future__ import annotations

import math
import random

KM_PER_DEGREE = 111.32


def offset(centre: tuple[float, float], radius_km: float, rng: random.Random) -> tuple[float, float]:
    """A point uniformly distributed in a disc of ``radius_km`` around ``centre`` (lat, lng)."""
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.uniform(0.0, 2.0 * math.pi)
    lat = centre[0] + distance * math.cos(bearing) / KM_PER_DEGREE
    lng = centre[1] + distance * math.sin(bearing) / (KM_PER_DEGREE * math.cos(math.radians(centre[0])))
    return round(lat, 6), round(lng, 6)


def child_radius(parent_radius_km: float, siblings: int) -> float:
    """Radius of each child's disc so that siblings roughly tile their parent's."""
    return parent_radius_km / math.sqrt(max(siblings, 1))
