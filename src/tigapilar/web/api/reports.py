"""API: field reports. Submit (idempotent by ``client_id``), list and search, verify, reject, merge.

Submitting: the body is journaled before it is read. 201 a new report; 200 a retry of one already
received (same ``client_id``, same content); 409 ``report.id_reused`` (same ``client_id``, other
content); 422 ``report.invalid`` when the report cannot be accepted as sent: it is kept for review
(``inbound_id``) and ``details`` lists every problem with its own code and an Indonesian ``pesan``.

Reading: reports outside the caller's scope answer 404 ``report.not_found``. The reporter is shown
only to verifying roles and to the sender; partners see the kecamatan instead of the desa, and no
TPS, coordinates or attachments.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from tigapilar.accounts.roles import Permission
from tigapilar.core.csvrows import INT_MAX
from tigapilar.core.errors import Invalid
from tigapilar.reports import duplicates, views, workflow
from tigapilar.reports.fields import ReportFields, submit_fields
from tigapilar.reports.intake import IntakeResult, Outcome
from tigapilar.reports.views import ReportFilter
from tigapilar.web.api.paging import PageOut
from tigapilar.web.deps import Caller, DbSession, IntakeDep, Now, Paging, client_address, get_settings

router = APIRouter()

RecordId = Annotated[int, Path(ge=1, le=INT_MAX)]
MAX_BODY = 256 * 1024


async def raw_body(request: Request) -> bytes:
    """The request body, read on the event loop so that the endpoint itself can be a plain def."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


class ReporterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    officer_id: int | None
    officer_name: str | None
    pillar: str | None
    user_id: int | None
    username: str | None
    source_kind: str
    source_name: str | None
    source_contact: str | None


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    area_code: str = Field(description="The desa, or for partners the kecamatan (then blurred is true).")
    area_name: str | None
    kecamatan_code: str
    blurred: bool
    desa_code: str | None
    tps_id: int | None
    tps_number: int | None
    lat: float | None
    lng: float | None
    accuracy_m: float | None
    location_flag: str | None = Field(description="outside_village: the GPS point lies outside the desa.")
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
    source_kind: str
    reporter: ReporterOut | None = Field(description="Null when the caller may not see who reported.")


class ReportPage(PageOut[ReportOut]):
    pass


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    related_report_id: int | None
    by: str | None


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    content_type: str
    size: int


class ReportDetailOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    report: ReportOut
    history: list[EventOut]
    attachments: list[AttachmentOut]
    duplicates: list[int] = Field(description="Reports merged into this one.")


class SubmitOut(BaseModel):
    outcome: str = Field(description="created | duplicate | edited")
    inbound_id: int
    report: ReportOut


class SuggestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    report_id: int
    score: float
    text_similarity: float
    same_desa: bool
    hours_apart: float
    status: str
    title: str


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(
        max_length=20, description="terverifikasi | ditolak | ditindaklanjuti | selesai | baru"
    )
    reason: str | None = Field(default=None, max_length=20, description="For ditolak: tidak_valid")
    note: str | None = Field(default=None, max_length=2000)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into: int = Field(ge=1, le=INT_MAX, description="The report this one repeats.")
    note: str | None = Field(default=None, max_length=2000)


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[Annotated[int, Field(ge=1, le=INT_MAX)]] = Field(min_length=1, max_length=500)
    action: str = Field(max_length=20, description="status | merge")
    status: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, max_length=20)
    into: int | None = Field(default=None, ge=1, le=INT_MAX)
    note: str | None = Field(default=None, max_length=2000)


class BulkItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    report_id: int
    ok: bool
    status: str | None
    error: dict[str, Any] | None


class CategoryOut(BaseModel):
    code: str
    label: str
    label_en: str
    sms: list[str]


class SeverityOut(BaseModel):
    level: int
    label: str
    label_en: str
    description: str


class TaxonomyOut(BaseModel):
    categories: list[CategoryOut]
    severities: list[SeverityOut]


