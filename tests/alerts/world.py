"""A small real-coded world for alert tests: two kecamatan of Balikpapan and one of Samarinda, their
Polsek, Koramil and village government, the Polres/Kodim above them, and accounts for each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import Account, make_account
from tigapilar.organisation.units import UnitSpec, create_units
from tigapilar.storage.db import Database
from tigapilar.storage.models import Unit, User

MANGGAR = "64.71.01.1001"
LAMARU = "64.71.01.1002"
BARU_ILIR = "64.71.02.1001"
RAWA_MAKMUR = "64.72.01.1001"

UNITS = [
    UnitSpec("polda-64", "Polda Kalimantan Timur", "polri", "polda", None, ["64"]),
    UnitSpec("korem-64", "Korem 091/ASN", "tni_ad", "korem", None, ["64"]),
    UnitSpec("polres-64.71", "Polresta Balikpapan", "polri", "polres", "polda-64", ["64.71"]),
    UnitSpec("kodim-0905", "Kodim 0905/Balikpapan", "tni_ad", "kodim", "korem-64", ["64.71"]),
    UnitSpec("polsek-64.71.01", "Polsek Balikpapan Timur", "polri", "polsek", "polres-64.71", ["64.71.01"]),
    UnitSpec("koramil-64.71.01", "Koramil 0905-01", "tni_ad", "koramil", "kodim-0905", ["64.71.01"]),
    UnitSpec("kelurahan-64.71.01.1001", "Kelurahan Manggar", "pemda", "kelurahan", None, [MANGGAR]),
    UnitSpec("polsek-64.71.02", "Polsek Balikpapan Barat", "polri", "polsek", "polres-64.71", ["64.71.02"]),
    UnitSpec("polres-64.72", "Polresta Samarinda", "polri", "polres", "polda-64", ["64.72"]),
    UnitSpec("polsek-64.72.01", "Polsek Palaran", "polri", "polsek", "polres-64.72", ["64.72.01"]),
]


@dataclass
class World:
    analyst: Account
    kapolsek: Account
    danramil: Account
    kapolres: Account
    dandim: Account
    palaran: Account  # a Kapolsek elsewhere: must never see Balikpapan's alerts
    partner: Account
    # Acts for the Polsek of Balikpapan Timur but is scoped to Samarinda (a misconfigured account):
    # it may not open Balikpapan's alerts, so it must not be told about them either.
    misplaced: Account
    units: dict[str, int]


def build_world(db: Database) -> World:
    with db.session() as session:
        create_units(session, UNITS)
        session.flush()
        units = {u.code: u.id for u in session.scalars(select(Unit))}

        def account(name: str, role: str, area: str, unit: str | None) -> Account:
            made = make_account(session, name, role, areas=[area])
            if unit:
                user = session.get(User, made.user_id)
                assert user is not None
                user.unit_id = units[unit]
            return made

        world = World(
            analyst=account("analis", "analyst", "64.71", None),
            kapolsek=account("kapolsek", "commander", "64.71.01", "polsek-64.71.01"),
            danramil=account("danramil", "commander", "64.71.01", "koramil-64.71.01"),
            kapolres=account("kapolres", "commander", "64.71", "polres-64.71"),
            dandim=account("dandim", "commander", "64.71", "kodim-0905"),
            palaran=account("kapolsek.palaran", "commander", "64.72.01", "polsek-64.72.01"),
            partner=account("bawaslu", "partner", "64.71", None),
            misplaced=account("salah.wilayah", "commander", "64.72", "polsek-64.71.01"),
            units=units,
        )
    return world


def verified_report(web: TestClient, account: Account, client_id: str, **fields: Any) -> int:
    """Submit a report through the API and verify it, as an analyst does."""
    body = {
        "client_id": client_id,
        "desa_code": MANGGAR,
        "category": "bentrok_pendukung",
        "severity": 4,
        "description": "Dua kelompok pendukung saling lempar batu di depan posko",
        "occurred_at": "2024-11-27T07:30:00+08:00",
        **fields,
    }
    response = web.post("/api/v1/reports", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    report_id: int = response.json()["report"]["id"]
    verified = web.post(
        f"/api/v1/reports/{report_id}/status", json={"status": "terverifikasi"}, headers=account.headers
    )
    assert verified.status_code == 200, verified.text
    return report_id
