"""The field report pages, through HTTP as a browser uses them: the form, the list, a report's page,
the verification queue and the review queue; in the caller's scope, with their view of personal data."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import PASSWORD, Account, make_account
from support.clock import Clock
from tigapilar.organisation.officers import create_officer
from tigapilar.storage.db import Database
from tigapilar.storage.models import Inbound, Report, ReportEvent

SAME_ORIGIN = {"Origin": "http://testserver"}
MANGGAR, LAMARU, BARU_ILIR, RAWA_MAKMUR = "64.71.01.1001", "64.71.01.1002", "64.71.02.1001", "64.72.01.1001"
NOW = datetime(2024, 11, 20, 4, 0, tzinfo=UTC)  # 12.00 WITA, during the Pilkada 2024 campaign
REPORT_LINK = re.compile(r'href="/laporan/(\d+)"')


@pytest.fixture
def site(client: Any, regions: Database) -> TestClient:
    web: TestClient = client
    web.app.state.clock = Clock(NOW)  # type: ignore[attr-defined]
    return web


class Cast:
    """The test's people; accounts are made on first use (hashing each password takes a while)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.accounts: dict[str, Account] = {}
        with db.session() as session:
            andi = create_officer(
                session, "Bripka Andi", phone="081234567890", pillar="bhabinkamtibmas", villages=[MANGGAR]
            )
            budi = create_officer(
                session, "Serda Budi", phone="081298765432", pillar="babinsa", villages=[LAMARU]
            )
        # Who is who: (username, role, areas, national, officer).
        self.specs: dict[str, tuple[str, str, list[str], bool, int | None]] = {
            "bhabin": ("bhabin.manggar", "field_officer", [MANGGAR], False, andi.id),
            # A scope wider than the assigned village: the form still offers only the assigned one.
            "babinsa": ("babinsa.lamaru", "field_officer", [MANGGAR, LAMARU], False, budi.id),
            "analyst": ("analis.bpp", "analyst", ["64.71"], False, None),
            "analyst_smd": ("analis.smd", "analyst", ["64.72"], False, None),
            "partner": ("bawaslu.bpp", "partner", ["64.71"], False, None),
            "national": ("pusat", "commander", [], True, None),
        }

    def __getitem__(self, who: str) -> Account:
        if who not in self.accounts:
            username, role, areas, national, officer_id = self.specs[who]
            with self.db.session() as session:
                self.accounts[who] = make_account(
                    session, username, role, areas, national=national, officer_id=officer_id
                )
        return self.accounts[who]


@pytest.fixture
def people(regions: Database) -> Cast:
    return Cast(regions)


