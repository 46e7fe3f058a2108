"""The statistical detectors through a detector cycle on a real database: a spike and a planted
space-time cluster raise alerts with their evidence; background noise alone raises none."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from alerts.world import BARU_ILIR, LAMARU, MANGGAR, RAWA_MAKMUR, build_world
from support.regions import VILLAGES
from tigapilar.alerts.cycle import run_cycle
from tigapilar.alerts.setup import load_setup
from tigapilar.core.settings import Settings
from tigapilar.regions.catalog import load_catalog
from tigapilar.storage.db import Database
from tigapilar.storage.models import Alert, Detection, Region, Report

NOW = datetime(2024, 11, 20, 13, 0, tzinfo=UTC)  # 21:00 WITA, in the Pilkada 2024 campaign
# Real positions, roughly: Balikpapan's kelurahan close together, Samarinda's 90 km north.
POSITIONS = {
    MANGGAR: (-1.2140, 116.9960),
    LAMARU: (-1.2010, 117.0240),
    BARU_ILIR: (-1.2350, 116.8290),
    RAWA_MAKMUR: (-0.5750, 117.1800),
    "64.72.01.1002": (-0.5900, 117.1950),
    "64.72.02.1001": (-0.5300, 117.1100),
}


def place(db: Database) -> None:
    with db.session() as session:
        for region in session.scalars(select(Region).where(Region.code.in_(list(POSITIONS)))):
            region.lat, region.lng = POSITIONS[region.code]


def add_reports(db: Database, rows: list[tuple[str, datetime, str]], status: str = "baru") -> None:
    with db.session() as session:
        for desa, occurred, category in rows:
            session.add(
                Report(
                    channel="api",
                    desa_code=desa,
                    occurred_at=occurred,
                    received_at=occurred + timedelta(minutes=5),
                    category=category,
                    severity=2,
                    title=f"{category} di {desa}",
                    description="Laporan uji",
                    status=status,
                )
            )


def background(seed: int, days: int = 60, per_day: float = 1.5) -> list[tuple[str, datetime, str]]:
    """Reports spread evenly over the villages, days and a few categories: no cluster, no spike."""
    rng = random.Random(seed)
    rows = []
    for day in range(days):
        for _ in range(rng.choices([0, 1, 2, 3], [1, 3, 3, 1])[0] if per_day else 0):
            moment = NOW - timedelta(days=day, hours=rng.uniform(0, 23))
            rows.append(
                (rng.choice(VILLAGES), moment, rng.choice(["perusakan_apk", "netralitas", "logistik"]))
            )
    return rows


@pytest.fixture
def setup_(settings: Settings) -> Any:
    return load_setup(settings)


def alerts_by_detector(db: Database) -> dict[str, list[Detection]]:
    found: dict[str, list[Detection]] = {}
    with db.session() as session:
        for detection in session.scalars(select(Detection).order_by(Detection.id)):
            session.expunge(detection)
            found.setdefault(detection.detector, []).append(detection)
    return found


def test_background_noise_raises_nothing(regions: Database, setup_: Any) -> None:
    place(regions)
    build_world(regions)
    add_reports(regions, background(1))
    report = run_cycle(regions.sessions, NOW, setup_)
    assert report.cases > 50
    assert report.findings["spike"] == 0 and report.findings["scan"] == 0 and report.raised == []


@pytest.fixture
def kaltim(db: Database) -> list[str]:
    """All of Kaltim's desa (the official list), laid on a grid 5.5 km apart: a province to scan."""
    with db.session() as session:
        load_catalog(session, ["64"])
        session.flush()
        villages = list(session.scalars(select(Region).where(Region.level == 4).order_by(Region.code)))
        for i, region in enumerate(villages):
            region.lat, region.lng = 0.5 - (i // 32) * 0.05, 115.5 + (i % 32) * 0.05
        return [r.code for r in villages]


def province_noise(villages: list[str], seed: int, reports: int = 400) -> list[tuple[str, datetime, str]]:
    """Reports scattered uniformly over the villages and the last 60 days: no cluster anywhere."""
    rng = random.Random(seed)
    categories = ["perusakan_apk", "logistik"]
    return [
        (rng.choice(villages), NOW - timedelta(days=rng.uniform(0, 59)), rng.choice(categories))
        for _ in range(reports)
    ]


def test_a_burst_in_neighbouring_villages_is_a_space_time_cluster(
    db: Database, kaltim: list[str], setup_: Any
) -> None:
    add_reports(db, province_noise(kaltim, seed=7))
    # Three neighbouring villages (grid neighbours), eight reports in the last two days.
    hot = [kaltim[0], kaltim[1], kaltim[32]]
    burst = [(hot[i % 3], NOW - timedelta(hours=1 + 5 * i), "bentrok_pendukung") for i in range(8)]
    add_reports(db, burst)
    report = run_cycle(db.sessions, NOW, setup_)
    assert report.findings["scan"] >= 1 and report.raised
    scans = alerts_by_detector(db)["scan"]
    most_likely = scans[0]
    assert most_likely.p_value is not None and most_likely.p_value < 0.05
    evidence = json.loads(most_likely.evidence)
    assert set(evidence["desa"]) >= set(hot) and evidence["radius_m"] < 15_000
    with db.session() as session:
        burst_ids = set(session.scalars(select(Report.id).where(Report.category == "bentrok_pendukung")))
        alert = session.get(Alert, most_likely.alert_id)
        assert alert is not None and alert.severity >= 3
    assert burst_ids <= set(evidence["reports"])
    # The same data in the next cycle is the same finding: nothing new.
    again = run_cycle(db.sessions, NOW + timedelta(minutes=5), setup_)
    assert again.raised == [] and again.joined == []


def test_noise_alone_over_a_province_raises_no_cluster(db: Database, kaltim: list[str], setup_: Any) -> None:
    add_reports(db, province_noise(kaltim, seed=8))
    report = run_cycle(db.sessions, NOW, setup_)
    assert report.findings["scan"] == 0 and report.findings["spike"] == 0


def test_a_spike_of_one_category_in_one_kecamatan(regions: Database, setup_: Any) -> None:
    place(regions)
    build_world(regions)
    add_reports(regions, background(3))
    hoaxes = [(RAWA_MAKMUR, NOW - timedelta(hours=1 + 2 * i), "hoaks") for i in range(6)]
    add_reports(regions, hoaxes)
    report = run_cycle(regions.sessions, NOW, setup_)
    assert report.findings["spike"] == 1, report
    spike = alerts_by_detector(regions)["spike"][0]
    assert spike.category == "hoaks" and spike.observed == 6 and spike.p_value is not None
    assert spike.p_value < 0.001 and spike.expected is not None and spike.expected < 1
    assert spike.area_code == RAWA_MAKMUR
    assert "Lonjakan laporan hoaks" in spike.explanation and "6 laporan dalam 24 jam" in spike.explanation
