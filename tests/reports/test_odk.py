"""ODK Collect end to end over HTTP: form list, manifest and villages, and submissions made as Collect
makes them (Digest, multipart with xml_submission_file and the files, multi-post, edits)."""

from __future__ import annotations

import csv
import hashlib
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import make_account
from reports.odk_support import (
    BARU_ILIR,
    JPEG,
    LAMARU,
    MANGGAR,
    NOW,
    RAWA_MAKMUR,
    CollectClient,
    OdkAccount,
    collect,
    collect_files,
    default_values,
    fill_instance,
    make_officer,
    make_user,
)
from support.clock import Clock
from tigapilar.accounts.roles import Role
from tigapilar.core.settings import Settings
from tigapilar.reports.attachments import AttachmentStore
from tigapilar.reports.channels.odk.submission import MAX_XML_BYTES
from tigapilar.storage.db import Database
from tigapilar.storage.models import Attachment, Inbound, Report, ReportEvent
from tigapilar.web.app import create_app

FORM_ID = "tigapilar_laporan"
FORM_URL = f"/odk/forms/{FORM_ID}/form.xml"
SUBMISSION = "/odk/submission?deviceID=collect%3AY3NAH7KHbSfrOrsI"  # Collect adds its device id
LIST_NS = "{http://openrosa.org/xforms/xformsList}"
MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE_NS = "{http://openrosa.org/http/response}"


@pytest.fixture
def web(client: Any, regions: Database) -> TestClient:
    test_client: TestClient = client
    test_client.app.state.clock = Clock(NOW)  # type: ignore[attr-defined]
    return test_client


@pytest.fixture
def officer(regions: Database) -> OdkAccount:
    return make_officer(regions)


@pytest.fixture
def phone(web: TestClient, officer: OdkAccount) -> CollectClient:
    return collect(web, officer)


def md5(data: bytes) -> str:
    return "md5:" + hashlib.md5(data).hexdigest()


def message(response: httpx.Response) -> tuple[str, str]:
    """(nature, text) of an OpenRosaResponse."""
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{RESPONSE_NS}OpenRosaResponse"
    node = root.find(f"{RESPONSE_NS}message")
    assert node is not None
    return node.get("nature", ""), node.text or ""


def blank_form(phone: CollectClient) -> bytes:
    response = phone.get(FORM_URL)
    assert response.status_code == 200
    return response.content


def submit(
    phone: CollectClient,
    xml: bytes,
    attachments: list[tuple[str, bytes, str]] | None = None,
    *,
    incomplete: bool = False,
) -> httpx.Response:
    # Collect asks with HEAD first (credentials, size limit), then posts.
    assert phone.head(SUBMISSION).status_code == 204
    return phone.post(SUBMISSION, files=collect_files(xml, attachments or [], incomplete=incomplete))


def rows(db: Database, model: type[Any]) -> list[Any]:
    with db.session() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def count(db: Database, model: type[Any]) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# -- forms --------------------------------------------------------------------------------------------


def test_the_form_list_describes_the_form_and_its_hash_is_the_downloaded_forms(phone: CollectClient) -> None:
    response = phone.get("/odk/formList")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.headers["x-openrosa-version"] == "1.0" and "date" in response.headers
    root = ET.fromstring(response.content)
    assert root.tag == f"{LIST_NS}xforms"
    (entry,) = root.findall(f"{LIST_NS}xform")
    fields = {child.tag.removeprefix(LIST_NS): child.text for child in entry}
    assert set(fields) == {
        "formID",
        "name",
        "version",
        "hash",
        "descriptionText",
        "downloadUrl",
        "manifestUrl",
    }
    assert fields["formID"] == FORM_ID
    assert fields["downloadUrl"] == f"http://testserver{FORM_URL}"
    assert fields["manifestUrl"] == f"http://testserver/odk/forms/{FORM_ID}/manifest"
    form = phone.get(str(fields["downloadUrl"]))
    assert form.status_code == 200 and form.headers["content-type"] == "text/xml; charset=utf-8"
    assert fields["hash"] == md5(form.content)
    assert f'version="{fields["version"]}"'.encode() in form.content
    # formID filters; an unknown one lists nothing.
    assert ET.fromstring(phone.get("/odk/formList?formID=lain").content).findall(f"{LIST_NS}xform") == []


