"""Page: ``/beranda``, the home page: who is logged in, their role and area of duty."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tigapilar.accounts.profile import profile_of
from tigapilar.accounts.roles import role_label
from tigapilar.accounts.tokens import find_token
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
    }
    return render(request, "home.html", context, language=language)
