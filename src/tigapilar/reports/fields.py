"""Reports sent as named fields (the JSON API and the web form): parse, journal, submit.

Both channels send the same fields; this module reads them into a draft after the raw payload has
been journaled, so that even a body that is not JSON, or a field of the wrong type, is kept for
review with the reason instead of being answered with an error and forgotten.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from tigapilar.accounts.principal import Principal
from tigapilar.reports.draft import Problem, ReportDraft
from tigapilar.reports.intake import Envelope, Intake, IntakeResult, Submission, submitter_for_principal


class ReportFields(BaseModel):
    """A report as named fields. Checks beyond types (village, category, scope...) are the intake's."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    client_id: str = Field(
        min_length=1,
        max_length=100,
        description="Chosen by the client, unique per report: a retry with the same id never duplicates it.",
    )
    desa_code: str = Field(max_length=20, description="Kemendagri desa/kelurahan code, e.g. 64.71.01.1001")
    category: str = Field(max_length=40, description="A category code, see GET /reports/categories")
    severity: int = Field(description="1 (rendah) to 4 (kritis)")
    description: str = Field(max_length=5000)
    title: str | None = Field(default=None, max_length=200)
    occurred_at: AwareDatetime | None = Field(default=None, description="With its UTC offset; default: now")
    tps_number: int | None = Field(default=None, ge=1, le=9999)
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    people_involved: int | None = None
    source_kind: str = Field(default="officer", max_length=12, description="officer | community | anonymous")
    source_name: str | None = Field(default=None, max_length=160)
    source_contact: str | None = Field(default=None, max_length=80)

    @field_validator(
        "title",
        "occurred_at",
        "tps_number",
        "lat",
        "lng",
        "accuracy_m",
        "people_involved",
        "source_name",
        "source_contact",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        # HTML forms send empty strings for fields left empty.
        return None if isinstance(value, str) and not value.strip() else value

    def draft(self) -> ReportDraft:
        return ReportDraft(
            desa_code=self.desa_code,
            category=self.category,
            severity=self.severity,
            description=self.description,
            title=self.title,
            occurred_at=self.occurred_at,
            tps_number=self.tps_number,
            lat=self.lat,
            lng=self.lng,
            accuracy_m=self.accuracy_m,
            people_involved=self.people_involved,
            source_kind=self.source_kind,
            source_name=self.source_name,
            source_contact=self.source_contact,
        )

    def content_hash(self) -> str:
        """Of the fields' values, not of the bytes: a retry that orders keys differently is the same."""
        canonical = self.model_dump_json(exclude={"client_id"})
        return hashlib.sha256(json.dumps(json.loads(canonical), sort_keys=True).encode()).hexdigest()


def submit_fields(
    intake: Intake,
    principal: Principal,
    *,
    channel: str,
    body: bytes,
    content_type: str | None,
    remote_addr: str | None,
    read: Callable[[bytes], Any],
) -> IntakeResult:
    """Journal ``body``, read it with ``read`` into fields, and submit the report.

    Every step uses the intake's own short transactions; the caller must not hold a connection of
    the same pool meanwhile, or enough concurrent submissions would wait on each other for ever.
    """
    area = _home_area(principal)
    inbound_id = intake.journal(
        Envelope(
            channel=channel,
            body=body,
            content_type=content_type,
            user_id=principal.user_id or None,
            officer_id=principal.officer_id,
            remote_addr=remote_addr,
            area_code=area,
        )
    )
    try:
        fields = ReportFields.model_validate(read(body))
    except (ValueError, ValidationError) as exc:
        return intake.reject(inbound_id, _problems(exc), area)
    submission = Submission(
        channel=channel,
        draft=fields.draft(),
        content_hash=fields.content_hash(),
        # Namespaced by account: two users who both pick "1" as their id do not collide.
        external_id=f"{principal.user_id}:{fields.client_id}",
    )
    with intake.database.session() as session:
        submitter = submitter_for_principal(session, principal)
    return intake.process(inbound_id, submitter, submission)


def _home_area(principal: Principal) -> str | None:
    """Where the sender works, for routing a payload that cannot be read to the right reviewers."""
    return None if principal.scope.national or not principal.scope.codes else min(principal.scope.codes)


def _problems(exc: ValueError | ValidationError) -> list[Problem]:
    if not isinstance(exc, ValidationError):
        return [
            Problem(
                "body",
                "report.unreadable",
                f"The body could not be read: {exc}",
                "Isi kiriman tidak dapat dibaca.",
            )
        ]
    problems = []
    for error in exc.errors():
        place = ".".join(str(p) for p in error["loc"]) or "body"
        problems.append(
            Problem(
                place,
                "report.bad_field",
                f"{place}: {error['msg']}",
                f"Isian '{place}' tidak valid ({error['msg']}).",
            )
        )
    return problems
