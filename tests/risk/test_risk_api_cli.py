"""Reading the index through HTTP and the command line: ranking, scope, explanations, history, exports.

The world: a test profile (below), nine TPS in Balikpapan (64.71) and Samarinda (64.72), and a few
verified money-politics reports. Every score is worked out by hand in :data:`EXPECTED`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from sqlalchemy import event, select, text

from conftest import Account, make_account
from support.clock import Clock
from tigapilar.accounts import passwords
from tigapilar.accounts.principal import Principal, system_principal
from tigapilar.accounts.roles import Role
from tigapilar.cli.main import cli
from tigapilar.core import exports
from tigapilar.core.scope import Scope
from tigapilar.core.settings import Settings
from tigapilar.elections.calendar import load_calendar
from tigapilar.reports.draft import ReportDraft
from tigapilar.reports.intake import Envelope, Intake, Submission, Submitter
from tigapilar.reports.workflow import Change, change_status
from tigapilar.risk import views
from tigapilar.storage.db import Database
from tigapilar.storage.models import Region, RegionAttribute, Tps, TpsAttribute
from tigapilar.tps.registry import add_tps_rows

API = "/api/v1"
ELECTION = "pilkada-2024"
DAY1 = datetime(2024, 11, 26, 4, 0, tzinfo=UTC)  # 12.00 WITA, 26 Nov
DAY2 = datetime(2024, 11, 27, 4, 0, tzinfo=UTC)  # 12.00 WITA, 27 Nov (voting day)
MANGGAR, LAMARU = "64.71.01.1001", "64.71.01.1002"
RAWA_MAKMUR, HANDIL_BAKTI, SUNGAI_KELEDANG = "64.72.01.1001", "64.72.01.1002", "64.72.02.1001"
PROFILE = """
code = "uji"
name = "Uji kerawanan TPS"
name_en = "Test TPS vulnerability"
unit = "tps"
election = "pilkada-2024"
khusus_kinds = ["lapas_rutan"]

[[bands.default]]
code = "aman"
label = "Aman"
label_en = "Safe"
min = 0

[[bands.default]]
code = "kurang_rawan"
label = "Kurang rawan"
label_en = "Slightly vulnerable"
min = 20

[[bands.default]]
code = "rawan"
label = "Rawan"
label_en = "Vulnerable"
min = 40

[[bands.default]]
code = "sangat_rawan"
label = "Sangat rawan"
label_en = "Highly vulnerable"
min = 60

[[group]]
code = "lokasi"
label = "Lokasi"
label_en = "Location"
weight = 3

[[group.group]]
code = "akses"
label = "Akses"
label_en = "Access"
weight = 1

[[group.group.indicator]]
code = "sulit"
label = "Sulit dijangkau"
label_en = "Hard to reach"
weight = 3
source = "attribute"
attribute = "sulit_dijangkau"

[[group.group.indicator]]
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
saturation = 2
"""
# Effective weights: lokasi 3/4 of 100 = 75, split 3:1 -> sulit 56.25, khusus 18.75; kampanye 25. A
# severity-4 report weighs 4 (decayed by days, still >= 2): it saturates politik_uang to 25 points.
SULIT, KHUSUS, UANG = 56.25, 18.75, 25.0
# (desa, number, kind, DPT, hard to reach on the TPS itself, a report on day 1, lat/lng)
TPS_ROWS = [
    (MANGGAR, 1, "reguler", 200, False, False, None),
    (MANGGAR, 2, "reguler", 300, True, False, (-1.21, 116.98)),
    (MANGGAR, 3, "lapas_rutan", 100, False, True, None),
    (LAMARU, 1, "reguler", 150, False, False, None),
    (RAWA_MAKMUR, 1, "reguler", 250, False, True, (-0.55, 117.21)),
    (RAWA_MAKMUR, 2, "lapas_rutan", 120, False, False, None),
    (HANDIL_BAKTI, 1, "reguler", 180, False, False, None),  # hard to reach through its desa
    (HANDIL_BAKTI, 2, "reguler", 220, False, True, None),
    (SUNGAI_KELEDANG, 1, "reguler", 260, False, False, None),
]
# Day-one score of each TPS uid, by the rules above.
EXPECTED = {
    f"{MANGGAR}-001": 0.0,
    f"{MANGGAR}-002": SULIT,
    f"{MANGGAR}-003": KHUSUS + UANG,
    f"{LAMARU}-001": 0.0,
    f"{RAWA_MAKMUR}-001": UANG,
    f"{RAWA_MAKMUR}-002": KHUSUS,
    f"{HANDIL_BAKTI}-001": SULIT,
    f"{HANDIL_BAKTI}-002": SULIT + UANG,
    f"{SUNGAI_KELEDANG}-001": 0.0,
}
# Cheap Argon2 settings for the accounts of every test (the hash is not under test here).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
BANDS = [(60, "sangat_rawan"), (40, "rawan"), (20, "kurang_rawan"), (0, "aman")]


def band(score: float) -> str:
    return next(code for low, code in BANDS if score >= low)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The test profile in a configuration directory; no live refresh (scores move on recompute)."""
    config = tmp_path / "config"
    (config / "profiles").mkdir(parents=True)
    (config / "profiles" / "uji.toml").write_text(PROFILE, encoding="utf-8")
    return Settings(
        database_url=database_url, data_dir=tmp_path / "data", config_dir=config, risk_profiles=()
    )


