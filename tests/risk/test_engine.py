"""The index computed by hand on a small case: every number below is worked out in the comments."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from support.clock import Clock
from tigapilar.accounts.principal import system_principal
from tigapilar.core.scope import Scope
from tigapilar.core.settings import Settings
from tigapilar.elections.calendar import load_calendar
from tigapilar.reports.draft import ReportDraft
from tigapilar.reports.intake import Envelope, Intake, Submission, Submitter
from tigapilar.reports.workflow import Change, change_status
from tigapilar.risk.profile import ProfileConfig, leaves, load_profile
from tigapilar.risk.service import recompute, refresh
from tigapilar.storage.db import Database
from tigapilar.storage.models import RegionAttribute, Report, RiskScore, RiskSnapshot, Tps, TpsAttribute
from tigapilar.tps.registry import add_tps_rows

MANGGAR, LAMARU = "64.71.01.1001", "64.71.01.1002"
NOW = datetime(2024, 11, 27, 12, 0, tzinfo=UTC)
PROFILE = """
code = "uji"
name = "Uji"
name_en = "Test"
unit = "tps"
election = "pilkada-2024"
khusus_kinds = ["lapas_rutan"]

[[bands.default]]
code = "aman"
label = "Aman"
label_en = "Safe"
min = 0

[[bands.default]]
code = "rawan"
label = "Rawan"
label_en = "Vulnerable"
min = 30

[[bands.default]]
code = "sangat_rawan"
label = "Sangat rawan"
label_en = "Highly vulnerable"
min = 60

[reports]
half_life_days = 10
horizon_days = 60
stage_multiplier = { masa_tenang = 2.0 }

[[group]]
code = "lokasi"
label = "Lokasi"
label_en = "Location"
weight = 3

[[group.indicator]]
code = "sulit"
label = "Sulit dijangkau"
label_en = "Hard to reach"
weight = 2
source = "attribute"
attribute = "sulit_dijangkau"

[[group.indicator]]
code = "khusus"
label = "Lokasi khusus"
label_en = "Special location"
weight = 1
source = "tps"
measure = "special_location"

[[group]]
code = "kampanye"
label = "Kampanye"
label_en = "Campaign"
weight = 1

