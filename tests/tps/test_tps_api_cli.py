"""TPS through the HTTP API (scope, filters, summary, error codes) and the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Account, make_account
from tigapilar.storage.db import Database
from tigapilar.tps.registry import add_tps_rows
from tps.support import run_cli, write_csv

ELECTION = "pilkada-2024"
# (desa, number, dpt_male, dpt_female): two TPS in Balikpapan, three in Samarinda.
ROWS = [
    ("64.71.01.1001", 1, 120, 130),
    ("64.71.02.1001", 1, 90, 80),
    ("64.72.01.1001", 1, 200, 210),
    ("64.72.01.1001", 2, 10, 20),
    ("64.72.02.1001", 1, 55, 45),
]


@pytest.fixture
def web(client: Any, regions: Database) -> TestClient:
    with regions.session() as session:
        add_tps_rows(
            session,
            [
                {"election": ELECTION, "desa_code": d, "number": n, "dpt_male": m, "dpt_female": f}
                for d, n, m, f in ROWS
            ],
        )
    test_client: TestClient = client
    return test_client


@pytest.fixture
def samarinda(regions: Database) -> Account:
    with regions.session() as session:
        return make_account(session, "analis.smd", "analyst", areas=["64.72"])


def _all_ids(web: TestClient, headers: dict[str, str]) -> dict[str, int]:
    body = web.get("/api/v1/tps", params={"limit": 1000}, headers=headers).json()
    return {item["uid"]: item["id"] for item in body["items"]}


def test_scoped_user_never_sees_other_city(web: TestClient, samarinda: Account, regions: Database) -> None:
    with regions.session() as session:
        national = make_account(session, "pusat", "commander", national=True)
    every = _all_ids(web, national.headers)
    assert len(every) == len(ROWS)

    listed = web.get("/api/v1/tps", headers=samarinda.headers)
    assert listed.status_code == 200
    body = listed.json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert body["total"] == 3 and all(i["desa_code"].startswith("64.72.") for i in body["items"])
    assert web.get("/api/v1/tps", params={"area": "64.71"}, headers=samarinda.headers).json()["total"] == 0

    for uid, tps_id in every.items():
        response = web.get(f"/api/v1/tps/{tps_id}", headers=samarinda.headers)
        if uid.startswith("64.71."):
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "tps.not_found"
        else:
            assert response.status_code == 200 and response.json()["uid"] == uid


def test_detail_has_labels_and_totals(web: TestClient, samarinda: Account) -> None:
    tps_id = _all_ids(web, samarinda.headers)["64.72.01.1001-002"]
    body = web.get(f"/api/v1/tps/{tps_id}", headers=samarinda.headers).json()
    assert body["dpt"] == 30 and body["kind"] == "reguler" and body["kind_label"] == "TPS reguler"


def test_summary_per_kecamatan(web: TestClient, samarinda: Account) -> None:
    response = web.get("/api/v1/tps/summary", params={"area": "64.72"}, headers=samarinda.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    expected: dict[str, list[int]] = {}
    for desa, _, male, female in ROWS:
        if desa.startswith("64.72."):
            totals = expected.setdefault(desa[:8], [0, 0, 0])
            totals[0] += 1
            totals[1] += male
            totals[2] += female
    assert {r["code"]: [r["tps"], r["dpt_male"], r["dpt_female"]] for r in body["rows"]} == expected
    assert body["total"]["dpt"] == sum(m + f for d, _, m, f in ROWS if d.startswith("64.72."))
    assert body["level"] == 3 and body["area_name"] == "Kota Samarinda"
    other = web.get("/api/v1/tps/summary", params={"area": "64.71"}, headers=samarinda.headers)
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/api/v1/tps", {"kind": "kapal"}, 422, "tps.unknown_kind"),
        ("/api/v1/tps", {"area": "6472"}, 422, "region.invalid_code"),
        ("/api/v1/tps", {"election": "Pilkada 2024"}, 422, "tps.bad_election"),
        ("/api/v1/tps", {"limit": 0}, 422, "page.bad_limit"),
        ("/api/v1/tps/summary", {"area": "64.72.01.1001"}, 422, "tps.summary_bad_area"),
        ("/api/v1/tps/summary", {"area": "64.72.x"}, 422, "region.invalid_code"),
        ("/api/v1/tps/abc", {}, 422, "request.invalid"),
        ("/api/v1/tps/99999999999999999999", {}, 422, "request.invalid"),
        ("/api/v1/tps/999999", {}, 404, "tps.not_found"),
    ],
)
def test_bad_input_gets_a_machine_code(
    web: TestClient, samarinda: Account, path: str, params: dict[str, Any], status: int, code: str
) -> None:
    response = web.get(path, params=params, headers=samarinda.headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_anonymous_callers_are_refused(web: TestClient) -> None:
    assert web.get("/api/v1/tps").status_code == 401


def test_cli_import_list_and_summary(regions: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "tps.csv",
        "kode_desa,no_tps,dpt_l,dpt_p",
        ["64.72.01.1001,1,100,110", "64.72.01.1002,1,50,60", "64.71.01.1001,3,7,8"],
    )
    imported = run_cli(regions, "import", "tps", str(path), "--election", ELECTION)
    assert imported.exit_code == 0, imported.output
    assert "3 TPS read from tps.csv: 3 new, 0 updated." in imported.output
    again = run_cli(regions, "import", "tps", str(path), "--election", ELECTION)
    assert "0 new, 3 updated" in again.output

    listed = run_cli(regions, "tps", "list", "--area", "64.72")
    assert listed.exit_code == 0
    assert "64.72.01.1001-001" in listed.output and "64.71.01.1001-003" not in listed.output
    assert "2 of 2 TPS shown." in listed.output

    summary = run_cli(regions, "tps", "summary", "--area", "64.72.01")
    assert summary.exit_code == 0, summary.output
    lines = {line.split()[0]: line.split() for line in summary.output.splitlines()[2:]}
    assert lines["64.72.01.1001"][-4:] == ["1", "100", "110", "210"]
    assert lines["64.72.01"][-4:] == ["2", "150", "170", "320"]

    shown = run_cli(regions, "tps", "show", "64.71.01.1001-003", "--election", ELECTION)
    assert shown.exit_code == 0 and "TPS reguler" in shown.output and "64.71.01.1001" in shown.output


def test_cli_reports_a_bad_file_and_exits_1(regions: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", "desa_code,number", ["6472011001,1", "64.72.01.1001,0"])
    result = run_cli(regions, "import", "tps", str(path), "--election", ELECTION)
    assert result.exit_code == 1
    assert "bad.csv: 2 problem(s) found; nothing was imported." in result.output
    assert "line 2, column desa_code" in result.output and "line 3, column number" in result.output
    assert run_cli(regions, "tps", "list").output.strip().startswith("(none)")
