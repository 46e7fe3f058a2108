"""Exports of scores as CSV (for spreadsheets) and GeoJSON (for maps), produced piece by piece.

Both take the rows of :func:`tigapilar.risk.views.stream_scores` and yield text in chunks of about
:data:`CHUNK_CHARS`, so the API can stream them and the CLI can write them without holding a
national export in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from tigapilar.risk.views import TOP, ScoreView

CHUNK_CHARS = 64 * 1024
# Excel (the spreadsheet most users have) reads UTF-8 only with a byte-order mark.
BOM = "\ufeff"
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

ExportRows = Iterable[tuple[ScoreView, str | None]]


def _chunked(pieces: Iterable[str]) -> Iterator[str]:
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")


def csv_row(rank: int, view: ScoreView, zone: ZoneInfo) -> list[str]:
    top: list[str] = []
    for n in range(TOP):
        if n < len(view.top):
            share = view.top[n]
            top += [share.label, _number(share.points), _number(share.share)]
        else:
            top += ["", "", ""]
    return [
        str(rank),
        view.level,
        view.place,
        view.area_code,
        view.name,
        view.tps_uid or "",
        _number(view.score),
        _number(view.worst),
        view.category,
        view.category_label,
        "ya" if view.khusus else "tidak",
        str(view.dpt),
        str(view.places),
        _number(view.change),
        view.change_since.isoformat() if view.change_since else "",
        *top,
        view.computed_at.astimezone(zone).isoformat(timespec="seconds"),
    ]


def csv_chunks(rows: ExportRows, timezone: str = "Asia/Makassar") -> Iterator[str]:
    """The CSV file: a header with Indonesian names, one line per place; times in ``timezone``."""
    zone = ZoneInfo(timezone)
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="\r\n")

    def lines() -> Iterator[str]:
        writer.writerow(CSV_HEADER)
        yield BOM + _take(line)
        for rank, (view, _polygon) in enumerate(rows, start=1):
            writer.writerow(csv_row(rank, view, zone))
            yield _take(line)

    return _chunked(lines())


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


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
    if view.lat is None or view.lng is None:
        return "null"
    return json.dumps({"type": "Point", "coordinates": [view.lng, view.lat]})


def geojson_chunks(rows: ExportRows, profile: str, level: str, polygons: bool = False) -> Iterator[str]:
    """A FeatureCollection: TPS and region centroids as points, or region polygons with ``polygons``.

    A place without a position (or without an imported polygon) has a null geometry.
    """

    def pieces() -> Iterator[str]:
        head = {"type": "FeatureCollection", "profile": profile, "level": level}
        yield json.dumps(head)[:-1] + ', "features": [\n'
        for rank, (view, polygon) in enumerate(rows, start=1):
            properties = json.dumps(feature_properties(rank, view), ensure_ascii=False)
            geometry = _geometry(view, polygon, polygons)
            separator = "" if rank == 1 else ",\n"
            yield f'{separator}{{"type": "Feature", "geometry": {geometry}, "properties": {properties}}}'
        yield "\n]}\n"

    return _chunked(pieces())
