"""The ODK form (XLSForm in laporan.md, converted with pyxform) and the reader of its submissions."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from reports.odk_support import MANGGAR, XFORMS, default_values, fill_instance
from tigapilar.reports.channels.odk.form import odk_form
from tigapilar.reports.channels.odk.submission import (
    DEPRECATED_ID,
    INSTANCE_ID,
    READ_FIELDS,
    read_submission,
)
from tigapilar.reports.taxonomy import load_taxonomy

SHIPPED_TAXONOMY = Path(__file__).resolve().parents[2] / "src/tigapilar/reports/data/categories.toml"


def _model(form_xml: bytes) -> ET.Element:
    model = ET.fromstring(form_xml).find(f".//{XFORMS}model")
    assert model is not None
    return model


def _choices(form_xml: bytes, list_name: str) -> dict[str, str]:
    instance = _model(form_xml).find(f"{XFORMS}instance[@id='{list_name}']")
    assert instance is not None, f"no choice list {list_name}"
    return {
        item.findtext(f"{XFORMS}name", ""): item.findtext(f"{XFORMS}label", "")
        for item in instance.iter(f"{XFORMS}item")
    }


def _instance_leaves(form_xml: bytes) -> set[str]:
    primary = _model(form_xml).find(f"{XFORMS}instance")
    assert primary is not None
    return {node.tag.rsplit("}", 1)[-1] for node in primary[0].iter() if len(node) == 0}


def test_the_form_converts_and_offers_every_taxonomy_category_and_severity() -> None:
    form = odk_form()
    taxonomy = load_taxonomy()
    categories = _choices(form.xml, "kategori")
    assert categories == {c.code: c.label for c in taxonomy.categories}
    severities = _choices(form.xml, "tingkat")
    assert sorted(severities) == [str(s.level) for s in taxonomy.severities] == ["1", "2", "3", "4"]
    for severity in taxonomy.severities:
        assert severities[str(severity.level)].startswith(f"{severity.level}. {severity.label}")
    root = _model(form.xml).find(f"{XFORMS}instance")
    assert root is not None
    assert root[0].get("id") == form.form_id == "tigapilar_laporan"
    assert root[0].get("version") == form.version
    # The villages come from the per-user media file the manifest lists.
    desa = _model(form.xml).find(f"{XFORMS}instance[@id='desa']")
    assert desa is not None and desa.get("src") == "jr://file-csv/desa.csv"


def test_categories_stay_data_a_new_one_is_a_new_form_version(tmp_path: Path) -> None:
    extra = '\n[[category]]\ncode = "kampanye_hitam"\nlabel = "Kampanye hitam"\nlabel_en = "Smear campaign"\n'
    (tmp_path / "categories.toml").write_text(SHIPPED_TAXONOMY.read_text(encoding="utf-8") + extra)
    shipped, changed = odk_form(), odk_form(tmp_path)
    assert _choices(changed.xml, "kategori")["kampanye_hitam"] == "Kampanye hitam"
    assert "kampanye_hitam" not in _choices(shipped.xml, "kategori")
    assert changed.version != shipped.version and changed.md5_hash != shipped.md5_hash
    assert odk_form(tmp_path) is changed  # converted once, then cached


def test_the_reader_and_the_form_name_the_same_fields() -> None:
    form_fields = _instance_leaves(odk_form().xml) - {"instanceName"}
    # deprecatedID is not in the blank form: Collect adds it when a sent report is edited.
    assert form_fields == set(READ_FIELDS) - {DEPRECATED_ID}
    assert INSTANCE_ID in form_fields


def test_a_filled_instance_of_the_served_form_reads_into_the_right_draft() -> None:
    form = odk_form()
    values = default_values(tps="7", berkas="rekaman.m4a", sumber="community")
    xml = fill_instance(form.xml, values, instance_id="uuid:aaa", deprecated_id="uuid:old")
    read = read_submission(xml, form.form_id)
    assert read.problems == []
    assert (read.form_id, read.form_version) == (form.form_id, form.version)
    assert (read.instance_id, read.deprecated_id) == ("uuid:aaa", "uuid:old")
    draft = read.draft
    assert draft is not None
    assert (draft.desa_code, draft.category, draft.severity, draft.tps_number) == (
        MANGGAR,
        "politik_uang",
        3,
        7,
    )
    assert draft.title == "Pembagian amplop di RT 05"
    assert draft.description is not None and draft.description.startswith("Tim sukses membagikan amplop")
    assert draft.occurred_at == datetime(2024, 11, 26, 0, 15, tzinfo=UTC)
    assert draft.occurred_at is not None and draft.occurred_at.isoformat() == "2024-11-26T08:15:00+08:00"
    assert (draft.lat, draft.lng, draft.accuracy_m) == (-1.2379, 116.8529, 4.5)
    assert draft.people_involved == 12
    assert (draft.source_kind, draft.source_name, draft.source_contact) == (
        "community",
        "Pak RT 05",
        "081234567890",
    )
    assert read.attachments == ("1732600000000.jpg", "rekaman.m4a")


def test_empty_answers_read_as_missing_and_a_short_geopoint_has_no_accuracy() -> None:
    form = odk_form()
    values = default_values(judul="", jumlah_orang="", lokasi="-1.2 116.8", sumber="officer", foto="")
    del values["nama_sumber"], values["kontak_sumber"]
    read = read_submission(fill_instance(form.xml, values, instance_id="uuid:b"), form.form_id)
    assert read.problems == [] and read.draft is not None
    assert (read.draft.title, read.draft.people_involved, read.draft.source_name) == (None, None, None)
    assert (read.draft.lat, read.draft.lng, read.draft.accuracy_m) == (-1.2, 116.8, None)
    assert read.attachments == ()


def test_values_that_are_not_of_their_type_are_problems_not_crashes() -> None:
    form = odk_form()
    values = default_values(tingkat="tinggi", waktu_kejadian="kemarin sore", lokasi="di dekat pasar")
    read = read_submission(fill_instance(form.xml, values, instance_id="uuid:c"), form.form_id)
    assert sorted(p.code for p in read.problems) == ["odk.bad_geopoint", "odk.bad_number", "odk.bad_time"]
    assert all(p.pesan for p in read.problems)


def test_namespaced_instances_are_read_too() -> None:
    form = odk_form()
    xml = fill_instance(form.xml, default_values(), instance_id="uuid:ns")
    namespaced = xml.replace(b"<laporan ", b'<laporan xmlns="http://www.w3.org/2002/xforms" ', 1)
    read = read_submission(namespaced, form.form_id)
    assert read.problems == [] and read.draft is not None and read.draft.desa_code == MANGGAR
