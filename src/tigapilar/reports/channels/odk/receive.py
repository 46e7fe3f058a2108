"""One ODK submission through the shared intake: journal, read, check, and the answer for Collect.

The answer matters because Collect re-sends anything not answered with 201 or 202, every time the
officer (or auto-send) sends again. So:

* 201 Created: a new report, a retry of one already stored (also how the later posts of a
  multi-post ``*isIncomplete*`` submission add their attachments), or an accepted edit;
* 202 Accepted: kept for an analyst (village outside the officer's area, unknown category, ...).
  Sending it again cannot change the outcome, so Collect must stop; the message says so in
  Indonesian;
* 400 / 413: the payload could not be read at all (not XML, a DTD, another form, no instanceID,
  too large). It is journaled for review too, but the officer should see a failure;
* 409 Conflict: the instanceID was already used for different content.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
from dataclasses import dataclass, field

from tigapilar.accounts.principal import Principal
from tigapilar.reports.attachments import IncomingFile
from tigapilar.reports.channels.odk.form import OdkForm
from tigapilar.reports.channels.odk.submission import MAX_XML_BYTES, OdkSubmission, read_submission
from tigapilar.reports.draft import Problem
from tigapilar.reports.intake import Envelope, Intake, Outcome, Submission, submitter_for_principal

log = logging.getLogger("tigapilar.odk")

CHANNEL = "odk"
XML_CONTENT_TYPE = "text/xml"
_TOO_LARGE_CODES = frozenset({"odk.xml_too_large", "odk.request_too_large"})


@dataclass(frozen=True)
class Upload:
    """What one POST carried: the instance XML and its attachments, as received."""

    xml: bytes
    files: list[IncomingFile] = field(default_factory=list)
    # Collect's multi-post submissions: every post but the last says "*isIncomplete*: yes".
    incomplete: bool = False


@dataclass(frozen=True)
class Reply:
    status: int
    message: str  # Indonesian; Collect shows it to the officer
    inbound_id: int
    outcome: Outcome | None = None
    report_id: int | None = None


def home_area(principal: Principal) -> str | None:
    """The sender's area, so that the right analysts see what could not be read (None: national)."""
    return min(principal.scope.codes) if principal.scope.codes else None


def _envelope(
    principal: Principal, body: bytes, remote_addr: str | None, external_id: str | None
) -> Envelope:
    return Envelope(
        channel=CHANNEL,
        body=body,
        content_type=XML_CONTENT_TYPE,
        external_id=external_id,
        user_id=principal.user_id or None,
        officer_id=principal.officer_id,
        remote_addr=remote_addr,
        area_code=home_area(principal),
    )


def refuse(
    intake: Intake,
    principal: Principal,
    problem: Problem,
    *,
    body: bytes = b"",
    remote_addr: str | None = None,
) -> Reply:
    """Journal and park a request that could not even be unpacked (too large, broken multipart)."""
    inbound_id = intake.journal(_envelope(principal, body, remote_addr, None))
    intake.reject(inbound_id, [problem], home_area(principal))
    return Reply(
        _status_for([problem]), f"Laporan ditolak: {problem.pesan}", inbound_id, Outcome.NEEDS_REVIEW
    )


def receive(
    intake: Intake,
    principal: Principal,
    form: OdkForm,
    upload: Upload,
    *,
    remote_addr: str | None = None,
) -> Reply:
    read = _read(upload.xml, form)
    # Journaled before anything is acted on. The XML is read first only so that the journal row
    # carries the instanceID: reading has no side effects and _read turns any failure into a
    # problem, so a payload can still never be lost. An oversized XML is kept up to the limit.
    inbound_id = intake.journal(
        _envelope(principal, upload.xml[:MAX_XML_BYTES], remote_addr, read.instance_id)
    )
    if read.problems or read.draft is None:
        area = (read.draft.desa_code if read.draft else None) or home_area(principal)
        intake.reject(inbound_id, read.problems, area)
        pesan = "; ".join(p.pesan for p in read.problems)
        return Reply(
            _status_for(read.problems), f"Laporan ditolak: {pesan}", inbound_id, Outcome.NEEDS_REVIEW
        )
    assert read.instance_id is not None  # a missing one is a problem above
    with intake.database.session() as session:
        submitter = submitter_for_principal(session, principal)
    submission = Submission(
        channel=CHANNEL,
        draft=read.draft,
        content_hash=hashlib.sha256(upload.xml).hexdigest(),
        external_id=read.instance_id,
        replaces=read.deprecated_id,
        files=_named_files(upload.files, read.attachments),
    )
    result = intake.process(inbound_id, submitter, submission)
    number = result.report_id
    if result.outcome is Outcome.CREATED:
        more = " Lampiran berikutnya sedang dikirim." if upload.incomplete else ""
        message = f"Laporan diterima dengan nomor {number}. Terima kasih.{more}"
        return Reply(201, message, inbound_id, result.outcome, number)
    if result.outcome is Outcome.DUPLICATE:
        message = f"Laporan nomor {number} sudah diterima sebelumnya; tidak dicatat dua kali."
        return Reply(201, message, inbound_id, result.outcome, number)
    if result.outcome is Outcome.EDITED:
        return Reply(201, f"Perubahan laporan nomor {number} diterima.", inbound_id, result.outcome, number)
    if result.outcome is Outcome.CONFLICT:
        return Reply(409, f"Laporan ditolak: {result.pesan}", inbound_id, result.outcome, number)
    message = (
        "Laporan diterima dan akan diperiksa analis sebelum dicatat; tidak perlu dikirim ulang. "
        f"Catatan: {result.pesan}"
    )
    return Reply(202, message, inbound_id, result.outcome)


def _read(xml: bytes, form: OdkForm) -> OdkSubmission:
    try:
        return read_submission(xml, form.form_id)
    except Exception:  # a bug in the reader must not lose the payload: it is journaled and parked
        log.exception("reading an ODK submission failed")
        failed = OdkSubmission()
        failed.add(
            "xml",
            "unreadable",
            "The submission could not be read (internal error, logged).",
            "Laporan tidak dapat dibaca server; sudah dicatat untuk diperiksa.",
        )
        return failed


def _status_for(problems: list[Problem]) -> int:
    return 413 if any(p.code in _TOO_LARGE_CODES for p in problems) else 400


def _named_files(files: list[IncomingFile], names: tuple[str, ...]) -> list[IncomingFile]:
    """The parts the XML names, with a content type; Collect also sends any other file it holds."""
    wanted = set(names)
    kept = []
    for f in files:
        base = os.path.basename(f.filename)
        if base not in wanted:
            log.info("ODK submission: ignoring attachment %r that the XML does not name", base)
            continue
        kept.append(IncomingFile(base, _content_type(base, f.content_type), f.data))
    return kept


def _content_type(filename: str, declared: str) -> str:
    """The declared type, unless it says nothing (some clients send octet-stream for everything)."""
    kind = declared.split(";")[0].strip().lower()
    if kind and kind != "application/octet-stream":
        return kind
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or kind or "application/octet-stream"