def report_out(view: views.ReportView) -> ReportOut:
    return ReportOut.model_validate(view)


def intake_response(result: IntakeResult, report: ReportOut | None) -> Response:
    """The HTTP answer for an intake result, shared by the API and the web form's JSON mode."""
    if result.outcome is Outcome.NEEDS_REVIEW:
        body = {
            "code": "report.invalid",
            "message": "The report was received but cannot be accepted as sent; it is kept for review. "
            + result.message,
            "pesan": "Laporan diterima tetapi belum dapat diproses dan akan diperiksa analis: "
            + result.pesan,
            "details": [p.as_dict() for p in result.problems],
            "inbound_id": result.inbound_id,
        }
        return JSONResponse({"error": body}, status_code=422)
    if result.outcome is Outcome.CONFLICT:
        problem = result.problems[0]
        body = {
            "code": problem.code,
            "message": problem.message,
            "pesan": problem.pesan,
            "inbound_id": result.inbound_id,
        }
        return JSONResponse({"error": body}, status_code=409)
    assert report is not None
    out = SubmitOut(outcome=result.outcome.value, inbound_id=result.inbound_id, report=report)
    status = 201 if result.outcome is Outcome.CREATED else 200
    return JSONResponse(out.model_dump(mode="json"), status_code=status)


@router.post(
    "/reports",
    status_code=201,
    response_model=SubmitOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": ReportFields.model_json_schema(ref_template="#/{model}")}
            },
        }
    },
    responses={200: {"description": "A retry: the report already exists"}, 409: {}, 422: {}},
)
def submit_report(
    request: Request, caller: Caller, session: DbSession, intake: IntakeDep, body: RawBody
) -> Response:
    """Submit a field report. Retries with the same ``client_id`` never create a second report."""
    caller.require(Permission.SUBMIT_REPORTS)
    # Plain def: FastAPI runs it in a worker thread, so blocking database work never stalls the loop.
    session.commit()  # hand the connection back: the intake takes its own (see submit_fields)
    result = submit_fields(
        intake,
        caller,
        channel="api",
        body=body[:MAX_BODY],  # journaled truncated when too long; the reader then says why
        content_type=request.headers.get("content-type"),
        remote_addr=client_address(request),
        read=json.loads,
    )
    report = None
    if result.report_id is not None and result.outcome not in (Outcome.CONFLICT, Outcome.NEEDS_REVIEW):
        report = report_out(views.get_report(session, caller, result.report_id).report)
    return intake_response(result, report)


@router.get("/reports/categories", response_model=TaxonomyOut)
def report_categories(request: Request, caller: Caller, intake: IntakeDep) -> TaxonomyOut:
    """The report categories and severity levels in force (kept as data; see docs)."""
    taxonomy = intake.taxonomy
    return TaxonomyOut(
        categories=[
            CategoryOut(code=c.code, label=c.label, label_en=c.label_en, sms=list(c.sms))
            for c in taxonomy.categories
        ],
        severities=[
            SeverityOut(level=s.level, label=s.label, label_en=s.label_en, description=s.description)
            for s in taxonomy.severities
        ],
    )


def local_day_range(
    request: Request, date_from: date | None, date_to: date | None
) -> tuple[datetime | None, datetime | None]:
    """Local calendar days (WITA by default) as a UTC half-open range; ``date_to`` is inclusive."""
    zone = ZoneInfo(get_settings(request).timezone)
    start = datetime.combine(date_from, time(), zone) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time(), zone) if date_to else None
    return start, end