def test_manifest_and_desa_csv_list_exactly_the_officers_villages(
    web: TestClient, regions: Database, phone: CollectClient
) -> None:
    manifest = phone.get(f"/odk/forms/{FORM_ID}/manifest")
    assert manifest.status_code == 200
    root = ET.fromstring(manifest.content)
    assert root.tag == f"{MANIFEST_NS}manifest"
    (media,) = root.findall(f"{MANIFEST_NS}mediaFile")
    assert media.findtext(f"{MANIFEST_NS}filename") == "desa.csv"
    url = media.findtext(f"{MANIFEST_NS}downloadUrl", "")
    villages = phone.get(url)
    assert villages.status_code == 200 and villages.headers["content-type"].startswith("text/csv")
    assert media.findtext(f"{MANIFEST_NS}hash") == md5(villages.content)
    table = list(csv.DictReader(io.StringIO(villages.text)))
    assert [r["name"] for r in table] == [MANGGAR, LAMARU]  # not Baru Ilir, in the same city
    assert table[0]["label"] == "Manggar (Kec. Balikpapan Timur, Kota Balikpapan)"
    assert (table[0]["kecamatan"], table[0]["kabupaten"]) == ("Balikpapan Timur", "Kota Balikpapan")
    # Another officer gets another list (and another hash, so Collect re-downloads it).
    other = collect(web, make_officer(regions, "babinsa.baru.ilir", villages=(BARU_ILIR,)))
    other_csv = other.get(url)
    assert [r["name"] for r in csv.DictReader(io.StringIO(other_csv.text))] == [BARU_ILIR]
    # An account without officer assignments gets the desa of its area.
    analyst = collect(web, make_user(regions, "analis.samarinda", Role.ANALYST, ["64.72"]))
    codes = [r["name"] for r in csv.DictReader(io.StringIO(analyst.get(url).text))]
    assert codes == ["64.72.01.1001", "64.72.01.1002", "64.72.02.1001"]
    assert phone.get(f"/odk/forms/{FORM_ID}/media/lain.csv").status_code == 404
    assert phone.get("/odk/forms/lain/manifest").status_code == 404


def test_the_submission_url_answers_head_with_204_and_the_size_to_keep_posts_under(
    phone: CollectClient, settings: Settings
) -> None:
    for method in ("HEAD", "GET"):
        response = phone.request(method, SUBMISSION)
        assert response.status_code == 204
        assert response.headers["x-openrosa-version"] == "1.0"
        assert response.headers["date"] == "Tue, 26 Nov 2024 02:00:00 GMT"
        accept = int(response.headers["x-openrosa-accept-content-length"])
        assert accept == settings.max_attachment_bytes + MAX_XML_BYTES


def test_unknown_paths_and_methods_still_answer_as_openrosa(phone: CollectClient) -> None:
    missing = phone.get("/odk/tidak-ada")
    assert missing.status_code == 404 and missing.headers["x-openrosa-version"] == "1.0"
    assert message(missing) == ("error", "Alamat tidak dikenal server tigapilar.")
    wrong_method = phone.request("PUT", "/odk/submission")
    assert wrong_method.status_code == 405 and "date" in wrong_method.headers


# -- submissions --------------------------------------------------------------------------------------


