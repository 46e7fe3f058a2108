"""The intake pipeline every channel shares: journal, check, create once.

1. :meth:`Intake.journal` writes the raw payload to ``inbound`` and commits it *before* anything
   is parsed, so a parse error, a bug or a crash can never lose a submission.
2. The channel parses the payload into a :class:`Submission` (or calls :meth:`Intake.reject` when it
   cannot read it at all).
3. :meth:`Intake.process` checks it and creates the report, its submission key and its history in
   one transaction. A retry with the same key and content returns the same report; same key, other
   content is a conflict. Concurrent retries race on the submission key's unique constraint: the
   loser's transaction fails, and it re-reads the winner's report.

What cannot become a report stays in ``inbound`` as ``needs_review`` with the reasons, for an analyst
to correct and accept or to discard (see :mod:`tigapilar.reports.review`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.core.scope import Scope
from tigapilar.core.settings import Settings
from tigapilar.elections.calendar import Calendar, load_calendar
from tigapilar.regions.codes import code_problem
from tigapilar.reports.attachments import AttachmentStore, IncomingFile, file_problems
from tigapilar.reports.draft import CheckedReport, Problem, ReportDraft, check_draft
from tigapilar.reports.taxonomy import Taxonomy, load_taxonomy
from tigapilar.storage.db import Database
from tigapilar.storage.models import (
    Attachment,
    Inbound,
    Officer,
    OfficerVillage,
    Report,
    ReportEvent,
    ReportSubmission,
)
from tigapilar.storage.models.base import utcnow

CHANNELS = ("odk", "web", "sms", "api")


@dataclass(frozen=True)
class Submitter:
    """Who sent a payload and where they may report."""

    user_id: int | None
    officer_id: int | None
    pillar: str | None
    scope: Scope


def submitter_for_principal(session: Session, principal: Principal) -> Submitter:
    pillar = None
    if principal.officer_id is not None:
        pillar = session.scalar(select(Officer.pillar).where(Officer.id == principal.officer_id))
    return Submitter(principal.user_id or None, principal.officer_id, pillar, principal.scope)


def submitter_for_officer(session: Session, officer: Officer) -> Submitter:
    """An officer without an account (SMS): they may report for the villages they are assigned to."""
    villages = session.scalars(
        select(OfficerVillage.desa_code).where(OfficerVillage.officer_id == officer.id)
    )
    return Submitter(None, officer.id, officer.pillar, Scope.of(villages))


@dataclass(frozen=True)
class Envelope:
    """A payload as it arrived, before anything is read from it."""

    channel: str
    body: bytes
    content_type: str | None = None
    external_id: str | None = None
    user_id: int | None = None
    officer_id: int | None = None
    sender: str | None = None
    remote_addr: str | None = None
    # Who may review it if it goes wrong: the sender's area when known.
    area_code: str | None = None


@dataclass
class Submission:
    """What a channel read from a payload."""

    channel: str
    draft: ReportDraft
    # SHA-256 of the content as the channel defines it (ODK: the XML; API: the canonical JSON).
    content_hash: str
    external_id: str | None = None
    # The external id of an earlier submission this one edits (ODK's meta/deprecatedID).
    replaces: str | None = None
    files: list[IncomingFile] = field(default_factory=list)


class Outcome(StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"  # a retry: the report already exists with this content
    EDITED = "edited"
    CONFLICT = "conflict"  # the same id was already used for other content
    NEEDS_REVIEW = "needs_review"


@dataclass
class IntakeResult:
    outcome: Outcome
    inbound_id: int
    report_id: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def pesan(self) -> str:
        return "; ".join(p.pesan for p in self.problems)

    @property
    def message(self) -> str:
        return "; ".join(p.message for p in self.problems)


class Intake:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        taxonomy: Taxonomy | None = None,
        calendar: Calendar | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.taxonomy = taxonomy or load_taxonomy(settings.config_dir)
        self.calendar = calendar or load_calendar(settings.config_dir, settings.timezone)
        self.files = AttachmentStore(settings.data_dir / "attachments")

    # -- 1. journal ----------------------------------------------------------------------------

    def journal(self, envelope: Envelope) -> int:
        """Write the payload to the journal in its own committed transaction; returns its id."""
        if envelope.channel not in CHANNELS:
            raise ValueError(f"unknown channel {envelope.channel!r}")
        with self.database.session() as session:
            row = Inbound(
                channel=envelope.channel,
                received_at=self.clock(),
                body=envelope.body,
                content_type=(envelope.content_type or "")[:120] or None,
                external_id=(envelope.external_id or "")[:160] or None,
                user_id=envelope.user_id,
                officer_id=envelope.officer_id,
                sender=envelope.sender,
                remote_addr=envelope.remote_addr,
                area_code=envelope.area_code,
                state="received",
            )
            session.add(row)
            session.flush()
            return row.id

    # -- 2. payloads that could not be read --------------------------------------------------------

    def reject(self, inbound_id: int, problems: list[Problem], area_code: str | None = None) -> IntakeResult:
        """Park a payload the channel could not read for review, with the reasons."""
        with self.database.session() as session:
            self._needs_review(session, inbound_id, problems, area_code)
        return IntakeResult(Outcome.NEEDS_REVIEW, inbound_id, problems=problems)

    def answered(self, inbound_id: int, reply: str) -> None:
        """Close a payload that was a question, not a report (an SMS asking for help or a status)."""
        with self.database.session() as session:
            inbound = session.get_one(Inbound, inbound_id)
            inbound.state = "answered"
            inbound.pesan = reply[:4000]

    # -- 3. check and create ---------------------------------------------------------------------

    def process(self, inbound_id: int, submitter: Submitter, submission: Submission) -> IntakeResult:
        if submission.external_id:
            earlier = self._earlier(inbound_id, submission)
            if earlier is not None:
                return earlier
        try:
            with self.database.session() as session:
                return self._create_or_edit(session, inbound_id, submitter, submission)
        except IntegrityError:
            # A concurrent retry committed the same key first; fall through and answer as it would.
            if not submission.external_id:
                raise
        earlier = self._earlier(inbound_id, submission)
        if earlier is None:  # pragma: no cover - the key exists, or the insert would not have failed
            raise RuntimeError("submission key vanished after a unique-key conflict")
        return earlier

    @staticmethod
    def _note_key(inbound: Inbound, submission: Submission) -> None:
        """Record the key read from the payload (channels journal before they can read it)."""
        if submission.external_id:
            inbound.external_id = submission.external_id[:160]
        inbound.content_hash = submission.content_hash

    def _earlier(self, inbound_id: int, submission: Submission) -> IntakeResult | None:
        """The answer for a submission whose key was seen before, or None if it is new."""
        with self.database.session() as session:
            key = session.scalar(
                select(ReportSubmission).where(
                    ReportSubmission.channel == submission.channel,
                    ReportSubmission.external_id == submission.external_id,
                )
            )
            if key is None:
                return None
            inbound = session.get_one(Inbound, inbound_id)
            self._note_key(inbound, submission)
            inbound.report_id = key.report_id
            if key.content_hash != submission.content_hash:
                inbound.state = "conflict"
                inbound.error_code = "report.id_reused"
                inbound.error_message = (
                    f"Submission id {submission.external_id} was already used for other content "
                    f"(report {key.report_id})."
                )
                inbound.pesan = "Nomor kiriman ini sudah dipakai untuk laporan lain dengan isi berbeda."
                problem = Problem("external_id", "report.id_reused", inbound.error_message, inbound.pesan)
                return IntakeResult(Outcome.CONFLICT, inbound_id, key.report_id, [problem])
            inbound.state = "duplicate"
            self._attach(session, key.report_id, inbound_id, submission.files, record=True)
            return IntakeResult(Outcome.DUPLICATE, inbound_id, key.report_id)

    def _create_or_edit(
        self, session: Session, inbound_id: int, submitter: Submitter, submission: Submission
    ) -> IntakeResult:
        inbound = session.get_one(Inbound, inbound_id)
        self._note_key(inbound, submission)
        check = check_draft(
            session,
            submission.draft,
            scope=submitter.scope,
            taxonomy=self.taxonomy,
            calendar=self.calendar,
            received_at=inbound.received_at,
        )
        problems = check.problems + file_problems(submission.files, self.settings.max_attachment_bytes)
        if problems or check.report is None:
            self._save_files(session, None, inbound_id, submission.files)
            self._needs_review(session, inbound_id, problems, submission.draft.desa_code)
            return IntakeResult(Outcome.NEEDS_REVIEW, inbound_id, problems=problems)
        if submission.replaces:
            return self._edit(session, inbound, submitter, submission, check.report)
        report = self._new_report(inbound, submitter, submission.channel, check.report)
        session.add(report)
        session.flush()
        self._key(session, report.id, inbound_id, submission)
        session.add(
            ReportEvent(
                report_id=report.id,
                at=inbound.received_at,
                user_id=submitter.user_id,
                action="created",
                to_status="baru",
                reason=f"via {submission.channel}",
            )
        )
        self._attach(session, report.id, inbound_id, submission.files, record=False)
        inbound.state = "accepted"
        inbound.report_id = report.id
        inbound.area_code = report.desa_code
        return IntakeResult(Outcome.CREATED, inbound_id, report.id)

    def _new_report(
        self, inbound: Inbound, submitter: Submitter, channel: str, checked: CheckedReport
    ) -> Report:
        draft = checked.draft
        return Report(
            channel=channel,
            inbound_id=inbound.id,
            submitted_by=submitter.user_id,
            officer_id=submitter.officer_id,
            pillar=submitter.pillar,
            source_kind=draft.source_kind,
            source_name=(draft.source_name or "").strip()[:160] or None,
            source_contact=(draft.source_contact or "").strip()[:80] or None,
            desa_code=checked.desa_code,
            tps_id=checked.tps_id,
            lat=draft.lat,
            lng=draft.lng,
            accuracy_m=draft.accuracy_m,
            location_flag=checked.location_flag,
            occurred_at=checked.occurred_at,
            received_at=inbound.received_at,
            election=checked.election,
            stage=checked.stage,
            category=checked.category,
            severity=checked.severity,
            title=checked.title,
            description=checked.description,
            people_involved=draft.people_involved,
            status="baru",
            updated_at=inbound.received_at,
        )

    def _edit(
        self,
        session: Session,
        inbound: Inbound,
        submitter: Submitter,
        submission: Submission,
        checked: CheckedReport,
    ) -> IntakeResult:
        """An edited resubmission (ODK deprecatedID): update the report while it is still new."""
        earlier = session.scalar(
            select(ReportSubmission).where(
                ReportSubmission.channel == submission.channel,
                ReportSubmission.external_id == submission.replaces,
            )
        )
        report = session.get(Report, earlier.report_id) if earlier else None
        problem = None
        if report is None:
            problem = Problem(
                "replaces",
                "report.edit_unknown",
                f"The edited submission {submission.replaces} is unknown.",
                "Laporan yang diubah tidak ditemukan; laporan ini diperiksa analis.",
            )
        elif report.status != "baru":
            problem = Problem(
                "replaces",
                "report.edit_after_verification",
                f"Report {report.id} was already handled ({report.status}); the edit needs review.",
                f"Laporan {report.id} sudah diproses ({report.status}); perubahan diperiksa analis.",
            )
        if problem is not None or report is None:
            self._save_files(session, None, inbound.id, submission.files)
            self._needs_review(session, inbound.id, [problem] if problem else [], checked.desa_code)
            return IntakeResult(Outcome.NEEDS_REVIEW, inbound.id, problems=[problem] if problem else [])
        fresh = self._new_report(inbound, submitter, submission.channel, checked)
        for column in (
            "desa_code",
            "tps_id",
            "lat",
            "lng",
            "accuracy_m",
            "location_flag",
            "occurred_at",
            "election",
            "stage",
            "category",
            "severity",
            "title",
            "description",
            "people_involved",
            "source_kind",
            "source_name",
            "source_contact",
        ):
            setattr(report, column, getattr(fresh, column))
        report.updated_at = inbound.received_at
        self._key(session, report.id, inbound.id, submission)
        session.add(
            ReportEvent(
                report_id=report.id,
                at=inbound.received_at,
                user_id=submitter.user_id,
                action="edited",
                reason=f"replaced submission {submission.replaces}",
            )
        )
        self._attach(session, report.id, inbound.id, submission.files, record=True)
        inbound.state = "accepted"
        inbound.report_id = report.id
        inbound.area_code = report.desa_code
        return IntakeResult(Outcome.EDITED, inbound.id, report.id)

    def _key(self, session: Session, report_id: int, inbound_id: int, submission: Submission) -> None:
        if not submission.external_id:
            return
        session.add(
            ReportSubmission(
                report_id=report_id,
                channel=submission.channel,
                external_id=submission.external_id,
                content_hash=submission.content_hash,
                inbound_id=inbound_id,
                created_at=self.clock(),
            )
        )
        session.flush()  # the unique key fails here, inside this transaction, on a lost race

    def _attach(
        self, session: Session, report_id: int, inbound_id: int, files: list[IncomingFile], *, record: bool
    ) -> None:
        """Add files not yet on the report (ODK sends big attachments over several posts)."""
        if not files or file_problems(files, self.settings.max_attachment_bytes):
            self._save_files(session, None, inbound_id, files)
            return
        have = set(session.scalars(select(Attachment.filename).where(Attachment.report_id == report_id)))
        new = []
        for f in files:
            if f.safe_name not in have:
                have.add(f.safe_name)
                new.append(f)
        self._save_files(session, report_id, inbound_id, new)
        if record and new:
            names = ", ".join(f.safe_name for f in new)
            session.add(ReportEvent(report_id=report_id, at=self.clock(), action="attachment", reason=names))

    def _save_files(
        self, session: Session, report_id: int | None, inbound_id: int, files: list[IncomingFile]
    ) -> None:
        for f in files:
            if len(f.data) > self.settings.max_attachment_bytes:
                continue  # refused for its size: the journal records it, the bytes are not kept
            digest = self.files.save(f)
            session.add(
                Attachment(
                    report_id=report_id,
                    inbound_id=inbound_id,
                    filename=f.safe_name,
                    content_type=f.content_type[:100],
                    size=len(f.data),
                    sha256=digest,
                    created_at=self.clock(),
                )
            )

    def _needs_review(
        self, session: Session, inbound_id: int, problems: list[Problem], area_code: str | None
    ) -> None:
        inbound = session.get_one(Inbound, inbound_id)
        inbound.state = "needs_review"
        inbound.error_code = problems[0].code if problems else "report.invalid"
        inbound.error_message = "; ".join(p.message for p in problems)[:4000]
        inbound.pesan = "; ".join(p.pesan for p in problems)[:4000]
        # A mistyped but well-formed village code still tells which area's analysts should look.
        if area_code and code_problem(area_code.strip()) is None:
            inbound.area_code = area_code.strip()
