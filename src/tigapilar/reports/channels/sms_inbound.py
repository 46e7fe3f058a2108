"""One inbound SMS, from the gateway's fields to the reply the officer gets.

The web layer has already checked the gateway's shared secret and read the fields; here:

1. the sender's number is normalised to +62... and the officer looked up (read only);
2. the payload is journaled through the intake, before the text is read;
3. unknown, inactive or village-less senders are parked for review with a reply that says whom to
   call; otherwise the text is parsed (:mod:`.sms`) and a report goes through the shared intake;
4. the reply is built to fit one SMS of 160 GSM characters where possible (two for the help).

INFO and STATUS messages are journaled like everything else but are not submissions: their
journal row ends in state ``answered``, with the reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.reports.channels.sms import (
    HelpRequest,
    ParsedReport,
    StatusRequest,
    Unreadable,
    Village,
    code_help,
    content_hash,
    example_sms,
    external_id_for,
    help_messages,
    normalise_phone,
    normalise_text,
    parse_sms,
    undotted,
)
from tigapilar.reports.channels.sms_text import first_fitting, fit, gsm_safe, shorten
from tigapilar.reports.draft import Problem
from tigapilar.reports.intake import (
    Envelope,
    Intake,
    IntakeResult,
    Outcome,
    Submission,
    Submitter,
    submitter_for_officer,
)
from tigapilar.storage.models import Officer, OfficerVillage, Region, Report, Tps

CHANNEL = "sms"
# A sent time older than this is a phone whose clock was reset (feature phones fall back to 2000
# or 1980 when the battery is out), not a message that waited this long for signal.
MAX_SENT_AGE = timedelta(days=30)
STATUS_LABELS = {
    "baru": "baru, belum diperiksa",
    "terverifikasi": "terverifikasi",
    "ditolak": "ditolak",
    "ditindaklanjuti": "sedang ditindaklanjuti",
    "selesai": "selesai",
}
REJECT_LABELS = {"tidak_valid": "tidak valid", "duplikat": "duplikat"}
CALL_POLSEK = "Hubungi Polsek setempat."


@dataclass(frozen=True)
class InboundSms:
    """What a gateway posted: the fields tigapilar needs, and the body to journal."""

    sender: str
    text: str
    body: bytes
    content_type: str | None = None
    message_id: str | None = None
    sent_at: datetime | None = None  # aware
    remote_addr: str | None = None


@dataclass
class SmsReply:
    """What to send back: no message (``to`` None) only to senders that cannot receive one."""

    to: str | None
    messages: list[str]
    outcome: str  # an intake Outcome's value, or help | status
    inbound_id: int
    report_id: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.messages)


@dataclass(frozen=True)
class _Sender:
    officer_id: int
    active: bool
    villages: list[Village]
    submitter: Submitter


def receive_sms(intake: Intake, sms: InboundSms) -> SmsReply:
    """Journal, read and answer one SMS (see the module's docstring)."""
    phone = normalise_phone(sms.sender)
    sender_label = phone or sms.sender.strip()[:40] or None
    text = normalise_text(sms.text)
    external_id = external_id_for(sender_label or "-", sms.message_id, text)
    now = intake.clock()
    sender = _find_sender(intake, phone) if phone else None
    area = sender.villages[0].code if sender and sender.villages else None
    inbound_id = intake.journal(
        Envelope(
            channel=CHANNEL,
            body=sms.body,
            content_type=sms.content_type,
            external_id=external_id,
            officer_id=sender.officer_id if sender else None,
            sender=sender_label,
            remote_addr=sms.remote_addr,
            area_code=area,
        )
    )
    if phone is None:
        # Operator promotions and short codes: kept for review, never answered (it could cost money).
        return _refuse(intake, inbound_id, None, _not_mobile(sms.sender), None)
    if sender is None:
        return _refuse(intake, inbound_id, phone, _unknown_sender(phone), None)
    refused = _sender_problem(phone, sender)
    if refused is not None:
        return _refuse(intake, inbound_id, phone, refused, area)
    parsed = parse_sms(text, intake.taxonomy, sender.villages)
    if isinstance(parsed, HelpRequest):
        about = code_help(parsed.topic, intake.taxonomy) if parsed.topic else None
        messages = _safe([about] if about else help_messages(intake.taxonomy, area))
        intake.answered(inbound_id, "\n".join(messages))
        return SmsReply(phone, messages, "help", inbound_id)
    if isinstance(parsed, StatusRequest):
        if parsed.invalid is not None:
            message = f"Nomor laporan '{parsed.invalid}' tidak valid. Contoh: STATUS 123"
        else:
            message = _status_reply(intake, sender.officer_id, parsed.report_id)
        intake.answered(inbound_id, message)
        return SmsReply(phone, _safe([message]), "status", inbound_id)
    if isinstance(parsed, Unreadable):
        intake.reject(inbound_id, parsed.problems, parsed.desa_code or area)
        reply = _problems_reply(parsed.problems, parsed.example, sender.villages)
        outcome = Outcome.NEEDS_REVIEW.value
        return SmsReply(phone, _safe([reply]), outcome, inbound_id, problems=parsed.problems)
    parsed.draft.occurred_at = occurred_at(sms.sent_at, now)
    submission = Submission(CHANNEL, parsed.draft, content_hash(text), external_id=external_id)
    result = intake.process(inbound_id, sender.submitter, submission)
    messages = _safe([_outcome_reply(intake, result, parsed, sender.villages)])
    return SmsReply(phone, messages, result.outcome.value, inbound_id, result.report_id, result.problems)


def _refuse(
    intake: Intake, inbound_id: int, phone: str | None, problem: Problem, area: str | None
) -> SmsReply:
    """Park the SMS for review; answer the sender when they can receive an answer."""
    intake.reject(inbound_id, [problem], area)
    messages = _safe([problem.pesan]) if phone else []
    return SmsReply(phone, messages, Outcome.NEEDS_REVIEW.value, inbound_id, problems=[problem])


def occurred_at(sent_at: datetime | None, received_at: datetime) -> datetime | None:
    """When it happened: the time the SMS was sent (it may wait hours for signal), never in the future.

    None (the intake then uses the time received) when the gateway gave no time or an implausibly old
    one.
    """
    if sent_at is None or sent_at < received_at - MAX_SENT_AGE:
        return None
    return min(sent_at, received_at)


# --- the sender -----------------------------------------------------------------------------------


def _find_sender(intake: Intake, phone: str) -> _Sender | None:
    with intake.database.session() as session:
        officer = session.scalar(select(Officer).where(Officer.phone == phone))
        if officer is None:
            return None
        rows = session.execute(
            select(Region.code, Region.name)
            .join(OfficerVillage, OfficerVillage.desa_code == Region.code)
            .where(OfficerVillage.officer_id == officer.id)
            .order_by(Region.code)
        )
        villages = [Village(code, name) for code, name in rows]
        return _Sender(officer.id, officer.active, villages, submitter_for_officer(session, officer))


def _refusal(code: str, message: str, pesan: str) -> Problem:
    return Problem("sender", code, message, pesan)


def _not_mobile(sender: str) -> Problem:
    if not sender.strip():
        return _refusal("sms.no_sender", "The gateway sent no sender number.", "Nomor pengirim tidak ada.")
    return _refusal(
        "sms.sender_not_mobile",
        f"The sender '{sender}' is not an Indonesian mobile number.",
        "Pengirim bukan nomor HP Indonesia.",
    )


def _unknown_sender(phone: str) -> Problem:
    return _refusal(
        "sms.unknown_sender",
        f"No officer has the number {phone}.",
        "Nomor Anda belum terdaftar di tigapilar. Hubungi Polsek setempat agar nomor ini "
        "didaftarkan sebagai petugas desa.",
    )


def _sender_problem(phone: str, sender: _Sender) -> Problem | None:
    if not sender.active:
        return _refusal(
            "sms.inactive_officer",
            f"The officer with the number {phone} is inactive.",
            f"Nomor Anda terdaftar untuk petugas yang sudah nonaktif. {CALL_POLSEK}",
        )
    if not sender.villages:
        return _refusal(
            "sms.no_villages",
            f"The officer with the number {phone} has no assigned villages.",
            f"Nomor Anda belum punya desa tugas di tigapilar. {CALL_POLSEK}",
        )
    return None


# --- replies --------------------------------------------------------------------------------------


def _safe(messages: list[str]) -> list[str]:
    return [shorten(gsm_safe(m)) for m in messages]


def _outcome_reply(
    intake: Intake, result: IntakeResult, parsed: ParsedReport, villages: list[Village]
) -> str:
    if result.outcome in (Outcome.CREATED, Outcome.DUPLICATE) and result.report_id is not None:
        # A retry gets the very same confirmation: the first may never have reached the phone.
        return confirmation(intake, result.report_id)
    if result.outcome is Outcome.CONFLICT:
        return fit(result.pesan, "Kirim ulang laporan sebagai SMS baru.")
    # The example repeats the sender's SMS, except what the checks refused.
    refused = {p.field for p in result.problems}
    draft = parsed.draft
    desa = villages[0].code if "desa_code" in refused or not draft.desa_code else draft.desa_code
    tps = None if "tps_number" in refused else draft.tps_number
    example = example_sms(desa, parsed.category_sms, draft.severity or 2, tps)
    return _problems_reply(result.problems, example, villages)


def _problems_reply(problems: list[Problem], example: str, villages: list[Village]) -> str:
    """The first problem, then as many others, the sender's villages and an example as fit one SMS."""
    if not problems:
        return fit("Laporan belum dapat diterima dan akan diperiksa analis.", example)
    extra: list[str] = [p.pesan for p in problems[1:]]
    about_village = any(p.field == "desa_code" for p in problems)
    if about_village and villages and not any("Desa Anda:" in p.pesan for p in problems):
        extra.append("Desa Anda: " + ", ".join(f"{undotted(v.code)} {v.name}" for v in villages) + ".")
    return fit(problems[0].pesan, *extra, example)


def confirmation(intake: Intake, report_id: int) -> str:
    """``Laporan no. 12 diterima: Politik uang, tingkat 2 (Sedang), Manggar, TPS 3. Cek: STATUS 12``."""
    with intake.database.session() as session:
        report = session.get_one(Report, report_id)
        place = _place(session, report)
        category = intake.taxonomy.category(report.category)
        short = category.sms[0] if category and category.sms else report.category
        label = intake.taxonomy.category_label(report.category)
        level = f"tingkat {report.severity} ({intake.taxonomy.severity_label(report.severity)})"
    check = f"Cek status: STATUS {report_id}."
    return first_fitting(
        f"Laporan no. {report_id} diterima: {label}, {level}, {place}. {check}",
        f"Laporan no. {report_id} diterima: {short}, {level}, {place}. {check}",
        f"Laporan no. {report_id} diterima: {short}, tingkat {report.severity}, {place}.",
    )


def _place(session: Session, report: Report) -> str:
    name = session.scalar(select(Region.name).where(Region.code == report.desa_code)) or report.desa_code
    if report.tps_id is not None:
        number = session.scalar(select(Tps.number).where(Tps.id == report.tps_id))
        if number is not None:
            return f"{name}, TPS {number}"
    return name


def _status_reply(intake: Intake, officer_id: int, report_id: int | None) -> str:
    """The status of one of the sender's own reports; other people's reports do not exist for them."""
    with intake.database.session() as session:
        query = select(Report).where(Report.officer_id == officer_id)
        if report_id is not None:
            query = query.where(Report.id == report_id)
        report = session.scalar(query.order_by(Report.id.desc()).limit(1))
        if report is None:
            if report_id is None:
                return "Belum ada laporan dari nomor Anda. Kirim INFO untuk cara melapor."
            return f"Laporan no. {report_id} tidak ditemukan di antara laporan Anda."
        place = _place(session, report)
    status = STATUS_LABELS.get(report.status, report.status)
    if report.status == "ditolak" and report.status_reason:
        status += f" ({REJECT_LABELS.get(report.status_reason, report.status_reason)}"
        status += f", lihat no. {report.duplicate_of})" if report.duplicate_of else ")"
    zone = ZoneInfo(intake.settings.timezone)
    updated = report.updated_at.astimezone(zone)
    when = f"{updated:%d/%m %H.%M} {updated.tzname() or intake.settings.timezone}"
    label = intake.taxonomy.category_label(report.category)
    return first_fitting(
        f"Laporan no. {report.id} ({label}, {place}): {status}. Diperbarui {when}.",
        f"Laporan no. {report.id} ({place}): {status}. Diperbarui {when}.",
        f"Laporan no. {report.id}: {status}.",
    )
