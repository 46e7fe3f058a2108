"""Scores follow verified reports in the same transaction, through the public API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import make_account
from support.clock import Clock
from tigapilar.risk.profile import load_profile
from tigapilar.risk.service import recompute
from tigapilar.storage.db import Database
from tigapilar.storage.models import RiskScore
from tigapilar.tps.registry import add_tps_rows

MANGGAR = "64.71.01.1001"
NOW = datetime(2024, 11, 26, 4, 0, tzinfo=UTC)  # quiet period of the Pilkada


def snapshot(db: Database) -> dict[tuple[str, str, str], tuple[float, str, str]]:
    with db.session() as session:
        return {
            (r.profile, r.level, r.place): (r.score, r.category, r.contributions)
            for r in session.scalars(select(RiskScore))
        }


def test_verifying_a_report_rescores_its_places_before_the_answer(client: Any, regions: Database) -> None:
    web: TestClient = client
    web.app.state.clock = Clock(NOW)  # type: ignore[attr-defined]
    with regions.session() as session:
        add_tps_rows(
            session, [{"election": "pilkada-2024", "desa_code": MANGGAR, "number": 1, "dpt_male": 90}]
        )
        analyst = make_account(session, "analis", "analyst", areas=["64.71"])
    profiles = [load_profile(code) for code in ("tps-rawan-2024", "ikp-2024")]
    with regions.session() as session:
        for profile in profiles:
            recompute(session, profile, NOW)
    before = snapshot(regions)
    body = {
        "client_id": "a",
        "desa_code": MANGGAR,
        "category": "politik_uang",
        "severity": 4,
        "description": "Amplop dibagikan",
        "occurred_at": "2024-11-26T09:00:00+08:00",
        "tps_number": 1,
    }
    created = web.post("/api/v1/reports", json=body, headers=analyst.headers).json()["report"]
    assert snapshot(regions) == before  # a new report counts only once verified
    response = web.post(
        f"/api/v1/reports/{created['id']}/status", json={"status": "terverifikasi"}, headers=analyst.headers
    )
    assert response.status_code == 200
    live = snapshot(regions)
    changed = {key for key in live if live[key][0] != before[key][0]}
    assert ("tps-rawan-2024", "desa", MANGGAR) in changed and ("ikp-2024", "kabkota", "64.71") in changed
    assert {level for _, level, _ in changed} == {"tps", "desa", "kecamatan", "kabkota", "provinsi"}
    # What the live update wrote is exactly what a full recompute gives.
    with regions.session() as session:
        for profile in profiles:
            recompute(session, profile, NOW)
    assert snapshot(regions) == live
