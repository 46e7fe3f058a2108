"""The Kaltim demo: real Kemendagri codes, the published TPS counts and DPT, three pillars per village."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tigapilar.cli.main import cli
from tigapilar.core.errors import Invalid
from tigapilar.demo.config import DemoAccount, load_demo_config
from tigapilar.demo.loader import load_demo
from tigapilar.storage.db import Database
from tigapilar.storage.models import Officer, OfficerVillage, Region, Tps, Unit, User


def _load(db: Database) -> None:
    with db.session() as session:
        summary = load_demo(session, load_demo_config("kaltim"))
    assert not summary.already_loaded


def test_kaltim_demo_reproduces_the_published_figures(db: Database) -> None:
    config = load_demo_config("kaltim")
    _load(db)
    with db.session() as session:
        levels = Counter(session.scalars(select(Region.level).where(Region.code.startswith("64"))))
        assert (levels[1], levels[2], levels[3], levels[4]) == (1, 10, 105, 1038)
        regular = Counter(
            code[:5] for code in session.scalars(select(Tps.desa_code).where(Tps.kind == "reguler"))
        )
        assert regular == {code: kab.tps for code, kab in config.kabkota.items()}
        assert sum(regular.values()) == 6264
        special = session.scalar(select(func.count()).select_from(Tps).where(Tps.kind != "reguler"))
        assert special == sum(s.count for s in config.special_tps)
        assert session.scalar(select(func.sum(Tps.dpt_male + Tps.dpt_female))) == config.dpt_total
        assert session.scalar(select(func.max(Tps.dpt_male + Tps.dpt_female))) <= config.dpt_max_per_tps
        # Every village has a TPS, a position, and its three pillars.
        villages = set(session.scalars(select(Region.code).where(Region.level == 4)))
        assert set(session.scalars(select(Tps.desa_code).distinct())) == villages
        unplaced = session.scalar(
            select(func.count()).select_from(Region).where(Region.level > 1, Region.lat.is_(None))
        )
        assert unplaced == 0
        pillars = session.execute(
            select(Officer.pillar, func.count(func.distinct(OfficerVillage.desa_code)))
            .join(OfficerVillage, OfficerVillage.officer_id == Officer.id)
            .group_by(Officer.pillar)
        ).all()
        assert dict(pillars) == {"bhabinkamtibmas": 1038, "babinsa": 1038, "kades_lurah": 1038}
        bhabins = session.scalar(
            select(func.count()).select_from(Officer).where(Officer.pillar == "bhabinkamtibmas")
        )
        assert abs(bhabins - config.organisation.bhabinkamtibmas) <= 10


def test_demo_twice_changes_nothing(db: Database) -> None:
    _load(db)
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(Tps))
        again = load_demo(session, load_demo_config("kaltim"))
        assert again.already_loaded
        assert session.scalar(select(func.count()).select_from(Tps)) == before

    # An account a newer demo file adds is created on the loaded demo, with its unit; a unit the
    # demo organisation lacks is the file's fault and says so.
    config = load_demo_config("kaltim")
    added = DemoAccount(
        username="kapolsek.palaran",
        name="Kapolsek Palaran",
        role="commander",
        areas=["64.72.01"],
        unit="polsek-64.72.01",
    )
    missing = added.model_copy(update={"username": "kapolsek.hilang", "unit": "polsek-99.99"})
    with db.session() as session:
        load_demo(session, config.model_copy(update={"accounts": [*config.accounts, added]}))
        unit = session.scalar(
            select(Unit.code).join(User, User.unit_id == Unit.id).where(User.username == "kapolsek.palaran")
        )
        assert unit == "polsek-64.72.01"
    with pytest.raises(Invalid) as caught, db.session() as session:
        load_demo(session, config.model_copy(update={"accounts": [*config.accounts, missing]}))
    assert caught.value.code == "demo.bad_file" and "no unit 'polsek-99.99'" in caught.value.message


def test_demo_accounts_log_in_and_see_only_their_area(client: TestClient, db: Database) -> None:
    _load(db)
    password = load_demo_config("kaltim").password
    login = client.post("/api/v1/auth/login", json={"username": "kapolresta.samarinda", "password": password})
    assert login.status_code == 200, login.text
    assert (login.json()["user"]["unit"], login.json()["user"]["unit_name"]) == (
        "polres-64.72",
        "Polresta Samarinda",
    )
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    page = client.get("/api/v1/tps", params={"limit": 1000}, headers=headers).json()
    assert page["total"] > 1000
    assert all(item["desa_code"].startswith("64.72.") for item in page["items"])
    field = client.post("/api/v1/auth/login", json={"username": "bhabin.sepaku", "password": password})
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {field.json()['token']}"}).json()
    assert me["role"] == "field_officer"
    assert me["areas"] and all(a["code"].startswith("64.09.04.") for a in me["areas"])


def test_demo_command_prints_the_accounts(database_url: str) -> None:
    result = CliRunner().invoke(cli, ["demo"], env={"TIGAPILAR_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "6294 TPS" in result.output and "2,821,202" in result.output
    assert "kapolresta.samarinda" in result.output
    again = CliRunner().invoke(cli, ["demo"], env={"TIGAPILAR_DATABASE_URL": database_url})
    assert "already loaded" in again.output


def test_home_page_shows_the_tps_of_the_users_area(client: TestClient, db: Database) -> None:
    _load(db)
    password = load_demo_config("kaltim").password
    login = client.post("/masuk", data={"username": "kapolresta.samarinda", "password": password})
    assert login.status_code == 200 and login.url.path == "/peta", login.text  # the map first
    with db.session() as session:
        samarinda = session.scalar(
            select(func.count()).select_from(Tps).where(Tps.desa_code.startswith("64.72."))
        )
        kecamatan = session.scalars(select(Region.name).where(Region.parent_code == "64.72")).all()
    html = client.get("/beranda").text
    assert f"{samarinda:,}".replace(",", ".") in html  # Indonesian thousands separator
    assert all(name in html for name in kecamatan)
    assert "Balikpapan" not in html
