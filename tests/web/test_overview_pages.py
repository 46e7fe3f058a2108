"""The overview (``/ringkasan``), region (``/wilayah/{code}``) and TPS (``/tps/{id}``) pages through HTTP:
numbers equal to counts made here from the seeded reports, well-formed accessible SVG charts, both
languages, the caller's scope (out of scope answers like unknown), partners kept at the kecamatan and
officers' personal data only for the roles that may see it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from alerts.world import BARU_ILIR, LAMARU, MANGGAR, RAWA_MAKMUR, World, build_world
from conftest import Account, make_account
from support.clock import Clock
from tigapilar.organisation.officers import OfficerSpec, create_officers
from tigapilar.risk.profile import load_profile
from tigapilar.risk.service import recompute
from tigapilar.storage.db import Database
from tigapilar.storage.models import Tps
from tigapilar.tps.registry import add_tps_rows
from tigapilar.web.charts import Band, Bar, bar_chart, line_chart, number, sparkline
from tigapilar.web.deps import SESSION_COOKIE

SVG = re.compile(r"<svg\b.*?</svg>", re.S)
NS = "{http://www.w3.org/2000/svg}"
RANGE = "dari=2024-11-20&sampai=2024-11-27"


@dataclass(frozen=True)
class Seeded:
    """A report as sent: where, what, how bad, when (local day), and whether it was verified."""

    desa: str
    category: str
    severity: int
    day: str
    verified: bool


# Balikpapan (the analyst's and partner's city) and one in Samarinda (outside their scope); one on
# 19 Nov, outside the range asked for.
SEEDED = [
    Seeded(MANGGAR, "politik_uang", 2, "2024-11-25", True),
    Seeded(MANGGAR, "politik_uang", 3, "2024-11-25", False),
    Seeded(MANGGAR, "bentrok_pendukung", 4, "2024-11-26", True),
    Seeded(LAMARU, "hoaks", 1, "2024-11-26", False),
    Seeded(BARU_ILIR, "politik_uang", 2, "2024-11-27", False),
    Seeded(BARU_ILIR, "sara", 3, "2024-11-19", False),
    Seeded(RAWA_MAKMUR, "hoaks", 2, "2024-11-26", True),
]
PILLARS = [
    OfficerSpec("Gita Permata", "Bripka", "85071007", None, "0812-7101-0007", "polsek-64.71.01",
                "bhabinkamtibmas", [MANGGAR]),
    OfficerSpec("Hendra Gunawan", "Serda", "21120012008", None, "0813-7101-0008", "koramil-64.71.01",
                "babinsa", [MANGGAR]),
    OfficerSpec("Indah Sari", None, None, "197502022005012009", "0852-7101-0009",
                "kelurahan-64.71.01.1001", "kades_lurah", [MANGGAR]),
]  # fmt: skip


TPS_ROWS: list[dict[str, Any]] = [
    {"desa_code": MANGGAR, "number": 1, "dpt_male": 110, "dpt_female": 120, "address": "Jl. Mulawarman 5"},
    {"desa_code": MANGGAR, "number": 2, "dpt_male": 90, "dpt_female": 95},
    {"desa_code": LAMARU, "number": 1, "dpt_male": 80, "dpt_female": 70},
    {"desa_code": RAWA_MAKMUR, "number": 1, "dpt_male": 60, "dpt_female": 65, "address": "SDN 012"},
]


@dataclass
class Site:
    web: TestClient
    world: World
    admin: Account
    tps: dict[str, int]  # uid -> id
    reports: list[tuple[int, Seeded]]


def page(site: Site, account: Account, url: str, status: int = 200) -> str:
    cookie = {"Cookie": f"{SESSION_COOKIE}={account.token}"}
    response = site.web.get(url, headers=cookie, follow_redirects=False)
    assert response.status_code == status, response.text[:500]
    text: str = response.text
    return text


def svgs(html: str) -> list[ET.Element]:
    """Every chart of a page, parsed as XML (a malformed one fails here)."""
    return [ET.fromstring(found) for found in SVG.findall(html)]


def table(html: str, chart: str) -> dict[str, int]:
    """The table behind chart ``chart``: row key -> count."""
    found = re.search(rf'data-chart="{re.escape(chart)}">(.*?)</table>', html, re.S)
    assert found, f"no table for {chart}"
    rows = re.findall(r'data-key="([^"]*)">.*?data-count="(\d+)"', found.group(1), re.S)
    return {key: int(count) for key, count in rows}


def total(html: str, element: str) -> int:
    found = re.search(rf'id="{element}" data-total="(\d+)"', html)
    assert found, element
    return int(found.group(1))


@pytest.fixture
def site(client: Any, regions: Database) -> Site:
    web: TestClient = client
    web.app.state.clock = Clock()  # type: ignore[attr-defined]  # 27 Nov 2024, 08.00 WITA
    world = build_world(regions)
    with regions.session() as session:
        admin = make_account(session, "admin.pusat", "admin", national=True)
        create_officers(session, PILLARS)
        add_tps_rows(session, [{"election": "pilkada-2024", **row} for row in TPS_ROWS])
        tps = {uid: tps_id for uid, tps_id in session.execute(select(Tps.uid, Tps.id))}
    reports = []
    for i, seeded in enumerate(SEEDED):
        body = {
            "client_id": f"ringkasan-{i}",
            "desa_code": seeded.desa,
            "category": seeded.category,
            "severity": seeded.severity,
            "description": f"Uraian laporan {i} untuk ringkasan",
            "occurred_at": f"{seeded.day}T07:30:00+08:00",
        }
        response = web.post("/api/v1/reports", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        report_id = response.json()["report"]["id"]
        if seeded.verified:
            verified = web.post(
                f"/api/v1/reports/{report_id}/status", json={"status": "terverifikasi"}, headers=admin.headers
            )
            assert verified.status_code == 200, verified.text
        reports.append((report_id, seeded))
    with regions.session() as session:  # the index after the reports, as the scheduler would
        recompute(session, load_profile("tps-rawan-2024"), datetime(2024, 11, 27, 0, 0, tzinfo=UTC))
    return Site(web, world, admin, tps, reports)


def expected(site: Site, area: str, first: str = "2024-11-20", last: str = "2024-11-27") -> list[Seeded]:
    return [s for _, s in site.reports if s.desa.startswith(area + ".") and first <= s.day <= last]


# --- the overview ---------------------------------------------------------------------------------


def test_overview_numbers_equal_counts_of_the_seeded_reports(site: Site) -> None:
    html = page(site, site.world.analyst, f"/ringkasan?{RANGE}")
    mine = expected(site, "64.71")
    assert total(html, "jumlah-laporan") == len(mine) == 5
    assert {k: v for k, v in table(html, "by_category").items() if v} == Counter(s.category for s in mine)
    severities = Counter(str(s.severity) for s in mine)
    assert {k: v for k, v in table(html, "by_severity").items() if v} == severities
    statuses = Counter("terverifikasi" if s.verified else "baru" for s in mine)
    assert {k: v for k, v in table(html, "by_status").items() if v} == statuses
    days = table(html, "by_day")
    assert len(days) == 8 and sum(days.values()) == len(mine)  # every day of the range, zeros too
    assert {k: v for k, v in days.items() if v} == Counter(s.day for s in mine)
    # By kecamatan of Balikpapan, the analyst's city; Samarinda's report is nowhere.
    assert table(html, "by_area") == {"64.71.01": 4, "64.71.02": 1}
    assert 'href="/wilayah/64.71.01"' in html
    # Open alerts: as many as the API lists for the same caller.
    listed = site.web.get("/api/v1/alerts?status=terbuka", headers=site.world.analyst.headers).json()
    assert total(html, "jumlah-peringatan") == listed["total"]
    # The TPS of the analyst's city by vulnerability category.
    risk = table(html, "risk-tps-rawan-2024")
    assert sum(risk.values()) == sum(1 for uid in site.tps if uid.startswith("64.71."))


def test_overview_of_a_chosen_area_and_the_national_view(site: Site) -> None:
    html = page(site, site.world.analyst, f"/ringkasan?wilayah=64.71.01&{RANGE}")
    assert total(html, "jumlah-laporan") == len(expected(site, "64.71.01")) == 4
    assert table(html, "by_area") == {MANGGAR: 3, LAMARU: 1}
    national = page(site, site.admin, f"/ringkasan?{RANGE}")
    assert total(national, "jumlah-laporan") == len(expected(site, "64")) == 6
    assert table(national, "by_area") == {"64": 6}
    # A stage, narrowed by a date: 1..23 Nov of the campaign holds only the report of 19 Nov.
    campaign = page(site, site.admin, "/ringkasan?tahap=pilkada-2024:kampanye&dari=2024-11-01")
    assert total(campaign, "jumlah-laporan") == len(expected(site, "64", "2024-11-01", "2024-11-23")) == 1
    assert len(table(campaign, "by_day")) == 23


def test_charts_are_well_formed_accessible_svg_in_both_languages(site: Site) -> None:
    for language, day_title in (("id", "Laporan per hari"), ("en", "Reports per day")):
        html = page(site, site.world.analyst, f"/ringkasan?{RANGE}&lang={language}")
        charts = svgs(html)
        assert len(charts) >= 7
        for chart in charts:
            assert chart.get("role") == "img" and chart.get("aria-label")
            assert chart.find(f"{NS}title") is not None
            assert chart.get("viewBox")
        titles = [c.get("aria-label") for c in charts]
        assert day_title in titles
        line = charts[titles.index(day_title)]
        # Stage bands behind the line: the last campaign days and the quiet period before voting day.
        bands = [g for g in line.iter(f"{NS}g") if "chart-band" in (g.get("class") or "")]
        assert bands, "no election stage behind the daily chart"
        assert line.find(f"{NS}polyline") is not None
        assert 'lang="en"' in html if language == "en" else 'lang="id"' in html


def test_bad_filters_are_explained(site: Site) -> None:
    for query in ("dari=27-11-2024", "tahap=pilkada-2024:tidak_ada", "dari=2024-11-27&sampai=2024-11-01",
                  "dari=2020-01-01&sampai=2024-11-27"):  # fmt: skip
        html = page(site, site.world.analyst, f"/ringkasan?{query}", 422)
        assert 'role="alert"' in html
    anonymous = site.web.get("/ringkasan", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].endswith("/masuk")


def test_out_of_scope_answers_like_unknown(site: Site) -> None:
    analyst = site.world.analyst  # Balikpapan
    for url in ("/ringkasan?wilayah=64.72", "/ringkasan?wilayah=64.99", "/wilayah/64.72.01", "/wilayah/64.99",
                f"/wilayah/{RAWA_MAKMUR}", "/wilayah/bukan-kode", "/tps/987654", "/tps/abc",
                f"/tps/{site.tps[f'{RAWA_MAKMUR}-001']}"):  # fmt: skip
        html = page(site, analyst, url, 404)
        assert "Rawa Makmur" not in html and "Samarinda" not in html
    # The province is an ancestor: its overview counts only the analyst's reports; its page is not theirs.
    assert total(page(site, analyst, f"/ringkasan?wilayah=64&{RANGE}"), "jumlah-laporan") == 5
    page(site, analyst, "/wilayah/64", 404)


def test_region_page_explains_the_score_and_lists_the_three_pillars(site: Site) -> None:
    html = page(site, site.world.analyst, f"/wilayah/{MANGGAR}")
    assert "<h1>Manggar</h1>" in html
    score = float(re.findall(r'data-score="([0-9.]+)"', html)[0])
    assert score > 0  # a verified report in Manggar adds points
    svgs(html)
    for name, phone in (("Gita Permata", "+6281271010007"), ("Hendra Gunawan", "+6281371010008")):
        assert name in html and phone in html  # analysts may see personal data
    assert "Indah Sari" in html and "197502022005012009" in html
    ranked = re.findall(r'href="/tps/(\d+)"', html)
    assert set(map(int, ranked)) == {site.tps[f"{MANGGAR}-001"], site.tps[f"{MANGGAR}-002"]}
    manggar_reports = {rid for rid, s in site.reports if s.desa == MANGGAR}
    assert set(map(int, re.findall(r'href="/laporan/(\d+)"', html))) == manggar_reports
    city = page(site, site.world.analyst, "/wilayah/64.71?lang=en")
    assert 'href="/wilayah/64.71.01"' in city and "Daily score trend" in city


def test_tps_page(site: Site) -> None:
    tps_id = site.tps[f"{MANGGAR}-001"]
    html = page(site, site.world.analyst, f"/tps/{tps_id}")
    assert "TPS 001 Manggar" in html and "Jl. Mulawarman 5" in html
    assert 'data-dpt="230"' in html
    assert re.search(r'data-score="[0-9.]+"', html)
    assert 'href="/wilayah/64.71.01.1001"' in html
    assert {rid for rid, s in site.reports if s.desa == MANGGAR} == set(
        map(int, re.findall(r'href="/laporan/(\d+)"', html))
    )
    svgs(html)


def test_partners_stay_at_the_kecamatan_and_see_no_personal_data(site: Site) -> None:
    partner = site.world.partner  # Bawaslu, Balikpapan
    for url in (f"/wilayah/{MANGGAR}", f"/tps/{site.tps[f'{MANGGAR}-001']}", "/tps/987654",
                f"/ringkasan?wilayah={MANGGAR}", "/wilayah/64.72.01.9999"):  # fmt: skip
        assert "Manggar" not in page(site, partner, url, 403)
    html = page(site, partner, f"/ringkasan?{RANGE}")
    assert total(html, "jumlah-laporan") == 5
    assert table(html, "by_area") == {"64.71.01": 4, "64.71.02": 1}
    kecamatan = page(site, partner, f"/ringkasan?wilayah=64.71.01&{RANGE}")
    assert "by_area" not in kecamatan and MANGGAR not in kecamatan  # no desa rows for partners
    region = page(site, partner, "/wilayah/64.71.01")
    assert "Gita Permata" in region  # names only
    for personal in ("+6281271010007", "85071007", "197502022005012009", "0812"):
        assert personal not in region
    # No desa or TPS below it: neither scores nor links (an officer's unit may still be named).
    assert "/tps/" not in region
    assert f"/wilayah/{MANGGAR}" not in region


def test_field_officers_see_names_without_phones(site: Site, regions: Database) -> None:
    with regions.session() as session:
        officer = make_account(session, "bhabin.manggar", "field_officer", areas=[MANGGAR])
    html = page(site, officer, f"/wilayah/{MANGGAR}")
    assert "Gita Permata" in html and "+6281271010007" not in html and "85071007" not in html
    overview = page(site, officer, f"/ringkasan?{RANGE}")
    assert total(overview, "jumlah-laporan") == 3


# --- the chart module -----------------------------------------------------------------------------


def test_charts_escape_text_and_format_numbers() -> None:
    bars = bar_chart([Bar("<b>&", 12345), Bar("nol", 0)], title='a "title"', language="id")
    root = ET.fromstring(str(bars))
    assert root.get("aria-label") == 'a "title"'
    assert "12.345" in "".join(root.itertext())
    assert number(1234.5, "id", 1) == "1.234,5" and number(1234.5, "en", 1) == "1,234.5"
    empty = ET.fromstring(str(bar_chart([], title="kosong", language="en", empty="nothing")))
    assert "nothing" in "".join(empty.itertext())
    day = datetime(2024, 11, 1).date()
    line = ET.fromstring(
        str(line_chart([(day, 1.0)], title="x", language="en", bands=[Band(day, day, "Voting day")]))
    )
    assert "Voting day" in "".join(line.itertext())
    assert ET.fromstring(str(sparkline([1.0, 3.0, 2.0], title="s"))).find(f"{NS}polyline") is not None
    assert ET.fromstring(str(sparkline([], title="s"))).find(f"{NS}title") is not None
