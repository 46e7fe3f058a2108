"""The daily situation report: its figures for a small seeded world, the HTML page and the PDF (text
read back with pypdf), scope and partners' blurring, the command line and the daily schedule."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pypdf import PdfReader

from alerts.world import BARU_ILIR, LAMARU, MANGGAR, World, build_world, verified_report
from conftest import Account, make_account
from support.clock import PILKADA_DAY, Clock
from tigapilar.accounts import passwords
from tigapilar.accounts.tokens import principal_for_token
from tigapilar.cli.main import cli
from tigapilar.core.settings import Settings
from tigapilar.sitrep.gather import Sitrep, gather
from tigapilar.sitrep.schedule import write_due_sitreps
from tigapilar.storage.db import Database
from tigapilar.tps.registry import add_tps_rows
from tigapilar.web.deps import SESSION_COOKIE

DAY = date(2024, 11, 27)  # voting day; the clock stands at 08.00 WITA
PROFILE = "tps-rawan-2024"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass
class Seeded:
    web: TestClient
    db: Database
    settings: Settings
    world: World
    admin: Account
    alert_id: int


@pytest.fixture
def seeded(client: Any, regions: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """Two reports on the 27th and one on the 26th in Balikpapan, one in Samarinda; an alert; TPS scored."""
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    web: TestClient = client
    web.app.state.clock = Clock()  # type: ignore[attr-defined]
    world = build_world(regions)
    with regions.session() as session:
        admin = make_account(session, "admin.pusat", "admin", national=True)
        add_tps_rows(
            session,
            [
                {
                    "election": "pilkada-2024",
                    "desa_code": desa,
                    "number": n,
                    "dpt_male": 100,
                    "dpt_female": 100,
                }
                for desa, n in ((MANGGAR, 1), (MANGGAR, 2), (LAMARU, 1), (BARU_ILIR, 1), ("64.72.01.1001", 1))
            ],
        )
    verified_report(web, world.analyst, "r1", tps_number=1)  # critical: raises an alert
    verified_report(web, world.analyst, "r2", desa_code=BARU_ILIR, category="politik_uang", severity=2)
    verified_report(web, world.analyst, "r3", occurred_at="2024-11-26T15:00:00+08:00", severity=2)
    samarinda = "64.72.01.1001"
    verified_report(web, world.palaran, "r4", desa_code=samarinda, occurred_at="2024-11-27T06:00:00+08:00")
    web.app.state.clock.advance(minutes=5)  # type: ignore[attr-defined]
    cycle = web.post("/api/v1/alerts/cycle", headers=world.analyst.headers)
    assert cycle.status_code == 200, cycle.text
    raised = cycle.json()["raised"]
    recomputed = web.post("/api/v1/risk/recompute", params={"profile": PROFILE}, headers=admin.headers)
    assert recomputed.status_code == 200, recomputed.text
    balikpapan = [a for a in raised if _alert_area(web, admin, a).startswith("64.71.")]
    assert len(balikpapan) == 1
    return Seeded(web, regions, settings, world, admin, balikpapan[0])


def _alert_area(web: TestClient, who: Account, alert_id: int) -> str:
    area: str = web.get(f"/api/v1/alerts/{alert_id}", headers=who.headers).json()["alert"]["area_code"]
    return area


def report_as(s: Seeded, who: Account, area: str = "64.71") -> Sitrep:
    now = PILKADA_DAY
    with s.db.session() as session:
        principal = principal_for_token(session, who.token, now)
        assert principal is not None
        return gather(session, principal, s.settings, area=area, day=DAY, now=now)


def page(s: Seeded, who: Account, url: str) -> Any:
    return s.web.get(url, headers={"Cookie": f"{SESSION_COOKIE}={who.token}"}, follow_redirects=False)


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def test_figures_of_the_day_for_a_polres(seeded: Seeded) -> None:
    report = report_as(seeded, seeded.world.kapolres)
    assert (report.area_code, report.area_name, report.title) == (
        "64.71",
        "Kota Balikpapan",
        "Kota Balikpapan",
    )
    # Samarinda's report is outside the area, the 26th's outside the day.
    assert report.reports_total == 2 and report.reports_confirmed == 2
    assert {(c.key, c.count) for c in report.by_category} == {("bentrok_pendukung", 1), ("politik_uang", 1)}
    assert {(c.key, c.count) for c in report.by_severity} == {("4", 1), ("2", 1)}
    assert [(c.key, c.count) for c in report.by_status] == [("terverifikasi", 2)]
    assert len(report.trend) == 14 and report.trend[-1].day == DAY
    assert [(t.day.day, t.reports) for t in report.trend[-2:]] == [(26, 1), (27, 2)]
    assert sum(t.reports for t in report.trend) == 3
    assert [a.id for a in report.alerts_new] == [seeded.alert_id]
    assert [a.id for a in report.alerts_open] == [seeded.alert_id]
    assert "Polsek Balikpapan Timur" in report.alerts_new[0].units
    assert "Manggar" in report.alerts_new[0].title
    # The ten most vulnerable TPS are the index's own ranking of the area.
    api = seeded.web.get(
        "/api/v1/risk/scores",
        params={"profile": PROFILE, "level": "tps", "area": "64.71", "limit": 10},
        headers=seeded.admin.headers,
    ).json()["items"]
    assert [p.name for p in report.top_places] == [i["name"] for i in api] and len(api) == 4
    assert report.top_places[0].area_name in {"Balikpapan Timur", "Balikpapan Barat"}
    assert all(len(p.reasons) <= 3 for p in report.top_places)
    assert [r.code for r in report.regions] == ["64.71.01", "64.71.02"] and report.map_level == "kecamatan"
    assert all(r.category is not None for r in report.regions)


def test_the_pdf_is_a_dated_restricted_document_with_its_area(seeded: Seeded) -> None:
    response = page(seeded, seeded.world.kapolres, "/situasi.pdf?area=64.71&date=2024-11-27")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="sitrep-64.71-2024-11-27.pdf"'
    assert response.content.startswith(b"%PDF")
    pages, text = pdf_text(response.content)
    assert pages == 2
    for expected in (
        "LAPORAN SITUASI HARIAN",
        "Kota Balikpapan (64.71)",
        "Rabu, 27 November 2024",
        "TERBATAS",
        "Dibuat oleh tigapilar",
        "Halaman 1 dari 2",
        "Halaman 2 dari 2",
        "1. Laporan hari ini",
        "2. Tren laporan 14 hari terakhir",
        "3. Peringatan dini",
        "4. Sepuluh TPS paling rawan",
        "5. Peta kerawanan per kecamatan",
        "Polsek Balikpapan Timur",
        "TPS 001 Manggar",
    ):
        assert expected in text, expected
    assert "Palaran" not in text  # Samarinda is not Balikpapan


def test_the_page_defaults_to_the_callers_area_and_today_and_links_the_pdf(seeded: Seeded) -> None:
    response = page(seeded, seeded.world.kapolres, "/situasi")
    assert response.status_code == 200
    assert "Laporan Situasi Harian" in response.text and "Kota Balikpapan (64.71)" in response.text
    assert 'href="/situasi.pdf?area=64.71&amp;date=2024-11-27"' in response.text
    assert "Unduh PDF" in response.text and "TPS 001 Manggar" in response.text
    english = page(seeded, seeded.world.kapolres, "/situasi?lang=en")
    assert "Download PDF" in english.text
    assert page(seeded, seeded.world.kapolres, "/situasi?date=kemarin").status_code == 404
    default_pdf = page(seeded, seeded.world.kapolres, "/situasi.pdf")
    assert 'filename="sitrep-64.71-2024-11-27.pdf"' in default_pdf.headers["content-disposition"]


def test_out_of_scope_areas_answer_404_like_unknown_ones(seeded: Seeded) -> None:
    palaran = seeded.world.palaran
    for url in (
        "/situasi?area=64.71",
        "/situasi.pdf?area=64.71",
        "/situasi?area=64.79",
        "/situasi.pdf?area=64",
    ):
        response = page(seeded, palaran, url)
        assert response.status_code == 404, url
        assert "Balikpapan" not in response.text
    assert page(seeded, palaran, "/situasi").status_code == 200  # their own kecamatan
    assert seeded.web.get("/situasi", follow_redirects=False).status_code == 303


def test_partners_get_it_blurred_to_the_kecamatan(seeded: Seeded) -> None:
    report = report_as(seeded, seeded.world.partner)
    assert report.blurred and report.places_level == "kecamatan"
    assert report.alerts_new and report.alerts_new[0].area_name == "Balikpapan Timur"
    assert all("Kelurahan" not in unit for unit in report.alerts_new[0].units)
    response = page(seeded, seeded.world.partner, "/situasi.pdf?area=64.71&date=2024-11-27")
    assert response.status_code == 200
    _, text = pdf_text(response.content)
    assert "Sepuluh kecamatan paling rawan" in text and "Balikpapan Timur" in text
    for desa in ("Manggar", "Lamaru", "Baru Ilir", "TPS 0"):
        assert desa not in text, desa
    html = page(seeded, seeded.world.partner, "/situasi?area=64.71&date=2024-11-27").text
    for desa in ("Manggar", "Lamaru", "Baru Ilir"):
        assert desa not in html, desa


def test_the_command_line_writes_the_pdf_and_the_html(seeded: Seeded, tmp_path: Path) -> None:
    runner = CliRunner(env={"TIGAPILAR_DATABASE_URL": seeded.db.url, "TIGAPILAR_DATA_DIR": str(tmp_path)})
    out = tmp_path / "laporan.pdf"
    args = ["sitrep", "--area", "64.71", "--date", "2024-11-26", "--out", str(out)]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    _, text = pdf_text(out.read_bytes())
    assert "Selasa, 26 November 2024" in text and "Kota Balikpapan" in text
    html = tmp_path / "laporan.html"
    args = ["sitrep", "--area", "64.71", "--date", "2024-11-26", "--out", str(html), "--html"]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "<!doctype html>" in html.read_text(encoding="utf-8") and "Kota Balikpapan" in html.read_text()
    unknown = runner.invoke(cli, ["sitrep", "--area", "64.79", "--out", str(out)])
    assert unknown.exit_code == 1 and "No such area" in unknown.output


def test_the_schedule_writes_yesterdays_report_once(seeded: Seeded, tmp_path: Path) -> None:
    settings = replace(seeded.settings, data_dir=tmp_path, sitrep_areas=("64.71", "64.99"), sitrep_hour=6)
    assert write_due_sitreps(seeded.db, replace(settings, sitrep_areas=()), PILKADA_DAY) == []
    early = datetime(2024, 11, 26, 21, 0, tzinfo=UTC)  # 05.00 WITA on the 27th: before the hour
    assert write_due_sitreps(seeded.db, settings, early) == []
    written = write_due_sitreps(seeded.db, settings, PILKADA_DAY)  # 08.00 WITA: the 26th is due
    assert written == [tmp_path / "sitrep" / "sitrep-64.71-2024-11-26.pdf"]  # 64.99 is unknown: skipped
    assert written[0].read_bytes().startswith(b"%PDF")
    assert write_due_sitreps(seeded.db, settings, PILKADA_DAY) == []
    assert sorted(p.name for p in (tmp_path / "sitrep").iterdir()) == ["sitrep-64.71-2024-11-26.pdf"]


def test_the_scheduler_writes_them_in_its_cycle(seeded: Seeded, tmp_path: Path) -> None:
    from tigapilar.alerts.scheduler import DetectorScheduler

    settings = replace(seeded.settings, data_dir=tmp_path, sitrep_areas=("64.71",))
    setup = seeded.web.app.state.alert_setup  # type: ignore[attr-defined]
    DetectorScheduler(seeded.db.sessions, setup, lambda: PILKADA_DAY, 0, settings).run_once()
    assert (tmp_path / "sitrep" / "sitrep-64.71-2024-11-26.pdf").exists()
