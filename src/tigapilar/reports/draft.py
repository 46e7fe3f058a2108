"""One shape for a report, whatever channel it came through, and its validation.

Channels (ODK, SMS, web form, API) turn their payloads into a :class:`ReportDraft` and stop there;
everything a report must satisfy is checked here once, so that the same mistake gets the same
answer on every channel: a stable code, an English message for logs and analysts, and an Indonesian
``pesan`` for the person in the field.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from shapely.geometry import Point, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.core.scope import Scope
from tigapilar.elections.calendar import Calendar
from tigapilar.regions.codes import code_problem, level_of
from tigapilar.reports.taxonomy import Taxonomy
from tigapilar.storage.models import Region, Tps

SOURCE_KINDS = ("officer", "community", "anonymous")
# A phone's clock may run a little fast; a report further ahead than this is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=15)
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
# A point this far outside the village polygon (degrees, ~1 km) is flagged; GPS near a border is not.
OUTSIDE_MARGIN_DEG = 0.01


@dataclass
class ReportDraft:
    """What a channel could read from a payload; nothing here is trusted yet."""

    desa_code: str | None
    category: str | None
    severity: int | None
    description: str | None
    title: str | None = None
    occurred_at: datetime | None = None  # aware; None: when it was received
    tps_number: int | None = None
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    people_involved: int | None = None
    source_kind: str = "officer"
    source_name: str | None = None
    source_contact: str | None = None

    def fingerprint(self) -> str:
        """SHA-256 of the draft's content, for channels whose raw payload is not canonical."""
        data = asdict(self)
        if self.occurred_at is not None:
            data["occurred_at"] = self.occurred_at.isoformat()
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    """One reason a draft cannot become a report yet."""

    field: str
    code: str
    message: str
    pesan: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message, "pesan": self.pesan}


@dataclass
class CheckedReport:
    """A draft that passed every check, with what was derived from it."""

    draft: ReportDraft
    desa_code: str
    category: str
    severity: int
    title: str
    description: str
    occurred_at: datetime
    tps_id: int | None
    election: str | None
    stage: str | None
    location_flag: str | None


@dataclass
class DraftCheck:
    problems: list[Problem] = field(default_factory=list)
    report: CheckedReport | None = None

    def add(self, field_name: str, code: str, message: str, pesan: str) -> None:
        self.problems.append(Problem(field_name, f"report.{code}", message, pesan))


def check_draft(
    session: Session,
    draft: ReportDraft,
    *,
    scope: Scope,
    taxonomy: Taxonomy,
    calendar: Calendar,
    received_at: datetime,
) -> DraftCheck:
    """Every problem with ``draft`` (all of them, so a sender fixes them in one go), or the checked report."""
    result = DraftCheck()
    region = _check_village(session, draft, scope, result)
    category = _check_category(draft, taxonomy, result)
    severity = _check_severity(draft, taxonomy, result)
    description = (draft.description or "").strip()
    if not description:
        result.add("description", "description_required", "A description is required.", "Uraian wajib diisi.")
    elif len(description) > DESCRIPTION_MAX:
        result.add(
            "description",
            "description_too_long",
            f"The description is longer than {DESCRIPTION_MAX} characters.",
            f"Uraian lebih dari {DESCRIPTION_MAX} karakter.",
        )
    occurred_at = _check_time(draft, received_at, result)
    _check_numbers(draft, result)
    if draft.source_kind not in SOURCE_KINDS:
        result.add(
            "source_kind",
            "bad_source_kind",
            f"Source must be one of {', '.join(SOURCE_KINDS)}.",
            "Sumber harus petugas (officer), masyarakat (community) atau anonim (anonymous).",
        )
    if result.problems or region is None or category is None or severity is None:
        return result
    stage = calendar.stage_at(occurred_at, region.code)
    tps_id = _check_tps(session, draft, region.code, stage.election if stage else None, result)
    if result.problems:
        return result
    title = (draft.title or "").strip() or _title_from(description)
    result.report = CheckedReport(
        draft=draft,
        desa_code=region.code,
        category=category,
        severity=severity,
        title=title[:TITLE_MAX],
        description=description,
        occurred_at=occurred_at,
        tps_id=tps_id,
        election=stage.election if stage else None,
        stage=stage.stage if stage else None,
        location_flag=_location_flag(session, draft, region),
    )
    return result


