"""Pages: ``/wilayah/{code}`` (one region) and ``/tps/{tps_id}`` (one TPS): the vulnerability score and
category under each profile with every indicator's points and share, the trend from the daily
snapshots, recent reports, open alerts, the officers of the area and the places below, ranked.

A region page exists for regions inside the caller's scope; anything else answers the same 404 as an
unknown code. Partners see neither desa nor TPS pages: 403 for every desa code and every TPS id, decided
before anything is read (a report-fed score or the list of a desa's reports would say where reports
were). Officers' phone and NRP/NIP come from ``organisation.officers``, which leaves them out for roles
without the personal-data permission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from tigapilar.accounts.roles import Permission
from tigapilar.alerts.views import AlertFilter, AlertView, list_alerts
from tigapilar.core.errors import Invalid, NotFound, TigapilarError
from tigapilar.core.pagination import PageRequest
from tigapilar.organisation.officers import list_officers
from tigapilar.regions.codes import ancestors_of, level_of
from tigapilar.reports.views import ReportFilter, ReportView, list_reports
from tigapilar.risk.profile import LEVELS, REGION_LEVEL, ProfileConfig
from tigapilar.risk.service import scoring_time
from tigapilar.risk.views import Explanation, ScoreView, explain, get_profile, ranked, scored_levels
from tigapilar.storage.models import Region
from tigapilar.tps.registry import get_tps
from tigapilar.web.charts import Bar, bar_chart, line_chart, sparkline
from tigapilar.web.deps import DbSession, Now, get_settings
from tigapilar.web.formatting import zone
from tigapilar.web.pages import overview_data as data
from tigapilar.web.pages.overview import Refused, reachable_area, refusal, stage_bands
from tigapilar.web.pages.report_common import Viewer, error_page, guard, not_found_page, record_id, show

router = APIRouter()

RECENT_REPORTS = 10
OPEN_ALERTS = 20
OFFICERS = 60
CHILDREN = 100
LEVEL_NAMES = {rank: name for name, rank in REGION_LEVEL.items()}


@dataclass(frozen=True)
class ProfileScore:
    """One profile's view of a place: its score and explanation, or why there is none."""

    profile: ProfileConfig
    explanation: Explanation | None
    charts: dict[str, Any] = field(default_factory=dict)

    @property
    def view(self) -> ScoreView | None:
        return self.explanation.view if self.explanation else None


def _profiles(request: Request) -> list[ProfileConfig]:
    settings = get_settings(request)
    found: list[ProfileConfig] = []
    for code in settings.risk_profiles:
        try:
            found.append(get_profile(code, settings.config_dir))
        except TigapilarError:  # an installation that dropped a shipped profile
            continue
    return found


def _today(viewer: Viewer, profile: ProfileConfig, now: datetime) -> date:
    """The day "change" is measured up to, as the API does: today, or the end of a finished election."""
    return scoring_time(profile, now, viewer.calendar).astimezone(zone(viewer.zone_name)).date()


def _scores(
    session: Session, viewer: Viewer, profiles: list[ProfileConfig], level: str, place: str, now: datetime
) -> list[ProfileScore]:
    shown: list[ProfileScore] = []
    t, language = viewer.t, viewer.language
    for profile in profiles:
        if level not in scored_levels(profile):
            continue
        try:
            found = explain(
                session, viewer.principal, profile, level, place, today=_today(viewer, profile, now)
            )
        except NotFound:
            shown.append(ProfileScore(profile, None))
            continue
        except Invalid:  # a level this caller may not see under this profile
            continue
        english = language == "en"
        name = profile.name_en if english else profile.name
        history = found.history
        charts: dict[str, Any] = {
            "spark": sparkline([h.score for h in history], title=t("places.trend_of", profile=name)),
            "trend": line_chart(
                [(h.day, h.score) for h in history],
                title=t("places.trend_of", profile=name),
                language=language,
                decimals=1,
                bands=stage_bands(viewer.calendar, history[0].day, history[-1].day, language, None)
                if history
                else (),
                empty=t("places.no_history"),
            ),
            "points": bar_chart(
                [Bar(i.label_en if english else i.label, i.points) for i in found.indicators if i.points > 0],
                title=t("places.points_of", profile=name),
                language=language,
                decimals=2,
                empty=t("places.no_points"),
            ),
        }
        shown.append(ProfileScore(profile, found, charts))
    return shown


def _reports(session: Session, viewer: Viewer, area: str) -> list[ReportView]:
    return list_reports(
        session, viewer.principal, ReportFilter(area=area), PageRequest(limit=RECENT_REPORTS)
    ).items


def _alerts(session: Session, viewer: Viewer, area: str, now: datetime) -> list[AlertView]:
    wanted = AlertFilter(status="terbuka", area=area)
    return list_alerts(session, viewer.principal, wanted, PageRequest(limit=OPEN_ALERTS), now).items


