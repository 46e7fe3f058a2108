"""Importing region files: what lands in the database, and that bad files leave nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regions.support import (
    count_regions,
    feature,
    feature_collection,
    region,
    rejected,
    run_import,
    square_geojson,
    square_lat_lng,
    write,
)
from tigapilar.core.errors import ImportRejected
from tigapilar.regions.importers import detect_format, import_file
from tigapilar.storage.db import Database
from tigapilar.storage.models import Region

WILAYAH = """-- Kemendagri codes, a few rows
INSERT INTO wilayah (kode, nama) VALUES
('64','Kalimantan Timur'),
('64.72','Kota Samarinda'),
('64.72.01','Palaran'),
('64.72.01.1001','Rawa Makmur'),
('64.03','Kabupaten Berau'),
('64.03.07','Long Apari'),
('64.03.07.2001','Long La''ai');
"""


def boundary_row(code: str, name: str, lat: float, lng: float, path: object) -> str:
    return f"('{code}','{name}',{lat},{lng},'{json.dumps(path)}')"


def boundaries_dump(*rows: str) -> str:
    return (
        "DELETE FROM wilayah_boundaries WHERE kode LIKE '64.%';\n"
        "INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES\n" + ",\n".join(rows) + ";\n"
    )


# --- wilayah.sql -------------------------------------------------------------------------------


def test_wilayah_dump_creates_the_tree(db: Database, tmp_path: Path) -> None:
    result = run_import(db, write(tmp_path, "wilayah.sql", WILAYAH))
    assert result.kind == "regions"
    assert result.inserted == {1: 1, 2: 2, 3: 2, 4: 2}
    assert result.updated == {}
    village = region(db, "64.03.07.2001")
    assert village is not None
    assert (village.name, village.kind, village.parent_code, village.level) == (
        "Long La'ai",
        "desa",
        "64.03.07",
        4,
    )
    samarinda = region(db, "64.72")
    assert samarinda is not None and (samarinda.kind, samarinda.name_key) == ("kota", "samarinda")


def test_importing_again_updates_names_without_duplicates(db: Database, tmp_path: Path) -> None:
    run_import(db, write(tmp_path, "wilayah.sql", WILAYAH))
    renamed = WILAYAH.replace("'Palaran'", "'Palaran Baru'")
    result = run_import(db, write(tmp_path, "again.sql", renamed))
    assert result.inserted == {}
    assert result.updated == {1: 1, 2: 2, 3: 2, 4: 2}
    assert count_regions(db) == 7
    palaran = region(db, "64.72.01")
    assert palaran is not None and (palaran.name, palaran.name_key) == ("Palaran Baru", "palaran baru")


def test_province_filter_skips_other_provinces(db: Database, tmp_path: Path) -> None:
    text = (
        WILAYAH
        + "INSERT INTO wilayah (kode, nama) VALUES ('65','Kalimantan Utara'),('65.01','Kabupaten Malinau');"
    )
    result = run_import(db, write(tmp_path, "wilayah.sql", text), provinces=["64"])
    assert result.skipped == 2
    assert result.skipped_reasons == {"outside the chosen provinces": 2}
    assert region(db, "65") is None
    assert count_regions(db) == 7


# --- wilayah_luas.sql and wilayah_penduduk.sql -------------------------------------------------


def test_area_file_fills_loaded_regions_repairs_lost_zeros_and_skips_the_rest(
    db: Database, tmp_path: Path
) -> None:
    names = (
        "INSERT INTO wilayah (kode, nama) VALUES ('11','Aceh'),"
        "('11.10','Kabupaten Aceh Singkil'),('11.01','Kabupaten Aceh Selatan');"
    )
    run_import(db, write(tmp_path, "wilayah.sql", names))
    luas = """INSERT INTO wilayah_luas(kode,nama,luas) VALUES
