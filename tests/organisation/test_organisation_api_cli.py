"""Units and officers through the HTTP API and the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Account, make_account
from organisation.support import CITY, OFFICER_HEADER, UNIT_HEADER, UNIT_ROWS, import_organisation
from tigapilar.storage.db import Database
from tps.support import run_cli, write_csv


@pytest.fixture
def web(client: Any, regions: Database, tmp_path: Path) -> TestClient:
    import_organisation(regions, tmp_path)
    test_client: TestClient = client
    return test_client


@pytest.fixture
def accounts(regions: Database) -> dict[str, Account]:
    with regions.session() as session:
        return {
            "national": make_account(session, "pusat", "commander", national=True),
            "analyst": make_account(session, "analis.smd", "analyst", areas=["64.72"]),
            "partner": make_account(session, "kpu.smd", "partner", areas=["64.72"]),
        }


def _get(web: TestClient, account: Account, path: str, **params: Any) -> Any:
    response = web.get(path, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_samarinda_user_never_sees_balikpapan(web: TestClient, accounts: dict[str, Account]) -> None:
    national, analyst = accounts["national"], accounts["analyst"]
    units = {u["code"]: u["id"] for u in _get(web, national, "/api/v1/units", limit=1000)["items"]}
    visible_units = {u["code"] for u in _get(web, analyst, "/api/v1/units", limit=1000)["items"]}
    assert visible_units and all("64.71" not in code and code != "polda-64" for code in visible_units)
    for code, unit_id in units.items():
        status = web.get(f"/api/v1/units/{unit_id}", headers=analyst.headers).status_code
        assert status == (200 if code in visible_units else 404)

    officers = {o["name"]: o["id"] for o in _get(web, national, "/api/v1/officers", limit=1000)["items"]}
    listed = _get(web, analyst, "/api/v1/officers", limit=1000)
    assert {o["name"] for o in listed["items"]} == {n for n, city in CITY.items() if city == "64.72"}
    assert listed["total"] == len(listed["items"])
    for name, officer_id in officers.items():
        response = web.get(f"/api/v1/officers/{officer_id}", headers=analyst.headers)
        if CITY[name] == "64.72":
            assert response.status_code == 200
        else:
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "officer.not_found"


def test_partner_gets_no_personal_data(web: TestClient, accounts: dict[str, Account]) -> None:
    for who, shown in (("partner", False), ("analyst", True)):
        items = _get(web, accounts[who], "/api/v1/officers", q="Agus")["items"]
        assert len(items) == 1
        agus = items[0]
        assert (agus["phone"], agus["nrp"]) == (("+6281234567890", "85071234") if shown else (None, None))
        detail = _get(web, accounts[who], f"/api/v1/officers/{agus['id']}")
        assert (detail["phone"] is None, detail["nrp"] is None) == (not shown, not shown)
        assert detail["unit"]["code"] == "polsek-64.72.01" and detail["pillar_label"] == "Bhabinkamtibmas"
        lurah = _get(web, accounts[who], "/api/v1/officers", pillar="kades_lurah")["items"][0]
        assert lurah["nip"] == ("197001012000032001" if shown else None)


def test_village_pillars_through_the_officer_list(web: TestClient, accounts: dict[str, Account]) -> None:
    body = _get(web, accounts["partner"], "/api/v1/officers", village="64.72.01.1001")
    assert sorted((o["pillar"], o["name"]) for o in body["items"]) == [
        ("babinsa", "Budi Santoso"),
        ("bhabinkamtibmas", "Agus Salim"),
        ("kades_lurah", "Citra Dewi"),
    ]
    babinsa = _get(web, accounts["partner"], "/api/v1/officers", village="64.72.01.1001", pillar="babinsa")
    assert [o["name"] for o in babinsa["items"]] == ["Budi Santoso"]


def test_unit_detail_shows_areas_and_visible_children(web: TestClient, accounts: dict[str, Account]) -> None:
    analyst = accounts["analyst"]
    kodim = next(
        u for u in _get(web, analyst, "/api/v1/units", agency="tni_ad")["items"] if u["kind"] == "kodim"
    )
    detail = _get(web, analyst, f"/api/v1/units/{kodim['id']}")
    assert detail["areas"] == ["64.72"] and detail["agency_label"] == "TNI AD"
    assert [c["code"] for c in detail["children"]] == ["koramil-0901-01"]
    children = _get(web, analyst, "/api/v1/units", parent=kodim["id"])
    assert [c["code"] for c in children["items"]] == ["koramil-0901-01"]


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/api/v1/units", {"agency": "brimob"}, "unit.unknown_agency"),
        ("/api/v1/units", {"kind": "kompi"}, "unit.unknown_kind"),
        ("/api/v1/units", {"area": "6472"}, "region.invalid_code"),
        ("/api/v1/units", {"parent": "x"}, "request.invalid"),
        ("/api/v1/officers", {"pillar": "satpam"}, "officer.unknown_pillar"),
        ("/api/v1/officers", {"village": "64-72"}, "region.invalid_code"),
        ("/api/v1/officers", {"unit": 0}, "request.invalid"),
        ("/api/v1/officers/99999999999", {}, "request.invalid"),
    ],
)
def test_bad_input_gets_a_machine_code(
    web: TestClient, accounts: dict[str, Account], path: str, params: dict[str, Any], code: str
) -> None:
    response = web.get(path, params=params, headers=accounts["analyst"].headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


def test_cli_imports_lists_and_shows(regions: Database, tmp_path: Path) -> None:
    units = write_csv(tmp_path / "units.csv", UNIT_HEADER, UNIT_ROWS)
    imported = run_cli(regions, "import", "units", str(units))
    assert imported.exit_code == 0, imported.output
    assert f"{len(UNIT_ROWS)} units read from units.csv: {len(UNIT_ROWS)} new, 0 updated." in imported.output
    officers = write_csv(
        tmp_path / "officers.csv",
        OFFICER_HEADER,
        ["Agus Salim,Bripka,85071234,,0812-3456-7890,polsek-64.72.01,bhabinkamtibmas,64.72.01.1001"],
    )
    assert run_cli(regions, "import", "officers", str(officers)).exit_code == 0

    listed = run_cli(regions, "units", "list", "--agency", "polri")
    assert listed.exit_code == 0 and "polsek-64.72.01" in listed.output and "kodim-0901" not in listed.output
    shown = run_cli(regions, "units", "show", "polres-64.72")
    assert "Polresta Samarinda" in shown.output and "polsek-64.72.01" in shown.output
    people = run_cli(regions, "officers", "list", "--unit", "polsek-64.72.01")
    assert "Agus Salim" in people.output and "+6281234567890" in people.output
    pillars = run_cli(regions, "village-pillars", "64.72.01.1001")
    assert pillars.exit_code == 0, pillars.output
    assert "Bhabinkamtibmas: Bripka Agus Salim (+6281234567890)" in pillars.output
    assert "Babinsa: (none assigned)" in pillars.output


def test_cli_reports_a_bad_file_and_exits_1(regions: Database, tmp_path: Path) -> None:
    units = write_csv(tmp_path / "units.csv", UNIT_HEADER, ["polres-x,Polres X,polri,kodim,,6472"])
    result = run_cli(regions, "import", "units", str(units))
    assert result.exit_code == 1
    assert "line 2, column kind" in result.output and "line 2, column areas" in result.output
    assert run_cli(regions, "units", "list").output.startswith("(none)")
