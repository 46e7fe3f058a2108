"""The demo's vulnerability picture: attributes from the data file, every live profile scored over days.

One database per backend is loaded for the whole module the way an upgrade meets it: the demo and its
reports loaded first (as the version before attributes did), then `tigapilar demo`, which adds the
attributes and the scores. The checks on the picture are written as functions of a session and a
config so that they can be run against a demo built from an altered file (see the end).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from support.demo_database import empty_database, run_demo
from tigapilar.accounts.principal import system_principal
from tigapilar.core.errors import Invalid
from tigapilar.core.settings import Settings
from tigapilar.demo.config import DemoConfig, load_demo_config
from tigapilar.demo.loader import load_demo
from tigapilar.demo.reports import load_demo_reports
from tigapilar.demo.risk import (
    AttributePlan,
    check_demo_attributes,
    demo_moments,
    load_demo_risk,
    plan_demo_attributes,
    read_demo_places,
)
from tigapilar.risk import views
from tigapilar.risk.attributes import load_attribute_registry
from tigapilar.risk.profile import indicators_of, load_profile
from tigapilar.risk.service import recompute
from tigapilar.storage.db import Database
from tigapilar.storage.models import Region, RegionAttribute, RiskScore, RiskSnapshot, Tps, TpsAttribute

TIMEZONE = "Asia/Makassar"
WITA = ZoneInfo(TIMEZONE)
TPS_PROFILE = "tps-rawan-2024"
IKP_PROFILE = "ikp-2024"
INTERIOR = ("64.11", "64.07")  # Mahakam Ulu, Kutai Barat: reached by river
LOCATION = {"sulit_dijangkau", "blank_spot"}
CONFLICT = {"rawan_konflik", "riwayat_kekerasan"}
DAYS = [date(2024, 11, 20), date(2024, 11, 24), date(2024, 11, 27), date(2024, 12, 16)]


@dataclass
class Loaded:
    db: Database
    url: str
    data_dir: Path
    config: DemoConfig
    first_run: Result

    @property
    def settings(self) -> Settings:
        return Settings(database_url=self.url, data_dir=self.data_dir)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    folder = tmp_path_factory.mktemp("demo-risk")
    url = empty_database(request, folder)
    config = load_demo_config("kaltim")
    db = Database(url)
    # The demo as the version before attributes left it: regions, TPS, people, reports.
    with db.session() as session:
        assert not load_demo(session, config).already_loaded
    assert load_demo_reports(db, Settings(database_url=url, data_dir=folder / "data"), config).reports
    first_run = run_demo(url, folder / "data")
    yield Loaded(db, url, folder / "data", config, first_run)
    db.dispose()


# -- the picture, as checks of a session (also run against altered files, see the end) ----------


def tps_scores(session: Session, profile: str = TPS_PROFILE) -> list[RiskScore]:
    return list(
        session.scalars(
            select(RiskScore)
            .where(RiskScore.profile == profile, RiskScore.level == "tps")
            .order_by(RiskScore.place)
        )
    )


def contributions(row: RiskScore) -> dict[str, float]:
    points: dict[str, float] = json.loads(row.contributions)
    return points


def top_indicators(row: RiskScore, n: int = 3) -> list[str]:
    points = contributions(row)
    return sorted(points, key=lambda code: -points[code])[:n]


def kinds_of_kabkota(session: Session, config: DemoConfig) -> dict[str, str]:
    found = session.execute(select(Region.code, Region.kind).where(Region.code.in_(list(config.kabkota))))
    return dict(found.all())


def check_interior_ranks_high_for_location(session: Session) -> None:
    by_kabkota: dict[str, list[float]] = defaultdict(list)
    for row in tps_scores(session):
        by_kabkota[row.area_code[:5]].append(row.score)
    ranking = sorted(by_kabkota, key=lambda code: -mean(by_kabkota[code]))
    for code in INTERIOR:
        assert ranking.index(code) < len(ranking) // 2, (code, ranking)
        row = session.get_one(RiskScore, (TPS_PROFILE, "kabkota", code))
        assert LOCATION & set(top_indicators(row)), (code, top_indicators(row))


def check_hotspots_rank_high_for_reports_or_conflict(session: Session, config: DemoConfig) -> None:
    """Every hotspot kecamatan of [reports] is in the top quarter by its report-driven or conflict points."""
    assert config.reports is not None
    profile = load_profile(TPS_PROFILE)
    driven = {i.code for i in indicators_of(profile) if i.source == "reports"} | CONFLICT
    kecamatan = session.scalars(
        select(RiskScore).where(RiskScore.profile == TPS_PROFILE, RiskScore.level == "kecamatan")
    ).all()
    points = {row.place: sum(v for k, v in contributions(row).items() if k in driven) for row in kecamatan}
    ranking = sorted(points, key=lambda code: (-points[code], code))
    quarter = len(ranking) // 4
    for hotspot in config.reports.hotspots:
        assert ranking.index(hotspot.kecamatan) < quarter, (
            hotspot.kecamatan,
            ranking.index(hotspot.kecamatan),
        )


def check_cities_have_the_fewest_sangat_rawan(session: Session, config: DemoConfig) -> None:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in tps_scores(session):
        counts[row.area_code[:5]][row.category] += 1
    share = {code: c["sangat_rawan"] / sum(c.values()) for code, c in counts.items()}
    kinds = kinds_of_kabkota(session, config)
    cities = [code for code, kind in kinds.items() if kind == "kota"]
    regencies = [code for code, kind in kinds.items() if kind == "kabupaten"]
    assert cities and regencies
    assert max(share[c] for c in cities) < min(share[r] for r in regencies), share


def check_ikp_ranking(session: Session) -> None:
    """IKN's Penajam Paser Utara among the most vulnerable and in Bawaslu's "tinggi"; Bontang the least."""
    rows = session.scalars(
        select(RiskScore)
        .where(RiskScore.profile == IKP_PROFILE, RiskScore.level == "kabkota")
        .order_by(RiskScore.score.desc())
    ).all()
    ranking = [row.place for row in rows]
    assert len(ranking) == 10
    assert ranking.index("64.09") < 2 and rows[ranking.index("64.09")].category == "tinggi", ranking
    assert ranking[-1] == "64.74", ranking
    assert len({row.category for row in rows}) >= 2  # a spread, not one category for all


# -- tests -------------------------------------------------------------------------------------


def test_the_command_adds_attributes_and_scores_to_an_older_demo(loaded: Loaded) -> None:
    result = loaded.first_run
    assert result.exit_code == 0, result.output
    assert "already loaded; its attributes and vulnerability scores were brought up to date" in result.output
    assert "2 profiles scored (tps-rawan-2024 6,294 places, ikp-2024 10 places) on 4 days" in result.output
    assert "bhabin.sepaku" in result.output


def test_attributes_are_the_data_files_and_in_the_registry(loaded: Loaded) -> None:
    attributes = loaded.config.attributes
    assert attributes is not None
    registry = load_attribute_registry(None)
    with loaded.db.session() as session:
        plan = _plan(session, loaded.config)
        assert _stored(session, attributes.source) == plan
        used = {
            i.attribute for code in loaded.settings.risk_profiles for i in indicators_of(load_profile(code))
        }
        used.discard(None)
        stored = set(session.scalars(select(TpsAttribute.attribute).distinct()))
        stored |= set(session.scalars(select(RegionAttribute.attribute).distinct()))
    # Every attribute a live profile reads has demo values, and every value is of a known attribute.
    assert used <= stored, sorted(used - stored)
    assert all(registry.get(code) is not None for code in stored)
    # Every kab/kota has a value for every IKP attribute.
    ikp = {i.attribute for i in indicators_of(load_profile(IKP_PROFILE)) if i.attribute}
    for code in loaded.config.kabkota:
        assert {a for (place, a) in plan.regions if place == code} >= ikp, code


def test_attributes_follow_the_geography(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        plan = _plan(session, loaded.config)
        tps, _ = read_demo_places(session, loaded.config)
    per_kabkota: dict[str, list[bool]] = defaultdict(list)
    for place in tps:
        hard = plan.regions.get((place.desa, "sulit_dijangkau")) or plan.tps.get(
            (place.id, "sulit_dijangkau")
        )
        per_kabkota[place.desa[:5]].append(bool(hard))
    share = {code: sum(flags) / len(flags) for code, flags in per_kabkota.items()}
    assert share["64.11"] > 0.7 and share["64.07"] > 0.4, share
    assert max(share["64.71"], share["64.72"], share["64.74"]) < 0.03, share
    # Counts are small: a few names per TPS at most.
    counts = [v for (_, a), v in plan.tps.items() if a in {"dpt_tms", "dptb", "dpk"}]
    assert counts and max(counts) <= 15 and mean(counts) < 5


def test_the_interior_ranks_high_for_being_hard_to_reach(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        check_interior_ranks_high_for_location(session)


def test_hotspots_rank_high_for_reports_or_conflict(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        check_hotspots_rank_high_for_reports_or_conflict(session, loaded.config)


def test_the_cities_have_the_fewest_sangat_rawan_tps(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        check_cities_have_the_fewest_sangat_rawan(session, loaded.config)


def test_the_ikp_ranks_ikn_high_and_bontang_low(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        check_ikp_ranking(session)


def test_every_explanation_adds_up_to_its_score(loaded: Loaded) -> None:
    principal = system_principal()
    with loaded.db.session() as session:
        rows = session.scalars(select(RiskScore)).all()
        assert len(rows) > 6294
        for row in rows:
            # Points are stored to 1/10,000: at most half of that off per indicator.
            assert abs(sum(contributions(row).values()) - row.score) < 0.003, (row.profile, row.place)
        # As analysts read them, at every level of both profiles.
        for code in loaded.settings.risk_profiles:
            profile = load_profile(code)
            for level in views.scored_levels(profile):
                worst = session.scalar(
                    select(RiskScore.place)
                    .where(RiskScore.profile == code, RiskScore.level == level)
                    .order_by(RiskScore.score.desc(), RiskScore.place)
                    .limit(1)
                )
                assert worst is not None
                found = views.explain(session, principal, profile, level, worst, today=DAYS[-1])
                assert found.indicators
                assert abs(sum(i.points for i in found.indicators) - found.view.score) < 0.003
                assert abs(sum(i.share for i in found.indicators) - 100) < 1e-6
                assert [p.day for p in found.history] == DAYS


def test_special_location_tps_are_flagged(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        kinds = dict(session.execute(select(Tps.id, Tps.kind)).all())
        rows = tps_scores(session)
    special = [row for row in rows if kinds[row.tps_id] != "reguler"]
    assert len(special) == sum(s.count for s in loaded.config.special_tps)
    assert all(row.khusus and "lokasi_khusus" in contributions(row) for row in special)
    assert not any(row.khusus for row in rows if kinds[row.tps_id] == "reguler")


def test_snapshots_tell_the_days_of_the_election(loaded: Loaded) -> None:
    zone = WITA
    assert [m.astimezone(zone).date() for m in demo_moments(loaded.config, zone)] == DAYS
    with loaded.db.session() as session:
        for code in loaded.settings.risk_profiles:
            days = session.execute(
                select(RiskSnapshot.day, func.count())
                .where(RiskSnapshot.profile == code)
                .group_by(RiskSnapshot.day)
                .order_by(RiskSnapshot.day)
            ).all()
            places = session.scalar(
                select(func.count()).select_from(RiskScore).where(RiskScore.profile == code)
            )
            assert days == [(day, places) for day in DAYS], code
        province = dict(
            session.execute(
                select(RiskSnapshot.day, RiskSnapshot.score).where(
                    RiskSnapshot.profile == TPS_PROFILE, RiskSnapshot.level == "provinsi"
                )
            ).all()
        )
        # Reports rise to voting day and fade after it: the trend moves.
        assert province[DAYS[0]] < province[DAYS[2]] and province[DAYS[3]] < province[DAYS[2]], province
        # The current scores are those of the demo's now, the last snapshot.
        current = session.get_one(RiskScore, (TPS_PROFILE, "provinsi", "64"))
        assert current.score == province[DAYS[-1]]
        assert current.computed_at.astimezone(WITA).date() == DAYS[-1]


def test_running_the_demo_again_adds_nothing(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        before = _fingerprint(session)
    again = run_demo(loaded.url, loaded.data_dir)
    assert again.exit_code == 0, again.output
    assert "already loaded; nothing was changed" in again.output
    assert "Vulnerability" not in again.output
    summary = load_demo_risk(loaded.db, loaded.settings, loaded.config)
    assert not summary.changed and not summary.scored
    with loaded.db.session() as session:
        assert _fingerprint(session) == before


def test_the_same_seed_gives_the_same_picture(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        plan = _plan(session, loaded.config)
        assert _plan(session, loaded.config) == plan
        other = _plan(session, loaded.config.model_copy(update={"seed": loaded.config.seed + 1}))
        assert other.tps != plan.tps and other.regions != plan.regions
        # Scoring again at the demo's now gives the stored scores (then rolled back).
        stored = {(r.level, r.place): (r.score, r.contributions) for r in session.scalars(select(RiskScore))}
        now = demo_moments(loaded.config, WITA)[-1]
        for code in loaded.settings.risk_profiles:
            recompute(session, load_profile(code), now, TIMEZONE)
        session.flush()
        again = {(r.level, r.place): (r.score, r.contributions) for r in session.scalars(select(RiskScore))}
        session.rollback()
    assert again == stored


# -- the [attributes] section of a demo file ------------------------------------------------------


def _with_attributes_changed(tmp_path: Path, old: str, new: str) -> Path:
    for name in ("kaltim.toml", "kaltim_report_texts.toml"):
        shipped = resources.files("tigapilar.demo").joinpath("data", name).read_text(encoding="utf-8")
        changed = shipped.replace(old, new, 1) if name == "kaltim.toml" else shipped
        assert name != "kaltim.toml" or changed != shipped, old
        (tmp_path / name).write_text(changed, encoding="utf-8")
    return tmp_path / "kaltim.toml"


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('"64.11" = 0.85, "64.11.04"', '"65.11" = 0.85, "64.11.04"', "outside the listed kab/kota"),
        ("score_days = [2024-11-20,", "score_days = [2024-12-20,", "score_days"),
        (
            'given = { attribute = "sulit_dijangkau", chance = 0.75 }',
            'given = { attribute = "riwayat_psu", chance = 0.75 }',
            "is not drawn before it",
        ),
        ('attribute = "riwayat_psu"\nchance', 'attribute = "riwayat_psu"\nper = "rt"\nchance', "per"),
    ],
)
def test_a_bad_attributes_section_is_refused_clearly(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    path = _with_attributes_changed(tmp_path, old, new)
    with pytest.raises(Invalid) as caught:
        load_demo_config(str(path))
    assert caught.value.code == "demo.bad_file"
    assert problem in json.dumps(caught.value.details), caught.value.details


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('attribute = "riwayat_psu"', 'attribute = "riwayat_pemilu"', "not in the registry"),
        (
            'attribute = "riwayat_psu"\nchance = 0.003',
            'attribute = "riwayat_psu"\nchance = 0.003\nvalues = [1, 3]',
            "is a flag",
        ),
        ('attributes = ["golput_persen"]', 'attributes = ["blank_spot"]', "blank_spot is a flag"),
    ],
)
def test_attributes_must_be_those_of_the_registry(tmp_path: Path, old: str, new: str, problem: str) -> None:
    config = load_demo_config(str(_with_attributes_changed(tmp_path, old, new)))
    assert config.attributes is not None
    with pytest.raises(Invalid) as caught:
        check_demo_attributes(config.attributes, load_attribute_registry(None))
    assert caught.value.code == "demo.bad_file" and problem in caught.value.message


def test_the_shipped_attributes_are_valid() -> None:
    config = load_demo_config("kaltim")
    assert config.attributes is not None
    check_demo_attributes(config.attributes, load_attribute_registry(None))


# -- helpers -----------------------------------------------------------------------------------


def _plan(session: Session, config: DemoConfig) -> AttributePlan:
    assert config.attributes is not None
    tps, desa = read_demo_places(session, config)
    return plan_demo_attributes(config.attributes, config.seed, tps, desa)


def _stored(session: Session, source: str) -> AttributePlan:
    tps = session.execute(
        select(TpsAttribute.tps_id, TpsAttribute.attribute, TpsAttribute.value).where(
            TpsAttribute.source == source
        )
    )
    regions = session.execute(
        select(RegionAttribute.region_code, RegionAttribute.attribute, RegionAttribute.value).where(
            RegionAttribute.source == source
        )
    )
    return AttributePlan({(i, a): v for i, a, v in tps}, {(c, a): v for c, a, v in regions})


def _fingerprint(session: Session) -> tuple[object, ...]:
    counts = tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (TpsAttribute, RegionAttribute, RiskScore, RiskSnapshot)
    )
    latest = (
        session.scalar(select(func.max(TpsAttribute.updated_at))),
        session.scalar(select(func.max(RegionAttribute.updated_at))),
        session.scalar(select(func.max(RiskScore.computed_at))),
    )
    return counts, latest