[[group.indicator]]
code = "politik_uang"
label = "Politik uang"
label_en = "Money politics"
weight = 1
source = "reports"
categories = ["politik_uang"]
rule = "count"
saturation = 4
"""
# Effective weights: lokasi 3/4 of 100 = 75, split 2:1 -> sulit 50, khusus 25; kampanye 25.
# Report 1: Manggar, no TPS named, severity 2 (weight 1), quiet period (x2), 25 Nov 02:00 UTC: its day's
#   middle is 2.0 days before NOW, decay 0.5 ** (2 / 10) -> x = 2 * 0.5 ** 0.2; value x / 4.
# Report 2: Manggar TPS 2, severity 4 (weight 4), voting day (x1), 27 Nov 01:00 UTC: age 0 -> x = 4.
PU_MANGGAR = 25 * (2 * 0.5**0.2) / 4  # 10.881882041201551
TPS1 = PU_MANGGAR  # not hard to reach (its own 0 beats nothing), regular
TPS2 = 25 + 25  # special location, money politics saturated (x = 4 + 1.74 > 4)
LAMARU_TPS = 50  # hard to reach through its desa's attribute
DESA_MANGGAR = (200 * TPS1 + 300 * TPS2) / 500  # DPT-weighted
KECAMATAN = (200 * TPS1 + 300 * TPS2 + 100 * LAMARU_TPS) / 600


@pytest.fixture
def profile(tmp_path: Path) -> ProfileConfig:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "uji.toml").write_text(PROFILE, encoding="utf-8")
    return load_profile("uji", tmp_path)


@pytest.fixture
def world(regions: Database, settings: Settings) -> Intake:
    with regions.session() as session:
        add_tps_rows(
            session,
            [
                {
                    "election": "pilkada-2024",
                    "desa_code": MANGGAR,
                    "number": 1,
                    "dpt_male": 100,
                    "dpt_female": 100,
                },
                {
                    "election": "pilkada-2024",
                    "desa_code": MANGGAR,
                    "number": 2,
                    "dpt_male": 150,
                    "dpt_female": 150,
                    "kind": "lapas_rutan",
                },
                {
                    "election": "pilkada-2024",
                    "desa_code": LAMARU,
                    "number": 1,
                    "dpt_male": 50,
                    "dpt_female": 50,
                },
            ],
        )
        tps = {t.uid: t.id for t in session.scalars(select(Tps))}
        session.add(TpsAttribute(tps_id=tps[f"{MANGGAR}-001"], attribute="sulit_dijangkau", value=0))
        session.add(RegionAttribute(region_code=LAMARU, attribute="sulit_dijangkau", value=1))
    intake = Intake(regions, settings, clock=Clock(NOW))
    _verified(intake, regions, "r1", datetime(2024, 11, 25, 2, 0, tzinfo=UTC), severity=2)
    _verified(intake, regions, "r2", datetime(2024, 11, 27, 1, 0, tzinfo=UTC), severity=4, tps_number=2)
    _report(
        intake, "r3", datetime(2024, 11, 26, 2, 0, tzinfo=UTC), severity=4
    )  # new, not verified: no weight
    return intake


def _report(intake: Intake, key: str, at: datetime, severity: int, tps_number: int | None = None) -> int:
    draft = ReportDraft(
        MANGGAR, "politik_uang", severity, f"Amplop {key}", occurred_at=at, tps_number=tps_number
    )
    inbound = intake.journal(Envelope(channel="api", body=key.encode()))
    submitter = Submitter(None, None, None, Scope.everything())
    result = intake.process(inbound, submitter, Submission("api", draft, key, key))
    assert result.report_id is not None, result.problems
    return result.report_id


def _verified(
    intake: Intake, db: Database, key: str, at: datetime, severity: int, tps_number: int | None = None
) -> int:
    report_id = _report(intake, key, at, severity, tps_number)
    with db.session() as session:
        change_status(session, system_principal(), report_id, Change("terverifikasi"), NOW)
    return report_id


def scores(db: Database) -> dict[tuple[str, str], RiskScore]:
    with db.session() as session:
        return {
            (r.level, r.area_code if r.level != "tps" else r.place): r
            for r in session.scalars(select(RiskScore))
        }


def test_the_hand_computed_case(world: Intake, regions: Database, profile: ProfileConfig) -> None:
    assert [round(leaf.weight, 9) for leaf in leaves(profile)] == [50, 25, 25]
    with regions.session() as session:
        result = recompute(session, profile, NOW)
        tps = {
            t.number + (100 if t.desa_code == LAMARU else 0): f"tps:{t.id}"
            for t in session.scalars(select(Tps))
        }
    assert result.places == 3 and result.snapshot
    got = scores(regions)
    expected = {
        ("tps", tps[1]): (TPS1, "aman"),
        ("tps", tps[2]): (TPS2, "rawan"),
        ("tps", tps[101]): (LAMARU_TPS, "rawan"),
        ("desa", MANGGAR): (DESA_MANGGAR, "rawan"),
        ("desa", LAMARU): (LAMARU_TPS, "rawan"),
        ("kecamatan", "64.71.01"): (KECAMATAN, "rawan"),
        ("kabkota", "64.71"): (KECAMATAN, "rawan"),
        ("provinsi", "64"): (KECAMATAN, "rawan"),
    }
    assert {k: (v.score, v.category) for k, v in got.items()} == {
        k: (round(score, 4), category) for k, (score, category) in expected.items()
    }
    assert got[("tps", tps[2])].khusus and got[("desa", MANGGAR)].khusus and not got[("desa", LAMARU)].khusus
    assert got[("desa", MANGGAR)].worst == 50 and got[("kecamatan", "64.71.01")].places == 3
    # Every explanation adds up to its score.
    for row in got.values():
        assert sum(json.loads(row.contributions).values()) == pytest.approx(row.score, abs=1e-3)
    assert json.loads(got[("tps", tps[2])].contributions) == {"khusus": 25.0, "politik_uang": 25.0}
    assert json.loads(got[("desa", MANGGAR)].contributions) == {
        "khusus": round(300 * 25 / 500, 4),
        "politik_uang": round((200 * PU_MANGGAR + 300 * 25) / 500, 4),
    }


def test_verifying_one_report_updates_only_its_places_like_a_full_recompute(
    world: Intake, regions: Database, profile: ProfileConfig
) -> None:
    with regions.session() as session:
        recompute(session, profile, NOW)
    lamaru_report = _report(world, "r4", datetime(2024, 11, 27, 1, 0, tzinfo=UTC), severity=4)
    with regions.session() as session:
        session.get_one(Report, lamaru_report).desa_code = LAMARU
        change_status(session, system_principal(), lamaru_report, Change("terverifikasi"), NOW)
        written = refresh(session, profile, [LAMARU], NOW)
    assert written == 5  # Lamaru's TPS, Lamaru, the kecamatan, the city, the province
    incremental = {k: (v.score, v.worst, v.category, v.contributions) for k, v in scores(regions).items()}
    with regions.session() as session:
        recompute(session, profile, NOW)
    full = {k: (v.score, v.worst, v.category, v.contributions) for k, v in scores(regions).items()}
    assert incremental == full
    assert full[("desa", LAMARU)][0] == 75.0  # 50 hard to reach + 25 money politics (x = 4, saturated)


def test_a_snapshot_is_kept_per_local_day(world: Intake, regions: Database, profile: ProfileConfig) -> None:
    with regions.session() as session:
        assert recompute(session, profile, NOW).snapshot
        assert not recompute(session, profile, NOW).snapshot  # same day: kept as it was
        assert recompute(session, profile, datetime(2024, 11, 27, 16, 30, tzinfo=UTC)).snapshot  # 28 Nov WITA
        days = sorted({d for d in session.scalars(select(RiskSnapshot.day))})
    assert [d.isoformat() for d in days] == ["2024-11-27", "2024-11-28"]


def test_after_the_election_scores_stay_as_they_were_at_its_end(
    world: Intake, regions: Database, profile: ProfileConfig
) -> None:
    calendar = load_calendar()
    end = datetime(2024, 12, 16, 15, 59, 59, tzinfo=UTC)  # 16 Dec 23:59:59 WITA, the Pilkada's last day
    later = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    with regions.session() as session:
        recompute(session, profile, end, calendar=calendar)
    at_end = {k: v.score for k, v in scores(regions).items()}
    with regions.session() as session:
        recompute(session, profile, later, calendar=calendar)
        days = sorted({d.isoformat() for d in session.scalars(select(RiskSnapshot.day))})
    assert {k: v.score for k, v in scores(regions).items()} == at_end
    assert days == ["2024-12-16"]  # no snapshot dated two years after the election
    # Without the calendar the reports have long decayed away.
    with regions.session() as session:
        recompute(session, profile, later)
    assert max(v.score for k, v in scores(regions).items() if k[0] == "tps") == 50  # attributes only