# A square around Rawa Makmur, the only desa with a centroid and a polygon.
RAWA_MAKMUR_CENTROID = (-0.56, 117.2)
RAWA_MAKMUR_POLYGON = {
    "type": "Polygon",
    "coordinates": [[[117.19, -0.57], [117.21, -0.57], [117.21, -0.55], [117.19, -0.55], [117.19, -0.57]]],
}


@dataclass
class World:
    client: TestClient
    db: Database
    settings: Settings
    clock: Clock
    tps: dict[str, int]  # uid -> id
    accounts: dict[str, Account]

    def get(self, who: str, url: str, status: int = 200, **params: Any) -> Any:
        response = self.client.get(f"{API}{url}", params=params or None, headers=self.accounts[who].headers)
        assert response.status_code == status, response.text
        return response.json()

    def recompute(self, who: str = "pusat") -> Any:
        headers = self.accounts[who].headers
        response = self.client.post(f"{API}/risk/recompute", params={"profile": "uji"}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def scores(self, who: str = "pusat", **params: Any) -> list[dict[str, Any]]:
        body: dict[str, Any] = self.get(who, "/risk/scores", profile="uji", limit=1000, **params)
        items: list[dict[str, Any]] = body["items"]
        return items

    def uid(self, place: str) -> str:
        """The uid of the TPS whose place key is ``place`` (tps:<id>)."""
        return next(uid for uid, tps_id in self.tps.items() if place == f"tps:{tps_id}")


def verified_report(world: World, desa: str, number: int, at: datetime) -> None:
    """A severity-4 money-politics report at a TPS, through the real intake, then verified."""
    intake = Intake(world.db, world.settings, clock=Clock(at + timedelta(hours=1)))
    key = f"{desa}-{number}-{at.isoformat()}"
    draft = ReportDraft(desa, "politik_uang", 4, f"Pembagian amplop {key}", occurred_at=at, tps_number=number)
    inbound = intake.journal(Envelope(channel="api", body=key.encode()))
    submitter = Submitter(None, None, None, Scope.everything())
    result = intake.process(inbound, submitter, Submission("api", draft, key, key))
    assert result.report_id is not None, result.problems
    with world.db.session() as session:
        change_status(session, system_principal(), result.report_id, Change("terverifikasi"), at)


@pytest.fixture
def world(client: Any, regions: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> World:
    """The TPS, attributes and day-one reports, with the index computed at noon of day one."""
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    with regions.session() as session:
        add_tps_rows(
            session,
            [
                {
                    "election": ELECTION,
                    "desa_code": desa,
                    "number": number,
                    "kind": kind,
                    "dpt_male": dpt // 2,
                    "dpt_female": dpt - dpt // 2,
                    "lat": position[0] if position else None,
                    "lng": position[1] if position else None,
                }
                for desa, number, kind, dpt, _, _, position in TPS_ROWS
            ],
        )
        tps = {t.uid: t.id for t in session.scalars(select(Tps))}
        for desa, number, _, _, hard_to_reach, _, _ in TPS_ROWS:
            if hard_to_reach:
                tps_id = tps[f"{desa}-{number:03d}"]
                session.add(TpsAttribute(tps_id=tps_id, attribute="sulit_dijangkau", value=1))
        session.add(RegionAttribute(region_code=HANDIL_BAKTI, attribute="sulit_dijangkau", value=1))
        rawa_makmur = session.get_one(Region, RAWA_MAKMUR)
        rawa_makmur.lat, rawa_makmur.lng = RAWA_MAKMUR_CENTROID
        rawa_makmur.geometry = json.dumps(RAWA_MAKMUR_POLYGON)
        accounts = {
            "pusat": make_account(session, "admin.pusat", "admin", national=True),
            "analis.smd": make_account(session, "analis.smd", "analyst", areas=["64.72"]),
            "admin.smd": make_account(session, "admin.smd", "admin", areas=["64.72"]),
            "mitra.smd": make_account(session, "bawaslu.smd", "partner", areas=["64.72"]),
            "analis.bpp": make_account(session, "analis.bpp", "analyst", areas=["64.71"]),
        }
    test_client: TestClient = client
    clock = Clock(DAY1)
    test_client.app.state.clock = clock  # type: ignore[attr-defined]
    seeded = World(test_client, regions, settings, clock, tps, accounts)
    for desa, number, _, _, _, reported, _ in TPS_ROWS:
        if reported:
            verified_report(seeded, desa, number, DAY1 - timedelta(hours=20))
    seeded.recompute()
    return seeded


# --- ranking ---------------------------------------------------------------------------------------


def test_tps_are_ranked_most_vulnerable_first_with_their_top_indicators(world: World) -> None:
    items = world.scores(level="tps")
    expected = sorted(EXPECTED, key=lambda uid: (-EXPECTED[uid], f"tps:{world.tps[uid]}"))
    assert [world.uid(i["place"]) for i in items] == expected
    for item in items:
        uid = world.uid(item["place"])
        assert item["tps_uid"] == uid and item["score"] == EXPECTED[uid]
        assert item["category"] == band(EXPECTED[uid]) and item["area_code"] == uid[:13]
        assert item["khusus"] == (uid in (f"{MANGGAR}-003", f"{RAWA_MAKMUR}-002"))
    worst = items[0]
    assert worst["name"] == "TPS 002 Handil Bakti" and worst["category_label"] == "Sangat rawan"
    assert [(s["code"], s["points"], s["share"]) for s in worst["top"]] == [
        ("sulit", SULIT, round(100 * SULIT / (SULIT + UANG), 2)),
        ("politik_uang", UANG, round(100 * UANG / (SULIT + UANG), 2)),
    ]
    assert items[-1]["top"] == [] and items[-1]["score"] == 0


def test_limit_offset_area_and_filters(world: World) -> None:
    everything = [i["place"] for i in world.scores(level="tps")]
    page = world.get("pusat", "/risk/scores", profile="uji", level="tps", limit=3, offset=2)
    assert [i["place"] for i in page["items"]] == everything[2:5]
    assert (page["total"], page["limit"], page["offset"]) == (9, 3, 2)
    # "The 2 most vulnerable TPS in Samarinda."
    samarinda = world.get("pusat", "/risk/scores", profile="uji", level="tps", area="64.72", limit=2)
    in_samarinda = [p for p in everything if world.uid(p).startswith("64.72.")]
    assert [i["place"] for i in samarinda["items"]] == in_samarinda[:2] and samarinda["total"] == 5
    khusus = world.scores(level="tps", khusus="true")
    assert {world.uid(i["place"]) for i in khusus} == {f"{MANGGAR}-003", f"{RAWA_MAKMUR}-002"}
    rawan = world.scores(level="tps", category="rawan")
    assert {world.uid(i["place"]) for i in rawan} == {u for u, s in EXPECTED.items() if band(s) == "rawan"}


def test_regions_rank_by_mean_or_by_their_worst_tps(world: World) -> None:
    dpt = {(d, n): v for d, n, _, v, _, _, _ in TPS_ROWS}
    by_kecamatan: dict[str, list[tuple[float, int]]] = {}
    for uid, score in EXPECTED.items():
        by_kecamatan.setdefault(uid[:8], []).append((score, dpt[(uid[:13], int(uid[-3:]))]))
    mean = {k: sum(s * d for s, d in v) / sum(d for _, d in v) for k, v in by_kecamatan.items()}
    worst = {k: max(s for s, _ in v) for k, v in by_kecamatan.items()}
    items = world.scores(level="kecamatan")
    assert [i["place"] for i in items] == sorted(mean, key=lambda k: -mean[k])
    assert {i["place"]: i["score"] for i in items} == {k: round(v, 4) for k, v in mean.items()}
    assert {i["place"]: i["places"] for i in items} == {k: len(v) for k, v in by_kecamatan.items()}
    by_worst = world.scores(level="kecamatan", order="worst")
    assert [i["worst"] for i in by_worst] == sorted(worst.values(), reverse=True)
    assert items[0]["name"] in ("Palaran", "Balikpapan Timur", "Samarinda Seberang")


# --- scope -----------------------------------------------------------------------------------------


def test_a_samarinda_analyst_never_sees_balikpapan(world: World) -> None:
    for level, expected in [
        ("tps", {f"tps:{i}" for uid, i in world.tps.items() if uid.startswith("64.72.")}),
        ("desa", {RAWA_MAKMUR, HANDIL_BAKTI, SUNGAI_KELEDANG}),
        ("kecamatan", {"64.72.01", "64.72.02"}),
        ("kabkota", {"64.72"}),
        ("provinsi", set()),  # the province's score is Balikpapan's too
    ]:
        page = world.get("analis.smd", "/risk/scores", profile="uji", level=level, limit=1000)
        assert {i["place"] for i in page["items"]} == expected and page["total"] == len(expected)
    assert world.get("analis.smd", "/risk/scores", profile="uji", area="64.71")["total"] == 0
    bpp = {i["place"] for i in world.scores("analis.bpp", level="tps")}
    assert bpp == {f"tps:{i}" for uid, i in world.tps.items() if uid.startswith("64.71.")}


def test_an_out_of_scope_place_answers_like_an_unknown_one(world: World) -> None:
    unknown = world.get("analis.smd", "/risk/places/tps/tps:987654?profile=uji", status=404)
    assert unknown["error"]["code"] == "risk.not_found"
    manggar = f"{MANGGAR}-002"
    for url in (
        f"/risk/places/tps/tps:{world.tps[manggar]}?profile=uji",
        f"/risk/places/tps/{manggar}?profile=uji",
        f"/risk/places/tps/{MANGGAR}-099?profile=uji",
    ):
        assert world.get("analis.smd", url, status=404) == unknown
    unknown_desa = world.get("analis.smd", "/risk/places/desa/64.72.01.1999?profile=uji", status=404)
    assert world.get("analis.smd", f"/risk/places/desa/{MANGGAR}?profile=uji", status=404) == unknown_desa
    assert world.get("analis.smd", "/risk/places/provinsi/64?profile=uji", status=404) == unknown_desa
    assert world.get("pusat", f"/risk/places/tps/{manggar}?profile=uji")["score"] == SULIT


def test_partners_see_report_fed_scores_down_to_the_kecamatan(world: World) -> None:
    refused = world.get("mitra.smd", "/risk/scores", status=422, profile="uji", level="tps")
    assert refused["error"]["code"] == "risk.level_too_fine"
    uid = f"{RAWA_MAKMUR}-001"
    assert world.get("mitra.smd", f"/risk/places/tps/{uid}?profile=uji", status=422) == refused
    assert world.get("mitra.smd", "/risk/places/desa/64.72.01.1001?profile=uji", status=422) == refused
    kecamatan = world.get("mitra.smd", "/risk/scores", profile="uji", level="kecamatan")
    assert {i["place"] for i in kecamatan["items"]} == {"64.72.01", "64.72.02"}


# --- explanations and history ----------------------------------------------------------------------


def test_every_explanation_adds_up_to_its_score(world: World) -> None:
    checked = 0
    for level in ("tps", "desa", "kecamatan", "kabkota", "provinsi"):
        for item in world.scores(level=level):
            body = world.get("pusat", f"/risk/places/{level}/{item['place']}?profile=uji")
            points = [i["points"] for i in body["indicators"]]
            assert body["score"] == item["score"] and body["place"] == item["place"]
            assert sum(points) == pytest.approx(body["score"], abs=1e-3)
            assert points == sorted(points, reverse=True)
            if points:
                assert sum(i["share"] for i in body["indicators"]) == pytest.approx(100, abs=1e-9)
                assert [(s["code"], s["share"]) for s in item["top"]] == [
                    (i["code"], i["share"]) for i in body["indicators"][:3]
                ]
            checked += 1
    assert checked == 9 + 5 + 3 + 2 + 1


def test_an_explanation_names_each_indicator_its_path_and_weight(world: World) -> None:
    uid = f"{HANDIL_BAKTI}-002"
    body = world.get("analis.smd", f"/risk/places/tps/{uid}?profile=uji")
    assert body == world.get("analis.smd", f"/risk/places/tps/tps:{world.tps[uid]}?profile=uji")
    sulit, uang = body["indicators"]
    assert (sulit["code"], sulit["label"], sulit["label_en"]) == ("sulit", "Sulit dijangkau", "Hard to reach")
    assert [step["label"] for step in sulit["path"]] == ["Lokasi", "Akses"]
    assert (sulit["weight"], sulit["value"], sulit["points"]) == (SULIT, 1.0, SULIT)
    assert [step["code"] for step in uang["path"]] == ["kampanye"] and uang["weight"] == UANG
    assert body["history"] == [{"day": "2024-11-26", "score": SULIT + UANG, "category": "sangat_rawan"}]
    assert body["change"] is None and body["change_since"] is None  # no snapshot before today


def test_history_and_change_after_two_days(world: World) -> None:
    rawa_makmur_2 = f"{RAWA_MAKMUR}-002"
    verified_report(world, RAWA_MAKMUR, 2, DAY2 - timedelta(hours=1))
    world.clock.now = DAY2
    assert world.recompute()["snapshot"] is True
    assert world.recompute()["snapshot"] is False  # the day's first scores stay its snapshot
    body = world.get("analis.smd", f"/risk/places/tps/{rawa_makmur_2}?profile=uji")
    assert body["score"] == KHUSUS + UANG and body["category"] == "rawan"
    assert (body["change"], body["change_since"]) == (UANG, "2024-11-26")
    assert body["history"] == [
        {"day": "2024-11-26", "score": KHUSUS, "category": "aman"},
        {"day": "2024-11-27", "score": KHUSUS + UANG, "category": "rawan"},
    ]
    changes = {world.uid(i["place"]): i["change"] for i in world.scores("analis.smd", level="tps")}
    assert changes == {uid: (UANG if uid == rawa_makmur_2 else 0.0) for uid in changes}
    desa = world.get("analis.smd", f"/risk/places/desa/{RAWA_MAKMUR}?profile=uji")
    assert desa["change"] == pytest.approx(120 * UANG / (250 + 120), abs=1e-4)  # DPT-weighted
    assert [h["day"] for h in desa["history"]] == ["2024-11-26", "2024-11-27"]


def test_after_the_election_the_index_stays_at_its_last_day(world: World) -> None:
    election = load_calendar(None, world.settings.timezone).election(ELECTION)
    assert election is not None
    last_day = max(stage.end for stage in election.stage).isoformat()
    world.clock.now = datetime(2025, 6, 1, 4, 0, tzinfo=UTC)
    assert world.recompute()["snapshot"] is True
    body = world.get("analis.smd", "/risk/places/kabkota/64.72?profile=uji")
    assert [h["day"] for h in body["history"]] == ["2024-11-26", last_day]  # not June 2025
    assert body["change_since"] == "2024-11-26"  # the change up to the last day, not since it


def test_profiles_are_listed_with_their_levels_and_bands(world: World) -> None:
    profiles = {p["code"]: p for p in world.get("mitra.smd", "/risk/profiles")}
    uji = profiles["uji"]
    assert (uji["unit"], uji["election"], uji["scale"], uji["indicators"]) == ("tps", ELECTION, 100, 3)
    assert [lv["level"] for lv in uji["levels"]] == ["provinsi", "kabkota", "kecamatan", "desa", "tps"]
    assert [b["code"] for b in uji["levels"][-1]["bands"]] == [code for _, code in reversed(BANDS)]
    assert uji["computed_at"] is not None and uji["live"] is False


# --- errors and permissions ------------------------------------------------------------------------


BAD_INPUT: list[tuple[str, dict[str, Any], int, str]] = [
    ("/risk/scores", {"profile": "tidak-ada"}, 404, "risk.unknown_profile"),
    ("/risk/scores", {"profile": "../uji"}, 404, "risk.unknown_profile"),
    ("/risk/scores", {"profile": "uji", "level": "rt"}, 422, "risk.bad_level"),
    ("/risk/scores", {"profile": "uji", "order": "nama"}, 422, "risk.bad_order"),
    ("/risk/scores", {"profile": "uji", "category": "merah"}, 422, "risk.bad_category"),
    ("/risk/scores", {"profile": "uji", "area": "6472"}, 422, "region.invalid_code"),
    ("/risk/scores", {"profile": "uji", "limit": 0}, 422, "page.bad_limit"),
    ("/risk/scores", {}, 422, "request.invalid"),
    ("/risk/places/tps/TPS-3", {"profile": "uji"}, 422, "risk.bad_place"),
    ("/risk/places/desa/64.72", {"profile": "uji"}, 422, "risk.bad_place"),
    ("/risk/places/rt/64.72", {"profile": "uji"}, 422, "risk.bad_level"),
    ("/risk/export.geojson", {"profile": "uji", "geometry": "polygon"}, 422, "risk.polygon_needs_region"),
    ("/risk/export.csv", {"profile": "uji", "level": "rt"}, 422, "risk.bad_level"),
]


def test_bad_input_gets_a_machine_code(world: World) -> None:
    for path, params, status, code in BAD_INPUT:
        body = world.get("analis.smd", path, status=status, **params)
        assert body["error"]["code"] == code, (path, params, body)
        assert body["error"]["pesan"], (path, params, body)  # an Indonesian message for the field


def test_only_national_administrators_recompute(world: World) -> None:
    for who in ("analis.smd", "admin.smd"):
        headers = world.accounts[who].headers
        response = world.client.post(f"{API}/risk/recompute?profile=uji", headers=headers)
        assert response.status_code == 403 and response.json()["error"]["code"] == "auth.forbidden"
    assert world.client.post(f"{API}/risk/recompute?profile=uji").status_code == 401
    result = world.recompute()
    desa = {uid[:13] for uid in EXPECTED}
    levels = [desa, {d[:8] for d in desa}, {d[:5] for d in desa}, {d[:2] for d in desa}]
    assert (result["profile"], result["places"]) == ("uji", len(EXPECTED))
    assert result["rows"] == len(EXPECTED) + sum(len(codes) for codes in levels)


# --- exports ---------------------------------------------------------------------------------------


def read_csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode())  # Excel needs it to read UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_export_lists_the_ranking_with_indonesian_headers(world: World) -> None:
    response = world.client.get(
        f"{API}/risk/export.csv",
        params={"profile": "uji", "level": "tps"},
        headers=world.accounts["analis.smd"].headers,
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response.content)
    ranked = world.scores("analis.smd", level="tps")
    assert [r["tempat"] for r in rows] == [i["place"] for i in ranked]  # Samarinda only
    assert [r["peringkat"] for r in rows] == [str(n) for n in range(1, len(ranked) + 1)]
    for row in rows:
        assert float(row["skor"]) == EXPECTED[row["uid_tps"]] and row["kategori"] == band(float(row["skor"]))
    by_uid = {r["uid_tps"]: r for r in rows}
    worst = by_uid[f"{HANDIL_BAKTI}-002"]
    assert (worst["nama"], worst["label_kategori"], worst["khusus"]) == (
        "TPS 002 Handil Bakti",
        "Sangat rawan",
        "tidak",
    )
    assert (worst["indikator_1"], worst["indikator_2"], worst["indikator_3"]) == (
        "Sulit dijangkau",
        "Politik uang",
        "",
    )
    assert float(worst["persen_1"]) + float(worst["persen_2"]) == pytest.approx(100)
    assert by_uid[f"{RAWA_MAKMUR}-002"]["khusus"] == "ya"
    assert worst["dihitung_pada"] == "2024-11-26T12:00:00+08:00"  # WITA


def test_geojson_export_has_points_or_polygons(world: World) -> None:
    def geojson(**params: str) -> Any:
        response = world.client.get(
            f"{API}/risk/export.geojson",
            params={"profile": "uji", **params},
            headers=world.accounts["pusat"].headers,
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/geo+json")
        return response.json()

    tps = geojson(level="tps")
    assert tps["type"] == "FeatureCollection" and len(tps["features"]) == len(EXPECTED)
    where = {f["properties"]["tps_uid"]: f["geometry"] for f in tps["features"]}
    positions = {f"{d}-{n:03d}": p for d, n, _, _, _, _, p in TPS_ROWS}
    assert where == {
        uid: {"type": "Point", "coordinates": [p[1], p[0]]} if p else None for uid, p in positions.items()
    }
    first = tps["features"][0]["properties"]
    assert (first["rank"], first["tps_uid"], first["score"]) == (1, f"{HANDIL_BAKTI}-002", SULIT + UANG)
    desa = {f["properties"]["place"]: f["geometry"] for f in geojson(level="desa")["features"]}
    lat, lng = RAWA_MAKMUR_CENTROID
    assert desa.pop(RAWA_MAKMUR) == {"type": "Point", "coordinates": [lng, lat]}
    assert set(desa.values()) == {None}
    polygons = {
        f["properties"]["place"]: f["geometry"] for f in geojson(level="desa", geometry="polygon")["features"]
    }
    assert polygons.pop(RAWA_MAKMUR) == RAWA_MAKMUR_POLYGON and set(polygons.values()) == {None}


def test_exports_are_streamed_from_a_batched_cursor(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "CHUNK_CHARS", 1)  # one chunk per line or feature
    options: list[dict[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        if "FROM risk_score" in statement:
            options.append(dict(context.execution_options))

    event.listen(world.db.engine, "before_cursor_execute", note)
    try:
        for path, pieces in (("export.csv", len(EXPECTED) + 1), ("export.geojson", len(EXPECTED) + 2)):
            options.clear()
            with world.client.stream(
                "GET",
                f"{API}/risk/{path}",
                params={"profile": "uji", "level": "tps"},
                headers=world.accounts["pusat"].headers,
            ) as response:
                assert response.status_code == 200
                chunks = list(response.iter_raw())
            assert len(chunks) >= pieces, f"{path} came in {len(chunks)} piece(s): not streamed"
            assert [o.get("yield_per") for o in options] == [views.STREAM_BATCH]
    finally:
        event.remove(world.db.engine, "before_cursor_execute", note)


# --- the query plan --------------------------------------------------------------------------------


def sqlite_plan(db: Database, query: views.ScoreQuery) -> str:
    compiled = query.statement().limit(20).compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as connection:
        return " | ".join(str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))


def test_the_worst_tps_of_a_kabupaten_is_one_indexed_query(db: Database, settings: Settings) -> None:
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL plans depend on table statistics
    profile = views.get_profile("uji", settings.config_dir)
    today = date(2024, 11, 27)
    samarinda = Principal(1, "analis", Role.ANALYST, Scope.of(["64.72"]))
    for principal in (system_principal(), samarinda):
        plan = sqlite_plan(db, views.select_scores(principal, profile, "tps", today=today, area="64.02"))
        assert "SEARCH risk_score USING INDEX ix_risk_score_profile_level_" in plan, plan
        assert " SCAN " not in f" {plan} ", plan  # every table is reached through an index
    for order in views.ORDERS:  # the national top list is read in score order, not sorted whole
        plan = sqlite_plan(
            db, views.select_scores(system_principal(), profile, "tps", today=today, order=order)
        )
        assert "SEARCH risk_score USING INDEX ix_risk_score_profile_level_score" in plan, plan
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


# --- the command line ------------------------------------------------------------------------------


def run_cli(world: World, *args: str) -> Result:
    runner = CliRunner(
        env={
            "TIGAPILAR_DATABASE_URL": world.db.url,
            "TIGAPILAR_CONFIG_DIR": str(world.settings.config_dir),
            "TIGAPILAR_RISK_PROFILES": "",
        }
    )
    return runner.invoke(cli, list(args), catch_exceptions=False)


UID = re.compile(r"\d\d\.\d\d\.\d\d\.\d{4}-\d{3}")


def test_cli_top_and_explain(world: World) -> None:
    result = run_cli(
        world, "risk", "top", "--profile", "uji", "--level", "tps", "--area", "64.72", "--limit", "3"
    )
    assert result.exit_code == 0, result.output
    api = world.get("pusat", "/risk/scores", profile="uji", level="tps", area="64.72", limit=3)["items"]
    assert UID.findall(result.output) == [i["tps_uid"] for i in api]
    assert "Sangat rawan" not in result.output and "sangat_rawan" in result.output
    assert result.output.strip().endswith("3 of 5 places shown.")

    result = run_cli(world, "risk", "explain", f"{HANDIL_BAKTI}-002", "--profile", "uji")
    assert result.exit_code == 0, result.output
    assert "TPS 002 Handil Bakti" in result.output and "Lokasi > Akses" in result.output
    share = round(100 * SULIT / (SULIT + UANG), 2)
    assert f"{share:.2f}%" in result.output and f"{100 - share:.2f}%" in result.output
    assert "History: 2024-11-26 81.25" in result.output
    region = run_cli(world, "risk", "explain", "64.72.01", "--profile", "uji")
    assert region.exit_code == 0 and "Palaran (64.72.01), kecamatan" in region.output


def test_cli_recompute_and_snapshot(world: World) -> None:
    result = run_cli(world, "risk", "recompute", "--profile", "uji")
    assert result.exit_code == 0, result.output
    assert f"uji: {len(EXPECTED)} places scored, 20 rows written" in result.output
    every = run_cli(world, "risk", "recompute", "--all")
    assert every.exit_code == 0 and "uji: 9 places scored" in every.output
    snapshot = run_cli(world, "risk", "snapshot", "--profile", "uji")
    assert snapshot.exit_code == 0, snapshot.output
    found = re.search(r"snapshot of (\d{4}-\d\d-\d\d) taken \(20 places\)", snapshot.output)
    assert found, snapshot.output
    history = world.get("pusat", "/risk/places/kabkota/64.72?profile=uji")["history"]
    assert [h["day"] for h in history][-1] == found.group(1)
    assert run_cli(world, "risk", "recompute").exit_code == 2  # neither --profile nor --all
    unknown = run_cli(world, "risk", "top", "--profile", "tidak-ada")
    assert unknown.exit_code == 1 and "No vulnerability profile 'tidak-ada'" in unknown.output


def test_cli_exports_write_the_same_places_as_the_api(world: World, tmp_path: Path) -> None:
    target = tmp_path / "tps.csv"
    result = run_cli(world, "risk", "export", "--profile", "uji", "--level", "tps", "--output", str(target))
    assert result.exit_code == 0 and f"{len(EXPECTED)} places written" in result.output
    rows = read_csv(target.read_bytes())
    assert [(r["tempat"], float(r["skor"])) for r in rows] == [
        (i["place"], i["score"]) for i in world.scores(level="tps")
    ]
    target = tmp_path / "desa.geojson"
    args = ["--level", "desa", "--area", "64.72", "--format", "geojson", "--geometry", "polygon"]
    result = run_cli(world, "risk", "export", "--profile", "uji", *args, "--output", str(target))
    assert result.exit_code == 0, result.output
    features = json.loads(target.read_text(encoding="utf-8"))["features"]
    assert {f["properties"]["place"] for f in features} == {RAWA_MAKMUR, HANDIL_BAKTI, SUNGAI_KELEDANG}
    refused = run_cli(
        world,
        "risk",
        "export",
        "--profile",
        "uji",
        "--format",
        "geojson",
        "--geometry",
        "polygon",
        "--output",
        str(tmp_path / "x.geojson"),
    )
    assert refused.exit_code == 1 and "Polygons exist for regions only" in refused.output
