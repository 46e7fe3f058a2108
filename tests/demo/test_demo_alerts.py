"""The demo's early warning, as the issue's "done" describes it: a burst of reports around one
kecamatan raises an alert within one detector cycle, the Polsek and Koramil see it, an overdue
acknowledgement escalates to the Polres, and a closed alert shows its timeline and metrics.

One demo per backend, loaded with ``tigapilar demo``; then read and driven through the HTTP API with
a clock set in the demo's time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import select

from support.clock import Clock
from support.demo_database import empty_database, run_demo
from tigapilar.accounts.tokens import issue_token
from tigapilar.core.settings import Settings
from tigapilar.demo.config import load_demo_config
from tigapilar.demo.risk import demo_now
from tigapilar.storage.db import Database
from tigapilar.storage.models import User
from tigapilar.web.app import create_app

WITA = ZoneInfo("Asia/Makassar")
SEPAKU = "64.09.04"


@dataclass
class Loaded:
    db: Database
    url: str
    data_dir: Path
    first_run: Result


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    folder = tmp_path_factory.mktemp("demo-alerts")
    url = empty_database(request, folder)
    first_run = run_demo(url, folder / "data")
    db = Database(url)
    yield Loaded(db, url, folder / "data", first_run)
    db.dispose()


def token(db: Database, username: str) -> dict[str, str]:
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None, username
        issued = issue_token(session, user, kind="api", name="test")
    return {"Authorization": f"Bearer {issued}"}


@pytest.fixture
def web(loaded: Loaded) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=loaded.url, data_dir=loaded.data_dir), loaded.db)
    now = demo_now(load_demo_config("kaltim"), WITA)
    assert now is not None
    app.state.clock = Clock(now)
    with TestClient(app) as client:
        yield client


def burst_alert(web: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    found = web.get(f"/api/v1/alerts?status=terbuka&area={SEPAKU}", headers=headers).json()["items"]
    assert len(found) == 1, found
    detail: dict[str, Any] = web.get(f"/api/v1/alerts/{found[0]['id']}", headers=headers).json()
    return detail


def test_the_demo_loads_its_alerts_once(loaded: Loaded) -> None:
    assert loaded.first_run.exit_code == 0, loaded.first_run.output
    assert "Early warning:" in loaded.first_run.output and "alerts (" in loaded.first_run.output
    again = run_demo(loaded.url, loaded.data_dir)
    assert again.exit_code == 0 and "Early warning:" not in again.output


def test_the_burst_raised_one_alert_in_one_cycle_and_the_polsek_and_koramil_see_it(
    loaded: Loaded, web: TestClient
) -> None:
    kapolsek, danramil = token(loaded.db, "kapolsek.sepaku"), token(loaded.db, "danramil.sepaku")
    body = burst_alert(web, kapolsek)
    assert burst_alert(web, danramil)["alert"]["id"] == body["alert"]["id"]
    alert = body["alert"]
    assert alert["area_code"] == SEPAKU and alert["severity"] == 4
    # Raised by the first cycle after the burst (21:00 WITA), from the burst's reports alone.
    raised = datetime.fromisoformat(alert["created_at"]).astimezone(WITA)
    assert (raised.date().isoformat(), raised.hour) == ("2024-12-16", 21)
    burst = load_demo_config("kaltim").alerts
    assert burst is not None
    assert sorted(r["title"] for r in body["reports"]) == sorted(b.title for b in burst.burst)
    scans = [d for d in body["detections"] if d["detector"] == "scan"]
    assert scans and scans[0]["p_value"] < 0.05
    assert {d["detector"] for d in body["detections"]} >= {"scan", "rule"}
    levels = {r["unit_code"]: r["level"] for r in body["routes"]}
    assert levels["polsek-64.09.04"] == 0 and levels["koramil-64.09.04"] == 0
    # Nobody took it on within 15 minutes: the next cycle escalated it to the Polres and the Kodim.
    assert levels["polres-64.09"] == 1 and levels["kodim-0913"] == 1
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds.index("escalated") < kinds.index("status")
    escalated = next(e for e in body["timeline"] if e["kind"] == "escalated")
    assert "Polres Penajam Paser Utara" in escalated["text"]
    assert alert["status"] == "di_lokasi"
    # Elsewhere in the province it is not seen.
    samarinda = token(loaded.db, "kapolresta.samarinda")
    assert web.get(f"/api/v1/alerts/{alert['id']}", headers=samarinda).status_code == 404
    # The Polres was told in-app when it escalated.
    told = web.get("/api/v1/notifications", headers=token(loaded.db, "kapolres.ppu")).json()["items"]
    assert any(n["kind"] == "alert.escalated" and f"#{alert['id']}" in n["title_id"] for n in told)


def test_closed_alerts_show_their_timeline_and_the_metrics(loaded: Loaded, web: TestClient) -> None:
    analyst = token(loaded.db, "analis.polda")
    closed = web.get("/api/v1/alerts?status=selesai&limit=100", headers=analyst).json()["items"]
    assert len(closed) >= 10
    detail = web.get(f"/api/v1/alerts/{closed[0]['id']}", headers=analyst).json()
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds[0] == "raised" and detail["timeline"][-1]["to_status"] == "selesai" and "action" in kinds
    assert detail["outcome"] and detail["times"]["to_close"] > detail["times"]["to_acknowledge"] >= 0
    metrics = web.get("/api/v1/alerts/metrics", headers=analyst).json()
    assert sum(m["closed"] for m in metrics if m["key"].startswith("polsek-")) >= len(closed)
    assert all(m["median_minutes_to_close"] for m in metrics if m["closed"])
    by_area = web.get("/api/v1/alerts/metrics?group=area&level=2", headers=analyst).json()
    assert {m["key"][:2] for m in by_area} == {"64"}


def test_the_units_carry_the_burst_to_its_closing(loaded: Loaded, web: TestClient) -> None:
    kapolsek = token(loaded.db, "kapolsek.sepaku")
    alert_id = burst_alert(web, kapolsek)["alert"]["id"]
    clock: Clock = web.app.state.clock  # type: ignore[attr-defined]
    clock.advance(hours=1)
    handled = web.post(
        f"/api/v1/alerts/{alert_id}/status",
        json={"status": "ditangani", "note": "Massa bubar, akses jalan dibuka"},
        headers=kapolsek,
    )
    assert handled.status_code == 200, handled.text
    clock.advance(hours=10)
    closed = web.post(
        f"/api/v1/alerts/{alert_id}/status",
        json={"status": "selesai", "outcome": "Situasi kondusif; sengketa diserahkan ke Bawaslu"},
        headers=kapolsek,
    ).json()
    assert closed["alert"]["status"] == "selesai"
    assert closed["times"]["to_close"] == pytest.approx(timedelta(hours=13, minutes=59).total_seconds() / 60)
