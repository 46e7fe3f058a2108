"""Exports through HTTP: reports and alerts as CSV, GeoJSON and XLSX hold exactly the rows of the list
with the same filters, in the caller's scope, blurred for partners (no desa, TPS, coordinates or
reporter), with Indonesian column names; the XLSX opens with openpyxl and the GeoJSON parses."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from alerts.world import LAMARU, MANGGAR, World, build_world, verified_report
from conftest import Account
from support.clock import Clock
from tigapilar.alerts.export import XLSX_HEADER as ALERT_XLSX_HEADER
from tigapilar.reports.export import CSV_HEADER, XLSX_HEADER
from tigapilar.storage.db import Database
from tigapilar.web.deps import SESSION_COOKIE

API = "/api/v1"
POINT = {"lat": -1.2, "lng": 116.98, "accuracy_m": 8}
REPORTER_COLUMNS = ("pilar", "petugas", "pengguna", "nama_sumber", "kontak_sumber")
PLACE_COLUMNS = ("kode_desa", "id_tps", "nomor_tps", "lintang", "bujur", "akurasi_m", "tanda_lokasi")


@pytest.fixture
def site(client: Any, regions: Database) -> TestClient:
    web: TestClient = client
    web.app.state.clock = Clock()  # type: ignore[attr-defined]  # 27 Nov 2024, 08.00 WITA
    return web


@pytest.fixture
def world(site: TestClient, regions: Database) -> World:
    found = build_world(regions)
    # Three reports in Balikpapan (two categories, two desa), one in Samarinda.
    verified_report(site, found.analyst, "a", **POINT, source_name="Pak Joko")
    verified_report(site, found.analyst, "b", desa_code=LAMARU, category="politik_uang", **POINT)
    verified_report(site, found.analyst, "c", category="politik_uang", severity=2)
    verified_report(site, found.palaran, "d", desa_code="64.72.01.1001")
    return found


def get(web: TestClient, account: Account, path: str, **params: Any) -> Any:
    response = web.get(f"{API}{path}", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return response


def listed(web: TestClient, account: Account, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = get(web, account, path, limit=500, **params).json()["items"]
    return items


def read_csv(response: Any) -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # Excel reads UTF-8 only with a BOM
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response: Any) -> tuple[list[Any], list[tuple[Any, ...]]]:
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    return list(header), rows


@pytest.mark.parametrize(
    "params", [{}, {"category": "politik_uang"}, {"area": "64.71.01", "min_severity": 3}]
)
def test_report_exports_hold_the_rows_of_the_list(
    site: TestClient, world: World, params: dict[str, Any]
) -> None:
    expected = listed(site, world.analyst, "/reports", **params)
    assert expected  # the filters do select something
    rows = read_csv(get(site, world.analyst, "/reports/export.csv", **params))
    assert [int(r["id"]) for r in rows] == [i["id"] for i in expected]  # same rows, same order
    for row, item in zip(rows, expected, strict=True):
        assert (row["kode_desa"], row["kategori"], row["status"]) == (
            item["desa_code"],
            item["category"],
            item["status"],
        )
        assert row["pengguna"] == item["reporter"]["username"]  # an analyst sees who reported
    geojson = get(site, world.analyst, "/reports/export.geojson", **params).json()
    assert geojson["type"] == "FeatureCollection"
    assert [f["properties"]["id"] for f in geojson["features"]] == [i["id"] for i in expected]
    header, cells = read_xlsx(get(site, world.analyst, "/reports/export.xlsx", **params))
    assert header == XLSX_HEADER and header[:3] == ["No. laporan", "Diterima", "Waktu kejadian"]
    assert [c[0] for c in cells] == [i["id"] for i in expected]


def test_csv_columns_and_values(site: TestClient, world: World) -> None:
    rows = read_csv(get(site, world.analyst, "/reports/export.csv", category="bentrok_pendukung"))
    assert list(rows[0]) == CSV_HEADER
    (row,) = [r for r in rows if r["nama_sumber"] == "Pak Joko"]
    assert (row["kode_desa"], row["lintang"], row["bujur"], row["disamarkan"]) == (
        MANGGAR,
        "-1.2",
        "116.98",
        "tidak",
    )
    assert row["terjadi"] == "2024-11-27T07:30:00+08:00"  # local time (WITA) with its offset


def test_a_partner_export_has_no_desa_coordinates_or_reporter(site: TestClient, world: World) -> None:
    expected = listed(site, world.partner, "/reports")
    assert len(expected) == 3  # Balikpapan only
    rows = read_csv(get(site, world.partner, "/reports/export.csv"))
    assert [int(r["id"]) for r in rows] == [i["id"] for i in expected]
    for row in rows:
        assert all(row[c] == "" for c in PLACE_COLUMNS + REPORTER_COLUMNS), row
        assert row["kode_wilayah"] == row["kode_kecamatan"] == MANGGAR[:8] and row["disamarkan"] == "ya"
    for feature in get(site, world.partner, "/reports/export.geojson").json()["features"]:
        properties = feature["properties"]
        assert feature["geometry"] is None and properties["reporter"] is None
        assert properties["desa_code"] is None and properties["tps_id"] is None
    header, cells = read_xlsx(get(site, world.partner, "/reports/export.xlsx"))
    hidden = [header.index(XLSX_HEADER[CSV_HEADER.index(c)]) for c in PLACE_COLUMNS + REPORTER_COLUMNS]
    assert len(cells) == 3 and all(row[i] is None for row in cells for i in hidden)
    text = json.dumps([get(site, world.partner, f"/reports/export.{f}").text for f in ("csv", "geojson")])
    assert MANGGAR not in text and LAMARU not in text and "Pak Joko" not in text and "116.98" not in text
    # A desa filter would tell a partner which reports are in that desa: refused as in the list.
    response = site.get(f"{API}/reports/export.csv", params={"area": MANGGAR}, headers=world.partner.headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "report.area_too_fine"


def test_exports_stay_in_the_callers_scope(site: TestClient, world: World) -> None:
    own = [int(r["id"]) for r in read_csv(get(site, world.palaran, "/reports/export.csv"))]
    assert own == [i["id"] for i in listed(site, world.palaran, "/reports")] and len(own) == 1
    assert read_csv(get(site, world.palaran, "/reports/export.csv", area="64.71")) == []  # outside: empty
    # The sender sees their own report's reporter, as in the list.
    assert read_csv(get(site, world.palaran, "/reports/export.csv"))[0]["pengguna"] == world.palaran.username


def test_file_names_say_what_where_and_when(site: TestClient, world: World) -> None:
    cases = [
        (world.analyst, {}, "laporan-64.71-2024-11-27.csv"),
        (world.analyst, {"area": "64.71.01"}, "laporan-64.71.01-2024-11-27.csv"),
    ]
    for account, params, name in cases:
        response = get(site, account, "/reports/export.csv", **params)
        assert f'filename="{name}"' in response.headers["content-disposition"]
    response = get(site, world.analyst, "/alerts/export.xlsx")
    assert 'filename="peringatan-64.71-2024-11-27.xlsx"' in response.headers["content-disposition"]


def test_alert_exports_hold_the_rows_of_the_list_blurred_for_partners(site: TestClient, world: World) -> None:
    clock: Clock = site.app.state.clock  # type: ignore[attr-defined]
    clock.advance(minutes=5)
    cycle = site.post(f"{API}/alerts/cycle", headers=world.analyst.headers)
    assert cycle.status_code == 200 and cycle.json()["raised"], cycle.text
    for account in (world.analyst, world.partner):
        expected = listed(site, account, "/alerts")
        rows = read_csv(get(site, account, "/alerts/export.csv"))
        assert [(int(r["id"]), r["kode_wilayah"], r["judul"]) for r in rows] == [
            (i["id"], i["area_code"], i["title"]) for i in expected
        ]
        features = get(site, account, "/alerts/export.geojson").json()["features"]
        assert [f["properties"]["area_code"] for f in features] == [i["area_code"] for i in expected]
        header, cells = read_xlsx(get(site, account, "/alerts/export.xlsx"))
        assert header == ALERT_XLSX_HEADER and [c[0] for c in cells] == [i["id"] for i in expected]
    partner_rows = read_csv(get(site, world.partner, "/alerts/export.csv"))
    assert partner_rows and all(len(r["kode_wilayah"]) <= 8 for r in partner_rows)  # the kecamatan at most
    own = read_csv(get(site, world.palaran, "/alerts/export.csv"))  # Samarinda's alerts only
    assert [int(r["id"]) for r in own] == [i["id"] for i in listed(site, world.palaran, "/alerts")]
    assert all(r["kode_wilayah"].startswith("64.72") for r in own)


def test_the_list_pages_link_to_the_downloads_with_their_filters(site: TestClient, world: World) -> None:
    cookie = {"Cookie": f"{SESSION_COOKIE}={world.analyst.token}"}
    page = site.get("/laporan", params={"category": "politik_uang", "severity": "2"}, headers=cookie)
    assert page.status_code == 200, page.text
    link = "/api/v1/reports/export.xlsx?category=politik_uang&amp;min_severity=2"
    assert link in page.text and "Unduh" in page.text
    download = site.get(link.replace("&amp;", "&"), headers=world.analyst.headers)  # the link as it is
    assert download.status_code == 200, download.text
    _header, cells = read_xlsx(download)
    expected = listed(site, world.analyst, "/reports", category="politik_uang", min_severity=2)
    assert [c[0] for c in cells] == [i["id"] for i in expected] and len(cells) == 2
    alerts = site.get("/peringatan", params={"status": "terbuka"}, headers=cookie)
    assert alerts.status_code == 200 and "/api/v1/alerts/export.csv?status=terbuka" in alerts.text
