"""Reading TPS within a scope, the per-region summary, and the bulk writer used by the demo."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from support.regions import VILLAGES
from tigapilar.core.errors import Invalid, NotFound
from tigapilar.core.pagination import PageRequest
from tigapilar.core.scope import Scope
from tigapilar.storage.db import Database
from tigapilar.tps.registry import add_tps_rows, get_tps, get_tps_by_uid, list_tps, summarise_tps

ELECTION = "pilkada-2024"


def _random_rows(seed: int, election: str = ELECTION) -> list[dict[str, object]]:
    """A few TPS per village with random voter counts; the tests add these up themselves."""
    rng = random.Random(seed)
    return [
        {
            "election": election,
            "desa_code": desa,
            "number": number,
            "dpt_male": rng.randint(0, 300),
            "dpt_female": rng.randint(0, 300),
            "kind": rng.choice(["reguler", "reguler", "panti"]),
        }
        for desa in VILLAGES
        for number in range(1, rng.randint(2, 6))
    ]


@pytest.fixture
def tps_rows(regions: Database) -> list[dict[str, object]]:
    rows = _random_rows(seed=7)
    with regions.session() as session:
        assert add_tps_rows(session, rows) == len(rows)
    return rows


def test_add_tps_rows_derives_uid_and_defaults(regions: Database) -> None:
    with regions.session() as session:
        add_tps_rows(session, [{"election": ELECTION, "desa_code": "64.72.02.1001", "number": 12}])
    with regions.session() as session:
        tps = get_tps_by_uid(session, Scope.everything(), ELECTION, "64.72.02.1001-012")
        assert (tps.kind, tps.dpt, tps.address) == ("reguler", 0, None)
        # Running the demo generator twice must not duplicate TPS.
        add_tps_rows(
            session, [{"election": ELECTION, "desa_code": "64.72.02.1001", "number": 12, "dpt_male": 9}]
        )
    with regions.session() as session:
        page = list_tps(session, Scope.everything())
        assert page.total == 1 and page.items[0].dpt_male == 9


def test_lists_are_ordered_and_paginated(regions: Database, tps_rows: list[dict[str, object]]) -> None:
    expected = sorted((str(r["desa_code"]), int(str(r["number"]))) for r in tps_rows)
    seen: list[tuple[str, int]] = []
    with regions.session() as session:
        for offset in range(0, len(expected), 4):
            page = list_tps(session, Scope.everything(), page=PageRequest(limit=4, offset=offset))
            assert page.total == len(expected)
            seen += [(t.desa_code, t.number) for t in page.items]
    assert seen == expected


def test_filters_by_area_at_any_level_and_by_kind(
    regions: Database, tps_rows: list[dict[str, object]]
) -> None:
    with regions.session() as session:
        for area in ("64.71", "64.71.01", "64.72.01.1002"):
            page = list_tps(session, Scope.everything(), area=area, page=PageRequest(limit=1000))
            assert {t.uid for t in page.items} == {
                f"{r['desa_code']}-{int(str(r['number'])):03d}"
                for r in tps_rows
                if str(r["desa_code"]).startswith(area)
            }
        panti = list_tps(session, Scope.everything(), kind="panti", page=PageRequest(limit=1000))
        assert panti.total == sum(1 for r in tps_rows if r["kind"] == "panti")
        with pytest.raises(Invalid) as caught:
            list_tps(session, Scope.everything(), kind="kapal")
        assert caught.value.code == "tps.unknown_kind"
        with pytest.raises(Invalid) as caught:
            list_tps(session, Scope.everything(), area="6471")
        assert caught.value.code == "region.invalid_code"


def test_scope_hides_other_cities(regions: Database, tps_rows: list[dict[str, object]]) -> None:
    samarinda = Scope.of(["64.72"])
    with regions.session() as session:
        everything = list_tps(session, Scope.everything(), page=PageRequest(limit=1000)).items
        visible = list_tps(session, samarinda, page=PageRequest(limit=1000))
        assert visible.total == sum(1 for r in tps_rows if str(r["desa_code"]).startswith("64.72."))
        assert all(t.desa_code.startswith("64.72.") for t in visible.items)
        # Asking for the other city's area gives nothing rather than leaking it.
        assert list_tps(session, samarinda, area="64.71").total == 0
        balikpapan = next(t for t in everything if t.desa_code.startswith("64.71.01."))
        with pytest.raises(NotFound):
            get_tps(session, samarinda, balikpapan.id)
        with pytest.raises(NotFound):
            get_tps_by_uid(session, samarinda, ELECTION, balikpapan.uid)
        assert get_tps(session, Scope.of(["64.71.01"]), balikpapan.id).uid == balikpapan.uid


def _expected(
    rows: list[dict[str, object]], prefix_length: int, area: str
) -> dict[str, tuple[int, int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        code = str(row["desa_code"])
        if code.startswith(area):
            key = code[:prefix_length]
            totals[key][0] += 1
            totals[key][1] += int(str(row["dpt_male"]))
            totals[key][2] += int(str(row["dpt_female"]))
    return {k: (v[0], v[1], v[2]) for k, v in totals.items()}


@pytest.mark.parametrize(("area", "prefix_length"), [("64", 5), ("64.71", 8), ("64.72.01", 13)])
def test_summary_adds_up_per_child_region(
    regions: Database, tps_rows: list[dict[str, object]], area: str, prefix_length: int
) -> None:
    with regions.session() as session:
        summary = summarise_tps(session, Scope.everything(), area=area)
    got = {r.code: (r.tps, r.dpt_male, r.dpt_female) for r in summary.rows if r.tps}
    expected = _expected(tps_rows, prefix_length, area + ".")
    assert got == expected
    assert summary.total.tps == sum(v[0] for v in expected.values())
    assert summary.total.dpt == sum(v[1] + v[2] for v in expected.values())
    assert summary.election == ELECTION
    assert all(r.name for r in summary.rows)
    assert all(r.dpt == r.dpt_male + r.dpt_female for r in summary.rows)


def test_summary_lists_empty_children_and_respects_scope(regions: Database) -> None:
    with regions.session() as session:
        add_tps_rows(
            session, [{"election": ELECTION, "desa_code": "64.72.01.1001", "number": 1, "dpt_male": 5}]
        )
    with regions.session() as session:
        national = summarise_tps(session, Scope.everything(), area="64")
        assert [(r.code, r.tps) for r in national.rows] == [("64.71", 0), ("64.72", 1)]
        scoped = summarise_tps(session, Scope.of(["64.72.02"]), area="64.72")
        assert [(r.code, r.tps) for r in scoped.rows] == [("64.72.02", 0)]
        with pytest.raises(NotFound):
            summarise_tps(session, Scope.of(["64.72"]), area="64.71")
        with pytest.raises(Invalid) as caught:
            summarise_tps(session, Scope.everything(), area="64.72.01.1001")
        assert caught.value.code == "tps.summary_bad_area"


def test_summary_refuses_to_add_up_two_elections(
    regions: Database, tps_rows: list[dict[str, object]]
) -> None:
    with regions.session() as session:
        add_tps_rows(session, _random_rows(seed=8, election="pemilu-2024"))
    with regions.session() as session:
        with pytest.raises(Invalid) as caught:
            summarise_tps(session, Scope.everything(), area="64")
        assert caught.value.code == "tps.election_required"
        one = summarise_tps(session, Scope.everything(), area="64", election=ELECTION)
    assert one.total.tps == len(tps_rows)