def _breadcrumbs(session: Session, viewer: Viewer, code: str) -> list[tuple[str, str, bool]]:
    """(code, name, linked) of the ancestors: the scope names them all (``touches``), links those inside."""
    codes = [c for c in ancestors_of(code) if viewer.principal.scope.touches(c)]
    names = data.region_names(session, codes)
    return [(c, names.get(c, c), viewer.principal.scope.covers(c)) for c in codes]


@router.get("/wilayah/{code}", response_model=None)
def region_page(request: Request, session: DbSession, now: Now, code: str) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    try:
        code = reachable_area(session, viewer, code, covered=True)
    except Refused as refused:
        return refusal(request, viewer, refused)
    region = session.get(Region, code)
    assert region is not None  # checked by reachable_area
    level = LEVEL_NAMES[region.level]
    profiles = _profiles(request)
    scores = _scores(session, viewer, profiles, level, code, now)
    officers = list_officers(
        session,
        viewer.principal,
        village=code if region.level == 4 else None,
        area=None if region.level == 4 else code,
        active=True,
        page=PageRequest(limit=OFFICERS),
    )
    context = {
        "title": region.name,
        "region": region,
        "level_label": viewer.t(f"overview.level.{level}"),
        "crumbs": _breadcrumbs(session, viewer, code),
        "scores": scores,
        "reports": _reports(session, viewer, code),
        "alerts": _alerts(session, viewer, code, now),
        "officers": officers.items,
        "officers_total": officers.total,
        "personal": viewer.principal.can(Permission.VIEW_PERSONAL_DATA),
        "children": _children(session, viewer, profiles, region, now),
    }
    return show(request, viewer, "overview/region.html", context)


@dataclass(frozen=True)
class Child:
    name: str
    href: str | None
    score: ScoreView | None


def _children(
    session: Session, viewer: Viewer, profiles: list[ProfileConfig], region: Region, now: datetime
) -> dict[str, Any]:
    """The places one level down, most vulnerable first under the first profile that scores them
    for this caller; unscored child regions by name when no profile does."""
    below = LEVELS[LEVELS.index(LEVEL_NAMES[region.level]) + 1] if region.level < 4 else "tps"
    if viewer.blurred and below in ("desa", "tps"):
        return {"level": below, "profile": None, "rows": [], "hidden": True}
    for profile in profiles:
        if below not in scored_levels(profile):
            continue
        try:
            found = ranked(
                session,
                viewer.principal,
                profile,
                below,
                today=_today(viewer, profile, now),
                area=region.code,
                page=PageRequest(limit=CHILDREN),
            )
        except TigapilarError:
            continue
        if found.items:
            rows = [Child(s.name, _place_link(viewer, s), s) for s in found.items]
            return {"level": below, "profile": profile, "rows": rows, "total": found.total, "hidden": False}
    if region.level == 4:
        return {"level": below, "profile": None, "rows": [], "hidden": False}
    children = data.child_regions(session, viewer.principal.scope, region.code)
    rows = [
        Child(name, f"/wilayah/{code}" if viewer.principal.scope.covers(code) else None, None)
        for code, name in children
    ]
    return {"level": below, "profile": None, "rows": rows, "total": len(rows), "hidden": False}


def _place_link(viewer: Viewer, score: ScoreView) -> str | None:
    if score.tps_id is not None:
        return f"/tps/{score.tps_id}"
    return f"/wilayah/{score.place}" if viewer.principal.scope.covers(score.place) else None


@router.get("/tps/{tps_id}", response_model=None)
def tps_page(request: Request, session: DbSession, now: Now, tps_id: str) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    if viewer.blurred:  # every id alike, known or not
        return error_page(request, viewer, 403, viewer.t("overview.too_fine"))
    number = record_id(tps_id)
    if number is None:
        return not_found_page(request, viewer)
    try:
        tps = get_tps(session, viewer.principal.scope, number)
    except NotFound:
        return not_found_page(request, viewer)
    profiles = [p for p in _profiles(request) if p.election == tps.election]
    desa = session.get(Region, tps.desa_code)
    context = {
        "title": f"TPS {tps.number:03d} {desa.name if desa else tps.desa_code}",
        "tps": tps,
        "desa": desa,
        "level_of": level_of,
        "crumbs": [
            *_breadcrumbs(session, viewer, tps.desa_code),
            (tps.desa_code, desa.name if desa else "", True),
        ],
        "scores": _scores(session, viewer, profiles, "tps", f"tps:{tps.id}", now),
        "reports": _reports(session, viewer, tps.desa_code),
    }
    return show(request, viewer, "overview/tps.html", context)