def test_a_submission_made_as_collect_makes_it_becomes_a_report_with_its_photo(
    phone: CollectClient, officer: OdkAccount, regions: Database, settings: Settings
) -> None:
    xml = fill_instance(blank_form(phone), default_values(), instance_id="uuid:7c0f0a4e-1")
    response = submit(phone, xml, [("1732600000000.jpg", JPEG, "image/jpeg")])
    assert response.status_code == 201, response.text
    (report,) = rows(regions, Report)
    assert message(response) == (
        "submit_success",
        f"Laporan diterima dengan nomor {report.id}. Terima kasih.",
    )
    assert (report.channel, report.desa_code, report.category, report.severity) == (
        "odk",
        MANGGAR,
        "politik_uang",
        3,
    )
    assert report.title == "Pembagian amplop di RT 05"
    assert report.occurred_at.isoformat() == "2024-11-26T00:15:00+00:00"
    assert (report.lat, report.lng, report.accuracy_m, report.people_involved) == (-1.2379, 116.8529, 4.5, 12)
    assert (report.source_kind, report.source_name, report.source_contact) == (
        "community",
        "Pak RT 05",
        "081234567890",
    )
    assert (report.submitted_by, report.officer_id, report.pillar) == (
        officer.user_id,
        officer.officer_id,
        "bhabinkamtibmas",
    )
    assert (report.election, report.stage) == ("pilkada-2024", "masa_tenang")
    (photo,) = rows(regions, Attachment)
    assert (photo.report_id, photo.filename, photo.content_type, photo.size) == (
        report.id,
        "1732600000000.jpg",
        "image/jpeg",
        len(JPEG),
    )
    assert AttachmentStore(settings.data_dir / "attachments").read(photo.sha256) == JPEG
    (inbound,) = rows(regions, Inbound)
    assert (inbound.channel, inbound.state, inbound.external_id, inbound.report_id) == (
        "odk",
        "accepted",
        "uuid:7c0f0a4e-1",
        report.id,
    )
    assert (inbound.user_id, inbound.officer_id, inbound.content_type) == (
        officer.user_id,
        officer.officer_id,
        "text/xml",
    )
    with regions.session() as session:
        assert session.get_one(Inbound, inbound.id).body == xml


def test_a_resubmission_is_answered_201_again_and_stays_one_report(
    phone: CollectClient, regions: Database
) -> None:
    xml = fill_instance(blank_form(phone), default_values(), instance_id="uuid:retry")
    photo = [("1732600000000.jpg", JPEG, "image/jpeg")]
    first, again = submit(phone, xml, photo), submit(phone, xml, photo)
    assert (first.status_code, again.status_code) == (201, 201)
    assert "sudah diterima sebelumnya" in message(again)[1]
    assert count(regions, Report) == 1 and count(regions, Attachment) == 1
    assert [i.state for i in rows(regions, Inbound)] == ["accepted", "duplicate"]


def test_the_same_instance_id_with_other_content_is_a_conflict(
    phone: CollectClient, regions: Database
) -> None:
    form = blank_form(phone)
    assert submit(phone, fill_instance(form, default_values(), instance_id="uuid:same")).status_code == 201
    other = fill_instance(form, default_values(tingkat="4"), instance_id="uuid:same")
    response = submit(phone, other)
    assert response.status_code == 409
    assert message(response) == (
        "error",
        "Laporan ditolak: Nomor kiriman ini sudah dipakai untuk laporan lain dengan isi berbeda.",
    )
    assert [r.severity for r in rows(regions, Report)] == [3]
    assert [i.state for i in rows(regions, Inbound)] == ["accepted", "conflict"]


def test_a_submission_split_over_two_posts_is_one_report_with_both_files(
    phone: CollectClient, regions: Database
) -> None:
    values = default_values(berkas="rekaman.mp3")
    xml = fill_instance(blank_form(phone), values, instance_id="uuid:two-posts")
    audio = b"ID3" + bytes(5000)
    first = submit(phone, xml, [("1732600000000.jpg", JPEG, "image/jpeg")], incomplete=True)
    assert first.status_code == 201 and "Lampiran berikutnya" in message(first)[1]
    second = submit(phone, xml, [("rekaman.mp3", audio, "audio/mpeg")])
    assert second.status_code == 201
    (report,) = rows(regions, Report)
    files = {a.filename: (a.report_id, a.size) for a in rows(regions, Attachment)}
    assert files == {"1732600000000.jpg": (report.id, len(JPEG)), "rekaman.mp3": (report.id, len(audio))}
    with regions.session() as session:
        events = session.scalars(select(ReportEvent.action).order_by(ReportEvent.id)).all()
    assert events == ["created", "attachment"]


def test_attachments_the_xml_does_not_name_are_not_kept(phone: CollectClient, regions: Database) -> None:
    xml = fill_instance(blank_form(phone), default_values(), instance_id="uuid:leftover")
    parts = [("1732600000000.jpg", JPEG, "image/jpeg"), ("foto-lama.jpg", JPEG + b"x", "image/jpeg")]
    assert submit(phone, xml, parts).status_code == 201
    assert [a.filename for a in rows(regions, Attachment)] == ["1732600000000.jpg"]


