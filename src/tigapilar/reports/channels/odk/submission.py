"""Reading the instance XML that ODK Collect posts into a :class:`ReportDraft`.

Only reading happens here: whether the draft is a valid report (village in the sender's area,
known category, time not in the future, ...) is decided by the shared checks in
:mod:`tigapilar.reports.draft`, so ODK gets the same answers as every other channel. What can go
wrong here is the payload itself: too big, not XML, a DTD (refused outright: entity expansion and
external entities are the classic XML attacks), another form, no instanceID, or a value that is
not of its type. Each becomes a :class:`Problem` with an ``odk.*`` code.

Field values are looked up by element name anywhere in the instance, so moving a question into a
group in ``laporan.md`` does not break the reader (XLSForm names are unique within a form).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import fromstring

from tigapilar.reports.draft import Problem, ReportDraft

MAX_XML_BYTES = 1024 * 1024  # a report is a few KB; anything near this is a mistake or an attack
ID_MAX = 160  # width of inbound.external_id and report_submission.external_id

# Element names in laporan.md, and what they become.
DESA, TPS, KATEGORI, TINGKAT = "desa", "tps", "kategori", "tingkat"
JUDUL, URAIAN, JUMLAH_ORANG, WAKTU = "judul", "uraian", "jumlah_orang", "waktu_kejadian"
SUMBER, NAMA_SUMBER, KONTAK_SUMBER, LOKASI = "sumber", "nama_sumber", "kontak_sumber", "lokasi"
ATTACHMENT_FIELDS = ("foto", "berkas")
INSTANCE_ID, DEPRECATED_ID = "instanceID", "deprecatedID"
# Every element the reader uses (the tests hold the form to it, in both directions).
READ_FIELDS = (
    DESA,
    TPS,
    KATEGORI,
    TINGKAT,
    JUDUL,
    URAIAN,
    JUMLAH_ORANG,
    WAKTU,
    SUMBER,
    NAMA_SUMBER,
    KONTAK_SUMBER,
    LOKASI,
    *ATTACHMENT_FIELDS,
    INSTANCE_ID,
    DEPRECATED_ID,
)


@dataclass
class OdkSubmission:
    """What could be read from one instance XML."""

    form_id: str | None = None
    form_version: str | None = None
    instance_id: str | None = None
    deprecated_id: str | None = None
    draft: ReportDraft | None = None
    # File names the instance refers to (photo, extra file): only these parts are kept.
    attachments: tuple[str, ...] = ()
    problems: list[Problem] = field(default_factory=list)

    def add(self, field_name: str, code: str, message: str, pesan: str) -> None:
        self.problems.append(Problem(field_name, f"odk.{code}", message, pesan))


def read_submission(xml: bytes, form_id: str) -> OdkSubmission:
    """Read ``xml`` as a submission of form ``form_id``; problems are listed, never raised."""
    result = OdkSubmission()
    if len(xml) > MAX_XML_BYTES:
        result.add(
            "xml",
            "xml_too_large",
            f"The submission XML is larger than {MAX_XML_BYTES // 1024} KB.",
            f"Data laporan lebih dari {MAX_XML_BYTES // 1024} KB; laporan tidak dapat dibaca.",
        )
        return result
    root = _parse(xml, result)
    if root is None:
        return result
    values = _leaf_values(root)
    result.form_id = root.get("id") or None
    result.form_version = root.get("version") or None
    result.instance_id = _submission_id(values.get(INSTANCE_ID), INSTANCE_ID, result)
    result.deprecated_id = _submission_id(values.get(DEPRECATED_ID), DEPRECATED_ID, result)
    if result.form_id != form_id:
        result.add(
            "form",
            "unknown_form",
            f"Form '{result.form_id or ''}' is not accepted here (expected '{form_id}').",
            "Formulir ini tidak dikenal server. Unduh ulang formulir laporan (Ambil Formulir Kosong).",
        )
    if result.instance_id is None and not any(p.field == INSTANCE_ID for p in result.problems):
        result.add(
            INSTANCE_ID,
            "no_instance_id",
            "The submission has no meta/instanceID.",
            "Laporan tidak memiliki nomor kiriman (instanceID); gunakan formulir dari server ini.",
        )
    if result.problems:
        return result
    result.draft = _draft(values, result)
    result.attachments = tuple(name for f in ATTACHMENT_FIELDS if (name := values.get(f)))
    return result


def _parse(xml: bytes, result: OdkSubmission) -> Element | None:
    try:
        # forbid_dtd: a submission never needs one, and refusing every DTD closes entity expansion
        # ("billion laughs") and external entities at once.
        root: Element = fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as exc:
        result.add(
            "xml",
            "forbidden_xml",
            f"The submission XML uses a DTD or entities, which are refused ({type(exc).__name__}).",
            "Data laporan memuat DTD/entitas XML yang tidak diizinkan; laporan ditolak.",
        )
        return None
    except (ParseError, ValueError) as exc:
        result.add(
            "xml",
            "bad_xml",
            f"The submission is not readable XML ({exc}).",
            "Data laporan rusak atau bukan XML; kirim ulang dari ODK Collect.",
        )
        return None
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _leaf_values(root: Element) -> dict[str, str]:
    values: dict[str, str] = {}
    for element in root.iter():
        if element is root or len(element) or not isinstance(element.tag, str):
            continue
        values.setdefault(_local(element.tag), (element.text or "").strip())
    return values


def _submission_id(value: str | None, name: str, result: OdkSubmission) -> str | None:
    if not value:
        return None
    if len(value) > ID_MAX:
        result.add(
            name,
            "bad_instance_id",
            f"meta/{name} is longer than {ID_MAX} characters.",
            "Nomor kiriman (instanceID) tidak valid.",
        )
        return None
    return value


def _draft(values: dict[str, str], result: OdkSubmission) -> ReportDraft:
    lat, lng, accuracy = _geopoint(values.get(LOKASI), result)
    return ReportDraft(
        desa_code=values.get(DESA) or None,
        category=values.get(KATEGORI) or None,
        severity=_integer(values, TINGKAT, result),
        description=values.get(URAIAN) or None,
        title=values.get(JUDUL) or None,
        occurred_at=_time(values.get(WAKTU), result),
        tps_number=_integer(values, TPS, result),
        lat=lat,
        lng=lng,
        accuracy_m=accuracy,
        people_involved=_integer(values, JUMLAH_ORANG, result),
        source_kind=values.get(SUMBER) or "officer",
        source_name=values.get(NAMA_SUMBER) or None,
        source_contact=values.get(KONTAK_SUMBER) or None,
    )


def _integer(values: dict[str, str], name: str, result: OdkSubmission) -> int | None:
    text = values.get(name)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        result.add(
            name, "bad_number", f"{name} is not a whole number: '{text[:40]}'.", f"{name} bukan angka."
        )
        return None


def _time(text: str | None, result: OdkSubmission) -> datetime | None:
    """Collect sends ISO 8601 with milliseconds and the phone's offset: 2024-11-26T10:15:00.000+08:00."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        result.add(
            WAKTU,
            "bad_time",
            f"The event time is not an ISO 8601 date and time: '{text[:40]}'.",
            "Waktu kejadian tidak dapat dibaca.",
        )
        return None


def _geopoint(text: str | None, result: OdkSubmission) -> tuple[float | None, float | None, float | None]:
    """ODK geopoint: "lat lng altitude accuracy" (altitude and accuracy may be missing)."""
    if not text:
        return None, None, None
    parts = text.split()
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if not 2 <= len(numbers) <= 4:
        result.add(
            LOKASI,
            "bad_geopoint",
            f"The GPS point is not 'lat lng [alt [accuracy]]': '{text[:60]}'.",
            "Titik GPS tidak dapat dibaca.",
        )
        return None, None, None
    return numbers[0], numbers[1], numbers[3] if len(numbers) == 4 else None
