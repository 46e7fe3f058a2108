"""The scope matrix: every GET endpoint × every role × in-scope and out-of-scope records.

Issue requirement: "a test matrix (role × endpoint × in-scope/out-of-scope) proves no record outside
a user's area is ever returned", on SQLite and PostgreSQL (the ``db`` fixture runs both).

The world: all of Kalimantan Timur's regions (the official catalog) with TPS, units, officers and
accounts in Kota Samarinda (64.72, the callers' area) and in Kota Balikpapan (64.71, outside it),
and a few records above or beside both (the Polda, a TPS in Kutai Kartanegara, national accounts).
Callers: one account per role scoped to Samarinda (the field officer to one village in it) and a
national admin as the positive control.

Every GET endpoint of the app's OpenAPI document is probed for every caller:

* a list returns exactly the records the caller may see, as computed here from the seeded data with
  an independent rule (a code covers itself and every code below it), also when a filter names an
  area, parent, village, unit or name outside the caller's scope;
* a detail of an out-of-scope record answers 404 with the same body as an unknown id or code;
* no response (error bodies included) contains a code, name, username, phone, NRP or NIP of a record
  the caller may not see, other than what the caller typed in the URL;
* officers' phone, NRP and NIP are null for partners and field officers, present for the others.

Every GET route of the app is covered: those of the OpenAPI document by :data:`CHECKS`, the pages
and docs left out of it by :data:`NOT_IN_SCHEMA`; a new one fails the matrix until it is classified
here. The national admin runs the same checks and must see the out-of-scope records, and every
marker the scoped callers are checked against must appear in what the national admin receives: the
checks can fail. Leaks the matrix found are kept at the end as regression tests.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

import pytest
from argon2 import PasswordHasher
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from conftest import Account, make_account
from support.clock import Clock
from tigapilar.accounts import passwords
from tigapilar.accounts.tokens import issue_token
from tigapilar.alerts.findings import Finding
from tigapilar.alerts.raising import raise_alerts
from tigapilar.alerts.setup import load_setup
from tigapilar.core.scope import Scope
from tigapilar.core.settings import Settings
from tigapilar.notifications.config import NotificationsFile, WebhookConfig, notification_config
from tigapilar.notifications.messages import Message
from tigapilar.notifications.outbox import publish
from tigapilar.organisation.officers import OfficerSpec, create_officers
from tigapilar.organisation.units import UnitSpec, create_units
from tigapilar.regions.catalog import load_catalog
from tigapilar.regions.codes import ancestors_of, level_of, parent_of
from tigapilar.reports.attachments import IncomingFile
from tigapilar.reports.draft import Problem, ReportDraft
from tigapilar.reports.intake import Envelope, Intake, Submission, Submitter
from tigapilar.risk.profile import load_profile
from tigapilar.risk.service import recompute
from tigapilar.storage.db import Database
from tigapilar.storage.models import Attachment, Delivery, Notification, Region, Tps, User
from tigapilar.tps.registry import add_tps_rows
from tigapilar.web.deps import SESSION_COOKIE

API = "/api/v1"
OPENAPI = f"{API}/openapi.json"
ELECTION = "pilkada-2024"
PROVINCE, BALIKPAPAN, SAMARINDA = "64", "64.71", "64.72"
FO_VILLAGE = "64.72.01.1001"  # Rawa Makmur (Palaran): the field officer's village
NEXT_VILLAGE = "64.72.01.1003"  # Bukuan (Palaran): in Samarinda, not the field officer's
BPP_VILLAGE = "64.71.01.1001"  # Manggar (Balikpapan Timur)
KUKAR = "64.02"  # Kabupaten Kutai Kartanegara: nobody's area but the national callers'
# Every caller is probed with: the province (an ancestor of every scope), the other city, the callers'
# city, a village beside the field officer's and the field officer's village.
PROBE_CODES = (PROVINCE, BALIKPAPAN, SAMARINDA, NEXT_VILLAGE, FO_VILLAGE)
UNKNOWN_CODE = "64.72.99"  # well formed, no such region
UNKNOWN_ID = 987_654
ALL = "limit=1000"
# Cheap Argon2 settings for the dozen accounts of every test (the hash is not under test here).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

# (code, name, agency, kind, parent code, areas): each unit inside one city, or the province.
UNITS = [
    ("polda-64", "Polda Kalimantan Timur", "polri", "polda", None, [PROVINCE]),
    ("polres-64.72", "Polresta Samarinda", "polri", "polres", "polda-64", [SAMARINDA]),
    ("polsek-64.72.01", "Polsek Palaran", "polri", "polsek", "polres-64.72", ["64.72.01"]),
    ("polsek-64.72.02", "Polsek Samarinda Seberang", "polri", "polsek", "polres-64.72", ["64.72.02"]),
    ("kodim-0901", "Kodim 0901/Samarinda", "tni_ad", "kodim", None, [SAMARINDA]),
    ("koramil-0901-05", "Koramil 0901-05/Palaran", "tni_ad", "koramil", "kodim-0901", ["64.72.01"]),
    ("kel-64.72.01.1001", "Kelurahan Rawa Makmur", "pemda", "kelurahan", None, [FO_VILLAGE]),
    ("kel-64.72.02.1001", "Kelurahan Sungai Keledang", "pemda", "kelurahan", None, ["64.72.02.1001"]),
    ("kpu-64.72", "KPU Kota Samarinda", "kpu", "kpu_kabkota", None, [SAMARINDA]),
    ("polres-64.71", "Polresta Balikpapan", "polri", "polres", "polda-64", [BALIKPAPAN]),
    ("polsek-64.71.01", "Polsek Balikpapan Timur", "polri", "polsek", "polres-64.71", ["64.71.01"]),
    ("kodim-0905", "Kodim 0905/Balikpapan", "tni_ad", "kodim", None, [BALIKPAPAN]),
    ("koramil-0905-01", "Koramil 0905-01/Manggar", "tni_ad", "koramil", "kodim-0905", ["64.71.01"]),
    ("kel-64.71.01.1001", "Kelurahan Manggar", "pemda", "kelurahan", None, [BPP_VILLAGE]),
    ("kpu-64.71", "KPU Kota Balikpapan", "kpu", "kpu_kabkota", None, [BALIKPAPAN]),
    ("bawaslu-64.71", "Bawaslu Kota Balikpapan", "bawaslu", "bawaslu_kabkota", None, [BALIKPAPAN]),
]
# name|rank|nrp|nip|phone|unit code|pillar|villages: the three pillars of one village in each city,
# more officers beside them, and staff without villages (visible through their unit).
OFFICERS = [
    "Agus Salim|Bripka|85071001||0812-7201-0001|polsek-64.72.01|bhabinkamtibmas|64.72.01.1001",
    "Budi Santoso|Serka|21120012001||0813-7201-0002|koramil-0901-05|babinsa|64.72.01.1001",
    "Citra Dewi|||197001012000032001|0852-7201-0003|kel-64.72.01.1001|kades_lurah|64.72.01.1001",
    "Fajar Nugroho|Bripda|98010006||0812-7201-0006|polsek-64.72.01|bhabinkamtibmas|64.72.01.1003",
    "Dewi Lestari|Brigpol|90031004||0812-7201-0004|polsek-64.72.02|bhabinkamtibmas|64.72.02.1001",
    "Eko Wibowo|AKP|79010005||0811-7201-0005|polres-64.72||",
    "Gita Permata|Bripka|85071007||0812-7101-0007|polsek-64.71.01|bhabinkamtibmas|64.71.01.1001",
    "Hendra Gunawan|Serda|21120012008||0813-7101-0008|koramil-0905-01|babinsa|64.71.01.1001",
    "Indah Sari|||197502022005012009|0852-7101-0009|kel-64.71.01.1001|kades_lurah|64.71.01.1001",
    "Joko Susilo|Kompol|75010010||0811-7101-0010|polres-64.71||",
    "Kurniawan Hadi|Kombes|70010011||0811-6400-0011|polda-64||",
]


def officer_spec(row: str) -> OfficerSpec:
    name, rank, nrp, nip, phone, unit, pillar, villages = row.split("|")
    return OfficerSpec(
        name,
        rank or None,
        nrp or None,
        nip or None,
        phone,
        unit,
        pillar or None,
        villages.split(";") if villages else (),
    )


# (desa code, number, DPT male, DPT female, address, election); KUKAR's village comes from the
# catalog. A second election only in Balikpapan: summaries that add up TPS of two elections refuse,
# so a Samarinda summary must not notice it.
TPS_ROWS = [
    (FO_VILLAGE, 1, 110, 120, "Jl. Pelita RT 03", ELECTION),
    (FO_VILLAGE, 2, 95, 101, "SDN 012 Rawa Makmur", ELECTION),
    (NEXT_VILLAGE, 1, 130, 128, "Balai Warga Bukuan", ELECTION),
    ("64.72.02.1001", 1, 140, 150, "Masjid Al-Ikhlas Sungai Keledang", ELECTION),
    (BPP_VILLAGE, 1, 150, 160, "Gedung Serbaguna Manggar", ELECTION),
    ("64.71.02.1001", 4, 90, 80, "Pos Ronda Baru Ilir", "pemilu-2024"),
    (KUKAR, 7, 70, 75, "Lapangan Voli Tenggarong", ELECTION),
]
# Details are asked for one record of each kind of place: the field officer's village (or their own
# record), elsewhere in Samarinda, Balikpapan and the province. (TPS: all of them.)
SAMPLE_UNITS = (
    "kel-64.72.01.1001",
    "polsek-64.72.01",
    "polres-64.72",
    "polres-64.71",
    "koramil-0905-01",
    "polda-64",
)
SAMPLE_OFFICERS = (
    "Agus Salim",
    "Fajar Nugroho",
    "Eko Wibowo",
    "Gita Permata",
    "Joko Susilo",
    "Kurniawan Hadi",
)
SAMPLE_USERS = (
    "bhabin.rawamakmur",
    "operator.palaran",
    "analis.balikpapan",
    "analis.gabungan",
    "kapolda.kaltim",
)
OTHERS_TOKEN = "skrip-rahasia-balikpapan"  # an API token of another user: nobody may ever see it
# Field reports: (marker, desa, sender account or None, officer name, community source's name). The
# marker is the title; the source's name is personal data. The field officer sent the first one.
REPORT_ROWS = [
    ("rpt-fo", FO_VILLAGE, "bhabin.rawamakmur", "Agus Salim", "saksi-fo"),
    ("rpt-fo-babinsa", FO_VILLAGE, None, "Budi Santoso", "saksi-babinsa"),
    ("rpt-next", NEXT_VILLAGE, None, "Fajar Nugroho", "saksi-next"),
    ("rpt-seberang", "64.72.02.1001", "analis.samarinda", None, "saksi-seberang"),
    ("rpt-bpp", BPP_VILLAGE, "bhabin.manggar", "Gita Permata", "saksi-bpp"),
    ("rpt-kukar", KUKAR, None, None, "saksi-kukar"),
]
# Payloads waiting for review: (marker, area code). None: nobody knows where (national reviewers only).
INBOUND_ROWS = [("kiriman-fo", FO_VILLAGE), ("kiriman-bpp", BPP_VILLAGE), ("kiriman-tanpa-wilayah", None)]


@dataclass(frozen=True)
class Person:
    """An account: a caller of the matrix (``key`` is its test id) or a record only (``key`` empty)."""

    username: str
    role: str
    areas: tuple[str, ...] = ()
    national: bool = False
    key: str = ""
    officer: str | None = None  # the name of the officer this account belongs to

    def covers(self, code: str) -> bool:
        return self.national or any(code == a or code.startswith(a + ".") for a in self.areas)

    def touches(self, code: str) -> bool:
        """Covers ``code``, or ``code`` is an ancestor of an area (ancestors are named for navigation)."""
        return self.covers(code) or any(a.startswith(code + ".") for a in self.areas)

    @property
    def personal(self) -> bool:
        """May see officers' phone, NRP and NIP (the rule of the issue, written out independently)."""
        return self.role in {"analyst", "commander", "admin"}

    @property
    def admin(self) -> bool:
        return self.role == "admin"

    @property
    def verifies(self) -> bool:
        """May verify reports and work the review queue (the rule of the issue, written out here)."""
        return self.role in {"analyst", "commander", "admin"}

    @property
    def blurred(self) -> bool:
        """Sees report locations only down to the kecamatan."""
        return self.role == "partner"


