"""Reports as export rows (CSV, XLSX) and GeoJSON features, read in batches from a server-side cursor.

The rows are the list view's (:func:`tigapilar.reports.views.filtered_reports`: same scope, filters
and order) seen through :func:`~tigapilar.reports.views.report_views`, so the privacy rules are the
list's too: partners get the kecamatan and no desa, TPS or coordinates; the reporter's columns are
empty unless the caller may see personal data or sent the report.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.core.exports import Cell, point
from tigapilar.reports.views import ReportView, report_views
from tigapilar.storage.models import Report

BATCH = 2000  # reports per fetch (and per lookup of names, officers and TPS numbers)

# (CSV column, XLSX column): the CSV's names are for scripts, the XLSX's for people.
COLUMNS = [
    ("id", "No. laporan"),
    ("diterima", "Diterima"),
    ("terjadi", "Waktu kejadian"),
    ("kanal", "Kanal"),
    ("kategori", "Kategori"),
    ("tingkat", "Tingkat keparahan"),
    ("judul", "Judul"),
    ("uraian", "Uraian"),
    ("status", "Status"),
    ("alasan_status", "Alasan status"),
    ("duplikat_dari", "Duplikat dari"),
    ("pemilu", "Pemilu"),
    ("tahapan", "Tahapan"),
    ("kode_wilayah", "Kode wilayah"),
    ("nama_wilayah", "Nama wilayah"),
    ("kode_kecamatan", "Kode kecamatan"),
    ("disamarkan", "Lokasi disamarkan"),
    ("kode_desa", "Kode desa"),
    ("id_tps", "ID TPS"),
    ("nomor_tps", "Nomor TPS"),
    ("lintang", "Lintang"),
    ("bujur", "Bujur"),
    ("akurasi_m", "Akurasi (m)"),
    ("tanda_lokasi", "Tanda lokasi"),
    ("jumlah_orang", "Jumlah orang terlibat"),
    ("jenis_sumber", "Jenis sumber"),
    ("pilar", "Pilar"),
    ("petugas", "Petugas pelapor"),
    ("pengguna", "Akun pengirim"),
    ("nama_sumber", "Nama sumber"),
    ("kontak_sumber", "Kontak sumber"),
    ("diperbarui", "Diperbarui"),
]
CSV_HEADER = [c[0] for c in COLUMNS]
XLSX_HEADER = [c[1] for c in COLUMNS]
SHEET = "Laporan"


def stream_report_views(
    session: Session, principal: Principal, query: Select[Report]
) -> Iterator[ReportView]:
    """Every report of ``query`` (from ``filtered_reports``) as ``principal`` may see it, in order.

    Batches of :data:`BATCH` rows (a server-side cursor on PostgreSQL); each batch is turned into
    views with a handful of lookups and then let go, so memory stays flat.
    """
    result = session.scalars(query.execution_options(yield_per=BATCH))
    for batch in result.partitions():
        yield from report_views(session, principal, list(batch))


def row(view: ReportView, zone: ZoneInfo) -> list[Cell]:
    def local(moment: datetime) -> datetime:
        return moment.astimezone(zone)

    who = view.reporter
    return [
        view.id,
        local(view.received_at),
        local(view.occurred_at),
        view.channel,
        view.category,
        view.severity,
        view.title,
        view.description,
        view.status,
        view.status_reason,
        view.duplicate_of,
        view.election,
        view.stage,
        view.area_code,
        view.area_name,
        view.kecamatan_code,
        view.blurred,
        view.desa_code,
        view.tps_id,
        view.tps_number,
        view.lat,
        view.lng,
        view.accuracy_m,
        view.location_flag,
        view.people_involved,
        view.source_kind,
        who.pillar if who else None,
        who.officer_name if who else None,
        who.username if who else None,
        who.source_name if who else None,
        who.source_contact if who else None,
        local(view.updated_at),
    ]


def rows(views: Iterator[ReportView], timezone: str) -> Iterator[list[Cell]]:
    zone = ZoneInfo(timezone)
    return (row(view, zone) for view in views)


def features(views: Iterator[ReportView]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Points where the report was sent from; a null geometry without one (and always for partners)."""
    return ((point(view.lat, view.lng), properties(view)) for view in views)


def properties(view: ReportView) -> dict[str, Any]:
    """A feature's properties: the list API's field names (times in UTC, ISO 8601)."""
    who = view.reporter
    return {
        "id": view.id,
        "channel": view.channel,
        "area_code": view.area_code,
        "area_name": view.area_name,
        "kecamatan_code": view.kecamatan_code,
        "blurred": view.blurred,
        "desa_code": view.desa_code,
        "tps_id": view.tps_id,
        "tps_number": view.tps_number,
        "accuracy_m": view.accuracy_m,
        "location_flag": view.location_flag,
        "occurred_at": view.occurred_at.isoformat(),
        "received_at": view.received_at.isoformat(),
        "election": view.election,
        "stage": view.stage,
        "category": view.category,
        "severity": view.severity,
        "title": view.title,
        "description": view.description,
        "people_involved": view.people_involved,
        "status": view.status,
        "status_reason": view.status_reason,
        "duplicate_of": view.duplicate_of,
        "updated_at": view.updated_at.isoformat(),
        "source_kind": view.source_kind,
        "reporter": None
        if who is None
        else {
            "officer_id": who.officer_id,
            "officer_name": who.officer_name,
            "pillar": who.pillar,
            "user_id": who.user_id,
            "username": who.username,
            "source_name": who.source_name,
            "source_contact": who.source_contact,
        },
    }
