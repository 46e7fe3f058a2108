"""The report form's data: the villages a user may pick, reading what was posted, problems per field.

The same fields serve the officer's form (``/laporan/baru``) and the analyst's correction of a payload
in the review queue. Times are typed in the installation's zone (``datetime-local`` has no offset) and
become aware datetimes before the fields are validated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.regions.codes import code_problem, level_of
from tigapilar.reports.draft import Problem
from tigapilar.reports.fields import ReportFields
from tigapilar.reports.review import InboundDetail
from tigapilar.reports.villages import ReportableVillage, reportable_villages
from tigapilar.web.formatting import zone
from tigapilar.web.pages.report_common import LOCAL_INPUT, Posted, Viewer

# Every field of ReportFields the form posts (GPS accuracy is for apps that measure it).
FORM_FIELDS = (
    "desa_code",
    "tps_number",
    "category",
    "severity",
    "title",
    "description",
    "occurred_at",
    "people_involved",
    "source_kind",
    "source_name",
    "source_contact",
    "lat",
    "lng",
)
# Problems about these belong next to the GPS inputs.
_GPS_FIELDS = frozenset({"lat", "lng", "accuracy_m"})
# Beyond this many villages a select is unusable on a phone: the form asks for the code instead.
MAX_VILLAGE_CHOICES = 60


def village_choices(session: Session, principal: Principal) -> list[ReportableVillage] | None:
    """The villages the form offers; None when there are too many for a select (it asks for the code)."""
    if principal.scope.national and principal.officer_id is None:
        return None
    choice = reportable_villages(session, principal, MAX_VILLAGE_CHOICES)
    return choice.villages if choice.complete else None


def aware_text(text: str, zone_name: str) -> str:
    """A typed local time as ISO 8601 with the zone's offset; anything else unchanged, for the checks."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(zone_name))
    return moment.isoformat()


def local_text(text: str, zone_name: str) -> str:
    """An ISO time (from a payload) as a datetime-local value; unchanged when it is not one."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone(zone_name))
    return moment.strftime(LOCAL_INPUT)


def form_reader(zone_name: str) -> Callable[[bytes], dict[str, str]]:
    """The reader :func:`~tigapilar.reports.fields.submit_fields` applies to a posted form's bytes."""

    def read(body: bytes) -> dict[str, str]:
        values = Posted.parse(body).single()
        if values.get("occurred_at", "").strip():
            values["occurred_at"] = aware_text(values["occurred_at"], zone_name)
        return values

    return read


@dataclass
class FormState:
    """What the form shows: the values (as typed) and the problems, each next to its field if it has one."""

    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def add(self, name: str, text: str) -> None:
        where = "lat" if name in _GPS_FIELDS else name
        if where in FORM_FIELDS:
            self.errors.setdefault(where, []).append(text)
        else:
            self.general.append(text)

    def add_problems(self, problems: Iterable[Problem], viewer: Viewer) -> None:
        for problem in problems:
            self.add(problem.field, viewer.says(problem.pesan, problem.message))


def validation_problems(exc: ValidationError) -> list[Problem]:
    """Pydantic's complaints as problems, worded like the intake's for a form that was read."""
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


def corrected_fields(posted: Posted, zone_name: str) -> ReportFields | list[Problem]:
    """A reviewer's corrected report read from the correction form, or what is wrong with it."""
    values = {name: posted.get(name) for name in FORM_FIELDS}
    values["occurred_at"] = aware_text(values["occurred_at"], zone_name) if values["occurred_at"] else ""
    try:
        # The payload's own id is kept by the review; this one only satisfies the model.
        return ReportFields.model_validate({**values, "client_id": "review"})
    except ValidationError as exc:
        return validation_problems(exc)


def prefill(detail: InboundDetail, zone_name: str) -> dict[str, str]:
    """Best effort: the correction form's values from a payload that is form or JSON data."""
    data = _payload_fields(detail.body_text or "", detail.inbound.content_type or "")
    texts = {name: value for name in FORM_FIELDS if (value := _scalar(data.get(name))) is not None}
    if texts.get("occurred_at"):
        texts["occurred_at"] = local_text(texts["occurred_at"], zone_name)
    area = detail.inbound.area_code or ""
    if not texts.get("desa_code") and code_problem(area) is None and level_of(area) == 4:
        texts["desa_code"] = area  # the village the payload named, as the intake read it
    texts.setdefault("source_kind", "officer")
    return texts


def _payload_fields(text: str, content_type: str) -> dict[str, Any]:
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    if "x-www-form-urlencoded" in content_type.lower():
        return dict(Posted.parse(text.encode()).single())
    return {}


def _scalar(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value)
