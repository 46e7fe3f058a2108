"""Helpers for region tests: writing small files and reading rows back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from tigapilar.core.errors import ImportRejected
from tigapilar.regions.importers import ImportResult, import_file
from tigapilar.storage.db import Database
from tigapilar.storage.models import Region

# A 0.02° square around a point, as a wilayah_boundaries path ([lat, lng]).


def square_lat_lng(lat: float, lng: float, size: float = 0.02) -> list[list[float]]:
    half = size / 2
    return [
        [lat - half, lng - half],
        [lat - half, lng + half],
        [lat + half, lng + half],
        [lat + half, lng - half],
        [lat - half, lng - half],
    ]


def square_geojson(lat: float, lng: float, size: float = 0.02) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[p[1], p[0]] for p in square_lat_lng(lat, lng, size)]]}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def feature_collection(*features: dict[str, Any]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, indent=1)


def feature(properties: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def run_import(db: Database, path: Path, provinces: list[str] | None = None) -> ImportResult:
    with db.session() as session:
        return import_file(session, path, provinces)


def rejected(db: Database, path: Path) -> ImportRejected:
    """Import ``path`` expecting a refusal; return it."""
    try:
        run_import(db, path)
    except ImportRejected as exc:
        return exc
    raise AssertionError(f"{path.name} was imported but should have been refused")


def region(db: Database, code: str) -> Region | None:
    with db.session() as session:
        return session.scalar(select(Region).options(undefer(Region.geometry)).where(Region.code == code))


def count_regions(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Region)) or 0


def counts_by_level(db: Database, prefix: str) -> dict[int, int]:
    with db.session() as session:
        rows = session.execute(
            select(Region.level, func.count())
            .where((Region.code == prefix) | Region.code.startswith(prefix + "."))
            .group_by(Region.level)
        )
        return {level: n for level, n in rows}
