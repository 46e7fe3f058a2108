"""The demo's field reports: made by the village pillars through the intake, believable, loaded once.

Loading the demo takes seconds, so one database per backend is loaded for the whole module the way
an upgrade meets it: the rest of the demo loaded first (as an older version did), then
`tigapilar demo`, which adds the reports.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from support.demo_database import empty_database, run_demo
from tigapilar.accounts.principal import system_principal
from tigapilar.core.errors import Invalid
from tigapilar.core.pagination import PageRequest
from tigapilar.core.settings import Settings
from tigapilar.demo.alerts import BURST_KEY
from tigapilar.demo.config import DemoConfig, DemoReports, load_demo_config
from tigapilar.demo.loader import load_demo
from tigapilar.demo.positions import KM_PER_DEGREE
from tigapilar.demo.reports import (
    KEY_PREFIX,
    DemoReportPlan,
    check_demo_reports,
    load_demo_reports,
    plan_demo_reports,
    read_villages,
)
from tigapilar.elections.calendar import load_calendar
from tigapilar.reports.duplicates import suggest_duplicates
from tigapilar.reports.review import list_inbound
from tigapilar.reports.taxonomy import load_taxonomy
from tigapilar.storage.db import Database
from tigapilar.storage.models import Base, Inbound, Region, Report, ReportEvent, ReportSubmission, Tps

TIMEZONE = "Asia/Makassar"
WITA = ZoneInfo(TIMEZONE)


@dataclass
class Loaded:
    db: Database
    url: str
    data_dir: Path
    config: DemoConfig
    first_run: Result

    @property
    def reports_config(self) -> DemoReports:
        assert self.config.reports is not None
        return self.config.reports

    def plan(self, config: DemoConfig | None = None) -> DemoReportPlan:
        """The plan of the reports, drawn again from the database's demo rows."""
        config = config or self.config
        with self.db.session() as session:
            villages = read_villages(session, config)
        return plan_demo_reports(config, villages, load_calendar(None, TIMEZONE), TIMEZONE)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    folder = tmp_path_factory.mktemp("demo-reports")
    url = empty_database(request, folder)
    config = load_demo_config("kaltim")
    db = Database(url)
    with db.session() as session:
        assert not load_demo(session, config).already_loaded
    first_run = run_demo(url, folder / "data")
    yield Loaded(db, url, folder / "data", config, first_run)
    db.dispose()


def _reports(session: Session) -> list[Report]:
    """The reports of the [reports] section (the [alerts] burst is checked in test_demo_alerts.py)."""
    burst = select(ReportSubmission.report_id).where(ReportSubmission.external_id.startswith(BURST_KEY))
    return list(session.scalars(select(Report).where(Report.id.not_in(burst)).order_by(Report.id)))


def _count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_command_adds_reports_to_a_demo_loaded_without_them(loaded: Loaded) -> None:
    result = loaded.first_run
    assert result.exit_code == 0, result.output
    assert "already loaded; its field reports were added" in result.output
    count = loaded.reports_config.count
    assert f"Field reports: {count} through the intake" in result.output
    assert f"{len(loaded.reports_config.failed)} payloads wait in the review queue" in result.output
    assert "bhabin.sepaku" in result.output


