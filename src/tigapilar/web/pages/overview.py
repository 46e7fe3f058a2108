"""Page: ``/ringkasan``, the overview of the caller's area: reports by category, severity, status, day
(with the election stages behind) and child region, open alerts, and how vulnerable the TPS are.

Charts first, each with its table behind it (``<details>``). Every number comes from a GROUP BY over
the caller's scope (``overview_data``); partners are never grouped below the kecamatan, and asking for
a desa answers 403 whatever the code (so the answer says nothing about the desa).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from tigapilar.alerts.views import OPEN_STATUSES
from tigapilar.alerts.workflow import STATUS_LABELS
from tigapilar.core.errors import Invalid, TigapilarError
from tigapilar.elections.calendar import Calendar
from tigapilar.regions.codes import level_of, validate_code
from tigapilar.reports.views import STATUSES, ReportFilter
from tigapilar.risk.views import get_profile
from tigapilar.storage.models import Region
from tigapilar.web.charts import Band, Bar, bar_chart, line_chart, short_date
from tigapilar.web.deps import DbSession, Now, get_settings
from tigapilar.web.formatting import zone
from tigapilar.web.pages import overview_data as data
from tigapilar.web.pages.report_common import Viewer, error_page, guard, not_found_page, show

router = APIRouter()

DEFAULT_DAYS = 30  # without dates or a stage: the last 30 days
MAX_DAYS = 366  # a daily chart of more than a year stops being readable


@dataclass(frozen=True)
class Row:
    """One row of a chart's table: what it is, how many, and where it leads (if anywhere)."""

    key: str  # a code (category, level, status, region), for tests and links
    label: str
    count: int
    href: str | None = None
    tone: str = ""


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: Any
    rows: list[Row]
    total: int
    note: str | None = None


def stage_bands(calendar: Calendar, first: date, last: date, language: str, area: str | None) -> list[Band]:
    """The election stages overlapping ``first``..``last`` that apply to ``area``: campaign weeks are not
    quiet weeks, and a chart should say which is which."""
    bands: list[Band] = []
    for election in calendar.config.election:
        if not election.applies_to(area):
            continue
        for stage in election.stage:
            if stage.start <= last and stage.end >= first:
                label = stage.label_en if language == "en" else stage.label
                bands.append(Band(stage.start, stage.end, label))
    return sorted(bands, key=lambda b: (b.start, b.end))


@dataclass(frozen=True)
class OverviewQuery:
    raw: dict[str, str]

    @classmethod
    def of(cls, params: QueryParams) -> OverviewQuery:
        return cls(
            {name: params.get(name, "").strip()[:40] for name in ("wilayah", "dari", "sampai", "tahap")}
        )

    def link(self, **changes: str) -> str:
        kept = {name: value for name, value in {**self.raw, **changes}.items() if value}
        return "?" + urlencode(kept) if kept else ""


