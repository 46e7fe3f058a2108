"""Importing TPS from CSV: happy path, re-import, and files that must be refused as a whole."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tigapilar.core.errors import ImportRejected, Invalid
from tigapilar.storage.db import Database
from tigapilar.storage.models import Tps
from tigapilar.tps import csv_import
from tigapilar.tps.csv_import import import_tps_csv
from tps.support import write_csv

HEADER = "desa_code,number,address,lat,lng,dpt_male,dpt_female,kind,notes"
GOOD_ROWS = [
    "64.71.01.1001,1,Jl. Mulawarman RT 01,-1.2312,116.9601,110,121,reguler,",
    "64.71.01.1001,2,SD Negeri 012,-1.2320,116.9610,98,105,,dekat pasar",
    "64.71.01.1002,1,Rutan Balikpapan,,,40,0,lapas_rutan,",
    '64.72.01.1001,1,"Jl. Trikora, Gg. 3",-0.5801,117.1901,150,149,Lokasi relokasi,',
]


def _all(db: Database) -> dict[str, Tps]:
    with db.session() as session:
        return {t.uid: t for t in session.scalars(select(Tps))}


def _count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Tps)) or 0


def test_import_saves_every_row(regions: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tps.csv", HEADER, GOOD_ROWS)
    with regions.session() as session:
        result = import_tps_csv(session, path, "pilkada-2024")
    assert (result.rows, result.inserted, result.updated) == (4, 4, 0)

    stored = _all(regions)
    assert set(stored) == {
        "64.71.01.1001-001",
        "64.71.01.1001-002",
        "64.71.01.1002-001",
        "64.72.01.1001-001",
    }
    first = stored["64.71.01.1001-001"]
    assert (first.election, first.desa_code, first.number) == ("pilkada-2024", "64.71.01.1001", 1)
    assert (first.dpt_male, first.dpt_female, first.lat, first.lng) == (110, 121, -1.2312, 116.9601)
    assert stored["64.71.01.1001-002"].kind == "reguler"  # empty kind: the default
    assert stored["64.71.01.1001-002"].notes == "dekat pasar"
    assert stored["64.71.01.1002-001"].lat is None and stored["64.71.01.1002-001"].kind == "lapas_rutan"
    assert stored["64.72.01.1001-001"].kind == "relokasi"  # the Indonesian label is accepted
    assert stored["64.72.01.1001-001"].address == "Jl. Trikora, Gg. 3"


def test_indonesian_headers_semicolons_and_decimal_commas(regions: Database) -> None:
    # What Excel in an Indonesian locale writes: ';' between cells, ',' as the decimal mark, a BOM.
    text = (
        "\ufeffNo TPS;Kode Desa;Alamat;DPT L;dpt-p;jenis;keterangan;lat;lng\n"
        "7;64.72.01.1002;Balai;5;6;panti;;-0,61;117,2\n"
    )
    with regions.session() as session:
        result = import_tps_csv(session, io.BytesIO(text.encode("utf-8")), "pemilu-2024")
    assert result.inserted == 1
    tps = _all(regions)["64.72.01.1002-007"]
    assert (tps.dpt_male, tps.dpt_female, tps.kind, tps.lat, tps.lng) == (5, 6, "panti", -0.61, 117.2)


def test_reimport_updates_instead_of_duplicating(regions: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tps.csv", HEADER, GOOD_ROWS)
    with regions.session() as session:
        import_tps_csv(session, path, "pilkada-2024")
    with regions.session() as session:
        again = import_tps_csv(session, path, "pilkada-2024")
    assert (again.rows, again.inserted, again.updated) == (4, 0, 4)
    assert _count(regions) == 4

    changed = [GOOD_ROWS[0].replace(",110,121,", ",111,122,"), *GOOD_ROWS[1:]]
    with regions.session() as session:
        import_tps_csv(session, write_csv(tmp_path / "changed.csv", HEADER, changed), "pilkada-2024")
    stored = _all(regions)
    assert len(stored) == 4
    assert (stored["64.71.01.1001-001"].dpt_male, stored["64.71.01.1001-001"].dpt_female) == (111, 122)


def test_columns_missing_from_a_reimport_keep_their_values(regions: Database, tmp_path: Path) -> None:
    with regions.session() as session:
        import_tps_csv(session, write_csv(tmp_path / "full.csv", HEADER, GOOD_ROWS), "pilkada-2024")
    addresses_only = write_csv(
        tmp_path / "addr.csv", "desa_code,number,address", ["64.71.01.1001,1,Jl. Baru"]
    )
    with regions.session() as session:
        import_tps_csv(session, addresses_only, "pilkada-2024")
    tps = _all(regions)["64.71.01.1001-001"]
    assert tps.address == "Jl. Baru"
    assert (tps.dpt_male, tps.dpt_female, tps.lat) == (110, 121, -1.2312)


def test_same_village_and_number_in_another_election_is_another_tps(
    regions: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "tps.csv", HEADER, GOOD_ROWS[:1])
    for election in ("pemilu-2024", "pilkada-2024"):
        with regions.session() as session:
            import_tps_csv(session, path, election)
    assert _count(regions) == 2


BAD_ROWS = [
    "64.71.01.1001,1,ok,,,10,10,,",  # line 2: fine
    "6471011001,2,BPS code,,,1,1,,",  # line 3
    "64.71.01.1999,1,unknown desa,,,1,1,,",  # line 4
    "64.71.01,1,kecamatan code,,,1,1,,",  # line 5
    "64.71.01.1001,0,number zero,,,1,1,,",  # line 6
    "64.71.01.1001,3,negative dpt,,,-4,1,,",  # line 7
    "64.71.01.1001,4,outside Indonesia,-1.2,16.9,1,1,,",  # line 8
    "64.71.01.1001,5,unknown kind,,,1,1,kapal,",  # line 9
    "64.71.01.1001,1,duplicate of line 2,,,1,1,,",  # line 10
    "",  # line 11: blank, skipped but counted as a spreadsheet row
    "64.71.01.1001,6,lat without lng,-1.2,,1,1,,",  # line 12
    "64.71.01.1001,x,number not a number,,,1,1,,",  # line 13
    "64.71.01.1001,7,Python-only number syntax,,,1_000,1,,",  # line 14
]


def test_bad_file_is_refused_whole_with_lines_and_columns(regions: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", HEADER, BAD_ROWS)
    with pytest.raises(ImportRejected) as caught, regions.session() as session:
        import_tps_csv(session, path, "pilkada-2024")
    where = {(e.line, e.column) for e in caught.value.errors}
    assert where == {
        (3, "desa_code"),
        (4, "desa_code"),
        (5, "desa_code"),
        (6, "number"),
        (7, "dpt_male"),
        (8, "lat"),
        (9, "kind"),
        (10, "number"),
        (12, "lng"),
        (13, "number"),
        (14, "dpt_male"),
    }
    reasons = {e.line: e.reason for e in caught.value.errors}
    assert "BPS" in reasons[3]
    assert "not in the region list" in reasons[4]
    assert "kecamatan" in reasons[5]
    assert "outside Indonesia" in reasons[8]
    assert caught.value.total_errors == 11
    assert caught.value.status == 422 and caught.value.code == "import.rejected"
    assert _count(regions) == 0


def test_refused_file_saves_nothing_even_if_the_caller_commits(
    regions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks, so that valid chunks are written before the bad row at the end is read.
    monkeypatch.setattr(csv_import, "CHUNK_SIZE", 2)
    with regions.session() as session:
        import_tps_csv(session, write_csv(tmp_path / "first.csv", HEADER, GOOD_ROWS), "pilkada-2024")
    rows = [f"64.71.02.1001,{n},new,,,{n},{n},," for n in range(1, 8)] + ["64.71.02.1001,1,repeat,,,1,1,,"]
    # The session commits when the block ends: pytest.raises, inside it, swallows the rejection.
    with regions.session() as session, pytest.raises(ImportRejected) as caught:
        import_tps_csv(session, write_csv(tmp_path / "second.csv", HEADER, rows), "pilkada-2024")
    assert [(e.line, e.column) for e in caught.value.errors] == [(9, "number")]
    assert set(_all(regions)) == {r.split(",")[0] + "-" + r.split(",")[1].zfill(3) for r in GOOD_ROWS}


@pytest.mark.parametrize(
    ("header", "column", "reason"),
    [
        ("number,address", "desa_code", "missing"),
        ("desa_code,number,jumlah_pemilih", "jumlah_pemilih", "unknown column"),
        ("desa_code,kode_desa,number", "kode_desa", "same column"),
    ],
)
def test_header_problems_are_reported_on_line_1(
    regions: Database, tmp_path: Path, header: str, column: str, reason: str
) -> None:
    path = write_csv(tmp_path / "h.csv", header, ["64.71.01.1001,1,x"])
    with pytest.raises(ImportRejected) as caught, regions.session() as session:
        import_tps_csv(session, path, "pilkada-2024")
    assert [(e.line, e.column) for e in caught.value.errors] == [(1, column)]
    assert reason in caught.value.errors[0].reason


def test_file_that_is_not_utf8_is_refused(regions: Database) -> None:
    data = "desa_code,number,address\n64.71.01.1001,1,Jl. Pel\xe9\n".encode("latin-1")
    with pytest.raises(ImportRejected) as caught, regions.session() as session:
        import_tps_csv(session, io.BytesIO(data), "pilkada-2024")
    assert "UTF-8" in caught.value.errors[0].reason
    assert _count(regions) == 0


def test_bad_election_key_is_refused(regions: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tps.csv", HEADER, GOOD_ROWS)
    with pytest.raises(Invalid) as caught, regions.session() as session:
        import_tps_csv(session, path, "Pilkada 2024!")
    assert caught.value.code == "tps.bad_election"
