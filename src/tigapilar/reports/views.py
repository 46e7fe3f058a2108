"""Reading reports, always inside the caller's scope and with the caller's view of personal data.

Privacy rules, one place for every channel and page:

* Reports outside the caller's scope do not exist for them (404 like an unknown id).
* The reporter's identity (officer, account, pillar, community source's name and contact) is shown
  to roles that may view personal data (analyst, commander, admin) and to the person who sent it.
* Partners (KPU, Bawaslu) see the location blurred to the kecamatan: no desa, TPS or coordinates;
  they may not filter below the kecamatan either, or a filter would reveal the desa.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Permission, Role
from tigapilar.core.errors import Invalid, NotFound
from tigapilar.core.pagination import Page, PageRequest, paginate
from tigapilar.core.scope import Scope
from tigapilar.regions.codes import KECAMATAN_CODE_LENGTH, level_of, validate_code
from tigapilar.storage.models import Attachment, Officer, Region, Report, ReportEvent, Tps, User

STATUSES = ("baru", "terverifikasi", "ditolak", "ditindaklanjuti", "selesai")


def report_not_found() -> NotFound:
    return NotFound("report.not_found", "No such report.", "Laporan tidak ditemukan.")


@dataclass(frozen=True)
class Reporter:
    officer_id: int | None
    officer_name: str | None
    pillar: str | None
    user_id: int | None
    username: str | None
    source_kind: str
    source_name: str | None
    source_contact: str | None


@dataclass
class ReportView:
    id: int
    channel: str
    # The desa for those who may see it; for partners the kecamatan (``blurred`` is then True).
    area_code: str
    area_name: str | None
    kecamatan_code: str
    blurred: bool
    desa_code: str | None
    tps_id: int | None
    tps_number: int | None
    lat: float | None
    lng: float | None
    accuracy_m: float | None
    location_flag: str | None
    occurred_at: datetime
    received_at: datetime
    election: str | None
    stage: str | None
    category: str
    severity: int
    title: str
    description: str
    people_involved: int | None
    status: str
    status_reason: str | None
    duplicate_of: int | None
    updated_at: datetime
    reporter: Reporter | None  # None: hidden from this caller
    source_kind: str


@dataclass(frozen=True)
class EventView:
    at: datetime
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    related_report_id: int | None
    by: str | None  # username, for those who may see personal data


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size: int


@dataclass
class ReportDetail:
    report: ReportView
    history: list[EventView] = field(default_factory=list)
    attachments: list[AttachmentView] = field(default_factory=list)
    # Reports merged into this one (their duplicate_of points here), visible to the caller.
    duplicates: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ReportFilter:
    area: str | None = None
    category: str | None = None
    election: str | None = None
    stage: str | None = None
    status: str | None = None
    min_severity: int | None = None
    channel: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    text: str | None = None


def blurs_location(principal: Principal) -> bool:
    return principal.role is Role.PARTNER


def visible(scope: Scope) -> ColumnElement[bool]:
    return scope.clause(Report.desa_code)


def filtered_reports(principal: Principal, filters: ReportFilter) -> Select[Report]:
    """The caller's reports matching ``filters``, newest first (exports and lists share it)."""
    query = select(Report).where(visible(principal.scope))
    if filters.area:
        area = validate_code(filters.area)
        if blurs_location(principal) and level_of(area) > 3:
            raise Invalid(
                "report.area_too_fine",
                "Partners may filter reports down to the kecamatan, not the desa.",
                "Mitra hanya dapat menyaring laporan sampai tingkat kecamatan.",
            )
        query = query.where(Scope.of([area]).clause(Report.desa_code))
    if filters.status:
        if filters.status not in STATUSES:
            raise Invalid(
                "report.bad_status",
                f"Unknown status '{filters.status}'; use one of {', '.join(STATUSES)}.",
                f"Status '{filters.status}' tidak dikenal.",
            )
        query = query.where(Report.status == filters.status)
    for column, value in (
        (Report.category, filters.category),
        (Report.election, filters.election),
        (Report.stage, filters.stage),
        (Report.channel, filters.channel),
    ):
        if value:
            query = query.where(column == value)
    if filters.min_severity is not None:
        query = query.where(Report.severity >= filters.min_severity)
    if filters.occurred_from is not None:
        query = query.where(Report.occurred_at >= filters.occurred_from)
    if filters.occurred_to is not None:
        query = query.where(Report.occurred_at < filters.occurred_to)
    if filters.text and filters.text.strip():
        text = filters.text.strip()
        query = query.where(
            or_(
                Report.title.icontains(text, autoescape=True),
                Report.description.icontains(text, autoescape=True),
            )
        )
    return query.order_by(Report.received_at.desc(), Report.id.desc())