def _range(viewer: Viewer, query: OverviewQuery, today: date) -> tuple[date, date, str | None, str | None]:
    """(first day, last day, election, stage) of the request; Invalid with the reason otherwise."""
    election = stage = None
    first: date | None = None
    last: date | None = None
    if query.raw["tahap"]:
        election, _, stage = query.raw["tahap"].partition(":")
        found = viewer.calendar.election(election)
        chosen = next((s for s in found.stage if s.code == stage), None) if found else None
        if chosen is None:
            raise Invalid("overview.bad_stage", "Unknown election stage.", "Tahapan pemilihan tidak dikenal.")
        first, last = chosen.start, chosen.end
    try:
        if query.raw["dari"]:
            first = (
                max(first, date.fromisoformat(query.raw["dari"]))
                if first
                else date.fromisoformat(query.raw["dari"])
            )
        if query.raw["sampai"]:
            typed = date.fromisoformat(query.raw["sampai"])
            last = min(last, typed) if last else typed
    except ValueError:
        raise Invalid("overview.bad_date", "Dates are YYYY-MM-DD.", "Tanggal ditulis TTTT-BB-HH.") from None
    last = last or (today if first is None or first <= today else first)
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Invalid(
            "overview.bad_range", "The range ends before it starts.", "Rentang berakhir sebelum dimulai."
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid(
            "overview.long_range",
            f"Choose at most {MAX_DAYS} days.",
            f"Pilih paling lama {MAX_DAYS} hari.",
        )
    return first, last, election, stage


class Refused(Exception):
    """The answer for an area a page may not show: 404 (unknown or out of scope) or 403 (too fine)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def reachable_area(session: Session, viewer: Viewer, raw: str, *, covered: bool) -> str:
    """A region code typed in a URL that the caller may look at: inside the scope (``covered``) or, for
    navigation, touching it. Partners asking for a desa get 403 before anything is read, so the answer
    is the same for every desa code; unknown and out-of-scope answer the same 404."""
    try:
        code = validate_code(raw)
    except TigapilarError:
        raise Refused(404) from None
    if viewer.blurred and level_of(code) > data.PARTNER_FINEST_LEVEL:
        raise Refused(403)
    scope = viewer.principal.scope
    if not (scope.covers(code) if covered else scope.touches(code)) or session.get(Region, code) is None:
        raise Refused(404)
    return code


def refusal(request: Request, viewer: Viewer, refused: Refused) -> HTMLResponse:
    if refused.status == 403:
        return error_page(request, viewer, 403, viewer.t("overview.too_fine"))
    return not_found_page(request, viewer)


@router.get("/ringkasan", response_model=None)
def overview(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    query = OverviewQuery.of(request.query_params)
    area = data.common_area(viewer.principal.scope)
    if query.raw["wilayah"]:
        try:
            area = reachable_area(session, viewer, query.raw["wilayah"], covered=False)
        except Refused as refused:
            return refusal(request, viewer, refused)
    try:
        wanted = _range(viewer, query, local_today(viewer, now))
    except Invalid as exc:
        return _page(request, session, viewer, query, area, None, viewer.error_text(exc))
    return _page(request, session, viewer, query, area, wanted, None)


def _page(
    request: Request,
    session: Session,
    viewer: Viewer,
    query: OverviewQuery,
    area: str | None,
    wanted: tuple[date, date, str | None, str | None] | None,
    error: str | None,
) -> HTMLResponse:
    t, language = viewer.t, viewer.language
    names = data.region_names(session, [area] if area else [])
    context: dict[str, Any] = {
        "title": t("overview.title"),
        "nav_current": "overview",
        "q": query,
        "area": area,
        "area_name": names.get(area or "", ""),
        "area_link": area is not None and viewer.principal.scope.covers(area),
        "stages": [
            (
                f"{e.code}:{s.code}",
                f"{e.name_en if language == 'en' else e.name} · {viewer.stage(e.code, s.code)}",
            )
            for e in viewer.calendar.config.election
            for s in e.stage
        ],
        "charts": [],
        "error": error,
    }
    if wanted is None:
        return show(request, viewer, "overview/overview.html", context, status=422)
    first, last, election, stage = wanted
    start, end = viewer.day_range(first, last)
    filters = ReportFilter(area=area, election=election, stage=stage, occurred_from=start, occurred_to=end)
    level = data.child_level(viewer.principal, area)
    tallies = data.report_tallies(
        session,
        viewer.principal,
        filters,
        first=first,
        last=last,
        zone_name=viewer.zone_name,
        child_level=level,
    )
    alerts = data.open_alert_tallies(session, viewer.principal, area)
    charts: list[Chart] = []

    def bars(key: str, rows: list[Row], total: int, note: str | None = None) -> None:
        title = t(f"overview.chart.{key}")
        svg = bar_chart(
            [Bar(r.label, r.count, r.tone) for r in rows],
            title=title,
            language=language,
            empty=t("overview.none"),
        )
        charts.append(Chart(key, title, svg, rows, total, note))

    day_title = t("overview.chart.by_day")
    bands = stage_bands(viewer.calendar, first, last, language, area)
    day_svg = line_chart(
        tallies.days, title=day_title, language=language, bands=bands, empty=t("overview.none")
    )
    day_rows = [Row(d.isoformat(), short_date(d, language), n) for d, n in tallies.days]
    charts.append(Chart("by_day", day_title, day_svg, day_rows, tallies.total))
    category_rows = [
        Row(c.code, viewer.category(c.code), tallies.category.get(c.code, 0))
        for c in viewer.taxonomy.categories
    ]
    known = {c.code for c in viewer.taxonomy.categories}
    category_rows += [Row(code, code, n) for code, n in sorted(tallies.category.items()) if code not in known]
    bars("by_category", sorted(category_rows, key=lambda r: -r.count), tallies.total)
    levels = sorted({s.level for s in viewer.taxonomy.severities} | set(tallies.severity), reverse=True)
    bars(
        "by_severity",
        [Row(str(s), viewer.severity(s), tallies.severity.get(s, 0), tone=f"sev-{s}") for s in levels],
        tallies.total,
    )
    bars("by_status", [Row(s, viewer.status(s), tallies.status.get(s, 0)) for s in STATUSES], tallies.total)
    if level is not None:
        children = data.child_regions(session, viewer.principal.scope, area)
        seen = {code for code, _ in children}
        children += [
            (code, code) for code in tallies.areas if code not in seen
        ]  # a code without a region row
        rows = [
            Row(
                code,
                name,
                tallies.areas.get(code, 0),
                f"/wilayah/{code}" if viewer.principal.scope.covers(code) else None,
            )
            for code, name in children
        ]
        bars("by_area", sorted(rows, key=lambda r: (-r.count, r.label)), tallies.total)
    alert_levels = sorted({s.level for s in viewer.taxonomy.severities} | set(alerts.severity), reverse=True)
    bars(
        "alerts_by_severity",
        [Row(str(s), viewer.severity(s), alerts.severity.get(s, 0), tone=f"sev-{s}") for s in alert_levels],
        alerts.total,
        t("overview.alerts_now"),
    )
    bars(
        "alerts_by_status",
        [Row(s, _alert_status(viewer, s), alerts.status.get(s, 0)) for s in OPEN_STATUSES],
        alerts.total,
        t("overview.alerts_now"),
    )
    settings = get_settings(request)
    for code in settings.risk_profiles:
        try:
            profile = get_profile(code, settings.config_dir)
        except TigapilarError:
            continue
        found = data.risk_distribution(session, viewer.principal, profile, area)
        if not found.total:
            continue
        english = language == "en"
        rows = [
            Row(c.code, c.label_en if english else c.label, c.count, tone=f"cat-{c.code}")
            for c in found.categories
        ]
        name = profile.name_en if english else profile.name
        unit = t(f"overview.level.{found.level}")
        title = t("overview.chart.risk", profile=name, level=unit)
        svg = bar_chart([Bar(r.label, r.count, r.tone) for r in rows], title=title, language=language)
        charts.append(Chart(f"risk-{profile.code}", title, svg, rows, found.total))
    context.update(
        {
            "charts": charts,
            "first": first,
            "last": last,
            "total": tallies.total,
            "alerts_total": alerts.total,
            "no_area_chart": level is None,
        }
    )
    return show(request, viewer, "overview/overview.html", context)


def _alert_status(viewer: Viewer, status: str) -> str:
    label, label_en = STATUS_LABELS.get(status, (status, status))
    return label_en if viewer.language == "en" else label


def local_today(viewer: Viewer, now: datetime) -> date:
    return now.astimezone(zone(viewer.zone_name)).date()
