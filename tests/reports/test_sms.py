"""Coded SMS reports: the parser (pure), the reply texts and the gateway webhook on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from support.clock import Clock
from tigapilar.cli.sms import sms_group
from tigapilar.core.settings import Settings
from tigapilar.organisation.officers import create_officer
from tigapilar.reports.channels.sms import (
    HelpRequest,
    ParsedReport,
    StatusRequest,
    Unreadable,
    Village,
    code_help,
    code_table,
    content_hash,
    external_id_for,
    help_messages,
    normalise_phone,
    parse_sms,
)
from tigapilar.reports.channels.sms_inbound import occurred_at
from tigapilar.reports.channels.sms_text import fit, fits, gsm_safe, pack, septets
from tigapilar.reports.taxonomy import Taxonomy, TaxonomyConfig, load_taxonomy
from tigapilar.storage.db import Database
from tigapilar.storage.models import Inbound, Officer, Report
from tigapilar.web.api.sms import parse_sent_time
from tigapilar.web.app import create_app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sms.md"
TAXONOMY = load_taxonomy()
MANGGAR, LAMARU, RAWA_MAKMUR = "64.71.01.1001", "64.71.01.1002", "64.72.01.1001"
BHABIN = [Village(MANGGAR, "Manggar"), Village(LAMARU, "Lamaru")]
NOW = datetime(2024, 11, 26, 2, 0, tzinfo=UTC)  # 10.00 WITA, quiet period of Pilkada 2024
SECRET = "kunci-gateway-uji-123"
DODI, DODI_LOCAL = "+6281144445555", "0811-4444-5555"  # Bhabinkamtibmas of Manggar and Lamaru
SITI = "+6285222223333"  # Lurah of Manggar (one village)
EKO = "+6281377778888"  # inactive
GOOD = "LAPOR 6471011001 PU 2 Pembagian amplop di RT 05 oleh tim sukses"


def read(text: str, villages: list[Village] | None = None) -> Any:
    return parse_sms(text, TAXONOMY, BHABIN if villages is None else villages)


def pesan(parsed: Any) -> str:
    assert isinstance(parsed, Unreadable), parsed
    return " ".join(p.pesan for p in parsed.problems)


# --- the parser -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        GOOD,
        "lapor 64.71.01.1001 pu 2 Pembagian amplop di RT 05 oleh tim sukses",
        "  LAPOR   6471011001  PU   2   Pembagian amplop di RT 05 oleh tim sukses ",
        "LAPOR#6471011001#PU#2#Pembagian amplop di RT 05 oleh tim sukses",
        "6471011001 PU 2 Pembagian amplop di RT 05 oleh tim sukses",  # no keyword
        "LAPOT 6471011001 PU 2 Pembagian amplop di RT 05 oleh tim sukses",  # keyword typo
        "LAPOR6471011001 PU 2 Pembagian amplop di RT 05 oleh tim sukses",  # space forgotten
        "LAPOR 6471011001 2 PU Pembagian amplop di RT 05 oleh tim sukses",  # level first
        "LAPOR 6471011001 UANG SEDANG Pembagian amplop di RT 05 oleh tim sukses",  # alias and label
        "LAPOR manggar PU 2 Pembagian amplop di RT 05 oleh tim sukses",  # village by name
        "LAPOR 64-71-01-1001 PU 2 Pembagian amplop di RT 05 oleh tim sukses",
    ],
)
def test_the_many_ways_officers_type_one_report_read_the_same(text: str) -> None:
    parsed = read(text)
    assert isinstance(parsed, ParsedReport), parsed
    draft = parsed.draft
    assert (draft.desa_code, draft.category, draft.severity) == (MANGGAR, "politik_uang", 2)
    assert draft.description == "Pembagian amplop di RT 05 oleh tim sukses"
    assert draft.tps_number is None


@pytest.mark.parametrize(
    ("text", "tps", "category", "description"),
    [
        ("LAPOR 6471011001 TPS3 KR 3 Saksi diusir", 3, "intimidasi_kekerasan", "Saksi diusir"),
        ("LAPOR 6471011001 tps003 KR 3 Saksi diusir", 3, "intimidasi_kekerasan", "Saksi diusir"),
        ("LAPOR 6471011001 TPS 12 KR 3 Saksi diusir", 12, "intimidasi_kekerasan", "Saksi diusir"),
        # TPS is also a category: "TPS 3 <text>" is the category TPS at level 3, not TPS number 3.
        ("LAPOR 6471011001 TPS 3 Kotak suara rusak", None, "masalah_pemungutan", "Kotak suara rusak"),
        ("LAPOR 6471011001 TPS4 TPS 3 Kotak suara rusak", 4, "masalah_pemungutan", "Kotak suara rusak"),
    ],
)
def test_a_tps_number_is_optional_after_the_village(
    text: str, tps: int | None, category: str, description: str
) -> None:
    parsed = read(text)
    assert isinstance(parsed, ParsedReport), parsed
    assert (parsed.draft.tps_number, parsed.draft.category, parsed.draft.description) == (
        tps,
        category,
        description,
    )


def test_an_officer_of_one_village_may_leave_the_code_out_but_others_are_told_their_villages() -> None:
    alone = read("LAPOR HOAKS 1 Pesan berantai soal TPS pindah", [Village(MANGGAR, "Manggar")])
    assert isinstance(alone, ParsedReport)
    assert (alone.draft.desa_code, alone.draft.category) == (MANGGAR, "hoaks")
    several = read("LAPOR HOAKS 1 Pesan berantai soal TPS pindah")
    assert [p.code for p in several.problems] == ["sms.village_required"]
    assert "Desa Anda: 6471011001 Manggar, 6471011002 Lamaru" in pesan(several)


def test_a_mistyped_category_gets_the_closest_code_and_an_example_to_copy() -> None:
    parsed = read("LAPOR 6471011001 UANK 2 Pembagian amplop")
    assert [p.code for p in parsed.problems] == ["sms.unknown_category"]
    assert pesan(parsed) == "Kategori 'UANK' tidak dikenal. Maksud Anda PU (Politik uang)?"
    assert parsed.example == "Contoh: LAPOR 6471011001 PU 2 uraian"
    assert parsed.desa_code == MANGGAR  # the review goes to Manggar's analysts
    # A word from a label is a typo too; nonsense gets the list instead of a wild guess.
    assert "Maksud Anda HOAKS" in pesan(read("LAPOR 6471011001 DISINFORMASI 2 Pesan berantai"))
    assert pesan(read("LAPOR 6471011001 QZX 2 Sesuatu")) == (
        "Kategori 'QZX' tidak dikenal. Kirim INFO untuk daftar kode."
    )


@pytest.mark.parametrize(
    ("text", "codes", "says"),
    [
        ("LAPOR 6471011001 PU Pembagian amplop", ["sms.severity_required"], "Tingkat belum diisi"),
        ("LAPOR 6471011001 PU 7 Pembagian amplop", ["sms.bad_severity"], "Tingkat '7' salah"),
        ("LAPOR 6471011001 2 Pembagian amplop", ["sms.category_required"], "Kode kategori belum diisi"),
        ("LAPOR 6471011001 PU 2", ["sms.description_required"], "Uraian kejadian belum diisi"),
        ("LAPOR 647101101 PU 2 Amplop", ["sms.bad_village_code"], "Maksud Anda 6471011001 (Manggar)?"),
        ("LAPOR 6471011001 UANK 9 Amplop", ["sms.unknown_category", "sms.bad_severity"], "Maksud Anda PU"),
        ("Ada bentrok di pasar", ["sms.unreadable"], "SMS tidak dikenali"),
    ],
)
def test_each_mistake_is_named_in_indonesian(text: str, codes: list[str], says: str) -> None:
    parsed = read(text)
    assert [p.code for p in parsed.problems] == codes
    assert says in pesan(parsed)
    assert all(p.message and p.pesan for p in parsed.problems)


def test_help_and_status_keywords() -> None:
    assert read("INFO") == HelpRequest()
    assert read("bantuan") == HelpRequest()
    assert read("LAPOR") == HelpRequest()  # a bare keyword asks how
    assert read("") == HelpRequest()
    assert read("INFO pu") == HelpRequest("PU")
    assert read("INFO saya mau lapor") == HelpRequest()
    assert read("STATUS 42") == StatusRequest(42)
    assert read("status #42") == StatusRequest(42)
    assert read("STATUS") == StatusRequest(None)
    assert read("STATUS abc") == StatusRequest(None, "abc")


def test_the_help_fits_two_sms_and_lists_every_code_of_the_taxonomy() -> None:
    messages = help_messages(TAXONOMY, MANGGAR)
    assert len(messages) == 2
    assert all(septets(m) is not None and fits(m) for m in messages), [septets(m) for m in messages]
    assert "LAPOR 6471011001 PU 2" in messages[0]
    codes = messages[1].removeprefix("Kategori:").split(".")[0].split()
    assert codes == [c.sms[0] for c in TAXONOMY.categories]


def test_codes_come_from_the_taxonomy_file_not_from_the_code() -> None:
    custom = Taxonomy(
        TaxonomyConfig.model_validate(
            {
                "severity": [
                    {"level": 1, "label": "Ringan", "label_en": "Minor"},
                    {"level": 2, "label": "Berat", "label_en": "Major"},
                ],
                "category": [
                    {"code": "banjir", "label": "Banjir", "label_en": "Flood", "sms": ["BJR"]},
                    {"code": "lainnya", "label": "Lainnya", "label_en": "Other"},
                ],
            }
        )
    )
    parsed = parse_sms("LAPOR 6471011001 BJR 2 Air naik", custom, BHABIN)
    assert isinstance(parsed, ParsedReport)
    assert (parsed.draft.category, parsed.draft.severity) == ("banjir", 2)
    refused = parse_sms("LAPOR 6471011001 PU 2 Amplop", custom, BHABIN)
    assert isinstance(refused, Unreadable)
    assert [p.code for p in refused.problems] == ["sms.unknown_category"]
    assert "Tingkat '3' salah: isi angka 1 (ringan) sampai 2 (berat)" in pesan(
        parse_sms("LAPOR 6471011001 BJR 3 Air naik", custom, BHABIN)
    )
    assert help_messages(custom)[1].startswith("Kategori: BJR LAINNYA.")


def test_info_about_one_code() -> None:
    assert code_help("UANG", TAXONOMY) == "PU = Politik uang. Juga: UANG."
    assert (code_help("4", TAXONOMY) or "").startswith("Tingkat 4 = Kritis")
    assert "Maksud Anda HOAKS" in (code_help("HOAKZ", TAXONOMY) or "")
    assert code_help("QWERTY", TAXONOMY) is None  # then the full help is sent


def test_sms_lengths_are_counted_in_gsm_septets() -> None:
    assert septets("LAPOR 1") == 7
    assert septets("a[b]") == 6  # brackets are in the extension table: two septets each
    assert septets("Laporan “diterima”") is None  # curly quotes force UCS-2 (70 characters)
    assert gsm_safe("Laporan “diterima” – Dêsa ✓ é") == 'Laporan "diterima" - Desa ? é'
    assert not fits("é" * 150 + "✓")
    assert fits("x" * 160) and not fits("x" * 161)
    assert fit("Satu.", "Dua.", "x" * 200, "Tiga.") == "Satu. Dua. Tiga."
    assert len(fit("y" * 300)) == 160
    words = [f"K{i:03d}" for i in range(70)]  # 31 fit one SMS after the header
    parts = pack("Kode:", words, "Selesai.")
    assert len(parts) == 3 and all(fits(p) for p in parts)
    assert " ".join(parts).replace("Kode: ", "").split() == [*words, "Selesai."]


def test_submission_keys_and_content_hashes() -> None:
    assert content_hash(" LAPOR  6471011001 PU 2 amplop\n") == content_hash("LAPOR 6471011001 PU 2 amplop")
    assert content_hash("LAPOR 6471011001 PU 2 amplop") != content_hash("LAPOR 6471011001 PU 3 amplop")
    assert external_id_for(DODI, "abc-1", "x") == f"{DODI}:abc-1"
    assert external_id_for(DODI, None, "x") == f"{DODI}:{content_hash('x')}"
    assert len(external_id_for(DODI, "m" * 500, "x")) <= 160


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0811-4444-5555", DODI),
        ("+62 811 4444 5555", DODI),
        (" 6281144445555", DODI),  # a "+" sent unencoded in a form arrives as a space
        ("tel:+6281144445555", DODI),
        ("TELKOMSEL", None),
        ("3636", None),
        ("0541 123456", None),  # a landline cannot be an officer's SMS number
        ("", None),
    ],
)
def test_sender_numbers_are_normalised_like_officer_phones(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


def test_gateway_sent_times() -> None:
    wita = ZoneInfo("Asia/Makassar")
    at = datetime(2024, 11, 26, 1, 30, tzinfo=UTC)
    seconds = int(at.timestamp())
    assert parse_sent_time(str(seconds * 1000), wita) == at  # SMSSync: milliseconds
    assert parse_sent_time(str(seconds), wita) == at
    assert parse_sent_time("2024-11-26T01:30:00Z", wita) == at
    assert parse_sent_time("2024-11-26 09:30:00", wita) == at  # no offset: local time (WITA)
    assert parse_sent_time("kemarin", wita) is None
    assert occurred_at(at, NOW) == at
    assert occurred_at(NOW + timedelta(hours=3), NOW) == NOW  # a phone clock ahead: not in the future
    assert occurred_at(datetime(2000, 1, 1, tzinfo=UTC), NOW) is None  # a reset clock: time received


def test_the_category_card_in_the_docs_is_the_shipped_taxonomy() -> None:
    assert code_table(TAXONOMY) in DOCS.read_text(encoding="utf-8")


def test_the_cli_prints_the_card_and_reads_a_text_without_saving(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIGAPILAR_CONFIG_DIR", raising=False)
    runner = CliRunner()
    card = runner.invoke(sms_group, ["codes"])
    assert card.exit_code == 0 and card.output.strip() == code_table(TAXONOMY)
    good = runner.invoke(sms_group, ["parse", "lapor 6471011001 tps2 kr 3 Saksi diusir"])
    assert good.exit_code == 0
    assert "desa: 64.71.01.1001" in good.output and "category: intimidasi_kekerasan (typed KR)" in good.output
    bad = runner.invoke(sms_group, ["parse", "LAPOR 6471011001 UANK 2 amplop"])
    assert bad.exit_code == 1 and "Maksud Anda PU" in bad.output
    assert runner.invoke(sms_group, ["help-text"]).output.count("\n") == 2


# --- the webhook ----------------------------------------------------------------------------------


@pytest.fixture
def officers(regions: Database) -> Database:
    with regions.session() as session:
        create_officer(
            session,
            "Dodi Pratama",
            "Aipda",
            phone=DODI_LOCAL,
            pillar="bhabinkamtibmas",
            villages=[MANGGAR, LAMARU],
        )
        create_officer(session, "Siti Aminah", phone=SITI, pillar="kades_lurah", villages=[MANGGAR])
        eko = create_officer(session, "Eko Wibowo", phone=EKO, pillar="babinsa", villages=[MANGGAR])
        eko.active = False
    return regions


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def gateway(settings: Settings, officers: Database, clock: Clock) -> Iterator[TestClient]:
    app = create_app(replace(settings, sms_gateway_secret=SECRET), officers)
    app.state.clock = clock
    with TestClient(app) as test_client:
        yield test_client


def post(
    client: TestClient,
    data: dict[str, str] | None = None,
    *,
    json: dict[str, Any] | None = None,
    fmt: str | None = None,
    headers: dict[str, str] | None = None,
    secret: str | None = SECRET,
) -> Response:
    params = {"format": fmt} if fmt else {}
    if data is not None and secret is not None:
        data = {**data, "secret": secret}
    if json is not None and secret is not None:
        json = {**json, "secret": secret}
    response: Response = client.post(
        "/api/v1/sms/inbound", data=data, json=json, params=params, headers=headers
    )
    return response


def sms(client: TestClient, sender: str, text: str, **fields: str) -> dict[str, Any]:
    """Post an SMS the way SMSSync does; every reply must fit one SMS."""
    response = post(client, {"from": sender, "message": text, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert all(septets(m) is not None and fits(m) for m in body["messages"]), body["messages"]
    return body


def reports(db: Database) -> list[Report]:
    with db.session() as session:
        return list(session.scalars(select(Report).order_by(Report.id)))


def journal(db: Database) -> list[Inbound]:
    with db.session() as session:
        return list(session.scalars(select(Inbound).options(undefer(Inbound.body)).order_by(Inbound.id)))


def test_a_good_sms_becomes_a_report_of_its_officer_and_is_confirmed(
    gateway: TestClient, officers: Database
) -> None:
    sent = NOW - timedelta(minutes=40)
    stamp = str(int(sent.timestamp() * 1000))
    body = sms(gateway, DODI_LOCAL, GOOD, message_id="a1b2", sent_timestamp=stamp)
    [report] = reports(officers)
    with officers.session() as session:
        dodi = session.scalars(select(Officer).where(Officer.phone == DODI)).one()
    assert (report.channel, report.desa_code, report.category, report.severity) == (
        "sms",
        MANGGAR,
        "politik_uang",
        2,
    )
    assert report.description == "Pembagian amplop di RT 05 oleh tim sukses"
    assert (report.officer_id, report.pillar, report.occurred_at) == (dodi.id, "bhabinkamtibmas", sent)
    assert body["outcome"] == "created" and body["report_id"] == report.id and body["to"] == DODI
    assert body["reply"] == (
        f"Laporan no. {report.id} diterima: Politik uang, tingkat 2 (Sedang), Manggar. "
        f"Cek status: STATUS {report.id}."
    )
    [row] = journal(officers)
    assert (row.state, row.sender, row.officer_id, row.external_id) == (
        "accepted",
        DODI,
        dodi.id,
        f"{DODI}:a1b2",
    )
    assert b"Pembagian+amplop" in row.body and b"secret" not in row.body and SECRET.encode() not in row.body


def test_a_gateway_retry_is_the_same_report_with_the_same_confirmation(
    gateway: TestClient, officers: Database, clock: Clock
) -> None:
    first = sms(gateway, DODI, GOOD, message_id="retry-1")
    clock.advance(minutes=2)
    again = sms(gateway, DODI, GOOD, message_id="retry-1")
    assert again["outcome"] == "duplicate"
    assert (again["report_id"], again["reply"]) == (first["report_id"], first["reply"])
    assert len(reports(officers)) == 1
    assert [r.state for r in journal(officers)] == ["accepted", "duplicate"]


def test_without_a_gateway_id_the_same_text_is_one_report_and_another_text_a_new_one(
    gateway: TestClient, officers: Database
) -> None:
    first = sms(gateway, DODI, GOOD)
    again = sms(gateway, DODI, "  " + GOOD.replace(" ", "  ") + " ")
    other = sms(gateway, DODI, "LAPOR 6471011002 APK 1 Baliho calon dirobek di simpang tiga")
    assert again["report_id"] == first["report_id"] and again["outcome"] == "duplicate"
    assert other["outcome"] == "created" and other["report_id"] != first["report_id"]
    assert [r.desa_code for r in reports(officers)] == [MANGGAR, LAMARU]


def test_a_gateway_id_reused_for_other_text_is_a_conflict(gateway: TestClient, officers: Database) -> None:
    first = sms(gateway, DODI, GOOD, message_id="m-7")
    other = sms(gateway, DODI, "LAPOR 6471011001 SARA 3 Selebaran provokatif di masjid", message_id="m-7")
    assert other["outcome"] == "conflict" and other["report_id"] == first["report_id"]
    assert "sudah dipakai" in other["reply"]
    assert [r.state for r in journal(officers)] == ["accepted", "conflict"]
    assert len(reports(officers)) == 1


@pytest.mark.parametrize("code", ["6471011002", "64.71.01.1002"])
def test_dotted_and_undotted_village_codes_are_the_same_village(
    gateway: TestClient, officers: Database, code: str
) -> None:
    body = sms(gateway, DODI, f"lapor {code} bentrok 3 Dua kelompok pendukung saling lempar batu")
    assert body["outcome"] == "created"
    [report] = reports(officers)
    assert (report.desa_code, report.category, report.severity) == (LAMARU, "bentrok_pendukung", 3)
    assert "Lamaru" in body["reply"]


def test_a_typo_gets_a_suggestion_and_the_text_is_kept_for_review(
    gateway: TestClient, officers: Database
) -> None:
    text = "LAPOR 6471011001 UANK 2 Pembagian amplop di RT 05"
    body = sms(gateway, DODI, text)
    assert body["outcome"] == "needs_review" and body["report_id"] is None
    assert body["reply"] == (
        "Kategori 'UANK' tidak dikenal. Maksud Anda PU (Politik uang)? Contoh: LAPOR 6471011001 PU 2 uraian"
    )
    assert reports(officers) == []
    [row] = journal(officers)
    assert (row.state, row.error_code, row.area_code) == ("needs_review", "sms.unknown_category", MANGGAR)
    assert b"UANK" in row.body and row.pesan is not None and "Maksud Anda PU" in row.pesan


def test_a_village_outside_the_officers_villages_is_refused_and_theirs_are_named(
    gateway: TestClient, officers: Database
) -> None:
    body = sms(gateway, DODI, "LAPOR 6472011001 PU 2 Pembagian amplop")
    assert body["outcome"] == "needs_review"
    assert body["reply"].startswith("Desa 64.72.01.1001 (Rawa Makmur) di luar wilayah tugas Anda.")
    assert "Desa Anda: 6471011001 Manggar, 6471011002 Lamaru." in body["reply"]
    assert reports(officers) == []
    assert journal(officers)[0].error_code == "report.village_out_of_scope"


def test_a_village_head_may_leave_out_the_code_of_their_only_village(
    gateway: TestClient, officers: Database
) -> None:
    body = sms(gateway, SITI, "LAPOR NETRAL 2 Kepala dusun ikut kampanye calon")
    assert body["outcome"] == "created"
    [report] = reports(officers)
    assert (report.desa_code, report.category, report.pillar) == (MANGGAR, "netralitas", "kades_lurah")


def test_an_unknown_number_is_told_to_register_and_kept(gateway: TestClient, officers: Database) -> None:
    body = sms(gateway, "0812-9999-0000", GOOD)
    assert body["outcome"] == "needs_review" and body["to"] == "+6281299990000"
    assert body["reply"].startswith("Nomor Anda belum terdaftar") and "Polsek" in body["reply"]
    [row] = journal(officers)
    assert (row.state, row.error_code, row.sender, row.officer_id) == (
        "needs_review",
        "sms.unknown_sender",
        "+6281299990000",
        None,
    )
    assert reports(officers) == []


def test_an_inactive_officer_is_refused(gateway: TestClient, officers: Database) -> None:
    body = sms(gateway, EKO, GOOD)
    assert body["outcome"] == "needs_review" and "nonaktif" in body["reply"]
    assert journal(officers)[0].error_code == "sms.inactive_officer"
    assert reports(officers) == []


def test_a_short_code_sender_is_kept_but_never_answered(gateway: TestClient, officers: Database) -> None:
    body = sms(gateway, "TELKOMSEL", "Selamat! Anda dapat bonus kuota 10GB")
    assert (body["to"], body["messages"], body["reply"]) == (None, [], "")
    assert journal(officers)[0].error_code == "sms.sender_not_mobile"
    twiml = post(gateway, {"From": "3636", "Body": "Promo"}, fmt="twiml")
    assert ElementTree.fromstring(twiml.text).findall("Message") == []


def test_help_and_status_replies(gateway: TestClient, officers: Database) -> None:
    help_body = sms(gateway, DODI, "info")
    assert help_body["outcome"] == "help" and len(help_body["messages"]) == 2
    assert "LAPOR 6471011001 PU 2" in help_body["messages"][0]
    assert sms(gateway, DODI, "INFO saya mau lapor")["messages"] == help_body["messages"]
    assert (
        sms(gateway, DODI, "info kr")["reply"] == "KEKERASAN = Intimidasi dan kekerasan. Juga: INTIMIDASI KR."
    )
    created = sms(gateway, DODI, GOOD)
    status = sms(gateway, DODI, f"STATUS {created['report_id']}")
    assert status["outcome"] == "status"
    assert status["reply"] == (
        f"Laporan no. {created['report_id']} (Politik uang, Manggar): baru, belum diperiksa. "
        "Diperbarui 26/11 10.00 WITA."
    )
    assert sms(gateway, DODI, "STATUS")["reply"] == status["reply"]  # the latest
    # Someone else's report does not exist for the sender.
    other = sms(gateway, SITI, f"STATUS {created['report_id']}")
    assert other["reply"] == f"Laporan no. {created['report_id']} tidak ditemukan di antara laporan Anda."
    # Questions are journaled and closed with the answer they got; none waits for review.
    answered = [row for row in journal(officers) if row.state == "answered"]
    assert len(answered) == 6
    assert answered[-1].pesan == other["reply"]


def test_a_sent_time_in_the_future_is_clamped_to_now(gateway: TestClient, officers: Database) -> None:
    ahead = str(int((NOW + timedelta(hours=5)).timestamp()))
    assert sms(gateway, DODI, GOOD, timestamp=ahead)["outcome"] == "created"
    assert reports(officers)[0].occurred_at == NOW


def test_twilio_gets_twiml(gateway: TestClient, officers: Database) -> None:
    fields = {"From": "+6281144445555", "Body": GOOD, "MessageSid": "SM" + "0" * 32}
    response = post(gateway, fields, fmt="twiml", secret=None, headers={"X-Tigapilar-Secret": SECRET})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    [message] = ElementTree.fromstring(response.text).findall("Message")
    [report] = reports(officers)
    assert message.text is not None and message.text.startswith(f"Laporan no. {report.id} diterima")


def test_smssync_gets_its_task_format(gateway: TestClient, officers: Database) -> None:
    response = post(gateway, {"from": DODI, "message": "BANTUAN", "message_id": "u-1"}, fmt="smssync")
    payload = response.json()["payload"]
    assert payload["success"] is True and payload["task"] == "send"
    assert [m["to"] for m in payload["messages"]] == [DODI, DODI]
    assert all(fits(m["message"]) and m["uuid"] for m in payload["messages"])


def test_json_bodies_with_other_field_names(gateway: TestClient, officers: Database) -> None:
    response = post(
        gateway,
        json={"from_number": "6281144445555", "content": GOOD, "id": 987, "time_created": 1732582800},
    )
    assert response.status_code == 200 and response.json()["outcome"] == "created"
    [report] = reports(officers)
    assert report.occurred_at == datetime(2024, 11, 26, 1, 0, tzinfo=UTC)
    [row] = journal(officers)
    assert row.external_id == f"{DODI}:987" and b"secret" not in row.body


def test_the_secret_may_come_as_a_query_parameter(gateway: TestClient, officers: Database) -> None:
    response = gateway.post(
        "/api/v1/sms/inbound", params={"secret": SECRET}, data={"from": DODI, "message": GOOD}
    )
    assert response.status_code == 200 and response.json()["outcome"] == "created"


@pytest.mark.parametrize(
    ("secret", "status", "code"),
    [(None, 401, "sms.secret_required"), ("", 401, "sms.secret_required"), ("salah", 403, "sms.bad_secret")],
)
def test_without_the_right_secret_nothing_is_journaled(
    gateway: TestClient, officers: Database, secret: str | None, status: int, code: str
) -> None:
    response = post(gateway, {"from": DODI, "message": GOOD}, secret=secret)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert journal(officers) == [] and reports(officers) == []
    wrong_header = post(
        gateway, {"from": DODI, "message": GOOD}, secret=None, headers={"X-Tigapilar-Secret": "x"}
    )
    assert wrong_header.status_code == 403


def test_the_webhook_is_off_without_a_configured_secret(client: Any, regions: Database) -> None:
    response = post(client, {"from": DODI, "message": GOOD})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "sms.disabled"
    with regions.session() as session:
        assert session.scalar(select(func.count()).select_from(Inbound)) == 0


def test_a_payload_without_a_sender_is_journaled_and_refused_loudly(
    gateway: TestClient, officers: Database
) -> None:
    response = post(gateway, {"nomor": DODI, "message": GOOD})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "sms.no_sender"
    [row] = journal(officers)
    assert (row.state, row.error_code) == ("needs_review", "sms.no_sender")


def test_an_oversized_body_is_refused(gateway: TestClient, officers: Database) -> None:
    response = post(gateway, {"from": DODI, "message": "x" * 70_000})
    assert response.status_code == 413
    assert journal(officers) == []
