"""Pages: ``/`` (where to go), ``/masuk`` (log in) and ``/keluar`` (log out)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tigapilar.accounts.login import InvalidCredentialsError, LoginLimits, RateLimitedError, authenticate
from tigapilar.accounts.sessions import start_session
from tigapilar.accounts.tokens import revoke_token
from tigapilar.web.deps import (
    SESSION_COOKIE,
    CrossSiteRequestError,
    DbSession,
    Now,
    check_same_origin,
    clear_session_cookie,
    client_address,
    get_settings,
    set_session_cookie,
)
from tigapilar.web.i18n import Translator
from tigapilar.web.pages.rendering import page_language, redirect, render
from tigapilar.web.pages.session import page_principal

router = APIRouter()
HOME = "/beranda"
LOGIN = "/masuk"


@router.get("/")
def start(request: Request, session: DbSession, now: Now) -> RedirectResponse:
    return redirect(request, HOME if page_principal(request, session, now) else LOGIN)


@router.get(LOGIN, response_model=None)
def login_form(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    if page_principal(request, session, now):
        return redirect(request, HOME)
    return _form(request, page_language(request))


@router.post(LOGIN, response_model=None)
def login_submit(
    request: Request,
    session: DbSession,
    now: Now,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> HTMLResponse | RedirectResponse:
    language = page_language(request)
    t = Translator(language)
    try:
        check_same_origin(request, required=False)
    except CrossSiteRequestError:
        return _form(request, language, username, t("login.error.cross_site"), 403)
    if not username.strip() or not password:
        return _form(request, language, username, t("login.error.missing"), 422)
    settings = get_settings(request)
    try:
        user = authenticate(
            session, username, password, client_address(request), now, LoginLimits.from_settings(settings)
        )
    except InvalidCredentialsError:
        return _form(request, language, username, t("login.error.invalid"), 401)
    except RateLimitedError as exc:
        minutes = max(1, math.ceil(exc.retry_after / 60))
        message = t("login.error.rate_limited", minutes=minutes)
        return _form(request, language, username, message, 429, {"Retry-After": str(exc.retry_after)})
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        revoke_token(session, previous)
    issued = start_session(session, user, now, settings.session_hours)
    assert issued.expires_at is not None  # sessions always expire
    response = redirect(request, "/peta")  # after login: the map first
    set_session_cookie(response, issued.token, issued.expires_at, now, settings)
    return response


@router.post("/keluar")
def logout(request: Request, session: DbSession) -> RedirectResponse:
    try:
        check_same_origin(request, required=True)
    except CrossSiteRequestError:
        # A forged logout must not end the session; sending the user home is harmless.
        return redirect(request, HOME)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        revoke_token(session, token)
    response = redirect(request, LOGIN)
    clear_session_cookie(response, get_settings(request))
    return response


def _form(
    request: Request,
    language: str,
    username: str = "",
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {
        "title": Translator(language)("login.title"),
        "username": username.strip()[:60],
        "error": error,
    }
    return render(request, "login.html", context, language=language, status=status, headers=headers)