def report_filter(
    request: Request,
    area: Annotated[str | None, Query(max_length=20)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    election: Annotated[str | None, Query(max_length=40)] = None,
    stage: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    min_severity: Annotated[int | None, Query(ge=1, le=9)] = None,
    channel: Annotated[str | None, Query(max_length=10)] = None,
    date_from: Annotated[date | None, Query(description="First local day (WITA), inclusive")] = None,
    date_to: Annotated[date | None, Query(description="Last local day (WITA), inclusive")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in title or description")] = None,
) -> ReportFilter:
    start, end = local_day_range(request, date_from, date_to)
    return ReportFilter(area, category, election, stage, status, min_severity, channel, start, end, q)


Filters = Annotated[ReportFilter, Depends(report_filter)]


@router.get("/reports", response_model=ReportPage)
def reports_list(caller: Caller, session: DbSession, paging: Paging, filters: Filters) -> ReportPage:
    """Reports in the caller's scope, newest first, filtered and searched."""
    return ReportPage.of(views.list_reports(session, caller, filters, paging), report_out)


@router.get("/reports/{report_id}", response_model=ReportDetailOut)
def report_detail(caller: Caller, session: DbSession, report_id: RecordId) -> ReportDetailOut:
    """A report with its history, attachments and the reports merged into it."""
    return ReportDetailOut.model_validate(views.get_report(session, caller, report_id))


@router.get("/reports/{report_id}/attachments/{attachment_id}", response_class=FileResponse)
def report_attachment(
    caller: Caller, session: DbSession, intake: IntakeDep, report_id: RecordId, attachment_id: RecordId
) -> FileResponse:
    attachment = views.get_attachment(session, caller, report_id, attachment_id)
    return FileResponse(
        intake.files.path_of(attachment.sha256),
        media_type=attachment.content_type,
        filename=attachment.filename,
    )


@router.get("/reports/{report_id}/duplicates", response_model=list[SuggestionOut])
def report_duplicates(caller: Caller, session: DbSession, report_id: RecordId) -> list[SuggestionOut]:
    """Possible duplicates: same kecamatan and category, close in time, similar text."""
    caller.require(Permission.VERIFY_REPORTS)
    return [
        SuggestionOut.model_validate(s) for s in duplicates.suggest_duplicates(session, caller, report_id)
    ]


@router.post("/reports/{report_id}/status", response_model=ReportOut)
def report_status(
    caller: Caller, session: DbSession, now: Now, report_id: RecordId, body: StatusIn
) -> ReportOut:
    """Verify, reject (reason tidak_valid), follow up, close or reopen a report."""
    workflow.change_status(
        session, caller, report_id, workflow.Change(body.status, body.reason, body.note), now
    )
    session.flush()
    return report_out(views.get_report(session, caller, report_id).report)


@router.post("/reports/{report_id}/merge", response_model=ReportOut)
def report_merge(
    caller: Caller, session: DbSession, now: Now, report_id: RecordId, body: MergeIn
) -> ReportOut:
    """Mark this report as a duplicate of ``into``; both are kept and linked. Answers with ``into``."""
    target = workflow.merge(session, caller, report_id, body.into, body.note, now)
    session.flush()
    return report_out(views.get_report(session, caller, target.id).report)


@router.post("/reports/bulk", response_model=list[BulkItemOut])
def reports_bulk(caller: Caller, session: DbSession, now: Now, body: BulkIn) -> list[BulkItemOut]:
    """Apply one action to many reports; each item says whether it applied and, if not, why."""
    if body.action == "status" and body.status:
        change = workflow.Change(body.status, body.reason, body.note)
        results = workflow.bulk(
            session, caller, body.ids, lambda rid: workflow.change_status(session, caller, rid, change, now)
        )
    elif body.action == "merge" and body.into:
        into = body.into
        results = workflow.bulk(
            session, caller, body.ids, lambda rid: workflow.merge(session, caller, rid, into, body.note, now)
        )
    else:
        raise Invalid(
            "report.bad_bulk_action",
            "Use action 'status' with a status, or 'merge' with 'into'.",
            "Gunakan aksi 'status' dengan status, atau 'merge' dengan 'into'.",
        )
    return [BulkItemOut.model_validate(r) for r in results]