CALLERS = [
    Person("bhabin.rawamakmur", "field_officer", (FO_VILLAGE,), key="field_officer", officer="Agus Salim"),
    Person("analis.samarinda", "analyst", (SAMARINDA,), key="analyst"),
    Person("kapolresta.samarinda", "commander", (SAMARINDA,), key="commander"),
    Person("kpu.samarinda", "partner", (SAMARINDA,), key="partner"),
    Person("admin.samarinda", "admin", (SAMARINDA,), key="admin"),
    Person("admin.pusat", "admin", national=True, key="national_admin"),
]
OTHER_ACCOUNTS = [
    Person("operator.palaran", "analyst", ("64.72.01",)),
    Person("analis.balikpapan", "analyst", (BALIKPAPAN,)),
    Person("admin.balikpapan", "admin", (BALIKPAPAN,)),
    Person("bhabin.manggar", "field_officer", (BPP_VILLAGE,), officer="Gita Permata"),
    Person("analis.gabungan", "analyst", (BALIKPAPAN, SAMARINDA)),  # spans both cities
    Person("kapolda.kaltim", "commander", national=True),
]
SCOPED = [c for c in CALLERS if not c.national]
NATIONAL = next(c for c in CALLERS if c.national)


def inside(area: str, code: str) -> bool:
    return code == area or code.startswith(area + ".")


# --- the seeded world, read back from the database ----------------------------------------------


@dataclass(frozen=True)
class TpsRecord:
    id: int
    election: str
    desa_code: str
    uid: str
    address: str
    dpt_male: int
    dpt_female: int


@dataclass(frozen=True)
class UnitRecord:
    id: int
    code: str
    name: str
    agency: str
    parent_id: int | None
    areas: tuple[str, ...]


@dataclass(frozen=True)
class OfficerRecord:
    id: int
    name: str
    nrp: str | None
    nip: str | None
    phone: str | None
    unit_id: int | None
    pillar: str | None
    villages: tuple[str, ...]


@dataclass(frozen=True)
class UserRecord:
    id: int
    person: Person


@dataclass(frozen=True)
class ReportRecord:
    id: int
    marker: str
    desa_code: str
    sender: str | None
    source_name: str
    attachment_id: int


@dataclass(frozen=True)
class InboundRecord:
    id: int
    marker: str
    area_code: str | None


@dataclass
class World:
    regions: dict[str, str]  # code -> official name, all of Kaltim
    tps: dict[int, TpsRecord]
    units: dict[int, UnitRecord]
    officers: dict[int, OfficerRecord]
    users: dict[int, UserRecord]
    accounts: dict[str, Account]  # username -> account with a token
    reports: dict[int, ReportRecord] = field(default_factory=dict)
    inbound: dict[int, InboundRecord] = field(default_factory=dict)
    # alert id -> the reports it is about (reports of one desa join one alert, all in that desa)
    alerts: dict[int, list[ReportRecord]] = field(default_factory=dict)
    notifications: dict[int, int] = field(default_factory=dict)  # id -> the user it was sent to
    deliveries: dict[int, str | None] = field(default_factory=dict)  # id -> its message's area

    def unit(self, code: str) -> UnitRecord:
        return next(u for u in self.units.values() if u.code == code)

    def officer(self, name: str) -> OfficerRecord:
        return next(o for o in self.officers.values() if o.name == name)

    def user(self, username: str) -> UserRecord:
        return self.users[self.accounts[username].user_id]

    def children(self, code: str | None) -> set[str]:
        if code is None:
            return {c for c in self.regions if level_of(c) == 1}
        return {c for c in self.regions if parent_of(c) == code}

    # Who may see what, written out here independently of tigapilar.organisation.visibility and
    # tigapilar.accounts.access (whose docstrings state the same rules).
    def unit_visible(self, caller: Person, unit: UnitRecord) -> bool:
        return any(caller.covers(a) for a in unit.areas)

    def officer_visible(self, caller: Person, officer: OfficerRecord) -> bool:
        by_village = any(caller.covers(v) for v in officer.villages)
        return by_village or (
            officer.unit_id is not None and self.unit_visible(caller, self.units[officer.unit_id])
        )

    def report_visible(self, caller: Person, report: ReportRecord) -> bool:
        return caller.covers(report.desa_code)

    def reporter_visible(self, caller: Person, report: ReportRecord) -> bool:
        return self.report_visible(caller, report) and (caller.personal or report.sender == caller.username)

    def inbound_visible(self, caller: Person, row: InboundRecord) -> bool:
        if not caller.verifies:
            return False
        return caller.national if row.area_code is None else caller.covers(row.area_code)

    def user_visible(self, caller: Person, user: UserRecord) -> bool:
        """Accounts an admin may see: every area inside the admin's scope; national ones: national admins."""
        if not caller.admin:
            return False
        if caller.national:
            return True
        areas = user.person.areas
        return not user.person.national and bool(areas) and all(caller.covers(a) for a in areas)


def seed_reports(db: Database, settings: Settings, world: World, kukar_village: str) -> None:
    """Reports and review-queue payloads, made through the real intake (journal, checks, keys)."""
    intake = Intake(db, settings, clock=Clock(datetime(2024, 11, 20, 4, 0, tzinfo=UTC)))
    for marker, desa, sender, officer, source in REPORT_ROWS:
        desa = kukar_village if desa == KUKAR else desa
        user_id = world.accounts[sender].user_id if sender else None
        officer_id = world.officer(officer).id if officer else None
        draft = ReportDraft(
            desa,
            "politik_uang",
            2,
            f"Uraian {marker}",
            title=marker,
            source_kind="community",
            source_name=source,
            lat=-0.5,
            lng=117.1,
        )
        inbound = intake.journal(Envelope(channel="api", body=marker.encode(), user_id=user_id))
        photo = IncomingFile(f"{marker}.jpg", "image/jpeg", marker.encode())
        submitter = Submitter(user_id, officer_id, None, Scope.everything())
        result = intake.process(inbound, submitter, Submission("api", draft, marker, marker, files=[photo]))
        assert result.report_id is not None, result.problems
        with db.session() as session:
            attachment = session.scalars(
                select(Attachment.id).where(Attachment.report_id == result.report_id)
            ).one()
        world.reports[result.report_id] = ReportRecord(
            result.report_id, marker, desa, sender, source, attachment
        )
    for marker, area in INBOUND_ROWS:
        inbound = intake.journal(Envelope(channel="sms", body=marker.encode(), area_code=area))
        problem = Problem("body", "sms.bad_syntax", f"unreadable {marker}", f"tidak terbaca {marker}")
        intake.reject(inbound, [problem], area)
        world.inbound[inbound] = InboundRecord(inbound, marker, area)


def seed_alerts(db: Database, settings: Settings, world: World) -> None:
    """An alert about each report, raised by the real alert machinery (routing, in-app notices); its
    explanation carries the report's marker, so a leaked detection text is caught like the report."""
    setup = load_setup(settings)
    now = datetime(2024, 11, 20, 4, 30, tzinfo=UTC)
    with db.session() as session:
        for record in world.reports.values():
            finding = Finding(
                detector="rule",
                code="kritis",
                severity=4,
                desa=(record.desa_code,),
                window_start=now,
                window_end=now,
                explanation=f"Uji {record.marker}",
                explanation_en=f"Test {record.marker}",
                report_ids=(record.id,),
            )
            (raised,) = raise_alerts(session, [finding], now, setup)
            world.alerts.setdefault(raised.alert_id, []).append(record)


def seed_notifications(db: Database, world: World) -> None:
    """A notification about each report to every account whose scope covers it, a webhook delivery
    for each, and one about no place (national administrators only)."""
    hook = WebhookConfig(name="pusdalops", url="http://127.0.0.1:9/hook", secret_env="UNUSED_SECRET")
    config = notification_config(NotificationsFile(webhook=(hook,)), environ={})
    now = datetime(2024, 11, 20, 5, 0, tzinfo=UTC)
    about = [(f"report:{r.id}", r.desa_code, r.marker) for r in world.reports.values()]
    with db.session() as session:
        for subject, area, marker in [*about, ("system:ping", None, "tanpa-wilayah")]:
            readers = [u.id for u in world.users.values() if area is not None and u.person.covers(area)]
            text = f"Laporan {marker}"
            message = Message("report.verified", subject, area, 2, text, text, text, text, "/laporan")
            publish(session, message, user_ids=readers, now=now, config=config)
        world.notifications.update(
            {n: u for n, u in session.execute(select(Notification.id, Notification.user_id))}
        )
        world.deliveries.update({d: a for d, a in session.execute(select(Delivery.id, Delivery.area_code))})


