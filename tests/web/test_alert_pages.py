"""The early-warning pages through HTTP as a browser uses them: the alert list (open first, the
"for my unit" tab, overdue deadlines), one alert with its evidence, timeline and forms, the response
metrics, and the notification inbox with the header's unread badge; in the caller's scope, read-only
and blurred for partners, forms refused from other sites."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from alerts.world import MANGGAR, World, build_world, verified_report
from conftest import PASSWORD, Account
from support.clock import Clock
from tigapilar.storage.db import Database

SAME_ORIGIN = {"Origin": "http://testserver"}
BADGE = re.compile(r'class="badge(?: zero)?">(\d+)<')


@pytest.fixture
def site(client: Any, regions: Database) -> TestClient:
    web: TestClient = client
    web.app.state.clock = Clock()  # type: ignore[attr-defined]  # 27 Nov 2024, 08.00 WITA
    return web


@pytest.fixture
def world(regions: Database) -> World:
    return build_world(regions)


def clock(web: TestClient) -> Clock:
    found: Clock = web.app.state.clock  # type: ignore[attr-defined]
    return found


def raise_alert(web: TestClient, world: World) -> int:
    """Setup through the JSON API (tested in tests/alerts): a critical verified report in Manggar and
    a detector cycle five minutes later raise one alert, due to be acknowledged within 15 minutes."""
    verified_report(web, world.analyst, "r1")
    clock(web).advance(minutes=5)
    response = web.post("/api/v1/alerts/cycle", headers=world.analyst.headers)
    assert response.status_code == 200, response.text
    raised: list[int] = response.json()["raised"]
    assert len(raised) == 1
    return raised[0]


def login(web: TestClient, account: Account) -> None:
    web.cookies.clear()
    response = web.post(
        "/masuk",
        data={"username": account.username, "password": PASSWORD},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def post(web: TestClient, path: str, data: dict[str, str], **headers: str) -> httpx.Response:
    response: httpx.Response = web.post(
        path, data=data, headers=headers or SAME_ORIGIN, follow_redirects=False
    )
    return response


def api_alert(web: TestClient, account: Account, alert_id: int) -> dict[str, Any]:
    response = web.get(f"/api/v1/alerts/{alert_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def badge(html: str) -> int:
    found = BADGE.search(html)
    assert found, "no unread badge in the header"
    return int(found.group(1))


def test_list_and_detail_in_indonesian_and_english(site: TestClient, world: World) -> None:
    alert_id = raise_alert(site, world)
    login(site, world.kapolsek)
    listing = site.get("/peringatan")
    assert listing.status_code == 200
    html = listing.text
    assert '<html lang="id">' in html and "Peringatan dini" in html
    assert f'href="/peringatan/{alert_id}"' in html and "Kritis" in html and "Baru" in html
    assert "27 Nov 2024, 08.20 WITA" in html  # 15 minutes to acknowledge from 08.05 WITA
    assert "terlambat" not in html and 'href="/peringatan?untuk=unit"' in html

    page = site.get(f"/peringatan/{alert_id}")
    assert page.status_code == 200
    html = page.text
    assert f"Peringatan #{alert_id}" in html and "Manggar" in html and "64.71.01.1001" in html
    for unit in ("Polsek Balikpapan Timur", "Koramil 0905-01", "Kelurahan Manggar"):
        assert unit in html, unit
    assert "wilayah kejadian" in html and "Laporan terverifikasi" in html and "<code>count</code>" in html
    assert 'href="/laporan/' in html and "Peringatan dibuat" in html and "27 Nov 2024, 08.05 WITA" in html
    assert "Sampai diterima" in html and "belum" in html
    assert (
        f'action="/peringatan/{alert_id}/status"' in html
        and f'action="/peringatan/{alert_id}/tindakan"' in html
    )
    assert "Terima peringatan" in html and "Tutup (selesai)" in html and "Batalkan peringatan" in html
    assert "Mediasi antarpihak" in html and "Klarifikasi hoaks" in html

    english = site.get(f"/peringatan/{alert_id}?lang=en").text
    assert '<html lang="en">' in english and f"Alert #{alert_id}" in english
    assert "Critical" in english and "Verified" in english and "27 Nov 2024, 08:20 WITA" in english
    assert (
        "Acknowledge" in english and "Mediation between the parties" in english and "Alert raised" in english
    )
    assert "Early warning alerts" in site.get("/peringatan").text  # the language is remembered
    assert "Alert response metrics" in site.get("/peringatan/metrik").text


def test_a_commander_acknowledges_logs_and_closes_through_the_forms(site: TestClient, world: World) -> None:
    alert_id = raise_alert(site, world)
    login(site, world.kapolsek)
    status_path, action_path = f"/peringatan/{alert_id}/status", f"/peringatan/{alert_id}/tindakan"

    # Forms come from this site's pages only: a forged or headerless post changes nothing.
    forged = post(site, status_path, {"status": "diterima"}, Origin="https://evil.example")
    assert forged.status_code == 403 and "tidak berasal dari halaman situs ini" in forged.text
    assert site.post(status_path, data={"status": "diterima"}, follow_redirects=False).status_code == 403
    assert (
        post(
            site, action_path, {"action": "patroli", "description": "x"}, Referer="https://evil.example/"
        ).status_code
        == 403
    )
    assert api_alert(site, world.kapolsek, alert_id)["alert"]["status"] == "baru"

    clock(site).advance(minutes=10)
    taken = post(site, status_path, {"status": "diterima", "note": "Tim meluncur"})
    assert (taken.status_code, taken.headers["location"]) == (303, f"/peringatan/{alert_id}?ok=status")
    shown = site.get(taken.headers["location"]).text
    assert f"Status peringatan #{alert_id} diperbarui." in shown and "Tim meluncur" in shown
    assert "oleh kapolsek" in shown and "10,0 menit" in shown
    assert "Terima peringatan" not in shown and "Tiba di lokasi" in shown  # only the steps ahead

    logged = post(site, action_path, {"action": "mediasi", "description": "Mediasi kedua tim di kelurahan"})
    assert logged.status_code == 303
    shown = site.get(logged.headers["location"]).text
    assert "dicatat" in shown and "Mediasi antarpihak" in shown and "Mediasi kedua tim di kelurahan" in shown

    unknown = post(site, action_path, {"action": "tembak", "description": "x"})
    assert unknown.status_code == 422 and "Jenis tindakan &#39;tembak&#39; tidak dikenal." in unknown.text
    no_outcome = post(site, status_path, {"status": "selesai", "lessons": "Posko terlalu dekat"})
    assert no_outcome.status_code == 422
    assert "Menutup peringatan memerlukan uraian hasil penanganan." in no_outcome.text
    assert "Posko terlalu dekat</textarea>" in no_outcome.text  # what was typed is kept
    no_reason = post(site, status_path, {"status": "dibatalkan"})
    assert no_reason.status_code == 422 and "Membatalkan peringatan memerlukan alasan." in no_reason.text

    clock(site).advance(minutes=50)
    closed = post(
        site,
        status_path,
        {"status": "selesai", "outcome": "Kedua pihak sepakat damai", "lessons": "Posko terlalu dekat"},
    )
    assert closed.status_code == 303
    shown = site.get(closed.headers["location"]).text
    assert "Kedua pihak sepakat damai" in shown and "Posko terlalu dekat" in shown and "60,0 menit" in shown
    assert status_path not in shown and action_path not in shown  # a closed alert has no forms
    body = api_alert(site, world.kapolsek, alert_id)
    assert body["alert"]["status"] == "selesai" and body["outcome"] == "Kedua pihak sepakat damai"
    assert [e["by"] for e in body["timeline"] if e["kind"] in ("status", "action")] == ["kapolsek"] * 3

    again = post(site, status_path, {"status": "ditangani"})
    assert again.status_code == 409 and "tidak dapat diubah" in again.text


def test_a_partner_reads_blurred_and_without_forms(site: TestClient, world: World) -> None:
    alert_id = raise_alert(site, world)
    login(site, world.partner)
    assert f'href="/peringatan/{alert_id}"' in site.get("/peringatan").text
    html = site.get(f"/peringatan/{alert_id}").text
    assert "<dt>Kecamatan</dt>" in html and "Balikpapan Timur <code>64.71.01</code>" in html
    report = api_alert(site, world.partner, alert_id)["reports"][0]
    assert report["desa_code"] is None  # as alerts.views returns it to a partner: the kecamatan
    assert f'href="/laporan/{report["id"]}"' in html
    assert (
        f"/peringatan/{alert_id}/status" not in html
        and "/tindakan" not in html
        and '<form method="post"' not in html
    )
    refused = post(site, f"/peringatan/{alert_id}/status", {"status": "diterima"})
    assert refused.status_code == 403
    assert api_alert(site, world.partner, alert_id)["alert"]["status"] == "baru"
    too_fine = site.get("/peringatan", params={"area": MANGGAR})
    assert too_fine.status_code == 422 and "sampai tingkat kecamatan" in too_fine.text


def test_an_alert_out_of_scope_is_a_404_page(site: TestClient, world: World) -> None:
    alert_id = raise_alert(site, world)
    login(site, world.palaran)
    out_of_scope = site.get(f"/peringatan/{alert_id}")
    unknown = site.get("/peringatan/999999")
    assert out_of_scope.status_code == unknown.status_code == 404
    assert "Peringatan tidak ditemukan" in out_of_scope.text and out_of_scope.text == unknown.text
    assert site.get("/peringatan/bukan-angka").status_code == 404
    assert f'href="/peringatan/{alert_id}"' not in site.get("/peringatan").text
    assert post(site, f"/peringatan/{alert_id}/status", {"status": "diterima"}).status_code == 404
    assert (
        post(site, f"/peringatan/{alert_id}/tindakan", {"action": "patroli", "description": "x"}).status_code
        == 404
    )
    metrics = site.get("/peringatan/metrik").text
    assert "Polsek Balikpapan Timur" not in metrics and "Belum ada peringatan." in metrics


def test_an_overdue_alert_says_so_and_escalates_to_the_unit_above(site: TestClient, world: World) -> None:
    alert_id = raise_alert(site, world)
    login(site, world.kapolres)
    assert f'href="/peringatan/{alert_id}"' not in site.get("/peringatan?untuk=unit").text
    clock(site).advance(minutes=16)  # the 15-minute deadline to acknowledge has passed
    listing = site.get("/peringatan?status=terbuka").text
    assert f'href="/peringatan/{alert_id}"' in listing and "terlambat" in listing
    assert "terlambat" in site.get(f"/peringatan/{alert_id}").text
    assert site.post("/api/v1/alerts/cycle", headers=world.analyst.headers).json()["escalated"] == [alert_id]

    mine = site.get("/peringatan?untuk=unit").text
    assert f'href="/peringatan/{alert_id}"' in mine and "Polresta Balikpapan" in mine and "tingkat 1" in mine
    html = site.get(f"/peringatan/{alert_id}").text
    assert "eskalasi tingkat 1" in html and "Dieskalasi" in html
    metrics = site.get("/peringatan/metrik").text
    assert "Polresta Balikpapan" in metrics and "Kota Balikpapan" in metrics
    assert f'href="/peringatan/{alert_id}"' not in site.get("/peringatan?status=selesai").text
    assert site.get("/peringatan?status=entah").status_code == 422

    login(site, world.analyst)  # an account without a unit
    no_unit = site.get("/peringatan?untuk=unit")
    assert no_unit.status_code == 422 and "belum terhubung ke satuan" in no_unit.text


def test_the_unread_badge_and_the_inbox(site: TestClient, world: World) -> None:
    alert_id = raise_alert(site, world)
    login(site, world.kapolsek)
    assert badge(site.get("/beranda").text) == 1  # every page's header
    assert 'href="/peringatan"' in site.get("/laporan").text
    inbox = site.get("/notifikasi")
    assert inbox.status_code == 200 and badge(inbox.text) == 1
    html = inbox.text
    assert f'href="/peringatan/{alert_id}"' in html and f"Peringatan #{alert_id}:" in html
    mine = site.get("/api/v1/notifications", headers=world.kapolsek.headers).json()["items"]
    assert len(mine) == 1
    one = mine[0]["id"]
    assert f'action="/notifikasi/{one}/dibaca"' in html and "Tandai semua dibaca" in html

    # Someone else's notification is not there to mark; a forged post marks nothing.
    login(site, world.danramil)
    assert post(site, f"/notifikasi/{one}/dibaca", {}).status_code == 404
    login(site, world.kapolsek)
    assert post(site, f"/notifikasi/{one}/dibaca", {}, Origin="https://evil.example").status_code == 403
    assert badge(site.get("/peringatan").text) == 1

    marked = post(site, f"/notifikasi/{one}/dibaca", {})
    assert (marked.status_code, marked.headers["location"]) == (303, "/notifikasi?ok=dibaca")
    html = site.get(marked.headers["location"]).text
    assert badge(html) == 0 and "Notifikasi ditandai dibaca." in html and '/dibaca"' not in html
    assert "Semua notifikasi sudah dibaca." in site.get("/notifikasi?tampil=belum").text

    login(site, world.danramil)
    assert badge(site.get("/notifikasi?lang=en").text) == 1
    everything = post(site, "/notifikasi/dibaca-semua", {})
    assert everything.status_code == 303
    assert badge(site.get(everything.headers["location"]).text) == 0
    assert site.get("/api/v1/notifications/unread-count", headers=world.danramil.headers).json() == {
        "unread": 0
    }


def test_pages_need_a_login_and_no_script(site: TestClient, world: World) -> None:
    alert_id = raise_alert(site, world)
    for path in ("/peringatan", f"/peringatan/{alert_id}", "/peringatan/metrik", "/notifikasi"):
        response = site.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/masuk"), path
    assert "/notifikasi" not in site.get("/masuk").text  # no badge for nobody
    login(site, world.kapolsek)
    for path in ("/peringatan", f"/peringatan/{alert_id}", "/peringatan/metrik", "/notifikasi"):
        response = site.get(path)
        assert response.status_code == 200, path
        assert "default-src 'none'" in response.headers["content-security-policy"]
        html = response.text.lower()
        assert "<script" not in html and " style=" not in html and "<style" not in html, path
        assert "http://" not in html and "https://" not in html, path
