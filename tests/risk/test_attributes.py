"""Importing attributes of TPS and regions from a spreadsheet: all or nothing, with reasons."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tigapilar.core.errors import ImportRejected
from tigapilar.risk.attributes import AttributeRegistry, import_attributes_csv, load_attribute_registry
from tigapilar.storage.db import Database
from tigapilar.storage.models import RegionAttribute, TpsAttribute
from tigapilar.tps.registry import add_tps_rows

REGISTRY = """
[[attribute]]
code = "sulit_dijangkau"
label = "Sulit dijangkau"
label_en = "Hard to reach"
level = "tps"
kind = "flag"

[[attribute]]
code = "dpt_tms"
label = "Pemilih TMS di DPT"
label_en = "Ineligible voters on the DPT"
level = "tps"
kind = "count"

[[attribute]]
code = "jarak_km"
label = "Jarak ke kecamatan"
label_en = "Distance to the kecamatan"
level = "desa"
kind = "value"
"""


@pytest.fixture
def registry(tmp_path: Path) -> AttributeRegistry:
    (tmp_path / "attributes.toml").write_text(REGISTRY, encoding="utf-8")
    return load_attribute_registry(tmp_path)


@pytest.fixture
def with_tps(regions: Database) -> Database:
    with regions.session() as session:
        add_tps_rows(
            session, [{"election": "pilkada-2024", "desa_code": "64.71.01.1001", "number": n} for n in (1, 2)]
        )
    return regions


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "atribut.csv"
    path.write_text(text, encoding="utf-8")
    return path


def stored(db: Database) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    with db.session() as session:
        tps = {
            (uid, a): v
            for uid, a, v in session.execute(
                select(TpsAttribute.tps_id, TpsAttribute.attribute, TpsAttribute.value)
            )
        }
        regions = {
            (c, a): v
            for c, a, v in session.execute(
                select(RegionAttribute.region_code, RegionAttribute.attribute, RegionAttribute.value)
            )
        }
    return {(str(k[0]), k[1]): v for k, v in tps.items()}, regions


def test_tps_and_regions_in_one_file_and_empty_cells_leave_values(
    with_tps: Database, registry: AttributeRegistry, tmp_path: Path
) -> None:
    source = write(
        tmp_path,
        "kode;sulit_dijangkau;dpt_tms;jarak_km\n64.71.01.1001-1;1;12;\n64.71.01.1001-002;0;;\n64.71.01.1002;;;12,5\n",
    )
    with with_tps.session() as session:
        result = import_attributes_csv(session, source, "pilkada-2024", registry)
    assert (result.rows, result.inserted) == (3, 4)
    tps, regions = stored(with_tps)
    assert sorted(tps.values()) == [0.0, 1.0, 12.0]
    assert regions == {("64.71.01.1002", "jarak_km"): 12.5}
    # A second file with only one column changes only that value.
    with with_tps.session() as session:
        import_attributes_csv(
            session, write(tmp_path, "kode,dpt_tms\n64.71.01.1001-001,3\n"), "pilkada-2024", registry
        )
    tps, _ = stored(with_tps)
    assert sorted(tps.values()) == [0.0, 1.0, 3.0]


def test_a_wrong_file_saves_nothing_and_says_where(
    with_tps: Database, registry: AttributeRegistry, tmp_path: Path
) -> None:
    source = write(
        tmp_path,
        "kode,sulit_dijangkau,dpt_tms\n64.71.01.1001-001,2,1.5\n64.71.01.1001-009,1,\n64.99.01.1001,1,\n64.71.01.1002,ya,\n",
    )
    with pytest.raises(ImportRejected) as caught, with_tps.session() as session:
        import_attributes_csv(session, source, "pilkada-2024", registry)
    problems = [(e.line, e.column) for e in caught.value.errors]
    assert problems == [
        (2, "sulit_dijangkau"),
        (2, "dpt_tms"),
        (3, "kode"),
        (4, "kode"),
        (5, "sulit_dijangkau"),
    ]
    assert "is not 0 or 1" in str(caught.value.errors[0])
    assert stored(with_tps) == ({}, {})


def test_unknown_columns_are_refused(with_tps: Database, registry: AttributeRegistry, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as caught, with_tps.session() as session:
        import_attributes_csv(
            session, write(tmp_path, "kode,warna\n64.71.01.1001,1\n"), "pilkada-2024", registry
        )
    assert "unknown column" in str(caught.value.errors[0])
