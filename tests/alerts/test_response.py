"""An alert from detection to closing, through the HTTP API: routing to the units of the place,
visibility, deadlines and escalation on a controllable clock, the action log and the metrics."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from alerts.world import MANGGAR, World, build_world, verified_report
from support.clock import Clock
from tigapilar.storage.db import Database

pytestmark = pytest.mark.usefixtures("regions")


@pytest.fixture
def web(client: Any, regions: Database) -> TestClient:
    test_client: TestClient = client
    test_client.app.state.clock = Clock()  # type: ignore[attr-defined]
    return test_client


@pytest.fixture
def world(regions: Database) -> World:
    return build_world(regions)


def clock(web: TestClient) -> Clock:
    found: Clock = web.app.state.clock  # type: ignore[attr-defined]
    return found


def cycle(web: TestClient, world: World) -> dict[str, Any]:
    response = web.post("/api/v1/alerts/cycle", headers=world.analyst.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def visible_ids(web: TestClient, who: Any) -> set[int]:
    response = web.get("/api/v1/alerts", headers=who.headers)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def detail(web: TestClient, who: Any, alert_id: int) -> dict[str, Any]:
    response = web.get(f"/api/v1/alerts/{alert_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def status(web: TestClient, who: Any, alert_id: int, **body: Any) -> Any:
    return web.post(f"/api/v1/alerts/{alert_id}/status", json=body, headers=who.headers)


def test_a_verified_critical_report_raises_an_alert_routed_to_the_units_of_its_village(
    web: TestClient, world: World
) -> None:
    report_id = verified_report(web, world.analyst, "r1")
    clock(web).advance(minutes=5)
    result = cycle(web, world)
    assert result["findings"]["rule"] >= 1
    assert len(result["raised"]) == 1
    alert_id = result["raised"][0]

    body = detail(web, world.kapolsek, alert_id)
    alert = body["alert"]
    assert alert["status"] == "baru" and alert["severity"] == 4 and alert["area_code"] == MANGGAR
    assert [r["unit_code"] for r in body["routes"]] == [
        "polsek-64.71.01",
        "koramil-64.71.01",
        "kelurahan-64.71.01.1001",
    ]
    assert [r["id"] for r in body["reports"]] == [report_id]
    assert body["detections"][0]["detector"] == "rule"
    assert body["timeline"][0]["kind"] == "raised"
    # Deadline to acknowledge a severity-4 alert: 15 minutes (response.toml).
    assert alert["due_at"].startswith("2024-11-27T00:20:00")

    # The Polsek and Koramil of the kecamatan see it and were told; a Polsek elsewhere does not.
    assert alert_id in visible_ids(web, world.kapolsek) and alert_id in visible_ids(web, world.danramil)
    assert alert_id not in visible_ids(web, world.palaran)
    assert web.get(f"/api/v1/alerts/{alert_id}", headers=world.palaran.headers).status_code == 404
    told = web.get("/api/v1/notifications", headers=world.kapolsek.headers).json()["items"]
    assert [n["kind"] for n in told] == ["alert.created"]
    assert web.get("/api/v1/notifications", headers=world.kapolres.headers).json()["items"] == []
    assert web.get("/api/v1/notifications", headers=world.misplaced.headers).json()["items"] == []

    # A second cycle finds the same thing and records nothing new.
    again = cycle(web, world)
    assert again["raised"] == [] and again["joined"] == []


def test_an_overdue_acknowledgement_escalates_to_the_polres_and_kodim(web: TestClient, world: World) -> None:
    verified_report(web, world.analyst, "r1")
    alert_id = cycle(web, world)["raised"][0]
    clock(web).advance(minutes=14)
    assert cycle(web, world)["escalated"] == []
    clock(web).advance(minutes=2)  # 16 minutes: the 15-minute deadline has passed
    assert cycle(web, world)["escalated"] == [alert_id]

    body = detail(web, world.kapolres, alert_id)
    assert body["alert"]["escalation_level"] == 1
    levels = {r["unit_code"]: r["level"] for r in body["routes"]}
    assert levels["polres-64.71"] == 1 and levels["kodim-0905"] == 1 and levels["polsek-64.71.01"] == 0
    escalated = [e for e in body["timeline"] if e["kind"] == "escalated"]
    assert len(escalated) == 1
    assert "penerimaan" in escalated[0]["text"] and "Polresta Balikpapan" in escalated[0]["text"]
    told = web.get("/api/v1/notifications", headers=world.kapolres.headers).json()["items"]
    assert [n["kind"] for n in told] == ["alert.escalated"]
    # The deadline restarted for the Polres: no second escalation until it passes again.
    assert cycle(web, world)["escalated"] == []
    clock(web).advance(minutes=16)
    assert cycle(web, world)["escalated"] == [alert_id]
    top = detail(web, world.analyst, alert_id)
    assert {r["unit_code"] for r in top["routes"] if r["level"] == 2} == {"polda-64", "korem-64"}
    # max_escalations is 2: it stays overdue, and says so, but climbs no further.
    clock(web).advance(minutes=30)
    assert cycle(web, world)["escalated"] == []
    assert detail(web, world.analyst, alert_id)["alert"]["overdue"] is True


def test_the_response_is_logged_to_its_closing_with_timeline_and_metrics(
    web: TestClient, world: World
) -> None:
    verified_report(web, world.analyst, "r1")
    alert_id = cycle(web, world)["raised"][0]
    clock(web).advance(minutes=10)
    assert status(web, world.kapolsek, alert_id, status="diterima", note="Tim meluncur").status_code == 200
    clock(web).advance(minutes=25)
    assert status(web, world.danramil, alert_id, status="di_lokasi").status_code == 200
    action = web.post(
        f"/api/v1/alerts/{alert_id}/actions",
        json={"action": "mediasi", "description": "Mediasi kedua tim pemenangan di kantor kelurahan"},
        headers=world.kapolsek.headers,
    )
    assert action.status_code == 201, action.text
    clock(web).advance(minutes=60)
    assert status(web, world.kapolsek, alert_id, status="ditangani").status_code == 200
    refused = status(web, world.kapolsek, alert_id, status="selesai")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "alert.outcome_required"
    clock(web).advance(minutes=120)
    closed = status(
        web,
        world.kapolsek,
        alert_id,
        status="selesai",
        outcome="Kedua pihak sepakat damai; patroli ditingkatkan sampai rekapitulasi",
        lessons="Posko kedua kubu terlalu berdekatan",
    )
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["alert"]["status"] == "selesai" and body["alert"]["due_at"] is None
    assert body["times"] == {
        "to_acknowledge": 10.0,
        "to_on_site": 35.0,
        "to_handled": 95.0,
        "to_close": 215.0,
    }
    kinds = [(e["kind"], e["to_status"] or e["action"]) for e in body["timeline"]]
    assert kinds == [
        ("raised", "baru"),
        ("detection", None),  # the report matched a second rule too ("kritis")
        ("status", "diterima"),
        ("status", "di_lokasi"),
        ("action", "mediasi"),
        ("status", "ditangani"),
        ("status", "selesai"),
    ]
    assert body["timeline"][2]["by"] == "kapolsek"
    assert body["lessons"] == "Posko kedua kubu terlalu berdekatan"
    # A closed alert moves no more.
    again = status(web, world.kapolsek, alert_id, status="ditangani")
    assert again.status_code == 409 and again.json()["error"]["code"] == "alert.bad_transition"

    by_unit = web.get("/api/v1/alerts/metrics", headers=world.analyst.headers).json()
    polsek = next(r for r in by_unit if r["key"] == "polsek-64.71.01")
    assert polsek["alerts"] == 1 and polsek["closed"] == 1 and polsek["overdue"] == 0
    assert polsek["median_minutes_to_acknowledge"] == 10.0 and polsek["median_minutes_to_close"] == 215.0
    by_area = web.get("/api/v1/alerts/metrics?group=area&level=3", headers=world.analyst.headers).json()
    assert [(r["key"], r["alerts"]) for r in by_area] == [("64.71.01", 1)]


def test_backward_moves_cancelling_and_who_may_act(web: TestClient, world: World) -> None:
    verified_report(web, world.analyst, "r1")
    alert_id = cycle(web, world)["raised"][0]
    assert status(web, world.kapolsek, alert_id, status="di_lokasi").status_code == 200
    backwards = status(web, world.kapolsek, alert_id, status="diterima")
    assert backwards.status_code == 409
    # Skipping forward stamps the skipped step: the time to acknowledge stays defined.
    assert detail(web, world.analyst, alert_id)["times"]["to_acknowledge"] == 0.0
    assert status(web, world.partner, alert_id, status="ditangani").status_code == 403
    assert status(web, world.palaran, alert_id, status="ditangani").status_code == 404
    no_reason = status(web, world.kapolsek, alert_id, status="dibatalkan")
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "alert.reason_required"
    cancelled = status(web, world.kapolsek, alert_id, status="dibatalkan", reason="Laporan ternyata latihan")
    assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == "Laporan ternyata latihan"
    unknown = web.post(
        f"/api/v1/alerts/{alert_id}/actions",
        json={"action": "patroli", "description": "x"},
        headers=world.kapolsek.headers,
    )
    assert unknown.status_code == 409


def test_partners_read_alerts_blurred_to_the_kecamatan(web: TestClient, world: World) -> None:
    verified_report(web, world.analyst, "r1")
    alert_id = cycle(web, world)["raised"][0]
    body = detail(web, world.partner, alert_id)
    assert [p["code"] for p in body["places"]] == ["64.71.01"]
    assert body["reports"][0]["desa_code"] is None and body["reports"][0]["reporter"] is None
    assert "desa" not in body["detections"][0]["evidence"]
    # The desa is named nowhere: not in the area, the title, the units, the explanations or the timeline.
    assert body["alert"]["area_code"] == "64.71.01" and body["alert"]["title"].endswith("di Balikpapan Timur")
    text = json.dumps(body)
    assert "Manggar" not in text and MANGGAR not in text, [
        text[max(0, i - 120) : i + 40] for i in (text.find("Manggar"), text.find(MANGGAR)) if i >= 0
    ]
    listed = web.get("/api/v1/alerts", headers=world.partner.headers).json()
    assert "Manggar" not in json.dumps(listed) and MANGGAR not in json.dumps(listed)
    narrow = web.get(f"/api/v1/alerts?area={MANGGAR}", headers=world.partner.headers)
    assert narrow.status_code == 422
