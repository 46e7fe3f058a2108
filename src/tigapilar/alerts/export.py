"""Alerts as export rows (CSV, XLSX) and GeoJSON features, read in batches from a server-side cursor.

The rows are the list view's (:func:`tigapilar.alerts.views.filtered_alerts`: same scope, filters and
order) seen through :func:`~tigapilar.alerts.views.alert_views`, blurred to the kecamatan for
partners as the list is. An alert has no coordinates of its own: its feature is the centroid of the
area shown (the kecamatan for partners), or a null geometry when the region has none.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tigapilar.alerts.views import AlertView, alert_views
from tigapilar.core.exports import Cell, point
from tigapilar.storage.models import Alert, Region

BATCH = 2000

COLUMNS = [
    ("id", "No. peringatan"),
    ("dibuat", "Dibuat"),
    ("status", "Status"),
    ("tingkat", "Tingkat"),
    ("kode_wilayah", "Kode wilayah"),
    ("nama_wilayah", "Nama wilayah"),
    ("kategori", "Kategori"),
    ("judul", "Judul"),
    ("pemilu", "Pemilu"),
    ("tahapan", "Tahapan"),
    ("awal_jendela", "Awal jendela"),
    ("akhir_jendela", "Akhir jendela"),
    ("tenggat", "Tenggat"),
    ("terlambat", "Terlambat"),
    ("tingkat_eskalasi", "Tingkat eskalasi"),
    ("diperbarui", "Diperbarui"),
]
CSV_HEADER = [c[0] for c in COLUMNS]
XLSX_HEADER = [c[1] for c in COLUMNS]
SHEET = "Peringatan"


def stream_alert_views(
    session: Session, query: Select[Alert], now: datetime, blur: bool
) -> Iterator[tuple[AlertView, str]]:
    """Every alert of ``query`` (from ``filtered_alerts``) with its geometry (JSON text), in order."""
    result = session.scalars(query.execution_options(yield_per=BATCH))
    for batch in result.partitions():
        views = alert_views(session, list(batch), now, blur)
        codes = {v.area_code for v in views}
        places = {
            code: point(lat, lng)
            for code, lat, lng in session.execute(
                select(Region.code, Region.lat, Region.lng).where(Region.code.in_(codes))
            )
        }
        for view in views:
            yield view, places.get(view.area_code, "null")


def row(view: AlertView, zone: ZoneInfo) -> list[Cell]:
    def local(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.astimezone(zone)

    return [
        view.id,
        local(view.created_at),
        view.status,
        view.severity,
        view.area_code,
        view.area_name,
        view.category,
        view.title,
        view.election,
        view.stage,
        local(view.window_start),
        local(view.window_end),
        local(view.due_at),
        view.overdue,
        view.escalation_level,
        local(view.updated_at),
    ]


def rows(views: Iterator[tuple[AlertView, str]], timezone: str) -> Iterator[list[Cell]]:
    zone = ZoneInfo(timezone)
    return (row(view, zone) for view, _geometry in views)


def features(views: Iterator[tuple[AlertView, str]]) -> Iterator[tuple[str, dict[str, Any]]]:
    return ((geometry, properties(view)) for view, geometry in views)


def properties(view: AlertView) -> dict[str, Any]:
    """A feature's properties: the list API's field names (times in UTC, ISO 8601)."""
    return {
        "id": view.id,
        "status": view.status,
        "severity": view.severity,
        "area_code": view.area_code,
        "area_name": view.area_name,
        "category": view.category,
        "title": view.title,
        "title_en": view.title_en,
        "election": view.election,
        "stage": view.stage,
        "window_start": view.window_start.isoformat(),
        "window_end": view.window_end.isoformat(),
        "created_at": view.created_at.isoformat(),
        "updated_at": view.updated_at.isoformat(),
        "due_at": view.due_at.isoformat() if view.due_at else None,
        "overdue": view.overdue,
        "escalation_level": view.escalation_level,
    }
