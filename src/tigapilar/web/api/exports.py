"""API: reports and alerts as CSV, GeoJSON and XLSX downloads, filtered like their lists.

``/reports/export.{csv,geojson,xlsx}`` take the filters of ``GET /reports`` and
``/alerts/export.{csv,geojson,xlsx}`` those of ``GET /alerts``; scope, order and privacy are the
lists' (partners: kecamatan only, no coordinates, no reporter). Errors are the lists' too (e.g. 422
``report.area_too_fine``), answered before the download starts. Rows are read in batches from a
server-side cursor and written as they come, so memory stays flat for a million rows; an XLSX is
built in a temporary file first (a ZIP cannot be streamed before it is complete), so its first
byte comes when the workbook is done. Registered before the reports and alerts routers:
``/reports/export.csv`` must not be taken for ``/reports/{report_id}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Select

from tigapilar.accounts.principal import Principal
from tigapilar.alerts import export as alert_export
from tigapilar.alerts.views import filtered_alerts
from tigapilar.core import exports
from tigapilar.core.settings import Settings
from tigapilar.reports import export as report_export
from tigapilar.reports.views import blurs_location, filtered_reports
from tigapilar.storage.db import Database
from tigapilar.storage.models import Alert, Report
from tigapilar.web.api.alerts import Filters as AlertFilters
from tigapilar.web.api.reports import Filters as ReportFilters
from tigapilar.web.deps import Caller, DbSession, Now, get_database, get_settings

router = APIRouter()
Format = Literal["csv", "geojson", "xlsx"]

DESCRIPTIONS = {
    "csv": "CSV (RFC 4180, comma), UTF-8 with a byte-order mark",
    "geojson": "A GeoJSON FeatureCollection",
    "xlsx": "An Excel workbook (one sheet per 1,048,575 rows)",
}


def _responses(fmt: Format) -> dict[int | str, dict[str, object]]:
    media = exports.MEDIA_TYPES[fmt].split(";")[0]
    return {200: {"content": {media: {}}, "description": DESCRIPTIONS[fmt]}}


def _area(caller: Principal, area: str | None) -> str:
    """What the file name says about where: the area asked for, else the caller's own."""
    if area:
        return area.strip()
    if caller.scope.national:
        return "nasional"
    codes = sorted(caller.scope.codes)
    return codes[0] if len(codes) == 1 else "wilayah"


def _download(
    request: Request,
    session: DbSession,
    kind: str,
    area: str,
    now: datetime,
    fmt: Format,
    body: Iterator[str | bytes],
) -> StreamingResponse:
    session.close()  # the download reads in its own session: do not hold this connection meanwhile
    day: date = now.astimezone(ZoneInfo(get_settings(request).timezone)).date()
    name = exports.filename(kind, area, day, fmt)
    return StreamingResponse(body, media_type=exports.MEDIA_TYPES[fmt], headers=exports.disposition(name))


def report_chunks(
    database: Database, settings: Settings, caller: Principal, query: Select[Report], fmt: Format
) -> Iterator[str | bytes]:
    """The file, in its own session (also what bench/bench_export.py measures)."""
    with database.session() as session:
        views = report_export.stream_report_views(session, caller, query)
        if fmt == "csv":
            yield from exports.csv_chunks(
                report_export.CSV_HEADER, report_export.rows(views, settings.timezone)
            )
        elif fmt == "geojson":
            yield from exports.geojson_chunks({}, report_export.features(views))
        else:
            yield from exports.xlsx_chunks(
                settings.data_dir / "tmp",
                report_export.SHEET,
                report_export.XLSX_HEADER,
                report_export.rows(views, settings.timezone),
            )


def _reports(
    request: Request, caller: Caller, session: DbSession, now: Now, filters: ReportFilters, fmt: Format
) -> StreamingResponse:
    query = filtered_reports(caller, filters)  # checks the filters now: errors before the download
    body = report_chunks(get_database(request), get_settings(request), caller, query, fmt)
    return _download(request, session, "laporan", _area(caller, filters.area), now, fmt, body)


def alert_chunks(
    database: Database, settings: Settings, query: Select[Alert], now: datetime, blur: bool, fmt: Format
) -> Iterator[str | bytes]:
    with database.session() as session:
        views = alert_export.stream_alert_views(session, query, now, blur)
        if fmt == "csv":
            yield from exports.csv_chunks(
                alert_export.CSV_HEADER, alert_export.rows(views, settings.timezone)
            )
        elif fmt == "geojson":
            yield from exports.geojson_chunks({}, alert_export.features(views))
        else:
            yield from exports.xlsx_chunks(
                settings.data_dir / "tmp",
                alert_export.SHEET,
                alert_export.XLSX_HEADER,
                alert_export.rows(views, settings.timezone),
            )


def _alerts(
    request: Request, caller: Caller, session: DbSession, now: Now, filters: AlertFilters, fmt: Format
) -> StreamingResponse:
    query = filtered_alerts(caller, filters)
    body = alert_chunks(get_database(request), get_settings(request), query, now, blurs_location(caller), fmt)
    return _download(request, session, "peringatan", _area(caller, filters.area), now, fmt, body)


@router.get("/reports/export.csv", response_class=StreamingResponse, responses=_responses("csv"))
def reports_export_csv(
    request: Request, caller: Caller, session: DbSession, now: Now, filters: ReportFilters
) -> StreamingResponse:
    """The reports of ``GET /reports`` with the same filters, all of them, as CSV."""
    return _reports(request, caller, session, now, filters, "csv")


@router.get("/reports/export.geojson", response_class=StreamingResponse, responses=_responses("geojson"))
def reports_export_geojson(
    request: Request, caller: Caller, session: DbSession, now: Now, filters: ReportFilters
) -> StreamingResponse:
    """The reports of ``GET /reports`` as GeoJSON points (null geometry: no position, or a partner)."""
    return _reports(request, caller, session, now, filters, "geojson")


@router.get("/reports/export.xlsx", response_class=StreamingResponse, responses=_responses("xlsx"))
def reports_export_xlsx(
    request: Request, caller: Caller, session: DbSession, now: Now, filters: ReportFilters
) -> StreamingResponse:
    """The reports of ``GET /reports`` as an Excel workbook."""
    return _reports(request, caller, session, now, filters, "xlsx")


@router.get("/alerts/export.csv", response_class=StreamingResponse, responses=_responses("csv"))
def alerts_export_csv(
    request: Request, caller: Caller, session: DbSession, now: Now, filters: AlertFilters
) -> StreamingResponse:
    """The alerts of ``GET /alerts`` with the same filters, all of them, as CSV."""
    return _alerts(request, caller, session, now, filters, "csv")


@router.get("/alerts/export.geojson", response_class=StreamingResponse, responses=_responses("geojson"))
def alerts_export_geojson(
    request: Request, caller: Caller, session: DbSession, now: Now, filters: AlertFilters
) -> StreamingResponse:
    """The alerts of ``GET /alerts`` as GeoJSON points at their area's centroid."""
    return _alerts(request, caller, session, now, filters, "geojson")


@router.get("/alerts/export.xlsx", response_class=StreamingResponse, responses=_responses("xlsx"))
def alerts_export_xlsx(
    request: Request, caller: Caller, session: DbSession, now: Now, filters: AlertFilters
) -> StreamingResponse:
    """The alerts of ``GET /alerts`` as an Excel workbook."""
    return _alerts(request, caller, session, now, filters, "xlsx")
