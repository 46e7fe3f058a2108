"""Page: ``/peta``, the map: regions coloured by vulnerability, report counts, open alerts.

The map itself is drawn in the browser by Leaflet (served from the installed ``xstatic-leaflet``
package, never a CDN) and our ``static/map.js``, which read ``/api/v1/map/*``. There is no tile layer:
no request ever leaves the site, so the map works in a command post without internet. The same
regions are listed under the map from the server (the page works, and drills down, without script).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from xstatic.pkg import leaflet

from tigapilar.accounts.principal import Principal
from tigapilar.core.errors import TigapilarError
from tigapilar.maps import layers
from tigapilar.regions.codes import ancestors_of, level_of
from tigapilar.reports.views import STATUSES, blurs_location
from tigapilar.risk.views import available_profiles, get_profile
from tigapilar.storage.models import Region
from tigapilar.web.deps import DbSession, Now, get_settings
from tigapilar.web.pages.rendering import STATIC_DIR
from tigapilar.web.pages.report_common import Viewer, guard, show

router = APIRouter()
MAP = "/peta"
LEAFLET_PATH = "/static/leaflet"
FILTERS = ("stage", "date_from", "date_to", "category", "min_severity", "status")
NEXT_LEVEL = {"kabkota": "kecamatan", "kecamatan": "desa", "desa": "tps"}
LEVEL_OF_RANK = {**{rank: level for level, rank in layers.LEVELS.items()}, 5: "tps"}
# The page's own policy: scripts and fetches of this site only (other pages run no script at all).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Leaflet's sources ship with the package; asserted at import so a broken install fails at start.
assert (STATIC_DIR / "map.js").is_file() and leaflet.BASE_DIR is not None


def mount_leaflet(app: FastAPI) -> None:
    """Serve Leaflet from the installed package under /static/leaflet (before the /static mount)."""
    app.mount(LEAFLET_PATH, StaticFiles(directory=leaflet.BASE_DIR), name="leaflet")


@dataclass(frozen=True)
class Crumb:
    label: str
    link: str


@dataclass(frozen=True)
class MapQuery:
    """The map's level, parent, profile and filters as typed (to show them again)."""

    level: str
    parent: str | None
    profile: str
    raw: dict[str, str]

    @classmethod
    def of(cls, params: QueryParams, principal: Principal, profiles: list[str], default: str) -> MapQuery:
        raw = {name: params.get(name, "").strip()[:40] for name in FILTERS}
        profile = params.get("profile", "").strip()[:60]
        level = params.get("level", "").strip()[:10]
        parent = params.get("parent", "").strip()[:20] or None
        if not level:
            level, parent = start_view(principal)
        return cls(level, parent, profile if profile in profiles else default, raw)

    def link(self, level: str, parent: str | None) -> str:
        kept = {name: value for name, value in self.raw.items() if value}
        place = {"level": level, **({"parent": parent} if parent else {})}
        return "?" + urlencode({**place, "profile": self.profile, **kept})

    def filter(self, zone_name: str) -> layers.MapFilter:
        severity = self.raw["min_severity"]
        return layers.MapFilter.of_days(
            _day(self.raw["date_from"]),
            _day(self.raw["date_to"]),
            zone_name,
            category=self.raw["category"],
            min_severity=int(severity) if severity.isascii() and severity.isdigit() else None,
            status=self.raw["status"],
            stage=self.raw["stage"],
        )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def start_view(principal: Principal) -> tuple[str, str | None]:
    """Where the map opens: the top level of the caller's area (national callers: every kab/kota)."""
    if principal.scope.national or not principal.scope.codes:
        return "kabkota", None
    top = min(level_of(code) for code in principal.scope.codes)
    codes = sorted(c for c in principal.scope.codes if level_of(c) == top)
    if top == 1:
        return "kabkota", codes[0] if len(codes) == 1 else None
    # Partners see no desa level: a partner of one desa starts at the kecamatan (and sees none).
    finest = layers.LEVELS["kecamatan"] if blurs_location(principal) else layers.LEVELS["desa"]
    if len(codes) == 1 and top < finest:
        # One area (a Polres's kab/kota, a Polsek's kecamatan): open on what lies inside it, not on
        # a single shape.
        return LEVEL_OF_RANK[top + 1], codes[0]
    return LEVEL_OF_RANK[min(top, finest)], None


