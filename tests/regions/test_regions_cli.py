"""`tigapilar import regions|boundaries` and `tigapilar regions ...` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from regions.support import count_regions, feature, feature_collection, region, square_geojson, write
from tigapilar.cli.main import cli
from tigapilar.storage.db import Database


def run(db: Database, *args: str) -> Result:
    runner = CliRunner(env={"TIGAPILAR_DATABASE_URL": db.url})
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_import_regions_loads_a_province_from_the_catalog(db: Database) -> None:
    result = run(db, "import", "regions", "--province", "64")
    assert result.exit_code == 0, result.output
    assert "1,154 regions" in result.output
    assert count_regions(db) == 1154
    again = run(db, "import", "regions", "--province", "64")
    assert again.exit_code == 0 and count_regions(db) == 1154


def test_import_regions_needs_to_be_told_what(db: Database) -> None:
    result = run(db, "import", "regions")
    assert result.exit_code == 2
    assert "--province" in result.output and "--all" in result.output
    both = run(db, "import", "regions", "--all", "--province", "64")
    assert both.exit_code == 2
    assert count_regions(db) == 0


def test_bps_province_code_is_explained(db: Database) -> None:
    result = run(db, "import", "regions", "--province", "6472")
    assert result.exit_code == 1
    assert "BPS" in result.output
    assert count_regions(db) == 0


def test_import_files_reports_counts_and_filters_provinces(db: Database, tmp_path: Path) -> None:
    dump = write(
        tmp_path,
        "wilayah.sql",
        "INSERT INTO wilayah (kode, nama) VALUES ('64','Kalimantan Timur'),('64.72','Kota Samarinda'),"
        "('65','Kalimantan Utara');",
    )
    result = run(db, "import", "regions", "--province", "64", str(dump))
    assert result.exit_code == 0, result.output
    assert "2 added (provinsi 1, kab/kota 1)" in result.output
    assert "1 row(s) skipped: outside the chosen provinces" in result.output
    assert region(db, "65") is None


def test_a_bad_file_prints_each_problem_and_saves_nothing(db: Database, tmp_path: Path) -> None:
    good = write(tmp_path, "good.sql", "INSERT INTO wilayah (kode, nama) VALUES ('64','Kalimantan Timur');")
    bad = write(
        tmp_path, "bad.csv", "code,name\n64.72,Kota Samarinda\n6471,Kota Balikpapan\n64.99.01,Nowhere\n"
    )
    result = run(db, "import", "regions", str(good), str(bad))
    assert result.exit_code == 1
    assert "2 problem(s) found; nothing was imported" in result.output
    assert "line 3, column code: '6471' looks like a BPS code" in result.output
    assert "line 4, column code: 64.99.01 cannot be added" in result.output
    assert count_regions(db) == 0  # the good file was in the same transaction


def test_import_boundaries_takes_geojson_but_not_name_lists(db: Database, tmp_path: Path) -> None:
    assert run(db, "import", "regions", "--province", "64").exit_code == 0
    shapes = write(
        tmp_path,
        "kec.geojson",
        feature_collection(feature({"kode": "64.72.01"}, square_geojson(-0.62, 117.18))),
    )
    result = run(db, "import", "boundaries", str(shapes))
    assert result.exit_code == 0, result.output
    assert "1 updated (kecamatan 1)" in result.output
    names = write(
        tmp_path, "wilayah.sql", "INSERT INTO wilayah (kode, nama) VALUES ('64','Kalimantan Timur');"
    )
    refused = run(db, "import", "boundaries", str(names))
    assert refused.exit_code == 1
    assert "wilayah_boundaries SQL dump" in refused.output


def test_show_children_search_and_stats(db: Database, tmp_path: Path) -> None:
    assert run(db, "import", "regions", "--province", "64").exit_code == 0
    shapes = feature_collection(feature({"code": "64.72"}, square_geojson(-0.5, 117.15, 0.2)))
    assert run(db, "import", "boundaries", str(write(tmp_path, "k.geojson", shapes))).exit_code == 0

    show = run(db, "regions", "show", "64.72", "--geometry")
    assert show.exit_code == 0, show.output
    assert "64.72  Kota Samarinda  (kota)" in show.output
    assert "in: Kalimantan Timur (64)" in show.output
    assert "polygon: yes" in show.output
    assert json.loads(show.output.strip().splitlines()[-1])["type"] == "Polygon"

    children = run(db, "regions", "children", "64", "--limit", "3")
    assert children.exit_code == 0
    assert "64.01" in children.output and "64.74" not in children.output
    assert "7 more (of 10)" in children.output

    search = run(db, "regions", "search", "Kab. Kutai", "--level", "2")
    assert search.exit_code == 0
    assert all(name in search.output for name in ("Kutai Barat", "Kutai Kartanegara", "Kutai Timur"))
    assert "Samarinda" not in search.output

    stats = run(db, "regions", "stats")
    assert stats.exit_code == 0
    assert "1,038" in stats.output


@pytest.mark.parametrize(("code", "words"), [("6472", "BPS"), ("64.99", "was not found")])
def test_show_explains_bad_or_unknown_codes(db: Database, code: str, words: str) -> None:
    result = run(db, "regions", "show", code)
    assert result.exit_code == 1
    assert words in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["regions"],
        ["regions", "show"],
        ["regions", "children"],
        ["regions", "search"],
        ["regions", "stats"],
        ["import", "regions"],
        ["import", "boundaries"],
    ],
)
def test_every_command_explains_itself(db: Database, command: list[str]) -> None:
    result = run(db, *command, "--help")
    assert result.exit_code == 0
    assert len(result.output.split("\n\n")[1].strip()) > 20  # a sentence, not just the usage line