def test_an_edit_with_a_deprecated_id_updates_the_report(phone: CollectClient, regions: Database) -> None:
    form = blank_form(phone)
    assert submit(phone, fill_instance(form, default_values(), instance_id="uuid:v1")).status_code == 201
    edited = fill_instance(
        form,
        default_values(tingkat="4", uraian="Amplop dibagikan; terjadi keributan antar warga."),
        instance_id="uuid:v2",
        deprecated_id="uuid:v1",
    )
    response = submit(phone, edited)
    assert response.status_code == 201, response.text
    (report,) = rows(regions, Report)
    assert message(response)[1] == f"Perubahan laporan nomor {report.id} diterima."
    assert (report.severity, report.description) == (4, "Amplop dibagikan; terjadi keributan antar warga.")
    with regions.session() as session:
        assert session.scalars(select(ReportEvent.action).order_by(ReportEvent.id)).all() == [
            "created",
            "edited",
        ]


@pytest.mark.parametrize(
    ("village", "pesan"),
    [
        ("64.71.01.9999", "Desa 64.71.01.9999 tidak dikenal."),
        (RAWA_MAKMUR, "Desa 64.72.01.1001 (Rawa Makmur) di luar wilayah tugas Anda."),
    ],
)
def test_a_report_that_fails_the_checks_is_kept_for_review_and_collect_stops_resending(
    phone: CollectClient, regions: Database, village: str, pesan: str
) -> None:
    xml = fill_instance(blank_form(phone), default_values(desa=village), instance_id="uuid:review")
    response = submit(phone, xml, [("1732600000000.jpg", JPEG, "image/jpeg")])
    assert response.status_code == 202
    nature, text = message(response)
    assert nature == "submit_success"
    assert text.startswith(
        "Laporan diterima dan akan diperiksa analis sebelum dicatat; tidak perlu dikirim ulang."
    )
    assert pesan in text
    assert count(regions, Report) == 0
    (inbound,) = rows(regions, Inbound)
    assert (inbound.state, inbound.external_id, inbound.pesan) == ("needs_review", "uuid:review", pesan)
    # The photo is kept with the journal entry for the analyst, not lost.
    assert [(a.inbound_id, a.report_id) for a in rows(regions, Attachment)] == [(inbound.id, None)]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE laporan [
 <!ENTITY a "hahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahaha">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<laporan id="tigapilar_laporan"><desa>64.71.01.1001</desa><uraian>&d;&d;&d;&d;</uraian>
<meta><instanceID>uuid:bomb</instanceID></meta></laporan>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE laporan [<!ENTITY rahasia SYSTEM "file:///etc/passwd">]>
<laporan id="tigapilar_laporan"><desa>64.71.01.1001</desa><uraian>&rahasia;</uraian>
<meta><instanceID>uuid:xxe</instanceID></meta></laporan>"""


@pytest.mark.parametrize("payload", [BOMB, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_xml_with_a_dtd_is_refused_journaled_and_makes_no_report(
    phone: CollectClient, regions: Database, payload: bytes
) -> None:
    response = submit(phone, payload)
    assert response.status_code == 400
    assert message(response) == (
        "error",
        "Laporan ditolak: Data laporan memuat DTD/entitas XML yang tidak diizinkan; laporan ditolak.",
    )
    assert count(regions, Report) == 0
    (inbound,) = rows(regions, Inbound)
    assert (inbound.state, inbound.error_code) == ("needs_review", "odk.forbidden_xml")
    with regions.session() as session:
        assert session.get_one(Inbound, inbound.id).body == payload  # journaled as it came


def test_an_oversized_xml_is_refused_with_413_and_journaled(phone: CollectClient, regions: Database) -> None:
    huge = default_values(uraian="Panjang sekali. " * (MAX_XML_BYTES // 16 + 1000))
    xml = fill_instance(blank_form(phone), huge, instance_id="uuid:huge")
    assert len(xml) > MAX_XML_BYTES
    response = submit(phone, xml)
    assert response.status_code == 413
    assert "lebih dari 1024 KB" in message(response)[1]
    assert count(regions, Report) == 0
    (inbound,) = rows(regions, Inbound)
    assert (inbound.state, inbound.error_code) == ("needs_review", "odk.xml_too_large")
    with regions.session() as session:
        assert session.get_one(Inbound, inbound.id).body == xml[:MAX_XML_BYTES]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda xml: xml.replace(b"</laporan>", b""), "odk.bad_xml"),
        (
            lambda xml: xml.replace(b"<instanceID>uuid:x</instanceID>", b"<instanceID />"),
            "odk.no_instance_id",
        ),
        (lambda xml: xml.replace(b'id="tigapilar_laporan"', b'id="formulir_lain"'), "odk.unknown_form"),
    ],
    ids=["not-xml", "no-instance-id", "other-form"],
)
def test_a_submission_that_cannot_be_read_is_refused_400_and_journaled(
    phone: CollectClient, regions: Database, change: Any, code: str
) -> None:
    xml = change(fill_instance(blank_form(phone), default_values(), instance_id="uuid:x"))
    response = submit(phone, xml)
    assert response.status_code == 400
    assert message(response)[1].startswith("Laporan ditolak: ")
    (inbound,) = rows(regions, Inbound)
    assert (inbound.state, inbound.error_code) == ("needs_review", code)
    assert inbound.area_code == MANGGAR  # the officer's area: their analysts see it
    assert count(regions, Report) == 0


def chunked(files: list[Any]) -> tuple[Iterator[bytes], dict[str, str]]:
    """A multipart body sent with Transfer-Encoding: chunked, i.e. without a Content-Length."""
    prepared = httpx.Request("POST", "http://testserver/odk/submission", files=files)
    body = prepared.read()
    parts = (body[start : start + 1000] for start in range(0, len(body), 1000))
    return parts, {"Content-Type": prepared.headers["content-type"]}


def test_a_chunked_post_is_accepted(phone: CollectClient, regions: Database) -> None:
    xml = fill_instance(blank_form(phone), default_values(), instance_id="uuid:chunked")
    body, headers = chunked(collect_files(xml, [("1732600000000.jpg", JPEG, "image/jpeg")]))
    response = phone.post("/odk/submission", content=body, headers=headers)
    assert response.status_code == 201, response.text
    assert count(regions, Report) == 1 and count(regions, Attachment) == 1


def test_a_script_may_post_the_bare_xml_with_a_token(
    web: TestClient, regions: Database, phone: CollectClient
) -> None:
    with regions.session() as session:
        script = make_account(session, "skrip.polres", "analyst", areas=["64.71"])
    xml = fill_instance(blank_form(phone), default_values(), instance_id="uuid:script")
    response = web.post(
        "/odk/submission", content=xml, headers={**script.headers, "Content-Type": "text/xml"}
    )
    assert response.status_code == 201
    (report,) = rows(regions, Report)
    assert report.submitted_by == script.user_id and report.officer_id is None


def test_size_limits_attachment_kept_for_review_and_request_refused_unread(
    settings: Settings, db: Database, regions: Database, officer: OdkAccount
) -> None:
    small = replace(settings, max_attachment_bytes=2048)
    with TestClient(create_app(small, db)) as web:
        web.app.state.clock = Clock(NOW)  # type: ignore[attr-defined]
        phone = collect(web, officer)
        accept = int(phone.head(SUBMISSION).headers["x-openrosa-accept-content-length"])
        assert accept == 2048 + MAX_XML_BYTES
        form = blank_form(phone)
        # A photo over the per-file limit: the report waits for an analyst; Collect need not resend.
        xml = fill_instance(form, default_values(), instance_id="uuid:big-photo")
        response = submit(phone, xml, [("1732600000000.jpg", JPEG + bytes(4000), "image/jpeg")])
        assert response.status_code == 202
        assert "lebih dari" in message(response)[1]
        # A post far beyond what was advertised is refused without being read, and journaled.
        xml = fill_instance(form, default_values(), instance_id="uuid:huge-post")
        too_big = [("1732600000000.jpg", bytes(4 * accept + 1), "image/jpeg")]
        refused = submit(phone, xml, too_big)
        assert refused.status_code == 413
        assert "kecilkan atau hapus lampiran" in message(refused)[1]
        # Without a Content-Length (chunked), reading stops at the limit.
        body, headers = chunked(collect_files(xml, too_big))
        assert phone.post(SUBMISSION, content=body, headers=headers).status_code == 413
    assert count(regions, Report) == 0 and count(regions, Attachment) == 0
    assert [(i.state, i.error_code) for i in rows(regions, Inbound)] == [
        ("needs_review", "report.attachment_too_large"),
        ("needs_review", "odk.request_too_large"),
        ("needs_review", "odk.request_too_large"),
    ]