def _check_village(session: Session, draft: ReportDraft, scope: Scope, result: DraftCheck) -> Region | None:
    code = (draft.desa_code or "").strip()
    if not code:
        result.add(
            "desa_code", "village_required", "The village (desa code) is required.", "Kode desa wajib diisi."
        )
        return None
    problem = code_problem(code)
    if problem or level_of(code) != 4:
        result.add(
            "desa_code",
            "bad_village_code",
            f"'{code}' is not a desa/kelurahan code (e.g. 64.71.01.1001).",
            f"'{code}' bukan kode desa/kelurahan (contoh: 64.71.01.1001).",
        )
        return None
    region = session.get(Region, code)
    if region is None:
        result.add(
            "desa_code", "unknown_village", f"There is no village {code}.", f"Desa {code} tidak dikenal."
        )
        return None
    if not scope.covers(code):
        result.add(
            "desa_code",
            "village_out_of_scope",
            f"Village {code} is outside the sender's assigned area.",
            f"Desa {code} ({region.name}) di luar wilayah tugas Anda.",
        )
        return None
    return region


def _check_category(draft: ReportDraft, taxonomy: Taxonomy, result: DraftCheck) -> str | None:
    code = (draft.category or "").strip()
    if taxonomy.category(code) is not None:
        return code
    known = ", ".join(c.code for c in taxonomy.categories)
    if not code:
        result.add("category", "category_required", "A category is required.", "Kategori wajib diisi.")
    else:
        result.add(
            "category",
            "unknown_category",
            f"Unknown category '{code}'; use one of: {known}.",
            f"Kategori '{code}' tidak dikenal; pilih salah satu: {known}.",
        )
    return None


def _check_severity(draft: ReportDraft, taxonomy: Taxonomy, result: DraftCheck) -> int | None:
    top = taxonomy.max_severity
    if draft.severity is not None and 1 <= draft.severity <= top:
        return draft.severity
    result.add(
        "severity",
        "bad_severity",
        f"Severity must be a whole number from 1 to {top}.",
        f"Tingkat harus angka 1 sampai {top}.",
    )
    return None


def _check_time(draft: ReportDraft, received_at: datetime, result: DraftCheck) -> datetime:
    occurred = draft.occurred_at or received_at
    if occurred.tzinfo is None:
        result.add(
            "occurred_at",
            "naive_time",
            "The time of the event must include its UTC offset.",
            "Waktu kejadian harus menyertakan zona waktu.",
        )
        return received_at
    if occurred > received_at + FUTURE_TOLERANCE:
        result.add(
            "occurred_at",
            "time_in_future",
            "The event time lies in the future.",
            "Waktu kejadian tidak boleh di masa depan.",
        )
    return occurred


def _check_numbers(draft: ReportDraft, result: DraftCheck) -> None:
    if draft.people_involved is not None and not 0 <= draft.people_involved <= 1_000_000:
        result.add(
            "people_involved",
            "bad_people_count",
            "People involved must be between 0 and 1,000,000.",
            "Jumlah orang terlibat harus antara 0 dan 1.000.000.",
        )
    if (draft.lat is None) != (draft.lng is None):
        result.add("lat", "half_a_point", "Send both latitude and longitude.", "Kirim lintang dan bujur.")
    elif draft.lat is not None and draft.lng is not None and not _on_earth(draft.lat, draft.lng):
        result.add("lat", "bad_point", "The GPS point is not on Earth.", "Titik GPS tidak valid.")
    if draft.accuracy_m is not None and draft.accuracy_m < 0:
        result.add(
            "accuracy_m", "bad_accuracy", "GPS accuracy cannot be negative.", "Akurasi GPS tidak valid."
        )


def _on_earth(lat: float, lng: float) -> bool:
    return -90 <= lat <= 90 and -180 <= lng <= 180


def _check_tps(
    session: Session, draft: ReportDraft, desa_code: str, election: str | None, result: DraftCheck
) -> int | None:
    if draft.tps_number is None:
        return None
    query = select(Tps.id, Tps.election).where(Tps.desa_code == desa_code, Tps.number == draft.tps_number)
    rows = session.execute(query.order_by(Tps.election.desc())).all()
    chosen = next((r.id for r in rows if r.election == election), rows[0].id if rows else None)
    if chosen is None:
        result.add(
            "tps_number",
            "unknown_tps",
            f"Village {desa_code} has no TPS {draft.tps_number}.",
            f"TPS {draft.tps_number:03d} tidak ada di desa {desa_code}.",
        )
    return chosen


def _location_flag(session: Session, draft: ReportDraft, region: Region) -> str | None:
    """``outside_village`` when the point is clearly outside the village's polygon (if one is known)."""
    if draft.lat is None or draft.lng is None:
        return None
    geometry = session.scalar(select(Region.geometry).where(Region.code == region.code))
    if not geometry:
        return None
    polygon = shape(json.loads(geometry))
    if polygon.distance(Point(draft.lng, draft.lat)) > OUTSIDE_MARGIN_DEG:
        return "outside_village"
    return None


def _title_from(description: str) -> str:
    first = description.splitlines()[0].strip()
    return first if len(first) <= 80 else first[:77].rstrip() + "..."