('11','Aceh',56835.019),
('11.01','Kabupaten Aceh Selatan',4174.211),
('11.1','Kabupaten Aceh Singkil',1851.615),
('12.1','Kabupaten Labuhanbatu',2772.346),
('12','Sumatera Utara',72437.755);"""
    result = run_import(db, write(tmp_path, "wilayah_luas.sql", luas))
    assert result.kind == "area"
    assert result.updated == {1: 1, 2: 2}
    assert result.skipped_reasons == {"region not in the database": 2}
    assert any("'11.1' read as 11.10" in note for note in result.notes)
    singkil = region(db, "11.10")
    assert singkil is not None and singkil.area_km2 == pytest.approx(1851.615)
    assert region(db, "12") is None


def test_lost_zero_is_not_repaired_when_the_name_disagrees(db: Database, tmp_path: Path) -> None:
    names = "INSERT INTO wilayah (kode, nama) VALUES ('11','Aceh'),('11.10','Kabupaten Aceh Singkil');"
    run_import(db, write(tmp_path, "wilayah.sql", names))
    luas = "INSERT INTO wilayah_luas(kode,nama,luas) VALUES ('11','Aceh',1),\n('11.1','Kabupaten Lain',5);"
    error = rejected(db, write(tmp_path, "wilayah_luas.sql", luas))
    assert [(e.line, e.column) for e in error.errors] == [(2, "kode")]
    aceh = region(db, "11")
    assert aceh is not None and aceh.area_km2 is None


def test_population_file_skips_the_national_total(kaltim: Database, tmp_path: Path) -> None:
    penduduk = """INSERT INTO wilayah_penduduk(kode, nama, pria, wanita, total) VALUES
