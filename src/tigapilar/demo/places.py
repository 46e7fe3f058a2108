"""The province's regions as the demo needs them, with demo positions where none were imported."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tigapilar.demo.config import DemoConfig
from tigapilar.demo.positions import child_radius, offset
from tigapilar.storage.models import Region


@dataclass
class Place:
    code: str
    name: str
    kind: str
    lat: float | None
    lng: float | None
    children: list[Place] = field(default_factory=list)

    @property
    def position(self) -> tuple[float, float]:
        assert self.lat is not None and self.lng is not None, f"{self.code} has no position"
        return self.lat, self.lng


def load_places(session: Session, config: DemoConfig) -> list[Place]:
    """Kab/kota of the demo with their kecamatan and villages, codes in order."""
    rows = session.execute(
        select(Region.code, Region.name, Region.kind, Region.lat, Region.lng, Region.level)
        .where(Region.code.startswith(config.province + "."))
        .order_by(Region.code)
    ).all()
    by_code: dict[str, Place] = {}
    kabkota: list[Place] = []
    for code, name, kind, lat, lng, level in rows:
        place = Place(code, name, kind, lat, lng)
        by_code[code] = place
        if level == 2:
            if code in config.kabkota:
                kabkota.append(place)
        else:
            parent = by_code.get(code.rsplit(".", 1)[0])
            if parent is not None:
                parent.children.append(place)
    return kabkota


def place_demo_positions(session: Session, config: DemoConfig, kabkota: list[Place]) -> int:
    """Give every region without a centroid a demo one; imported centroids are left alone."""
    rng = random.Random(config.seed)
    updates: list[dict[str, object]] = []

    def settle(place: Place, centre: tuple[float, float], radius_km: float) -> None:
        # Draw even when a centroid exists, so positions do not depend on which regions were imported.
        lat, lng = offset(centre, radius_km, rng)
        if place.lat is None or place.lng is None:
            place.lat, place.lng = lat, lng
            updates.append({"code": place.code, "lat": lat, "lng": lng, "centroid_source": "demo"})

    for kab in kabkota:
        spec = config.kabkota[kab.code]
        settle(kab, spec.centre, 0.0)
        kec_radius = child_radius(spec.radius_km, len(kab.children))
        for kec in kab.children:
            settle(kec, kab.position, spec.radius_km * 0.8)
            village_radius = child_radius(kec_radius, len(kec.children))
            for village in kec.children:
                settle(village, kec.position, kec_radius * 0.9 + village_radius)
    if updates:
        session.execute(update(Region), updates)
    return len(updates)


def villages_of(place: Place) -> list[Place]:
    return [v for kec in place.children for v in kec.children]
