"""Units: CSV import and re-import, the rules every unit must follow, and reading within a scope."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from organisation.support import UNIT_HEADER, UNIT_ROWS
from tigapilar.core.errors import ImportRejected, Invalid, NotFound
from tigapilar.core.pagination import PageRequest
from tigapilar.core.scope import Scope
from tigapilar.organisation.csv_import import import_units_csv
from tigapilar.organisation.units import create_unit, get_unit, list_units
from tigapilar.storage.db import Database
from tigapilar.storage.models import Unit, UnitArea
from tps.support import write_csv

ALL = PageRequest(limit=1000)


def _import(db: Database, path: Path) -> None:
    with db.session() as session:
        import_units_csv(session, path)


def _hierarchy(db: Database) -> dict[str, tuple[str | None, list[str]]]:
    """code -> (parent code, areas), read straight from the tables."""
    with db.session() as session:
        codes = dict(session.execute(select(Unit.id, Unit.code)).all())
        areas: dict[int, list[str]] = {}
        for unit_id, code in session.execute(select(UnitArea.unit_id, UnitArea.region_code)):
            areas.setdefault(unit_id, []).append(code)
        return {
            u.code: (codes.get(u.parent_id) if u.parent_id else None, sorted(areas.get(u.id, [])))
            for u in session.scalars(select(Unit))
        }


def test_import_builds_the_hierarchy_in_any_order(regions: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "units.csv", UNIT_HEADER, UNIT_ROWS)
    with regions.session() as session:
        result = import_units_csv(session, path)
    assert (result.rows, result.inserted, result.updated) == (len(UNIT_ROWS), len(UNIT_ROWS), 0)
    expected = {}
    for row in UNIT_ROWS:
        code, _, _, _, parent, areas = row.split(",")
        expected[code] = (parent or None, sorted(areas.split(";")))
    assert _hierarchy(regions) == expected
    with regions.session() as session:
        polres = get_unit(session, Scope.everything(), "polres-64.72")
    # Labels in the file ("Polri", "Polres", "TNI AD") are stored as codes.
    assert (polres.agency, polres.kind, polres.kind_label) == ("polri", "polres", "Polres")


def test_reimport_updates_by_code(regions: Database, tmp_path: Path) -> None:
    _import(regions, write_csv(tmp_path / "units.csv", UNIT_HEADER, UNIT_ROWS))
    renamed = [
        "polres-64.72,Polresta Samarinda (baru),polri,polres,polda-64,64.72;64.72.01",
        "polda-64,Polda Kalimantan Timur,polri,polda,,64",
    ]
    with regions.session() as session:
        result = import_units_csv(session, write_csv(tmp_path / "again.csv", UNIT_HEADER, renamed))
    assert (result.inserted, result.updated) == (0, 2)
    with regions.session() as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == len(UNIT_ROWS)
        polres = get_unit(session, Scope.everything(), "polres-64.72")
    assert polres.name == "Polresta Samarinda (baru)" and polres.areas == ["64.72", "64.72.01"]


BAD_UNITS = [
    "polda-64,Polda Kalimantan Timur,polri,polda,,64",  # line 2: fine
    "polres-x,Polres X,polri,kodim,polda-64,64.71",  # line 3: kind of another agency
    "polsek-y,Polsek Y,polri,polsek,polres-missing,64.71.01",  # line 4: unknown parent
    "kodim-z,Kodim Z,tni_ad,kodim,polda-64,64.72",  # line 5: parent of another agency
    "polres-b,Polres B,polri,polres,polda-64,6471",  # line 6: BPS code
    "polres-c,Polres C,polri,polres,polda-64,64.79",  # line 7: unknown region
    "polda-64,Polda lagi,polri,polda,,64",  # line 8: same code as line 2
    "loop-a,A,polri,polres,loop-b,64.71",  # line 9: loops with line 10
    "loop-b,B,polri,polres,loop-a,64.72",  # line 10
    ",Tanpa kode,polsri,polres,,",  # line 11: no code, unknown agency, no areas
]


def test_bad_file_saves_nothing_and_names_every_problem(regions: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as caught:
        _import(regions, write_csv(tmp_path / "bad.csv", UNIT_HEADER, BAD_UNITS))
    where = {(e.line, e.column) for e in caught.value.errors}
    assert where == {
        (3, "kind"),
        (4, "parent_code"),
        (5, "parent_code"),
        (6, "areas"),
        (7, "areas"),
        (8, "code"),
        (9, "parent_code"),
        (10, "parent_code"),
        (11, "code"),
        (11, "agency"),
        (11, "areas"),
    }
    reasons = {(e.line, e.column): e.reason for e in caught.value.errors}
    assert "BPS" in reasons[(6, "areas")]
    assert "not in the region list" in reasons[(7, "areas")]
    assert "line 2" in reasons[(8, "code")]
    assert "loop" in reasons[(9, "parent_code")]
    with regions.session() as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 0


def test_create_unit_applies_the_same_rules(regions: Database) -> None:
    with regions.session() as session:
        polda = create_unit(session, "polda-64", "Polda Kaltim", "polri", "polda", None, ["64"])
        assert polda.id is not None
    with regions.session() as session, pytest.raises(Invalid) as caught:
        create_unit(session, "polda-64", "Polda lagi", "polri", "koramil", "kodim-9", ["64.99"])
    fields = {d["field"] for d in caught.value.details}
    assert fields == {"code", "kind", "parent_code", "areas"}
    assert caught.value.code == "unit.invalid"


def test_scope_decides_which_units_are_visible(regions: Database, tmp_path: Path) -> None:
    _import(regions, write_csv(tmp_path / "units.csv", UNIT_HEADER, UNIT_ROWS))
    samarinda = Scope.of(["64.72"])
    with regions.session() as session:
        visible = {u.code for u in list_units(session, samarinda, page=ALL).items}
        assert visible == {
            "polres-64.72",
            "polsek-64.72.01",
            "kodim-0901",
            "koramil-0901-01",
            "kel-64.72.01.1001",
        }
        for code in ("polres-64.71", "kel-64.71.01.1001", "kpu-64.71", "polda-64"):
            with pytest.raises(NotFound):
                get_unit(session, samarinda, code)
        balikpapan_id = get_unit(session, Scope.everything(), "polres-64.71").id
        with pytest.raises(NotFound):
            get_unit(session, samarinda, balikpapan_id)

        # The Polda's sub-units are listed only where the caller may see them.
        polda_children = get_unit(session, Scope.everything(), "polda-64").children
        assert [c.code for c in polda_children] == ["polres-64.71", "polres-64.72"]
        polres = get_unit(session, samarinda, "polres-64.72")
        assert polres.parent is None  # the Polda (area 64) lies outside a Samarinda scope
        assert [c.code for c in polres.children] == ["polsek-64.72.01"]


def test_list_filters(regions: Database, tmp_path: Path) -> None:
    _import(regions, write_csv(tmp_path / "units.csv", UNIT_HEADER, UNIT_ROWS))
    national = Scope.everything()
    with regions.session() as session:
        tni = list_units(session, national, agency="TNI AD", page=ALL)
        assert {u.code for u in tni.items} == {"kodim-0901", "koramil-0901-01"}
        polres = list_units(session, national, kind="polres", page=ALL)
        assert [u.code for u in polres.items] == ["polres-64.71", "polres-64.72"]
        # Units responsible for Palaran: inside it, or for a region containing it.
        palaran = list_units(session, national, area="64.72.01", agency="polri", page=ALL)
        assert [u.code for u in palaran.items] == ["polda-64", "polres-64.72", "polsek-64.72.01"]
        parent_id = get_unit(session, national, "kodim-0901").id
        assert [u.code for u in list_units(session, national, parent_id=parent_id).items] == [
            "koramil-0901-01"
        ]
        with pytest.raises(Invalid):
            list_units(session, national, agency="brimob")
        with pytest.raises(Invalid):
            list_units(session, national, kind="kompi")