('0','INDONESIA','143863392','141110251','284973643'),
('64.72','Kota Samarinda','440000','441225','881225'),
('64.71','Kota Balikpapan','350000','340000',NULL);"""
    result = run_import(kaltim, write(tmp_path, "wilayah_penduduk.sql", penduduk))
    assert result.updated == {2: 2}
    assert result.skipped_reasons == {"national total row": 1}
    samarinda = region(kaltim, "64.72")
    assert samarinda is not None
    assert (samarinda.population, samarinda.population_male, samarinda.population_female) == (
        881225,
        440000,
        441225,
    )
    balikpapan = region(kaltim, "64.71")
    assert balikpapan is not None and balikpapan.population == 690000


# --- wilayah_boundaries ------------------------------------------------------------------------


def test_boundaries_set_centroid_polygon_bbox_and_missing_areas(kaltim: Database, tmp_path: Path) -> None:
    with kaltim.session() as session:
        session.get_one(Region, "64.72").area_km2 = 716.8
    multi = [[square_lat_lng(-0.5, 117.15)], [square_lat_lng(-0.45, 117.25, 0.01)]]
    dump = boundaries_dump(
        boundary_row("64.72", "Samarinda (file name)", -0.5, 117.15, multi),
        boundary_row("64.72.01", "Palaran", -0.62, 117.18, [square_lat_lng(-0.62, 117.18)]),
    )
    result = run_import(kaltim, write(tmp_path, "wilayah_boundaries_kab_64.sql", dump))
    assert result.kind == "boundaries"
    assert result.updated == {2: 1, 3: 1}

    samarinda = region(kaltim, "64.72")
    assert samarinda is not None
    assert samarinda.name == "Kota Samarinda"  # names come from the code list, not boundary files
    assert (samarinda.lat, samarinda.lng, samarinda.centroid_source) == (-0.5, 117.15, "import")
    assert samarinda.area_km2 == 716.8  # the official area is kept
    geometry = json.loads(samarinda.geometry or "null")
    assert geometry["type"] == "MultiPolygon"
    assert geometry["coordinates"][0][0][0] == pytest.approx([117.14, -0.51])  # [lng, lat]
    assert (samarinda.min_lat, samarinda.min_lng) == pytest.approx((-0.51, 117.14))
    assert (samarinda.max_lat, samarinda.max_lng) == pytest.approx((-0.445, 117.255))

    palaran = region(kaltim, "64.72.01")
    assert palaran is not None
    assert json.loads(palaran.geometry or "null")["type"] == "Polygon"
    # A 0.02° square at the equator is about 2.2 km a side.
    assert palaran.area_km2 == pytest.approx(4.94, rel=0.01)


def test_boundaries_add_unknown_regions_under_known_parents(db: Database, tmp_path: Path) -> None:
    run_import(
        db,
        write(tmp_path, "wilayah.sql", "INSERT INTO wilayah (kode, nama) VALUES ('64','Kalimantan Timur');"),
    )
    dump = boundaries_dump(
        boundary_row("64.72", "Kota Samarinda", -0.5, 117.15, [square_lat_lng(-0.5, 117.15)]),
        boundary_row("64.72.01", "Palaran", -0.62, 117.18, [square_lat_lng(-0.62, 117.18)]),
    )
    result = run_import(db, write(tmp_path, "b.sql", dump))
    assert result.inserted == {2: 1, 3: 1}
    palaran = region(db, "64.72.01")
    assert palaran is not None
    assert (palaran.name, palaran.kind, palaran.parent_code, palaran.centroid_source) == (
        "Palaran",
        "kecamatan",
        "64.72",
        "import",
    )


def test_boundary_without_centroid_gets_one_inside_the_polygon(kaltim: Database, tmp_path: Path) -> None:
    dump = boundaries_dump(
        f"('64.72.01','Palaran',NULL,NULL,'{json.dumps([square_lat_lng(-0.62, 117.18)])}')"
    )
    run_import(kaltim, write(tmp_path, "b.sql", dump))
    palaran = region(kaltim, "64.72.01")
    assert palaran is not None
    assert (palaran.lat, palaran.lng) == pytest.approx((-0.62, 117.18))


# --- files that must be refused as a whole ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "line", "column", "words"),
    [
        (
            "bps.sql",
            "INSERT INTO wilayah (kode, nama) VALUES\n('64','Kalimantan Timur'),\n('6472','Kota Samarinda');",
            3,
            "kode",
            "BPS",
        ),
        (
            "orphan.sql",
            "INSERT INTO wilayah (kode, nama) VALUES\n('64','Kalimantan Timur'),\n('64.72.01','Palaran');",
            3,
            "kode",
            "parent region 64.72",
        ),
        (
            "empty_name.sql",
            "INSERT INTO wilayah (kode, nama) VALUES\n('64','  ');",
            2,
            "nama",
            "name is empty",
        ),
        (
            "twice.sql",
            "INSERT INTO wilayah (kode, nama) VALUES\n('64','Kalimantan Timur'),\n('64','Kaltim');",
            3,
            "kode",
            "first on line 2",
        ),
        (
            "columns.sql",
            "INSERT INTO wilayah (kode, nama) VALUES\n('64','Kalimantan Timur'),\n('64.72');",
            3,
            "",
            "1 value(s) for 2 column(s)",
        ),
        (
            "broken.sql",
            "INSERT INTO wilayah (kode, nama) VALUES\n('64','Kalimantan Timur'),\n('64.72','Kota Samarinda;",
            3,
            "",
            "well-formed",
        ),
    ],
)
def test_bad_region_dumps_save_nothing(
    db: Database, tmp_path: Path, name: str, text: str, line: int, column: str, words: str
) -> None:
    error = rejected(db, write(tmp_path, name, text))
    assert error.code == "import.rejected"
    first = error.errors[0]
    assert (first.line, first.column) == (line, column)
    assert words in first.reason
    assert count_regions(db) == 0  # not even the good first row


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("('64.72.01','Palaran',-0.62,117.18,'[[[-0.6, 117.1], [-0.6, 117.2]]]')", "path", "fewer than 3"),
        ("('64.72.01','Palaran',-0.62,117.18,'[[-0.6, 117.1], [-0.6, 117.2]]')", "path", "found 2 level"),
        ("('64.72.01','Palaran',-0.62,117.18,'{not json')", "path", "not valid JSON"),
        (
            "('64.72.01','Palaran','abc',117.18,'[[[-0.6,117.1],[-0.6,117.2],[-0.5,117.2]]]')",
            "lat",
            "not a number",
        ),
        (
            "('64.72.01','Palaran',-95,117.18,'[[[-0.6,117.1],[-0.6,117.2],[-0.5,117.2]]]')",
            "lat",
            "outside -90..90",
        ),
        ("('64.72.01','Palaran',-0.62,NULL,'[[[-0.6,117.1],[-0.6,117.2],[-0.5,117.2]]]')", "lat", "both"),
        ("('64.72.01','Palaran',-0.62,117.18,NULL)", "path", "polygon is empty"),
    ],
)
def test_bad_boundary_rows_save_nothing(
    kaltim: Database, tmp_path: Path, row: str, column: str, words: str
) -> None:
    good = boundary_row("64.72", "Kota Samarinda", -0.5, 117.15, [square_lat_lng(-0.5, 117.15)])
    error = rejected(kaltim, write(tmp_path, "b.sql", boundaries_dump(good, row)))
    assert [(e.line, e.column) for e in error.errors] == [(4, column)]
    assert words in error.errors[0].reason
    samarinda = region(kaltim, "64.72")
    assert samarinda is not None and samarinda.lat is None and samarinda.geometry is None


def test_bad_numbers_are_reported_per_cell(kaltim: Database, tmp_path: Path) -> None:
    penduduk = """INSERT INTO wilayah_penduduk(kode, nama, pria, wanita, total) VALUES