def crumbs(session: Session, viewer: Viewer, q: MapQuery) -> list[Crumb]:
    """The way back up: the caller's top view, then every region above the current level it touches."""
    top_level, top_parent = start_view(viewer.principal)
    trail = [Crumb(viewer.t("map.top"), q.link(top_level, top_parent))]
    if not q.parent:
        return trail
    codes = [c for c in [*ancestors_of(q.parent), q.parent] if viewer.principal.scope.touches(c)]
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
    for code in codes:
        below = LEVEL_OF_RANK.get(level_of(code) + 1)
        if below and code in names and (top_parent is None or len(code) >= len(top_parent)):
            trail.append(Crumb(names[code], q.link(below, code)))
    return trail


def _config(request: Request, viewer: Viewer, q: MapQuery, trail: list[Crumb]) -> dict[str, Any]:
    """What ``map.js`` needs: where to read, where it starts, and its texts in the page's language."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    profile = get_profile(q.profile, get_settings(request).config_dir)
    bands = {
        level: [{"code": b.code, "label": b.label_en if viewer.language == "en" else b.label} for b in bands]
        for level in layers.LEVELS
        for bands in [profile.bands_for(level)]
    }
    keys = (
        "reports", "alerts", "score", "worst", "no_score", "demo_position", "drill", "tps", "no_position",
        "open_alert", "loading", "failed", "report_points", "points_omitted", "severity", "status", "top",
    )  # fmt: skip
    return {
        "api": f"{root}/api/v1/map",
        "root": root,
        "level": q.level,
        "parent": q.parent,
        "profile": q.profile,
        "filters": {name: value for name, value in q.raw.items() if value},
        "language": viewer.language,
        "blurred": viewer.blurred,
        "bands": bands,
        "crumbs": [{"label": c.label, "link": c.link} for c in trail],
        "text": {key: viewer.t(f"map.js.{key}") for key in keys},
    }


@router.get(MAP, response_model=None)
def map_page(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    settings = get_settings(request)
    profiles = available_profiles(settings.config_dir)
    default = next((p for p in settings.risk_profiles if p in profiles), profiles[0] if profiles else "")
    q = MapQuery.of(request.query_params, viewer.principal, profiles, default)
    layer: layers.RegionLayer | None = None
    tps: list[layers.TpsPoint] | None = None
    error: str | None = None
    status = 200
    try:
        profile = get_profile(q.profile, settings.config_dir)
        if q.level == "tps":  # inside one desa: its TPS (the parent is the desa)
            tps = layers.tps_layer(session, viewer.principal, profile, q.parent or "")
        else:
            layer = layers.region_layer(
                session, viewer.principal, profile, q.level, q.filter(settings.timezone), q.parent
            )
    except TigapilarError as exc:
        error, status = viewer.error_text(exc), exc.status
    trail = crumbs(session, viewer, q) if status != 404 else crumbs(session, viewer, _top(q, viewer))
    next_level = NEXT_LEVEL.get(q.level)
    if viewer.blurred and next_level not in layers.PARTNER_LEVELS:
        next_level = None
    context = {
        "title": viewer.t("map.title"),
        "nav_current": "map",
        "q": q,
        "layer": layer,
        "tps": tps,
        "error": error,
        "crumbs": trail,
        "next_level": next_level if next_level in layers.LEVELS else None,
        "profiles": profiles,
        "statuses": STATUSES,
        "stages": _stages(viewer),
        "config": _config(request, viewer, q, trail) if error is None else None,
    }
    response = show(request, viewer, "map/page.html", context, status=status)
    response.headers["Content-Security-Policy"] = CSP
    return response


def _top(q: MapQuery, viewer: Viewer) -> MapQuery:
    level, parent = start_view(viewer.principal)
    return MapQuery(level, parent, q.profile, q.raw)


def _stages(viewer: Viewer) -> list[tuple[str, str]]:
    """(code, label) of every stage of the calendar's elections, once each."""
    seen: dict[str, str] = {}
    for election in viewer.calendar.config.election:
        for stage in election.stage:
            seen.setdefault(stage.code, stage.label_en if viewer.language == "en" else stage.label)
    return list(seen.items())