def list_reports(
    session: Session, principal: Principal, filters: ReportFilter, page: PageRequest | None = None
) -> Page[ReportView]:
    found = paginate(session, filtered_reports(principal, filters), page or PageRequest())
    return Page(report_views(session, principal, found.items), found.total, found.limit, found.offset)


def visible_report(session: Session, principal: Principal, report_id: int) -> Report:
    report = session.scalar(select(Report).where(Report.id == report_id, visible(principal.scope)))
    if report is None:
        raise report_not_found()
    return report


def get_report(session: Session, principal: Principal, report_id: int) -> ReportDetail:
    report = visible_report(session, principal, report_id)
    personal = principal.can(Permission.VIEW_PERSONAL_DATA)
    events = session.execute(
        select(ReportEvent, User.username)
        .outerjoin(User, User.id == ReportEvent.user_id)
        .where(ReportEvent.report_id == report.id)
        .order_by(ReportEvent.at, ReportEvent.id)
    ).all()
    history = [
        EventView(
            e.at,
            e.action,
            e.from_status,
            e.to_status,
            e.reason,
            e.related_report_id,
            username if personal else None,
        )
        for e, username in events
    ]
    attachments = [
        AttachmentView(a.id, a.filename, a.content_type, a.size)
        for a in session.scalars(
            select(Attachment).where(Attachment.report_id == report.id).order_by(Attachment.id)
        )
    ]
    duplicates = list(
        session.scalars(
            select(Report.id)
            .where(Report.duplicate_of == report.id, visible(principal.scope))
            .order_by(Report.id)
        )
    )
    view = report_views(session, principal, [report])[0]
    return ReportDetail(view, history, attachments if may_see_attachments(principal) else [], duplicates)


def may_see_attachments(principal: Principal) -> bool:
    """Photos can show faces and places: not for partners, who see blurred locations."""
    return not blurs_location(principal)


def get_attachment(session: Session, principal: Principal, report_id: int, attachment_id: int) -> Attachment:
    visible_report(session, principal, report_id)
    attachment = session.scalar(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.report_id == report_id)
    )
    if attachment is None or not may_see_attachments(principal):
        raise NotFound("report.attachment_not_found", "No such attachment.", "Lampiran tidak ditemukan.")
    return attachment


def report_views(session: Session, principal: Principal, reports: list[Report]) -> list[ReportView]:
    """Views of ``reports`` (already scope-checked) as this caller may see them; two queries in all."""
    blur = blurs_location(principal)
    personal = principal.can(Permission.VIEW_PERSONAL_DATA)
    codes = {r.desa_code[:KECAMATAN_CODE_LENGTH] if blur else r.desa_code for r in reports}
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
    officer_ids = {r.officer_id for r in reports if r.officer_id}
    user_ids = {r.submitted_by for r in reports if r.submitted_by}
    tps_ids = {r.tps_id for r in reports if r.tps_id}
    officers = dict(
        session.execute(select(Officer.id, Officer.name).where(Officer.id.in_(officer_ids))).all()
    )
    users = dict(session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
    tps_numbers = dict(session.execute(select(Tps.id, Tps.number).where(Tps.id.in_(tps_ids))).all())
    views = []
    for r in reports:
        own = r.submitted_by is not None and r.submitted_by == principal.user_id
        reporter = (
            Reporter(
                r.officer_id,
                officers.get(r.officer_id) if r.officer_id else None,
                r.pillar,
                r.submitted_by,
                users.get(r.submitted_by) if r.submitted_by else None,
                r.source_kind,
                r.source_name,
                r.source_contact,
            )
            if personal or own
            else None
        )
        kecamatan = r.desa_code[:KECAMATAN_CODE_LENGTH]
        area = kecamatan if blur else r.desa_code
        views.append(
            ReportView(
                id=r.id,
                channel=r.channel,
                area_code=area,
                area_name=names.get(area),
                kecamatan_code=kecamatan,
                blurred=blur,
                desa_code=None if blur else r.desa_code,
                tps_id=None if blur else r.tps_id,
                tps_number=None if blur or not r.tps_id else tps_numbers.get(r.tps_id),
                lat=None if blur else r.lat,
                lng=None if blur else r.lng,
                accuracy_m=None if blur else r.accuracy_m,
                location_flag=None if blur else r.location_flag,
                occurred_at=r.occurred_at,
                received_at=r.received_at,
                election=r.election,
                stage=r.stage,
                category=r.category,
                severity=r.severity,
                title=r.title,
                description=r.description,
                people_involved=r.people_involved,
                status=r.status,
                status_reason=r.status_reason,
                duplicate_of=r.duplicate_of,
                updated_at=r.updated_at,
                reporter=reporter,
                source_kind=r.source_kind,
            )
        )
    return views