def login(web: TestClient, account: Account) -> None:
    web.cookies.clear()
    response = web.post(
        "/masuk",
        data={"username": account.username, "password": PASSWORD},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def client_id_of(html: str) -> str:
    found = re.search(r'name="client_id" value="([^"]+)"', html)
    assert found, "the form has no client_id"
    return found.group(1)


def form(client_id: str, **changes: str) -> dict[str, str]:
    data = {
        "client_id": client_id,
        "desa_code": MANGGAR,
        "tps_number": "",
        "category": "politik_uang",
        "severity": "3",
        "title": "",
        "description": "Tim sukses membagikan amplop berisi uang di RT 05.",
        "occurred_at": "2024-11-20T10:30",
        "people_involved": "4",
        "source_kind": "community",
        "source_name": "Pak Rahman",
        "source_contact": "0812111222",
        "lat": "-1.25",
        "lng": "116.95",
    }
    data.update(changes)
    return data


def post(web: TestClient, path: str, data: dict[str, Any], **headers: str) -> httpx.Response:
    response: httpx.Response = web.post(
        path, data=data, headers=headers or SAME_ORIGIN, follow_redirects=False
    )
    return response


def submit(web: TestClient, data: dict[str, str]) -> httpx.Response:
    return post(web, "/laporan/baru", data)


def api_report(web: TestClient, account: Account, client_id: str, **changes: Any) -> int:
    """Setup through the JSON API (tested elsewhere): a report as ``account`` sends it."""
    body: dict[str, Any] = {
        "client_id": client_id,
        "desa_code": MANGGAR,
        "category": "politik_uang",
        "severity": 3,
        "description": "Tim sukses membagikan amplop berisi uang di RT 05.",
        "occurred_at": "2024-11-20T10:30:00+08:00",
        "source_kind": "community",
        "source_name": "Pak Rahman",
    }
    body.update(changes)
    response = web.post("/api/v1/reports", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["report"]["id"])


def ids_on(html: str) -> list[int]:
    return list(dict.fromkeys(int(i) for i in REPORT_LINK.findall(html)))


def count(db: Database, model: type[object], *where: Any) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_an_officer_submits_through_the_form(site: TestClient, people: Cast, regions: Database) -> None:
    login(site, people["bhabin"])
    page = site.get("/laporan/baru")
    assert page.status_code == 200
    # Only the officer's own village is offered, with now (WITA) as the default time.
    assert re.findall(r'<option value="(64[^"]+)"', page.text) == [MANGGAR]
    assert 'value="2024-11-20T12:00"' in page.text and "Rendah" in page.text and "Kritis" in page.text
    response = submit(site, form(client_id_of(page.text)))
    assert response.status_code == 303
    report_id = int(response.headers["location"].split("/")[-1].split("?")[0])
    shown = site.get(response.headers["location"])
    assert f"Laporan #{report_id} diterima" in shown.text
    assert "Politik uang" in shown.text and "Tinggi" in shown.text and "Manggar" in shown.text
    assert "20 Nov 2024, 10.30 WITA" in shown.text
    with regions.session() as session:
        report = session.get_one(Report, report_id)
        assert (report.channel, report.desa_code, report.category, report.severity) == (
            "web",
            MANGGAR,
            "politik_uang",
            3,
        )
        assert report.occurred_at == datetime(2024, 11, 20, 2, 30, tzinfo=UTC)  # 10.30 WITA
        assert (report.source_kind, report.source_name, report.people_involved) == (
            "community",
            "Pak Rahman",
            4,
        )
        assert (report.lat, report.lng, report.pillar, report.stage) == (
            -1.25,
            116.95,
            "bhabinkamtibmas",
            "kampanye",
        )
        assert report.title.startswith("Tim sukses membagikan")  # from the description when left empty


def test_each_officer_is_offered_their_own_villages(site: TestClient, people: Cast) -> None:
    options = re.compile(r'<option value="(64[^"]+)"')
    login(site, people["babinsa"])
    assert options.findall(site.get("/laporan/baru").text) == [LAMARU]
    login(site, people["analyst"])  # no officer: the desa in scope
    assert options.findall(site.get("/laporan/baru").text) == [MANGGAR, LAMARU, BARU_ILIR]
    login(site, people["national"])  # too many to list: the code is typed
    page = site.get("/laporan/baru").text
    assert not options.findall(page) and 'name="desa_code" type="text"' in page
    login(site, people["partner"])
    refused = site.get("/laporan/baru")
    assert refused.status_code == 403 and "tidak berwenang" in refused.text


def test_a_double_post_of_the_same_form_makes_one_report(
    site: TestClient, people: Cast, regions: Database
) -> None:
    login(site, people["bhabin"])
    data = form(client_id_of(site.get("/laporan/baru").text))
    first, second = submit(site, data), submit(site, data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert count(regions, Report) == 1 and count(regions, Inbound) == 2
    # A new form is a new report, even with the same content.
    assert submit(site, form(client_id_of(site.get("/laporan/baru").text))).status_code == 303
    assert count(regions, Report) == 2


def test_a_form_with_problems_comes_back_with_reasons_and_is_kept_for_review(
    site: TestClient, people: Cast, regions: Database
) -> None:
    login(site, people["bhabin"])
    client_id = client_id_of(site.get("/laporan/baru").text)
    response = submit(
        site, form(client_id, desa_code=RAWA_MAKMUR, description="Ada <b>keributan</b>", lng="")
    )
    assert response.status_code == 422
    html = response.text
    desa_error = re.search(r'id="desa_code-error">(.*?)</div>', html, re.S)
    assert desa_error and "di luar wilayah tugas Anda" in desa_error.group(1)
    gps_error = re.search(r'id="lat-error">(.*?)</div>', html, re.S)
    assert gps_error and "Kirim lintang dan bujur" in gps_error.group(1)
    assert "antrean tinjauan analis" in html
    # The person's own values come back (escaped), with the same form id.
    assert "Ada &lt;b&gt;keributan&lt;/b&gt;</textarea>" in html and "Pak Rahman" in html
    assert client_id_of(html) == client_id
    assert count(regions, Report) == 0
    assert count(regions, Inbound, Inbound.state == "needs_review") == 1
    # Corrected and sent again with the same id: the report is made.
    assert submit(site, form(client_id)).status_code == 303
    assert count(regions, Report) == 1


def test_the_same_form_id_with_other_content_is_refused(
    site: TestClient, people: Cast, regions: Database
) -> None:
    login(site, people["bhabin"])
    client_id = client_id_of(site.get("/laporan/baru").text)
    first = submit(site, form(client_id))
    report_id = first.headers["location"].split("/")[-1].split("?")[0]
    conflict = submit(site, form(client_id, severity="1"))
    assert conflict.status_code == 409
    assert "sudah pernah dikirim" in conflict.text and f'href="/laporan/{report_id}"' in conflict.text
    assert client_id_of(conflict.text) != client_id  # sending it now makes a new report on purpose
    assert count(regions, Report) == 1


def test_list_filters(site: TestClient, people: Cast) -> None:
    a = api_report(site, people["bhabin"], "a")
    b = api_report(
        site,
        people["babinsa"],
        "b",
        desa_code=LAMARU,
        category="hoaks",
        severity=1,
        description="Pesan berantai soal surat suara palsu",
        occurred_at="2024-11-19T09:00:00+08:00",
    )
    login(site, people["analyst"])
    site.post(f"/laporan/{b}/status", data={"status": "terverifikasi"}, headers=SAME_ORIGIN)

    def listed(**params: str) -> list[int]:
        response = site.get("/laporan", params=params)
        assert response.status_code == 200, response.text
        return ids_on(response.text)

    assert listed() == [b, a]  # newest first
    assert listed(area=LAMARU) == [b]
    assert listed(category="politik_uang") == [a]
    assert listed(status="terverifikasi") == [b]
    assert listed(severity="3") == [a]
    assert listed(dari="2024-11-20", sampai="2024-11-20") == [a]
    assert listed(sampai="2024-11-19") == [b]
    assert listed(q="SURAT SUARA") == [b]
    assert listed(q="tidak ada") == []
    page = site.get("/laporan").text
    assert "20 Nov 2024, 10.30 WITA" in page and "Hoaks dan disinformasi" in page and "Terverifikasi" in page
    bad = site.get("/laporan", params={"dari": "kemarin"})
    assert bad.status_code == 422 and "Tanggal tidak valid" in bad.text


def test_a_partner_sees_the_kecamatan_and_no_reporter(site: TestClient, people: Cast) -> None:
    a = api_report(site, people["bhabin"], "a", lat=-1.25, lng=116.95)
    login(site, people["partner"])
    listing = site.get("/laporan").text
    assert ids_on(listing) == [a] and "Balikpapan Timur" in listing and "64.71.01" in listing
    assert MANGGAR not in listing and "Manggar" not in listing
    page = site.get(f"/laporan/{a}")
    assert page.status_code == 200
    html = page.text
    assert "Kecamatan" in html and "Balikpapan Timur" in html
    for secret in (MANGGAR, "Manggar", "Pak Rahman", "bhabin.manggar", "Bripka Andi", "116.95"):
        assert secret not in html, secret
    assert "Identitas pelapor tidak ditampilkan" in html
    assert 'action="/laporan/' not in html  # no actions for a read-only role
    too_fine = site.get("/laporan", params={"area": MANGGAR})
    assert too_fine.status_code == 422 and "sampai tingkat kecamatan" in too_fine.text
    login(site, people["analyst"])
    html = site.get(f"/laporan/{a}").text
    assert "Pak Rahman" in html and "Bripka Andi" in html and "Manggar" in html


def test_an_out_of_scope_report_is_a_404_page(site: TestClient, people: Cast) -> None:
    a = api_report(site, people["bhabin"], "a")
    login(site, people["analyst_smd"])
    out_of_scope = site.get(f"/laporan/{a}")
    unknown = site.get("/laporan/999999")
    assert out_of_scope.status_code == unknown.status_code == 404
    assert out_of_scope.headers["content-type"].startswith("text/html")
    assert "Laporan tidak ditemukan" in out_of_scope.text
    assert out_of_scope.text == unknown.text
    assert site.get("/laporan/bukan-angka").status_code == 404
    assert ids_on(site.get("/laporan").text) == []
    refused = post(site, f"/laporan/{a}/status", {"status": "terverifikasi"})
    assert refused.status_code == 404


def test_an_analyst_verifies_follows_up_rejects_and_the_history_shows_it(
    site: TestClient, people: Cast, regions: Database
) -> None:
    a = api_report(site, people["bhabin"], "a")
    b = api_report(site, people["babinsa"], "b", desa_code=LAMARU, category="hoaks", description="Hoaks")
    login(site, people["analyst"])
    page = site.get(f"/laporan/{a}").text
    assert 'name="status" value="terverifikasi"' in page and 'name="status" value="ditolak"' in page
    assert 'value="selesai"' not in page  # not allowed from "baru"
    verified = post(site, f"/laporan/{a}/status", {"status": "terverifikasi", "note": "dikonfirmasi Babinsa"})
    assert verified.status_code == 303 and verified.headers["location"] == f"/laporan/{a}?ok=status"
    assert post(site, f"/laporan/{a}/status", {"status": "ditindaklanjuti"}).status_code == 303
    html = site.get(f"/laporan/{a}?ok=status").text
    assert f"Status laporan #{a} diperbarui" in html
    assert "Terverifikasi → Ditindaklanjuti" in html and "Baru → Terverifikasi" in html
    assert "dikonfirmasi Babinsa" in html and "oleh analis.bpp" in html and "oleh bhabin.manggar" in html
    refused = post(site, f"/laporan/{a}/status", {"status": "baru"})
    assert refused.status_code == 409 and "tidak dapat diubah" in refused.text
    rejected = post(site, f"/laporan/{b}/status", {"status": "ditolak", "note": "bukan kejadian pemilu"})
    assert rejected.status_code == 303
    with regions.session() as session:
        report_b = session.get_one(Report, b)
        assert (report_b.status, report_b.status_reason) == ("ditolak", "tidak_valid")
        assert (
            session.scalar(
                select(ReportEvent.reason).where(
                    ReportEvent.report_id == b, ReportEvent.to_status == "ditolak"
                )
            )
            == "tidak_valid: bukan kejadian pemilu"
        )
    assert "Ditolak (tidak valid)" in site.get(f"/laporan/{b}").text
    # Field officers may look at their report but not change it.
    login(site, people["bhabin"])
    assert 'name="status"' not in site.get(f"/laporan/{a}").text
    assert post(site, f"/laporan/{a}/status", {"status": "selesai"}).status_code == 403


def test_a_suggested_duplicate_is_merged_from_the_report_page(
    site: TestClient, people: Cast, regions: Database
) -> None:
    a = api_report(site, people["bhabin"], "a")
    b = api_report(
        site, people["babinsa"], "b", description="Amplop berisi uang dibagikan tim sukses di RT 05"
    )
    login(site, people["analyst"])
    page = site.get(f"/laporan/{b}").text
    assert "Kemungkinan laporan ganda" in page
    assert f'action="/laporan/{b}/gabung"' in page and f'name="into" value="{a}"' in page
    merged = post(site, f"/laporan/{b}/gabung", {"into": str(a), "note": "kejadian sama"})
    assert merged.status_code == 303 and merged.headers["location"] == f"/laporan/{a}?ok=digabung&dari={b}"
    original = site.get(merged.headers["location"]).text
    assert f"Laporan #{b} digabung ke laporan #{a}" in original
    assert f'href="/laporan/{b}"' in original and "kejadian sama" in original
    duplicate = site.get(f"/laporan/{b}").text
    assert "Ditolak (duplikat)" in duplicate and f"duplikat dari laporan #{a}" in duplicate
    assert "Baru → Ditolak" in duplicate
    with regions.session() as session:
        assert session.get_one(Report, b).duplicate_of == a
    again = post(site, f"/laporan/{a}/gabung", {"into": str(b)})
    assert again.status_code == 422 and "sudah ditolak" in again.text


def test_the_queue_verifies_rejects_and_merges_in_bulk(
    site: TestClient, people: Cast, regions: Database
) -> None:
    a = api_report(site, people["bhabin"], "a")
    b = api_report(
        site, people["babinsa"], "b", description="Amplop berisi uang dibagikan tim sukses di RT 05"
    )
    c = api_report(
        site, people["babinsa"], "c", desa_code=LAMARU, category="hoaks", description="Hoaks surat suara"
    )
    d = api_report(
        site, people["babinsa"], "d", desa_code=LAMARU, category="sara", description="Spanduk SARA"
    )
    e = api_report(
        site, people["babinsa"], "e", desa_code=LAMARU, category="sara", description="Spanduk SARA lagi"
    )
    login(site, people["analyst"])
    queue = site.get("/laporan/antrean")
    assert queue.status_code == 200
    assert set(re.findall(r'name="ids" value="(\d+)"', queue.text)) == {str(i) for i in (a, b, c, d, e)}
    assert "1 kemungkinan" in queue.text  # a and b suggest each other

    verified = post(site, "/laporan/antrean", {"ids": [str(a), str(c)], "aksi": "verifikasi"})
    assert verified.status_code == 200 and "2 dari 2 laporan berhasil diproses" in verified.text
    rejected = post(site, "/laporan/antrean", {"ids": [str(d), "999999"], "aksi": "tolak", "note": "spam"})
    assert (
        "1 dari 2 laporan berhasil diproses" in rejected.text and "Laporan tidak ditemukan" in rejected.text
    )
    merged = post(site, "/laporan/antrean", {"ids": [str(b), str(e)], "aksi": "gabung", "into": str(a)})
    assert "2 dari 2 laporan berhasil diproses" in merged.text
    with regions.session() as session:
        statuses = {
            r.id: (r.status, r.status_reason, r.duplicate_of) for r in session.scalars(select(Report))
        }
    assert statuses == {
        a: ("terverifikasi", None, None),
        b: ("ditolak", "duplikat", a),
        c: ("terverifikasi", None, None),
        d: ("ditolak", "tidak_valid", None),
        e: ("ditolak", "duplikat", a),
    }
    assert "Tidak ada laporan baru" in site.get("/laporan/antrean").text
    history = site.get(f"/laporan/{a}").text
    assert f'href="/laporan/{b}"' in history and f'href="/laporan/{e}"' in history
    nothing = post(site, "/laporan/antrean", {"aksi": "verifikasi"})
    assert nothing.status_code == 422 and "Pilih minimal satu laporan" in nothing.text
    login(site, people["bhabin"])
    assert site.get("/laporan/antrean").status_code == 403


def test_review_queue_accept_and_discard(site: TestClient, people: Cast, regions: Database) -> None:
    login(site, people["bhabin"])
    bad_form = form(client_id_of(site.get("/laporan/baru").text), category="uang", title="<script>x</script>")
    assert submit(site, bad_form).status_code == 422
    junk = site.post("/api/v1/reports", content=b"bukan json", headers=people["bhabin"].headers)
    junk_id = junk.json()["error"]["inbound_id"]
    with regions.session() as session:
        bad_id = session.scalar(select(Inbound.id).where(Inbound.channel == "web"))
    login(site, people["analyst_smd"])
    assert "Tidak ada kiriman" in site.get("/laporan/tinjau").text
    assert site.get(f"/laporan/tinjau/{bad_id}").status_code == 404
    login(site, people["analyst"])
    listing = site.get("/laporan/tinjau").text
    assert f'href="/laporan/tinjau/{bad_id}"' in listing and f'href="/laporan/tinjau/{junk_id}"' in listing
    assert "Kategori &#39;uang&#39; tidak dikenal" in listing

    page = site.get(f"/laporan/tinjau/{bad_id}").text
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>" not in page  # the raw payload, escaped
    # Prefilled from the form data that was posted (the local time as typed).
    assert f'value="{MANGGAR}"' in page and 'value="2024-11-20T10:30"' in page and "Pak Rahman" in page
    correction = form("", category="uang", title="Amplop di RT 05")
    del correction["client_id"]
    still_bad = post(site, f"/laporan/tinjau/{bad_id}/terima", correction)
    assert still_bad.status_code == 422
    category_error = re.search(r'id="category-error">(.*?)</div>', still_bad.text, re.S)
    assert category_error and "tidak dikenal" in category_error.group(1)
    correction["category"] = "politik_uang"
    accepted = post(site, f"/laporan/tinjau/{bad_id}/terima", {**correction, "note": "kategori diperbaiki"})
    assert accepted.status_code == 303, accepted.text
    report_id = int(accepted.headers["location"].split("/")[-1].split("?")[0])
    report_page = site.get(accepted.headers["location"]).text
    assert "Kiriman dikoreksi" in report_page and "Amplop di RT 05" in report_page
    assert "bhabin.manggar" in report_page  # the sender stays the reporter
    with regions.session() as session:
        assert session.get_one(Report, report_id).occurred_at == datetime(2024, 11, 20, 2, 30, tzinfo=UTC)
        assert session.get_one(Inbound, bad_id).state == "corrected"

    no_reason = post(site, f"/laporan/tinjau/{junk_id}/buang", {"reason": " "})
    assert no_reason.status_code == 422 and "Sebutkan alasan" in no_reason.text
    discarded = post(site, f"/laporan/tinjau/{junk_id}/buang", {"reason": "bukan laporan"})
    assert discarded.status_code == 303
    assert f"Kiriman #{junk_id} dibuang" in site.get(discarded.headers["location"]).text
    assert "Tidak ada kiriman" in site.get("/laporan/tinjau").text
    closed = site.get(f"/laporan/tinjau/{junk_id}").text
    assert "bukan laporan" in closed and "/buang" not in closed


def test_cross_site_posts_are_refused(site: TestClient, people: Cast, regions: Database) -> None:
    login(site, people["bhabin"])
    data = form(client_id_of(site.get("/laporan/baru").text))
    forged = post(site, "/laporan/baru", data, Origin="https://evil.example")
    assert forged.status_code == 403 and "tidak berasal dari halaman situs ini" in forged.text
    headerless = site.post("/laporan/baru", data=data, follow_redirects=False)
    assert headerless.status_code == 403
    assert count(regions, Inbound) == 0  # nothing journaled
    a = api_report(site, people["bhabin"], "a")
    login(site, people["analyst"])
    for path, body in (
        (f"/laporan/{a}/status", {"status": "terverifikasi"}),
        ("/laporan/antrean", {"ids": str(a), "aksi": "verifikasi"}),
    ):
        assert post(site, path, body, Origin="https://evil.example").status_code == 403
    with regions.session() as session:
        assert session.get_one(Report, a).status == "baru"


def test_pages_need_a_login(site: TestClient, people: Cast) -> None:
    for path in ("/laporan", "/laporan/baru", "/laporan/1", "/laporan/antrean", "/laporan/tinjau"):
        response = site.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/masuk")
    assert post(site, "/laporan/baru", form("x")).headers["location"] == "/masuk"


def test_english_on_request(site: TestClient, people: Cast) -> None:
    login(site, people["bhabin"])
    page = site.get("/laporan/baru?lang=en").text
    assert '<html lang="en">' in page and "New report" in page and "Money politics" in page
    assert "Critical" in page and "Community member" in page
    response = submit(site, form(client_id_of(page), desa_code=RAWA_MAKMUR))
    assert response.status_code == 422
    assert f"Village {RAWA_MAKMUR} is outside the sender&#39;s assigned area." in response.text
    report = submit(site, form(client_id_of(site.get("/laporan/baru").text)))
    shown = site.get(report.headers["location"]).text
    assert "received. Thank you" in shown and "20 Nov 2024, 10:30 WITA" in shown and "High" in shown
    home = site.get("/beranda").text
    assert 'href="/laporan/baru"' in home and "New report" in home and 'href="/laporan/antrean"' not in home
    assert "The report was not found" in site.get("/laporan/999999").text


def test_pages_need_no_script_no_inline_style_and_nothing_from_elsewhere(
    site: TestClient, people: Cast
) -> None:
    """The strict CSP allows neither; every page must work as plain HTML."""
    a = api_report(site, people["bhabin"], "a")
    api_report(site, people["babinsa"], "b", description="Amplop berisi uang dibagikan tim sukses di RT 05")
    bad = site.post("/api/v1/reports", content=b"{", headers=people["bhabin"].headers).json()
    login(site, people["analyst"])
    paths = ["/beranda", "/laporan", "/laporan/baru", f"/laporan/{a}", "/laporan/antrean", "/laporan/tinjau"]
    paths.append(f"/laporan/tinjau/{bad['error']['inbound_id']}")
    for path in paths:
        response = site.get(path)
        assert response.status_code == 200, path
        assert "default-src 'none'" in response.headers["content-security-policy"]
        html = response.text.lower()
        assert "<script" not in html and " style=" not in html and "<style" not in html, path
        assert "http://" not in html and "https://" not in html, path