('64.72','Kota Samarinda','440000','441225','881225'),
('64.71','Kota Balikpapan','1.234','x','-5');"""
    error = rejected(kaltim, write(tmp_path, "wilayah_penduduk.sql", penduduk))
    assert [(e.line, e.column) for e in error.errors] == [(3, "pria"), (3, "wanita"), (3, "total")]
    assert "not a whole number" in error.errors[0].reason
    assert "below 0" in error.errors[2].reason
    samarinda = region(kaltim, "64.72")
    assert samarinda is not None and samarinda.population is None


def test_at_most_a_hundred_errors_are_listed_but_all_are_counted(db: Database, tmp_path: Path) -> None:
    rows = ",\n".join(f"('{6400 + i}','Wrong {i}')" for i in range(150))
    error = rejected(db, write(tmp_path, "many.sql", f"INSERT INTO wilayah (kode, nama) VALUES\n{rows};"))
    assert len(error.errors) == 100
    assert error.total_errors == 150
    assert "150 problem(s)" in error.message


def test_a_refused_file_leaves_nothing_even_if_the_caller_commits(kaltim: Database, tmp_path: Path) -> None:
    before = count_regions(kaltim)
    bad = write(tmp_path, "bad.sql", WILAYAH.replace("('64.03.07.2001'", "('64.99.99.2001'"))
    with kaltim.session() as session, pytest.raises(ImportRejected):
        import_file(session, bad)
        # the session commits on leaving this block
    assert count_regions(kaltim) == before


def test_unknown_tables_and_non_dumps_are_refused(db: Database, tmp_path: Path) -> None:
    other = rejected(db, write(tmp_path, "tps.sql", "INSERT INTO tps (id) VALUES (1);"))
    assert "table tps" in other.errors[0].reason
    nothing = rejected(db, write(tmp_path, "empty.sql", "-- nothing to see\n"))
    assert "no INSERT" in nothing.errors[0].reason


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_creates_and_updates_and_empty_cells_keep_values(kaltim: Database, tmp_path: Path) -> None:
    first = (
        "code,name,lat,lng,area_km2,population,population_male,population_female,postal_code\n"
        "64.72,Kota Samarinda,-0.5,117.15,716.8,,440000,441225,\n"
        "64.72.01.1099,Kelurahan Baru,-0.6,117.2,1.5,1200,,,75243\n"
    )
    result = run_import(kaltim, write(tmp_path, "regions.csv", first))
    assert (result.kind, result.inserted, result.updated) == ("csv", {4: 1}, {2: 1})
    samarinda = region(kaltim, "64.72")
    assert samarinda is not None
    assert (samarinda.lat, samarinda.centroid_source, samarinda.population) == (-0.5, "import", 881225)
    new = region(kaltim, "64.72.01.1099")
    assert new is not None
    assert (new.name, new.kind, new.postal_code, new.parent_code) == (
        "Kelurahan Baru",
        "kelurahan",
        "75243",
        "64.72.01",
    )

    # Semicolons, a header in Indonesian, and empty cells that must not erase anything.
    second = "kode;nama;area_km2\n64.72;;720\n"
    run_import(kaltim, write(tmp_path, "again.csv", second))
    samarinda = region(kaltim, "64.72")
    assert samarinda is not None
    assert (samarinda.name, samarinda.area_km2, samarinda.lat, samarinda.population) == (
        "Kota Samarinda",
        720.0,
        -0.5,
        881225,
    )


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("code,name,colour\n64.72,Kota Samarinda,red\n", 1, "colour", "unknown column"),
        ("name,lat\nKota Samarinda,1\n", 1, "code", "no code column"),
        ("code,name,lat,lng\n64.72,Kota Samarinda,-0.5,\n", 2, "lat", "both"),
        ('code,name,area_km2\n64.72,Kota Samarinda,"1,5"\n', 2, "area_km2", "with a dot"),
        ("code,name,postal_code\n64.72,Kota Samarinda,7512\n", 2, "postal_code", "5-digit"),
        ("code,name\n64.72,Kota Samarinda,extra\n", 2, "", "3 cell(s) but the header has 2"),
        ("code,name\n\n64.72.99.1001,Desa Tanpa Induk\n", 3, "code", "parent region 64.72.99"),
        ("code,name\n64.72.01.1099,\n", 2, "name", "a name is needed"),
    ],
)
def test_bad_csv_files_are_refused_with_line_and_column(
    kaltim: Database, tmp_path: Path, text: str, line: int, column: str, words: str
) -> None:
    before = count_regions(kaltim)
    error = rejected(kaltim, write(tmp_path, "bad.csv", text))
    assert (error.errors[0].line, error.errors[0].column) == (line, column)
    assert words in error.errors[0].reason
    assert count_regions(kaltim) == before


# --- GeoJSON -----------------------------------------------------------------------------------


def test_geojson_sets_polygons_and_computes_missing_centroids(kaltim: Database, tmp_path: Path) -> None:
    text = feature_collection(
        feature({"kode": "64.72.01", "nama": "Palaran"}, square_geojson(-0.62, 117.18)),
        feature({"code": "64.72.02", "lat": -0.55, "lng": 117.1}, square_geojson(-0.56, 117.1)),
    )
    result = run_import(kaltim, write(tmp_path, "kec.geojson", text))
    assert (result.kind, result.updated) == ("geojson", {3: 2})
    palaran = region(kaltim, "64.72.01")
    assert palaran is not None
    assert (palaran.lat, palaran.lng) == pytest.approx((-0.62, 117.18))
    stored = json.loads(palaran.geometry or "null")
    expected = square_geojson(-0.62, 117.18)
    assert stored["type"] == expected["type"]
    flat = [value for point in stored["coordinates"][0] for value in point]
    assert flat == pytest.approx([value for point in expected["coordinates"][0] for value in point])
    second = region(kaltim, "64.72.02")
    assert second is not None and (second.lat, second.lng) == (-0.55, 117.1)


def test_bad_geojson_features_are_refused_with_their_line(kaltim: Database, tmp_path: Path) -> None:
    text = feature_collection(
        feature({"code": "64.72.01"}, square_geojson(-0.62, 117.18)),
        feature({"code": "64.72.02"}, {"type": "Point", "coordinates": [117.1, -0.5]}),
        feature({"name": "No code"}, square_geojson(-0.6, 117.1)),
        feature({"code": "64.72.01.1099"}, square_geojson(-0.6, 117.1)),
    )
    path = write(tmp_path, "bad.geojson", text)
    lines = path.read_text().splitlines()
    starts = [i + 1 for i, line in enumerate(lines) if '"type": "Feature"' in line]
    error = rejected(kaltim, path)
    assert [(e.line, e.column) for e in error.errors] == [
        (starts[1] - 1, "geometry"),
        (starts[2] - 1, "properties.code"),
        (starts[3] - 1, "properties.name"),
    ]
    assert "'Point' is not supported" in error.errors[0].reason
    palaran = region(kaltim, "64.72.01")
    assert palaran is not None and palaran.geometry is None


def test_geojson_that_is_not_a_feature_collection_is_refused(db: Database, tmp_path: Path) -> None:
    error = rejected(db, write(tmp_path, "one.geojson", json.dumps({"type": "Feature", "properties": {}})))
    assert "FeatureCollection" in error.errors[0].reason


# --- recognising formats -----------------------------------------------------------------------


def test_formats_are_recognised_by_extension_or_content(tmp_path: Path) -> None:
    assert detect_format(
        write(tmp_path, "a.txt", "-- dump\nINSERT INTO wilayah_luas VALUES ('64','x',1);")
    ) == ("wilayah_luas")
    assert (
        detect_format(write(tmp_path, "b.dat", '  {"type": "FeatureCollection", "features": []}'))
        == "geojson"
    )
    assert detect_format(write(tmp_path, "c.txt", "code,name\n64,Kalimantan Timur\n")) == "csv"
    assert (
        detect_format(write(tmp_path, "d.sql", boundaries_dump("('64.72','x',0,0,'[]')")))
        == "wilayah_boundaries"
    )


def test_accept_limits_which_formats_an_import_takes(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "wilayah.sql", WILAYAH)
    with pytest.raises(ImportRejected) as caught, db.session() as session:
        import_file(session, path, accept=("wilayah_boundaries", "geojson"))
    assert "wilayah SQL dump" in caught.value.errors[0].reason
    assert count_regions(db) == 0
