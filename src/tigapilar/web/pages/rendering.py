"""Rendering a page: language choice, templates, and the security headers every page carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from tigapilar.web.deps import get_settings
from tigapilar.web.formatting import format_number
from tigapilar.web.i18n import LANGUAGE_COOKIE, LANGUAGES, Translator, pick_language

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
templates = Jinja2Templates(directory=TEMPLATES_DIR)  # autoescapes every variable

# Pages only ever load their own stylesheet; forms only post to this site; no framing (clickjacking).
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Same-origin requests keep their Referer, which the CSRF check falls back on.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def page_language(request: Request, user_language: str | None = None) -> str:
    """``?lang=`` first, then the language cookie, then the user's own language, then the default."""
    return pick_language(
        [request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE), user_language],
        get_settings(request).default_language,
    )


def root_path(request: Request) -> str:
    """The prefix the app is mounted under (empty unless behind a proxy at a sub-path)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    language: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    full = {
        "t": Translator(language),
        "lang": language,
        "languages": LANGUAGES,
        "root": root_path(request),
        "number": lambda value: format_number(value, language),
        **context,
    }
    response = templates.TemplateResponse(request, template, full, status_code=status)
    response.headers.update({**_HEADERS, **(headers or {})})
    remember_language(request, response)
    return response


def redirect(request: Request, path: str) -> RedirectResponse:
    """A 303 (after a POST, the browser follows with a GET) to a page of this site."""
    response = RedirectResponse(root_path(request) + path, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    remember_language(request, response)
    return response


def remember_language(request: Request, response: HTMLResponse | RedirectResponse) -> None:
    """Keep a language picked with ``?lang=`` for the next pages."""
    chosen = (request.query_params.get("lang") or "").strip().lower()
    if chosen in LANGUAGES and chosen != request.cookies.get(LANGUAGE_COOKIE):
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=LANGUAGE_COOKIE_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
            secure=get_settings(request).secure_cookies,
        )
