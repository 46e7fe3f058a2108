"""Page: ``/beranda``, the home page: who is logged in, their role and area of duty."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.profile import profile_of
from tigapilar.accounts.roles import role_label
from tigapilar.accounts.tokens import find_token
from tigapilar.core.errors import TigapilarError
from tigapilar.tps.registry import TpsSummary, summarise_tps
from tigapilar.web.deps import SESSION_COOKIE, DbSession, Now, get_settings
from tigapilar.web.formatting import format_datetime
from tigapilar.web.i18n import Translator
from tigapilar.web.pages.rendering import page_language, redirect, render
from tigapilar.web.pages.session import page_principal

router = APIRouter()


@router.get("/beranda", response_model=None)
def home(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    principal = page_principal(request, session, now)
    if principal is None:
        return redirect(request, "/masuk")
    language = page_language(request, principal.language)
    zone = get_settings(request).timezone
    token = find_token(session, request.cookies.get(SESSION_COOKIE, ""))
    expires = token.expires_at if token is not None else None
    context = {
        "title": Translator(language)("home.title"),
        "profile": profile_of(session, principal),
        "role_label": role_label(principal.role, language),
        "session_until": format_datetime(expires, zone, language) if expires else None,
        "now": format_datetime(now, zone, language),
        "tps": _tps_overview(session, principal),
    }
    return render(request, "home.html", context, language=language)


def _tps_overview(session: Session, principal: Principal) -> TpsSummary | None:
    """TPS and DPT per region one level below the caller's area; None when it cannot be summed
    (several elections in scope) or there is nothing yet."""
    codes = sorted(principal.scope.codes)
    area = codes[0] if not principal.scope.national and len(codes) == 1 else None
    try:
        summary = summarise_tps(session, principal.scope, area=area)
    except TigapilarError:
        return None
    return summary if summary.total.tps else None
