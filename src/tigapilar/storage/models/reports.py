"""Field reports, their history, submissions and attachments, and the journal of every inbound payload."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from tigapilar.storage.models.base import Base, RegionCode, UtcDateTime, utcnow


class Inbound(Base):
    """One payload as it arrived, on any channel, journaled (and committed) before it is parsed.

    Nothing that reaches tigapilar is dropped: a payload that cannot become a report stays here in
    state ``needs_review`` with the reason, until an analyst corrects and accepts it or discards it.
    """

    __tablename__ = "inbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # odk | web | sms | api
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id", ondelete="SET NULL"))
    sender: Mapped[str | None] = mapped_column(String(40))  # SMS: the sending number
    content_type: Mapped[str | None] = mapped_column(String(120))
    body: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    # The client's own id for the submission (ODK instanceID, API client id, SMS message id).
    external_id: Mapped[str | None] = mapped_column(String(160))
    # The submission's content hash as its channel computed it, kept so that a report accepted
    # after review answers the sender's later retries as a duplicate, not as a conflict.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # Who may review it: the village it names when that could be read, else the sender's area;
    # NULL only when neither is known (then national reviewers see it).
    area_code: Mapped[str | None] = mapped_column(RegionCode())
    # received | accepted | duplicate | conflict | needs_review | corrected | discarded | answered
    state: Mapped[str] = mapped_column(String(14), default="received")
    error_code: Mapped[str | None] = mapped_column(String(60))
    error_message: Mapped[str | None] = mapped_column(Text)  # English, for logs and analysts
    pesan: Mapped[str | None] = mapped_column(Text)  # Indonesian, as told to the sender
    # inbound and report point at each other, so this key is added after both tables exist.
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("report.id", ondelete="SET NULL", use_alter=True, name="fk_inbound_report_id_report")
    )
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    review_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_inbound_state_received_at", "state", "received_at"),
        Index("ix_inbound_area_code_state", "area_code", "state"),
        Index("ix_inbound_channel_external_id", "channel", "external_id"),
    )


class Report(Base):
    __tablename__ = "report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id", ondelete="SET NULL"))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    # Who: the reporting officer (and pillar), or a community/anonymous source entered by an officer.
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id", ondelete="SET NULL"), index=True)
    pillar: Mapped[str | None] = mapped_column(String(20))
    source_kind: Mapped[str] = mapped_column(String(12), default="officer")  # officer|community|anonymous
    source_name: Mapped[str | None] = mapped_column(String(160))
    source_contact: Mapped[str | None] = mapped_column(String(80))
    # Where
    desa_code: Mapped[str] = mapped_column(RegionCode(), ForeignKey("region.code", ondelete="RESTRICT"))
    tps_id: Mapped[int | None] = mapped_column(ForeignKey("tps.id", ondelete="SET NULL"))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_flag: Mapped[str | None] = mapped_column(String(30))  # e.g. outside_village
    # When (UTC) and the election stage it falls in
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    election: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(40))
    # What
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    people_involved: Mapped[int | None] = mapped_column(Integer)
    # baru -> terverifikasi | ditolak -> ditindaklanjuti -> selesai
    status: Mapped[str] = mapped_column(String(20), default="baru")
    status_reason: Mapped[str | None] = mapped_column(String(20))  # tidak_valid | duplikat
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (
        Index("ix_report_desa_code_occurred_at", "desa_code", "occurred_at"),
        Index("ix_report_status_received_at", "status", "received_at"),
        Index("ix_report_category_occurred_at", "category", "occurred_at"),
        Index("ix_report_election_stage", "election", "stage"),
        # The detectors read every report of the last weeks by time alone.
        Index("ix_report_occurred_at", "occurred_at"),
        Index("ix_report_received_at_id", "received_at", "id"),  # newest-first lists and exports
    )


class ReportSubmission(Base):
    """A client's id for a submission that became (or edited) a report: the key of idempotent retries.

    The unique key is what makes concurrent retries safe: two racing inserts of the same
    (channel, external_id) cannot both commit, and the loser re-reads the winner's report.
    """

    __tablename__ = "report_submission"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    external_id: Mapped[str] = mapped_column(String(160))
    # SHA-256 of the submission's content: the same id with other content is a conflict.
    content_hash: Mapped[str] = mapped_column(String(64))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_report_submission_channel_external_id"),
    )


class ReportEvent(Base):
    """The history of a report: who did what, when and why."""

    __tablename__ = "report_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    # created | status | merged | edited | attachment
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    related_report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"))


class Attachment(Base):
    """A photo or file sent with a report; the bytes live under the data directory, by SHA-256."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("report_id", "filename", name="uq_attachment_report_id_filename"),)
