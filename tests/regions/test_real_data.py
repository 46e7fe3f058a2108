"""The real Kemendagri and wilayah_boundaries files for Kalimantan Timur (from ../shared/data)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import shared_data
from regions.support import count_regions, counts_by_level, region
from tigapilar.core.scope import Scope
from tigapilar.regions.catalog import load_catalog
from tigapilar.regions.importers import import_file
from tigapilar.regions.service import level_counts
from tigapilar.storage.db import Database

BOUNDARIES = "wilayah_boundaries_64"
KEL_FILES = ["64.01", "64.02", "64.03", "64.07", "64.08", "64.09", "64.11", "64.71", "64.72", "64.74"]


def boundary_files() -> list[Path]:
    return [
        shared_data(BOUNDARIES, "kab", "wilayah_boundaries_kab_64.sql"),
        shared_data(BOUNDARIES, "kec", "wilayah_boundaries_kec_64.sql"),
        *(shared_data(BOUNDARIES, "kel", f"wilayah_boundaries_kel_{code}.sql") for code in KEL_FILES),
    ]


def test_wilayah_then_boundaries_give_kaltim_complete_with_polygons(db: Database) -> None:
    names = shared_data("wilayah", "wilayah.sql")
    files = [shared_data("wilayah", "wilayah_luas.sql"), shared_data("wilayah", "wilayah_penduduk.sql")]
    with db.session() as session:
        result = import_file(session, names, provinces=["64"])
        for path in [*files, *boundary_files()]:
            import_file(session, path)
    assert result.inserted == {1: 1, 2: 10, 3: 105, 4: 1038}
    assert counts_by_level(db, "64") == {1: 1, 2: 10, 3: 105, 4: 1038}

    with db.session() as session:
        counts = {c.level: c for c in level_counts(session, Scope.everything())}
    for level, expected in ((2, 10), (3, 105), (4, 1038)):
        assert counts[level].regions == counts[level].with_centroid == counts[level].with_geometry == expected
        assert counts[level].with_area == expected
    assert counts[2].with_population == 10

    samarinda = region(db, "64.72")
    assert samarinda is not None and samarinda.geometry is not None
    assert samarinda.area_km2 is not None and 700 < samarinda.area_km2 < 730  # the official 716.78 km²
    assert samarinda.population is not None and samarinda.population > 800_000
    # Samarinda lies just south of the equator at about 117.15° E; the stored polygon is [lng, lat].
    assert samarinda.lat is not None and -0.8 < samarinda.lat < -0.3
    point = json.loads(samarinda.geometry)["coordinates"]
    while isinstance(point[0], list):  # Polygon or MultiPolygon: dig down to the first point
        point = point[0]
    assert 117 < point[0] < 117.4 and -0.8 < point[1] < -0.3


def test_boundary_files_alone_build_the_official_kaltim_tree(db: Database, tmp_path: Path) -> None:
    province = tmp_path / "province.csv"
    province.write_text("code,name\n64,Kalimantan Timur\n")
    with db.session() as session:
        import_file(session, province)
        inserted = sum(import_file(session, path).total_inserted for path in boundary_files())
    assert inserted == 10 + 105 + 1038
    # The official list adds nothing: the boundary files have exactly its codes.
    with db.session() as session:
        load_catalog(session, ["64"])
    assert count_regions(db) == 1 + 10 + 105 + 1038
    village = region(db, "64.03.07.2001")
    assert village is not None and village.geometry is not None and village.centroid_source == "import"
