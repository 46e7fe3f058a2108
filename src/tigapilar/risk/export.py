"""Exports of scores as CSV and XLSX (for spreadsheets) and GeoJSON (for maps), produced piece by piece.

All take the rows of :func:`tigapilar.risk.views.stream_scores` and go through the streamed writers of
:mod:`tigapilar.core.exports`, so the API can stream them and the CLI can write them without holding
a national export in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tigapilar.core import exports
from tigapilar.core.exports import Cell
from tigapilar.risk.views import TOP, ScoreView

CSV_HEADER = [
    "peringkat",
    "tingkat",
    "tempat",
    "kode_wilayah",
    "nama",
    "uid_tps",
    "skor",
    "skor_tertinggi",
    "kategori",
    "label_kategori",
    "khusus",
    "dpt",
    "jumlah_tempat",
    "perubahan",
    "sejak",
    *(f"{name}_{n}" for n in range(1, TOP + 1) for name in ("indikator", "poin", "persen")),
    "dihitung_pada",
]
# The XLSX header, for people rather than scripts: the same columns in words.
XLSX_HEADER = [
    "Peringkat",
    "Tingkat",
    "Tempat",
    "Kode wilayah",
    "Nama",
    "Kode TPS",
    "Skor",
    "Skor tertinggi di dalamnya",
    "Kategori (kode)",
    "Kategori",
    "TPS khusus",
    "DPT",
    "Jumlah tempat",
    "Perubahan skor",
    "Perubahan sejak",
    *(f"{name} {n}" for n in range(1, TOP + 1) for name in ("Indikator", "Poin", "Persen")),
    "Dihitung pada",
]

ExportRows = Iterable[tuple[ScoreView, str | None]]


def csv_row(rank: int, view: ScoreView, zone: ZoneInfo) -> list[Cell]:
    top: list[Cell] = []
    for n in range(TOP):
        if n < len(view.top):
            share = view.top[n]
            top += [share.label, share.points, share.share]
        else:
            top += [None, None, None]
    return [
        rank,
        view.level,
        view.place,
        view.area_code,
        view.name,
        view.tps_uid,
        view.score,
        view.worst,
        view.category,
        view.category_label,
        view.khusus,
        view.dpt,
        view.places,
        view.change,
        view.change_since,
        *top,
        view.computed_at.astimezone(zone),
    ]


def _rows(rows: ExportRows, timezone: str) -> Iterator[list[Cell]]:
    zone = ZoneInfo(timezone)
    for rank, (view, _polygon) in enumerate(rows, start=1):
        yield csv_row(rank, view, zone)


def csv_chunks(rows: ExportRows, timezone: str = "Asia/Makassar") -> Iterator[str]:
    """The CSV file: a header with Indonesian names, one line per place; times in ``timezone``."""
    return exports.csv_chunks(CSV_HEADER, _rows(rows, timezone))


def xlsx_chunks(rows: ExportRows, folder: Path, timezone: str = "Asia/Makassar") -> Iterator[bytes]:
    """The same columns as the CSV in an Excel workbook (numbers as numbers, times as dates)."""
    return exports.xlsx_chunks(folder, "Kerawanan", XLSX_HEADER, _rows(rows, timezone))


def feature_properties(rank: int, view: ScoreView) -> dict[str, Any]:
    return {
        "rank": rank,
        "place": view.place,
        "level": view.level,
        "name": view.name,
        "area_code": view.area_code,
        "tps_uid": view.tps_uid,
        "score": view.score,
        "worst": view.worst,
        "category": view.category,
        "category_label": view.category_label,
        "khusus": view.khusus,
        "dpt": view.dpt,
        "places": view.places,
        "change": view.change,
        "change_since": view.change_since.isoformat() if view.change_since else None,
        "top": [{"code": s.code, "label": s.label, "points": s.points, "share": s.share} for s in view.top],
        "computed_at": view.computed_at.isoformat(),
    }


def _geometry(view: ScoreView, polygon: str | None, polygons: bool) -> str:
    if polygons:
        return polygon or "null"  # stored GeoJSON text, checked on import: copied as it is
    return exports.point(view.lat, view.lng)


def geojson_chunks(rows: ExportRows, profile: str, level: str, polygons: bool = False) -> Iterator[str]:
    """A FeatureCollection: TPS and region centroids as points, or region polygons with ``polygons``.

    A place without a position (or without an imported polygon) has a null geometry.
    """
    features = (
        (_geometry(view, polygon, polygons), feature_properties(rank, view))
        for rank, (view, polygon) in enumerate(rows, start=1)
    )
    return exports.geojson_chunks({"profile": profile, "level": level}, features)
