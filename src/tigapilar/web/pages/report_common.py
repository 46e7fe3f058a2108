"""What every report page shares: who is looking (and in which language), guards, posted forms, errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Permission
from tigapilar.core.csvrows import INT_MAX
from tigapilar.core.errors import TigapilarError
from tigapilar.elections.calendar import Calendar
from tigapilar.organisation.kinds import pillar_label
from tigapilar.reports.intake import Intake
from tigapilar.reports.taxonomy import Taxonomy
from tigapilar.reports.views import blurs_location
from tigapilar.web.deps import CrossSiteRequestError, check_same_origin, get_intake, get_settings
from tigapilar.web.formatting import format_datetime, zone
from tigapilar.web.i18n import Translator
from tigapilar.web.pages.rendering import page_language, redirect, render
from tigapilar.web.pages.session import page_principal

LOGIN = "/masuk"
# A report form is a few kilobytes; anything much larger is kept (truncated) and then refused by the reader.
MAX_FORM_BYTES = 256 * 1024
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


@dataclass(frozen=True)
class Viewer:
    """The logged-in person looking at a page, with the labels and times as they should read them."""

    principal: Principal
    language: str
    zone_name: str
    taxonomy: Taxonomy
    calendar: Calendar

    @property
    def t(self) -> Translator:
        return Translator(self.language)

    @property
    def may_submit(self) -> bool:
        return self.principal.can(Permission.SUBMIT_REPORTS)

    @property
    def may_verify(self) -> bool:
        return self.principal.can(Permission.VERIFY_REPORTS)

    @property
    def blurred(self) -> bool:
        """Partners see places down to the kecamatan only."""
        return blurs_location(self.principal)

    def when(self, moment: datetime | None) -> str:
        return format_datetime(moment, self.zone_name, self.language) if moment else ""

    def category(self, code: str) -> str:
        return self.taxonomy.category_label(code, self.language)

    def severity(self, level: int) -> str:
        return self.taxonomy.severity_label(level, self.language)

    def status(self, status: str | None) -> str:
        return self.t(f"reports.status.{status}") if status else ""

    def stage(self, election: str | None, stage: str | None) -> str | None:
        return self.calendar.stage_label(election, stage, self.language)

    def source(self, kind: str) -> str:
        return self.t(f"reports.source.{kind}")

    def pillar(self, pillar: str | None) -> str | None:
        return pillar_label(pillar)

    def decimal(self, value: float) -> str:
        """One decimal, with the decimal comma Indonesian readers expect."""
        text = f"{value:.1f}"
        return text.replace(".", ",") if self.language == "id" else text

    def says(self, pesan: str | None, message: str | None) -> str:
        """A capability's message in the page's language: ``pesan`` is Indonesian, ``message`` English."""
        first, second = (message, pesan) if self.language == "en" else (pesan, message)
        return first or second or ""

    def error_text(self, error: TigapilarError) -> str:
        return self.says(error.pesan, error.message)

    def local_input(self, moment: datetime) -> str:
        """``moment`` as a datetime-local input value in the installation's zone."""
        return moment.astimezone(zone(self.zone_name)).strftime(LOCAL_INPUT)

    def day_range(self, first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
        """Local calendar days as an aware half-open range; ``last`` is inclusive."""
        local = zone(self.zone_name)
        start = datetime.combine(first, time(), local) if first else None
        end = datetime.combine(last + timedelta(days=1), time(), local) if last else None
        return start, end


def viewer_of(request: Request, session: Session, now: datetime) -> Viewer | None:
    principal = page_principal(request, session, now)
    if principal is None:
        return None
    intake: Intake = get_intake(request)
    return Viewer(
        principal,
        page_language(request, principal.language),
        get_settings(request).timezone,
        intake.taxonomy,
        intake.calendar,
    )


def show(
    request: Request, viewer: Viewer, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """Render a report page; every one gets the viewer (``v``) and the report navigation."""
    full = {
        "v": viewer,
        "may_submit": viewer.may_submit,
        "may_verify": viewer.may_verify,
        "page_link": page_link,
        **context,
    }
    return render(request, template, full, language=viewer.language, status=status)


def page_link(number: int) -> str:
    """The query string of page ``number`` of a list without filters."""
    return f"?halaman={number}"


def error_page(request: Request, viewer: Viewer, status: int, message: str) -> HTMLResponse:
    context = {"title": viewer.t(f"reports.error.title_{_error_kind(status)}"), "message": message}
    return show(request, viewer, "reports/error.html", context, status=status)


def failure_page(request: Request, viewer: Viewer, error: TigapilarError) -> HTMLResponse:
    return error_page(request, viewer, error.status, viewer.error_text(error))


def not_found_page(request: Request, viewer: Viewer) -> HTMLResponse:
    return error_page(request, viewer, 404, viewer.t("reports.error.not_found"))


def _error_kind(status: int) -> str:
    return {403: "forbidden", 404: "not_found", 409: "conflict"}.get(status, "invalid")


def guard(
    request: Request, session: Session, now: datetime, permission: Permission | None = None
) -> Viewer | HTMLResponse | RedirectResponse:
    """The viewer of a page, or the answer to give instead: the login page, or a refusal."""
    viewer = viewer_of(request, session, now)
    if viewer is None:
        return redirect(request, LOGIN)
    if request.method not in ("GET", "HEAD"):
        try:
            # Forms are posted with the session cookie: they must come from a page of this site.
            check_same_origin(request, required=True)
        except CrossSiteRequestError:
            return error_page(request, viewer, 403, viewer.t("reports.error.cross_site"))
    if permission is not None and not viewer.principal.can(permission):
        return error_page(request, viewer, 403, viewer.t("reports.error.forbidden"))
    return viewer


def guard_record(
    request: Request, session: Session, now: datetime, permission: Permission, raw_id: str
) -> tuple[Viewer, int] | HTMLResponse | RedirectResponse:
    """The viewer and the record id of an action page, or the answer to give instead."""
    viewer = guard(request, session, now, permission)
    if not isinstance(viewer, Viewer):
        return viewer
    record = record_id(raw_id)
    if record is None:
        return not_found_page(request, viewer)
    return viewer, record


@dataclass(frozen=True)
class Posted:
    """A posted urlencoded form: its raw bytes (journaled for reports) and its fields."""

    body: bytes
    fields: dict[str, list[str]]

    @classmethod
    def parse(cls, body: bytes) -> Posted:
        return cls(body, parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True))

    def get(self, name: str) -> str:
        values = self.fields.get(name)
        return values[0].strip() if values else ""

    def all(self, name: str) -> list[str]:
        return self.fields.get(name, [])

    def single(self) -> dict[str, str]:
        """One value per field (the first), as typed."""
        return {name: values[0] for name, values in self.fields.items() if values}


async def posted(request: Request) -> Posted:
    return Posted.parse((await request.body())[:MAX_FORM_BYTES])


def record_id(text: str | None) -> int | None:
    """A database id typed in a URL or form, or None when it cannot be one."""
    value = (text or "").strip()
    if not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 1 <= number <= INT_MAX else None
