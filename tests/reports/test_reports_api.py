"""Field reports through the JSON API: idempotent submission, privacy, verification, the review queue."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import Account, make_account
from support.clock import Clock
from tigapilar.organisation.officers import create_officer
from tigapilar.storage.db import Database
from tigapilar.storage.models import Inbound, Report

API = "/api/v1"
MANGGAR, LAMARU, BARU_ILIR, RAWA_MAKMUR = "64.71.01.1001", "64.71.01.1002", "64.71.02.1001", "64.72.01.1001"
NOW = datetime(2024, 11, 20, 4, 0, tzinfo=UTC)  # campaign of the Pilkada, 12:00 WITA


@pytest.fixture
def web(client: Any, regions: Database) -> TestClient:
    test_client: TestClient = client
    test_client.app.state.clock = Clock(NOW)  # type: ignore[attr-defined]
    return test_client


@pytest.fixture
def people(regions: Database) -> dict[str, Account]:
    with regions.session() as session:
        bhabin = create_officer(
            session, "Bripka Andi", phone="081234567890", pillar="bhabinkamtibmas", villages=[MANGGAR]
        )
        other = create_officer(
            session, "Serda Budi", phone="081298765432", pillar="babinsa", villages=[LAMARU]
        )
        return {
            "bhabin": make_account(
                session, "bhabin.manggar", "field_officer", areas=[MANGGAR], officer_id=bhabin.id
            ),
            "babinsa": make_account(
                session, "babinsa.lamaru", "field_officer", areas=[MANGGAR, LAMARU], officer_id=other.id
            ),
            "analyst": make_account(session, "analis.bpp", "analyst", areas=["64.71"]),
            "analyst_smd": make_account(session, "analis.smd", "analyst", areas=["64.72"]),
            "partner": make_account(session, "bawaslu.bpp", "partner", areas=["64.71"]),
            "national": make_account(session, "pusat", "commander", national=True),
        }


def report(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": "hp-001",
        "desa_code": MANGGAR,
        "category": "politik_uang",
        "severity": 3,
        "description": "Tim sukses membagikan amplop berisi uang di RT 05.",
        "occurred_at": "2024-11-20T10:30:00+08:00",
        "lat": -1.25,
        "lng": 116.95,
        "source_kind": "community",
        "source_name": "Pak Rahman",
        "source_contact": "0812111222",
    }
    body.update(changes)
    return body


def post(web: TestClient, account: Account, body: Any) -> Any:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return web.post(
        f"{API}/reports", content=content, headers={**account.headers, "Content-Type": "application/json"}
    )


def count(db: Database, model: type[object], *where: Any) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_submit_then_retry_gives_one_report(
    web: TestClient, people: dict[str, Account], regions: Database
) -> None:
    first = post(web, people["bhabin"], report())
    assert first.status_code == 201, first.text
    created = first.json()["report"]
    assert (created["desa_code"], created["status"], created["stage"]) == (MANGGAR, "baru", "kampanye")
    assert created["occurred_at"].startswith("2024-11-20T02:30:00")  # stored and answered in UTC
    # The same body with keys in another order is the same content.
    again = post(web, people["bhabin"], dict(reversed(list(report().items()))))
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert again.json()["report"]["id"] == created["id"]
    assert count(regions, Report) == 1
    assert count(regions, Inbound) == 2


def test_the_same_client_id_with_other_content_is_a_409(web: TestClient, people: dict[str, Account]) -> None:
    assert post(web, people["bhabin"], report()).status_code == 201
    response = post(web, people["bhabin"], report(severity=4))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "report.id_reused"
    # Another account may use the same client id: ids are per account.
    assert post(web, people["babinsa"], report()).status_code == 201


def test_concurrent_retries_make_exactly_one_report(
    web: TestClient, people: dict[str, Account], regions: Database
) -> None:
    def send(_: int) -> int:
        return int(post(web, people["bhabin"], report(client_id="race")).status_code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(send, range(16)))
    assert statuses.count(201) == 1
    assert set(statuses) == {200, 201}
    assert count(regions, Report) == 1
    assert count(regions, Inbound) == 16


def test_forty_concurrent_submissions_all_land(
    web: TestClient, people: dict[str, Account], regions: Database
) -> None:
    """More concurrent requests than the connection pool holds (5 + 10): none may wait for ever.

    A request that kept its connection while the intake waited for another deadlocked the server
    (found by the intake benchmark); now every request holds at most one at a time.
    """

    def send(n: int) -> int:
        return int(post(web, people["bhabin"], report(client_id=f"many-{n}")).status_code)

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(send, range(40)))
    assert statuses == [201] * 40
    assert count(regions, Report) == 40


def test_invalid_reports_are_kept_for_review_with_reasons(
    web: TestClient, people: dict[str, Account], regions: Database
) -> None:
    response = post(web, people["bhabin"], report(desa_code=RAWA_MAKMUR, category="uang"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "report.invalid"
    assert {d["code"] for d in error["details"]} == {"report.village_out_of_scope", "report.unknown_category"}
    assert "di luar wilayah tugas Anda" in error["pesan"]
    for body in (b"{not json", report(severity="tinggi"), report(extra="x")):
        response = post(web, people["bhabin"], body)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["inbound_id"]
    assert count(regions, Report) == 0
    assert count(regions, Inbound, Inbound.state == "needs_review") == 4
    with regions.session() as session:
        assert session.scalar(
            select(Inbound.body).where(Inbound.id == response.json()["error"]["inbound_id"])
        )


def test_partners_cannot_submit_and_nothing_is_journaled(
    web: TestClient, people: dict[str, Account], regions: Database
) -> None:
    assert post(web, people["partner"], report()).status_code == 403
    assert web.post(f"{API}/reports", json=report()).status_code == 401
    assert count(regions, Inbound) == 0


def _submit_two(web: TestClient, people: dict[str, Account]) -> tuple[int, int]:
    a = post(web, people["bhabin"], report()).json()["report"]["id"]
    b = post(web, people["babinsa"], report(client_id="hp-b", desa_code=LAMARU, severity=2)).json()["report"][
        "id"
    ]
    return a, b


def test_reporter_and_location_are_shown_only_to_those_allowed(
    web: TestClient, people: dict[str, Account]
) -> None:
    a, _ = _submit_two(web, people)
    seen = {
        who: web.get(f"{API}/reports/{a}", headers=people[who].headers).json()["report"]
        for who in ("bhabin", "babinsa", "analyst", "partner")
    }
    assert seen["analyst"]["reporter"]["source_name"] == "Pak Rahman"
    assert seen["analyst"]["reporter"]["officer_name"] == "Bripka Andi"
    assert seen["bhabin"]["reporter"]["username"] == "bhabin.manggar"  # the sender sees their own
    assert seen["babinsa"]["reporter"] is None  # another pillar of the same area does not
    assert seen["babinsa"]["lat"] == -1.25
    partner = seen["partner"]
    assert partner["reporter"] is None
    assert (partner["area_code"], partner["desa_code"], partner["blurred"]) == ("64.71.01", None, True)
    assert (partner["lat"], partner["lng"], partner["tps_id"]) == (None, None, None)
    assert MANGGAR not in json.dumps(partner) and "Rahman" not in json.dumps(partner)
    # Filters finer than the kecamatan would reveal the desa.
    response = web.get(f"{API}/reports", params={"area": MANGGAR}, headers=people["partner"].headers)
    assert response.json()["error"]["code"] == "report.area_too_fine"


def test_out_of_scope_reports_do_not_exist_for_the_caller(
    web: TestClient, people: dict[str, Account]
) -> None:
    a, _ = _submit_two(web, people)
    smd = people["analyst_smd"]
    assert web.get(f"{API}/reports", headers=smd.headers).json()["total"] == 0
    unknown = web.get(f"{API}/reports/999999", headers=smd.headers).json()
    assert web.get(f"{API}/reports/{a}", headers=smd.headers).json() == unknown
    bhabin_list = web.get(f"{API}/reports", headers=people["bhabin"].headers).json()
    assert [r["id"] for r in bhabin_list["items"]] == [a]  # Lamaru is not the bhabin's village
    status = web.post(f"{API}/reports/{a}/status", json={"status": "terverifikasi"}, headers=smd.headers)
    assert status.status_code == 404


def test_filters_and_search(web: TestClient, people: dict[str, Account]) -> None:
    a, b = _submit_two(web, people)
    analyst = people["analyst"]

    def ids(**params: Any) -> list[int]:
        response = web.get(f"{API}/reports", params=params, headers=analyst.headers)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert ids() == [b, a]
    assert ids(area=LAMARU) == [b]
    assert ids(min_severity=3) == [a]
    assert ids(category="politik_uang", stage="kampanye", election="pilkada-2024") == [b, a]
    assert ids(q="AMPLOP") == [b, a]
    assert ids(q="tidak ada") == []
    assert ids(date_from="2024-11-20", date_to="2024-11-20") == [b, a]
    assert ids(date_from="2024-11-21") == []
    assert ids(status="baru", channel="api") == [b, a]


def test_verify_reject_follow_up_and_history(web: TestClient, people: dict[str, Account]) -> None:
    a, b = _submit_two(web, people)
    analyst = people["analyst"]

    def status(report_id: int, **body: Any) -> Any:
        return web.post(f"{API}/reports/{report_id}/status", json=body, headers=analyst.headers)

    assert status(a, status="terverifikasi", note="dikonfirmasi Babinsa").json()["status"] == "terverifikasi"
    assert status(a, status="ditindaklanjuti").status_code == 200
    assert status(a, status="baru").json()["error"]["code"] == "report.bad_transition"
    assert status(b, status="ditolak").json()["error"]["code"] == "report.reject_reason_required"
    assert status(b, status="ditolak", reason="tidak_valid").json()["status_reason"] == "tidak_valid"
    # Field officers and partners may not verify.
    for who in ("bhabin", "partner"):
        response = web.post(
            f"{API}/reports/{a}/status", json={"status": "selesai"}, headers=people[who].headers
        )
        assert response.status_code == 403
    history = web.get(f"{API}/reports/{a}", headers=analyst.headers).json()["history"]
    assert [(h["action"], h["to_status"], h["by"]) for h in history] == [
        ("created", "baru", "bhabin.manggar"),
        ("status", "terverifikasi", "analis.bpp"),
        ("status", "ditindaklanjuti", "analis.bpp"),
    ]
    assert history[1]["reason"] == "dikonfirmasi Babinsa"


def test_duplicates_are_suggested_and_merged_keeping_both(
    web: TestClient, people: dict[str, Account]
) -> None:
    a = post(web, people["bhabin"], report()).json()["report"]["id"]
    b = post(
        web,
        people["babinsa"],
        report(client_id="b", description="Amplop berisi uang dibagikan tim sukses di RT 05", severity=2),
    ).json()["report"]["id"]
    unrelated = post(
        web,
        people["babinsa"],
        report(
            client_id="c", desa_code=LAMARU, category="hoaks", description="Pesan berantai soal surat suara"
        ),
    ).json()
    analyst = people["analyst"]
    suggestions = web.get(f"{API}/reports/{b}/duplicates", headers=analyst.headers).json()
    assert [s["report_id"] for s in suggestions] == [a]
    assert suggestions[0]["same_desa"] is True and suggestions[0]["text_similarity"] > 0.8
    assert unrelated["report"]["id"] not in [s["report_id"] for s in suggestions]

    merged = web.post(
        f"{API}/reports/{b}/merge", json={"into": a, "note": "kejadian sama"}, headers=analyst.headers
    )
    assert merged.status_code == 200 and merged.json()["id"] == a
    detail_b = web.get(f"{API}/reports/{b}", headers=analyst.headers).json()
    assert (detail_b["report"]["status"], detail_b["report"]["status_reason"]) == ("ditolak", "duplikat")
    assert detail_b["report"]["duplicate_of"] == a
    detail_a = web.get(f"{API}/reports/{a}", headers=analyst.headers).json()
    assert detail_a["duplicates"] == [b]
    assert detail_a["history"][-1]["related_report_id"] == b
    again = web.post(f"{API}/reports/{a}/merge", json={"into": b}, headers=analyst.headers)
    assert again.json()["error"]["code"] == "report.merge_target_rejected"


def test_bulk_actions_report_each_item(web: TestClient, people: dict[str, Account]) -> None:
    a, b = _submit_two(web, people)
    response = web.post(
        f"{API}/reports/bulk",
        json={"ids": [a, b, 999999], "action": "status", "status": "terverifikasi"},
        headers=people["analyst"].headers,
    )
    items = response.json()
    assert [(i["report_id"], i["ok"]) for i in items] == [(a, True), (b, True), (999999, False)]
    assert items[2]["error"]["code"] == "report.not_found"
    again = web.post(
        f"{API}/reports/bulk",
        json={"ids": [a, b], "action": "status", "status": "terverifikasi"},
        headers=people["analyst"].headers,
    ).json()
    assert all(i["error"]["code"] == "report.bad_transition" for i in again)


def test_review_queue_accept_and_discard(
    web: TestClient, people: dict[str, Account], regions: Database
) -> None:
    bad = post(web, people["bhabin"], report(category="uang")).json()["error"]["inbound_id"]
    junk = post(web, people["bhabin"], b"\x00\x01garbage").json()["error"]["inbound_id"]
    analyst, smd = people["analyst"], people["analyst_smd"]
    queue = web.get(f"{API}/inbound", headers=analyst.headers).json()
    assert [i["id"] for i in queue["items"]] == [bad, junk]
    assert queue["items"][0]["error_code"] == "report.unknown_category"
    assert web.get(f"{API}/inbound", headers=smd.headers).json()["total"] == 0
    assert web.get(f"{API}/inbound/{bad}", headers=smd.headers).status_code == 404
    assert web.get(f"{API}/inbound", headers=people["bhabin"].headers).status_code == 403
    detail = web.get(f"{API}/inbound/{bad}", headers=analyst.headers).json()
    assert json.loads(detail["body_text"])["category"] == "uang"

    still_bad = web.post(
        f"{API}/inbound/{bad}/accept", json={"report": report(category="uang")}, headers=analyst.headers
    )
    assert still_bad.json()["error"]["code"] == "inbound.still_invalid"
    accepted = web.post(
        f"{API}/inbound/{bad}/accept",
        json={"report": report(category="politik_uang"), "note": "kategori diperbaiki"},
        headers=analyst.headers,
    )
    assert accepted.status_code == 201, accepted.text
    created = accepted.json()["report"]
    assert created["reporter"]["username"] == "bhabin.manggar"  # the sender stays the reporter
    # The officer's phone retries the original payload later: it resolves to the corrected report.
    retry = post(web, people["bhabin"], report(category="uang"))
    assert (retry.status_code, retry.json()["report"]["id"]) == (200, created["id"])

    assert (
        web.post(f"{API}/inbound/{junk}/discard", json={"reason": " "}, headers=analyst.headers).status_code
        == 422
    )
    discarded = web.post(
        f"{API}/inbound/{junk}/discard", json={"reason": "bukan laporan"}, headers=analyst.headers
    )
    assert discarded.json()["state"] == "discarded"
    assert web.get(f"{API}/inbound", headers=analyst.headers).json()["total"] == 0
    states = web.get(f"{API}/inbound", params={"state": "corrected"}, headers=analyst.headers).json()
    assert [i["id"] for i in states["items"]] == [bad]


def test_no_submission_ever_disappears(
    web: TestClient, people: dict[str, Account], regions: Database
) -> None:
    """Every payload sent, valid or not, is in the journal, and each is a report or waits for review."""
    bodies: list[Any] = [
        report(client_id="ok-1"),
        report(client_id="ok-1"),  # retry
        report(client_id="ok-1", severity=1),  # conflict
        report(client_id="bad-1", desa_code="64.71.01.9999"),
        b"",
        b"[]",
        report(client_id="ok-2", desa_code=LAMARU),  # outside the bhabin's villages
        report(client_id="ok-3", occurred_at="2030-01-01T00:00:00+08:00"),
    ]
    for body in bodies:
        post(web, people["bhabin"], body)
    with regions.session() as session:
        rows = session.execute(select(Inbound.state, Inbound.report_id).order_by(Inbound.id)).all()
    assert len(rows) == len(bodies)
    assert [state for state, _ in rows] == [
        "accepted",
        "duplicate",
        "conflict",
        "needs_review",
        "needs_review",
        "needs_review",
        "needs_review",
        "needs_review",
    ]
    assert all(report_id is not None for state, report_id in rows if state in ("accepted", "duplicate"))


def test_categories_are_served_from_the_taxonomy(web: TestClient, people: dict[str, Account]) -> None:
    body = web.get(f"{API}/reports/categories", headers=people["partner"].headers).json()
    assert "politik_uang" in {c["code"] for c in body["categories"]}
    assert [s["level"] for s in body["severities"]] == [1, 2, 3, 4]
