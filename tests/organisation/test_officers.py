"""Officers: CSV import and re-import, identity rules, scope, personal data and village pillars."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from organisation.support import CITY, OFFICER_HEADER, OFFICER_ROWS, import_organisation
from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Role
from tigapilar.core.errors import ImportRejected, Invalid, NotFound
from tigapilar.core.pagination import PageRequest
from tigapilar.core.scope import Scope
from tigapilar.organisation.csv_import import import_officers_csv
from tigapilar.organisation.officers import (
    OfficerSpec,
    create_officer,
    create_officers,
    get_officer,
    list_officers,
    village_pillars,
)
from tigapilar.storage.db import Database
from tigapilar.storage.models import Officer
from tps.support import write_csv

ALL = PageRequest(limit=1000)


def _principal(role: Role, *areas: str) -> Principal:
    scope = Scope.of(areas) if areas else Scope.everything()
    return Principal(user_id=1, username="t", role=role, scope=scope)


NATIONAL = _principal(Role.ADMIN)


@pytest.fixture
def organisation(regions: Database, tmp_path: Path) -> Database:
    import_organisation(regions, tmp_path)
    return regions


def _by_name(db: Database) -> dict[str, Officer]:
    with db.session() as session:
        return {o.name: o for o in session.scalars(select(Officer))}


def test_import_normalises_phones_and_links_units_and_villages(organisation: Database) -> None:
    stored = _by_name(organisation)
    assert set(stored) == set(CITY)
    assert stored["Agus Salim"].phone == "+6281234567890"
    assert stored["Budi Santoso"].phone == "+6281311112222"
    assert stored["Citra Dewi"].pillar == "kades_lurah"  # the label in the file became the code
    assert stored["Eko Wibowo"].phone is None and stored["Eko Wibowo"].pillar is None
    with organisation.session() as session:
        agus = get_officer(session, NATIONAL, stored["Agus Salim"].id)
    assert agus.villages == ["64.72.01.1001", "64.72.01.1002"]
    assert agus.unit is not None and agus.unit.code == "polsek-64.72.01"
    assert (agus.nrp, agus.rank, agus.pillar_label) == ("85071234", "Bripka", "Bhabinkamtibmas")


def test_reimport_updates_the_same_officers(organisation: Database, tmp_path: Path) -> None:
    before = {name: o.id for name, o in _by_name(organisation).items()}
    changed = [
        # Same NRP, new phone and an extra village.
        "Agus Salim,Aipda,85071234,,0813-9999-0000,polsek-64.72.01,bhabinkamtibmas,"
        "64.72.01.1001;64.72.02.1001",
        # No NRP/NIP: found by phone, and gets an NRP.
        "Citra Dewi,,,,+6285222223333,kel-64.72.01.1001,kades_lurah,64.72.01.1001",
    ]
    with organisation.session() as session:
        result = import_officers_csv(session, write_csv(tmp_path / "again.csv", OFFICER_HEADER, changed))
    assert (result.inserted, result.updated) == (0, 2)
    after = _by_name(organisation)
    assert {name: o.id for name, o in after.items()} == before
    assert (after["Agus Salim"].rank, after["Agus Salim"].phone) == ("Aipda", "+6281399990000")
    with organisation.session() as session:
        assert get_officer(session, NATIONAL, before["Agus Salim"]).villages == [
            "64.72.01.1001",
            "64.72.02.1001",
        ]
        # Importing the original file again changes nothing in number.
        import_officers_csv(session, write_csv(tmp_path / "orig.csv", OFFICER_HEADER, OFFICER_ROWS))
        assert session.scalar(select(func.count()).select_from(Officer)) == len(OFFICER_ROWS)


BAD_OFFICERS = [
    "Fajar,Bripda,90010001,,0812-1111-0001,polsek-64.72.01,bhabinkamtibmas,64.72.01.1001",  # 2: fine
    "Gita,,,,12345,,,",  # 3: not a phone number
    "Hadi,Serda,90010002,,,kodim-9999,babinsa,64.72.01.1001",  # 4: unknown unit
    "Indah,,,197001012000032009,,kel-64.72.01.1001,kades_lurah,64.72.01.1001;64.72.01.1002",  # 5
    "Joko,Bripka,90010003,,,koramil-0901-01,bhabinkamtibmas,64.72.01.1001",  # 6: army unit
    "Kiki,Bripka,90010004,,,polsek-64.72.01,bhabinkamtibmas,64.72.01.1999",  # 7: unknown village
    "Lina,Briptu,90010001,,,polsek-64.72.01,bhabinkamtibmas,64.72.01.1001",  # 8: NRP of line 2
    "Maman,,,,,,,",  # 9: nothing to find them by again
    "Nina,Bripka,90010005,,,polsek-64.72.01,bhabinkamtibmas,",  # 10: pillar without village
    "Oki,Bripka,90010006,,,polsek-64.72.01,satpam,64.72.01",  # 11: unknown pillar, kecamatan code
    "Putri,,,1970,,,,",  # 12: NIP too short
]


def test_bad_file_saves_nothing_and_names_every_problem(organisation: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as caught, organisation.session() as session:
        import_officers_csv(session, write_csv(tmp_path / "bad.csv", OFFICER_HEADER, BAD_OFFICERS))
    where = {(e.line, e.column) for e in caught.value.errors}
    assert where == {
        (3, "phone"),
        (4, "unit_code"),
        (5, "villages"),
        (6, "unit_code"),
        (7, "villages"),
        (8, "nrp"),
        (9, "nrp"),
        (10, "villages"),
        (11, "pillar"),
        (11, "villages"),
        (12, "nip"),
    }
    reasons = {(e.line, e.column): e.reason for e in caught.value.errors}
    assert "line 2" in reasons[(8, "nrp")]
    assert "exactly one village" in reasons[(5, "villages")]
    assert "tni_ad" in reasons[(6, "unit_code")]
    assert len(_by_name(organisation)) == len(OFFICER_ROWS)


def test_identity_clashes_with_saved_officers_are_refused(organisation: Database, tmp_path: Path) -> None:
    # Agus's NRP with Budi's phone: updating Agus would steal Budi's number.
    clash = ["Agus Salim,Bripka,85071234,,+6281311112222,polsek-64.72.01,,"]
    with pytest.raises(ImportRejected) as caught, organisation.session() as session:
        import_officers_csv(session, write_csv(tmp_path / "clash.csv", OFFICER_HEADER, clash))
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, "phone")]
    # Found by phone, but naming another NRP than the one saved: a mix-up, not an update.
    mixup = ["Dodi Pratama,Aipda,11112222,,0811-4444-5555,polres-64.71,,"]
    with pytest.raises(ImportRejected) as caught, organisation.session() as session:
        import_officers_csv(session, write_csv(tmp_path / "mixup.csv", OFFICER_HEADER, mixup))
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, "nrp")]


def test_create_officers_for_the_demo(organisation: Database) -> None:
    specs = [
        OfficerSpec(
            f"Bhabin {n}",
            "Bripka",
            f"9100{n:04d}",
            None,
            f"0812-7000-{n:04d}",
            "polres-64.71",
            "bhabinkamtibmas",
            ["64.71.02.1001"],
        )
        for n in range(1, 51)
    ]
    with organisation.session() as session:
        created = create_officers(session, specs)
        assert len(created) == 50 and created[0].phone == "+6281270000001"
    with organisation.session() as session:
        page = list_officers(session, NATIONAL, village="64.71.02.1001", page=ALL)
        assert page.total == 50
        with pytest.raises(Invalid) as caught:
            create_officer(session, "Agus Lagi", nrp="85071234")
    assert caught.value.code == "officer.invalid"
    assert caught.value.details[0]["field"] == "nrp"


def test_scope_decides_which_officers_are_visible(organisation: Database) -> None:
    ids = {name: o.id for name, o in _by_name(organisation).items()}
    samarinda = _principal(Role.ANALYST, "64.72")
    with organisation.session() as session:
        visible = {o.name for o in list_officers(session, samarinda, page=ALL).items}
        assert visible == {name for name, city in CITY.items() if city == "64.72"}
        for name, city in CITY.items():
            if city == "64.72":
                assert get_officer(session, samarinda, ids[name]).name == name
            else:
                with pytest.raises(NotFound):
                    get_officer(session, samarinda, ids[name])
        # Eko (no village) is visible above through his Polres (area 64.72); a Palaran scope sees
        # the officers serving its villages, but not a Polres responsible for the whole city.
        palaran = _principal(Role.ANALYST, "64.72.01")
        assert {o.name for o in list_officers(session, palaran, page=ALL).items} == {
            "Agus Salim",
            "Budi Santoso",
            "Citra Dewi",
        }
        with pytest.raises(NotFound):
            get_officer(session, palaran, ids["Eko Wibowo"])


def test_personal_data_only_with_permission(organisation: Database) -> None:
    agus = _by_name(organisation)["Agus Salim"].id
    with organisation.session() as session:
        for role, shown in [(Role.PARTNER, False), (Role.FIELD_OFFICER, False), (Role.COMMANDER, True)]:
            officer = get_officer(session, _principal(role, "64.72"), agus)
            assert (officer.phone is not None, officer.nrp is not None) == (shown, shown)
            listed = list_officers(session, _principal(role, "64.72"), q="agus").items
            assert [o.phone for o in listed] == (["+6281234567890"] if shown else [None])


def test_list_filters(organisation: Database) -> None:
    with organisation.session() as session:

        def names(**filters: Any) -> list[str]:
            return [o.name for o in list_officers(session, NATIONAL, page=ALL, **filters).items]

        assert names(pillar="babinsa") == ["Budi Santoso"]
        assert names(village="64.72.01.1002") == ["Agus Salim"]
        assert names(area="64.71") == ["Dodi Pratama"]
        assert names(q="DEWI") == ["Citra Dewi"]
        assert names(q="%") == []
        with pytest.raises(Invalid):
            names(pillar="satpam")


def test_the_three_pillars_of_a_village(organisation: Database) -> None:
    with organisation.session() as session:
        pillars = village_pillars(session, NATIONAL, "64.72.01.1001")
        assert pillars.desa_name == "Rawa Makmur"
        assert {p: [o.name for o in people] for p, people in pillars.pillars.items()} == {
            "bhabinkamtibmas": ["Agus Salim"],
            "babinsa": ["Budi Santoso"],
            "kades_lurah": ["Citra Dewi"],
        }
        assert village_pillars(session, NATIONAL, "64.72.01.1002").pillars["babinsa"] == []
        with pytest.raises(NotFound):
            village_pillars(session, _principal(Role.ANALYST, "64.71"), "64.72.01.1001")
        with pytest.raises(Invalid):
            village_pillars(session, NATIONAL, "64.72.01")