def test_every_report_came_through_the_intake(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        reports = _reports(session)
        assert 400 <= len(reports) <= 600
        assert len(reports) == loaded.reports_config.count
        keys = dict(session.execute(select(ReportSubmission.report_id, ReportSubmission.external_id)).all())
        created = set(session.scalars(select(ReportEvent.report_id).where(ReportEvent.action == "created")))
        inbound = {
            row.report_id: row for row in session.scalars(select(Inbound).where(Inbound.state == "accepted"))
        }
        for report in reports:
            assert keys[report.id].startswith(KEY_PREFIX), report.id
            assert report.id in created
            journaled = inbound[report.id]
            assert journaled.external_id == keys[report.id]
            assert journaled.channel == report.channel
            assert journaled.received_at == report.received_at
            assert report.occurred_at <= report.received_at
            assert report.officer_id is not None and report.pillar is not None
        channels = Counter(r.channel for r in reports)
        assert set(channels) == {"odk", "sms", "web", "api"}
        pillars = Counter(r.pillar for r in reports)
        assert set(pillars) == {"bhabinkamtibmas", "babinsa", "kades_lurah"}


def test_reports_are_placed_in_the_stage_the_calendar_gives(loaded: Loaded) -> None:
    calendar = load_calendar(None, TIMEZONE)
    r = loaded.reports_config
    with loaded.db.session() as session:
        reports = _reports(session)
    for report in reports:
        stage = calendar.stage_at(report.occurred_at, report.desa_code)
        assert stage is not None
        assert (report.election, report.stage) == (stage.election, stage.stage), report.id
        assert r.start <= report.occurred_at.astimezone(WITA).date() <= r.end
    stages = Counter(report.stage for report in reports)
    assert {"kampanye", "masa_tenang", "pemungutan", "penghitungan_rekapitulasi"} <= set(stages)
    # The ramp: the week around voting day has far more reports per day than the campaign's first month.
    days = Counter(report.occurred_at.astimezone(WITA).date() for report in reports)
    near = sum(days[r.peak + timedelta(days=d)] for d in range(-3, 4)) / 7
    early = sum(days[r.start + timedelta(days=d)] for d in range(30)) / 30
    assert near > 4 * early


def test_hotspots_report_more_and_of_their_typical_categories(loaded: Loaded) -> None:
    hotspots = {h.kecamatan: h for h in loaded.reports_config.hotspots}
    with loaded.db.session() as session:
        villages = Counter(code[:8] for code in session.scalars(select(Region.code).where(Region.level == 4)))
        reports = _reports(session)
    per_kecamatan = Counter(r.desa_code[:8] for r in reports)

    def rate(kecamatan: list[str]) -> float:
        return sum(per_kecamatan[k] for k in kecamatan) / sum(villages[k] for k in kecamatan)

    inside = rate(list(hotspots))
    outside = rate([k for k in villages if k not in hotspots])
    assert inside > 2.5 * outside, (inside, outside)
    # Share of a hotspot's reports in its typical categories, against the share those categories
    # would have there if it reported like the villages outside every hotspot.
    elsewhere = Counter(r.category for r in reports if r.desa_code[:8] not in hotspots)
    typical = expected = 0.0
    for kecamatan, hotspot in hotspots.items():
        kinds = {c for c, m in hotspot.categories.items() if m > 1}
        here = [r for r in reports if r.desa_code[:8] == kecamatan]
        typical += sum(r.category in kinds for r in here)
        expected += len(here) * sum(elsewhere[c] for c in kinds) / elsewhere.total()
    assert typical > 1.5 * expected, (typical, expected)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return KM_PER_DEGREE * math.hypot(a[0] - b[0], (a[1] - b[1]) * math.cos(math.radians(b[0])))


def test_positions_and_tps_belong_to_the_reported_village(loaded: Loaded) -> None:
    radius = loaded.reports_config.gps_radius_km
    with loaded.db.session() as session:
        reports = _reports(session)
        villages = {
            row.code: (row.lat, row.lng)
            for row in session.execute(select(Region.code, Region.lat, Region.lng))
        }
        tps = {
            row.id: row
            for row in session.execute(select(Tps.id, Tps.desa_code, Tps.number, Tps.lat, Tps.lng))
        }
    with_gps = [r for r in reports if r.lat is not None and r.lng is not None]
    assert 0.3 * len(reports) < len(with_gps) < 0.8 * len(reports)
    for report in with_gps:
        assert report.lat is not None and report.lng is not None
        station = tps[report.tps_id] if report.tps_id is not None else None
        # At the TPS the report names (where it has a position), else around the village.
        if station is not None and station.lat is not None and station.lng is not None:
            assert _km((report.lat, report.lng), (station.lat, station.lng)) <= 0.2, report.id
        else:
            lat, lng = villages[report.desa_code]
            assert lat is not None and lng is not None
            assert _km((report.lat, report.lng), (lat, lng)) <= radius * 1.01, report.id
    with_tps = [r for r in reports if r.tps_id is not None]
    assert with_tps and len(with_tps) < len(reports) / 3
    for report in with_tps:
        assert report.tps_id is not None
        station = tps[report.tps_id]
        assert station.desa_code == report.desa_code
        assert f"TPS {station.number:03d}" in f"{report.title} {report.description}", report.id


def test_near_duplicates_are_merged_or_suggested(loaded: Loaded) -> None:
    plan = loaded.plan()
    assert len(plan.pairs) == loaded.reports_config.duplicates
    principal = system_principal()
    with loaded.db.session() as session:
        ids = dict(session.execute(select(ReportSubmission.external_id, ReportSubmission.report_id)).all())
        suggested = merged = 0
        for first_key, second_key in plan.pairs:
            first, second = session.get_one(Report, ids[first_key]), session.get_one(Report, ids[second_key])
            assert (first.desa_code, first.category) == (second.desa_code, second.category)
            assert first.pillar != second.pillar
            assert first.description != second.description and first.title != second.title
            assert abs(first.occurred_at - second.occurred_at) < timedelta(hours=1)
            if second.duplicate_of is not None:
                assert second.duplicate_of == first.id
                assert (second.status, second.status_reason) == ("ditolak", "duplikat")
                merged += 1
                continue
            # Left for an analyst: the verification queue shows each as the other's duplicate.
            assert (first.status, second.status) == ("baru", "baru")
            assert second.id in [s.report_id for s in suggest_duplicates(session, principal, first.id)]
            assert first.id in [s.report_id for s in suggest_duplicates(session, principal, second.id)]
            suggested += 1
        assert merged > 0 and suggested > 0


def test_statuses_follow_the_age_of_reports(loaded: Loaded) -> None:
    r = loaded.reports_config
    plan = loaded.plan()
    fresh = plan.as_of - timedelta(hours=r.status.fresh_hours)
    with loaded.db.session() as session:
        reports = _reports(session)
        events = session.execute(select(ReportEvent.report_id, ReportEvent.at, ReportEvent.action)).all()
    statuses = Counter(report.status for report in reports)
    older = [report for report in reports if report.received_at < fresh]
    recent = [report for report in reports if report.received_at >= fresh]
    assert recent and all(report.status == "baru" for report in recent)
    handled = Counter(report.status for report in older)
    assert handled["terverifikasi"] > len(older) / 3
    assert handled["ditindaklanjuti"] > 0 and handled["selesai"] > 0
    assert handled["baru"] < len(older) / 10
    rejected = Counter(report.status_reason for report in reports if report.status == "ditolak")
    assert 0 < rejected["tidak_valid"] < len(reports) / 10
    assert rejected["duplikat"] > 0
    assert statuses["baru"] < len(reports) / 5
    # Every analyst action lies after the report arrived and before the demo's "now".
    received = {report.id: report.received_at for report in reports}
    for report_id, at, action in events:
        if report_id in received:
            assert received[report_id] <= at <= plan.as_of, (report_id, action)


def test_failed_payloads_wait_in_the_review_queue(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        queue = list_inbound(session, system_principal(), page=PageRequest(limit=1000))
    demo = [item for item in queue.items if (item.external_id or "").startswith(KEY_PREFIX)]
    assert len(demo) == len(loaded.reports_config.failed)
    assert {item.error_code for item in demo} == {
        "report.unknown_category",
        "report.unknown_village",
        "report.unreadable",
        "report.unknown_tps",
        "report.bad_severity",
        "report.time_in_future",
    }
    assert all(item.area_code and item.area_code.startswith("64.") and item.pesan for item in demo)
    assert {item.channel for item in demo} == {"sms", "odk", "api", "web"}


def test_running_the_demo_again_adds_nothing(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        before = [_count(session, model) for model in (Report, Inbound, ReportEvent, ReportSubmission)]
    again = run_demo(loaded.url, loaded.data_dir)
    assert again.exit_code == 0, again.output
    assert "already loaded; nothing was changed" in again.output
    assert "Field reports" not in again.output
    settings = Settings(database_url=loaded.url, data_dir=loaded.data_dir)
    assert load_demo_reports(loaded.db, settings, loaded.config).already_loaded
    with loaded.db.session() as session:
        after = [_count(session, model) for model in (Report, Inbound, ReportEvent, ReportSubmission)]
    assert after == before


def test_the_same_seed_gives_the_same_reports(loaded: Loaded) -> None:
    plan, again = loaded.plan(), loaded.plan()

    def story(p: DemoReportPlan) -> list[tuple[str, str, str | None, str | None]]:
        return [(r.key, r.village.code, r.draft.category, r.draft.title) for r in p.reports + p.failures]

    assert story(plan) == story(again)
    with loaded.db.session() as session:
        stored = {
            key: (desa, title)
            for key, desa, title in session.execute(
                select(ReportSubmission.external_id, Report.desa_code, Report.title).join(
                    Report, Report.id == ReportSubmission.report_id
                )
            )
        }
    ours = {key: value for key, value in stored.items() if not key.startswith(BURST_KEY)}
    assert ours == {r.key: (r.village.code, r.draft.title) for r in plan.reports}
    other = loaded.plan(loaded.config.model_copy(update={"seed": loaded.config.seed + 1}))
    assert story(other) != story(plan)


# -- the [reports] section of a demo file ------------------------------------------------------


def _with_reports_changed(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the shipped demo files with ``old`` replaced by ``new`` (in whichever holds it)."""
    for name in ("kaltim.toml", "kaltim_report_texts.toml"):
        shipped = resources.files("tigapilar.demo").joinpath("data", name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(shipped.replace(old, new, 1), encoding="utf-8")
    return tmp_path / "kaltim.toml"


def test_the_shipped_demo_has_reports_and_their_texts() -> None:
    config = load_demo_config("kaltim")
    assert config.reports is not None
    assert set(config.reports.categories) == {c.code for c in load_taxonomy(None).categories}
    check_demo_reports(config.reports, load_taxonomy(None), load_calendar(None, TIMEZONE), config.election)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("Dugaan bagi-bagi amplop di RT {rt}", "Amplop di RT {rw}", "unknown placeholder"),
        ('kecamatan = "64.09.04"\nweight = 5', 'kecamatan = "65.01.01"\nweight = 5', "outside the listed"),
        ("start = 2024-09-25", "start = 2024-11-28", "start <= peak <= end"),
        ('texts = "kaltim_report_texts.toml"', 'texts = "missing.toml"', "is missing"),
    ],
)
def test_a_bad_reports_section_is_refused_clearly(tmp_path: Path, old: str, new: str, problem: str) -> None:
    path = _with_reports_changed(tmp_path, old, new)
    with pytest.raises(Invalid) as refused:
        load_demo_config(str(path))
    said = f"{refused.value.message} {refused.value.details}"
    assert problem in said, said


def test_categories_and_stages_must_be_those_in_force() -> None:
    config = load_demo_config("kaltim")
    assert config.reports is not None
    unknown = config.reports.model_copy(update={"categories": {**config.reports.categories, "begal": 1.0}})
    calendar = load_calendar(None, TIMEZONE)
    with pytest.raises(Invalid, match="begal"):
        check_demo_reports(unknown, load_taxonomy(None), calendar, config.election)
    with pytest.raises(Invalid, match="kampanye"):
        check_demo_reports(config.reports, load_taxonomy(None), calendar, "pilkada-2029")