@pytest.fixture
def world(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    with db.session() as session:
        load_catalog(session, [PROVINCE])
        regions = {code: name for code, name in session.execute(select(Region.code, Region.name))}
        kukar_village = min(c for c in regions if inside(KUKAR, c) and level_of(c) == 4)
        units = create_units(session, [UnitSpec(*row) for row in UNITS])
        specs = [officer_spec(row) for row in OFFICERS]
        officers = create_officers(session, specs)
        add_tps_rows(
            session,
            (
                {
                    "election": election,
                    "desa_code": kukar_village if desa == KUKAR else desa,
                    "number": number,
                    "dpt_male": male,
                    "dpt_female": female,
                    "address": address,
                }
                for desa, number, male, female, address, election in TPS_ROWS
            ),
        )
        officer_ids = {o.name: o.id for o in officers}
        accounts: dict[str, Account] = {}
        users: dict[int, UserRecord] = {}
        for person in [*CALLERS, *OTHER_ACCOUNTS]:
            account = make_account(
                session,
                person.username,
                person.role,
                areas=list(person.areas),
                national=person.national,
                officer_id=officer_ids[person.officer] if person.officer else None,
            )
            accounts[person.username] = account
            users[account.user_id] = UserRecord(account.user_id, person)
        other = session.get_one(User, accounts["analis.balikpapan"].user_id)
        issue_token(session, other, kind="api", name=OTHERS_TOKEN)
        tps = {
            t.id: TpsRecord(t.id, t.election, t.desa_code, t.uid, t.address or "", t.dpt_male, t.dpt_female)
            for t in session.scalars(select(Tps))
        }
        areas_of = {row[0]: tuple(row[5]) for row in UNITS}
        unit_records = {
            u.id: UnitRecord(u.id, u.code, u.name, u.agency, u.parent_id, areas_of[u.code]) for u in units
        }
        villages_of = {spec.name: tuple(spec.villages) for spec in specs}
        officer_records = {
            o.id: OfficerRecord(o.id, o.name, o.nrp, o.nip, o.phone, o.unit_id, o.pillar, villages_of[o.name])
            for o in officers
        }
    seeded = World(regions, tps, unit_records, officer_records, users, accounts)
    seed_reports(db, settings, seeded, kukar_village)
    seed_alerts(db, settings, seeded)
    seed_notifications(db, seeded)
    with db.session() as session:  # the index of the seeded TPS (no verified reports: few points)
        recompute(session, load_profile(RISK), datetime(2024, 11, 20, 4, 0, tzinfo=UTC))
    return seeded


# --- what a caller must never read ---------------------------------------------------------------


def marker_pattern(marker: str) -> re.Pattern[str]:
    """``marker`` as a whole token of lower-cased text: 64.71 finds 64.71.01 and polres-64.71, not 164.71."""
    return re.compile(r"(?<![0-9a-z.])" + re.escape(marker.lower()) + r"(?![0-9a-z])")


def without_echo(url: str, text: str) -> str:
    """``text`` without the exact values typed in ``url`` (errors may quote them: "Region 64.71 was not
    found"); 64.71.01 in the answer to a question about 64.71 is still there to be found."""
    for typed in set(re.split(r"[/?&=]", unquote(url).lower())) - {""}:
        text = re.sub(r"(?<![0-9a-z.])" + re.escape(typed) + r"(?![0-9a-z]|\.[0-9a-z])", "<typed>", text)
    return text


def forbidden_markers(world: World, caller: Person) -> dict[str, str]:
    """Marker -> what it identifies, for every record ``caller`` may not see (and nothing it may)."""
    allowed: set[str] = set()
    forbidden: dict[str, str] = {}
    region_names: set[str] = set()
    referenced: set[str] = set()

    def sort(visible: bool, markers: Iterable[str | None], what: str) -> None:
        for marker in filter(None, markers):
            if visible:
                allowed.add(marker)
            else:
                forbidden[marker] = what

    for code, name in world.regions.items():
        if caller.touches(code):  # in scope, or an ancestor named in breadcrumbs
            allowed.add(name)
        elif parent_of(code) is None or caller.touches(parent_of(code) or ""):
            # The first region outside the scope on each branch: its code marks its whole subtree.
            forbidden[code] = f"region {code} (and below)"
            forbidden[name] = f"name of region {code}"
            region_names.add(name)
    for tps in world.tps.values():
        sort(caller.covers(tps.desa_code), (tps.uid, tps.address), f"TPS {tps.uid}")
    for unit in world.units.values():
        sort(world.unit_visible(caller, unit), (unit.code, unit.name), f"unit {unit.code}")
    for officer in world.officers.values():
        visible = world.officer_visible(caller, officer)
        sort(visible, (officer.name,), f"officer {officer.name}")
        sort(
            visible and caller.personal,
            (officer.nrp, officer.nip, officer.phone),
            f"personal data of {officer.name}",
        )
        if visible and officer.unit_id is not None:  # an officer's unit is part of the officer's record
            unit = world.units[officer.unit_id]
            referenced.update((unit.code, unit.name))
    for user in world.users.values():
        sort(user.person == caller or world.user_visible(caller, user), (user.person.username,), "account")
    for r in world.reports.values():
        sort(world.report_visible(caller, r), (r.marker,), f"report {r.marker}")
        sort(world.reporter_visible(caller, r), (r.source_name,), f"the source of report {r.marker}")
        if r.sender and world.reporter_visible(caller, r):  # who sent it is part of the report's record
            referenced.add(r.sender)
    for row in world.inbound.values():
        sort(world.inbound_visible(caller, row), (row.marker,), f"inbound payload {row.marker}")
    forbidden[OTHERS_TOKEN] = "another user's API token"
    for marker in referenced:
        forbidden.pop(marker, None)
    allowed |= referenced
    clashes = {m for m in forbidden if any(marker_pattern(m).search(a.lower()) for a in allowed)}
    # A real place name may repeat inside an allowed one; the seeded markers are chosen not to.
    assert clashes <= region_names, f"test data: forbidden markers inside allowed text: {sorted(clashes)}"
    return {m: w for m, w in forbidden.items() if m not in clashes}


# --- probing ---------------------------------------------------------------------------------------


@dataclass
class Probe:
    """One caller's requests: every answer is scanned, every problem is collected (not raised)."""

    client: TestClient = field(repr=False)
    world: World = field(repr=False)
    caller: Person
    problems: list[str] = field(default_factory=list, repr=False)
    texts: list[str] = field(default_factory=list, repr=False)
    requests: int = 0
    _references: dict[str, tuple[int, str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.headers = self.world.accounts[self.caller.username].headers
        self.forbidden = {
            m: (marker_pattern(m), w) for m, w in forbidden_markers(self.world, self.caller).items()
        }

    def fail(self, url: str, message: str) -> None:
        self.problems.append(f"GET {url}: {message}")

    def fetch(self, url: str, cookie: bool = False) -> tuple[int, str]:
        """GET with the caller's bearer token (or, for pages, its token as the session cookie)."""
        token = self.world.accounts[self.caller.username].token
        headers = {"Cookie": f"{SESSION_COOKIE}={token}"} if cookie else self.headers
        response = self.client.get(url, headers=headers, follow_redirects=False)
        self.requests += 1
        self.texts.append(response.text)
        text = without_echo(url, response.text.lower())
        for marker, (pattern, what) in self.forbidden.items():
            if pattern.search(text):
                self.fail(url, f"answer contains {marker!r}: {what}, outside the caller's scope")
        return response.status_code, response.text

    def get(self, url: str, status: int = 200) -> Any:
        code, text = self.fetch(url)
        if code != status:
            self.fail(url, f"answered {code}, expected {status}: {text[:300]}")
            return None
        return json.loads(text)

    def like(self, url: str, reference: str, status: int = 404, blank: tuple[str, str] | None = None) -> None:
        """``url`` must answer exactly like ``reference`` (something that does not exist)."""
        if reference not in self._references:
            self._references[reference] = self.fetch(reference)
        ref_status, ref_text = self._references[reference]
        got_status, got_text = self.fetch(url)
        if (ref_status, got_status) != (status, status):
            self.fail(
                url, f"answered {got_status} ({reference}: {ref_status}), expected {status}: {got_text[:300]}"
            )
            return
        if blank is not None:  # region errors name the code that was asked for
            got_text, ref_text = got_text.replace(blank[0], "<code>"), ref_text.replace(blank[1], "<code>")
        if json.loads(got_text) != json.loads(ref_text):
            self.fail(url, f"answer {got_text} differs from the answer for {reference}: {ref_text}")

    def same(self, url: str, got: Iterable[Any], expected: Iterable[Any], what: str) -> None:
        got_list, wanted = list(got), set(expected)
        extra, missing = set(got_list) - wanted, wanted - set(got_list)
        if extra:
            self.fail(url, f"returned {what} it must not: {sorted(map(str, extra))}")
        if missing:
            self.fail(url, f"left out {what} in scope: {sorted(map(str, missing))}")
        if len(got_list) != len(set(got_list)):
            self.fail(url, f"returned duplicate {what}: {got_list}")

    def page(
        self, url: str, expected: set[Any], key: str = "id", what: str = "records"
    ) -> list[dict[str, Any]]:
        """A paginated list (asked with limit=1000) holding exactly ``expected``; its items."""
        body = self.get(url)
        if body is None:
            return []
        items: list[dict[str, Any]] = body["items"]
        self.same(url, (item[key] for item in items), expected, what)
        if body["total"] != len(expected):
            self.fail(url, f"total is {body['total']}, expected {len(expected)}: totals count records too")
        return items

    def filtered(self, url: str, expected: set[Any], what: str) -> None:
        """A list narrowed by a filter: an empty answer may also be a 404, never a record out of scope."""
        if not expected:
            code, text = self.fetch(url)
            if code == 404:
                return
            if code != 200:
                self.fail(url, f"answered {code}: {text[:300]}")
                return
            body = json.loads(text)
            self.same(url, (i["id"] for i in body["items"]), expected, what)
            if body["total"] != 0:
                self.fail(url, f"total is {body['total']} for an empty answer")
            return
        self.page(url, expected, what=what)


# --- the checks, one per GET endpoint -----------------------------------------------------------


def check_me(p: Probe) -> None:
    me = p.get(f"{API}/auth/me")
    if me is None:
        return
    c = p.caller
    expected = {"username": c.username, "role": c.role, "national": c.national, "scope": sorted(c.areas)}
    got = {k: me[k] for k in expected}
    if got != expected:
        p.fail(f"{API}/auth/me", f"{got} != {expected}")
    p.same(f"{API}/auth/me", (a["code"] for a in me["areas"]), c.areas, "areas")


def check_tokens(p: Probe) -> None:
    tokens = p.get(f"{API}/auth/tokens")
    if tokens is not None:
        p.same(f"{API}/auth/tokens", (t["name"] for t in tokens), {"test"}, "tokens")


def _covered(p: Probe, codes: Iterable[str]) -> set[str]:
    return {c for c in codes if p.caller.covers(c)}


def _regions_under(p: Probe, url: str, unknown: str, code: str) -> None:
    """Regions directly under ``code`` that are in scope; not found unless ``code`` touches the scope."""
    if code in p.world.regions and p.caller.touches(code):
        items = p.page(url, _covered(p, p.world.children(code)), key="code", what="regions")
        _check_region_items(p, url, items)
    else:
        p.like(url, unknown, blank=(code, UNKNOWN_CODE))


def _check_region_items(p: Probe, url: str, items: list[dict[str, Any]]) -> None:
    for item in items:
        if "path" in item and [a["code"] for a in item["path"]] != ancestors_of(item["code"]):
            p.fail(url, f"breadcrumb of {item['code']} is not its ancestors: {item['path']}")


def check_regions(p: Probe) -> None:
    c = p.caller
    top = p.world.children(None) if c.national else set(c.areas)
    p.page(f"{API}/regions?{ALL}", top, key="code", what="regions")
    for code in PROBE_CODES:
        url, unknown = f"{API}/regions?parent={code}&{ALL}", f"{API}/regions?parent={UNKNOWN_CODE}&{ALL}"
        _regions_under(p, url, unknown, code)


def check_region_children(p: Probe) -> None:
    for code in PROBE_CODES:
        url = f"{API}/regions/{code}/children?{ALL}"
        _regions_under(p, url, f"{API}/regions/{UNKNOWN_CODE}/children?{ALL}", code)


# query -> a region it must find when the caller may see that region
SEARCHES = {
    "Balikpapan": BALIKPAPAN,
    "Manggar": BPP_VILLAGE,
    "kota samarinda": SAMARINDA,
    "Bukuan": NEXT_VILLAGE,
    BALIKPAPAN: BALIKPAPAN,
}


def check_region_search(p: Probe) -> None:
    for text, must in SEARCHES.items():
        url = f"{API}/regions/search?q={quote(text)}&{ALL}"
        body = p.get(url)
        if body is None:
            continue
        codes = [hit["code"] for hit in body["items"]]
        outside = [code for code in codes if not p.caller.covers(code)]
        if outside:
            p.fail(url, f"found regions outside the scope: {outside}")
        if must and p.caller.covers(must) and must not in codes:
            p.fail(url, f"did not find {must}, which is in scope")
        if body["total"] != len(codes):
            p.fail(url, f"total {body['total']} != {len(codes)} hits")
        _check_region_items(p, url, body["items"])


def _level_counts(codes: Iterable[str]) -> dict[int, int]:
    counted = Counter(level_of(c) for c in codes)
    return {level: counted.get(level, 0) for level in (1, 2, 3, 4)}


def check_region_stats(p: Probe) -> None:
    for code in (None, *PROBE_CODES):
        url = f"{API}/regions/stats" + (f"?code={code}" if code else "")
        if code is not None and not p.caller.covers(code):
            p.like(url, f"{API}/regions/stats?code={UNKNOWN_CODE}", blank=(code, UNKNOWN_CODE))
            continue
        body = p.get(url)
        if body is None:
            continue
        under = [c for c in p.world.regions if code is None or inside(code, c)]
        expected = _level_counts(_covered(p, under))
        got = {row["level"]: row["regions"] for row in body}
        if got != expected:
            p.fail(url, f"counts per level {got}, expected {expected}")


def _tree_codes(node: dict[str, Any]) -> list[str]:
    return [node["code"], *(code for child in node["children"] for code in _tree_codes(child))]


def check_region_tree(p: Probe) -> None:
    url = f"{API}/regions/tree?depth=3"
    body = p.get(url)
    if body is not None:  # depth 3 below the top of any scope reaches the villages
        p.same(
            url,
            (code for root in body for code in _tree_codes(root)),
            _covered(p, p.world.regions),
            "regions",
        )


def check_region_subtree(p: Probe) -> None:
    for code in PROBE_CODES:
        url = f"{API}/regions/{code}/tree?depth=3"
        if not p.caller.covers(code):
            p.like(url, f"{API}/regions/{UNKNOWN_CODE}/tree?depth=3", blank=(code, UNKNOWN_CODE))
            continue
        body = p.get(url)
        if body is not None:
            expected = _covered(p, (c for c in p.world.regions if inside(code, c)))
            p.same(url, _tree_codes(body), expected, "regions")


def check_region_detail(p: Probe) -> None:
    for code in PROBE_CODES:
        url = f"{API}/regions/{code}"
        if not p.caller.covers(code):
            p.like(url, f"{API}/regions/{UNKNOWN_CODE}", blank=(code, UNKNOWN_CODE))
            continue
        body = p.get(url)
        if body is None:
            continue
        if body["code"] != code or body["children"] != len(p.world.children(code)):
            p.fail(url, f"code {body['code']}, children {body['children']}")
        _check_region_items(p, url, [body])


def _visible_tps(p: Probe) -> list[TpsRecord]:
    return [t for t in p.world.tps.values() if p.caller.covers(t.desa_code)]


def check_tps_list(p: Probe) -> None:
    visible = _visible_tps(p)
    p.page(f"{API}/tps?{ALL}", {t.id for t in visible}, what="TPS")
    for code in PROBE_CODES:
        expected = {t.id for t in visible if inside(code, t.desa_code)}
        p.filtered(f"{API}/tps?area={code}&{ALL}", expected, "TPS")


def check_tps_summary(p: Probe) -> None:
    for area in (None, *PROBE_CODES, BPP_VILLAGE):  # a village out of scope: 404 before "not a village"
        url = f"{API}/tps/summary" + (f"?area={area}" if area else "")
        if area is not None and not p.caller.touches(area):
            p.like(url, f"{API}/tps/summary?area={UNKNOWN_CODE}", blank=(area, UNKNOWN_CODE))
            continue
        if area is not None and level_of(area) == 4:
            p.get(url, 422)  # a summary groups by child region; a village has none
            continue
        tps = [t for t in _visible_tps(p) if area is None or inside(area, t.desa_code)]
        if len({t.election for t in tps}) > 1:  # only the caller's TPS count, so only their elections
            refused = p.get(url, 422)
            if refused is not None and refused["error"]["code"] != "tps.election_required":
                p.fail(url, f"refused with {refused['error']}")
            continue
        body = p.get(url)
        if body is None:
            continue
        total = body["total"]
        expected = (len(tps), sum(t.dpt_male for t in tps), sum(t.dpt_female for t in tps))
        if (total["tps"], total["dpt_male"], total["dpt_female"]) != expected:
            p.fail(url, f"total {total}, expected (tps, male, female) = {expected}")
        rows = {row["code"]: row["tps"] for row in body["rows"]}
        p.same(url, rows, {c for c in p.world.children(area) if p.caller.touches(c)}, "summary rows")
        if sum(rows.values()) != len(tps):
            p.fail(url, f"rows add up to {sum(rows.values())} TPS, expected {len(tps)}")


def check_tps_detail(p: Probe) -> None:
    for tps in p.world.tps.values():
        url = f"{API}/tps/{tps.id}"
        if not p.caller.covers(tps.desa_code):
            p.like(url, f"{API}/tps/{UNKNOWN_ID}")
            continue
        body = p.get(url)
        if body is not None and (body["id"], body["desa_code"]) != (tps.id, tps.desa_code):
            p.fail(url, f"answered TPS {body['id']} in {body['desa_code']}")


def _visible_units(p: Probe) -> list[UnitRecord]:
    return [u for u in p.world.units.values() if p.world.unit_visible(p.caller, u)]


def _check_unit_items(p: Probe, url: str, items: list[dict[str, Any]]) -> None:
    for item in items:
        record = p.world.units.get(item["id"])
        outside = [a for a in item["areas"] if not p.caller.covers(a)]
        if record is None or tuple(item["areas"]) != tuple(sorted(record.areas)) or outside:
            p.fail(url, f"unit {item['code']} lists areas {item['areas']} (outside the scope: {outside})")


def check_units(p: Probe) -> None:
    visible = _visible_units(p)
    items = p.page(f"{API}/units?{ALL}", {u.id for u in visible}, what="units")
    _check_unit_items(p, f"{API}/units", items)
    for code in PROBE_CODES:
        related = {u.id for u in visible if any(inside(code, a) or a in ancestors_of(code) for a in u.areas)}
        p.filtered(f"{API}/units?area={code}&{ALL}", related, "units")
    for parent in ("polda-64", "polres-64.72", "polres-64.71"):
        parent_id = p.world.unit(parent).id
        expected = {u.id for u in visible if u.parent_id == parent_id}
        p.filtered(f"{API}/units?parent={parent_id}&{ALL}", expected, "units")
    p.filtered(f"{API}/units?agency=kpu&{ALL}", {u.id for u in visible if u.agency == "kpu"}, "units")


def check_unit_detail(p: Probe) -> None:
    visible = {u.id for u in _visible_units(p)}
    for unit in map(p.world.unit, SAMPLE_UNITS):
        url = f"{API}/units/{unit.id}"
        if unit.id not in visible:
            p.like(url, f"{API}/units/{UNKNOWN_ID}")
            continue
        body = p.get(url)
        if body is None:
            continue
        _check_unit_items(p, url, [body, *body["children"]])
        parent = body["parent"]["id"] if body["parent"] else None
        if parent != (unit.parent_id if unit.parent_id in visible else None):
            p.fail(url, f"parent {body['parent']}: a parent is shown only when it is in scope")
        children = {u for u in visible if p.world.units[u].parent_id == unit.id}
        p.same(url, (child["id"] for child in body["children"]), children, "sub-units")


def _visible_officers(p: Probe) -> list[OfficerRecord]:
    return [o for o in p.world.officers.values() if p.world.officer_visible(p.caller, o)]


def _check_officer_items(p: Probe, url: str, items: list[dict[str, Any]]) -> None:
    for item in items:
        record = p.world.officers[item["id"]]
        outside = [v for v in item["villages"] if not p.caller.covers(v)]
        if tuple(item["villages"]) != record.villages or outside:
            p.fail(url, f"officer {record.name} lists villages {item['villages']} (outside: {outside})")
        if (item["unit"] or {}).get("id") != record.unit_id:
            p.fail(url, f"officer {record.name} has unit {item['unit']}")
        personal = (item["nrp"], item["nip"], item["phone"])
        expected = (record.nrp, record.nip, record.phone) if p.caller.personal else (None, None, None)
        if personal != expected:
            p.fail(url, f"officer {record.name}: (nrp, nip, phone) = {personal}, expected {expected}")


def check_officers(p: Probe) -> None:
    world, visible = p.world, _visible_officers(p)
    items = p.page(f"{API}/officers?{ALL}", {o.id for o in visible}, what="officers")
    _check_officer_items(p, f"{API}/officers", items)
    for village in (FO_VILLAGE, NEXT_VILLAGE, BPP_VILLAGE):
        expected = {o.id for o in visible if village in o.villages}
        p.filtered(f"{API}/officers?village={village}&{ALL}", expected, "officers")
    for code in PROBE_CODES:
        expected = {
            o.id
            for o in visible
            if any(inside(code, v) for v in o.villages)
            or (o.unit_id is not None and any(inside(code, a) for a in world.units[o.unit_id].areas))
        }
        p.filtered(f"{API}/officers?area={code}&{ALL}", expected, "officers")
    for text in ("Agus", "Gita", "Kurniawan"):
        expected = {o.id for o in visible if text.lower() in o.name.lower()}
        p.filtered(f"{API}/officers?q={text}&{ALL}", expected, "officers")
    for unit_code in ("polsek-64.72.01", "polsek-64.71.01", "polda-64"):
        unit_id = world.unit(unit_code).id
        expected = {o.id for o in visible if o.unit_id == unit_id}
        p.filtered(f"{API}/officers?unit={unit_id}&{ALL}", expected, "officers")
    babinsa = {o.id for o in visible if o.pillar == "babinsa"}
    p.filtered(f"{API}/officers?pillar=babinsa&{ALL}", babinsa, "officers")


def check_officer_detail(p: Probe) -> None:
    visible = {o.id for o in _visible_officers(p)}
    for officer in map(p.world.officer, SAMPLE_OFFICERS):
        url = f"{API}/officers/{officer.id}"
        if officer.id not in visible:
            p.like(url, f"{API}/officers/{UNKNOWN_ID}")
            continue
        body = p.get(url)
        if body is not None:
            _check_officer_items(p, url, [body])


def check_users(p: Probe) -> None:
    queries = (ALL, f"area={BALIKPAPAN}&{ALL}", f"area={SAMARINDA}&{ALL}", f"q=balikpapan&{ALL}")
    if not p.caller.admin:
        for query in queries:
            p.like(f"{API}/users?{query}", f"{API}/users?{ALL}", status=403)
        return
    world = p.world
    visible = [u for u in world.users.values() if world.user_visible(p.caller, u)]
    items = p.page(f"{API}/users?{ALL}", {u.id for u in visible}, what="accounts")
    for item in items:
        outside = [a["code"] for a in item["areas"] if not p.caller.covers(a["code"])]
        if outside:
            p.fail(f"{API}/users", f"account {item['username']} has areas outside the scope: {outside}")
    for area in (BALIKPAPAN, SAMARINDA):
        expected = {u.id for u in visible if any(inside(area, a) for a in u.person.areas)}
        p.filtered(f"{API}/users?area={area}&{ALL}", expected, "accounts")
    named = {u.id for u in visible if "balikpapan" in u.person.username}
    p.filtered(f"{API}/users?q=balikpapan&{ALL}", named, "accounts")


def check_user_detail(p: Probe) -> None:
    world = p.world
    if not p.caller.admin:  # refused alike for any id: no way to learn which accounts exist
        own = world.accounts[p.caller.username].user_id
        for username in ("operator.palaran", "analis.balikpapan", "kapolda.kaltim"):
            p.like(f"{API}/users/{world.accounts[username].user_id}", f"{API}/users/{UNKNOWN_ID}", status=403)
        p.like(f"{API}/users/{own}", f"{API}/users/{UNKNOWN_ID}", status=403)
        return
    for user in map(world.user, (p.caller.username, *SAMPLE_USERS)):
        url = f"{API}/users/{user.id}"
        if not world.user_visible(p.caller, user):
            p.like(url, f"{API}/users/{UNKNOWN_ID}")
            continue
        body = p.get(url)
        if body is not None and body["username"] != user.person.username:
            p.fail(url, f"answered account {body['username']}")


# --- field reports and the review queue ------------------------------------------------------------


def _visible_reports(p: Probe) -> list[ReportRecord]:
    return [r for r in p.world.reports.values() if p.world.report_visible(p.caller, r)]


def _check_report_item(p: Probe, url: str, item: dict[str, Any]) -> None:
    record = p.world.reports[item["id"]]
    if p.caller.blurred:
        hidden = (item["desa_code"], item["lat"], item["lng"], item["tps_id"])
        if hidden != (None, None, None, None) or item["area_code"] != record.desa_code[:8]:
            p.fail(url, f"report {record.marker}: location not blurred for a partner: {item}")
    elif item["desa_code"] != record.desa_code or item["lat"] is None:
        p.fail(url, f"report {record.marker}: location missing for a caller allowed to see it")
    if (item["reporter"] is not None) != p.world.reporter_visible(p.caller, record):
        p.fail(url, f"report {record.marker}: reporter shown={item['reporter'] is not None}, wrong")


def check_reports(p: Probe) -> None:
    url = f"{API}/reports?{ALL}"
    for item in p.page(url, {r.id for r in _visible_reports(p)}, what="reports"):
        _check_report_item(p, url, item)
    for code in PROBE_CODES:
        url = f"{API}/reports?area={code}&{ALL}"
        if p.caller.blurred and level_of(code) > 3:
            p.get(url, status=422)  # a desa filter would reveal which reports are in that desa
            continue
        expected = {r.id for r in _visible_reports(p) if inside(code, r.desa_code)}
        p.filtered(url, expected, "reports")


def check_report_categories(p: Probe) -> None:
    body = p.get(f"{API}/reports/categories")
    if body is not None and not body["categories"]:
        p.fail(f"{API}/reports/categories", "no categories")


def check_report_detail(p: Probe) -> None:
    for record in p.world.reports.values():
        url = f"{API}/reports/{record.id}"
        if not p.world.report_visible(p.caller, record):
            p.like(url, f"{API}/reports/{UNKNOWN_ID}")
            continue
        body = p.get(url)
        if body is None:
            continue
        _check_report_item(p, url, body["report"])
        attachments = [a["id"] for a in body["attachments"]]
        if attachments != ([] if p.caller.blurred else [record.attachment_id]):
            p.fail(url, f"attachments {attachments} for report {record.marker}")


def check_report_attachment(p: Probe) -> None:
    for record in p.world.reports.values():
        url = f"{API}/reports/{record.id}/attachments/{record.attachment_id}"
        unknown = f"{API}/reports/{record.id}/attachments/{UNKNOWN_ID}"
        if not p.world.report_visible(p.caller, record):
            p.like(url, f"{API}/reports/{UNKNOWN_ID}/attachments/{UNKNOWN_ID}")
        elif p.caller.blurred:
            p.like(url, unknown)
        else:
            status, text = p.fetch(url)
            if (status, text) != (200, record.marker):
                p.fail(url, f"answered {status} {text[:80]!r}, expected the attachment's bytes")


def check_report_duplicates(p: Probe) -> None:
    for record in p.world.reports.values():
        url = f"{API}/reports/{record.id}/duplicates"
        if not p.world.report_visible(p.caller, record):
            p.like(
                url, f"{API}/reports/{UNKNOWN_ID}/duplicates", status=403 if not p.caller.verifies else 404
            )
            continue
        if not p.caller.verifies:
            p.get(url, status=403)
            continue
        body = p.get(url)
        visible = {r.id for r in _visible_reports(p)}
        for suggestion in body or []:
            if suggestion["report_id"] not in visible:
                p.fail(url, f"suggested report {suggestion['report_id']} outside the scope")


def check_inbound(p: Probe) -> None:
    url = f"{API}/inbound?{ALL}"
    if not p.caller.verifies:
        p.get(url, status=403)
        return
    expected = {r.id for r in p.world.inbound.values() if p.world.inbound_visible(p.caller, r)}
    p.page(url, expected, what="inbound payloads")


def check_inbound_detail(p: Probe) -> None:
    for row in p.world.inbound.values():
        url = f"{API}/inbound/{row.id}"
        if not p.caller.verifies:
            p.get(url, status=403)
        elif not p.world.inbound_visible(p.caller, row):
            p.like(url, f"{API}/inbound/{UNKNOWN_ID}")
        else:
            body = p.get(url)
            if body is not None and body["body_text"] != row.marker:
                p.fail(url, f"body {body['body_text']!r}, expected {row.marker!r}")


# --- the vulnerability index (scores seeded by the world fixture with the shipped TPS profile) ------

RISK = "tps-rawan-2024"  # unit tps, fed by field reports: partners see it down to the kecamatan
RISK_LEVELS = ("tps", "desa", "kecamatan", "kabkota", "provinsi")
RISK_CODE_LENGTH = {"desa": 13, "kecamatan": 8, "kabkota": 5, "provinsi": 2}
RISK_REGION_LEVEL = {1: "provinsi", 2: "kabkota", 3: "kecamatan", 4: "desa"}
# A well-formed code of each level that no region has: what an out-of-scope place must answer like.
RISK_UNKNOWN = {"provinsi": "99", "kabkota": "64.99", "kecamatan": UNKNOWN_CODE, "desa": "64.72.99.9999"}


def _risk_places(p: Probe, level: str, area: str | None = None) -> set[str]:
    """Scored places at ``level`` the caller must see: the election's TPS and the regions above them."""
    tps = [t for t in p.world.tps.values() if t.election == ELECTION]
    if area is not None:
        tps = [t for t in tps if inside(area, t.desa_code) or inside(t.desa_code, area)]
    if level == "tps":
        return {f"tps:{t.id}" for t in tps if p.caller.covers(t.desa_code)}
    codes = {t.desa_code[: RISK_CODE_LENGTH[level]] for t in tps}
    return {c for c in codes if p.caller.covers(c) and (area is None or inside(area, c))}


def _risk_hidden(p: Probe, level: str) -> bool:
    return p.caller.blurred and level in ("tps", "desa")


def check_risk_profiles(p: Probe) -> None:
    body = p.get(f"{API}/risk/profiles")
    if body is not None and RISK not in {profile["code"] for profile in body}:
        p.fail(f"{API}/risk/profiles", f"{RISK} is not listed")


def check_risk_scores(p: Probe) -> None:
    for level in RISK_LEVELS:
        for area in (None, *PROBE_CODES):
            url = f"{API}/risk/scores?profile={RISK}&level={level}&{ALL}" + (f"&area={area}" if area else "")
            if _risk_hidden(p, level):
                p.get(url, status=422)
                continue
            for item in p.page(url, _risk_places(p, level, area), key="place", what=f"{level} scores"):
                if level == "tps" and item["tps_uid"] != p.world.tps[int(item["place"][4:])].uid:
                    p.fail(url, f"{item['place']} has uid {item['tps_uid']}")


def _check_risk_explanation(p: Probe, url: str, place: str) -> None:
    body = p.get(url)
    if body is None:
        return
    if body["place"] != place:
        p.fail(url, f"explained {body['place']}, not {place}")
    if abs(sum(i["points"] for i in body["indicators"]) - body["score"]) > 1e-3:
        p.fail(url, f"points do not add up to the score {body['score']}")


def check_risk_place(p: Probe) -> None:
    unknown_tps = f"{API}/risk/places/tps/tps:{UNKNOWN_ID}?profile={RISK}"
    for tps in p.world.tps.values():
        if tps.election != ELECTION:
            continue
        for place in (f"tps:{tps.id}", tps.uid):
            url = f"{API}/risk/places/tps/{place}?profile={RISK}"
            if _risk_hidden(p, "tps"):
                p.get(url, status=422)
            elif not p.caller.covers(tps.desa_code):
                p.like(url, unknown_tps)
            else:
                _check_risk_explanation(p, url, f"tps:{tps.id}")
    for code in (*PROBE_CODES, BPP_VILLAGE, KUKAR):
        level = RISK_REGION_LEVEL[level_of(code)]
        url = f"{API}/risk/places/{level}/{code}?profile={RISK}"
        if _risk_hidden(p, level):
            p.get(url, status=422)
        elif code not in _risk_places(p, level):
            p.like(url, f"{API}/risk/places/{level}/{RISK_UNKNOWN[level]}?profile={RISK}")
        else:
            _check_risk_explanation(p, url, code)


def _check_risk_export(p: Probe, fmt: str) -> None:
    for level in RISK_LEVELS:
        url = f"{API}/risk/export.{fmt}?profile={RISK}&level={level}"
        if _risk_hidden(p, level):
            p.get(url, status=422)
            continue
        status, text = p.fetch(url)
        if status != 200:
            p.fail(url, f"answered {status}: {text[:300]}")
            continue
        if fmt == "csv":
            places = [row["tempat"] for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))]
        else:
            places = [feature["properties"]["place"] for feature in json.loads(text)["features"]]
        p.same(url, places, _risk_places(p, level), f"{level} places")


def check_risk_export_csv(p: Probe) -> None:
    _check_risk_export(p, "csv")


def check_risk_export_geojson(p: Probe) -> None:
    _check_risk_export(p, "geojson")


# --- pages and ODK routes that show reports or villages (hidden from the OpenAPI document) -------


def _page(p: Probe, url: str, status: int) -> str:
    code, text = p.fetch(url, cookie=True)
    if code != status:
        p.fail(url, f"answered {code}, expected {status}: {text[:200]}")
    return text


def check_report_list_page(p: Probe) -> None:
    text = _page(p, "/laporan?limit=1000", 200)
    for record in _visible_reports(p):
        if record.marker not in text:
            p.fail("/laporan", f"report {record.marker} in scope is not listed")


def check_report_detail_page(p: Probe) -> None:
    for record in p.world.reports.values():
        url = f"/laporan/{record.id}"
        if not p.world.report_visible(p.caller, record):
            _page(p, url, 404)
            continue
        text = _page(p, url, 200)
        if record.marker not in text:
            p.fail(url, f"report {record.marker} not shown")
        if p.caller.blurred and (record.desa_code in text or p.world.regions[record.desa_code] in text):
            p.fail(url, f"the desa of report {record.marker} is shown to a partner")


def check_report_form_page(p: Probe) -> None:
    _page(p, "/laporan/baru", 403 if p.caller.blurred else 200)


def check_verification_queue_page(p: Probe) -> None:
    text = _page(p, "/laporan/antrean", 200 if p.caller.verifies else 403)
    for record in _visible_reports(p) if p.caller.verifies else ():
        if record.marker not in text:
            p.fail("/laporan/antrean", f"new report {record.marker} in scope is not in the queue")


def check_review_queue_page(p: Probe) -> None:
    text = _page(p, "/laporan/tinjau", 200 if p.caller.verifies else 403)
    for row in p.world.inbound.values():
        if p.world.inbound_visible(p.caller, row) and row.marker not in text:
            p.fail("/laporan/tinjau", f"payload {row.marker} in scope is not in the queue")


def check_review_detail_page(p: Probe) -> None:
    for row in p.world.inbound.values():
        url = f"/laporan/tinjau/{row.id}"
        if not p.caller.verifies:
            _page(p, url, 403)
        elif not p.world.inbound_visible(p.caller, row):
            _page(p, url, 404)
        elif row.marker not in _page(p, url, 200):
            p.fail(url, f"payload {row.marker} not shown")


def check_odk_form_and_villages(p: Probe) -> None:
    """ODK Collect's form list, form, manifest and the villages offered (``desa.csv``)."""
    status, listing = p.fetch("/odk/formList")
    if p.caller.blurred:  # partners do not submit
        if status != 403:
            p.fail("/odk/formList", f"answered {status} to a partner")
        return
    found = re.search(r"<formID>([^<]+)</formID>", listing)
    if status != 200 or found is None:
        p.fail("/odk/formList", f"answered {status} without a form: {listing[:200]}")
        return
    form = found.group(1)
    for url in (f"/odk/forms/{form}/form.xml", f"/odk/forms/{form}/manifest"):
        if p.fetch(url)[0] != 200:
            p.fail(url, "not served")
    url = f"/odk/forms/{form}/media/desa.csv"
    status, text = p.fetch(url)
    offered = {line.split(",")[0] for line in text.splitlines()[1:]}
    villages = {c for c in p.world.regions if level_of(c) == 4 and p.caller.covers(c)}
    expected = {FO_VILLAGE} if p.caller.key == "field_officer" else villages
    if status != 200 or offered != expected:
        p.fail(url, f"offered {sorted(offered)[:5]}..., expected {sorted(expected)[:5]}...")


# --- alerts ---------------------------------------------------------------------------------------


def _visible_alerts(p: Probe) -> dict[int, ReportRecord]:
    """Visible alerts, each with one of its reports (they all lie in the alert's one desa)."""
    return {a: rs[0] for a, rs in p.world.alerts.items() if p.world.report_visible(p.caller, rs[0])}


def _check_alert_item(p: Probe, url: str, item: dict[str, Any]) -> None:
    record = p.world.alerts[item["id"]][0]
    wanted = record.desa_code[:8] if p.caller.blurred else record.desa_code
    if item["area_code"] != wanted:
        p.fail(url, f"alert {item['id']}: area {item['area_code']}, expected {wanted}")


def check_alerts(p: Probe) -> None:
    url = f"{API}/alerts?{ALL}"
    for item in p.page(url, set(_visible_alerts(p)), what="alerts"):
        _check_alert_item(p, url, item)
    for code in PROBE_CODES:
        url = f"{API}/alerts?area={code}&{ALL}"
        if p.caller.blurred and level_of(code) > 3:
            p.get(url, status=422)  # a desa filter would reveal which alerts are in that desa
            continue
        expected = {a for a, r in _visible_alerts(p).items() if inside(code, r.desa_code)}
        p.filtered(url, expected, "alerts")


def check_alert_detail(p: Probe) -> None:
    visible = _visible_alerts(p)
    for alert_id, records in p.world.alerts.items():
        record = records[0]
        url = f"{API}/alerts/{alert_id}"
        if alert_id not in visible:
            p.like(url, f"{API}/alerts/{UNKNOWN_ID}")
            continue
        body = p.get(url)
        if body is None:
            continue
        _check_alert_item(p, url, body["alert"])
        wanted = sorted(r.id for r in records)
        if [r["id"] for r in body["reports"]] != wanted:
            p.fail(url, f"reports {[r['id'] for r in body['reports']]}, expected {wanted}")
        for item in body["reports"]:
            _check_report_item(p, url, item)
        places = [place["code"] for place in body["places"]]
        if places != [record.desa_code[:8] if p.caller.blurred else record.desa_code]:
            p.fail(url, f"places {places} for the alert about {record.marker}")


def check_alert_metrics(p: Probe) -> None:
    expected = len(_visible_alerts(p))
    for group in ("area&level=1", "area&level=2", "area&level=3", "unit"):
        url = f"{API}/alerts/metrics?group={group}"
        rows = p.get(url)
        if rows is None:
            continue
        counted = sum(row["alerts"] for row in rows)
        if group.startswith("area") and counted != expected:
            p.fail(url, f"{counted} alerts counted, {expected} visible")
        if group == "unit" and any(row["alerts"] > expected for row in rows):
            p.fail(url, f"a unit counts more alerts than the {expected} visible")


# --- notifications ------------------------------------------------------------------------------------


def _own_notifications(p: Probe) -> set[int]:
    own = p.world.accounts[p.caller.username].user_id
    return {n for n, user in p.world.notifications.items() if user == own}


def check_notifications(p: Probe) -> None:
    """Only the caller's own notifications, whatever their scope (each caller has some)."""
    own = _own_notifications(p)
    if not own:
        p.fail(f"{API}/notifications", "the caller has no notifications: the check would be vacuous")
    p.page(f"{API}/notifications?{ALL}", own, what="notifications")
    p.page(f"{API}/notifications?unread=true&{ALL}", own, what="notifications")


def check_notifications_unread(p: Probe) -> None:
    body = p.get(f"{API}/notifications/unread-count")
    if body is not None and body["unread"] != len(_own_notifications(p)):
        p.fail(f"{API}/notifications/unread-count", f"{body} counts others' notifications")


def check_notification_deliveries(p: Probe) -> None:
    url = f"{API}/notifications/deliveries?{ALL}"
    if not p.caller.admin:
        p.get(url, status=403)
        return
    expected = {
        d
        for d, area in p.world.deliveries.items()
        if (p.caller.national if area is None else p.caller.covers(area))
    }
    p.page(url, expected, what="deliveries")


# --- the map (/api/v1/map/*, /peta) ----------------------------------------------------------------

MAP_RANK = {"kabkota": 2, "kecamatan": 3, "desa": 4}
# (level, parent): every city, the kecamatan of each city, the desa of a kecamatan in each city.
MAP_VIEWS = (("kabkota", None), ("kecamatan", SAMARINDA), ("kecamatan", BALIKPAPAN), ("desa", "64.72.01"))
MAP_VIEWS += (("desa", "64.71.01"), ("desa", PROVINCE))


def _map_reports_in(p: Probe, code: str) -> int:
    return sum(1 for r in _visible_reports(p) if inside(code, r.desa_code))


def check_map_regions(p: Probe) -> None:
    """Exactly the regions in scope at the level (under the parent), each counting only visible reports."""
    for level, parent in MAP_VIEWS:
        url = f"{API}/map/regions?profile={RISK}&level={level}" + (f"&parent={parent}" if parent else "")
        if p.caller.blurred and level == "desa":
            p.get(url, status=422)
            continue
        if parent and not p.caller.touches(parent):
            p.like(url, f"{API}/map/regions?profile={RISK}&level={level}&parent=64.99")
            continue
        body = p.get(url)
        if body is None:
            continue
        expected = {
            c
            for c in p.world.regions
            if level_of(c) == MAP_RANK[level] and p.caller.covers(c) and (parent is None or inside(parent, c))
        }
        features = {f["properties"]["code"]: f["properties"] for f in body["features"]}
        p.same(url, [f["properties"]["code"] for f in body["features"]], expected, "regions")
        for code, props in features.items():
            if props["reports"] != _map_reports_in(p, code):
                p.fail(url, f"{code} counts {props['reports']} reports, {_map_reports_in(p, code)} visible")


def check_map_reports(p: Probe) -> None:
    url = f"{API}/map/reports?level=kecamatan"
    body = p.get(url)
    if body is not None:
        got = {r["code"]: r["count"] for r in body["regions"]}
        expected = {r.desa_code[:8] for r in _visible_reports(p)}
        p.same(url, got, expected, "kecamatan")
        for code, count in got.items():
            if count != _map_reports_in(p, code):
                p.fail(url, f"{code} counts {count} reports, {_map_reports_in(p, code)} visible")
    for desa in (FO_VILLAGE, NEXT_VILLAGE, BPP_VILLAGE):
        url = f"{API}/map/reports?desa={desa}"
        if p.caller.blurred:
            p.get(url, status=422)
        elif not p.caller.covers(desa):
            p.like(url, f"{API}/map/reports?desa=64.72.99.9999")
        else:
            body = p.get(url)
            ids = [point["id"] for point in (body or {}).get("points") or []]
            p.same(url, ids, {r.id for r in _visible_reports(p) if r.desa_code == desa}, "report points")


def check_map_tps(p: Probe) -> None:
    for desa in (FO_VILLAGE, NEXT_VILLAGE, BPP_VILLAGE):
        url = f"{API}/map/tps?desa={desa}&profile={RISK}"
        if p.caller.blurred:
            p.get(url, status=422)
        elif not p.caller.covers(desa):
            p.like(url, f"{API}/map/tps?desa=64.72.99.9999&profile={RISK}")
        else:
            body = p.get(url)
            ids = [f["properties"]["id"] for f in (body or {}).get("features", [])]
            expected = {t.id for t in p.world.tps.values() if t.desa_code == desa and t.election == ELECTION}
            p.same(url, ids, expected, "TPS")


def check_map_alerts(p: Probe) -> None:
    body = p.get(f"{API}/map/alerts")
    ids = [f["properties"]["id"] for f in (body or {}).get("features", [])]
    p.same(f"{API}/map/alerts", ids, set(_visible_alerts(p)), "open alerts")


def check_map_page(p: Probe) -> None:
    """The map page lists only regions in scope (every answer is scanned for leaks)."""
    _page(p, "/peta", 200)
    _page(p, f"/peta?level=kecamatan&parent={BALIKPAPAN}", 200 if p.caller.touches(BALIKPAPAN) else 404)
    _page(p, f"/peta?level=kecamatan&parent={SAMARINDA}", 200)


# --- exports (reports, alerts, scores): the list's rows, as the list shows them ----------------------


def _export_rows(p: Probe, url: str, fmt: str) -> list[dict[str, Any]] | None:
    """The rows of a CSV or XLSX export as dicts keyed by the CSV's column names (None: it failed).

    An XLSX is a ZIP: its cells are read with openpyxl and scanned for forbidden markers here."""
    if fmt == "csv":
        status, text = p.fetch(url)
        if status != 200:
            p.fail(url, f"answered {status}: {text[:300]}")
            return None
        return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    response = p.client.get(url, headers=p.headers)
    p.requests += 1
    if response.status_code != 200:
        p.fail(url, f"answered {response.status_code}: {response.text[:300]}")
        return None
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    _header, *cells = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    text = without_echo(url, "\n".join("\t".join(row) for row in cells).lower())
    p.texts.append(text)
    for marker, (pattern, what) in p.forbidden.items():
        if pattern.search(text):
            p.fail(url, f"answer contains {marker!r}: {what}, outside the caller's scope")
    return cells  # XLSX: positional rows, mapped by the caller


def _report_export_items(p: Probe, url: str, fmt: str) -> list[dict[str, Any]] | None:
    """An export's reports as list items (the fields ``_check_report_item`` looks at)."""
    from tigapilar.reports.export import CSV_HEADER

    if fmt == "geojson":
        status, text = p.fetch(url)
        if status != 200:
            p.fail(url, f"answered {status}: {text[:300]}")
            return None
        items = []
        for feature in json.loads(text)["features"]:
            lng, lat = feature["geometry"]["coordinates"] if feature["geometry"] else (None, None)
            items.append({**feature["properties"], "lat": lat, "lng": lng})
        return items
    rows = _export_rows(p, url, fmt)
    if rows is None:
        return None
    if fmt == "xlsx":
        rows = [dict(zip(CSV_HEADER, row, strict=True)) for row in rows]
    return [
        {
            "id": int(row["id"]),
            "area_code": row["kode_wilayah"],
            "desa_code": row["kode_desa"] or None,
            "lat": row["lintang"] or None,
            "lng": row["bujur"] or None,
            "tps_id": row["id_tps"] or None,
            "reporter": (row["pengguna"] or row["nama_sumber"] or row["petugas"]) or None,
        }
        for row in rows
    ]


def _check_report_export(p: Probe, fmt: str) -> None:
    for code in (None, *PROBE_CODES):
        url = f"{API}/reports/export.{fmt}" + (f"?area={code}" if code else "")
        if code and p.caller.blurred and level_of(code) > 3:
            p.get(url, status=422)  # as the list: a desa filter would reveal the desa
            continue
        items = _report_export_items(p, url, fmt)
        if items is None:
            continue
        expected = {r.id for r in _visible_reports(p) if code is None or inside(code, r.desa_code)}
        p.same(url, (i["id"] for i in items), expected, "reports")
        for item in items:
            _check_report_item(p, url, item)


def check_report_export_csv(p: Probe) -> None:
    _check_report_export(p, "csv")


def check_report_export_geojson(p: Probe) -> None:
    _check_report_export(p, "geojson")


def check_report_export_xlsx(p: Probe) -> None:
    _check_report_export(p, "xlsx")


def _check_alert_export(p: Probe, fmt: str) -> None:
    url = f"{API}/alerts/export.{fmt}"
    if fmt == "geojson":
        status, text = p.fetch(url)
        if status != 200:
            p.fail(url, f"answered {status}: {text[:300]}")
            return
        items = [f["properties"] for f in json.loads(text)["features"]]
    else:
        rows = _export_rows(p, url, fmt)
        if rows is None:
            return
        key = 0 if fmt == "xlsx" else "id"
        area = 4 if fmt == "xlsx" else "kode_wilayah"
        items = [{"id": int(r[key]), "area_code": r[area]} for r in rows]
    p.same(url, (i["id"] for i in items), set(_visible_alerts(p)), "alerts")
    for item in items:
        _check_alert_item(p, url, item)


def check_alert_export_csv(p: Probe) -> None:
    _check_alert_export(p, "csv")


def check_alert_export_geojson(p: Probe) -> None:
    _check_alert_export(p, "geojson")


def check_alert_export_xlsx(p: Probe) -> None:
    _check_alert_export(p, "xlsx")


def check_risk_export_xlsx(p: Probe) -> None:
    for level in RISK_LEVELS:
        url = f"{API}/risk/export.xlsx?profile={RISK}&level={level}"
        if _risk_hidden(p, level):
            p.get(url, status=422)
            continue
        rows = _export_rows(p, url, "xlsx")
        if rows is not None:
            p.same(url, (row[2] for row in rows), _risk_places(p, level), f"{level} places")


# OpenAPI path -> its check. A new GET endpoint fails the matrix until it is added here.
CHECKS: dict[str, Callable[[Probe], None]] = {
    f"{API}/auth/me": check_me,
    f"{API}/auth/tokens": check_tokens,
    f"{API}/regions": check_regions,
    f"{API}/regions/search": check_region_search,
    f"{API}/regions/stats": check_region_stats,
    f"{API}/regions/tree": check_region_tree,
    f"{API}/regions/{{code}}": check_region_detail,
    f"{API}/regions/{{code}}/children": check_region_children,
    f"{API}/regions/{{code}}/tree": check_region_subtree,
    f"{API}/tps": check_tps_list,
    f"{API}/tps/summary": check_tps_summary,
    f"{API}/tps/{{tps_id}}": check_tps_detail,
    f"{API}/units": check_units,
    f"{API}/units/{{unit_id}}": check_unit_detail,
    f"{API}/officers": check_officers,
    f"{API}/officers/{{officer_id}}": check_officer_detail,
    f"{API}/users": check_users,
    f"{API}/users/{{user_id}}": check_user_detail,
    f"{API}/reports": check_reports,
    f"{API}/reports/categories": check_report_categories,
    f"{API}/reports/{{report_id}}": check_report_detail,
    f"{API}/reports/{{report_id}}/attachments/{{attachment_id}}": check_report_attachment,
    f"{API}/reports/{{report_id}}/duplicates": check_report_duplicates,
    f"{API}/inbound": check_inbound,
    f"{API}/inbound/{{inbound_id}}": check_inbound_detail,
    f"{API}/risk/profiles": check_risk_profiles,
    f"{API}/risk/scores": check_risk_scores,
    f"{API}/risk/places/{{level}}/{{place}}": check_risk_place,
    f"{API}/risk/export.csv": check_risk_export_csv,
    f"{API}/risk/export.geojson": check_risk_export_geojson,
    f"{API}/risk/export.xlsx": check_risk_export_xlsx,
    f"{API}/reports/export.csv": check_report_export_csv,
    f"{API}/reports/export.geojson": check_report_export_geojson,
    f"{API}/reports/export.xlsx": check_report_export_xlsx,
    f"{API}/alerts/export.csv": check_alert_export_csv,
    f"{API}/alerts/export.geojson": check_alert_export_geojson,
    f"{API}/alerts/export.xlsx": check_alert_export_xlsx,
    f"{API}/alerts": check_alerts,
    f"{API}/alerts/metrics": check_alert_metrics,
    f"{API}/alerts/{{alert_id}}": check_alert_detail,
    f"{API}/notifications": check_notifications,
    f"{API}/notifications/unread-count": check_notifications_unread,
    f"{API}/notifications/deliveries": check_notification_deliveries,
    f"{API}/map/regions": check_map_regions,
    f"{API}/map/reports": check_map_reports,
    f"{API}/map/tps": check_map_tps,
    f"{API}/map/alerts": check_map_alerts,
}


def check_home(p: Probe) -> None:
    """The home page shows who is logged in and their areas: nothing outside them."""
    status, text = p.fetch("/beranda", cookie=True)
    if status != 200 or p.caller.username not in text:
        p.fail("/beranda", f"answered {status} without the caller's name: {text[:300]}")


def check_alert_list_page(p: Probe) -> None:
    """The alert pages list exactly the caller's alerts, and leak nothing (every answer is scanned)."""
    for url in ("/peringatan", "/peringatan?status=terbuka"):
        text = _page(p, url, 200)
        shown = {int(n) for n in re.findall(r'href="/peringatan/(\d+)"', text)}
        p.same(url, shown, set(_visible_alerts(p)), "alerts")


def check_alert_detail_page(p: Probe) -> None:
    _page(p, f"/peringatan/{UNKNOWN_ID}", 404)
    visible = _visible_alerts(p)
    for alert_id in p.world.alerts:
        _page(p, f"/peringatan/{alert_id}", 200 if alert_id in visible else 404)


def check_alert_metrics_page(p: Probe) -> None:
    _page(p, "/peringatan/metrik", 200)


def check_notifications_page(p: Probe) -> None:
    """The inbox page lists the caller's own notifications (each unread one with its mark-read form)."""
    text = _page(p, "/notifikasi", 200)
    shown = {int(n) for n in re.findall(r'action="/notifikasi/(\d+)/dibaca"', text)}
    p.same("/notifikasi", shown, _own_notifications(p), "notifications")


def check_sitrep_pages(p: Probe) -> None:
    """The daily situation report: every probed area answers 200 inside the caller's scope (422 for a
    partner asking below the kecamatan) and 404 outside it; the HTML is scanned like every answer,
    the PDF (compressed) is checked by status and kind."""
    _page(p, "/situasi", 200)
    for code in (*PROBE_CODES, UNKNOWN_CODE):
        known = code != UNKNOWN_CODE and p.caller.covers(code)
        expected = (422 if p.caller.blurred and level_of(code) > 3 else 200) if known else 404
        _page(p, f"/situasi?area={code}", expected)
        token = p.world.accounts[p.caller.username].token
        pdf = p.client.get(f"/situasi.pdf?area={code}", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
        p.requests += 1
        if pdf.status_code != expected or (expected == 200) != pdf.content.startswith(b"%PDF"):
            p.fail(f"/situasi.pdf?area={code}", f"answered {pdf.status_code}, expected {expected}")


# --- the overview, region and TPS pages (web/pages/overview.py, places.py) --------------------------

OVERVIEW_RANGE = "dari=2024-01-01&sampai=2024-12-31"  # every seeded report


def _overview_total(p: Probe, url: str, status: int) -> int | None:
    found = re.search(r'id="jumlah-laporan" data-total="(\d+)"', _page(p, url, status))
    if status == 200 and not found:
        p.fail(url, "the overview shows no report total")
    return int(found.group(1)) if found else None


def check_overview_page(p: Probe) -> None:
    """The overview counts exactly the reports in scope: in the caller's area and in each area asked
    for; an area outside the scope answers 404 like an unknown one, a desa answers 403 to partners."""
    checks: list[tuple[str, str | None]] = [(f"/ringkasan?{OVERVIEW_RANGE}", None)]
    checks += [(f"/ringkasan?wilayah={c}&{OVERVIEW_RANGE}", c) for c in (*PROBE_CODES, KUKAR, UNKNOWN_CODE)]
    for url, code in checks:
        if code is not None and p.caller.blurred and level_of(code) > 3:
            _page(p, url, 403)
        elif code is not None and (code not in p.world.regions or not p.caller.touches(code)):
            _page(p, url, 404)
        else:
            got = _overview_total(p, url, 200)
            wanted = sum(1 for r in _visible_reports(p) if code is None or inside(code, r.desa_code))
            if got is not None and got != wanted:
                p.fail(url, f"counts {got} reports, {wanted} are in scope")


def check_region_page(p: Probe) -> None:
    """A region page for regions in scope (404 like unknown otherwise; a desa is 403 for partners), with
    the three pillars of a desa, their phone only for roles that may see personal data."""
    for code in (*PROBE_CODES, BPP_VILLAGE, KUKAR, UNKNOWN_CODE):
        url = f"/wilayah/{code}"
        if p.caller.blurred and level_of(code) == 4:
            _page(p, url, 403)
        elif code not in p.world.regions or not p.caller.covers(code):
            _page(p, url, 404)
        else:
            text = html.unescape(_page(p, url, 200))
            if p.world.regions[code] not in text:
                p.fail(url, "the region's name is not shown")
            for officer in p.world.officers.values():
                if code not in officer.villages:
                    continue
                if officer.name not in text:
                    p.fail(url, f"officer {officer.name} of the desa is not listed")
                if p.caller.personal and officer.phone and officer.phone not in text:
                    p.fail(url, f"the phone of {officer.name} is not shown to a {p.caller.role}")


def check_tps_page(p: Probe) -> None:
    """A TPS page for TPS in scope, 404 like unknown otherwise; partners get 403 for every id."""
    _page(p, f"/tps/{UNKNOWN_ID}", 403 if p.caller.blurred else 404)
    for tps in p.world.tps.values():
        url = f"/tps/{tps.id}"
        if p.caller.blurred:
            _page(p, url, 403)
        elif not p.caller.covers(tps.desa_code):
            _page(p, url, 404)
        elif tps.uid not in _page(p, url, 200):
            p.fail(url, f"TPS {tps.uid} is not shown")


# GET routes left out of the OpenAPI document (pages, API docs): None when they show no records.
NOT_IN_SCHEMA: dict[str, Callable[[Probe], None] | None] = {
    OPENAPI: None,  # the document itself
    f"{API}/docs": None,  # Swagger UI
    "/": None,  # a redirect
    "/masuk": None,  # the login form
    "/beranda": check_home,
    "/laporan": check_report_list_page,
    "/laporan/{report_id}": check_report_detail_page,
    "/laporan/baru": check_report_form_page,
    "/laporan/antrean": check_verification_queue_page,
    "/laporan/tinjau": check_review_queue_page,
    "/laporan/tinjau/{inbound_id}": check_review_detail_page,
    "/peringatan": check_alert_list_page,
    "/peringatan/metrik": check_alert_metrics_page,
    "/peringatan/{alert_id}": check_alert_detail_page,
    "/notifikasi": check_notifications_page,
    "/peta": check_map_page,
    "/situasi": check_sitrep_pages,
    "/situasi.pdf": None,  # fetched by the /situasi check
    "/ringkasan": check_overview_page,
    "/wilayah/{code}": check_region_page,
    "/tps/{tps_id}": check_tps_page,
    "/odk/formList": check_odk_form_and_villages,
    "/odk/forms/{form_id}/form.xml": None,  # the form: no records (fetched by the formList check)
    "/odk/forms/{form_id}/manifest": None,  # lists desa.csv (fetched by the formList check)
    "/odk/forms/{form_id}/media/{filename}": None,  # desa.csv: checked with the formList
    "/odk/submission": None,  # HEAD/GET: 204 and the accepted size
    "/odk/{rest:path}": None,  # OpenRosa-shaped 404/405 for anything else under /odk
}


def get_endpoints(client: TestClient) -> list[str]:
    """Every GET path: the OpenAPI document's, then routes hidden from it."""
    spec = client.get(OPENAPI).json()
    listed = sorted(path for path, operations in spec["paths"].items() if "get" in operations)
    return [*listed, *sorted(_hidden_routes(client))]


def _hidden_routes(client: TestClient) -> set[str]:
    """GET routes of the app that the OpenAPI document leaves out (included routers walked too)."""
    return {
        route.path
        for route in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
        if route.path and "GET" in (route.methods or ()) and not getattr(route, "include_in_schema", True)
    }


def run_matrix(client: TestClient, world: World, caller: Person) -> Probe:
    probe = Probe(client, world, caller)
    for path in get_endpoints(client):
        if path in CHECKS:
            CHECKS[path](probe)
        elif path in NOT_IN_SCHEMA:
            check = NOT_IN_SCHEMA[path]
            if check is not None:
                check(probe)
        else:
            probe.problems.append(f"GET {path} is not in the scope matrix: classify it in CHECKS")
    if caller.key == "field_officer":
        # The pillar's account is in its own area; the matrix would be vacuous if nothing were visible.
        assert {o.name for o in _visible_officers(probe)} >= {"Agus Salim", "Budi Santoso", "Citra Dewi"}
    return probe


def report(probe: Probe) -> str:
    shown = "\n  ".join(probe.problems[:40])
    more = f"\n  ... and {len(probe.problems) - 40} more" if len(probe.problems) > 40 else ""
    return f"{probe.caller.key} ({probe.caller.username}): {len(probe.problems)} problems\n  {shown}{more}"


# --- the tests ------------------------------------------------------------------------------------


def test_every_get_endpoint_is_in_the_matrix(client: Any) -> None:
    test_client: TestClient = client
    spec = test_client.get(OPENAPI).json()
    listed = {path for path, operations in spec["paths"].items() if "get" in operations}
    assert listed - set(CHECKS) == set(), "classify the new GET endpoints in tests/test_scope_matrix.py"
    assert set(CHECKS) - listed == set(), "CHECKS names endpoints the app no longer has"
    hidden = _hidden_routes(test_client)
    assert hidden == set(NOT_IN_SCHEMA), "a GET route hidden from the OpenAPI document escapes the matrix"


@pytest.mark.parametrize("caller", SCOPED, ids=[c.key for c in SCOPED])
def test_scope_matrix(client: Any, world: World, caller: Person) -> None:
    probe = run_matrix(client, world, caller)
    assert not probe.problems, report(probe)


def test_scope_matrix_national_admin_sees_everything(client: Any, world: World) -> None:
    """The positive control: the same checks pass for a national admin, who sees the records that
    are out of scope for the others, and every marker the scoped callers are checked against does
    appear in the national admin's answers (so a leak would be caught)."""
    probe = run_matrix(client, world, NATIONAL)
    assert not probe.problems, report(probe)
    assert {t.id for t in world.tps.values()} == {t.id for t in _visible_tps(probe)}
    assert len(_visible_officers(probe)) == len(world.officers)
    text = "\n".join(probe.texts).lower()
    for caller in SCOPED:
        markers = set(forbidden_markers(world, caller)) - {OTHERS_TOKEN}
        unseen = sorted(m for m in markers if not marker_pattern(m).search(text))
        assert unseen == [], f"markers checked for {caller.key} that no answer ever contains: {unseen}"
    assert not marker_pattern(OTHERS_TOKEN).search(text), "another user's token was listed"


# --- leaks found by the matrix, kept visible until they are fixed or declared intended ------------


def _get(client: TestClient, account: Account, url: str) -> Any:
    response = client.get(url, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_unit_parent_id_does_not_reveal_an_out_of_scope_parent(client: Any, world: World) -> None:
    analyst = world.accounts["analis.samarinda"]
    polres, polda = world.unit("polres-64.72"), world.unit("polda-64")
    detail = _get(client, analyst, f"{API}/units/{polres.id}")
    assert detail["parent"] is None  # the parent record itself is hidden
    listed = _get(client, analyst, f"{API}/units?{ALL}")["items"]
    parent_ids = {detail["parent_id"], *(u["parent_id"] for u in listed if u["id"] == polres.id)}
    assert polda.id not in parent_ids


def test_a_unit_spanning_two_cities_shows_only_the_areas_in_scope(
    client: Any, world: World, db: Database
) -> None:
    with db.session() as session:
        create_units(
            session,
            [UnitSpec("korem-091", "Korem 091/ASN", "tni_ad", "korem", None, [SAMARINDA, BALIKPAPAN])],
        )
    analyst = world.accounts["analis.samarinda"]
    korem = next(
        u for u in _get(client, analyst, f"{API}/units?kind=korem")["items"] if u["code"] == "korem-091"
    )
    assert _get(client, analyst, f"{API}/units/{korem['id']}")["code"] == "korem-091"  # visible: by design
    assert korem["areas"] == [SAMARINDA]


def test_an_officer_serving_two_villages_shows_only_the_villages_in_scope(
    client: Any, world: World, db: Database
) -> None:
    with db.session() as session:
        row = "Lukman Hakim|Brigpol|93051012||0812-7201-0012|polsek-64.72.01|bhabinkamtibmas|"
        create_officers(session, [officer_spec(f"{row}{FO_VILLAGE};{NEXT_VILLAGE}")])
    pillar = world.accounts["bhabin.rawamakmur"]
    found = _get(client, pillar, f"{API}/officers?q=Lukman")["items"]
    assert [o["name"] for o in found] == ["Lukman Hakim"]  # visible through the field officer's village
    assert found[0]["villages"] == [FO_VILLAGE]
