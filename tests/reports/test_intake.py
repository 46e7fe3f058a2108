"""The shared intake pipeline: journal first, checks with reasons, one report per submission key."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from support.clock import Clock
from tigapilar.core.scope import Scope
from tigapilar.core.settings import Settings
from tigapilar.reports.attachments import IncomingFile
from tigapilar.reports.draft import ReportDraft
from tigapilar.reports.intake import Envelope, Intake, Outcome, Submission, Submitter
from tigapilar.storage.db import Database
from tigapilar.storage.models import Attachment, Inbound, Region, Report, ReportEvent, ReportSubmission

MANGGAR = "64.71.01.1001"
NOW = datetime(2024, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 WITA, quiet period of the Pilkada
OFFICER = Submitter(user_id=None, officer_id=None, pillar=None, scope=Scope.of(["64.71"]))


def draft(**changes: object) -> ReportDraft:
    values: dict[str, object] = {
        "desa_code": MANGGAR,
        "category": "politik_uang",
        "severity": 3,
        "description": "Pembagian amplop kepada warga RT 05 oleh tim sukses.",
        "occurred_at": NOW - timedelta(hours=2),
    }
    values.update(changes)
    return ReportDraft(**values)  # type: ignore[arg-type]


def submit(intake: Intake, d: ReportDraft, key: str | None = "k-1", channel: str = "api") -> Outcome:
    inbound = intake.journal(Envelope(channel=channel, body=b"payload", external_id=key))
    result = intake.process(inbound, OFFICER, Submission(channel, d, d.fingerprint(), external_id=key))
    return result.outcome


@pytest.fixture
def intake(regions: Database, settings: Settings) -> Intake:
    return Intake(regions, settings, clock=Clock(NOW))


def count(db: Database, model: type[object]) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_valid_draft_becomes_a_report_with_its_stage_and_history(intake: Intake, regions: Database) -> None:
    assert submit(intake, draft()) is Outcome.CREATED
    with regions.session() as session:
        report = session.scalars(select(Report)).one()
        assert (report.desa_code, report.category, report.severity, report.status) == (
            MANGGAR,
            "politik_uang",
            3,
            "baru",
        )
        assert (report.election, report.stage) == ("pilkada-2024", "masa_tenang")
        assert report.title == "Pembagian amplop kepada warga RT 05 oleh tim sukses."
        assert report.received_at == NOW
        events = session.scalars(select(ReportEvent.action)).all()
        assert events == ["created"]
        inbound = session.scalars(select(Inbound)).one()
        assert (inbound.state, inbound.report_id, inbound.area_code) == ("accepted", report.id, MANGGAR)


def test_a_retry_with_the_same_key_and_content_is_the_same_report(intake: Intake, regions: Database) -> None:
    assert submit(intake, draft()) is Outcome.CREATED
    assert submit(intake, draft()) is Outcome.DUPLICATE
    assert count(regions, Report) == 1
    assert count(regions, ReportSubmission) == 1
    # Both payloads are journaled, the retry marked as such.
    with regions.session() as session:
        assert sorted(session.scalars(select(Inbound.state))) == ["accepted", "duplicate"]


def test_the_same_key_with_other_content_is_a_conflict_and_kept(intake: Intake, regions: Database) -> None:
    assert submit(intake, draft()) is Outcome.CREATED
    assert submit(intake, draft(severity=4)) is Outcome.CONFLICT
    assert count(regions, Report) == 1
    with regions.session() as session:
        states = sorted(session.scalars(select(Inbound.state)))
    assert states == ["accepted", "conflict"]


def test_every_problem_is_listed_with_an_indonesian_reason(intake: Intake, regions: Database) -> None:
    bad = draft(desa_code="64.71.01.9999", category="uang", severity=7, description=" ")
    inbound = intake.journal(Envelope(channel="api", body=b"{}", external_id="k-2"))
    result = intake.process(inbound, OFFICER, Submission("api", bad, bad.fingerprint(), external_id="k-2"))
    assert result.outcome is Outcome.NEEDS_REVIEW
    codes = sorted(p.code for p in result.problems)
    assert codes == [
        "report.bad_severity",
        "report.description_required",
        "report.unknown_category",
        "report.unknown_village",
    ]
    assert "Desa 64.71.01.9999 tidak dikenal" in result.pesan
    with regions.session() as session:
        row = session.get_one(Inbound, inbound)
        assert row.state == "needs_review"
        assert row.area_code == "64.71.01.9999"  # well-formed: tells which analysts should look
        assert row.body == b"{}"
    assert count(regions, Report) == 0


def test_a_village_outside_the_senders_area_is_refused(intake: Intake) -> None:
    assert submit(intake, draft(desa_code="64.72.01.1001")) is Outcome.NEEDS_REVIEW


def test_a_point_far_outside_a_known_village_polygon_is_flagged_not_refused(
    intake: Intake, regions: Database
) -> None:
    with regions.session() as session:
        region = session.get_one(Region, MANGGAR)
        ring = [[116.9, -1.3], [117.0, -1.3], [117.0, -1.2], [116.9, -1.3]]
        region.geometry = json.dumps({"type": "Polygon", "coordinates": [ring]})
    assert submit(intake, draft(lat=-0.5, lng=117.1), key="far") is Outcome.CREATED
    assert submit(intake, draft(lat=-1.29, lng=116.95), key="near") is Outcome.CREATED
    with regions.session() as session:
        flags = dict(session.execute(select(Report.lat, Report.location_flag)).all())
    assert flags == {-0.5: "outside_village", -1.29: None}


def test_a_report_from_the_future_is_refused(intake: Intake) -> None:
    assert submit(intake, draft(occurred_at=NOW + timedelta(hours=2))) is Outcome.NEEDS_REVIEW


def test_attachments_are_stored_once_and_resent_files_are_not_doubled(
    intake: Intake, regions: Database, settings: Settings
) -> None:
    photo = IncomingFile("foto 1.jpg", "image/jpeg", b"\xff\xd8jpeg-bytes")
    d = draft()
    for files in ([photo], [photo]):
        inbound = intake.journal(Envelope(channel="odk", body=b"<x/>", external_id="uuid:1"))
        intake.process(inbound, OFFICER, Submission("odk", d, "h", external_id="uuid:1", files=files))
    with regions.session() as session:
        rows = session.scalars(select(Attachment).where(Attachment.report_id.is_not(None))).all()
    assert [(a.filename, a.size) for a in rows] == [("foto_1.jpg", 12)]
    assert intake.files.read(rows[0].sha256) == photo.data


def test_an_attachment_of_a_refused_type_sends_the_submission_to_review(
    intake: Intake, regions: Database
) -> None:
    exe = IncomingFile("x.exe", "application/x-msdownload", b"MZ")
    d = draft()
    inbound = intake.journal(Envelope(channel="api", body=b"{}", external_id="k-x"))
    result = intake.process(inbound, OFFICER, Submission("api", d, "h", external_id="k-x", files=[exe]))
    assert result.outcome is Outcome.NEEDS_REVIEW
    assert result.problems[0].code == "report.attachment_type"
    assert count(regions, Attachment) == 1  # kept with the journal entry for the reviewer


def test_an_edit_replaces_a_new_report_and_is_recorded(intake: Intake, regions: Database) -> None:
    first = draft()
    inbound = intake.journal(Envelope(channel="odk", body=b"<a/>", external_id="uuid:a"))
    created = intake.process(inbound, OFFICER, Submission("odk", first, "ha", external_id="uuid:a"))
    edited = draft(severity=4)
    inbound = intake.journal(Envelope(channel="odk", body=b"<b/>", external_id="uuid:b"))
    result = intake.process(
        inbound, OFFICER, Submission("odk", edited, "hb", external_id="uuid:b", replaces="uuid:a")
    )
    assert (result.outcome, result.report_id) == (Outcome.EDITED, created.report_id)
    with regions.session() as session:
        report = session.get_one(Report, created.report_id)
        assert report.severity == 4
        actions = session.scalars(select(ReportEvent.action).order_by(ReportEvent.id)).all()
    assert actions == ["created", "edited"]
    assert count(regions, Report) == 1
